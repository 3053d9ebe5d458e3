/* lucidmeta.c — LucidTensorMeta, the result custom meta and the lucid-groups
 * tag (the contract is in lucidmeta.h).
 *
 * LucidTensorMeta is registered the way upstream registers GstTensorMeta in
 * gst-libs/gst/analytics/gsttensormeta.c (1.28): an API type with an empty
 * tags array (the meta describes the content as a whole, not its memory or
 * its geometry, so every element may keep it), the implementation under
 * g_once_init_enter, and init/free/transform functions. The transform
 * handles copy transforms only: it copies the tensor structs and refs their
 * data buffers, so a copy costs a few small allocations, never the tensor
 * bytes. Like upstream it also copies on region copies (a sub-buffer keeps
 * the meta of the whole); scale and other transforms drop the meta.
 *
 * Results ride as GstCustomMeta named LUCID_RESULT_META_NAME. GStreamer 1.22's
 * custom meta already copies its structure on copy transforms when no
 * transform function is given (checked against 1.22.0: gst_buffer_copy and
 * gst_buffer_copy_region keep it), so none is registered. The structure
 * GStreamer creates is named after the meta; lucid_buffer_add_result()
 * renames it to "lucid-result" and fills in the caller's fields.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidmeta.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (lucid_meta_debug);
#define GST_CAT_DEFAULT lucid_meta_debug

static void
lucid_meta_debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (lucid_meta_debug, "lucidmeta", 0,
                             "Lucid tensor and result metadata");
    g_once_init_leave (&done, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* LucidTensor                                                               */

/* Bits per element, 0 when the type has no fixed size. */
static guint
lucid_tensor_data_type_bits (LucidTensorDataType data_type)
{
  switch (data_type) {
    case LUCID_TENSOR_DATA_TYPE_INT4:
    case LUCID_TENSOR_DATA_TYPE_UINT4:
      return 4;
    case LUCID_TENSOR_DATA_TYPE_INT8:
    case LUCID_TENSOR_DATA_TYPE_UINT8:
    case LUCID_TENSOR_DATA_TYPE_BOOL:
    case LUCID_TENSOR_DATA_TYPE_FLOAT8E4M3FN:
    case LUCID_TENSOR_DATA_TYPE_FLOAT8E4M3FNUZ:
    case LUCID_TENSOR_DATA_TYPE_FLOAT8E5M2:
    case LUCID_TENSOR_DATA_TYPE_FLOAT8E5M2FNUZ:
      return 8;
    case LUCID_TENSOR_DATA_TYPE_INT16:
    case LUCID_TENSOR_DATA_TYPE_UINT16:
    case LUCID_TENSOR_DATA_TYPE_FLOAT16:
    case LUCID_TENSOR_DATA_TYPE_BFLOAT16:
      return 16;
    case LUCID_TENSOR_DATA_TYPE_INT32:
    case LUCID_TENSOR_DATA_TYPE_UINT32:
    case LUCID_TENSOR_DATA_TYPE_FLOAT32:
      return 32;
    case LUCID_TENSOR_DATA_TYPE_INT64:
    case LUCID_TENSOR_DATA_TYPE_UINT64:
    case LUCID_TENSOR_DATA_TYPE_FLOAT64:
    case LUCID_TENSOR_DATA_TYPE_COMPLEX64:
      return 64;
    case LUCID_TENSOR_DATA_TYPE_COMPLEX128:
      return 128;
    case LUCID_TENSOR_DATA_TYPE_STRING:
    default:
      return 0;
  }
}

/* Product of @dims, FALSE on overflow. */
static gboolean
lucid_tensor_count_elements (gsize num_dims, const gsize *dims, gsize *count)
{
  gsize n = 1;

  for (gsize i = 0; i < num_dims; i++) {
    if (dims[i] != 0 && n > G_MAXSIZE / dims[i])
      return FALSE;
    n *= dims[i];
  }
  *count = n;
  return TRUE;
}

static LucidTensor *
lucid_tensor_alloc (gsize num_dims)
{
  return g_malloc0 (sizeof (LucidTensor) + num_dims * sizeof (gsize));
}

