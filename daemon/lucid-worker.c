/* lucid-worker.c — runs one pipeline for lucidd, in its own process.
 *
 * lucidd starts one worker per pipeline, so a crash in a model or plugin
 * takes down only that pipeline. The worker dies with lucidd
 * (PR_SET_PDEATHSIG), and talks to it over two pipes:
 *
 *   stdin   commands from lucidd, one per line: "eos" (drain: send EOS and
 *           exit once it reached every sink, or after --drain-timeout).
 *           End of file means the same.
 *   fd 3    reports to lucidd, one JSON object per line: {"type":"stats",
 *           state, position, duration, buffers, rows, latency, encoders:
 *           [{element, buckets, sum, count}]} twice a second (encoder
 *           latency histograms: see EncoderLatency), {"type":"message", kind,
 * source, text} for bus errors, warnings, EOS and element messages (audit
 * alerts), and
 *           {"type":"refused", text} when the pipeline cannot be built.
 *
 * Exit status: 0 after EOS, 1 after an error, 2 when the description was
 * refused (parse error, allowlist, unknown --set element: restarting would
 * not help), 3 when a drain timed out. stdout is redirected to stderr so no
 * element can corrupt the report stream.
 *
 * lucidsink elements without a location get --database, without a
 * run-label the pipeline's name (so runs.label joins daemon_runs.pipeline),
 * and the description as pipeline-description.
 *
 * Threads: pad probes (streaming threads) only touch atomics; everything
 * else runs in the main loop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "lucid-latency-buckets.h"
#include "lucid-worker-policy.h"

#define EXIT_REFUSED 2
#define EXIT_DRAIN_TIMEOUT 3

typedef struct {
  const char *name;
  const char *description;
  char *database;
  guint drain_timeout_s;
  gboolean restricted;
  LucidWorkerPolicy policy;
  GstElement *pipeline;
  GMainLoop *loop;
  FILE *report;
  int exit_code;
  gboolean draining;
  gint64 buffers; /* atomic */
  gint64 rows;    /* atomic */
  char *refusal;  /* set from any thread under the object lock of pipeline */
} Worker;

/* Encoder latency: the time a buffer spends inside each Lucid encoder
 * (sink pad to src pad, matched by pts), as a histogram. Encoders pass
 * the media through, so the buffer that leaves carries the pts it came
 * with; batching encoders hold several, hence the table. */
#define latency_bounds lucid_latency_bounds
#define N_LATENCY_BUCKETS LUCID_LATENCY_N_BUCKETS

typedef struct {
  char *element;
  GMutex lock;          /* the two streaming threads' probes vs report_stats */
  GHashTable *inflight; /* pts -> monotonic µs when it entered */
  guint64 buckets[N_LATENCY_BUCKETS]; /* not cumulative */
  double sum_s;
  guint64 count;
} EncoderLatency;

static GPtrArray *encoder_latencies; /* EncoderLatency, main thread owns */

static void
encoder_latency_free (EncoderLatency *el)
{
  g_free (el->element);
  g_mutex_clear (&el->lock);
  g_hash_table_unref (el->inflight);
  g_free (el);
}

static GstPadProbeReturn
encoder_in (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  EncoderLatency *el = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&el->lock);
  if (g_hash_table_size (el->inflight) < 4096) /* a bound, whatever happens */
    g_hash_table_insert (el->inflight,
                         GSIZE_TO_POINTER ((gsize)GST_BUFFER_PTS (buf)),
                         GSIZE_TO_POINTER ((gsize)g_get_monotonic_time ()));
  g_mutex_unlock (&el->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
encoder_out (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  EncoderLatency *el = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gpointer start;

  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&el->lock);
  if (g_hash_table_steal_extended (
          el->inflight, GSIZE_TO_POINTER ((gsize)GST_BUFFER_PTS (buf)), NULL,
          &start)) {
    double s
        = (double)(g_get_monotonic_time () - (gint64)GPOINTER_TO_SIZE (start))
          / G_USEC_PER_SEC;
    guint i = 0;
    while (i < G_N_ELEMENTS (latency_bounds) && s > latency_bounds[i])
      i++;
    el->buckets[i]++;
    el->sum_s += s;
    el->count++;
  }
  g_mutex_unlock (&el->lock);
  return GST_PAD_PROBE_OK;
}

