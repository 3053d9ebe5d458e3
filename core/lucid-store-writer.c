/* lucid-store-writer.c — the writer thread of a database file: it pops
 * rows and requests from the queue, commits rows in batches, and runs each
 * request in its own transaction ("The writer thread", "Ids and flush",
 * "Errors" in lucid-store.c). The producers' side of the queue is in
 * lucid-store.c. The thread owns the connection and takes only
 * writer->lock, never across an SQLite call (lock order: lucid-store.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-private.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

#include "lucid-error.h"

#define BEGIN_ATTEMPTS 3

/* ---- statements ------------------------------------------------------- */

/* "2024-05-01T12:00:00.123456Z" (UTC), what SQLite's date functions read. */
void
lucid_store_format_utc (gint64 usec, char out[40])
{
  time_t secs = (time_t)(usec / G_USEC_PER_SEC);
  struct tm tm;

  gmtime_r (&secs, &tm);
  g_snprintf (out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
              (int)(usec % G_USEC_PER_SEC));
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int i, const char *s)
{
  if (s)
    sqlite3_bind_text (stmt, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

static void
bind_time (sqlite3_stmt *stmt, int i, gint64 t)
{
  if (t >= 0)
    sqlite3_bind_int64 (stmt, i, t);
  else
    sqlite3_bind_null (stmt, i);
}

static void
bind_id (sqlite3_stmt *stmt, int i, gint64 id)
{
  if (id > 0)
    sqlite3_bind_int64 (stmt, i, id);
  else
    sqlite3_bind_null (stmt, i);
}

static gboolean
prepare (LucidStoreWriter *w, const char *sql, sqlite3_stmt **stmt,
         GError **error)
{
  if (sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL)
      != SQLITE_OK) {
    lucid_store_set_db_error (
        error, LUCID_ERROR_DB, w->db, w->path,
        "cannot prepare a statement (is the schema damaged?)");
    return FALSE;
  }
  return TRUE;
}

/* The only SQL the writer runs besides fixed BEGIN/COMMIT/ROLLBACK and the
 * migrations; every value is a bound parameter. */
static const char SQL_INSERT_RESULT[]
    = "INSERT INTO results (run_id, stream_id, model_id, element, kind, pts, "
      "duration, stream_time, running_time, label, score, score_null_reason, "
      "extras, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char SQL_INSERT_EMBEDDING[]
    = "INSERT INTO embeddings (result_id, dim, vector) VALUES (?1, ?2, ?3)";
static const char SQL_INSERT_RUN[]
    = "INSERT INTO runs (started_at, status, pipeline, properties, "
      "lucid_version, gst_version, host, label) "
      "VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_UPDATE_RUN[]
    = "UPDATE runs SET status = ?2, ended_at = ?3 WHERE id = ?1";
/* A config that SQLite does not take for JSON is stored as NULL. */
static const char SQL_INSERT_MODEL[]
    = "INSERT INTO models (dir, sha256, family, config, first_seen, files, "
      "files_sha256, preprocessor) "
      "VALUES (?1, ?2, ?3, CASE WHEN json_valid(?4) THEN ?4 END, ?5, "
      "CASE WHEN json_valid(?6) THEN ?6 END, ?7, "
      "CASE WHEN json_valid(?8) THEN ?8 END) "
      "ON CONFLICT (dir, sha256, files_sha256) DO NOTHING";
static const char SQL_SELECT_MODEL[]
    = "SELECT id FROM models WHERE dir = ?1 AND sha256 = ?2 "
      "AND files_sha256 = ?3";
static const char SQL_INSERT_STREAM[]
    = "INSERT INTO streams (run_id, stream_id, caps, sink_name) "
      "VALUES (?1, ?2, ?3, ?4)";

static gboolean
prepare_statements (LucidStoreWriter *w, GError **error)
{
  const struct {
    const char *sql;
    sqlite3_stmt **stmt;
  } statements[] = {
    { SQL_INSERT_RESULT, &w->insert_result },
    { SQL_INSERT_EMBEDDING, &w->insert_embedding },
    { SQL_INSERT_RUN, &w->insert_run },
    { SQL_UPDATE_RUN, &w->update_run },
    { SQL_INSERT_MODEL, &w->insert_model },
    { SQL_SELECT_MODEL, &w->select_model },
    { SQL_INSERT_STREAM, &w->insert_stream },
  };

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    if (!prepare (w, statements[i].sql, statements[i].stmt, error))
      return FALSE;
  return TRUE;
}

/* ---- the writer thread ------------------------------------------------ */

gboolean
lucid_store_begin_immediate (LucidStoreWriter *w, GError **error)
{
  int rc = SQLITE_BUSY;

  lucid_store_log_catch_up (w);
  /* The busy handler already waits up to 5 s per attempt. */
  for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
    rc = sqlite3_exec (w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if ((rc & 0xff) != SQLITE_BUSY)
      break;
  }
  if (rc != SQLITE_OK) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, w->db, w->path,
                              "cannot begin a write transaction");
    return FALSE;
  }
  lucid_store_log_txn_begin (w);
  return TRUE;
}

