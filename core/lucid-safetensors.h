/* lucid-safetensors.h — read-only, validated, memory-mapped safetensors files.
 *
 * Format: 8-byte little-endian header length N, then N bytes of JSON (an object,
 * starting with '{', possibly padded with trailing spaces), then the data buffer.
 * Each tensor entry gives dtype, shape and data_offsets [begin, end) relative to
 * the data buffer. `__metadata__` is an optional string→string map.
 *
 * Validation follows the reference reader (see lucid-safetensors.c for the list);
 * a file that fails any check is refused whole with a LUCID_ERROR naming the file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Order follows upstream GstTensorDataType where both have the type. */
typedef enum {
  LUCID_DTYPE_BOOL,
  LUCID_DTYPE_U8,
  LUCID_DTYPE_I8,
  LUCID_DTYPE_U16,
  LUCID_DTYPE_I16,
  LUCID_DTYPE_U32,
  LUCID_DTYPE_I32,
  LUCID_DTYPE_U64,
  LUCID_DTYPE_I64,
  LUCID_DTYPE_F16,
  LUCID_DTYPE_BF16,
  LUCID_DTYPE_F32,
  LUCID_DTYPE_F64,
} LucidDType;

#define LUCID_SAFETENSORS_MAX_DIMS 8

typedef struct {
  const char *name;             /* owned by the file object */
  LucidDType dtype;
  guint n_dims;
  gint64 shape[LUCID_SAFETENSORS_MAX_DIMS];
  gint64 n_elements;
  const guint8 *data;           /* points into the mapping; may be unaligned */
  gsize n_bytes;
} LucidSafetensor;

typedef struct _LucidSafetensors LucidSafetensors;

/* Maps and validates @path. */
LucidSafetensors *lucid_safetensors_open (const char *path, GError **error);

/* Maps and validates @dir/model.safetensors, the weights of a model
 * directory. The one message for missing weights (every model family uses
 * it): names the file and, when @dir holds pickled pytorch_model.bin
 * weights instead, how to convert them. */
LucidSafetensors *lucid_safetensors_open_model (const char *dir,
    GError **error);

/* Validates @len bytes at @data without copying them; @data must outlive the
 * result. @label names the source in error messages. (Used by the fuzzer.) */
LucidSafetensors *lucid_safetensors_new_from_data (const guint8 *data, gsize len,
    const char *label, GError **error);

void lucid_safetensors_free (LucidSafetensors *st);

const char *lucid_safetensors_get_path (const LucidSafetensors *st);
guint lucid_safetensors_get_n_tensors (const LucidSafetensors *st);
/* Tensors in data-offset order. */
const LucidSafetensor *lucid_safetensors_get_nth (const LucidSafetensors *st, guint i);
/* NULL when absent. */
const LucidSafetensor *lucid_safetensors_lookup (const LucidSafetensors *st, const char *name);
/* The `__metadata__` map (string → string), never NULL. */
GHashTable *lucid_safetensors_get_metadata (const LucidSafetensors *st);

/* Returns the tensor @name as float32, checking that its shape equals
 * @shape[0..n_dims) (a shape entry of -1 matches any size). F32 data that is
 * 4-byte aligned is returned in place (no copy); F16/BF16/F64 (and unaligned F32)
 * are converted once into a buffer owned by @st and freed with it.  A
 * zero-sized tensor gives a non-NULL pointer to no elements.  Other dtypes
 * and shape mismatches are LUCID_ERROR_SHAPE, an absent tensor
 * LUCID_ERROR_MISSING.  Errors name the file, the tensor, and the expected
 * and found shape/dtype.  Not thread-safe (it fills a cache). */
const float *lucid_safetensors_get_f32 (LucidSafetensors *st, const char *name,
    guint n_dims, const gint64 *shape, GError **error);

/* Lowercase hex SHA-256 of the whole file (computed once, cached; not
 * thread-safe). */
const char *lucid_safetensors_get_sha256 (LucidSafetensors *st);

const char *lucid_dtype_to_string (LucidDType dtype);
gsize lucid_dtype_size (LucidDType dtype);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidSafetensors, lucid_safetensors_free)

G_END_DECLS
