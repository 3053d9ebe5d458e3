/* lucidd-supervisor.c — one lucid-worker process per pipeline.
 *
 * Each LucidPipeline is a small state machine (see LucidPipelineState):
 *
 *   STOPPED --start--> RUNNING --stop--> DRAINING --exit--> STOPPED
 *   RUNNING --exit 0 (EOS)--> FINISHED, or RUNNING again (restart=always)
 *   RUNNING --error/crash/stall--> BACKOFF --timer--> RUNNING
 *                                  (or FAILED after restart_limit attempts
 *                                   in a row, or at once for restart=never)
 *   RUNNING --refused (exit 2)--> FAILED (restarting would not help)
 *
 * Backoff: backoff_initial_ms · 2^(attempt-1), capped at backoff_max_ms; a
 * run that stayed up backoff_reset_s resets the attempt count. A stop
 * sends "eos" to the worker and kills it (SIGKILL) if it has not exited
 * drain_timeout + 2 s later. The stall detector (1 s tick) kills a worker
 * whose sinks received no buffer for the stall timeout.
 *
 * Every start and exit is a daemon_runs row; starts, exits, backoffs,
 * stalls and errors are daemon_events rows. Everything here runs in the
 * main thread (GSubprocess callbacks, timers), so there is no lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include "lucidd-supervisor.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <stdlib.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "lucid-error.h"
#include "lucid-latency-buckets.h"
#include "lucidd-report.h"

#define EXIT_REFUSED 2

/* One encoder's latency histogram: finished runs (base) + the running
 * worker's cumulative counts (cur), which it reports twice a second. */
typedef struct {
  guint64 base[LUCID_LATENCY_N_BUCKETS], cur[LUCID_LATENCY_N_BUCKETS];
  double base_sum, cur_sum;
  guint64 base_count, cur_count;
} EncoderHistogram;

struct _LucidPipeline {
  LucidSupervisor *sup;
  LucidPipelineDef *def;
  LucidPipelineSource source;
  char *input_set; /* --input ELEM=VALUE for run instances */
  LucidPipelineState state;
  /* Run instances: a client asked about it at seen_us (monotonic); with a
   * lease, it is drained and forgotten when none did for lease_s while it
   * runs; once it ended it is forgotten after run_reclaim_s unless kept. */
  guint lease_s;
  gboolean keep;
  gint64 seen_us;

  GSubprocess *proc;
  int pid; /* of proc; g_subprocess_get_identifier() is NULL once reaped */
  GInputStream *reports;  /* fd 3 of the worker: JSON lines */
  GByteArray *report_buf; /* bytes read, not yet a whole line */
  gboolean bad_report;    /* this run sent a malformed report: killed */
  GCancellable *cancel;
  gint64 run_id;
  gint64 started_us;
  guint attempt;  /* failed starts in a row */
  guint restarts; /* restarts since the daemon started */
  guint backoff_source;
  guint kill_source;
  gboolean want_stop, want_restart, want_delete, stalled;
  /* The client's wanted state: the definition's 'enabled' at first, then
   * what start/stop asked. Kept apart from @def so that a reload compares
   * file definitions only. */
  gboolean enabled;
  gboolean exited, reports_eof; /* the run ends when both are TRUE */
  guint eof_wait_source;
  int exit_status, exit_signal;

  /* from the worker's reports */
  char *gst_state;
  gint64 position, duration, latency;
  double progress; /* the worker's: TIME, else BYTES of the sources; -1 */
  gint64 buffers, rows;
  gint64 last_progress_us, fps_buffers, fps_us;
  double fps;
  char *last_error;
  char *last_outcome;
  int last_exit_status, last_exit_signal;
  GQueue messages;         /* JsonNode objects */
  guint64 n_alerts;        /* lucid-audit-alert messages */
  guint64 n_audit_windows; /* lucid-audit messages (one per closed window) */
  /* results rows of the finished runs: counted by SQL when the pipeline
   * is added and when a run ends, never per request */
  gint64 rows_written;
  GHashTable *encoders;    /* element name -> EncoderHistogram */
};

struct _LucidSupervisor {
  LucidDaemonConfig *config;
  LucidDaemonDb *db;
  GHashTable *pipelines; /* name -> LucidPipeline */
  guint tick_source;
  guint ticks;
  gboolean shutting_down;
  GCallback shutdown_done;
  gpointer shutdown_data;
  LucidSupervisorNotify notify;
  gpointer notify_data;
};

static const char *const state_names[] = {
  [LUCIDD_STATE_STOPPED] = "stopped",   [LUCIDD_STATE_RUNNING] = "running",
  [LUCIDD_STATE_DRAINING] = "draining", [LUCIDD_STATE_BACKOFF] = "backoff",
  [LUCIDD_STATE_FAILED] = "failed",     [LUCIDD_STATE_FINISHED] = "finished",
};

const char *
lucidd_pipeline_state_to_string (LucidPipelineState state)
{
  return state_names[state];
}

static void spawn_worker (LucidPipeline *p);
static void check_shutdown_done (LucidSupervisor *sup);

