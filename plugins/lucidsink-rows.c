/* lucidsink-rows.c — how lucidsink turns a lucid-result structure into a
 * results row: the model and stream rows it refers to, its times, label,
 * score and embedding, and every other field as JSON (extras).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidsink-private.h"

#include <math.h>
#include <string.h>

#include "lucidmeta.h"
#include "lucid-model-files.h"

/* Fields of a lucid-result that have their own column (or table). */
static const gchar *const mapped_fields[] = {
  "element",      "kind",  "model-id", "model-dir", "model-family",
  "tensor-index", "label", "score",    "pts",       "duration",
};

/* ---- GValue → JSON ---------------------------------------------------- */

static JsonNode *
json_double_or_null (double d)
{
  JsonNode *node = json_node_alloc ();

  /* JSON has no NaN or infinity (json-glib would write "nan.0"). */
  if (isfinite (d))
    json_node_init_double (node, d);
  else
    json_node_init_null (node);
  return node;
}

JsonNode *
lucid_sink_json_string_or_null (const gchar *s)
{
  JsonNode *node = json_node_alloc ();

  if (s)
    json_node_init_string (node, s);
  else
    json_node_init_null (node);
  return node;
}

static gboolean
structure_field_to_json (GQuark field, const GValue *v, gpointer data)
{
  json_object_set_member (data, g_quark_to_string (field),
                          lucid_sink_gvalue_to_json (v));
  return TRUE;
}

/* Scalars map to JSON scalars, value arrays and lists to arrays, structures
 * to objects; anything else to its GStreamer serialization (or null). */
JsonNode *
lucid_sink_gvalue_to_json (const GValue *v)
{
  GType type = G_VALUE_TYPE (v);
  JsonNode *node;

  switch (G_TYPE_FUNDAMENTAL (type)) {
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (),
                                     g_value_get_boolean (v));
    case G_TYPE_CHAR:
      return json_node_init_int (json_node_alloc (), g_value_get_schar (v));
    case G_TYPE_UCHAR:
      return json_node_init_int (json_node_alloc (), g_value_get_uchar (v));
    case G_TYPE_INT:
      return json_node_init_int (json_node_alloc (), g_value_get_int (v));
    case G_TYPE_UINT:
      return json_node_init_int (json_node_alloc (), g_value_get_uint (v));
    case G_TYPE_LONG:
      return json_node_init_int (json_node_alloc (), g_value_get_long (v));
    case G_TYPE_ULONG:
      if (g_value_get_ulong (v) <= G_MAXINT64)
        return json_node_init_int (json_node_alloc (), g_value_get_ulong (v));
      break;
    case G_TYPE_INT64:
      return json_node_init_int (json_node_alloc (), g_value_get_int64 (v));
    case G_TYPE_UINT64:
      if (g_value_get_uint64 (v) <= G_MAXINT64)
        return json_node_init_int (json_node_alloc (), g_value_get_uint64 (v));
      break; /* too large for a JSON integer: a string */
    case G_TYPE_FLOAT:
      return json_double_or_null (g_value_get_float (v));
    case G_TYPE_DOUBLE:
      return json_double_or_null (g_value_get_double (v));
    case G_TYPE_STRING:
      return lucid_sink_json_string_or_null (g_value_get_string (v));
    case G_TYPE_ENUM: {
      GEnumClass *klass = g_type_class_ref (type);
      GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
      node = ev ? lucid_sink_json_string_or_null (ev->value_nick)
                : json_node_init_int (json_node_alloc (), g_value_get_enum (v));
      g_type_class_unref (klass);
      return node;
    }
    default:
      break;
  }

  if (GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)) {
    gboolean is_array = GST_VALUE_HOLDS_ARRAY (v);
    guint n
        = is_array ? gst_value_array_get_size (v) : gst_value_list_get_size (v);
    JsonArray *array = json_array_sized_new (n);

    for (guint i = 0; i < n; i++)
      json_array_add_element (array,
                              lucid_sink_gvalue_to_json (
                                  is_array ? gst_value_array_get_value (v, i)
                                           : gst_value_list_get_value (v, i)));
    node = json_node_alloc ();
    json_node_init_array (node, array);
    json_array_unref (array);
    return node;
  }
  if (GST_VALUE_HOLDS_STRUCTURE (v) && gst_value_get_structure (v)) {
    JsonObject *obj = json_object_new ();

    gst_structure_foreach (gst_value_get_structure (v), structure_field_to_json,
                           obj);
    node = json_node_alloc ();
    json_node_init_object (node, obj);
    json_object_unref (obj);
    return node;
  }
  {
    g_autofree gchar *s = gst_value_serialize (v);
    return lucid_sink_json_string_or_null (s);
  }
}

