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
 * a busy handler (fair, short randomised retries for up to 5 s, instead of
 * busy_timeout's sleeps that grow to 100 ms and starve a waiter among many
 * busy writers), foreign_keys=ON, journal_mode=WAL, synchronous=FULL,
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
 * Lock contention. Other processes write the same file (16 daemon workers
 * on a loaded 2-core machine: one writer did not get the lock for 15 s in
 * CI). A BEGIN IMMEDIATE that finds the lock taken wrote nothing, so while
 * nobody waits for the writer, it keeps its batch and keeps trying, however
 * long that takes (the producers block on the full queue meanwhile: back
 * pressure, nothing dropped), and says so every 15 s (g_message). Someone
 * waiting for the writer (a request, the last close) ends that patience at
 * once and gets the bounded wait below.
 *
 * Errors. A row that violates a constraint fails alone (SQLite rolls back
 * only that statement). Any other failure (disk full, I/O error, read-only,
 * locked for longer than the bounded wait while someone waits) rolls the
 * whole batch back. Each
 * handle whose rows were lost gets a sticky error naming the path and
 * SQLite's message and extended code; its next append and every later flush
 * return it. Lost rows are never retried: the producer learns about it and
 * stops, rather than the store silently reordering or duplicating rows.
 * Rows the handle had already queued behind the loss are dropped by the
 * writer, never committed (lucid-store-writer.c, owner_failed()), so the
 * committed rows of a handle are always a prefix of what it appended.
 *
 * Durability. WAL with synchronous=FULL: a COMMIT returns after the WAL is
 * fsynced, so a committed batch survives a crash or power loss; a crash
 * loses at most the batch being written and the queue, and the file stays
 * consistent (SQLite's WAL recovery). The committed rows of one writer are
 * therefore always a prefix of what it was handed. The last close checkpoints
 * with TRUNCATE, so a finished database is one file.
 *
 * The audit log. lucid_store_append_log() queues an entry like a result
 * row (same queue, back-pressure, sticky error). The writer gives it the
 * next seq and computes its leaf and chain hashes inside the batch's
 * transaction, after reading, under the write lock, whatever other
 * processes appended since (lucid-store-logwriter.c); the run and model
 * requests add their provenance entries in their own transaction; flush
 * and close add a checkpoint (Merkle root, Ed25519-signed with a key).
 * The formats and the verifier are in lucid-store-log.h.
 *
 * Files. This one holds the registry of writers, the handles and the
 * producers' side of the queue (appends and requests): the public API.
 * lucid-store-schema.c opens the write connection and migrates (and words
 * SQLite's errors for all), lucid-store-writer.c is the writer thread,
 * lucid-store-logwriter.c its audit log part, lucid-store-log.c and
 * lucid-store-key.c the log's byte formats and key files,
 * lucid-store-verify.c the verifier, lucid-store-readonly.c is
 * lucid_store_open_readonly(), and lucid-store-private.h holds what they
 * share.
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

#include "lucid-store-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

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

/* Frees a queued row or request and drops its reference on the handle. */
void
lucid_store_item_free (Item *item)
{
  g_free (item->element);
  g_free (item->kind);
  g_free (item->label);
  g_free (item->extras);
  g_free (item->vector);
  store_unref (item->owner);
  g_free (item);
}

/* ---- the registry and handles ----------------------------------------- */

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
  g_autofree char *dir = NULL, *base = NULL;
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

/* A later handle's signing key must be the writer's (w->signing_key is
 * written once, before the writer thread starts). registry_lock held. */
static gboolean
same_signing_key (LucidStoreWriter *w, const char *key_path, const char *path,
                  GError **error)
{
  LucidAuditKey key;
  gboolean same;

  if (!lucid_audit_key_load (key_path, TRUE, &key, error)) {
    lucid_audit_key_clear (&key);
    return FALSE;
  }
  same = w->signing_key.has_secret
         && memcmp (key.public_key, w->signing_key.public_key,
                    sizeof (key.public_key))
                == 0;
  lucid_audit_key_clear (&key);
  if (!same)
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: the audit log of this file is already being written "
                 "%s in this process; one writer signs with one key (%s "
                 "differs)",
                 path,
                 w->signing_key.has_secret ? "with another signing key"
                                           : "without a signing key",
                 key_path);
  return same;
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
  if (opts.log_checkpoint_entries == 0)
    opts.log_checkpoint_entries = LUCID_STORE_DEFAULT_LOG_CHECKPOINT_ENTRIES;

  key = canonical_db_path (path);

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  w = g_hash_table_lookup (registry, key);
  if (w == NULL) {
    w = lucid_store_writer_new (key, path, &opts, error);
    if (w == NULL) {
      g_mutex_unlock (&registry_lock);
      return NULL;
    }
    g_hash_table_insert (registry, w->key, w);
  } else if (opts.log_signing_key
             && !same_signing_key (w, opts.log_signing_key, path, error)) {
    g_mutex_unlock (&registry_lock);
    return NULL;
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
    lucid_store_writer_free (w);
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

/* Queues the row @item (taking it), waiting for space. */
static gboolean
enqueue_row (LucidStore *store, Item *item, GCancellable *cancellable,
             GError **error)
{
  LucidStoreWriter *w = store->writer;
  gulong handler = 0;
  gboolean ok = TRUE;

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
    lucid_store_item_free (item);
  return ok;
}

gboolean
lucid_store_append_result (LucidStore *store, const LucidResultRow *row,
                           GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (store != NULL && row != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

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
  return enqueue_row (store, row_item_new (store, row), cancellable, error);
}

gboolean
lucid_store_append_log (LucidStore *store, gint64 run_id, const char *kind,
                        const char *payload_json, GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) json_error = NULL;
  Item *item;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (kind == NULL || *kind == '\0' || !g_utf8_validate (kind, -1, NULL)
      || lucid_audit_kind_is_reserved (kind)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: an audit log entry needs a kind (non-empty UTF-8, not "
                 "checkpoint, run-start, run-end or model), got '%s'",
                 store->path, kind ? kind : "(null)");
    return FALSE;
  }
  if (payload_json == NULL
      || !(node = lucid_json_parse_data (payload_json, strlen (payload_json),
                                         "payload", &json_error))) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: the payload of the audit log entry '%s' is not valid "
                 "JSON: %s",
                 store->path, kind,
                 json_error ? json_error->message : "(null)");
    return FALSE;
  }

  item = g_new0 (Item, 1);
  item->owner = store_ref (store);
  item->log_entry = TRUE;
  item->run_id = run_id > 0 ? run_id : 0;
  item->kind = g_strdup (kind);
  item->extras = g_strdup (payload_json);
  item->created_at_us = g_get_real_time ();
  return enqueue_row (store, item, cancellable, error);
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
  LucidModelInfo info = {
    .dir = dir, .sha256 = sha256, .family = family, .config_json = config_json
  };

  return lucid_store_ensure_model_info (store, &info, error);
}

gint64
lucid_store_ensure_model_info (LucidStore *store, const LucidModelInfo *info,
                               GError **error)
{
  Request req = { .kind = REQUEST_ENSURE_MODEL, .model = info };

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (info != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  if (info->dir == NULL || info->sha256 == NULL) {
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
