/* lucid-store.c — the SQLite store: migrations, one writer thread per file,
 * batched commits, synchronous ids and flush, and read-only query access.
 *
 * The problem. Several lucidsink instances, in one or several processes, land
 * rows in one SQLite file. SQLite allows one writer at a time per file and an
 * fsync per transaction is the cost of durability, so rows must be batched;
 * yet a sink must be able to promise, when it posts EOS, that every row it
 * received is committed, and a crash may lose at most the batch in flight.
 *
 * Opening. lucid_store_open() canonicalizes the path (realpath of the file,
 * or of its directory when the file does not exist yet) and looks it up in a
 * process-wide registry. The first handle on a file opens the write
 * connection in the caller's thread, so that every problem (a directory, a
 * read-only file, not a database, a schema newer than this code) is reported
 * to the caller of open: the connection gets extended result codes,
 * busy_timeout 5 s, foreign_keys=ON, journal_mode=WAL, synchronous=FULL,
 * then the migrations (below), then it is handed to a new writer thread,
 * which from then on is the only thread that touches it. Later handles on
 * the same file share that writer (refcounted; the last close stops it).
 *
 * Migrations. schema/NNN_name.sql are embedded by tools/embed-schema.py as
 * lucid_migrations[]; migration i brings PRAGMA user_version from i-1 to i.
 * Open reads user_version without a transaction; a newer version than the
 * code knows is refused before anything is written (WAL is not even turned
 * on); the current version means nothing to do (re-open is a no-op). Else it
 * takes BEGIN IMMEDIATE (the write lock: another process doing the same
 * waits, up to busy_timeout), reads user_version again — another process may
 * have migrated in between — and applies the missing migrations and the new
 * user_version in that one transaction. PRAGMA user_version takes no bound
 * parameter, so its statement is formatted from the migration's number, a
 * compile-time constant; no other SQL is built at run time.
 *
 * The writer thread. Producers call lucid_store_append_result(), which
 * copies the row into an item and appends it to the writer's queue. The
 * queue is bounded by LucidStoreOptions.queue_rows: a producer that finds it
 * full waits on space_cond (back-pressure; nothing is ever dropped), unless
 * its GCancellable is cancelled (lucidsink's unlock()). The writer pops items
 * in FIFO order into a batch and commits the batch — BEGIN IMMEDIATE, one
 * prepared INSERT per row (plus one for its embedding), COMMIT — when it
 * holds batch_rows rows, when commit_interval has passed since its oldest
 * row arrived, or before it executes a request. The write lock is thus held
 * only for the burst of inserts, never while waiting for rows, so other
 * processes writing the same file get their turn.
 *
 * Ids and flush. Callers need some ids synchronously (a run id before its
 * first row, a model id, a stream id). We chose requests executed by the
 * writer thread over a second connection: a request is a queue item like a
 * row, so it runs after every row queued before it; the writer first
 * commits the pending batch, then runs the request in its own BEGIN
 * IMMEDIATE … COMMIT, and only then replies. So an id is durable before any
 * row can reference it (a rolled-back batch can never orphan later rows),
 * the file keeps exactly one write connection per process, and requests are
 * rare (per run, model, stream), so their extra fsync does not matter.
 * lucid_store_flush() is the empty request: when its reply comes, every row
 * queued before it by any handle has been committed or has failed, and the
 * writer has run a PASSIVE checkpoint. Requests are not counted against the
 * queue bound (the requester blocks for the reply anyway) and cannot be
 * cancelled: while another process holds the write lock a request waits at
 * most BEGIN_ATTEMPTS × busy_timeout, then fails with "database is locked".
 *
 * Errors. A row that violates a constraint fails alone (SQLite rolls back
 * only that statement). Any other failure (disk full, I/O error, read-only,
 * locked for longer than busy_timeout) rolls the whole batch back. Each
 * handle whose rows were lost gets a sticky error naming the path and
 * SQLite's message and extended code; its next append and every later flush
 * return it. Lost rows are never retried: the producer learns about it and
 * stops, rather than the store silently reordering or duplicating rows.
 *
 * Durability. WAL with synchronous=FULL: a COMMIT returns after the WAL is
 * fsynced, so a committed batch survives a crash or power loss; a crash
 * loses at most the batch being written and the queue, and the file stays
 * consistent (SQLite's WAL recovery). The committed rows of one writer are
 * therefore always a prefix of what it was handed. The last close checkpoints
 * with TRUNCATE, so a finished database is one file.
 *
 * Lock order (never take a lock to the left while holding one to its right):
 *   registry_lock  →  writer->lock  →  (GCancellable's internal lock)
 * registry_lock guards the registry, writer->users, writer->handles; it is
 * held while the first handle opens the connection and migrates (SQLite
 * calls, up to busy_timeout). writer->lock guards the queue, the reply flags,
 * the options, quit, and every LucidStore.error; it is never held across a
 * SQLite call or while connecting/disconnecting a GCancellable (a cancelled
 * handler takes writer->lock itself). The writer thread takes only
 * writer->lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lucid-error.h"

/* Generated by tools/embed-schema.py (lucid-schema-data.c). */
typedef struct {
  int version;
  const char *name;
  const char *sql;
} LucidMigration;
extern const LucidMigration lucid_migrations[];
extern const size_t lucid_n_migrations;

