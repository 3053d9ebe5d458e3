/* lucidd-db.c — lucidd's SQLite connection (see lucidd-db.h).
 *
 * Failures of the bookkeeping writes (run rows, events) are logged, not
 * fatal: a busy or full database must not stop the supervisor from
 * restarting pipelines. Writes that a client asked for (create, delete,
 * start/stop of an API pipeline) report their error to the client.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include "lucidd-db.h"

#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-store.h"

struct _LucidDaemonDb {
  sqlite3 *conn;
  char *path;
};

char *
lucidd_now_iso8601 (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gboolean
db_error (LucidDaemonDb *db, const char *what, GError **error)
{
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_DB, "%s: %s: %s", db->path, what,
               sqlite3_errmsg (db->conn));
  return FALSE;
}

static sqlite3_stmt *
prepare (LucidDaemonDb *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db->conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
    db_error (db, "cannot prepare a statement", error);
    return NULL;
  }
  return stmt;
}

static gboolean
step_done (LucidDaemonDb *db, sqlite3_stmt *stmt, const char *what,
           GError **error)
{
  int rc = sqlite3_step (stmt);
  gboolean ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

  if (!ok)
    db_error (db, what, error);
  sqlite3_finalize (stmt);
  return ok;
}

LucidDaemonDb *
lucidd_db_open (const char *path, GError **error)
{
  LucidStore *store;
  LucidDaemonDb *db;
  sqlite3_stmt *stmt;
  GError *local = NULL;

  /* The store applies the migrations (ours among them) the same way for
   * every process that opens the file. */
  store = lucid_store_open (path, NULL, error);
  if (store == NULL)
    return NULL;
  lucid_store_close (store);

  db = g_new0 (LucidDaemonDb, 1);
  db->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &db->conn, SQLITE_OPEN_READWRITE, NULL)
      != SQLITE_OK) {
    db_error (db, "cannot open the database", error);
    lucidd_db_close (db);
    return NULL;
  }
  lucid_store_set_busy_handler (db->conn, 10000);
  sqlite3_exec (db->conn, "PRAGMA synchronous = FULL", NULL, NULL, NULL);

  stmt = prepare (db,
                  "UPDATE daemon_runs SET outcome = 'crashed', "
                  "error = 'lucidd stopped without closing this run', "
                  "ended_at = ?1 WHERE outcome = 'running'",
                  &local);
  if (stmt != NULL) {
    g_autofree char *now = lucidd_now_iso8601 ();
    sqlite3_bind_text (stmt, 1, now, -1, SQLITE_TRANSIENT);
    step_done (db, stmt, "cannot close dangling runs", &local);
  }
  if (local != NULL) {
    g_propagate_error (error, local);
    lucidd_db_close (db);
    return NULL;
  }
  return db;
}

void
lucidd_db_close (LucidDaemonDb *db)
{
  if (db == NULL)
    return;
  sqlite3_close (db->conn);
  g_free (db->path);
  g_free (db);
}

GPtrArray *
lucidd_db_load_pipelines (LucidDaemonDb *db, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (
      (GDestroyNotify)lucidd_pipeline_def_free);
  sqlite3_stmt *stmt
      = prepare (db,
                 "SELECT name, description, restart, enabled, stall_timeout, "
                 "restart_limit FROM daemon_pipelines ORDER BY name",
                 error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    LucidPipelineDef *def
        = lucidd_pipeline_def_new ((const char *)sqlite3_column_text (stmt, 0),
                                   (const char *)sqlite3_column_text (stmt, 1));
    lucidd_restart_policy_from_string (
        (const char *)sqlite3_column_text (stmt, 2), &def->restart);
    def->enabled = sqlite3_column_int (stmt, 3) != 0;
    def->stall_timeout_s = sqlite3_column_type (stmt, 4) == SQLITE_NULL
                               ? -1
                               : sqlite3_column_int (stmt, 4);
    def->restart_limit = sqlite3_column_type (stmt, 5) == SQLITE_NULL
                             ? -1
                             : sqlite3_column_int (stmt, 5);
    g_ptr_array_add (out, def);
  }
  if (rc != SQLITE_DONE) {
    db_error (db, "cannot read daemon_pipelines", error);
    sqlite3_finalize (stmt);
    return NULL;
  }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&out);
}

gboolean
lucidd_db_save_pipeline (LucidDaemonDb *db, const LucidPipelineDef *def,
                         GError **error)
{
  g_autofree char *now = lucidd_now_iso8601 ();
  sqlite3_stmt *stmt = prepare (
      db,
      "INSERT INTO daemon_pipelines (name, description, restart, enabled, "
      "stall_timeout, created_at, updated_at, restart_limit) VALUES (?1, ?2, "
      "?3, ?4, ?5, ?6, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
      "description = ?2, restart = ?3, enabled = ?4, stall_timeout = ?5, "
      "updated_at = ?6, restart_limit = ?7",
      error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, def->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, def->description, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, lucidd_restart_policy_to_string (def->restart),
                     -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, def->enabled ? 1 : 0);
  if (def->stall_timeout_s >= 0)
    sqlite3_bind_int (stmt, 5, def->stall_timeout_s);
  else
    sqlite3_bind_null (stmt, 5);
  sqlite3_bind_text (stmt, 6, now, -1, SQLITE_TRANSIENT);
  if (def->restart_limit >= 0)
    sqlite3_bind_int (stmt, 7, def->restart_limit);
  else
    sqlite3_bind_null (stmt, 7);
  return step_done (db, stmt, "cannot store the pipeline", error);
}

