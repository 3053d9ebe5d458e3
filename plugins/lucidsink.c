/* lucidsink.c — the element that writes Lucid results to SQLite.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-lucidsink
 * @title: lucidsink
 * @see_also: lucidtextenc
 *
 * Writes the results that Lucid stages attach to buffers to an SQLite
 * database, with their provenance, through core's store (one writer thread
 * per database file per process; see docs/store.md for the schema and an SQL
 * cookbook). It accepts any caps: the media itself is not stored.
 *
 * When it starts (READY→PAUSED) it records a run: the pipeline string (the
 * #LucidSink:pipeline-description property, by default the process's command
 * line, which for gst-launch-1.0 is the pipeline string), the settings of
 * every element of the top-level pipeline (each readable and writable
 * property whose value differs from its default, as JSON), the Lucid and
 * GStreamer versions and the host name.
 *
 * For each `lucid-result` structure on a buffer (see lucidmeta.h) it writes
 * one `results` row: producing element, kind, the model (a `models` row per
 * model directory and weights digest, holding the text of the directory's
 * config.json), the stream (a `streams` row per STREAM_START, with its caps),
 * pts and duration (the buffer's, or the structure's own `pts`/`duration`
 * fields, e.g. for audio windows), stream time and running time from the
 * current segment, label, score (NaN stored as NULL with
 * `score_null_reason`), and every other field as JSON in `extras`. With
 * #LucidSink:store-embeddings the float32 tensor named by the structure's
 * `tensor-index` in the #LucidTensorMeta of the same model goes to the
 * `embeddings` table. Serialized custom downstream events whose structure is
 * a `lucid-result` (results produced without a buffer, e.g. audit windows
 * closed at EOS) are stored the same way, with the structure's pts.
 * Buffers without results are ignored.
 *
 * EOS is the durability point: before lucidsink posts its EOS message every
 * row it received is committed (and a failure, such as a full disk, is an
 * error message instead of EOS), and the run is marked `eos`. A pipeline
 * stopped without EOS commits what it has queued and marks the run `stopped`.
 *
 * #GstBaseSink:sync defaults to %FALSE here: an analysis sink should store
 * results as fast as they come, not at the pace of the clock (set sync=true
 * to write in real time). The last sample is not kept
 * (#GstBaseSink:enable-last-sample defaults to %FALSE), so no buffer with its
 * tensors stays referenced.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 fakesrc num-buffers=10 ! \
 *     lucidsink location=/tmp/lucid.db run-label=smoke
 * ]|
 * records one run (and no results: fakesrc attaches none) in /tmp/lucid.db:
 * `sqlite3 /tmp/lucid.db 'SELECT id, status, label, pipeline FROM runs'`.
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         labels="sports,politics,weather" ! \
 *     lucidsink location=talk.db store-embeddings=true run-label=talk
 * ]|
 * stores a label, its score and the sentence embedding for every subtitle:
 * `sqlite3 talk.db 'SELECT stream_time_s, label, score, model_dir FROM
 * results_with_provenance'`.
 */

#include "lucid-build-config.h"

#include "lucidsink.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lucidelements.h"
#include "lucidmeta.h"
#include "lucid-error.h"
#include "lucid-store.h"

GST_DEBUG_CATEGORY_STATIC (lucid_sink_debug);
#define GST_CAT_DEFAULT lucid_sink_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_STORE_EMBEDDINGS FALSE
#define DEFAULT_COMMIT_INTERVAL LUCID_STORE_DEFAULT_COMMIT_INTERVAL_MS
#define DEFAULT_RUN_LABEL NULL
#define DEFAULT_PIPELINE_DESCRIPTION NULL

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_STORE_EMBEDDINGS,
  PROP_COMMIT_INTERVAL,
  PROP_RUN_LABEL,
  PROP_PIPELINE_DESCRIPTION,
};

struct _LucidSink {
  GstBaseSink parent;

  /* Properties, with GST_OBJECT_LOCK; read once in start(). */
  gchar *location;
  gboolean store_embeddings;
  guint commit_interval;
  gchar *run_label;
  gchar *pipeline_description;

  /* unlock() cancels it to release a render() blocked on a full store
   * queue; unlock_stop() resets it. */
  GCancellable *cancellable;