void
lucid_store_rollback (LucidStoreWriter *w)
{
  lucid_store_rollback_if_open (w->db);
  lucid_store_log_txn_rollback (w);
}

gboolean
lucid_store_commit (LucidStoreWriter *w, GError **error)
{
  if (sqlite3_exec (w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, w->db, w->path,
                              "commit failed");
    lucid_store_rollback (w);
    return FALSE;
  }
  return TRUE;
}

/* Returns the SQLite result code of the failing step, SQLITE_DONE on
 * success. */
static int
insert_row (LucidStoreWriter *w, Item *row)
{
  sqlite3_stmt *s = w->insert_result;
  char created[40];
  int rc;

  lucid_store_format_utc (row->created_at_us, created);
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  sqlite3_bind_int64 (s, 1, row->run_id);
  bind_id (s, 2, row->stream_id);
  bind_id (s, 3, row->model_id);
  sqlite3_bind_text (s, 4, row->element, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, row->kind, -1, SQLITE_STATIC);
  bind_time (s, 6, row->pts);
  bind_time (s, 7, row->duration);
  bind_time (s, 8, row->stream_time);
  bind_time (s, 9, row->running_time);
  if (row->label)
    sqlite3_bind_text (s, 10, row->label, -1, SQLITE_STATIC);
  if (row->has_score && !isnan (row->score))
    sqlite3_bind_double (s, 11, row->score);
  else
    sqlite3_bind_text (s, 12, row->has_score ? "nan" : "absent", -1,
                       SQLITE_STATIC);
  if (row->extras)
    sqlite3_bind_text (s, 13, row->extras, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 14, created, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE || row->dim == 0)
    return rc;

  s = w->insert_embedding;
  sqlite3_reset (s);
  sqlite3_bind_int64 (s, 1, sqlite3_last_insert_rowid (w->db));
  sqlite3_bind_int64 (s, 2, row->dim);
  sqlite3_bind_blob (s, 3, row->vector, (int)row->dim * 4, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  return rc;
}

/* Constraint and type errors concern one row; the transaction survives. */
static gboolean
rc_is_row_level (int rc)
{
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return TRUE;
    default:
      return FALSE;
  }
}

static void
mark_failed (LucidStoreWriter *w, LucidStore *owner, const GError *error)
{
  g_mutex_lock (&w->lock);
  if (owner->error == NULL)
    owner->error = g_error_copy (error);
  g_mutex_unlock (&w->lock);
}

static void
fail_batch (LucidStoreWriter *w, GPtrArray *batch, const GError *error)
{
  g_debug ("%s: %u rows lost: %s", w->path, batch->len, error->message);
  g_mutex_lock (&w->lock);
  for (guint i = 0; i < batch->len; i++) {
    Item *row = g_ptr_array_index (batch, i);
    if (row->owner->error == NULL)
      row->owner->error = g_error_copy (error);
  }
  g_mutex_unlock (&w->lock);
}