#define BUSY_TIMEOUT_MS 5000
#define BEGIN_ATTEMPTS 3

typedef struct _LucidStoreWriter LucidStoreWriter;

struct _LucidStore {
  gint ref_count; /* atomic: the caller's + one per queued item */
  LucidStoreWriter *writer;
  char *path;               /* as given to open */
  guint commit_interval_ms; /* as asked (resolved defaults) */
  guint batch_rows;
  GError *error; /* sticky commit error; writer->lock */
};

typedef enum {
  REQUEST_FLUSH,
  REQUEST_BEGIN_RUN,
  REQUEST_END_RUN,
  REQUEST_ENSURE_MODEL,
  REQUEST_ADD_STREAM,
} RequestKind;

/* Lives on the requester's stack until done is set; the writer must not
 * touch it after setting done and dropping writer->lock. */
typedef struct {
  RequestKind kind;
  const LucidRunInfo *run;       /* BEGIN_RUN */
  gint64 run_id;                 /* END_RUN, ADD_STREAM */
  const char *s1, *s2, *s3, *s4; /* per kind, see request_execute() */
  gboolean done;                 /* writer->lock */
  gint64 id;
  GError *error;
} Request;

typedef struct {
  LucidStore *owner; /* ref held */
  Request *request;  /* NULL for a row */
  /* a row */
  gint64 run_id, stream_id, model_id;
  gint64 pts, duration, stream_time, running_time;
  char *element, *kind, *label, *extras;
  gboolean has_score;
  double score;
  gint64 created_at_us; /* wall clock, when appended */
  guint dim;
  guint8 *vector; /* dim float32, little-endian */
} Item;

struct _LucidStoreWriter {
  char *key;      /* canonical path (registry key) */
  char *path;     /* path of the first opener, for messages */
  guint users;    /* registry_lock */
  GList *handles; /* LucidStore* (not owned); registry_lock */

  GThread *thread;
  /* Owned by the writer thread once it runs. */
  sqlite3 *db;
  sqlite3_stmt *insert_result, *insert_embedding;
  sqlite3_stmt *insert_run, *update_run;
  sqlite3_stmt *insert_model, *select_model, *insert_stream;

  GMutex lock;
  GCond items_cond;    /* an item was queued, or quit */
  GCond space_cond;    /* the row queue dropped below capacity */
  GCond reply_cond;    /* some request is done */
  GQueue queue;        /* Item*, FIFO */
  guint n_queued_rows; /* rows in queue (requests not counted) */
  guint capacity;
  guint n_space_waiters;
  gboolean writer_waiting; /* the writer sleeps on items_cond */
  gint64 commit_interval_us;
  guint batch_rows;
  gboolean quit;
};

static GMutex registry_lock;
static GHashTable *registry; /* key → LucidStoreWriter*; registry_lock */

/* ---- small helpers ---------------------------------------------------- */

static LucidStore *
store_ref (LucidStore *store)
{
  g_atomic_int_inc (&store->ref_count);
  return store;
}

static void
store_unref (LucidStore *store)
{
  if (!g_atomic_int_dec_and_test (&store->ref_count))
    return;
  g_clear_error (&store->error);
  g_free (store->path);
  g_free (store);
}

static void
item_free (Item *item)
{
  g_free (item->element);
  g_free (item->kind);
  g_free (item->label);
  g_free (item->extras);
  g_free (item->vector);
  store_unref (item->owner);
  g_free (item);
}

/* "2024-05-01T12:00:00.123456Z" (UTC), what SQLite's date functions read. */
static void
format_utc (gint64 usec, char out[40])
{
  time_t secs = (time_t)(usec / G_USEC_PER_SEC);
  struct tm tm;

  gmtime_r (&secs, &tm);
  g_snprintf (out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
              (int)(usec % G_USEC_PER_SEC));
}