static gboolean
is_mapped_field (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (mapped_fields); i++)
    if (strcmp (name, mapped_fields[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
collect_extra (GQuark field, const GValue *v, gpointer data)
{
  if (!is_mapped_field (g_quark_to_string (field)))
    structure_field_to_json (field, v, data);
  return TRUE;
}

/* Every field without a column of its own, as a JSON object; NULL if none. */
static gchar *
extras_to_json (const GstStructure *s)
{
  g_autoptr (JsonObject) obj = json_object_new ();
  g_autoptr (JsonNode) node = json_node_alloc ();

  gst_structure_foreach (s, collect_extra, obj);
  if (json_object_get_size (obj) == 0)
    return NULL;
  json_node_init_object (node, obj);
  return json_to_string (node, FALSE);
}

/* ---- rows ------------------------------------------------------------- */

void
lucid_sink_post_store_error (LucidSink *self, const GError *error)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                     ("run %" G_GINT64_FORMAT, self->run_id));
}

/* The text of @dir/@name when it exists and is valid JSON, parsed into
 * @parser, else NULL (a file that exists but is not is logged). */
static gchar *
read_json_file (LucidSink *self, const gchar *dir, const gchar *name,
                JsonParser *parser)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = NULL;
  g_autoptr (GError) read_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  if (!g_file_get_contents (path, &text, NULL, &read_error)
      || !g_utf8_validate (text, -1, NULL)
      || !json_parser_load_from_data (parser, text, -1, &read_error)) {
    GST_WARNING_OBJECT (self, "%s: not recorded: %s", path,
                        read_error ? read_error->message : "invalid UTF-8");
    return NULL;
  }
  return g_steal_pointer (&text);
}

/* The family from config.json's model_type, else the producer's hint. The
 * directory's other files (lucid_model_files_describe()) and the text of
 * preprocessor_config.json are recorded too; files that changed make a new
 * models row. */
static gint64
lucid_sink_ensure_model (LucidSink *self, const gchar *dir, const gchar *sha256,
                         const gchar *family_hint, GError **error)
{
  g_autofree gchar *key = g_strconcat (dir, "\n", sha256, NULL);
  g_autofree gchar *config = NULL;
  g_autofree gchar *family = g_strdup (family_hint);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) files_error = NULL;
  g_autofree gchar *files = NULL;
  g_autofree gchar *files_sha256 = NULL;
  g_autofree gchar *preprocessor = NULL;
  LucidModelInfo info = { 0 };
  gint64 *cached = g_hash_table_lookup (self->models, key);
  gint64 id;

  if (cached)
    return *cached;

  config = read_json_file (self, dir, "config.json", parser);
  if (config == NULL) {
    GST_WARNING_OBJECT (self, "model %s: no config.json recorded", dir);
  } else {
    JsonNode *root = json_parser_get_root (parser);
    if (root && JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *obj = json_node_get_object (root);
      JsonNode *type = json_object_get_member (obj, "model_type");
      if (type && JSON_NODE_HOLDS_VALUE (type)
          && json_node_get_value_type (type) == G_TYPE_STRING) {
        g_free (family);
        family = g_strdup (json_node_get_string (type));
      }
    }
  }

  files = lucid_model_files_describe (dir, &files_sha256, &files_error);
  if (files_error != NULL)
    GST_WARNING_OBJECT (self, "model %s: its files are not recorded: %s", dir,
                        files_error->message);
  preprocessor = read_json_file (self, dir, "preprocessor_config.json",
                                 parser);

  info.dir = dir;
  info.sha256 = sha256;
  info.family = family;
  info.config_json = config;
  info.files_json = files;
  info.files_sha256 = files_sha256;
  info.preprocessor_json = preprocessor;
  id = lucid_store_ensure_model_info (self->store, &info, error);
  if (id == 0)
    return 0;
  g_hash_table_insert (self->models, g_steal_pointer (&key),
                       g_memdup2 (&id, sizeof (id)));
  return id;
}