static void
notify_change (LucidSupervisor *sup)
{
  if (sup->notify)
    sup->notify (sup, sup->notify_data);
}

static void
set_state (LucidPipeline *p, LucidPipelineState state)
{
  p->state = state;
  notify_change (p->sup);
}

static void
pipeline_free (LucidPipeline *p)
{
  g_clear_handle_id (&p->backoff_source, g_source_remove);
  g_clear_handle_id (&p->kill_source, g_source_remove);
  g_clear_handle_id (&p->eof_wait_source, g_source_remove);
  if (p->cancel)
    g_cancellable_cancel (p->cancel);
  g_clear_object (&p->cancel);
  g_clear_object (&p->reports);
  g_clear_pointer (&p->report_buf, g_byte_array_unref);
  g_clear_object (&p->proc);
  lucidd_pipeline_def_free (p->def);
  g_free (p->input_set);
  g_free (p->gst_state);
  g_free (p->last_error);
  g_free (p->last_outcome);
  g_queue_clear_full (&p->messages, (GDestroyNotify)json_node_unref);
  g_hash_table_unref (p->encoders);
  g_free (p);
}

static guint
stall_timeout (LucidPipeline *p)
{
  return p->def->stall_timeout_s >= 0 ? (guint)p->def->stall_timeout_s
                                      : p->sup->config->stall_timeout_s;
}

/* Failed starts in a row before FAILED: the pipeline's own limit (file
 * header restart-limit, API restart_limit), else the daemon's. */
static guint
restart_limit (LucidPipeline *p)
{
  return p->def->restart_limit >= 0 ? (guint)p->def->restart_limit
                                    : p->sup->config->restart_limit;
}

/* ---- worker reports --------------------------------------------------- */

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
static void
fold_encoders (LucidPipeline *p)
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

static void read_next_report (LucidPipeline *p);
static void finish_exit (LucidPipeline *p);

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
    finish_exit (p);
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
      handle_report (p, (const char *)p->report_buf->data,
                     p->report_buf->len);
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
  read_next_report (p);
}

static void
read_next_report (LucidPipeline *p)
{
  g_input_stream_read_bytes_async (p->reports, 64 * 1024, G_PRIORITY_DEFAULT,
                                   p->cancel, on_report_bytes, p);
}

/* ---- starting and exits ----------------------------------------------- */

static char *
worker_path (LucidSupervisor *sup)
{
  g_autofree char *self = NULL;
  g_autofree char *dir = NULL;
  char *candidate;

  if (sup->config->worker_path != NULL)
    return g_strdup (sup->config->worker_path);
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL) {
    dir = g_path_get_dirname (self);
    candidate = g_build_filename (dir, "lucid-worker", NULL);
    if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
      return candidate;
    g_free (candidate);
  }
  return g_build_filename (LUCIDD_LIBEXECDIR, "lucid-worker", NULL);
}

static void on_worker_exit (GObject *src, GAsyncResult *res, gpointer data);

