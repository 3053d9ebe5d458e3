/* lucidsink-provenance.c — what lucidsink records about a run when it
 * starts: the settings of every element of its pipeline, the process's
 * command line and the GStreamer version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidsink-private.h"

#include <string.h>

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
      return lucid_sink_gvalue_to_json (v);
    case G_TYPE_FLAGS: {
      g_autofree gchar *s = gst_value_serialize (v);
      return lucid_sink_json_string_or_null (s);
    }
    case G_TYPE_OBJECT: {
      GObject *obj = g_value_get_object (v);
      return obj && GST_IS_OBJECT (obj)
                 ? lucid_sink_json_string_or_null (GST_OBJECT_NAME (obj))
                 : NULL;
    }
    default:
      break;
  }
  if (type == GST_TYPE_CAPS || type == GST_TYPE_STRUCTURE || type == G_TYPE_STRV
      || GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)
      || GST_VALUE_HOLDS_FRACTION (v)) {
    g_autofree gchar *s = gst_value_serialize (v);
    return s ? lucid_sink_json_string_or_null (s) : NULL;
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
gchar *
lucid_sink_pipeline_settings_to_json (LucidSink *self)
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
gchar *
lucid_sink_read_command_line (void)
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

gchar *
lucid_sink_gst_version_text (void)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  return nano ? g_strdup_printf ("%u.%u.%u.%u", major, minor, micro, nano)
              : g_strdup_printf ("%u.%u.%u", major, minor, micro);
}