static gboolean
rc_is_io (int rc)
{
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return TRUE;
    default:
      return FALSE;
  }
}

/* "PATH: WHAT: SQLite's message (SQLite error N[, errno text])". Failures of
 * the file system (full, read-only, cannot open, I/O) are LUCID_ERROR_IO. */
static void
set_db_error (GError **error, gint code, sqlite3 *db, const char *path,
              const char *what)
{
  int ext = db ? sqlite3_extended_errcode (db) : SQLITE_ERROR;
  const char *msg = db ? sqlite3_errmsg (db) : sqlite3_errstr (ext);
  int sys = db && rc_is_io (ext) ? sqlite3_system_errno (db) : 0;

  if (code == LUCID_ERROR_DB && rc_is_io (ext))
    code = LUCID_ERROR_IO;
  if (ext == SQLITE_READONLY_DIRECTORY) {
    g_autofree char *dir = g_path_get_dirname (path);
    g_set_error (error, LUCID_ERROR, code,
                 "%s: %s: the directory %s is not writable, and SQLite "
                 "must create %s-wal and %s-shm there (SQLite error %d)",
                 path, what, dir, path, path, ext);
    return;
  }
  if (sys != 0)
    g_set_error (error, LUCID_ERROR, code, "%s: %s: %s (SQLite error %d, %s)",
                 path, what, msg, ext, g_strerror (sys));
  else
    g_set_error (error, LUCID_ERROR, code, "%s: %s: %s (SQLite error %d)", path,
                 what, msg, ext);
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

/* Runs one statement without parameters or result rows (fixed SQL only). */
static gboolean
exec_fixed (sqlite3 *db, const char *sql, const char *path, const char *what,
            GError **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK) {
    set_db_error (error, LUCID_ERROR_DB, db, path, what);
    return FALSE;
  }
  return TRUE;
}

static void
rollback_if_open (sqlite3 *db)
{
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
read_user_version (sqlite3 *db, const char *path, int *out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL)
          == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW) {
    *out = sqlite3_column_int (stmt, 0);
    ok = TRUE;
  } else {
    set_db_error (error, LUCID_ERROR_DB, db, path,
                  "cannot read the schema version");
  }
  sqlite3_finalize (stmt);
  return ok;
}

int
lucid_store_schema_version (void)
{
  return lucid_n_migrations > 0
             ? lucid_migrations[lucid_n_migrations - 1].version
             : 0;
}

static gboolean
check_not_too_new (int version, const char *path, GError **error)
{
  if (version <= lucid_store_schema_version ())
    return TRUE;
  g_set_error (
      error, LUCID_ERROR, LUCID_ERROR_SCHEMA_TOO_NEW,
      "%s: database schema version %d is newer than this Lucid's (%d); it "
      "was written by a newer Lucid: use that version, or another file",
      path, version, lucid_store_schema_version ());
  return FALSE;
}

/* ---- opening and migrating (caller's thread, registry_lock held) ------- */

static gboolean
migrate (sqlite3 *db, const char *path, GError **error)
{
  int version;

  if (!read_user_version (db, path, &version, error))
    return FALSE;
  if (!check_not_too_new (version, path, error))
    return FALSE;
  if (version == lucid_store_schema_version ())
    return TRUE;

  if (!exec_fixed (db, "BEGIN IMMEDIATE", path,
                   "cannot lock the database to migrate its schema", error))
    return FALSE;
  /* Another process may have migrated between our read and our lock. */
  if (!read_user_version (db, path, &version, error)
      || !check_not_too_new (version, path, error))
    goto fail;

  for (size_t i = (size_t)version; i < lucid_n_migrations; i++) {
    const LucidMigration *m = &lucid_migrations[i];
    g_autofree char *what
        = g_strdup_printf ("schema migration %s failed", m->name);
    /* A compile-time number, not data: PRAGMA takes no bound parameter. */
    g_autofree char *set_version
        = g_strdup_printf ("PRAGMA user_version = %d", m->version);

    g_assert (m->version == (int)i + 1);
    if (sqlite3_exec (db, m->sql, NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec (db, set_version, NULL, NULL, NULL) != SQLITE_OK) {
      set_db_error (error, LUCID_ERROR_DB, db, path, what);
      goto fail;
    }
  }
  if (!exec_fixed (db, "COMMIT", path, "cannot commit the schema migration",
                   error))
    goto fail;
  return TRUE;

fail:
  rollback_if_open (db);
  return FALSE;
}

/* SQLite reports the errno of its last attempt (a read-only retry: ENOENT)
 * when it cannot create a file; say what is really in the way. */
static gboolean
explain_cannot_create (const char *path, GError **error)
{
  g_autofree char *dir = NULL;
  struct stat st;
  int err;

  if (stat (path, &st) == 0 || errno != ENOENT)
    return FALSE;
  dir = g_path_get_dirname (path);
  if (stat (dir, &st) != 0) {
    err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: cannot create the database: directory %s: %s", path, dir,
                 g_strerror (err));
    return TRUE;
  }
  if (!S_ISDIR (st.st_mode)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: cannot create the database: %s is not a directory", path,
                 dir);
    return TRUE;
  }
  if (faccessat (AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
    err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: cannot create the database: directory %s is not "
                 "writable (%s)",
                 path, dir, g_strerror (err));
    return TRUE;
  }
  return FALSE;
}