/* A handle that lost rows before (a batch that failed, a refused row)
 * gets none of its later rows committed, so that what it committed stays a
 * prefix of what it appended ("Errors" in lucid-store.c). Handles' errors
 * are written only by this thread (mark_failed(), fail_batch()),
 * so this thread reads them without the lock. */
static gboolean
owner_failed (const Item *row)
{
  return row->owner->error != NULL;
}

/* How many rows of @batch belong to handles that have not failed. */
static guint
count_live_rows (GPtrArray *batch)
{
  guint n = 0;

  for (guint i = 0; i < batch->len; i++)
    n += !owner_failed (g_ptr_array_index (batch, i));
  return n;
}

/* Someone waits for the writer: the last handle is closing, or a request
 * (flush, run, model, stream) is queued behind the batch. */
static gboolean
writer_has_waiter (LucidStoreWriter *w)
{
  gboolean waiter;

  g_mutex_lock (&w->lock);
  waiter = w->quit || g_queue_get_length (&w->queue) > w->n_queued_rows;
  g_mutex_unlock (&w->lock);
  return waiter;
}

/* Another connection holds the locks: nothing was written, the rows are
 * intact and can be committed later. */
static gboolean
rc_is_contention (int rc)
{
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_PROTOCOL;
}

/* The write connection's busy handler (lucid_store_busy_sleep()). During
 * a patient wait it also gives up as soon as someone waits for the writer,
 * so that the bounded wait that one is owed starts at once
 * (begin_batch()). */
static int
writer_busy_handler (void *data, int count)
{
  LucidStoreWriter *w = data;

  if (w->patient && writer_has_waiter (w))
    return 0;
  return lucid_store_busy_sleep (count, BUSY_TIMEOUT_MS);
}

/* BEGIN IMMEDIATE for a batch of rows. Lock contention is not a failure of
 * the rows ("Errors" in lucid-store.c): while nobody waits for the writer,
 * it keeps the batch and waits, however long other processes keep the lock
 * (the producers meanwhile block on the full queue), saying so every 15 s.
 * Once someone waits (a request, the last close), the usual bounded wait
 * (BEGIN_ATTEMPTS x busy timeout) follows, and then the batch fails as
 * before. */
static gboolean
begin_batch (LucidStoreWriter *w, guint n_rows, gboolean may_wait,
             GError **error)
{
  gint64 since = g_get_monotonic_time (), noted = since;

  for (;;) {
    gint64 now, tried = g_get_monotonic_time ();
    g_autoptr (GError) local = NULL;
    gboolean ok;

    w->patient = may_wait && !writer_has_waiter (w);
    ok = lucid_store_begin_immediate (w, &local);
    if (ok || !w->patient
        || !rc_is_contention (sqlite3_extended_errcode (w->db))) {
      w->patient = FALSE;
      if (!ok)
        g_propagate_error (error, g_steal_pointer (&local));
      return ok;
    }
    now = g_get_monotonic_time ();
    if (now - tried < 100 * 1000) /* SQLite said BUSY without waiting */
      g_usleep (10 * 1000);
    if (now - noted >= 15 * G_USEC_PER_SEC) {
      noted = now;
      g_message ("%s: no write lock for %" G_GINT64_FORMAT
                 " s (another connection holds it: %s); process %d keeps "
                 "its %u rows and waits",
                 w->path, (now - since) / G_USEC_PER_SEC,
                 sqlite3_errmsg (w->db), (int)getpid (), n_rows);
    }
  }
}

/* Commits and empties @batch; failures land on the owners' handles.
 * @may_wait: nobody waits for this commit (not a request's, not the last
 * close's), so lock contention may be waited out (begin_batch()). */