/* The float32 tensor @index of the tensor meta of @model_id, copied;
 * NULL (logged) when there is none. */
static float *
lucid_sink_get_embedding (LucidSink *self, GstBuffer *buf,
                          const gchar *model_id, guint index, guint *dim)
{
  gpointer state = NULL;
  LucidTensorMeta *meta;

  while ((meta = lucid_buffer_iterate_tensor_metas (buf, &state))) {
    LucidTensor *t;
    GstMapInfo map;
    guint64 n = 1;
    float *values;

    if (g_strcmp0 (meta->model_id, model_id) != 0)
      continue;
    if (index >= meta->num_tensors || meta->tensors[index] == NULL) {
      GST_WARNING_OBJECT (self,
                          "tensor-index %u but the tensor meta of %s "
                          "has %" G_GSIZE_FORMAT " tensors",
                          index, model_id, meta->num_tensors);
      return NULL;
    }
    t = meta->tensors[index];
    if (t->data_type != LUCID_TENSOR_DATA_TYPE_FLOAT32 || t->data == NULL) {
      GST_WARNING_OBJECT (self,
                          "embedding tensor of %s is not float32 "
                          "(type %d), not stored",
                          model_id, t->data_type);
      return NULL;
    }
    for (gsize i = 0; i < t->num_dims && n <= G_MAXINT / 4; i++)
      n *= t->dims[i];
    if (n == 0 || n > G_MAXINT / 4) {
      GST_WARNING_OBJECT (
          self, "embedding of %s has %" G_GUINT64_FORMAT " values, not stored",
          model_id, n);
      return NULL;
    }
    if (!gst_buffer_map (t->data, &map, GST_MAP_READ))
      return NULL;
    if (map.size < n * sizeof (float)) {
      GST_WARNING_OBJECT (self,
                          "embedding of %s: %" G_GSIZE_FORMAT " bytes "
                          "for %" G_GUINT64_FORMAT " floats, not stored",
                          model_id, map.size, n);
      gst_buffer_unmap (t->data, &map);
      return NULL;
    }
    values = g_new (float, n);
    memcpy (values, map.data, n * sizeof (float));
    gst_buffer_unmap (t->data, &map);
    *dim = (guint)n;
    return values;
  }
  GST_WARNING_OBJECT (self,
                      "no tensor meta of model %s on the buffer: "
                      "embedding not stored",
                      model_id ? model_id : "(none)");
  return NULL;
}

static gboolean
value_get_number (const GValue *v, double *out)
{
  GValue d = G_VALUE_INIT;

  if (G_VALUE_HOLDS_DOUBLE (v)) {
    *out = g_value_get_double (v);
    return TRUE;
  }
  if (!g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_DOUBLE)
      || G_VALUE_HOLDS_STRING (v) || G_VALUE_HOLDS_BOOLEAN (v))
    return FALSE;
  g_value_init (&d, G_TYPE_DOUBLE);
  if (!g_value_transform (v, &d))
    return FALSE;
  *out = g_value_get_double (&d);
  return TRUE;
}

static gint64
clock_time_to_row (GstClockTime t)
{
  return GST_CLOCK_TIME_IS_VALID (t) && t <= G_MAXINT64 ? (gint64)t
                                                        : LUCID_STORE_TIME_NONE;
}