static void
watch_encoder_latency (GstElement *e)
{
  GstPad *sink = gst_element_get_static_pad (e, "sink");
  GstPad *src = gst_element_get_static_pad (e, "src");

  if (sink != NULL && src != NULL) {
    EncoderLatency *el = g_new0 (EncoderLatency, 1);
    el->element = g_utf8_make_valid (GST_ELEMENT_NAME (e), -1);
    g_mutex_init (&el->lock);
    el->inflight = g_hash_table_new (NULL, NULL);
    g_ptr_array_add (encoder_latencies, el);
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, encoder_in, el, NULL);
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, encoder_out, el, NULL);
  }
  g_clear_object (&sink);
  g_clear_object (&src);
}

static void
add_encoder_latencies (JsonBuilder *b)
{
  json_builder_set_member_name (b, "encoders");
  json_builder_begin_array (b);
  for (guint i = 0; encoder_latencies && i < encoder_latencies->len; i++) {
    EncoderLatency *el = g_ptr_array_index (encoder_latencies, i);
    g_mutex_lock (&el->lock);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "element");
    json_builder_add_string_value (b, el->element);
    json_builder_set_member_name (b, "buckets");
    json_builder_begin_array (b);
    for (guint k = 0; k < N_LATENCY_BUCKETS; k++)
      json_builder_add_int_value (b, (gint64)el->buckets[k]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "sum");
    json_builder_add_double_value (b, el->sum_s);
    json_builder_set_member_name (b, "count");
    json_builder_add_int_value (b, (gint64)el->count);
    json_builder_end_object (b);
    g_mutex_unlock (&el->lock);
  }
  json_builder_end_array (b);
}

static void
report_json (Worker *w, JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  fprintf (w->report, "%s\n", text);
  fflush (w->report);
}

static void
report_message (Worker *w, const char *type, const char *kind,
                const char *source, const char *text)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  if (kind) {
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, kind);
  }
  if (source) {
    g_autofree char *valid = g_utf8_make_valid (source, -1);
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, valid);
  }
  json_builder_set_member_name (b, "text");
  {
    /* lucidd refuses a report that is not valid UTF-8 (a file name in an
     * error message may not be) */
    g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
    json_builder_add_string_value (b, valid);
  }
  json_builder_end_object (b);
  report_json (w, b);
}

/* Where the sources are in BYTES (read / size, summed over every source
 * that answers both), for pipelines whose TIME duration nobody answers
 * (filesrc ! subparse). -1 when no source answers. */
static double
bytes_progress (GstElement *pipeline)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_sources (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  gint64 pos_sum = 0, dur_sum = 0;
  gboolean done = FALSE;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
    case GST_ITERATOR_OK: {
      GstElement *src = g_value_get_object (&item);
      GstPad *pad = gst_element_get_static_pad (src, "src");
      gint64 pos = -1, dur = -1;
      /* Byte sources (filesrc: ANY caps, never negotiated) at once;
       * others only once caps are set: some (videotestsrc) convert to
       * BYTES with their video info, unset until then (a critical). */
      gboolean negotiated = FALSE;
      if (pad != NULL) {
        GstCaps *tmpl = gst_pad_get_pad_template_caps (pad);
        negotiated = gst_caps_is_any (tmpl) || gst_pad_has_current_caps (pad);
        gst_caps_unref (tmpl);
      }
      g_clear_object (&pad);
      if (negotiated
          && gst_element_query_position (src, GST_FORMAT_BYTES, &pos)
          && gst_element_query_duration (src, GST_FORMAT_BYTES, &dur)
          && pos >= 0 && dur > 0) {
        pos_sum += MIN (pos, dur);
        dur_sum += dur;
      }
      g_value_reset (&item);
      break;
    }
    case GST_ITERATOR_RESYNC:
      gst_iterator_resync (it);
      pos_sum = dur_sum = 0;
      break;
    default:
      done = TRUE;
      break;
    }
  }
  g_value_unset (&item);
  return dur_sum > 0 ? (double)pos_sum / (double)dur_sum : -1;
}