static void
commit_batch (LucidStoreWriter *w, GPtrArray *batch, gboolean may_wait)
{
  g_autoptr (GError) error = NULL;
  guint n_live;

  if (batch->len == 0)
    return;
  n_live = count_live_rows (batch);
  if (n_live < batch->len)
    g_debug ("%s: %u rows of failed handles dropped", w->path,
             batch->len - n_live);
  if (n_live == 0) {
    g_ptr_array_set_size (batch, 0);
    return;
  }
  if (!begin_batch (w, n_live, may_wait, &error))
    goto fail;

  for (guint i = 0; i < batch->len; i++) {
    Item *row = g_ptr_array_index (batch, i);
    int rc;

    /* Also a handle that had a row refused earlier in this batch. */
    if (owner_failed (row))
      continue;
    rc = row->log_entry ? lucid_store_log_append (
             w, row->run_id, row->kind, row->extras, row->created_at_us)
                        : insert_row (w, row);
    if (rc == SQLITE_DONE)
      continue;
    if (rc_is_row_level (rc) && !sqlite3_get_autocommit (w->db)) {
      g_autoptr (GError) row_error = NULL;
      g_autofree char *what
          = row->log_entry
                ? g_strdup_printf ("an audit log entry of kind '%s' was "
                                   "refused",
                                   row->kind)
                : g_strdup_printf ("a result row of element '%s' was refused",
                                   row->element);
      lucid_store_set_db_error (&row_error, LUCID_ERROR_DB, w->db, w->path,
                                what);
      mark_failed (w, row->owner, row_error);
      continue;
    }
    lucid_store_set_db_error (
        &error, LUCID_ERROR_DB, w->db, w->path,
        "writing a batch of results failed, the batch was rolled back");
    lucid_store_rollback (w);
    goto fail;
  }
  if (!lucid_store_commit (w, &error))
    goto fail;
  g_ptr_array_set_size (batch, 0);
  return;

fail:
  fail_batch (w, batch, error);
  g_ptr_array_set_size (batch, 0);
}