static void
spawn_worker (LucidPipeline *p)
{
  LucidSupervisor *sup = p->sup;
  LucidDaemonConfig *c = sup->config;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  int fds[2];

  /* Once the drain began, a new worker would get neither EOS nor a kill
   * timer and would hold the daemon up forever. */
  if (sup->shutting_down) {
    g_message ("%s: not started, the daemon is shutting down", p->def->name);
    return;
  }
  g_ptr_array_add (argv, worker_path (sup));
  g_ptr_array_add (argv, g_strdup_printf ("--name=%s", p->def->name));
  g_ptr_array_add (argv, g_strdup_printf ("--database=%s", c->database));
  g_ptr_array_add (argv, g_strdup_printf ("--parent-pid=%d", (int)getpid ()));
  g_ptr_array_add (argv,
                   g_strdup_printf ("--drain-timeout=%u", c->drain_timeout_s));
  if (p->source != LUCIDD_SOURCE_FILE) {
    /* Run instances of file pipelines keep the file's trust for the
     * description; their input is checked against the paths. */
    if (p->source == LUCIDD_SOURCE_API)
      g_ptr_array_add (argv, g_strdup ("--restricted"));
    for (guint i = 0; c->allowed_elements[i]; i++)
      g_ptr_array_add (
          argv, g_strdup_printf ("--allow-element=%s", c->allowed_elements[i]));
    for (guint i = 0; c->allowed_paths[i]; i++)
      g_ptr_array_add (
          argv, g_strdup_printf ("--allow-path=%s", c->allowed_paths[i]));
    for (guint i = 0; c->allowed_uri_schemes[i]; i++)
      g_ptr_array_add (argv, g_strdup_printf ("--allow-scheme=%s",
                                              c->allowed_uri_schemes[i]));
  }
  if (p->input_set != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--input=%s", p->input_set));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (p->def->description));
  g_ptr_array_add (argv, NULL);

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error)) {
    /* As a failed spawn: FAILED with the reason (leaving the state as it
     * was would show BACKOFF with no timer to leave it). */
    g_free (p->last_error);
    p->last_error = g_strdup_printf (
        "cannot start the worker: no report pipe: %s", error->message);
    g_warning ("%s: %s", p->def->name, p->last_error);
    lucidd_db_event (sup->db, p->def->name, 0, "error", p->last_error);
    set_state (p, LUCIDD_STATE_FAILED);
    return;
  }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_clear_object (&p->proc);
  p->proc = g_subprocess_launcher_spawnv (
      launcher, (const char *const *)argv->pdata, &error);
  g_clear_object (&launcher); /* closes our copy of the write end */
  if (p->proc == NULL) {
    close (fds[0]);
    g_free (p->last_error);
    p->last_error
        = g_strdup_printf ("cannot start the worker: %s", error->message);
    lucidd_db_event (sup->db, p->def->name, 0, "error", p->last_error);
    set_state (p, LUCIDD_STATE_FAILED);
    return;
  }
  g_clear_object (&p->cancel);
  p->cancel = g_cancellable_new ();
  g_clear_object (&p->reports);
  p->reports = g_unix_input_stream_new (fds[0], TRUE);
  if (p->report_buf == NULL)
    p->report_buf = g_byte_array_new ();
  g_byte_array_set_size (p->report_buf, 0);
  p->bad_report = FALSE;
  p->started_us = p->last_progress_us = p->fps_us = g_get_monotonic_time ();
  p->buffers = p->rows = p->fps_buffers = 0;
  p->fps = 0;
  p->position = p->duration = p->latency = -1;
  p->progress = -1;
  p->stalled = p->want_restart = FALSE;
  p->exited = p->reports_eof = FALSE;
  {
    const char *id = g_subprocess_get_identifier (p->proc);
    p->pid = id ? atoi (id) : 0;
  }
  p->run_id = lucidd_db_run_begin (sup->db, p->def->name, p->attempt, p->pid);
  lucidd_db_event (sup->db, p->def->name, p->run_id,
                   p->attempt > 0 ? "restart" : "start", NULL);
  g_message ("%s: worker %d started (attempt %u)", p->def->name, p->pid,
             p->attempt);
  set_state (p, LUCIDD_STATE_RUNNING);
  read_next_report (p);
  g_subprocess_wait_async (p->proc, p->cancel, on_worker_exit, p);
}

static gboolean
backoff_done (gpointer data)
{
  LucidPipeline *p = data;

  p->backoff_source = 0;
  p->restarts++;
  spawn_worker (p);
  return G_SOURCE_REMOVE;
}

static void
schedule_restart (LucidPipeline *p)
{
  LucidDaemonConfig *c = p->sup->config;
  guint64 delay = c->backoff_initial_ms;
  g_autofree char *msg = NULL;

  for (guint i = 1; i < p->attempt && delay < c->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, c->backoff_max_ms);
  msg = g_strdup_printf ("restart %u of %u in %" G_GUINT64_FORMAT " ms",
                         p->attempt, restart_limit (p), delay);
  lucidd_db_event (p->sup->db, p->def->name, p->run_id, "backoff", msg);
  g_message ("%s: %s", p->def->name, msg);
  set_state (p, LUCIDD_STATE_BACKOFF);
  p->backoff_source = g_timeout_add ((guint)delay, backoff_done, p);
}

static void
forget (LucidPipeline *p)
{
  LucidSupervisor *sup = p->sup;

  lucidd_db_event (sup->db, p->def->name, 0, "delete", NULL);
  g_hash_table_remove (sup->pipelines, p->def->name);
  notify_change (sup);
}

/* A descendant of the worker that kept the report pipe open must not hold
 * the run open forever. */
static gboolean
eof_wait_over (gpointer data)
{
  LucidPipeline *p = data;

  p->eof_wait_source = 0;
  g_cancellable_cancel (p->cancel);
  finish_exit (p);
  return G_SOURCE_REMOVE;
}

static void
on_worker_exit (GObject *src, GAsyncResult *res, gpointer data)
{
  LucidPipeline *p = data;
  GSubprocess *proc = G_SUBPROCESS (src);
  g_autoptr (GError) error = NULL;

  if (!g_subprocess_wait_finish (proc, res, &error))
    return; /* cancelled: @p is being freed */
  p->exit_status = p->exit_signal = -1;
  if (g_subprocess_get_if_exited (proc))
    p->exit_status = g_subprocess_get_exit_status (proc);
  else if (g_subprocess_get_if_signaled (proc))
    p->exit_signal = g_subprocess_get_term_sig (proc);
  p->exited = TRUE;
  if (p->reports_eof)
    finish_exit (p);
  else
    p->eof_wait_source = g_timeout_add_seconds (2, eof_wait_over, p);
}

/* The worker exited and its last report was read: record the run and
 * decide what comes next. */
