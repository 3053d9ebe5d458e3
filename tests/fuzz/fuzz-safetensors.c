/* fuzz-safetensors.c — libFuzzer target for the safetensors validator.
 *
 * The input is a whole file.  lucid_safetensors_new_from_data() must accept
 * it or refuse it with a LUCID_ERROR, never crash or read outside it.  When
 * it accepts, the invariants the rest of Lucid relies on are checked (every
 * tensor's bytes inside the input, byte sizes consistent, lookup agreeing
 * with the list) and every float tensor is converted with get_f32().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static void
check_tensor (LucidSafetensors *st, const LucidSafetensor *t,
              const uint8_t *data, size_t size)
{
  gint64 wildcard[LUCID_SAFETENSORS_MAX_DIMS];
  gint64 n = 1;
  GError *error = NULL;
  const float *f;

  check (t->n_dims <= LUCID_SAFETENSORS_MAX_DIMS);
  for (guint d = 0; d < t->n_dims; d++) {
    check (t->shape[d] >= 0);
    n *= t->shape[d]; /* cannot overflow: validated */
    wildcard[d] = -1;
  }
  check (n == t->n_elements);
  check (t->n_bytes == (gsize)t->n_elements * lucid_dtype_size (t->dtype));
  check (t->data >= data && t->n_bytes <= size
         && (gsize)(t->data - data) <= size - t->n_bytes);
  check (lucid_safetensors_lookup (st, t->name) == t);

  f = lucid_safetensors_get_f32 (st, t->name, t->n_dims, wildcard, &error);
  switch (t->dtype) {
    case LUCID_DTYPE_F16:
    case LUCID_DTYPE_BF16:
    case LUCID_DTYPE_F32:
    case LUCID_DTYPE_F64: {
      volatile float sum = 0;

      check (f != NULL && error == NULL);
      /* touch every element so ASan sees any overrun */
      for (gint64 i = 0; i < t->n_elements; i++)
        sum += f[i];
      (void)sum;
      break;
    }
    default:
      check (f == NULL && error != NULL && error->domain == LUCID_ERROR);
      g_error_free (error);
      break;
  }

  /* a wrong rank is refused */
  error = NULL;
  if (t->n_dims < LUCID_SAFETENSORS_MAX_DIMS) {
    wildcard[t->n_dims] = -1;
    check (
        lucid_safetensors_get_f32 (st, t->name, t->n_dims + 1, wildcard, &error)
        == NULL);
    check (error != NULL && error->domain == LUCID_ERROR);
    g_error_free (error);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  LucidSafetensors *st;
  guint64 end = 0;

  st = lucid_safetensors_new_from_data (data, size, "fuzz", &error);
  if (st == NULL) {
    check (error != NULL && error->domain == LUCID_ERROR);
    g_error_free (error);
    return 0;
  }
  check (error == NULL);

  for (guint i = 0; i < lucid_safetensors_get_n_tensors (st); i++) {
    const LucidSafetensor *t = lucid_safetensors_get_nth (st, i);

    check_tensor (st, t, data, size);
    /* in offset order and tiling the data buffer */
    if (i > 0)
      check (t->data
             == lucid_safetensors_get_nth (st, i - 1)->data
                    + lucid_safetensors_get_nth (st, i - 1)->n_bytes);
    end = (guint64)(t->data + t->n_bytes - data);
  }
  if (lucid_safetensors_get_n_tensors (st) > 0)
    check (end == size);
  check (lucid_safetensors_get_metadata (st) != NULL);
  /* __metadata__ is never a tensor */
  check (lucid_safetensors_lookup (st, "__metadata__") == NULL);
  check (strlen (lucid_safetensors_get_sha256 (st)) == 64);
  lucid_safetensors_free (st);
  return 0;
}
