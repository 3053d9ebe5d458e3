/* lucidd-worker-reports.c — reads a worker's reports (fd 3, JSON lines:
 * lucidd-report.h) into its LucidPipeline: stats, bus messages, alerts,
 * encoder latency histograms. Lines are split here, bounded by
 * LUCIDD_REPORT_MAX, and each is checked by lucidd_report_parse() before
 * anything reads it; a malformed one gets the worker killed
 * (report_fault()). Main thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include <signal.h>
#include <string.h>

#include "lucidd-report.h"
#include "lucidd-supervisor-private.h"

static void
keep_message (LucidPipeline *p, JsonObject *obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *now = lucidd_now_iso8601 ();

  json_object_set_string_member (obj, "at", now);
  json_node_set_object (node, obj);
  g_queue_push_tail (&p->messages, node);
  while (g_queue_get_length (&p->messages) > p->sup->config->messages_kept)
    json_node_unref (g_queue_pop_head (&p->messages));
}

static void
update_encoders (LucidPipeline *p, JsonArray *encoders)
{
  for (guint i = 0; i < json_array_get_length (encoders); i++) {
    JsonNode *n = json_array_get_element (encoders, i);
    JsonObject *o;
    JsonArray *buckets;
    const char *element;
    EncoderHistogram *h;
    if (!JSON_NODE_HOLDS_OBJECT (n))
      continue;
    o = json_node_get_object (n);
    element = json_object_get_string_member_with_default (o, "element", NULL);
    if (element == NULL || !json_object_has_member (o, "buckets"))
      continue;
    buckets = json_object_get_array_member (o, "buckets");
    if (buckets == NULL
        || json_array_get_length (buckets) != LUCID_LATENCY_N_BUCKETS)
      continue;
    h = g_hash_table_lookup (p->encoders, element);
    if (h == NULL) {
      h = g_new0 (EncoderHistogram, 1);
      g_hash_table_insert (p->encoders, g_strdup (element), h);
    }
    for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++)
      h->cur[k] = (guint64)json_array_get_int_element (buckets, k);
    h->cur_sum = json_object_get_double_member_with_default (o, "sum", 0);
    h->cur_count
        = (guint64)json_object_get_int_member_with_default (o, "count", 0);
  }
}

/* The run ended: its counts become part of the pipeline's totals. */
void
lucidd_reports_fold_encoders (LucidPipeline *p)
{
  GHashTableIter it;
  EncoderHistogram *h;

  g_hash_table_iter_init (&it, p->encoders);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&h)) {
    for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++) {
      h->base[k] += h->cur[k];
      h->cur[k] = 0;
    }
    h->base_sum += h->cur_sum;
    h->base_count += h->cur_count;
    h->cur_sum = 0;
    h->cur_count = 0;
  }
}

/* A report lucidd cannot read means the worker cannot be trusted any
 * more (a corrupted process, or not a lucid-worker at all): the run is
 * recorded as an error and the worker killed; it restarts as a failure.
 * Later reports of the same run are not read. */
static void
report_fault (LucidPipeline *p, const char *why)
{
  g_autofree char *msg = NULL;

  if (p->bad_report)
    return;
  p->bad_report = TRUE;
  msg = g_strdup_printf ("malformed report from the worker, killed it: %s",
                         why);
  g_warning ("%s: %s", p->def->name, msg);
  g_free (p->last_error);
  p->last_error = g_strdup (msg);
  lucidd_db_event (p->sup->db, p->def->name, p->run_id, "error", msg);
  if (p->proc != NULL)
    g_subprocess_send_signal (p->proc, SIGKILL);
}