  /* Set in start(), cleared in stop(); between them used only by the
   * streaming thread (start/stop run while streaming is stopped). */
  LucidStore *store;
  gboolean with_embeddings;
  gint64 run_id;
  gboolean run_ended;     /* end_run(eos) done and no data since */
  gboolean failed;        /* an error about the store was posted */
  GHashTable *models;     /* "dir\nsha256" → gint64* models.id */
  gchar *stream_start_id; /* of the current stream */
  gchar *caps;            /* current caps, serialized */
  gint64 stream_row;      /* streams.id of this stream, 0 if none yet */
  guint64 n_rows;
  guint64 n_buffers_without_results;
  gboolean warned_malformed;
};

#define lucid_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (LucidSink, lucid_sink, GST_TYPE_BASE_SINK,
                         GST_DEBUG_CATEGORY_INIT (lucid_sink_debug, "lucidsink",
                                                  0, "Lucid SQLite sink"));
GST_ELEMENT_REGISTER_DEFINE (lucidsink, "lucidsink", GST_RANK_NONE,
                             GST_TYPE_LUCID_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

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

static JsonNode *
json_string_or_null (const gchar *s)
{
  JsonNode *node = json_node_alloc ();

  if (s)
    json_node_init_string (node, s);
  else
    json_node_init_null (node);
  return node;
}

static JsonNode *gvalue_to_json (const GValue *v);

static gboolean
structure_field_to_json (GQuark field, const GValue *v, gpointer data)
{
  json_object_set_member (data, g_quark_to_string (field), gvalue_to_json (v));
  return TRUE;
}

/* Scalars map to JSON scalars, value arrays and lists to arrays, structures
 * to objects; anything else to its GStreamer serialization (or null). */
static JsonNode *
gvalue_to_json (const GValue *v)
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
      return json_string_or_null (g_value_get_string (v));
    case G_TYPE_ENUM: {
      GEnumClass *klass = g_type_class_ref (type);
      GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
      node = ev ? json_string_or_null (ev->value_nick)
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
      json_array_add_element (
          array, gvalue_to_json (is_array ? gst_value_array_get_value (v, i)
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
    return json_string_or_null (s);
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

/* ---- run provenance --------------------------------------------------- */

/* A property value worth recording as a setting, or NULL. */
static JsonNode *
property_to_json (const GValue *v)
{
  GType type = G_VALUE_TYPE (v);

  switch (G_TYPE_FUNDAMENTAL (type)) {
    case G_TYPE_BOOLEAN:
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
    case G_TYPE_STRING:
    case G_TYPE_ENUM:
      return gvalue_to_json (v);
    case G_TYPE_FLAGS: {
      g_autofree gchar *s = gst_value_serialize (v);
      return json_string_or_null (s);
    }
    case G_TYPE_OBJECT: {
      GObject *obj = g_value_get_object (v);
      return obj && GST_IS_OBJECT (obj)
                 ? json_string_or_null (GST_OBJECT_NAME (obj))
                 : NULL;
    }
    default:
      break;
  }
  if (type == GST_TYPE_CAPS || type == GST_TYPE_STRUCTURE || type == G_TYPE_STRV
      || GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)
      || GST_VALUE_HOLDS_FRACTION (v)) {
    g_autofree gchar *s = gst_value_serialize (v);
    return s ? json_string_or_null (s) : NULL;
  }
  return NULL; /* samples, pointers, other boxed state */
}

/* {"factory": NAME, "properties": {PROP: VALUE, ...}}: the readable and
 * writable (i.e. user-settable) properties that differ from their default.
 * Read-only properties are state, not settings, and are left out. */
static JsonNode *
element_settings_to_json (GstElement *element)
{
  g_autoptr (JsonObject) obj = json_object_new ();
  g_autoptr (JsonObject) props = json_object_new ();
  GstElementFactory *factory = gst_element_get_factory (element);
  JsonNode *node;
  GParamSpec **pspecs;
  guint n;

  json_object_set_string_member (
      obj, "factory",
      factory ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory))
              : G_OBJECT_TYPE_NAME (element));

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *pspec = pspecs[i];
    GValue value = G_VALUE_INIT;
    JsonNode *json;

    if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE
        || (pspec->flags & G_PARAM_DEPRECATED)
        || strcmp (pspec->name, "name") == 0
        || strcmp (pspec->name, "parent") == 0)
      continue;
    g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
    g_object_get_property (G_OBJECT (element), pspec->name, &value);
    if (!g_param_value_defaults (pspec, &value)
        && (json = property_to_json (&value)))
      json_object_set_member (props, pspec->name, json);
    g_value_unset (&value);
  }
  g_free (pspecs);

  json_object_set_object_member (obj, "properties", g_steal_pointer (&props));
  node = json_node_alloc ();
  json_node_init_object (node, obj);
  return node;
}