static gboolean
report_stats (gpointer data)
{
  Worker *w = data;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GstState state = GST_STATE_NULL;
  gint64 pos = -1, dur = -1;
  double progress = -1;
  GstClockTime min_lat = GST_CLOCK_TIME_NONE, max_lat;
  gboolean live;
  g_autoptr (GstQuery) q = gst_query_new_latency ();

  gst_element_get_state (w->pipeline, &state, NULL, 0);
  if (!gst_element_query_position (w->pipeline, GST_FORMAT_TIME, &pos))
    pos = -1;
  if (!gst_element_query_duration (w->pipeline, GST_FORMAT_TIME, &dur))
    dur = -1;
  if (dur > 0 && pos >= 0)
    progress = MIN (1.0, (double)pos / (double)dur);
  else
    progress = bytes_progress (w->pipeline);
  if (state == GST_STATE_PLAYING && gst_element_query (w->pipeline, q))
    gst_query_parse_latency (q, &live, &min_lat, &max_lat);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "stats");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, gst_element_state_get_name (state));
  json_builder_set_member_name (b, "position");
  json_builder_add_int_value (b, pos);
  json_builder_set_member_name (b, "duration");
  json_builder_add_int_value (b, dur);
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, progress);
  json_builder_set_member_name (b, "buffers");
  json_builder_add_int_value (b,
                              __atomic_load_n (&w->buffers, __ATOMIC_RELAXED));
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, __atomic_load_n (&w->rows, __ATOMIC_RELAXED));
  json_builder_set_member_name (b, "latency");
  json_builder_add_int_value (
      b, GST_CLOCK_TIME_IS_VALID (min_lat) ? (gint64)min_lat : -1);
  add_encoder_latencies (b);
  json_builder_end_object (b);
  report_json (w, b);
  return G_SOURCE_CONTINUE;
}

static void
finish (Worker *w, int code)
{
  if (g_main_loop_is_running (w->loop)) {
    w->exit_code = code;
    g_main_loop_quit (w->loop);
  }
}

static gboolean
drain_timed_out (gpointer data)
{
  Worker *w = data;

  report_message (w, "message", "error", w->name,
                  "drain timed out: EOS did not reach every sink in time");
  finish (w, EXIT_DRAIN_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
start_drain (Worker *w)
{
  if (w->draining)
    return;
  w->draining = TRUE;
  gst_element_send_event (w->pipeline, gst_event_new_eos ());
  g_timeout_add_seconds (w->drain_timeout_s, drain_timed_out, w);
}

/* SIGTERM/SIGINT from a user or systemd on the worker alone: the same
 * bounded drain as lucidd's "eos" command. */
static gboolean
on_terminate (gpointer data)
{
  start_drain (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_command (GIOChannel *ch, GIOCondition cond, gpointer data)
{
  Worker *w = data;
  g_autofree char *line = NULL;
  GIOStatus st = g_io_channel_read_line (ch, &line, NULL, NULL, NULL);

  if (st == G_IO_STATUS_AGAIN)
    return G_SOURCE_CONTINUE;
  if (st != G_IO_STATUS_NORMAL) { /* lucidd closed the pipe */
    start_drain (w);
    return G_SOURCE_REMOVE;
  }
  g_strstrip (line);
  if (g_strcmp0 (line, "eos") == 0)
    start_drain (w);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Worker *w = data;
  const char *src = GST_MESSAGE_SRC_NAME (msg);

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      g_autoptr (GError) err = NULL;
      g_autofree char *dbg = NULL;
      gboolean is_error = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
      if (is_error)
        gst_message_parse_error (msg, &err, &dbg);
      else
        gst_message_parse_warning (msg, &err, &dbg);
      report_message (w, "message", is_error ? "error" : "warning", src,
                      err->message);
      if (is_error) /* the refusal is set before its error is posted */
        finish (w, w->refusal != NULL ? EXIT_REFUSED : 1);
      break;
    }
    case GST_MESSAGE_EOS:
      report_message (w, "message", "eos", src, "end of stream");
      finish (w, 0);
      break;
    case GST_MESSAGE_ELEMENT:
    case GST_MESSAGE_APPLICATION: {
      const GstStructure *s = gst_message_get_structure (msg);
      if (s != NULL) {
        g_autofree char *text = gst_structure_to_string (s);
        report_message (w, "message", gst_structure_get_name (s), src, text);
      }
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static GstPadProbeReturn
count_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Worker *w = data;
  gint64 n = 1;
  gboolean to_lucidsink = GPOINTER_TO_INT (
      g_object_get_data (G_OBJECT (pad), "lucid-worker-lucidsink"));

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    n = gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  __atomic_fetch_add (&w->buffers, n, __ATOMIC_RELAXED);
  if (to_lucidsink)
    __atomic_fetch_add (&w->rows, n, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_factory (GstElement *e, const char *name)
{
  GstElementFactory *f = gst_element_get_factory (e);
  return f != NULL && g_strcmp0 (GST_OBJECT_NAME (f), name) == 0;
}

/* Probes the sink pads of every sink; fills in lucidsink defaults. */
static void
prepare_element (Worker *w, GstElement *e)
{
  GstElementFactory *f = gst_element_get_factory (e);
  const char *fname = f ? GST_OBJECT_NAME (f) : "";

  /* lucidtextenc, lucidvisionenc, lucidaudioenc */
  if (g_str_has_prefix (fname, "lucid") && g_str_has_suffix (fname, "enc"))
    watch_encoder_latency (e);
  if (is_factory (e, "lucidsink")) {
    g_autofree char *loc = NULL, *label = NULL, *desc = NULL;
    g_object_get (e, "location", &loc, "run-label", &label,
                  "pipeline-description", &desc, NULL);
    if (loc == NULL && w->database != NULL)
      g_object_set (e, "location", w->database, NULL);
    if (label == NULL)
      g_object_set (e, "run-label", w->name, NULL);
    if (desc == NULL)
      g_object_set (e, "pipeline-description", w->description, NULL);
  }
  if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SINK) && !GST_IS_BIN (e)) {
    for (GList *l = e->sinkpads; l != NULL; l = l->next) {
      GstPad *pad = l->data;
      if (is_factory (e, "lucidsink"))
        g_object_set_data (G_OBJECT (pad), "lucid-worker-lucidsink",
                           GINT_TO_POINTER (1));
      gst_pad_add_probe (
          pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
          count_buffers, w, NULL);
    }
  }
}

static void
prepare_tree (Worker *w)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (w->pipeline));
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        prepare_element (w, GST_ELEMENT (g_value_get_object (&item)));
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
    }
  }
  g_value_unset (&item);
}

