/* lucidd-db.h — lucidd's own rows (schema/NNN_daemon.sql): API-submitted
 * pipelines, worker runs, events. One connection, owned by the main thread;
 * every write is its own short transaction (busy_timeout waits for the
 * workers' lucidsink writers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "lucidd-pipeline-file.h"

G_BEGIN_DECLS

typedef struct _LucidDaemonDb LucidDaemonDb;

/* Creates or migrates @path (through liblucid's store, so the schema is the
 * one lucidsink writes) and opens the daemon's connection. Runs left
 * 'running' by a daemon that died are closed as 'crashed'. */
LucidDaemonDb *lucidd_db_open (const char *path, GError **error);
void lucidd_db_close (LucidDaemonDb *db);

/* API pipelines, in name order; elements are LucidPipelineDef. */
GPtrArray *lucidd_db_load_pipelines (LucidDaemonDb *db, GError **error);
gboolean lucidd_db_save_pipeline (LucidDaemonDb *db,
                                  const LucidPipelineDef *def, GError **error);
gboolean lucidd_db_set_enabled (LucidDaemonDb *db, const char *name,
                                gboolean enabled, GError **error);
gboolean lucidd_db_delete_pipeline (LucidDaemonDb *db, const char *name,
                                    GError **error);

gint64 lucidd_db_run_begin (LucidDaemonDb *db, const char *pipeline,
                            guint attempt, int pid);
/* @exit_status/@exit_signal: -1 = NULL. */
void lucidd_db_run_end (LucidDaemonDb *db, gint64 run_id, const char *outcome,
                        int exit_status, int exit_signal, const char *error,
                        guint64 buffers, guint64 rows_sent);
void lucidd_db_event (LucidDaemonDb *db, const char *pipeline, gint64 run_id,
                      const char *kind, const char *message);
/* Results rows lucidsink committed for runs labelled @pipeline; -1 when
 * it cannot be read. */
gint64 lucidd_db_rows_written (LucidDaemonDb *db, const char *pipeline);

/* What daemon_runs remembers of a pipeline name, so that its status tells
 * the same after a daemon restart: the supervisor's restarts (runs with
 * attempt > 0) and the latest ended run. */
typedef struct {
  guint restarts;
  char *outcome;                /* NULL: no ended run */
  char *error;                  /* NULL: none recorded */
  int exit_status, exit_signal; /* -1: NULL */
} LucidRunHistory;

/* Fills @history (cleared first; free with lucidd_run_history_clear());
 * on a read error it stays empty, with a warning. */
void lucidd_db_run_history (LucidDaemonDb *db, const char *pipeline,
                            LucidRunHistory *history);
void lucidd_run_history_clear (LucidRunHistory *history);

/* Current UTC time as the store writes it. */
char *lucidd_now_iso8601 (void);

G_END_DECLS
