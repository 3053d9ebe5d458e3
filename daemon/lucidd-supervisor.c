/* lucidd-supervisor.c — one lucid-worker process per pipeline.
 *
 * Each LucidPipeline is a small state machine (see LucidPipelineState):
 *
 *   STOPPED --start--> RUNNING --stop--> DRAINING --exit--> STOPPED
 *   RUNNING --exit 0 (EOS)--> FINISHED, or RUNNING again (restart=always)
 *   RUNNING --error/crash/stall/malformed report--> BACKOFF --timer-->
 *                                  RUNNING (or FAILED after the pipeline's
 *                                  restart limit of failed starts in a
 *                                  row, or at once for restart=never)
 *   RUNNING --refused (exit 2)--> FAILED (restarting would not help)
 *
 * Backoff: backoff_initial_ms · 2^(attempt-1), capped at backoff_max_ms; a
 * run that stayed up backoff_reset_s resets the attempt count. A stop
 * sends "eos" to the worker and kills it (SIGKILL) if it has not exited
 * drain_timeout + 2 s later. The stall detector (1 s tick) kills a worker
 * whose sinks received no buffer for the stall timeout.
 *
 * Every start and exit is a daemon_runs row; starts, exits, backoffs,
 * stalls and errors are daemon_events rows. Run instances nobody watches
 * are reclaimed by the tick (run_unwatched()). The worker's reports are
 * read in lucidd-worker-reports.c, the status and metrics made in
 * lucidd-status.c (lucidd-supervisor-private.h). Everything here runs in
 * the main thread (GSubprocess callbacks, timers), so there is no lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include "lucidd-supervisor-private.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <stdlib.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "lucid-error.h"

#define EXIT_REFUSED 2
#define EXIT_DRAIN_TIMEOUT 3 /* lucid-worker: EOS did not reach every sink */

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
guint
lucidd_pipeline_restart_limit (LucidPipeline *p)
{
  return p->def->restart_limit >= 0 ? (guint)p->def->restart_limit
                                    : p->sup->config->restart_limit;
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
  if (p->attempt > 0) /* as daemon_runs counts them (lucidd_db_run_history) */
    p->restarts++;
  lucidd_db_event (sup->db, p->def->name, p->run_id,
                   p->attempt > 0 ? "restart" : "start", NULL);
  g_message ("%s: worker %d started (attempt %u)", p->def->name, p->pid,
             p->attempt);
  set_state (p, LUCIDD_STATE_RUNNING);
  lucidd_reports_read (p);
  g_subprocess_wait_async (p->proc, p->cancel, on_worker_exit, p);
}

static gboolean
backoff_done (gpointer data)
{
  LucidPipeline *p = data;

  p->backoff_source = 0;
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
                         p->attempt, lucidd_pipeline_restart_limit (p), delay);
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
  lucidd_pipeline_finish_exit (p);
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
    lucidd_pipeline_finish_exit (p);
  else
    p->eof_wait_source = g_timeout_add_seconds (2, eof_wait_over, p);
}

/* The worker exited and its last report was read: record the run and
 * decide what comes next. */