static void
handle_report (LucidPipeline *p, const char *line, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) obj = NULL;
  const char *type, *kind, *text;

  if (p->bad_report)
    return;
  obj = lucidd_report_parse (line, len, &error);
  if (obj == NULL) {
    report_fault (p, error->message);
    return;
  }
  /* lucidd_report_parse() checked the type of every member read here */
  type = json_object_get_string_member (obj, "type");
  kind = json_object_get_string_member_with_default (obj, "kind", "");
  text = json_object_get_string_member_with_default (obj, "text", "");

  if (strcmp (type, "stats") == 0) {
    gint64 buffers
        = json_object_get_int_member_with_default (obj, "buffers", 0);
    if (buffers != p->buffers)
      p->last_progress_us = g_get_monotonic_time ();
    p->buffers = buffers;
    p->rows = json_object_get_int_member_with_default (obj, "rows", 0);
    p->position = json_object_get_int_member_with_default (obj, "position", -1);
    p->duration = json_object_get_int_member_with_default (obj, "duration", -1);
    p->progress
        = json_object_get_double_member_with_default (obj, "progress", -1);
    p->latency = json_object_get_int_member_with_default (obj, "latency", -1);
    g_free (p->gst_state);
    p->gst_state = g_strdup (
        json_object_get_string_member_with_default (obj, "state", ""));
    if (json_object_has_member (obj, "encoders"))
      update_encoders (p, json_object_get_array_member (obj, "encoders"));
    return;
  }
  if (strcmp (type, "refused") == 0 || strcmp (kind, "error") == 0) {
    g_free (p->last_error);
    p->last_error = g_strdup (text);
    lucidd_db_event (p->sup->db, p->def->name, p->run_id,
                     strcmp (type, "refused") == 0 ? "refused" : "error", text);
  } else if (strcmp (kind, "warning") == 0) {
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "warning", text);
  } else if (strcmp (kind, "lucid-audit-alert") == 0) {
    /* lucidaudit posts one lucid-audit message per closed window and one
     * lucid-audit-alert per rule that held in it (docs/audit.md): only the
     * latter are alerts. */
    p->n_alerts++;
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "alert", text);
  } else if (strcmp (kind, "lucid-audit") == 0) {
    p->n_audit_windows++;
  }
  keep_message (p, obj); /* the message list takes its own reference */
}

/* The report pipe reached its end: the worker (and whatever inherited the
 * pipe) exited. Bytes after the last newline are a report cut off by the
 * worker's death: recorded, not parsed. */
static void
reports_ended (LucidPipeline *p, const GError *error)
{
  if (error != NULL) {
    g_autofree char *msg = g_strdup_printf (
        "reading the worker's reports failed: %s", error->message);
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "error", msg);
  } else if (p->report_buf->len > 0 && !p->bad_report) {
    g_autofree char *msg = g_strdup_printf (
        "the worker's last report was cut off after %u bytes (no newline): "
        "it died while writing it",
        p->report_buf->len);
    g_message ("%s: %s", p->def->name, msg);
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "error", msg);
  }
  g_byte_array_set_size (p->report_buf, 0);
  p->reports_eof = TRUE;
  if (p->exited)
    lucidd_pipeline_finish_exit (p);
}

static void
on_report_bytes (GObject *src, GAsyncResult *res, gpointer data)
{
  LucidPipeline *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes
      = g_input_stream_read_bytes_finish (G_INPUT_STREAM (src), res, &error);
  const guint8 *chunk;
  gsize n, start = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* @p may be gone */
  if (bytes == NULL || g_bytes_get_size (bytes) == 0) {
    reports_ended (p, error);
    return;
  }
  chunk = g_bytes_get_data (bytes, &n);
  for (gsize i = 0; i < n; i++) {
    if (chunk[i] != '\n')
      continue;
    if (p->report_buf->len > 0) {
      g_byte_array_append (p->report_buf, chunk + start, (guint)(i - start));
      handle_report (p, (const char *)p->report_buf->data, p->report_buf->len);
      g_byte_array_set_size (p->report_buf, 0);
    } else
      handle_report (p, (const char *)chunk + start, i - start);
    start = i + 1;
  }
  if (start < n && !p->bad_report) {
    if (p->report_buf->len + (n - start) > LUCIDD_REPORT_MAX) {
      g_autofree char *why = g_strdup_printf (
          "a report line longer than %d bytes", LUCIDD_REPORT_MAX);
      report_fault (p, why);
    } else
      g_byte_array_append (p->report_buf, chunk + start, (guint)(n - start));
  }
  if (p->bad_report) /* keep reading to the end, keep nothing */
    g_byte_array_set_size (p->report_buf, 0);
  lucidd_reports_read (p);
}

void
lucidd_reports_read (LucidPipeline *p)
{
  g_input_stream_read_bytes_async (p->reports, 64 * 1024, G_PRIORITY_DEFAULT,
                                   p->cancel, on_report_bytes, p);
}