static void
finish_exit (LucidPipeline *p)
{
  LucidSupervisor *sup = p->sup;
  LucidDaemonConfig *c = sup->config;
  int status = p->exit_status, sig = p->exit_signal;
  const char *outcome;
  gboolean failed;
  gint64 ran_us;

  g_clear_handle_id (&p->kill_source, g_source_remove);
  g_clear_handle_id (&p->eof_wait_source, g_source_remove);
  p->exited = p->reports_eof = FALSE;

  if (p->stalled)
    outcome = "stalled";
  else if (p->bad_report)
    outcome = "error"; /* killed for a malformed report */
  else if (status == 0)
    outcome = p->want_stop || p->want_restart || p->want_delete
                      || sup->shutting_down
                  ? "stopped"
                  : "eos";
  else if (status == EXIT_REFUSED)
    outcome = "refused";
  else if (sig >= 0
           && (p->want_stop || p->want_restart || p->want_delete
               || sup->shutting_down))
    outcome = "stopped"; /* killed after the drain timeout */
  else if (sig >= 0)
    outcome = "crashed";
  else
    outcome = "error";
  failed = strcmp (outcome, "stopped") != 0 && strcmp (outcome, "eos") != 0;
  if (sig >= 0 && p->last_error == NULL)
    p->last_error = g_strdup_printf ("worker killed by signal %d (%s)", sig,
                                     g_strsignal (sig));

  fold_encoders (p);
  /* what the run committed (after a crash, fewer than it sent) */
  p->rows_written = lucidd_db_rows_written (sup->db, p->def->name);
  g_free (p->last_outcome);
  p->last_outcome = g_strdup (outcome);
  p->last_exit_status = status;
  p->last_exit_signal = sig;
  lucidd_db_run_end (sup->db, p->run_id, outcome, status, sig,
                     failed ? p->last_error : NULL, (guint64)p->buffers,
                     (guint64)p->rows);
  {
    g_autofree char *msg = g_strdup_printf (
        "worker exited: %s (%s %d)", outcome, sig >= 0 ? "signal" : "status",
        sig >= 0 ? sig : status);
    lucidd_db_event (sup->db, p->def->name, p->run_id, "exit", msg);
    g_message ("%s: %s", p->def->name, msg);
  }
  g_clear_object (&p->proc);
  ran_us = g_get_monotonic_time () - p->started_us;

  if (p->want_delete) {
    forget (p);
  } else if (sup->shutting_down || p->want_stop) {
    p->want_stop = FALSE;
    set_state (p, LUCIDD_STATE_STOPPED);
  } else if (p->want_restart) {
    p->attempt = 0;
    p->restarts++;
    spawn_worker (p);
  } else if (strcmp (outcome, "refused") == 0) {
    lucidd_db_event (sup->db, p->def->name, p->run_id, "failed",
                     "refused: not restarted");
    set_state (p, LUCIDD_STATE_FAILED);
  } else if (!failed) {
    if (p->def->restart == LUCIDD_RESTART_ALWAYS) {
      p->attempt = 1;
      schedule_restart (p);
    } else
      set_state (p, LUCIDD_STATE_FINISHED);
  } else if (p->def->restart == LUCIDD_RESTART_NEVER) {
    lucidd_db_event (sup->db, p->def->name, p->run_id, "failed",
                     "restart = never");
    set_state (p, LUCIDD_STATE_FAILED);
  } else {
    if (ran_us >= (gint64)c->backoff_reset_s * G_USEC_PER_SEC)
      p->attempt = 0;
    p->attempt++;
    if (p->attempt > restart_limit (p)) {
      g_autofree char *msg = g_strdup_printf (
          "gave up after %u failed starts in a row (restart limit %u)",
          p->attempt, restart_limit (p));
      lucidd_db_event (sup->db, p->def->name, p->run_id, "failed", msg);
      g_message ("%s: %s", p->def->name, msg);
      set_state (p, LUCIDD_STATE_FAILED);
    } else
      schedule_restart (p);
  }
  check_shutdown_done (sup);
}

/* ---- commands ---------------------------------------------------------- */

static gboolean
kill_worker (gpointer data)
{
  LucidPipeline *p = data;

  p->kill_source = 0;
  if (p->proc != NULL) {
    g_message ("%s: worker did not exit after the drain; killing it",
               p->def->name);
    g_subprocess_send_signal (p->proc, SIGKILL);
  }
  return G_SOURCE_REMOVE;
}

/* Asks the worker to drain and exit; kills it if it takes too long. */
static void
drain_worker (LucidPipeline *p)
{
  GOutputStream *in;

  if (p->proc == NULL)
    return;
  in = g_subprocess_get_stdin_pipe (p->proc);
  if (in != NULL)
    g_output_stream_write_all (in, "eos\n", 4, NULL, NULL, NULL);
  set_state (p, LUCIDD_STATE_DRAINING);
  if (p->kill_source == 0)
    p->kill_source = g_timeout_add_seconds (p->sup->config->drain_timeout_s + 2,
                                            kill_worker, p);
}

void
lucidd_pipeline_start (LucidPipeline *p)
{
  p->want_stop = FALSE;
  if (p->proc != NULL)
    return;
  g_clear_handle_id (&p->backoff_source, g_source_remove);
  p->attempt = 0;
  g_clear_pointer (&p->last_error, g_free);
  spawn_worker (p);
}