typedef struct {
  gchar *path;         /* names from the top-level bin, '/'-joined */
  GstElement *element; /* ref */
} ElementEntry;

static void
element_entry_free (ElementEntry *e)
{
  g_free (e->path);
  gst_object_unref (e->element);
  g_free (e);
}

static gint
element_entry_compare (gconstpointer a, gconstpointer b)
{
  const ElementEntry *ea = *(const ElementEntry *const *)a;
  const ElementEntry *eb = *(const ElementEntry *const *)b;

  return strcmp (ea->path, eb->path);
}

static void
collect_children (GstBin *bin, const gchar *prefix, GPtrArray *out)
{
  GList *children = NULL;

  GST_OBJECT_LOCK (bin);
  for (GList *l = bin->children; l; l = l->next)
    children = g_list_prepend (children, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (bin);

  for (GList *l = children; l; l = l->next) {
    GstElement *child = l->data;
    g_autofree gchar *name = gst_object_get_name (GST_OBJECT (child));
    ElementEntry *e = g_new0 (ElementEntry, 1);

    e->path = prefix ? g_strconcat (prefix, "/", name, NULL) : g_strdup (name);
    e->element = child; /* takes the ref */
    g_ptr_array_add (out, e);
    if (GST_IS_BIN (child))
      collect_children (GST_BIN (child), e->path, out);
  }
  g_list_free (children);
}

/* The settings of every element of the top-level pipeline (nested bins
 * included, the top-level bin itself not), keyed by element path, e.g.
 * {"enc": {"factory": "lucidtextenc", "properties": {"model": "..."}}}. */
static gchar *
pipeline_settings_to_json (LucidSink *self)
{
  g_autoptr (GPtrArray) entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)element_entry_free);
  g_autoptr (JsonObject) obj = json_object_new ();
  g_autoptr (JsonNode) root = json_node_alloc ();
  GstObject *top = gst_object_ref (GST_OBJECT (self));
  GstObject *parent;

  while ((parent = gst_object_get_parent (top))) {
    gst_object_unref (top);
    top = parent;
  }
  if (GST_IS_BIN (top)) {
    collect_children (GST_BIN (top), NULL, entries);
  } else {
    ElementEntry *e = g_new0 (ElementEntry, 1);
    e->path = gst_object_get_name (top);
    e->element = GST_ELEMENT (gst_object_ref (top));
    g_ptr_array_add (entries, e);
  }
  gst_object_unref (top);

  g_ptr_array_sort (entries, element_entry_compare);
  for (guint i = 0; i < entries->len; i++) {
    ElementEntry *e = g_ptr_array_index (entries, i);
    json_object_set_member (obj, e->path,
                            element_settings_to_json (e->element));
  }
  json_node_init_object (root, obj);
  return json_to_string (root, FALSE);
}

/* The process's command line, arguments joined by spaces: for gst-launch-1.0
 * that is the pipeline string (quoting is lost). */
static gchar *
read_command_line (void)
{
  gchar *data = NULL;
  gsize len = 0;
  gchar *valid;

  if (!g_file_get_contents ("/proc/self/cmdline", &data, &len, NULL))
    return NULL;
  while (len > 0 && data[len - 1] == '\0')
    len--;
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\0')
      data[i] = ' ';
  valid = g_utf8_make_valid (data, len);
  g_free (data);
  return valid;
}

static gchar *
gst_version_text (void)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  return nano ? g_strdup_printf ("%u.%u.%u.%u", major, minor, micro, nano)
              : g_strdup_printf ("%u.%u.%u", major, minor, micro);
}

/* ---- rows ------------------------------------------------------------- */

static void
lucid_sink_post_store_error (LucidSink *self, const GError *error)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                     ("run %" G_GINT64_FORMAT, self->run_id));
}