LucidTensor *
lucid_tensor_new_simple (GQuark id, LucidTensorDataType data_type,
                         GstBuffer *data, LucidTensorDimOrder dims_order,
                         gsize num_dims, const gsize *dims)
{
  LucidTensor *tensor;
  guint bits;
  gsize count;

  g_return_val_if_fail (GST_IS_BUFFER (data), NULL);
  g_return_val_if_fail (num_dims == 0 || dims != NULL, NULL);

  bits = lucid_tensor_data_type_bits (data_type);
  if (!lucid_tensor_count_elements (num_dims, dims, &count)
      || (bits > 0 && count > (G_MAXSIZE - 7) / bits)) {
    g_critical ("lucid_tensor_new_simple: the dimensions overflow gsize");
    gst_buffer_unref (data);
    return NULL;
  }
  if (bits > 0 && gst_buffer_get_size (data) < (count * bits + 7) / 8) {
    g_critical ("lucid_tensor_new_simple: %" G_GSIZE_FORMAT " elements of %u"
                " bits need %" G_GSIZE_FORMAT
                " bytes, the buffer holds %" G_GSIZE_FORMAT,
                count, bits, (count * bits + 7) / 8,
                gst_buffer_get_size (data));
    gst_buffer_unref (data);
    return NULL;
  }

  tensor = lucid_tensor_alloc (num_dims);
  tensor->id = id;
  tensor->layout = LUCID_TENSOR_LAYOUT_CONTIGUOUS;
  tensor->data_type = data_type;
  tensor->data = data;
  tensor->dims_order = dims_order;
  tensor->num_dims = num_dims;
  if (num_dims > 0)
    memcpy (tensor->dims, dims, num_dims * sizeof (gsize));
  return tensor;
}

LucidTensor *
lucid_tensor_new_f32 (GQuark id, const float *values, gsize num_dims,
                      const gsize *dims)
{
  gsize count;

  g_return_val_if_fail (num_dims == 0 || dims != NULL, NULL);
  if (!lucid_tensor_count_elements (num_dims, dims, &count)
      || count > G_MAXSIZE / sizeof (float)) {
    g_critical ("lucid_tensor_new_f32: the dimensions overflow gsize");
    return NULL;
  }
  g_return_val_if_fail (count == 0 || values != NULL, NULL);

  /* gst_buffer_new_memdup() refuses 0 bytes (a dimension of size 0). */
  return lucid_tensor_new_simple (
      id, LUCID_TENSOR_DATA_TYPE_FLOAT32,
      count == 0 ? gst_buffer_new ()
                 : gst_buffer_new_memdup (values, count * sizeof (float)),
      LUCID_TENSOR_DIM_ORDER_ROW_MAJOR, num_dims, dims);
}

/* A new tensor struct sharing @tensor's data buffer. */
static LucidTensor *
lucid_tensor_copy (const LucidTensor *tensor)
{
  LucidTensor *copy = lucid_tensor_alloc (tensor->num_dims);

  memcpy (copy, tensor,
          sizeof (LucidTensor) + tensor->num_dims * sizeof (gsize));
  copy->data = gst_buffer_ref (tensor->data);
  return copy;
}

void
lucid_tensor_free (LucidTensor *tensor)
{
  if (tensor == NULL)
    return;
  gst_buffer_unref (tensor->data);
  g_free (tensor);
}

/* ------------------------------------------------------------------------ */
/* LucidTensorMeta                                                           */

static gboolean
lucid_tensor_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  LucidTensorMeta *tmeta = (LucidTensorMeta *)meta;

  tmeta->num_tensors = 0;
  tmeta->tensors = NULL;
  tmeta->model_id = NULL;
  return TRUE;
}

static void
lucid_tensor_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  LucidTensorMeta *tmeta = (LucidTensorMeta *)meta;

  for (gsize i = 0; i < tmeta->num_tensors; i++)
    lucid_tensor_free (tmeta->tensors[i]);
  g_free (tmeta->tensors);
  g_free (tmeta->model_id);
  tmeta->tensors = NULL;
  tmeta->num_tensors = 0;
  tmeta->model_id = NULL;
}

static gboolean
lucid_tensor_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
                             GQuark type, gpointer data)
{
  LucidTensorMeta *smeta = (LucidTensorMeta *)meta;
  LucidTensorMeta *dmeta;

  if (!GST_META_TRANSFORM_IS_COPY (type)) {
    GST_LOG ("dropping tensor meta on %s transform", g_quark_to_string (type));
    return FALSE;
  }

  dmeta = (LucidTensorMeta *)gst_buffer_add_meta (
      dest, lucid_tensor_meta_get_info (), NULL);
  if (dmeta == NULL)
    return FALSE;

  dmeta->model_id = g_strdup (smeta->model_id);
  dmeta->num_tensors = smeta->num_tensors;
  dmeta->tensors = g_new0 (LucidTensor *, smeta->num_tensors);
  for (gsize i = 0; i < smeta->num_tensors; i++)
    dmeta->tensors[i] = lucid_tensor_copy (smeta->tensors[i]);

  GST_TRACE ("copied tensor meta (%" G_GSIZE_FORMAT " tensors) from %p to %p",
             smeta->num_tensors, buffer, dest);
  return TRUE;
}