void
lucidd_pipeline_stop (LucidPipeline *p)
{
  if (p->proc != NULL) {
    p->want_stop = TRUE;
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "stop", NULL);
    drain_worker (p);
    return;
  }
  g_clear_handle_id (&p->backoff_source, g_source_remove);
  if (p->state == LUCIDD_STATE_BACKOFF)
    set_state (p, LUCIDD_STATE_STOPPED);
}

void
lucidd_pipeline_restart (LucidPipeline *p)
{
  if (p->proc != NULL) {
    p->want_restart = TRUE;
    p->want_stop = FALSE;
    drain_worker (p);
    return;
  }
  lucidd_pipeline_start (p);
}

void
lucidd_pipeline_delete (LucidPipeline *p)
{
  if (p->proc != NULL) {
    p->want_delete = TRUE;
    drain_worker (p);
    return;
  }
  forget (p);
}

/* ---- the supervisor ---------------------------------------------------- */

/* Run instances nobody watches any more (see LucidPipeline.lease_s):
 * TRUE when @p is to be reclaimed now, with the reason. */
static gboolean
run_unwatched (LucidPipeline *p, gint64 now, char **why)
{
  gint64 idle_s;
  guint reclaim_s = p->sup->config->run_reclaim_s;

  if (p->source != LUCIDD_SOURCE_RUN || p->want_delete)
    return FALSE;
  idle_s = (now - p->seen_us) / G_USEC_PER_SEC;
  if (p->proc != NULL || p->state == LUCIDD_STATE_BACKOFF) {
    if (p->lease_s == 0 || idle_s < (gint64)p->lease_s)
      return FALSE;
    *why = g_strdup_printf ("no client asked about this run for %u s (its "
                            "lease): stopping and deleting it",
                            p->lease_s);
    return TRUE;
  }
  if (p->keep || idle_s < (gint64)reclaim_s)
    return FALSE;
  *why = g_strdup_printf ("the run ended %s and no client asked about it for "
                          "%u s ([daemon] run_reclaim_s): deleting it",
                          state_names[p->state], reclaim_s);
  return TRUE;
}

static gboolean
tick (gpointer data)
{
  LucidSupervisor *sup = data;
  GHashTableIter it;
  LucidPipeline *p;
  gint64 now = g_get_monotonic_time ();
  GList *reclaim = NULL;

  sup->ticks++;
  g_hash_table_iter_init (&it, sup->pipelines);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p)) {
    guint stall = stall_timeout (p);
    g_autofree char *why = NULL;
    if (!sup->shutting_down && run_unwatched (p, now, &why)) {
      lucidd_db_event (sup->db, p->def->name, p->run_id, "reclaim", why);
      g_message ("%s: %s", p->def->name, why);
      reclaim = g_list_prepend (reclaim, p);
      continue;
    }
    if (p->state != LUCIDD_STATE_RUNNING || p->proc == NULL)
      continue;
    if (now - p->fps_us >= G_USEC_PER_SEC) {
      p->fps = (double)(p->buffers - p->fps_buffers) * G_USEC_PER_SEC
               / (double)(now - p->fps_us);
      p->fps_buffers = p->buffers;
      p->fps_us = now;
    }
    if (stall > 0 && !p->stalled
        && now - p->last_progress_us > (gint64)stall * G_USEC_PER_SEC) {
      g_autofree char *msg = g_strdup_printf (
          "no buffer reached a sink for %u s: restarting", stall);
      g_free (p->last_error);
      p->last_error = g_strdup (msg);
      p->stalled = TRUE;
      lucidd_db_event (sup->db, p->def->name, p->run_id, "stall", msg);
      g_message ("%s: %s", p->def->name, msg);
      g_subprocess_send_signal (p->proc, SIGKILL);
    }
  }
  /* outside the iteration: deleting may remove @p from the table */
  for (GList *l = reclaim; l != NULL; l = l->next)
    lucidd_pipeline_delete (l->data);
  g_list_free (reclaim);
  return G_SOURCE_CONTINUE;
}

LucidSupervisor *
lucidd_supervisor_new (LucidDaemonConfig *config, LucidDaemonDb *db)
{
  LucidSupervisor *sup = g_new0 (LucidSupervisor, 1);

  sup->config = config;
  sup->db = db;
  sup->pipelines = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)pipeline_free);
  sup->tick_source = g_timeout_add_seconds (1, tick, sup);
  return sup;
}

void
lucidd_supervisor_free (LucidSupervisor *sup)
{
  if (sup == NULL)
    return;
  g_clear_handle_id (&sup->tick_source, g_source_remove);
  g_hash_table_unref (sup->pipelines);
  g_free (sup);
}

void
lucidd_supervisor_set_notify (LucidSupervisor *sup,
                              LucidSupervisorNotify notify, gpointer data)
{
  sup->notify = notify;
  sup->notify_data = data;
}

void
lucidd_supervisor_set_config (LucidSupervisor *sup, LucidDaemonConfig *config)
{
  sup->config = config;
}