void
lucidd_pipeline_finish_exit (LucidPipeline *p)
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
  p->fps = 0; /* no worker, no buffers: not the last run's rate */

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
  else if ((sig >= 0 || status == EXIT_DRAIN_TIMEOUT)
           && (p->want_stop || p->want_restart || p->want_delete
               || sup->shutting_down))
    outcome = "stopped"; /* killed after the drain timeout, or the worker
                          * gave up its own drain (its error text kept) */
  else if (sig >= 0)
    outcome = "crashed";
  else
    outcome = "error";
  failed = strcmp (outcome, "stopped") != 0 && strcmp (outcome, "eos") != 0;

  if (sig >= 0 && p->last_error == NULL)
    p->last_error = g_strdup_printf ("worker killed by signal %d (%s)", sig,
                                     g_strsignal (sig));

  lucidd_reports_fold_encoders (p);
  /* what the run committed (after a crash, fewer than it sent) */
  p->rows_written = lucidd_db_rows_written (sup->db, p->def->name);
  g_free (p->last_outcome);
  p->last_outcome = g_strdup (outcome);
  p->last_exit_status = status;
  p->last_exit_signal = sig;
  /* a worker killed at the drain's bound: outcome stopped, and the
   * reason in daemon_runs.error, not only "signal 9" */
  lucidd_db_run_end (sup->db, p->run_id, outcome, status, sig,
                     failed || p->killed_at_drain
                             || status == EXIT_DRAIN_TIMEOUT
                         ? p->last_error
                         : NULL,
                     (guint64)p->buffers,
                     (guint64)p->rows);
  {
    g_autofree char *msg = g_strdup_printf (
        "worker exited: %s (%s %d)", outcome, sig >= 0 ? "signal" : "status",
        sig >= 0 ? sig : status);
    lucidd_db_event (sup->db, p->def->name, p->run_id, "exit", msg);
    g_message ("%s: %s", p->def->name, msg);
  }
  g_clear_object (&p->proc);
  p->killed_at_drain = FALSE;
  ran_us = g_get_monotonic_time () - p->started_us;

  if (p->want_delete) {
    forget (p);
  } else if (sup->shutting_down || p->want_stop) {
    p->want_stop = FALSE;
    set_state (p, LUCIDD_STATE_STOPPED);
  } else if (p->want_restart) {
    p->attempt = 0;
    spawn_worker (p);
  } else if (strcmp (outcome, "refused") == 0) {
    lucidd_db_event (sup->db, p->def->name, p->run_id, "failed",
                     "refused: not restarted");
    set_state (p, LUCIDD_STATE_FAILED);
  } else if (!failed) {
    if (p->def->restart == LUCIDD_RESTART_ALWAYS) {
      p->attempt = 1;
      schedule_restart (p);
    } else {
      /* An API pipeline that finished stays finished: stored as not
       * enabled, so a daemon restart does not run it (and reprocess its
       * input) again; `lucidctl start` does. */
      if (p->source == LUCIDD_SOURCE_API && p->enabled) {
        g_autoptr (GError) error = NULL;
        if (!lucidd_db_set_enabled (sup->db, p->def->name, FALSE, &error))
          g_warning ("%s: %s", p->def->name, error->message);
        lucidd_pipeline_set_enabled (p, FALSE);
      }
      set_state (p, LUCIDD_STATE_FINISHED);
    }
  } else if (p->def->restart == LUCIDD_RESTART_NEVER) {
    lucidd_db_event (sup->db, p->def->name, p->run_id, "failed",
                     "restart = never");
    set_state (p, LUCIDD_STATE_FAILED);
  } else {
    if (ran_us >= (gint64)c->backoff_reset_s * G_USEC_PER_SEC)
      p->attempt = 0;
    p->attempt++;
    if (p->attempt > lucidd_pipeline_restart_limit (p)) {
      g_autofree char *msg = g_strdup_printf (
          "gave up after %u failed starts in a row (restart limit %u)",
          p->attempt, lucidd_pipeline_restart_limit (p));
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
    g_autofree char *m = g_strdup_printf (
        "the worker did not exit within drain_timeout + 2 s (%u s) after "
        "its EOS: killed (SIGKILL)",
        p->sup->config->drain_timeout_s + 2);
    g_message ("%s: %s", p->def->name, m);
    lucidd_db_event (p->sup->db, p->def->name, p->run_id, "error", m);
    g_free (p->last_error);
    p->last_error = g_steal_pointer (&m);
    p->killed_at_drain = TRUE;
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
  if (p->proc != NULL) {
    /* A start while a stop drains the worker: start again once it is
     * gone, rather than lose the start and leave the pipeline stopped
     * (or finished). */
    if (p->want_stop) {
      p->want_stop = FALSE;
      p->want_restart = TRUE;
      lucidd_db_event (p->sup->db, p->def->name, p->run_id, "start",
                       "after the drain");
    }
    return;
  }
  p->want_stop = FALSE;
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
  /* the status remembers what daemon_runs does: restarts and the latest
   * run's end survive a daemon restart (and a reload, a re-create) */
  if (source != LUCIDD_SOURCE_RUN) {
    LucidRunHistory h;
    lucidd_db_run_history (sup->db, def->name, &h);
    p->restarts = h.restarts;
    p->last_outcome = g_steal_pointer (&h.outcome);
    p->last_error = g_steal_pointer (&h.error);
    p->last_exit_status = h.exit_status;
    p->last_exit_signal = h.exit_signal;
    lucidd_run_history_clear (&h);
  }
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
    } else if (lucidd_pipeline_def_equal (def, p->def)) {
      /* unchanged; maybe renamed: remember the file it now comes from
       * (name clashes keep the running pipeline's file, lucidd.c) */
      g_free (p->def->file);
      p->def->file = g_strdup (def->file);
    } else {
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
      g_autofree char *m = g_strdup_printf (
          "%s: a pipeline file uses the name of %s %s pipeline; file ignored",
          def->name,
          existing->source == LUCIDD_SOURCE_API ? "an" : "a",
          lucidd_pipeline_source_to_string (existing->source));
      g_warning ("%s", m);
      lucidd_db_event (sup->db, def->name, 0, "error", m);
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
