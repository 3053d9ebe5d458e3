/* lucidd-supervisor-private.h — what the supervisor's files share: the
 * pipeline and supervisor structs (owned by lucidd-supervisor.c), the
 * worker report reader (lucidd-worker-reports.c) and the status and
 * metrics (lucidd-status.c). Main thread only, like all of the
 * supervisor: no lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lucid-latency-buckets.h"
#include "lucidd-supervisor.h"

G_BEGIN_DECLS

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
  /* the supervisor's own restarts (after a failure, or after EOS with
   * restart = always): the daemon_runs rows with attempt > 0 under this
   * name, counted from the database when the pipeline is added; a client's
   * restart is a new start, not counted */
  guint restarts;
  guint backoff_source;
  guint kill_source;
  gboolean want_stop, want_restart, want_delete, stalled;
  gboolean killed_at_drain; /* SIGKILLed after drain_timeout + 2 s */
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
  GHashTable *encoders; /* element name -> EncoderHistogram */
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

/* lucidd-supervisor.c */
/* Failed starts in a row before FAILED. */
guint lucidd_pipeline_restart_limit (LucidPipeline *p);
/* The worker exited and its last report was read: records the run and
 * decides what comes next. */
void lucidd_pipeline_finish_exit (LucidPipeline *p);

/* lucidd-worker-reports.c */
/* Reads the next chunk of @p's report pipe (p->reports, p->cancel); at its
 * end sets p->reports_eof and, once the worker exited too, finishes the
 * run. */
void lucidd_reports_read (LucidPipeline *p);
/* The run ended: its encoder histograms join the pipeline's totals. */
void lucidd_reports_fold_encoders (LucidPipeline *p);

/* lucidd-status.c */
const char *lucidd_pipeline_source_to_string (LucidPipelineSource source);

G_END_DECLS