static GstPadProbeReturn
drop_data (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  return GST_PAD_PROBE_DROP;
}

static void
block_pad (GstElement *element, GstPad *pad, gpointer data)
{
  gst_pad_add_probe (pad,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     drop_data, NULL, NULL);
}

/* Elements created later inside bins (decodebin's parsers and decoders)
 * are checked as they appear, in whatever thread adds them. A refused
 * element never passes data (its pads drop every buffer), and the error
 * is posted from the pipeline itself: decodebin swallows its children's
 * errors while it autoplugs. */
static void
on_deep_element_added (GstBin *bin, GstBin *sub, GstElement *element,
                       gpointer data)
{
  Worker *w = data;
  g_autoptr (GError) error = NULL;
  GstBus *bus;

  if (lucid_worker_policy_check_element (&w->policy, element, &error))
    return;
  GST_OBJECT_LOCK (element);
  for (GList *l = element->pads; l != NULL; l = l->next)
    block_pad (element, l->data, NULL);
  GST_OBJECT_UNLOCK (element);
  g_signal_connect (element, "pad-added", G_CALLBACK (block_pad), NULL);
  GST_OBJECT_LOCK (w->pipeline);
  if (w->refusal == NULL)
    w->refusal = g_strdup (error->message);
  GST_OBJECT_UNLOCK (w->pipeline);
  bus = gst_element_get_bus (w->pipeline);
  gst_bus_post (bus, gst_message_new_error (GST_OBJECT (w->pipeline), error,
                                            "refused by lucidd's allowlist"));
  gst_object_unref (bus);
}

static gboolean
apply_sets (Worker *w, char **sets, GError **error)
{
  for (guint i = 0; sets != NULL && sets[i] != NULL; i++) {
    const char *eq = strchr (sets[i], '=');
    const char *dot = strchr (sets[i], '.');
    g_autofree char *elem_name = NULL, *prop = NULL;
    g_autoptr (GstElement) e = NULL;

    if (eq == NULL || dot == NULL || dot > eq) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--set %s: expected ELEMENT.PROPERTY=VALUE", sets[i]);
      return FALSE;
    }
    elem_name = g_strndup (sets[i], dot - sets[i]);
    prop = g_strndup (dot + 1, eq - dot - 1);
    e = gst_bin_get_by_name (GST_BIN (w->pipeline), elem_name);
    if (e == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "the pipeline has no element named '%s' (its input)",
                   elem_name);
      return FALSE;
    }
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop) == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "element '%s' has no property '%s'", elem_name, prop);
      return FALSE;
    }
    gst_util_set_object_arg (G_OBJECT (e), prop, eq + 1);
  }
  return TRUE;
}

/* --input ELEMENT=FILE|URI: the file goes into a property after parsing,
 * never into the description, where a '!' in a path would change the
 * pipeline. It is checked against the allowed paths and schemes. */