static int
step_request (LucidStoreWriter *w, Request *req)
{
  char now[40];
  const char *files_sha256;
  sqlite3_stmt *s;
  int rc;

  lucid_store_format_utc (g_get_real_time (), now);
  switch (req->kind) {
    case REQUEST_BEGIN_RUN:
      s = w->insert_run;
      sqlite3_bind_text (s, 1, now, -1, SQLITE_TRANSIENT);
      bind_text_or_null (s, 2, req->run->pipeline);
      bind_text_or_null (s, 3, req->run->properties_json);
      bind_text_or_null (s, 4, req->run->lucid_version);
      bind_text_or_null (s, 5, req->run->gst_version);
      bind_text_or_null (s, 6, req->run->host);
      bind_text_or_null (s, 7, req->run->label);
      rc = sqlite3_step (s);
      req->id = sqlite3_last_insert_rowid (w->db);
      return rc;
    case REQUEST_END_RUN:
      s = w->update_run;
      sqlite3_bind_int64 (s, 1, req->run_id);
      sqlite3_bind_text (s, 2, req->s1, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 3, now, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (s);
      req->id = sqlite3_changes (w->db) == 1 ? req->run_id : 0;
      return rc;
    case REQUEST_ENSURE_MODEL:
      files_sha256 = req->model->files_sha256 ? req->model->files_sha256 : "";
      s = w->insert_model;
      sqlite3_bind_text (s, 1, req->model->dir, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, req->model->sha256, -1, SQLITE_TRANSIENT);
      bind_text_or_null (s, 3, req->model->family);
      bind_text_or_null (s, 4, req->model->config_json);
      sqlite3_bind_text (s, 5, now, -1, SQLITE_TRANSIENT);
      bind_text_or_null (s, 6, req->model->files_json);
      sqlite3_bind_text (s, 7, files_sha256, -1, SQLITE_TRANSIENT);
      bind_text_or_null (s, 8, req->model->preprocessor_json);
      rc = sqlite3_step (s);
      if (rc != SQLITE_DONE)
        return rc;
      req->created = sqlite3_changes (w->db) == 1;
      sqlite3_reset (s);
      s = w->select_model;
      sqlite3_bind_text (s, 1, req->model->dir, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, req->model->sha256, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 3, files_sha256, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (s);
      if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? SQLITE_INTERNAL : rc;
      req->id = sqlite3_column_int64 (s, 0);
      return SQLITE_DONE;
    case REQUEST_ADD_STREAM:
      s = w->insert_stream;
      sqlite3_bind_int64 (s, 1, req->run_id);
      bind_text_or_null (s, 2, req->s1);
      bind_text_or_null (s, 3, req->s2);
      sqlite3_bind_text (s, 4, req->s3, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (s);
      req->id = sqlite3_last_insert_rowid (w->db);
      return rc;
    case REQUEST_FLUSH:
    default:
      g_assert_not_reached ();
  }
  return SQLITE_MISUSE;
}

static const char *
request_what (RequestKind kind)
{
  switch (kind) {
    case REQUEST_BEGIN_RUN:
      return "cannot record the run";
    case REQUEST_END_RUN:
      return "cannot record the end of the run";
    case REQUEST_ENSURE_MODEL:
      return "cannot record the model";
    case REQUEST_ADD_STREAM:
      return "cannot record the stream";
    default:
      return "request failed";
  }
}

/* Runs @req in its own transaction; fills req->id / req->error. */
static void
request_execute (LucidStoreWriter *w, Item *item)
{
  Request *req = item->request;
  sqlite3_stmt *stmts[] = { w->insert_run, w->update_run, w->insert_model,
                            w->select_model, w->insert_stream };
  int rc;

  if (req->kind == REQUEST_FLUSH) {
    rc = sqlite3_wal_checkpoint_v2 (w->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                    NULL, NULL);
    if (rc != SQLITE_OK)
      g_debug ("%s: passive checkpoint: %s", w->path, sqlite3_errmsg (w->db));
    g_mutex_lock (&w->lock);
    if (item->owner->error)
      req->error = g_error_copy (item->owner->error);
    g_mutex_unlock (&w->lock);
    if (req->error == NULL)
      lucid_store_log_checkpoint_if_dirty (w, "flush", &req->error);
    return;
  }

  if (!lucid_store_begin_immediate (w, &req->error))
    return;
  rc = step_request (w, req);
  for (guint i = 0; i < G_N_ELEMENTS (stmts); i++)
    sqlite3_reset (stmts[i]);
  /* The provenance entry is part of the same transaction. */
  if (rc == SQLITE_DONE && req->id > 0)
    rc = lucid_store_log_request (w, req);
  if (rc != SQLITE_DONE) {
    lucid_store_set_db_error (&req->error, LUCID_ERROR_DB, w->db, w->path,
                              request_what (req->kind));
    lucid_store_rollback (w);
  } else if (req->kind == REQUEST_END_RUN && req->id == 0) {
    g_set_error (&req->error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: %s: there is no run %" G_GINT64_FORMAT, w->path,
                 request_what (req->kind), req->run_id);
    lucid_store_rollback (w);
  } else if (!lucid_store_commit (w, &req->error)) {
    req->id = 0;
  }
  for (guint i = 0; i < G_N_ELEMENTS (stmts); i++) {
    sqlite3_reset (stmts[i]);
    sqlite3_clear_bindings (stmts[i]);
  }
  if (req->error)
    req->id = 0;
}

static gpointer
writer_main (gpointer data)
{
  LucidStoreWriter *w = data;
  g_autoptr (GPtrArray) batch
      = g_ptr_array_new_with_free_func ((GDestroyNotify)lucid_store_item_free);
  gint64 deadline = 0;

  g_mutex_lock (&w->lock);
  for (;;) {
    Item *item;
    guint batch_rows;

    if (g_queue_is_empty (&w->queue)) {
      if (w->quit)
        break;
      w->writer_waiting = TRUE;
      if (batch->len == 0) {
        g_cond_wait (&w->items_cond, &w->lock);
      } else if (!g_cond_wait_until (&w->items_cond, &w->lock, deadline)) {
        /* The oldest row waited commit_interval: commit what we have. */
        w->writer_waiting = FALSE;
        g_mutex_unlock (&w->lock);
        commit_batch (w, batch, TRUE);
        g_mutex_lock (&w->lock);
      }
      w->writer_waiting = FALSE;
      continue;
    }

    item = g_queue_pop_head (&w->queue);
    if (item->request == NULL) {
      w->n_queued_rows--;
      if (w->n_space_waiters > 0)
        g_cond_broadcast (&w->space_cond);
    }
    batch_rows = w->batch_rows;
    if (batch->len == 0)
      deadline = g_get_monotonic_time () + w->commit_interval_us;
    g_mutex_unlock (&w->lock);

    if (item->request == NULL) {
      g_ptr_array_add (batch, item);
      if (batch->len >= batch_rows || g_get_monotonic_time () >= deadline)
        commit_batch (w, batch, TRUE);
      g_mutex_lock (&w->lock);
    } else {
      commit_batch (w, batch, FALSE); /* the requester waits */
      request_execute (w, item);
      g_mutex_lock (&w->lock);
      item->request->done = TRUE; /* the requester may return from now on */
      item->request = NULL;
      g_cond_broadcast (&w->reply_cond);
      g_mutex_unlock (&w->lock);
      lucid_store_item_free (item);
      g_mutex_lock (&w->lock);
    }
  }
  g_mutex_unlock (&w->lock);

  commit_batch (w, batch, FALSE); /* the last close waits */
  {
    g_autoptr (GError) error = NULL;
    if (!lucid_store_log_checkpoint_if_dirty (w, "close", &error))
      g_warning ("%s", error->message);
  }
  if (sqlite3_wal_checkpoint_v2 (w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                 NULL)
      != SQLITE_OK)
    g_debug ("%s: truncate checkpoint at close: %s", w->path,
             sqlite3_errmsg (w->db));
  return NULL;
}

/* Frees @w; its thread, if it was started, has been joined. */
void
lucid_store_writer_free (LucidStoreWriter *w)
{
  sqlite3_finalize (w->insert_result);
  sqlite3_finalize (w->insert_embedding);
  sqlite3_finalize (w->insert_run);
  sqlite3_finalize (w->update_run);
  sqlite3_finalize (w->insert_model);
  sqlite3_finalize (w->select_model);
  sqlite3_finalize (w->insert_stream);
  lucid_store_log_finalize (w);
  lucid_audit_key_clear (&w->signing_key);
  if (w->db && sqlite3_close (w->db) != SQLITE_OK)
    g_debug ("%s: close: %s", w->path, sqlite3_errmsg (w->db));
  g_queue_clear_full (&w->queue, (GDestroyNotify)lucid_store_item_free);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->items_cond);
  g_cond_clear (&w->space_cond);
  g_cond_clear (&w->reply_cond);
  g_list_free (w->handles);
  g_free (w->key);
  g_free (w->path);
  g_free (w);
}

/* The writer of the file @key: connection open and migrated, statements
 * prepared, thread started; NULL with @error set. registry_lock held. */
LucidStoreWriter *
lucid_store_writer_new (const char *key, const char *path,
                        const LucidStoreOptions *opts, GError **error)
{
  LucidStoreWriter *w = g_new0 (LucidStoreWriter, 1);

  w->key = g_strdup (key);
  w->path = g_strdup (path);
  g_mutex_init (&w->lock);
  g_cond_init (&w->items_cond);
  g_cond_init (&w->space_cond);
  g_cond_init (&w->reply_cond);
  g_queue_init (&w->queue);
  w->capacity = opts->queue_rows;
  w->checkpoint_entries = opts->log_checkpoint_entries;

  if (opts->log_signing_key
      && !lucid_audit_key_load (opts->log_signing_key, TRUE, &w->signing_key,
                                error))
    goto fail;
  w->db = lucid_store_open_write_connection (path, error);
  if (w->db == NULL || !prepare_statements (w, error)
      || !lucid_store_log_prepare (w, error))
    goto fail;
  sqlite3_busy_handler (w->db, writer_busy_handler, w);
  w->thread = g_thread_try_new ("lucid-store", writer_main, w, error);
  if (w->thread == NULL)
    goto fail;
  return w;

fail:
  lucid_store_writer_free (w);
  return NULL;
}