gboolean
lucidd_db_set_enabled (LucidDaemonDb *db, const char *name, gboolean enabled,
                       GError **error)
{
  g_autofree char *now = lucidd_now_iso8601 ();
  sqlite3_stmt *stmt
      = prepare (db,
                 "UPDATE daemon_pipelines SET enabled = ?2, updated_at = ?3 "
                 "WHERE name = ?1",
                 error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, enabled ? 1 : 0);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_TRANSIENT);
  return step_done (db, stmt, "cannot update the pipeline", error);
}

gboolean
lucidd_db_delete_pipeline (LucidDaemonDb *db, const char *name, GError **error)
{
  sqlite3_stmt *stmt
      = prepare (db, "DELETE FROM daemon_pipelines WHERE name = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  return step_done (db, stmt, "cannot delete the pipeline", error);
}

gint64
lucidd_db_run_begin (LucidDaemonDb *db, const char *pipeline, guint attempt,
                     int pid)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *now = lucidd_now_iso8601 ();
  sqlite3_stmt *stmt
      = prepare (db,
                 "INSERT INTO daemon_runs (pipeline, attempt, pid, started_at) "
                 "VALUES (?1, ?2, ?3, ?4)",
                 &error);

  if (stmt != NULL) {
    sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 2, (int)attempt);
    sqlite3_bind_int (stmt, 3, pid);
    sqlite3_bind_text (stmt, 4, now, -1, SQLITE_TRANSIENT);
    if (step_done (db, stmt, "cannot record the run", &error))
      return sqlite3_last_insert_rowid (db->conn);
  }
  g_warning ("%s", error->message);
  return 0;
}

void
lucidd_db_run_end (LucidDaemonDb *db, gint64 run_id, const char *outcome,
                   int exit_status, int exit_signal, const char *message,
                   guint64 buffers, guint64 rows_sent)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *now = lucidd_now_iso8601 ();
  sqlite3_stmt *stmt;

  if (run_id <= 0)
    return;
  stmt = prepare (db,
                  "UPDATE daemon_runs SET ended_at = ?2, outcome = ?3, "
                  "exit_status = ?4, exit_signal = ?5, error = ?6, "
                  "buffers = ?7, rows_sent = ?8 WHERE id = ?1",
                  &error);
  if (stmt != NULL) {
    sqlite3_bind_int64 (stmt, 1, run_id);
    sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 3, outcome, -1, SQLITE_TRANSIENT);
    if (exit_status >= 0)
      sqlite3_bind_int (stmt, 4, exit_status);
    if (exit_signal >= 0)
      sqlite3_bind_int (stmt, 5, exit_signal);
    if (message != NULL)
      sqlite3_bind_text (stmt, 6, message, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 7, (sqlite3_int64)buffers);
    sqlite3_bind_int64 (stmt, 8, (sqlite3_int64)rows_sent);
    if (step_done (db, stmt, "cannot close the run", &error))
      return;
  }
  g_warning ("%s", error->message);
}

void
lucidd_db_event (LucidDaemonDb *db, const char *pipeline, gint64 run_id,
                 const char *kind, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *now = lucidd_now_iso8601 ();
  sqlite3_stmt *stmt = prepare (
      db,
      "INSERT INTO daemon_events (at, pipeline, run_id, kind, message) "
      "VALUES (?1, ?2, ?3, ?4, ?5)",
      &error);

  if (stmt != NULL) {
    sqlite3_bind_text (stmt, 1, now, -1, SQLITE_TRANSIENT);
    if (pipeline != NULL)
      sqlite3_bind_text (stmt, 2, pipeline, -1, SQLITE_TRANSIENT);
    if (run_id > 0)
      sqlite3_bind_int64 (stmt, 3, run_id);
    sqlite3_bind_text (stmt, 4, kind, -1, SQLITE_TRANSIENT);
    if (message != NULL)
      sqlite3_bind_text (stmt, 5, message, -1, SQLITE_TRANSIENT);
    if (step_done (db, stmt, "cannot record an event", &error))
      return;
  }
  g_warning ("%s", error->message);
}

gint64
lucidd_db_rows_written (LucidDaemonDb *db, const char *pipeline)
{
  g_autoptr (GError) error = NULL;
  sqlite3_stmt *stmt = prepare (db,
                                "SELECT count(*) FROM results WHERE run_id IN "
                                "(SELECT id FROM runs WHERE label = ?1)",
                                &error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

void
lucidd_run_history_clear (LucidRunHistory *history)
{
  g_clear_pointer (&history->outcome, g_free);
  g_clear_pointer (&history->error, g_free);
  history->restarts = 0;
  history->exit_status = history->exit_signal = -1;
}

void
lucidd_db_run_history (LucidDaemonDb *db, const char *pipeline,
                       LucidRunHistory *history)
{
  g_autoptr (GError) error = NULL;
  sqlite3_stmt *stmt;

  *history = (LucidRunHistory){ .exit_status = -1, .exit_signal = -1 };
  stmt = prepare (db,
                  "SELECT count(*) FROM daemon_runs "
                  "WHERE pipeline = ?1 AND attempt > 0",
                  &error);
  if (stmt == NULL) {
    g_warning ("%s", error->message);
    return;
  }
  sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    history->restarts = (guint)sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  stmt = prepare (db,
                  "SELECT outcome, exit_status, exit_signal, error "
                  "FROM daemon_runs WHERE pipeline = ?1 "
                  "AND ended_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                  &error);
  if (stmt == NULL) {
    g_warning ("%s", error->message);
    return;
  }
  sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW) {
    history->outcome = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
    if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
      history->exit_status = sqlite3_column_int (stmt, 1);
    if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
      history->exit_signal = sqlite3_column_int (stmt, 2);
    if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
      history->error = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
  }
  sqlite3_finalize (stmt);
}