static sqlite3 *
open_write_connection (const char *path, GError **error)
{
  struct stat st;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  const char *mode;
  int version, rc;

  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_IO,
        "%s: is a directory, expected an SQLite database file (or a path "
        "where one can be created)",
        path);
    return NULL;
  }

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL);
  if (rc != SQLITE_OK) {
    if (!explain_cannot_create (path, error))
      set_db_error (error, LUCID_ERROR_IO, db, path,
                    "cannot open or create the database");
    goto fail;
  }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  /* SQLite silently falls back to read-only when it may not write the file. */
  if (sqlite3_db_readonly (db, "main") == 1) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_IO,
        "%s: the database file is read-only (no write permission for this "
        "user?); lucidsink needs to write it",
        path);
    goto fail;
  }

  /* The first read also proves that the file is a database. */
  if (!read_user_version (db, path, &version, error))
    goto fail;
  if (!check_not_too_new (version, path, error))
    goto fail;

  if (!exec_fixed (db, "PRAGMA foreign_keys = ON", path,
                   "cannot enable foreign keys", error))
    goto fail;

  /* Switching to WAL needs an exclusive lock, and SQLite returns SQLITE_BUSY
   * at once (without calling the busy handler) when another process holds
   * a lock it could deadlock with — e.g. several processes creating one
   * file together. Retry for as long as busy_timeout would have waited. */
  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL)
      == SQLITE_OK) {
    for (int waited_ms = 0;; waited_ms += 10) {
      rc = sqlite3_step (stmt);
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
        break;
      if (waited_ms >= BUSY_TIMEOUT_MS)
        break;
      sqlite3_reset (stmt);
      g_usleep (10 * 1000);
    }
  }
  if (stmt == NULL || rc != SQLITE_ROW) {
    set_db_error (error,
                  rc_is_io (sqlite3_extended_errcode (db)) ? LUCID_ERROR_IO
                                                           : LUCID_ERROR_DB,
                  db, path, "cannot switch to WAL journal mode");
    goto fail;
  }
  mode = (const char *)sqlite3_column_text (stmt, 0);
  if (mode == NULL || g_ascii_strcasecmp (mode, "wal") != 0) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_DB,
        "%s: SQLite kept journal mode '%s' instead of WAL (is the file on a "
        "file system without shared memory, or in memory?)",
        path, mode ? mode : "(none)");
    goto fail;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!exec_fixed (db, "PRAGMA synchronous = FULL", path,
                   "cannot set synchronous=FULL", error))
    goto fail;

  if (!migrate (db, path, error))
    goto fail;
  return db;

fail:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return NULL;
}