LucidPipeline *
lucidd_supervisor_add (LucidSupervisor *sup, LucidPipelineDef *def,
                       LucidPipelineSource source, GError **error)
{
  LucidPipeline *p;

  if (g_hash_table_contains (sup->pipelines, def->name)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "a pipeline named '%s' exists", def->name);
    lucidd_pipeline_def_free (def);
    return NULL;
  }
  if (g_hash_table_size (sup->pipelines) >= sup->config->max_pipelines) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "lucidd already has %u pipelines ([daemon] max_pipelines)",
                 sup->config->max_pipelines);
    lucidd_pipeline_def_free (def);
    return NULL;
  }
  p = g_new0 (LucidPipeline, 1);
  p->sup = sup;
  p->def = def;
  p->source = source;
  p->enabled = def->enabled;
  p->position = p->duration = p->latency = -1;
  p->progress = -1;
  p->last_exit_status = p->last_exit_signal = -1;
  /* one query per pipeline; a run instance's name is new */
  p->rows_written = source == LUCIDD_SOURCE_RUN
                        ? 0
                        : lucidd_db_rows_written (sup->db, def->name);
  g_queue_init (&p->messages);
  p->encoders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (sup->pipelines, def->name, p);
  if (def->enabled && !sup->shutting_down)
    spawn_worker (p);
  else
    notify_change (sup);
  return p;
}

LucidPipeline *
lucidd_supervisor_lookup (LucidSupervisor *sup, const char *name)
{
  return g_hash_table_lookup (sup->pipelines, name);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (((const LucidPipeline *)a)->def->name,
                 ((const LucidPipeline *)b)->def->name);
}

GList *
lucidd_supervisor_list (LucidSupervisor *sup)
{
  return g_list_sort (g_hash_table_get_values (sup->pipelines), compare_names);
}

void
lucidd_pipeline_touch (LucidPipeline *p)
{
  p->seen_us = g_get_monotonic_time ();
}

LucidPipeline *
lucidd_pipeline_run_input (LucidPipeline *p, const char *input, guint lease_s,
                           gboolean keep, GError **error)
{
  LucidPipelineDef *def;
  LucidPipeline *run;
  g_autofree char *name = NULL;

  if (p->def->input == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "pipeline '%s' names no input element (add 'input = "
                 "ELEMENT' to its header)",
                 p->def->name);
    return NULL;
  }
  name = g_strdup_printf ("%.40s.run-%" G_GINT64_FORMAT, p->def->name,
                          g_get_real_time () / 1000);
  def = lucidd_pipeline_def_copy (p->def);
  g_free (def->name);
  def->name = g_steal_pointer (&name);
  def->restart = LUCIDD_RESTART_NEVER;
  def->enabled = FALSE;
  run = lucidd_supervisor_add (p->sup, def, LUCIDD_SOURCE_RUN, error);
  if (run == NULL)
    return NULL;
  run->input_set = g_strdup_printf ("%s=%s", p->def->input, input);
  run->lease_s = lease_s;
  run->keep = keep;
  run->seen_us = g_get_monotonic_time ();
  spawn_worker (run);
  return run;
}

void
lucidd_pipeline_set_enabled (LucidPipeline *p, gboolean enabled)
{
  p->enabled = enabled;
}

const LucidPipelineDef *
lucidd_pipeline_get_def (LucidPipeline *p)
{
  return p->def;
}

LucidPipelineSource
lucidd_pipeline_get_source (LucidPipeline *p)
{
  return p->source;
}

LucidPipelineState
lucidd_pipeline_get_state (LucidPipeline *p)
{
  return p->state;
}

static const char *const source_names[] = { "file", "api", "run" };

/* Rows of the finished runs plus those the current run sent to a lucidsink
 * (each committed within its commit-interval). -1: unknown. */
static gint64
rows_written_now (LucidPipeline *p)
{
  if (p->rows_written < 0)
    return -1;
  return p->rows_written + (p->proc != NULL ? p->rows : 0);
}

JsonNode *
lucidd_pipeline_status_json (LucidPipeline *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
#define STR(k, v)                                                              \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    if ((v) != NULL)                                                           \
      json_builder_add_string_value (b, v);                                    \
    else                                                                       \
      json_builder_add_null_value (b);                                         \
  } while (0)
#define INT(k, v)                                                              \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    json_builder_add_int_value (b, v);                                         \
  } while (0)