/* Queues @row; on a flush (unlock) waits for preroll and retries. */
static GstFlowReturn
lucid_sink_append (LucidSink *self, const LucidResultRow *row)
{
  for (;;) {
    g_autoptr (GError) error = NULL;
    GstFlowReturn ret;

    if (lucid_store_append_result (self->store, row, self->cancellable,
                                   &error)) {
      self->n_rows++;
      return GST_FLOW_OK;
    }
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      lucid_sink_post_store_error (self, error);
      return GST_FLOW_ERROR;
    }
    GST_DEBUG_OBJECT (self, "unlocked while the store queue was full");
    ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));
    if (ret != GST_FLOW_OK)
      return ret;
  }
}

/* One results row from @s; @buf is NULL for a result carried by an event. */
GstFlowReturn
lucid_sink_store_result (LucidSink *self, const GstStructure *s, GstBuffer *buf)
{
  GstBaseSink *bsink = GST_BASE_SINK (self);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *extras = NULL;
  g_autofree float *embedding = NULL;
  const gchar *element = gst_structure_get_string (s, "element");
  const gchar *kind = gst_structure_get_string (s, "kind");
  const gchar *model_sha = gst_structure_get_string (s, "model-id");
  const gchar *model_dir = gst_structure_get_string (s, "model-dir");
  const GValue *score = gst_structure_get_value (s, "score");
  GstClockTime pts = buf ? GST_BUFFER_PTS (buf) : GST_CLOCK_TIME_NONE;
  GstClockTime duration = buf ? GST_BUFFER_DURATION (buf) : GST_CLOCK_TIME_NONE;
  GstSegment segment;
  LucidResultRow row;
  guint64 t;
  guint index;

  if (element == NULL || kind == NULL) {
    if (!self->warned_malformed)
      GST_ELEMENT_WARNING (
          self, STREAM, FORMAT,
          ("Ignoring lucid-result metadata without an element or kind field."),
          ("%" GST_PTR_FORMAT, s));
    self->warned_malformed = TRUE;
    return GST_FLOW_OK;
  }

  lucid_store_result_row_init (&row);
  row.run_id = self->run_id;
  row.element = element;
  row.kind = kind;

  if (model_sha && model_dir) {
    row.model_id = lucid_sink_ensure_model (
        self, model_dir, model_sha,
        gst_structure_get_string (s, "model-family"), &error);
    if (row.model_id == 0) {
      lucid_sink_post_store_error (self, error);
      return GST_FLOW_ERROR;
    }
  }

  if (self->stream_row == 0) {
    self->stream_row = lucid_store_add_stream (
        self->store, self->run_id, self->stream_start_id, self->caps,
        GST_OBJECT_NAME (self), &error);
    if (self->stream_row == 0) {
      lucid_sink_post_store_error (self, error);
      return GST_FLOW_ERROR;
    }
  }
  row.stream_id = self->stream_row;

  /* Audio windows carry their own pts and duration. */
  if (gst_structure_get_uint64 (s, "pts", &t))
    pts = t;
  if (gst_structure_get_uint64 (s, "duration", &t))
    duration = t;
  row.pts = clock_time_to_row (pts);
  row.duration = clock_time_to_row (duration);
  GST_OBJECT_LOCK (self);
  segment = bsink->segment;
  GST_OBJECT_UNLOCK (self);
  if (segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts)) {
    row.stream_time = clock_time_to_row (
        gst_segment_to_stream_time (&segment, GST_FORMAT_TIME, pts));
    row.running_time = clock_time_to_row (
        gst_segment_to_running_time (&segment, GST_FORMAT_TIME, pts));
  }

  row.label = gst_structure_get_string (s, "label");
  if (score)
    row.has_score = value_get_number (score, &row.score);
  extras = extras_to_json (s);
  row.extras_json = extras;

  if (self->with_embeddings && buf
      && gst_structure_get_uint (s, "tensor-index", &index)) {
    embedding = lucid_sink_get_embedding (self, buf, model_sha, index,
                                          &row.embedding_dim);
    row.embedding = embedding;
    if (embedding == NULL)
      row.embedding_dim = 0;
  }

  return lucid_sink_append (self, &row);
}