GType
lucid_tensor_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("LucidTensorMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

const GstMetaInfo *
lucid_tensor_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *meta;

    lucid_meta_debug_init ();
    meta = gst_meta_register (LUCID_TENSOR_META_API_TYPE, "LucidTensorMeta",
                              sizeof (LucidTensorMeta), lucid_tensor_meta_init,
                              lucid_tensor_meta_free,
                              lucid_tensor_meta_transform);
    g_once_init_leave (&info, meta);
  }
  return info;
}

LucidTensorMeta *
lucid_buffer_add_tensor_meta (GstBuffer *buffer, const gchar *model_id,
                              gsize num_tensors, LucidTensor **tensors)
{
  LucidTensorMeta *tmeta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (num_tensors == 0 || tensors != NULL, NULL);

  tmeta = (LucidTensorMeta *)gst_buffer_add_meta (
      buffer, lucid_tensor_meta_get_info (), NULL);
  tmeta->model_id = g_strdup (model_id);
  tmeta->num_tensors = num_tensors;
  tmeta->tensors = tensors;
  return tmeta;
}

LucidTensorMeta *
lucid_buffer_iterate_tensor_metas (GstBuffer *buffer, gpointer *state)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (state != NULL, NULL);

  return (LucidTensorMeta *)gst_buffer_iterate_meta_filtered (
      buffer, state, LUCID_TENSOR_META_API_TYPE);
}

/* ------------------------------------------------------------------------ */
/* Result metas                                                              */

static const GstMetaInfo *result_meta_info = NULL;

static const GstMetaInfo *
lucid_result_meta_get_info (void)
{
  lucid_meta_init ();
  return result_meta_info;
}

static gboolean
lucid_result_copy_field (GQuark field, const GValue *value, gpointer target)
{
  gst_structure_id_set_value ((GstStructure *)target, field, value);
  return TRUE;
}

void
lucid_buffer_add_result (GstBuffer *buffer, GstStructure *result)
{
  GstCustomMeta *cmeta;
  GstStructure *s;

  g_return_if_fail (GST_IS_BUFFER (buffer));
  g_return_if_fail (result != NULL);
  if (!gst_buffer_is_writable (buffer)) {
    g_critical ("lucid_buffer_add_result: the buffer is not writable");
    gst_structure_free (result);
    return;
  }

  cmeta = (GstCustomMeta *)gst_buffer_add_meta (
      buffer, lucid_result_meta_get_info (), NULL);
  s = gst_custom_meta_get_structure (cmeta);
  gst_structure_set_name (s, gst_structure_get_name (result));
  gst_structure_foreach (result, lucid_result_copy_field, s);
  gst_structure_free (result);
}

const GstStructure *
lucid_buffer_iterate_results (GstBuffer *buffer, gpointer *state)
{
  GstMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (state != NULL, NULL);

  meta = gst_buffer_iterate_meta_filtered (buffer, state,
                                           lucid_result_meta_get_info ()->api);
  if (meta == NULL)
    return NULL;
  return gst_custom_meta_get_structure ((GstCustomMeta *)meta);
}

/* ------------------------------------------------------------------------ */

void
lucid_meta_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    static const gchar *tags[] = { NULL };

    lucid_meta_debug_init ();
    lucid_tensor_meta_get_info ();

    /* NULL transform: 1.22's custom meta copies the structure itself. */
    result_meta_info = gst_meta_register_custom (LUCID_RESULT_META_NAME, tags,
                                                 NULL, NULL, NULL);

    /* Registered so that taginject/parse-launch keep it and tag lists merge
     * it (unregistered names are dropped); a META tag: it describes the
     * stream's subjects, not its media. */
    gst_tag_register (LUCID_TAG_GROUPS, GST_TAG_FLAG_META, G_TYPE_STRING,
                      "lucid groups",
                      "group attributes for fairness audits, "
                      "e.g. \"gender=f;age=30-39\"",
                      gst_tag_merge_use_first);

    g_once_init_leave (&done, 1);
  }
}