#define OPTINT(k, v)                                                           \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    if ((v) >= 0)                                                              \
      json_builder_add_int_value (b, v);                                       \
    else                                                                       \
      json_builder_add_null_value (b);                                         \
  } while (0)
  STR ("name", p->def->name);
  STR ("source", source_names[p->source]);
  STR ("state", state_names[p->state]);
  STR ("gst_state", p->proc ? p->gst_state : NULL);
  STR ("restart", lucidd_restart_policy_to_string (p->def->restart));
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, p->enabled);
  STR ("description", p->def->description);
  STR ("input", p->def->input);
  OPTINT ("pid", p->proc && p->pid > 0 ? p->pid : -1);
  INT ("restarts", p->restarts);
  INT ("restart_limit", restart_limit (p));
  INT ("attempt", p->attempt);
  INT ("buffers", p->buffers);
  INT ("rows_sent", p->rows);
  OPTINT ("rows_written", rows_written_now (p));
  json_builder_set_member_name (b, "fps");
  json_builder_add_double_value (b, p->fps);
  OPTINT ("latency_ns", p->latency);
  OPTINT ("position_ns", p->position);
  OPTINT ("duration_ns", p->duration);
  json_builder_set_member_name (b, "progress");
  if (p->state != LUCIDD_STATE_FINISHED && p->progress >= 0)
    json_builder_add_double_value (b, MIN (1.0, p->progress));
  else if (p->state == LUCIDD_STATE_FINISHED)
    json_builder_add_double_value (b, 1.0);
  else
    json_builder_add_null_value (b);
  INT ("alerts", (gint64)p->n_alerts);
  INT ("audit_windows", (gint64)p->n_audit_windows);
  STR ("last_error", p->last_error);
  STR ("last_outcome", p->last_outcome);
  OPTINT ("last_exit_status", p->last_exit_status);
  OPTINT ("last_exit_signal", p->last_exit_signal);
#undef STR
#undef INT
#undef OPTINT
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
lucidd_pipeline_messages_json (LucidPipeline *p)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (GList *l = p->messages.head; l != NULL; l = l->next)
    json_array_add_element (arr, json_node_copy (l->data));
  json_node_take_array (node, arr);
  return node;
}

static void
escape_label (GString *out, const char *v)
{
  for (const char *c = v; *c; c++) {
    if (*c == '\\' || *c == '"')
      g_string_append_c (out, '\\');
    if (*c == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *c);
  }
}

void
lucidd_supervisor_metrics (LucidSupervisor *sup, GString *out)
{
  static const struct {
    const char *name, *type, *help;
  } m[] = {
    { "lucid_pipeline_up", "gauge", "1 while the worker runs" },
    { "lucid_pipeline_buffers_total", "counter",
      "Buffers that reached the sinks in the current run" },
    { "lucid_pipeline_fps", "gauge", "Buffers per second at the sinks" },
    { "lucid_pipeline_latency_seconds", "gauge",
      "Pipeline latency (LATENCY query minimum)" },
    { "lucid_pipeline_rows_sent_total", "counter",
      "Buffers that reached a lucidsink in the current run" },
    { "lucid_pipeline_rows_written", "gauge",
      "Results rows committed for the pipeline (all runs)" },
    { "lucid_pipeline_restarts_total", "counter",
      "Restarts since lucidd started" },
    { "lucid_pipeline_audit_alerts_total", "counter",
      "lucid-audit-alert messages since lucidd started" },
    { "lucid_pipeline_audit_windows_total", "counter",
      "lucid-audit window messages since lucidd started" },
  };
  GList *list = lucidd_supervisor_list (sup);

  for (guint i = 0; i < G_N_ELEMENTS (m); i++) {
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", m[i].name,
                            m[i].help, m[i].name, m[i].type);
    for (GList *l = list; l != NULL; l = l->next) {
      LucidPipeline *p = l->data;
      g_string_append_printf (out, "%s{pipeline=\"", m[i].name);
      escape_label (out, p->def->name);
      g_string_append (out, "\"} ");
      switch (i) {
        case 0:
          g_string_append (out, p->proc ? "1" : "0");
          break;
        case 1:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, p->buffers);
          break;
        case 2:
          g_string_append_printf (out, "%.3f", p->fps);
          break;
        case 3:
          g_string_append_printf (out, "%.9f",
                                  p->latency >= 0 ? p->latency / 1e9 : 0.0);
          break;
        case 4:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, p->rows);
          break;
        case 5:
          g_string_append_printf (
              out, "%" G_GINT64_FORMAT,
              MAX (0, rows_written_now (p)));
          break;
        case 6:
          g_string_append_printf (out, "%u", p->restarts);
          break;
        case 7:
          g_string_append_printf (out, "%" G_GUINT64_FORMAT, p->n_alerts);
          break;
        default:
          g_string_append_printf (out, "%" G_GUINT64_FORMAT,
                                  p->n_audit_windows);
          break;
      }
      g_string_append_c (out, '\n');
    }
  }
  g_string_append (out, "# HELP lucid_encoder_latency_seconds Time a buffer "
                        "spends inside a Lucid encoder\n"
                        "# TYPE lucid_encoder_latency_seconds histogram\n");
  for (GList *l = list; l != NULL; l = l->next) {
    LucidPipeline *p = l->data;
    g_autoptr (GList) names = g_list_sort (g_hash_table_get_keys (p->encoders),
                                           (GCompareFunc)strcmp);
    for (GList *e = names; e != NULL; e = e->next) {
      EncoderHistogram *h = g_hash_table_lookup (p->encoders, e->data);
      g_autoptr (GString) labels = g_string_new ("pipeline=\"");
      guint64 cumulative = 0;
      escape_label (labels, p->def->name);
      g_string_append (labels, "\",element=\"");
      escape_label (labels, e->data);
      g_string_append_c (labels, '"');
      for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++) {
        cumulative += h->base[k] + h->cur[k];
        if (k < G_N_ELEMENTS (lucid_latency_bounds))
          g_string_append_printf (out,
                                  "lucid_encoder_latency_seconds_bucket{%s,le="
                                  "\"%g\"} %" G_GUINT64_FORMAT "\n",
                                  labels->str, lucid_latency_bounds[k],
                                  cumulative);
        else
          g_string_append_printf (out,
                                  "lucid_encoder_latency_seconds_bucket{%s,le="
                                  "\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                                  labels->str, cumulative);
      }
      g_string_append_printf (
          out,
          "lucid_encoder_latency_seconds_sum{%s} %.9f\n"
          "lucid_encoder_latency_seconds_count{%s} %" G_GUINT64_FORMAT "\n",
          labels->str, h->base_sum + h->cur_sum, labels->str,
          h->base_count + h->cur_count);
    }
  }
  g_list_free (list);
}

