/* lucidsink-audit.c — audit windows (from lucidaudit: metas on buffers, or
 * custom events at EOS / after a flush) become entries of the store's
 * tamper-evident audit log, so the figures themselves are covered by the
 * hash chain.  The store's migration (schema/NNN_audit_figures.sql)
 * explodes each entry into the audit_* tables with triggers, in the same
 * transaction.
 *
 *   kind 'audit-window'  the window structure as JSON (contract in
 *                        lucidauditmeta.h; field names with '_' for '-'),
 *                        without its alerts, plus pts / stream_time /
 *                        running_time (ns) of the buffer that closed it
 *   kind 'audit-alert'   one per alert of the window, the alert structure
 *                        as JSON (it names element, class and window_index)
 *
 * NaN and infinities never reach JSON: lucidaudit keeps them as doubles
 * with a reason, and lucid_sink_gvalue_to_json() writes them as null.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidsink-private.h"

#include "lucidauditmeta.h"

static JsonNode *to_json (const GValue *v);

static gboolean
add_field (GQuark field, const GValue *v, gpointer data)
{
  const gchar *name = g_quark_to_string (field);
  if (g_str_equal (name, "alerts"))
    return TRUE;                /* separate log entries */
  g_autofree gchar *key = g_strdelimit (g_strdup (name), "-", '_');
  json_object_set_member (data, key, to_json (v));
  return TRUE;
}

static JsonNode *
structure_to_json (const GstStructure *s)
{
  JsonObject *obj = json_object_new ();
  gst_structure_foreach (s, add_field, obj);
  JsonNode *node = json_node_alloc ();
  json_node_init_object (node, obj);
  json_object_unref (obj);
  return node;
}

/* lucid_sink_gvalue_to_json() with '_' in the keys of nested structures. */
static JsonNode *
to_json (const GValue *v)
{
  if (GST_VALUE_HOLDS_STRUCTURE (v) && gst_value_get_structure (v))
    return structure_to_json (gst_value_get_structure (v));
  if (GST_VALUE_HOLDS_ARRAY (v)) {
    guint n = gst_value_array_get_size (v);
    JsonArray *array = json_array_sized_new (n);
    for (guint i = 0; i < n; i++)
      json_array_add_element (array, to_json (gst_value_array_get_value (v,
                  i)));
    JsonNode *node = json_node_alloc ();
    json_node_init_array (node, array);
    json_array_unref (array);
    return node;
  }
  return lucid_sink_gvalue_to_json (v);
}

static gchar *
node_to_text (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/* Queues one log entry; on a flush (unlock) waits for preroll and retries,
 * like the result rows. */
static GstFlowReturn
append_log (LucidSink *self, const gchar *kind, const gchar *payload)
{
  for (;;) {
    g_autoptr (GError) error = NULL;
    if (lucid_store_append_log (self->store, self->run_id, kind, payload,
            self->cancellable, &error)) {
      self->n_rows++;
      return GST_FLOW_OK;
    }
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      lucid_sink_post_store_error (self, error);
      return GST_FLOW_ERROR;
    }
    GstFlowReturn ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));
    if (ret != GST_FLOW_OK)
      return ret;
  }
}

static void
set_time (JsonObject *obj, const gchar *name, guint64 t)
{
  if (GST_CLOCK_TIME_IS_VALID (t) && t <= G_MAXINT64)
    json_object_set_int_member (obj, name, (gint64) t);
  else
    json_object_set_null_member (obj, name);
}

GstFlowReturn
lucid_sink_store_audit_window (LucidSink *self, const GstStructure *w,
    GstBuffer *buf)
{
  g_autoptr (JsonNode) node = structure_to_json (w);
  JsonObject *obj = json_node_get_object (node);
  GstSegment *segment = &GST_BASE_SINK (self)->segment;
  guint64 pts = buf ? GST_BUFFER_PTS (buf) : GST_CLOCK_TIME_NONE;
  gboolean timed = GST_CLOCK_TIME_IS_VALID (pts)
      && segment->format == GST_FORMAT_TIME;
  set_time (obj, "pts", pts);
  set_time (obj, "stream_time", timed ? gst_segment_to_stream_time (segment,
          GST_FORMAT_TIME, pts) : GST_CLOCK_TIME_NONE);
  set_time (obj, "running_time", timed ? gst_segment_to_running_time (segment,
          GST_FORMAT_TIME, pts) : GST_CLOCK_TIME_NONE);
  g_autofree gchar *payload = node_to_text (node);
  GstFlowReturn ret = append_log (self, "audit-window", payload);
  if (ret != GST_FLOW_OK)
    return ret;

  const GValue *alerts = gst_structure_get_value (w, "alerts");
  guint n = alerts && GST_VALUE_HOLDS_ARRAY (alerts)
      ? gst_value_array_get_size (alerts) : 0;
  for (guint i = 0; i < n; i++) {
    g_autoptr (JsonNode) a = to_json (gst_value_array_get_value (alerts, i));
    g_autofree gchar *text = node_to_text (a);
    ret = append_log (self, "audit-alert", text);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  GST_DEBUG_OBJECT (self, "audit window logged with %u alerts", n);
  return GST_FLOW_OK;
}