static gboolean
prepare (LucidStoreWriter *w, const char *sql, sqlite3_stmt **stmt,
         GError **error)
{
  if (sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL)
      != SQLITE_OK) {
    set_db_error (error, LUCID_ERROR_DB, w->db, w->path,
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
    = "INSERT INTO models (dir, sha256, family, config, first_seen) "
      "VALUES (?1, ?2, ?3, CASE WHEN json_valid(?4) THEN ?4 END, ?5) "
      "ON CONFLICT (dir, sha256) DO NOTHING";
static const char SQL_SELECT_MODEL[]
    = "SELECT id FROM models WHERE dir = ?1 AND sha256 = ?2";
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

static gboolean
begin_immediate (LucidStoreWriter *w, GError **error)
{
  int rc = SQLITE_BUSY;

  /* busy_timeout already waits 5 s per attempt. */
  for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
    rc = sqlite3_exec (w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if ((rc & 0xff) != SQLITE_BUSY)
      break;
  }
  if (rc != SQLITE_OK) {
    set_db_error (error, LUCID_ERROR_DB, w->db, w->path,
                  "cannot begin a write transaction");
    return FALSE;
  }
  return TRUE;
}

static gboolean
commit (LucidStoreWriter *w, GError **error)
{
  if (sqlite3_exec (w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    set_db_error (error, LUCID_ERROR_DB, w->db, w->path, "commit failed");
    rollback_if_open (w->db);
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

  format_utc (row->created_at_us, created);
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

/* Commits and empties @batch; failures land on the owners' handles. */
static void
commit_batch (LucidStoreWriter *w, GPtrArray *batch)
{
  g_autoptr (GError) error = NULL;

  if (batch->len == 0)
    return;
  if (!begin_immediate (w, &error))
    goto fail;

  for (guint i = 0; i < batch->len; i++) {
    Item *row = g_ptr_array_index (batch, i);
    int rc = insert_row (w, row);

    if (rc == SQLITE_DONE)
      continue;
    if (rc_is_row_level (rc) && !sqlite3_get_autocommit (w->db)) {
      g_autoptr (GError) row_error = NULL;
      g_autofree char *what = g_strdup_printf ("a result row of element "
                                               "'%s' was refused",
                                               row->element);
      set_db_error (&row_error, LUCID_ERROR_DB, w->db, w->path, what);
      mark_failed (w, row->owner, row_error);
      continue;
    }
    set_db_error (
        &error, LUCID_ERROR_DB, w->db, w->path,
        "writing a batch of results failed, the batch was rolled back");
    rollback_if_open (w->db);
    goto fail;
  }
  if (!commit (w, &error))
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
  sqlite3_stmt *s;
  int rc;

  format_utc (g_get_real_time (), now);
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
      s = w->insert_model;
      sqlite3_bind_text (s, 1, req->s1, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, req->s2, -1, SQLITE_TRANSIENT);
      bind_text_or_null (s, 3, req->s3);
      bind_text_or_null (s, 4, req->s4);
      sqlite3_bind_text (s, 5, now, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (s);
      if (rc != SQLITE_DONE)
        return rc;
      sqlite3_reset (s);
      s = w->select_model;
      sqlite3_bind_text (s, 1, req->s1, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, req->s2, -1, SQLITE_TRANSIENT);
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
    return;
  }

  if (!begin_immediate (w, &req->error))
    return;
  rc = step_request (w, req);
  if (rc != SQLITE_DONE) {
    set_db_error (&req->error, LUCID_ERROR_DB, w->db, w->path,
                  request_what (req->kind));
    rollback_if_open (w->db);
  } else if (req->kind == REQUEST_END_RUN && req->id == 0) {
    g_set_error (&req->error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: %s: there is no run %" G_GINT64_FORMAT, w->path,
                 request_what (req->kind), req->run_id);
    rollback_if_open (w->db);
  } else if (!commit (w, &req->error)) {
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
      = g_ptr_array_new_with_free_func ((GDestroyNotify)item_free);
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
        commit_batch (w, batch);
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
        commit_batch (w, batch);
      g_mutex_lock (&w->lock);
    } else {
      commit_batch (w, batch);
      request_execute (w, item);
      g_mutex_lock (&w->lock);
      item->request->done = TRUE; /* the requester may return from now on */
      item->request = NULL;
      g_cond_broadcast (&w->reply_cond);
      g_mutex_unlock (&w->lock);
      item_free (item);
      g_mutex_lock (&w->lock);
    }
  }
  g_mutex_unlock (&w->lock);

  commit_batch (w, batch);
  if (sqlite3_wal_checkpoint_v2 (w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                 NULL)
      != SQLITE_OK)
    g_debug ("%s: truncate checkpoint at close: %s", w->path,
             sqlite3_errmsg (w->db));
  return NULL;
}

static void
writer_free (LucidStoreWriter *w)
{
  sqlite3_finalize (w->insert_result);
  sqlite3_finalize (w->insert_embedding);
  sqlite3_finalize (w->insert_run);
  sqlite3_finalize (w->update_run);
  sqlite3_finalize (w->insert_model);
  sqlite3_finalize (w->select_model);
  sqlite3_finalize (w->insert_stream);
  if (w->db && sqlite3_close (w->db) != SQLITE_OK)
    g_debug ("%s: close: %s", w->path, sqlite3_errmsg (w->db));
  g_queue_clear_full (&w->queue, (GDestroyNotify)item_free);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->items_cond);
  g_cond_clear (&w->space_cond);
  g_cond_clear (&w->reply_cond);
  g_list_free (w->handles);
  g_free (w->key);
  g_free (w->path);
  g_free (w);
}

static LucidStoreWriter *
writer_new (const char *key, const char *path, guint queue_rows, GError **error)
{
  LucidStoreWriter *w = g_new0 (LucidStoreWriter, 1);

  w->key = g_strdup (key);
  w->path = g_strdup (path);
  g_mutex_init (&w->lock);
  g_cond_init (&w->items_cond);
  g_cond_init (&w->space_cond);
  g_cond_init (&w->reply_cond);
  g_queue_init (&w->queue);
  w->capacity = queue_rows;

  w->db = open_write_connection (path, error);
  if (w->db == NULL || !prepare_statements (w, error))
    goto fail;
  w->thread = g_thread_try_new ("lucid-store", writer_main, w, error);
  if (w->thread == NULL)
    goto fail;
  return w;

fail:
  writer_free (w);
  return NULL;
}

/* registry_lock held. */
static void
writer_update_options (LucidStoreWriter *w)
{
  guint interval = G_MAXUINT, rows = G_MAXUINT;

  for (GList *l = w->handles; l; l = l->next) {
    LucidStore *h = l->data;
    interval = MIN (interval, h->commit_interval_ms);
    rows = MIN (rows, h->batch_rows);
  }
  if (w->handles == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->commit_interval_us = (gint64)interval * 1000;
  w->batch_rows = rows;
  g_mutex_unlock (&w->lock);
}

/* The registry key: realpath of the file, or of its directory + basename
 * while the file does not exist; a lexical canonical form when even the
 * directory is missing (open then fails with SQLite's reason). */
static char *
canonical_db_path (const char *path)
{
  char *real = realpath (path, NULL);
  g_autofree char *dir = NULL, *base = NULL, *real_dir = NULL;
  char *key;

  if (real) {
    key = g_strdup (real);
    free (real);
    return key;
  }
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  real = realpath (dir, NULL);
  if (real == NULL)
    return g_canonicalize_filename (path, NULL);
  key = g_build_filename (real, base, NULL);
  free (real);
  return key;
}

LucidStore *
lucid_store_open (const char *path, const LucidStoreOptions *options,
                  GError **error)
{
  LucidStoreOptions opts = { 0 };
  g_autofree char *key = NULL;
  LucidStoreWriter *w;
  LucidStore *store;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*path == '\0') {
    g_set_error_literal (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                         "no database path given");
    return NULL;
  }
  if (options)
    opts = *options;
  if (opts.commit_interval_ms == 0)
    opts.commit_interval_ms = LUCID_STORE_DEFAULT_COMMIT_INTERVAL_MS;
  if (opts.batch_rows == 0)
    opts.batch_rows = LUCID_STORE_DEFAULT_BATCH_ROWS;
  if (opts.queue_rows == 0)
    opts.queue_rows = LUCID_STORE_DEFAULT_QUEUE_ROWS;

  key = canonical_db_path (path);

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  w = g_hash_table_lookup (registry, key);
  if (w == NULL) {
    w = writer_new (key, path, opts.queue_rows, error);
    if (w == NULL) {
      g_mutex_unlock (&registry_lock);
      return NULL;
    }
    g_hash_table_insert (registry, w->key, w);
  }
  store = g_new0 (LucidStore, 1);
  store->ref_count = 1;
  store->writer = w;
  store->path = g_strdup (path);
  store->commit_interval_ms = opts.commit_interval_ms;
  store->batch_rows = opts.batch_rows;
  w->users++;
  w->handles = g_list_prepend (w->handles, store);
  writer_update_options (w);
  g_mutex_unlock (&registry_lock);
  return store;
}

void
lucid_store_close (LucidStore *store)
{
  LucidStoreWriter *w;
  gboolean last;

  if (store == NULL)
    return;
  w = store->writer;

  g_mutex_lock (&registry_lock);
  w->handles = g_list_remove (w->handles, store);
  last = --w->users == 0;
  if (last)
    g_hash_table_remove (registry, w->key);
  else
    writer_update_options (w);
  g_mutex_unlock (&registry_lock);

  if (last) {
    /* The writer drains the queue, commits, checkpoints, then exits. */
    g_mutex_lock (&w->lock);
    w->quit = TRUE;
    g_cond_signal (&w->items_cond);
    g_mutex_unlock (&w->lock);
    g_thread_join (w->thread);
    writer_free (w);
  }
  store_unref (store);
}

const char *
lucid_store_get_path (LucidStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return store->path;
}

guint
lucid_store_get_n_users (LucidStore *store)
{
  guint n;

  g_return_val_if_fail (store != NULL, 0);
  g_mutex_lock (&registry_lock);
  n = store->writer->users;
  g_mutex_unlock (&registry_lock);
  return n;
}

gboolean
lucid_store_shares_writer (LucidStore *a, LucidStore *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  return a->writer == b->writer;
}

void
lucid_store_result_row_init (LucidResultRow *row)
{
  memset (row, 0, sizeof (*row));
  row->pts = row->duration = LUCID_STORE_TIME_NONE;
  row->stream_time = row->running_time = LUCID_STORE_TIME_NONE;
  row->score = NAN;
}

/* ---- producers -------------------------------------------------------- */

static void
wake_space_waiters (GCancellable *cancellable, gpointer data)
{
  LucidStoreWriter *w = data;

  g_mutex_lock (&w->lock);
  g_cond_broadcast (&w->space_cond);
  g_mutex_unlock (&w->lock);
}

static Item *
row_item_new (LucidStore *store, const LucidResultRow *row)
{
  Item *item = g_new0 (Item, 1);

  item->owner = store_ref (store);
  item->run_id = row->run_id;
  item->stream_id = row->stream_id;
  item->model_id = row->model_id;
  item->pts = row->pts;
  item->duration = row->duration;
  item->stream_time = row->stream_time;
  item->running_time = row->running_time;
  item->element = g_strdup (row->element);
  item->kind = g_strdup (row->kind);
  item->label = g_strdup (row->label);
  item->extras = g_strdup (row->extras_json);
  item->has_score = row->has_score;
  item->score = row->score;
  item->created_at_us = g_get_real_time ();
  if (row->embedding && row->embedding_dim > 0) {
    item->dim = row->embedding_dim;
    item->vector = g_malloc ((gsize)item->dim * 4);
    for (guint i = 0; i < item->dim; i++) {
      guint32 bits;
      memcpy (&bits, &row->embedding[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (item->vector + (gsize)i * 4, &bits, 4);
    }
  }
  return item;
}

gboolean
lucid_store_append_result (LucidStore *store, const LucidResultRow *row,
                           GCancellable *cancellable, GError **error)
{
  LucidStoreWriter *w;
  Item *item;
  gulong handler = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (store != NULL && row != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  w = store->writer;

  if (row->element == NULL || row->kind == NULL || row->run_id <= 0
      || (row->embedding_dim > 0 && row->embedding == NULL)
      || row->embedding_dim > G_MAXINT / 4) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: a result row needs an element, a kind and a run id (got "
                 "element=%s kind=%s run=%" G_GINT64_FORMAT ")",
                 store->path, row->element ? row->element : "(null)",
                 row->kind ? row->kind : "(null)", row->run_id);
    return FALSE;
  }
  item = row_item_new (store, row);

  g_mutex_lock (&w->lock);
  for (;;) {
    if (store->error) {
      g_propagate_error (error, g_error_copy (store->error));
      ok = FALSE;
      break;
    }
    if (w->n_queued_rows < w->capacity)
      break;
    if (cancellable && handler == 0) {
      /* Connect unlocked: the handler runs at once if already cancelled. */
      g_mutex_unlock (&w->lock);
      handler = g_cancellable_connect (
          cancellable, G_CALLBACK (wake_space_waiters), w, NULL);
      g_mutex_lock (&w->lock);
      continue;
    }
    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      ok = FALSE;
      break;
    }
    w->n_space_waiters++;
    g_cond_wait (&w->space_cond, &w->lock);
    w->n_space_waiters--;
  }
  if (ok) {
    g_queue_push_tail (&w->queue, item);
    w->n_queued_rows++;
    item = NULL;
    if (w->writer_waiting)
      g_cond_signal (&w->items_cond);
  }
  g_mutex_unlock (&w->lock);

  if (handler)
    g_cancellable_disconnect (cancellable, handler);
  if (item)
    item_free (item);
  return ok;
}

/* Queues @req behind every item queued so far and waits for its reply. */
static gboolean
run_request (LucidStore *store, Request *req, GError **error)
{
  LucidStoreWriter *w = store->writer;
  Item *item = g_new0 (Item, 1);

  item->owner = store_ref (store);
  item->request = req;

  g_mutex_lock (&w->lock);
  g_queue_push_tail (&w->queue, item);
  g_cond_signal (&w->items_cond);
  while (!req->done)
    g_cond_wait (&w->reply_cond, &w->lock);
  g_mutex_unlock (&w->lock);

  if (req->error) {
    g_propagate_error (error, req->error);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_store_flush (LucidStore *store, GError **error)
{
  Request req = { .kind = REQUEST_FLUSH };

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return run_request (store, &req, error);
}

gint64
lucid_store_begin_run (LucidStore *store, const LucidRunInfo *info,
                       GError **error)
{
  Request req = { .kind = REQUEST_BEGIN_RUN, .run = info };

  g_return_val_if_fail (store != NULL && info != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  if (info->lucid_version == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: a run needs the Lucid version", store->path);
    return 0;
  }
  return run_request (store, &req, error) ? req.id : 0;
}

gboolean
lucid_store_end_run (LucidStore *store, gint64 run_id, const char *status,
                     GError **error)
{
  Request req = { .kind = REQUEST_END_RUN, .run_id = run_id, .s1 = status };

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (g_strcmp0 (status, "eos") != 0 && g_strcmp0 (status, "stopped") != 0
      && g_strcmp0 (status, "error") != 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: run status must be 'eos', 'stopped' or 'error', not '%s'",
                 store->path, status ? status : "(null)");
    return FALSE;
  }
  return run_request (store, &req, error);
}

gint64
lucid_store_ensure_model (LucidStore *store, const char *dir,
                          const char *sha256, const char *family,
                          const char *config_json, GError **error)
{
  Request req = { .kind = REQUEST_ENSURE_MODEL,
                  .s1 = dir,
                  .s2 = sha256,
                  .s3 = family,
                  .s4 = config_json };

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  if (dir == NULL || sha256 == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: a model needs a directory and a weights digest",
                 store->path);
    return 0;
  }
  return run_request (store, &req, error) ? req.id : 0;
}

gint64
lucid_store_add_stream (LucidStore *store, gint64 run_id, const char *stream_id,
                        const char *caps, const char *sink_name, GError **error)
{
  Request req = { .kind = REQUEST_ADD_STREAM,
                  .run_id = run_id,
                  .s1 = stream_id,
                  .s2 = caps,
                  .s3 = sink_name ? sink_name : "" };

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  return run_request (store, &req, error) ? req.id : 0;
}

/* ---- read-only access ------------------------------------------------- */

/* Pragmas that only read, with or without an argument (a table or index
 * name, or a row limit). */
static const char *const read_pragmas_with_arg[] = {
  "table_info",      "table_xinfo",      "index_list",        "index_info",
  "index_xinfo",     "foreign_key_list", "foreign_key_check", "table_list",
  "integrity_check", "quick_check",
};

/* Pragmas that only read when given no value (with one, they write). */
static const char *const read_pragmas_no_arg[] = {
  "user_version", "schema_version", "application_id",  "data_version",
  "page_count",   "page_size",      "freelist_count",  "encoding",
  "journal_mode", "foreign_keys",   "compile_options", "function_list",
  "pragma_list",  "module_list",    "collation_list",  "database_list",
};

static gboolean
in_list (const char *name, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static int
readonly_authorizer (void *data, int action, const char *arg1, const char *arg2,
                     const char *db_name, const char *trigger)
{
  switch (action) {
    case SQLITE_READ:
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE: /* WITH RECURSIVE: still a SELECT */
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      if (arg1 == NULL)
        return SQLITE_DENY;
      if (in_list (arg1, read_pragmas_with_arg,
                   G_N_ELEMENTS (read_pragmas_with_arg)))
        return SQLITE_OK;
      if (arg2 == NULL
          && in_list (arg1, read_pragmas_no_arg,
                      G_N_ELEMENTS (read_pragmas_no_arg)))
        return SQLITE_OK;
      return SQLITE_DENY;
    default: /* writes, DDL, ATTACH (and VACUUM INTO), ... */
      return SQLITE_DENY;
  }
}

sqlite3 *
lucid_store_open_readonly (const char *path, GError **error)
{
  struct stat st;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (stat (path, &st) != 0) {
    int err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: %s", path,
                 g_strerror (err));
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: is a directory, expected an SQLite database file", path);
    return NULL;
  }
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    set_db_error (error, LUCID_ERROR_IO, db, path, "cannot open the database");
    goto fail;
  }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  sqlite3_limit (db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);

  /* Read the schema once, which proves the file is a database. */
  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_schema", -1, &stmt,
                          NULL)
          != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW) {
    set_db_error (error, LUCID_ERROR_DB, db, path, "cannot read the database");
    goto fail;
  }
  sqlite3_finalize (stmt);
  sqlite3_set_authorizer (db, readonly_authorizer, NULL);
  return db;

fail:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return NULL;
}