/* The family from config.json's model_type, else the producer's hint. */
static gint64
lucid_sink_ensure_model (LucidSink *self, const gchar *dir, const gchar *sha256,
                         const gchar *family_hint, GError **error)
{
  g_autofree gchar *key = g_strconcat (dir, "\n", sha256, NULL);
  g_autofree gchar *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree gchar *config = NULL;
  g_autofree gchar *family = g_strdup (family_hint);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) read_error = NULL;
  gint64 *cached = g_hash_table_lookup (self->models, key);
  gint64 id;

  if (cached)
    return *cached;

  if (!g_file_get_contents (config_path, &config, NULL, &read_error)) {
    GST_WARNING_OBJECT (self, "model %s: no config recorded: %s", dir,
                        read_error->message);
  } else if (!g_utf8_validate (config, -1, NULL)
             || !json_parser_load_from_data (parser, config, -1, &read_error)) {
    GST_WARNING_OBJECT (self, "%s is not valid JSON, not recorded: %s",
                        config_path,
                        read_error ? read_error->message : "invalid UTF-8");
    g_clear_pointer (&config, g_free);
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

  id = lucid_store_ensure_model (self->store, dir, sha256, family, config,
                                 error);
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
static GstFlowReturn
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

/* ---- GstBaseSink ------------------------------------------------------ */

static gboolean
lucid_sink_start (GstBaseSink *bsink)
{
  LucidSink *self = LUCID_SINK (bsink);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *location = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *pipeline = NULL;
  g_autofree gchar *properties = NULL;
  g_autofree gchar *gst_version_str = gst_version_text ();
  LucidStoreOptions options = { 0 };
  LucidRunInfo info = { 0 };

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  label = g_strdup (self->run_label);
  pipeline = g_strdup (self->pipeline_description);
  options.commit_interval_ms = self->commit_interval;
  self->with_embeddings = self->store_embeddings;
  GST_OBJECT_UNLOCK (self);

  if (location == NULL || *location == '\0') {
    GST_ELEMENT_ERROR (
        self, RESOURCE, NOT_FOUND,
        ("No database location set: set lucidsink's location property to "
         "the SQLite file to write."),
        (NULL));
    return FALSE;
  }

  self->store = lucid_store_open (location, &options, &error);
  if (self->store == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error->message),
                       ("location=%s", location));
    return FALSE;
  }

  if (pipeline == NULL)
    pipeline = read_command_line ();
  properties = pipeline_settings_to_json (self);
  info.pipeline = pipeline;
  info.properties_json = properties;
  info.lucid_version = LUCID_VERSION;
  info.gst_version = gst_version_str;
  info.host = g_get_host_name ();
  info.label = label;
  self->run_id = lucid_store_begin_run (self->store, &info, &error);
  if (self->run_id == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                       ("location=%s", location));
    g_clear_pointer (&self->store, lucid_store_close);
    return FALSE;
  }

  self->models
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->run_ended = FALSE;
  self->failed = FALSE;
  self->stream_row = 0;
  self->n_rows = 0;
  self->n_buffers_without_results = 0;
  self->warned_malformed = FALSE;
  GST_INFO_OBJECT (self,
                   "run %" G_GINT64_FORMAT " in %s (%u handles share "
                   "its writer)",
                   self->run_id, location,
                   lucid_store_get_n_users (self->store));
  return TRUE;
}

static gboolean
lucid_sink_stop (GstBaseSink *bsink)
{
  LucidSink *self = LUCID_SINK (bsink);

  if (self->store) {
    g_autoptr (GError) error = NULL;

    if (!self->run_ended) {
      /* Stopped without EOS (error, interrupt): keep what was queued. */
      if (!lucid_store_flush (self->store, &error)) {
        /* Posted as an error already when render() met it. */
        if (!self->failed)
          GST_ELEMENT_WARNING (
              self, RESOURCE, WRITE, ("%s", error->message),
              ("while stopping run %" G_GINT64_FORMAT, self->run_id));
        self->failed = TRUE;
        g_clear_error (&error);
      }
      if (!lucid_store_end_run (self->store, self->run_id,
                                self->failed ? "error" : "stopped", &error))
        GST_WARNING_OBJECT (self, "%s", error->message);
    }
    GST_DEBUG_OBJECT (self,
                      "run %" G_GINT64_FORMAT ": %" G_GUINT64_FORMAT
                      " rows, %" G_GUINT64_FORMAT " buffers without results",
                      self->run_id, self->n_rows,
                      self->n_buffers_without_results);
    g_clear_pointer (&self->store, lucid_store_close);
  }
  g_clear_pointer (&self->models, g_hash_table_unref);
  g_clear_pointer (&self->stream_start_id, g_free);
  g_clear_pointer (&self->caps, g_free);
  self->stream_row = 0;
  self->run_id = 0;
  return TRUE;
}