static gboolean
apply_input (Worker *w, const char *input, GError **error)
{
  const char *eq = strchr (input, '=');
  g_autofree char *elem_name = NULL;
  g_autofree char *scheme = NULL;
  g_autoptr (GstElement) e = NULL;
  GObjectClass *klass;
  const char *value;

  if (eq == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--input %s: expected ELEMENT=FILE|URI", input);
    return FALSE;
  }
  elem_name = g_strndup (input, eq - input);
  value = eq + 1;
  e = gst_bin_get_by_name (GST_BIN (w->pipeline), elem_name);
  if (e == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "the pipeline has no element named '%s' (its input)",
                 elem_name);
    return FALSE;
  }
  klass = G_OBJECT_GET_CLASS (e);
  scheme = g_uri_parse_scheme (value);
  if (scheme != NULL && g_object_class_find_property (klass, "uri")) {
    if (!lucid_worker_policy_check_value (&w->policy, e, "uri", value, error))
      return FALSE;
    g_object_set (e, "uri", value, NULL);
  } else if (g_object_class_find_property (klass, "location")) {
    g_autofree char *path = scheme ? g_filename_from_uri (value, NULL, NULL)
                                   : g_canonicalize_filename (value, NULL);
    if (path == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "'%s' is not a file name or file:// URI ('%s' reads "
                   "files)",
                   value, elem_name);
      return FALSE;
    }
    if (!lucid_worker_policy_check_value (&w->policy, e, "location", path,
                                          error))
      return FALSE;
    g_object_set (e, "location", path, NULL);
  } else if (g_object_class_find_property (klass, "uri")) {
    g_autofree char *abs = g_canonicalize_filename (value, NULL);
    g_autofree char *uri = g_filename_to_uri (abs, NULL, NULL);
    if (uri == NULL
        || !lucid_worker_policy_check_value (&w->policy, e, "uri", uri,
                                             error)) {
      if (uri == NULL)
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "'%s' cannot be made a file:// URI", value);
      return FALSE;
    }
    g_object_set (e, "uri", uri, NULL);
  } else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "element '%s' has neither a location nor a uri property",
                 elem_name);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Worker w = { 0 };
  g_autofree char *name = NULL, *input = NULL;
  g_auto (GStrv) sets = NULL, allow_elements = NULL, allow_paths = NULL;
  g_auto (GStrv) allow_schemes = NULL, rest = NULL;
  gboolean check_only = FALSE;
  int parent_pid = 0, report_fd = 3, drain = 10;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Pipeline name", "NAME" },
    { "database", 0, 0, G_OPTION_ARG_FILENAME, &w.database,
      "Database for lucidsink elements without a location", "FILE" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
      "Set a property after parsing", "ELEMENT.PROP=VALUE" },
    { "input", 0, 0, G_OPTION_ARG_STRING, &input,
      "Set the input element's location or uri (checked against the "
      "allowed paths)",
      "ELEMENT=FILE|URI" },
    { "restricted", 0, 0, G_OPTION_ARG_NONE, &w.restricted,
      "Apply the allowlist (API-submitted pipeline)", NULL },
    { "allow-element", 0, 0, G_OPTION_ARG_STRING_ARRAY, &allow_elements,
      "Allowed element factory", "NAME" },
    { "allow-path", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &allow_paths,
      "Allowed path prefix", "DIR" },
    { "allow-scheme", 0, 0, G_OPTION_ARG_STRING_ARRAY, &allow_schemes,
      "Allowed URI scheme", "SCHEME" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check_only,
      "Only build the pipeline and apply the checks", NULL },
    { "parent-pid", 0, 0, G_OPTION_ARG_INT, &parent_pid,
      "Exit at once when this is not the parent", "PID" },
    { "report-fd", 0, 0, G_OPTION_ARG_INT, &report_fd,
      "File descriptor for reports", "FD" },
    { "drain-timeout", 0, 0, G_OPTION_ARG_INT, &drain,
      "Seconds EOS may take to reach the sinks", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
      "DESCRIPTION" },
    { NULL },
  };
  int out_fd;

  /* Die with lucidd; and if it already died before prctl(), exit now. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (parent_pid == 0) {
    const char *env = g_getenv ("LUCIDD_PID");
    parent_pid = env ? atoi (env) : 0;
  }

  ctx = g_option_context_new ("DESCRIPTION — run one pipeline for lucidd");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("lucid-worker: %s\n", error->message);
    return EXIT_REFUSED;
  }
  if (parent_pid > 0 && getppid () != parent_pid)
    return 1;
  if (rest == NULL || rest[0] == NULL || rest[1] != NULL || name == NULL) {
    g_printerr ("lucid-worker: give --name and exactly one DESCRIPTION\n");
    return EXIT_REFUSED;
  }
  w.name = name;
  w.description = rest[0];
  w.drain_timeout_s = drain > 0 ? (guint)drain : 1;

  out_fd = fcntl (report_fd, F_DUPFD_CLOEXEC, 3);
  if (out_fd < 0 || (w.report = fdopen (out_fd, "w")) == NULL) {
    /* --check and manual runs: report on stdout */
    w.report = fdopen (fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3), "w");
  }
  if (report_fd != STDOUT_FILENO)
    close (report_fd);
  dup2 (STDERR_FILENO, STDOUT_FILENO);

  lucid_worker_policy_init (&w.policy);
  for (guint i = 0; allow_elements && allow_elements[i]; i++)
    g_ptr_array_add (w.policy.elements, g_strdup (allow_elements[i]));
  for (guint i = 0; allow_paths && allow_paths[i]; i++) {
    char *real = realpath (allow_paths[i], NULL);
    g_ptr_array_add (w.policy.paths, g_strdup (real ? real : allow_paths[i]));
    free (real);
  }
  if (w.database != NULL) {
    char *real = realpath (w.database, NULL);
    g_ptr_array_add (w.policy.paths, g_strdup (real ? real : w.database));
    free (real);
  }
  for (guint i = 0; allow_schemes && allow_schemes[i]; i++)
    g_ptr_array_add (w.policy.schemes, g_strdup (allow_schemes[i]));

  w.pipeline = gst_parse_launch_full (w.description, NULL,
                                      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (w.pipeline == NULL) {
    report_message (&w, "refused", NULL, NULL, error->message);
    w.exit_code = EXIT_REFUSED;
    goto out;
  }
  if (!GST_IS_PIPELINE (w.pipeline)) {
    GstElement *p = gst_pipeline_new (NULL);
    gst_bin_add (GST_BIN (p), w.pipeline);
    w.pipeline = p;
  }
  gst_object_ref_sink (w.pipeline);
  if (!apply_sets (&w, sets, &error)
      || (input != NULL && !apply_input (&w, input, &error))
      || (w.restricted
          && !lucid_worker_policy_check_tree (&w.policy, w.pipeline, &error))) {
    report_message (&w, "refused", NULL, NULL, error->message);
    w.exit_code = EXIT_REFUSED;
    goto out;
  }
  if (check_only) {
    report_message (&w, "ok", NULL, NULL, "pipeline accepted");
    goto out;
  }
  encoder_latencies
      = g_ptr_array_new_with_free_func ((GDestroyNotify)encoder_latency_free);
  prepare_tree (&w);
  if (w.restricted)
    g_signal_connect (w.pipeline, "deep-element-added",
                      G_CALLBACK (on_deep_element_added), &w);

  w.loop = g_main_loop_new (NULL, FALSE);
  {
    GstBus *bus = gst_element_get_bus (w.pipeline);
    gst_bus_add_watch (bus, on_bus, &w);
    gst_object_unref (bus);
  }
  {
    GIOChannel *ch = g_io_channel_unix_new (STDIN_FILENO);
    g_io_add_watch (ch, G_IO_IN | G_IO_HUP | G_IO_ERR, on_command, &w);
    g_io_channel_unref (ch);
  }
  g_timeout_add (500, report_stats, &w);

  /* SIGTERM from a user or systemd on the worker alone: drain too. */
  g_unix_signal_add (SIGTERM, on_terminate, &w);
  g_unix_signal_add (SIGINT, on_terminate, &w);
  signal (SIGPIPE, SIG_IGN);
  if (gst_element_set_state (w.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* the bus carries the reason; let on_bus report it */
  }
  g_main_loop_run (w.loop);

  report_stats (&w);
  gst_element_set_state (w.pipeline, GST_STATE_NULL);
  if (w.refusal != NULL && w.exit_code == 1)
    w.exit_code = EXIT_REFUSED;
  report_stats (&w);
  g_main_loop_unref (w.loop);
out:
  if (w.pipeline != NULL)
    gst_object_unref (w.pipeline);
  g_clear_pointer (&encoder_latencies, g_ptr_array_unref);
  g_free (w.refusal);
  g_free (w.database);
  lucid_worker_policy_clear (&w.policy);
  fclose (w.report);
  return w.exit_code;
}