void
lucidd_supervisor_count (LucidSupervisor *sup, guint *running, guint *failed,
                         guint *total)
{
  GHashTableIter it;
  LucidPipeline *p;

  *running = *failed = 0;
  *total = g_hash_table_size (sup->pipelines);
  g_hash_table_iter_init (&it, sup->pipelines);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p)) {
    if (p->state == LUCIDD_STATE_RUNNING)
      (*running)++;
    else if (p->state == LUCIDD_STATE_FAILED
             || p->state == LUCIDD_STATE_BACKOFF)
      (*failed)++;
  }
}

void
lucidd_supervisor_reload_files (LucidSupervisor *sup, GPtrArray *defs)
{
  GList *list = lucidd_supervisor_list (sup);
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < defs->len; i++) {
    LucidPipelineDef *def = g_ptr_array_index (defs, i);
    g_hash_table_insert (wanted, def->name, def);
  }
  /* Removed or changed files. */
  for (GList *l = list; l != NULL; l = l->next) {
    LucidPipeline *p = l->data;
    LucidPipelineDef *def;
    if (p->source != LUCIDD_SOURCE_FILE)
      continue;
    def = g_hash_table_lookup (wanted, p->def->name);
    if (def != NULL) /* handled here; what stays in @wanted is new */
      g_hash_table_remove (wanted, def->name);
    if (def == NULL) {
      lucidd_db_event (sup->db, p->def->name, 0, "reload", "file removed");
      lucidd_pipeline_delete (p);
    } else if (!lucidd_pipeline_def_equal (def, p->def)) {
      gboolean was_running = p->proc != NULL;
      lucidd_db_event (sup->db, p->def->name, 0, "reload", "file changed");
      /* the table's key is the old def's name: take p out before the old
       * def goes */
      g_hash_table_steal (sup->pipelines, p->def->name);
      lucidd_pipeline_def_free (p->def);
      p->def = lucidd_pipeline_def_copy (def);
      p->enabled = def->enabled; /* a changed file says what it wants */
      g_hash_table_insert (sup->pipelines, p->def->name, p);
      if (!p->def->enabled)
        lucidd_pipeline_stop (p);
      else if (was_running)
        lucidd_pipeline_restart (p);
      else
        lucidd_pipeline_start (p);
    }
  }
  g_list_free (list);
  /* New files. */
  for (guint i = 0; i < defs->len; i++) {
    LucidPipelineDef *def = g_ptr_array_index (defs, i);
    g_autoptr (GError) error = NULL;
    LucidPipeline *existing;
    if (!g_hash_table_contains (wanted, def->name))
      continue;
    existing = lucidd_supervisor_lookup (sup, def->name);
    if (existing != NULL) {
      g_warning ("%s: a pipeline file uses the name of a %s pipeline; "
                 "ignored",
                 def->name, source_names[existing->source]);
      continue;
    }
    lucidd_db_event (sup->db, def->name, 0, "reload", "file added");
    if (lucidd_supervisor_add (sup, lucidd_pipeline_def_copy (def),
                               LUCIDD_SOURCE_FILE, &error)
        == NULL)
      g_warning ("%s", error->message);
  }
}

static void
check_shutdown_done (LucidSupervisor *sup)
{
  GHashTableIter it;
  LucidPipeline *p;
  void (*done) (gpointer);

  if (!sup->shutting_down || sup->shutdown_done == NULL)
    return;
  g_hash_table_iter_init (&it, sup->pipelines);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if (p->proc != NULL)
      return;
  done = (void (*) (gpointer))sup->shutdown_done;
  sup->shutdown_done = NULL;
  done (sup->shutdown_data);
}

gboolean
lucidd_supervisor_shutting_down (LucidSupervisor *sup)
{
  return sup->shutting_down;
}

void
lucidd_supervisor_shutdown (LucidSupervisor *sup, GCallback done, gpointer data)
{
  GHashTableIter it;
  LucidPipeline *p;

  sup->shutting_down = TRUE;
  sup->shutdown_done = done;
  sup->shutdown_data = data;
  g_hash_table_iter_init (&it, sup->pipelines);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p)) {
    g_clear_handle_id (&p->backoff_source, g_source_remove);
    if (p->proc != NULL)
      drain_worker (p);
  }
  check_shutdown_done (sup);
}
