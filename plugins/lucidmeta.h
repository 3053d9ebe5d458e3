/* lucidmeta.h — the metadata Lucid stages attach to buffers.
 *
 * LucidTensorMeta mirrors upstream GStreamer 1.28's GstTensorMeta/GstTensor
 * (same layout and data-type enum order) under Lucid's own API name, so it
 * can be converted one-to-one when GStreamer >= 1.26 is available. It is
 * registered with an empty tags array and a transform function, so
 * videoconvert, tee, queue and buffer copies keep it. Each producing stage
 * adds its own meta and never edits another stage's.
 *
 * Results (labels + scores, pseudo-log-likelihoods, later fused scores,
 * explanations, audit windows) ride as GstCustomMeta carrying a GstStructure,
 * one registered custom meta name per kind; a buffer may carry several.
 *
 * Result structure contract (name "lucid-result"), read by lucidsink:
 *   element      string   name of the producing element (required)
 *   kind         string   "embedding" | "labels" | "pll" (required)
 *   model-id     string   hex SHA-256 of the weights (required)
 *   model-dir    string   model directory as given by the user (required)
 *   model-family string   e.g. "bert"
 *   tensor-index uint     index into the same stage's LucidTensorMeta of
 *                         the embedding, when there is one
 *   label        string   top-1 label (optional)
 *   score        double   its score (optional)
 *   labels       GstValueArray of string, top-k (optional)
 *   scores       GstValueArray of double, top-k (optional)
 *   pll          double   masked-LM pseudo-log-likelihood (optional)
 *   pll-tokens   uint     tokens scored (optional)
 *   text         string   the analysed text, markup stripped (optional)
 *   pts          guint64  overrides the buffer pts (audio windows) (optional)
 *   duration     guint64  overrides the buffer duration (optional)
 * Any other field is stored by lucidsink as JSON in the row's `extras`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Same values, in the same order, as GstTensorDataType: the first fourteen
 * are GStreamer 1.26's, the rest were appended in 1.28 (checked against
 * gst-libs/gst/analytics/gsttensor.h). A cast converts one into the other;
 * never reorder, only append what upstream appends. */
typedef enum {
  LUCID_TENSOR_DATA_TYPE_INT4,
  LUCID_TENSOR_DATA_TYPE_INT8,
  LUCID_TENSOR_DATA_TYPE_INT16,
  LUCID_TENSOR_DATA_TYPE_INT32,
  LUCID_TENSOR_DATA_TYPE_INT64,
  LUCID_TENSOR_DATA_TYPE_UINT4,
  LUCID_TENSOR_DATA_TYPE_UINT8,
  LUCID_TENSOR_DATA_TYPE_UINT16,
  LUCID_TENSOR_DATA_TYPE_UINT32,
  LUCID_TENSOR_DATA_TYPE_UINT64,
  LUCID_TENSOR_DATA_TYPE_FLOAT16,
  LUCID_TENSOR_DATA_TYPE_FLOAT32,
  LUCID_TENSOR_DATA_TYPE_FLOAT64,
  LUCID_TENSOR_DATA_TYPE_BFLOAT16,
  /* Since GStreamer 1.28: */
  LUCID_TENSOR_DATA_TYPE_STRING,        /* UTF-8; no fixed element size */
  LUCID_TENSOR_DATA_TYPE_BOOL,          /* one byte per value */
  LUCID_TENSOR_DATA_TYPE_COMPLEX64,     /* two float32 */
  LUCID_TENSOR_DATA_TYPE_COMPLEX128,    /* two float64 */
  LUCID_TENSOR_DATA_TYPE_FLOAT8E4M3FN,
  LUCID_TENSOR_DATA_TYPE_FLOAT8E4M3FNUZ,
  LUCID_TENSOR_DATA_TYPE_FLOAT8E5M2,
  LUCID_TENSOR_DATA_TYPE_FLOAT8E5M2FNUZ,
} LucidTensorDataType;