/* EOS: every row received must be committed before EOS is posted. */
static gboolean
lucid_sink_finish_run (LucidSink *self)
{
  g_autoptr (GError) error = NULL;

  if (!lucid_store_flush (self->store, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                       ("not every result of run %" G_GINT64_FORMAT
                        " reached the database; EOS withheld",
                        self->run_id));
    self->failed = TRUE;
    g_clear_error (&error);
    if (!lucid_store_end_run (self->store, self->run_id, "error", &error))
      GST_WARNING_OBJECT (self, "%s", error->message);
    self->run_ended = TRUE;
    return FALSE;
  }
  if (!lucid_store_end_run (self->store, self->run_id, "eos", &error)) {
    lucid_sink_post_store_error (self, error);
    return FALSE;
  }
  self->run_ended = TRUE;
  GST_INFO_OBJECT (self,
                   "EOS: run %" G_GINT64_FORMAT " committed, %" G_GUINT64_FORMAT
                   " rows",
                   self->run_id, self->n_rows);
  return TRUE;
}

static gboolean
lucid_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  LucidSink *self = LUCID_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START: {
      const gchar *id = NULL;
      gst_event_parse_stream_start (event, &id);
      if (self->stream_row == 0 || g_strcmp0 (id, self->stream_start_id)) {
        g_free (self->stream_start_id);
        self->stream_start_id = g_strdup (id);
        self->stream_row = 0; /* recorded with its first result */
      }
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      g_free (self->caps);
      self->caps = gst_caps_to_string (caps);
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      const GstStructure *s = gst_event_get_structure (event);
      if (s && self->store
          && gst_structure_has_name (s, LUCID_RESULT_STRUCTURE_NAME)) {
        if (lucid_sink_store_result (self, s, NULL) != GST_FLOW_OK) {
          gst_event_unref (event);
          return FALSE;
        }
        self->run_ended = FALSE;
      }
      break;
    }
    case GST_EVENT_EOS:
      if (self->store && !lucid_sink_finish_run (self)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static GstFlowReturn
lucid_sink_render (GstBaseSink *bsink, GstBuffer *buf)
{
  LucidSink *self = LUCID_SINK (bsink);
  gpointer state = NULL;
  const GstStructure *s;
  guint n = 0;

  while ((s = lucid_buffer_iterate_results (buf, &state))) {
    GstFlowReturn ret = lucid_sink_store_result (self, s, buf);
    if (ret != GST_FLOW_OK)
      return ret;
    n++;
  }
  if (n == 0) {
    self->n_buffers_without_results++;
    GST_LOG_OBJECT (self,
                    "buffer %" GST_TIME_FORMAT
                    " has no results (%" G_GUINT64_FORMAT " so far)",
                    GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
                    self->n_buffers_without_results);
  } else {
    self->run_ended = FALSE; /* data after EOS (flushing seek) */
  }
  return GST_FLOW_OK;
}

static gboolean
lucid_sink_unlock (GstBaseSink *bsink)
{
  g_cancellable_cancel (LUCID_SINK (bsink)->cancellable);
  return TRUE;
}

static gboolean
lucid_sink_unlock_stop (GstBaseSink *bsink)
{
  g_cancellable_reset (LUCID_SINK (bsink)->cancellable);
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------- */

static void
lucid_sink_set_property (GObject *object, guint prop_id, const GValue *value,
                         GParamSpec *pspec)
{
  LucidSink *self = LUCID_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_STORE_EMBEDDINGS:
      self->store_embeddings = g_value_get_boolean (value);
      break;
    case PROP_COMMIT_INTERVAL:
      self->commit_interval = g_value_get_uint (value);
      break;
    case PROP_RUN_LABEL:
      g_free (self->run_label);
      self->run_label = g_value_dup_string (value);
      break;
    case PROP_PIPELINE_DESCRIPTION:
      g_free (self->pipeline_description);
      self->pipeline_description = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_sink_get_property (GObject *object, guint prop_id, GValue *value,
                         GParamSpec *pspec)
{
  LucidSink *self = LUCID_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_STORE_EMBEDDINGS:
      g_value_set_boolean (value, self->store_embeddings);
      break;
    case PROP_COMMIT_INTERVAL:
      g_value_set_uint (value, self->commit_interval);
      break;
    case PROP_RUN_LABEL:
      g_value_set_string (value, self->run_label);
      break;
    case PROP_PIPELINE_DESCRIPTION:
      g_value_set_string (value, self->pipeline_description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_sink_finalize (GObject *object)
{
  LucidSink *self = LUCID_SINK (object);

  g_free (self->location);
  g_free (self->run_label);
  g_free (self->pipeline_description);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
lucid_sink_class_init (LucidSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->set_property = lucid_sink_set_property;
  gobject_class->get_property = lucid_sink_get_property;
  gobject_class->finalize = lucid_sink_finalize;

  /**
   * LucidSink:location:
   *
   * The SQLite database file to write; created, with Lucid's schema, when
   * it does not exist. Required. Read when the element starts.
   */
  g_object_class_install_property (
      gobject_class, PROP_LOCATION,
      g_param_spec_string (
          "location", "Location",
          "SQLite database file to write (created with Lucid's schema when "
          "missing); required",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:store-embeddings:
   *
   * Also store each result's embedding vector (float32, little-endian) in
   * the embeddings table.
   */
  g_object_class_install_property (
      gobject_class, PROP_STORE_EMBEDDINGS,
      g_param_spec_boolean (
          "store-embeddings", "Store embeddings",
          "Also store each result's embedding tensor in the embeddings table",
          DEFAULT_STORE_EMBEDDINGS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:commit-interval:
   *
   * The longest a received row waits before it is committed, in
   * milliseconds (rows are also committed in batches of 1000, and all of
   * them at EOS). Sinks sharing a database file share its writer, which
   * uses the smallest interval among them.
   */
  g_object_class_install_property (
      gobject_class, PROP_COMMIT_INTERVAL,
      g_param_spec_uint (
          "commit-interval", "Commit interval",
          "Longest time in ms a received row waits for its commit", 1,
          3600 * 1000, DEFAULT_COMMIT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:run-label:
   *
   * A free-form label stored with the run (runs.label).
   */
  g_object_class_install_property (
      gobject_class, PROP_RUN_LABEL,
      g_param_spec_string ("run-label", "Run label",
                           "Free-form label stored with the run",
                           DEFAULT_RUN_LABEL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                               | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:pipeline-description:
   *
   * The pipeline string stored with the run. When unset, the process's
   * command line (for gst-launch-1.0, the pipeline string).
   */
  g_object_class_install_property (
      gobject_class, PROP_PIPELINE_DESCRIPTION,
      g_param_spec_string (
          "pipeline-description", "Pipeline description",
          "Pipeline string stored with the run (default: the process's "
          "command line, i.e. the gst-launch-1.0 pipeline)",
          DEFAULT_PIPELINE_DESCRIPTION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (
      element_class, "Lucid SQLite sink", "Sink",
      "Writes Lucid results, models, streams, embeddings and run provenance "
      "to an SQLite database",
      "Lucid developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (lucid_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (lucid_sink_stop);
  basesink_class->render = GST_DEBUG_FUNCPTR (lucid_sink_render);
  basesink_class->event = GST_DEBUG_FUNCPTR (lucid_sink_event);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (lucid_sink_unlock);
  basesink_class->unlock_stop = GST_DEBUG_FUNCPTR (lucid_sink_unlock_stop);
}

static void
lucid_sink_init (LucidSink *self)
{
  self->store_embeddings = DEFAULT_STORE_EMBEDDINGS;
  self->commit_interval = DEFAULT_COMMIT_INTERVAL;
  self->cancellable = g_cancellable_new ();
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_last_sample_enabled (GST_BASE_SINK (self), FALSE);
}