typedef enum {
  LUCID_TENSOR_DIM_ORDER_ROW_MAJOR,
  LUCID_TENSOR_DIM_ORDER_COL_MAJOR,
} LucidTensorDimOrder;

typedef enum {
  LUCID_TENSOR_LAYOUT_CONTIGUOUS,
} LucidTensorLayout;

/* Mirrors GstTensor. @data holds num_elements × element size bytes. */
typedef struct {
  GQuark id;                    /* e.g. "lucid-text-embedding" */
  LucidTensorLayout layout;
  LucidTensorDataType data_type;
  GstBuffer *data;
  LucidTensorDimOrder dims_order;
  gsize num_dims;
  gsize dims[];
} LucidTensor;

typedef struct {
  GstMeta meta;
  gsize num_tensors;
  LucidTensor **tensors;
  gchar *model_id;              /* hex SHA-256 of the producing model's weights */
} LucidTensorMeta;

GType lucid_tensor_meta_api_get_type (void);
#define LUCID_TENSOR_META_API_TYPE (lucid_tensor_meta_api_get_type ())
const GstMetaInfo *lucid_tensor_meta_get_info (void);
#define LUCID_TENSOR_META_INFO (lucid_tensor_meta_get_info ())

/* A new tensor owning @data (ref taken over, also on failure). @dims is
 * copied. Returns NULL (with a g_critical) when @data is smaller than the
 * product of @dims times the element size; STRING tensors are not checked. */
LucidTensor *lucid_tensor_new_simple (GQuark id, LucidTensorDataType data_type,
    GstBuffer * data, LucidTensorDimOrder dims_order, gsize num_dims,
    const gsize * dims);
/* A row-major float32 tensor holding a copy of the product-of-@dims floats
 * at @values. */
LucidTensor *lucid_tensor_new_f32 (GQuark id, const float *values,
    gsize num_dims, const gsize * dims);
void lucid_tensor_free (LucidTensor * tensor);

/* Adds a new meta (never reuses another stage's). Takes ownership of
 * @tensors (array and elements, allocated with g_new/lucid_tensor_new_*).
 * @buffer must be writable. Copy transforms (gst_buffer_copy, make_writable,
 * GstBaseTransform's copy_metadata as in videoconvert) copy the meta: new
 * tensor structs sharing (reffing) the same data buffers. Other transforms
 * drop it, as upstream's GstTensorMeta does. */
LucidTensorMeta *lucid_buffer_add_tensor_meta (GstBuffer * buffer,
    const gchar * model_id, gsize num_tensors, LucidTensor ** tensors);

/* Iterates the tensor metas of @buffer: start with *state = NULL. */
LucidTensorMeta *lucid_buffer_iterate_tensor_metas (GstBuffer * buffer,
    gpointer * state);

/* Result metas (GstCustomMeta, name LUCID_RESULT_META_NAME). */
#define LUCID_RESULT_META_NAME "LucidResultMeta"
#define LUCID_RESULT_STRUCTURE_NAME "lucid-result"

/* Attaches @result (ownership taken) as a new result meta; @buffer must be
 * writable. The meta's structure gets @result's name and fields. Copies of
 * the buffer copy the structure (GStreamer's default GstCustomMeta copy). */
void lucid_buffer_add_result (GstBuffer * buffer, GstStructure * result);
/* Iterates result structures: start with *state = NULL; returns NULL at end.
 * The structure belongs to the buffer. */
const GstStructure *lucid_buffer_iterate_results (GstBuffer * buffer,
    gpointer * state);

/* The registered string tag carrying group attributes, e.g.
 * taginject tags="lucid-groups=\"gender=f;age=30-39\"". */
#define LUCID_TAG_GROUPS "lucid-groups"

/* Registers the metas and tags; idempotent, called from plugin_init. */
void lucid_meta_init (void);

G_END_DECLS
