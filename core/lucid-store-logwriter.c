/* lucid-store-logwriter.c — the writer thread's side of the audit log:
 * extending the hash chain and the Merkle tree inside the writer's write
 * transactions, the provenance entries (run start/end, new models), and
 * checkpoints (docs/audit.md, "The audit log"; formats in
 * lucid-store-log.c).
 *
 * Several processes may append to one file, each with its own writer
 * thread. So the writer never trusts what it remembers about the log: in
 * every transaction that extends it, under SQLite's write lock (BEGIN
 * IMMEDIATE), it first reads the rows appended since the last row it knows
 * (by any process), extending its tree and taking the last chain value,
 * and only then computes the new rows' seq, leaf and chain. A transaction
 * that rolls back restores the state saved when it began. Only this thread
 * touches w->log (and the opening thread, before the writer thread
 * starts); no lock is involved.
 *
 * Catching up. Reading rows under the write lock keeps every other writer
 * (in this and other processes) waiting, and a writer that has not looked
 * at the log for long would read all it missed there: a new writer on a
 * file with a million entries would rebuild the whole tree while holding
 * the lock, and other writers' busy timeouts would run out. So the writer
 * first catches up outside any write transaction — when it starts, and
 * before each BEGIN IMMEDIATE — in a plain read transaction (the same
 * `seq > last_seq` query; committed rows do not change), and under the lock
 * reads only the rows committed in between.
 *
 * Checkpoint policy: after an entry when LucidStoreOptions
 * .log_checkpoint_entries entries (default 1000) have been appended since
 * the last checkpoint; after every run-end entry; at lucid_store_flush()
 * and when the writer closes, if this writer appended entries since its
 * last checkpoint and the log does not end with a checkpoint already.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-private.h"

#include <string.h>

#include "lucid-error.h"

static const char SQL_LOG_INSERT[]
    = "INSERT INTO audit_log (seq, created_at, run_id, kind, payload, leaf, "
      "chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_LOG_SYNC[]
    = "SELECT seq, kind, leaf, chain FROM audit_log WHERE seq > ?1 "
      "ORDER BY seq";
/* Provenance payloads are made by SQLite from the rows just written, so
 * they hold exactly what was committed (JSON columns embedded as JSON). */
static const char SQL_LOG_RUN_START[]
    = "SELECT json_object('run_id', id, 'started_at', started_at, 'status', "
      "status, 'pipeline', pipeline, 'properties', json(properties), "
      "'lucid_version', lucid_version, 'gst_version', gst_version, 'host', "
      "host, 'label', label) FROM runs WHERE id = ?1";
static const char SQL_LOG_RUN_END[]
    = "SELECT json_object('run_id', id, 'status', status, 'ended_at', "
      "ended_at) FROM runs WHERE id = ?1";
static const char SQL_LOG_MODEL[]
    = "SELECT json_object('model_id', id, 'dir', dir, 'sha256', sha256, "
      "'family', family, 'config', json(config), 'first_seen', first_seen, "
      "'files', json(files), 'files_sha256', files_sha256, 'preprocessor', "
      "json(preprocessor)) FROM models WHERE id = ?1";

/* A writer without a key must not append unsigned checkpoints to a log
 * whose checkpoints are signed: `lucid-verify --public-key` requires every
 * checkpoint signed by that key, so the file would fail it from then on.
 * FALSE (refusing to open) when the newest checkpoint is signed and this
 * writer has no key. */
static gboolean
signer_matches (LucidStoreWriter *w, GError **error)
{
  sqlite3_stmt *s = NULL;
  g_autofree char *signer = NULL;

  if (w->signing_key.has_secret)
    return TRUE;
  if (sqlite3_prepare_v2 (w->db,
                          "SELECT json_extract(payload, '$.public_key') "
                          "FROM audit_log WHERE kind = 'checkpoint' "
                          "AND json_valid(payload) ORDER BY seq DESC LIMIT 1",
                          -1, &s, NULL)
          == SQLITE_OK
      && sqlite3_step (s) == SQLITE_ROW
      && sqlite3_column_type (s, 0) == SQLITE_TEXT)
    signer = g_strdup ((const char *)sqlite3_column_text (s, 0));
  sqlite3_finalize (s);
  if (signer == NULL)
    return TRUE;
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
               "%s: the audit log's checkpoints are signed (by key %s), but "
               "no signing key was given: unsigned checkpoints would make "
               "'lucid-verify --public-key' fail this database from now on; "
               "give the same secret key (lucidsink audit-signing-key), or "
               "write to another database",
               w->path, signer);
  return FALSE;
}

gboolean
lucid_store_log_prepare (LucidStoreWriter *w, GError **error)
{
  const struct {
    const char *sql;
    sqlite3_stmt **stmt;
  } statements[] = {
    { SQL_LOG_INSERT, &w->log_insert },
    { SQL_LOG_SYNC, &w->log_sync },
    { SQL_LOG_RUN_START, &w->log_run_start },
    { SQL_LOG_RUN_END, &w->log_run_end },
    { SQL_LOG_MODEL, &w->log_model },
  };

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    if (sqlite3_prepare_v3 (w->db, statements[i].sql, -1,
                            SQLITE_PREPARE_PERSISTENT, statements[i].stmt, NULL)
        != SQLITE_OK) {
      lucid_store_set_db_error (
          error, LUCID_ERROR_DB, w->db, w->path,
          "cannot prepare an audit log statement (is the schema damaged?)");
      return FALSE;
    }
  lucid_store_log_catch_up (w);
  return signer_matches (w, error);
}

void
lucid_store_log_finalize (LucidStoreWriter *w)
{
  sqlite3_finalize (w->log_insert);
  sqlite3_finalize (w->log_sync);
  sqlite3_finalize (w->log_run_start);
  sqlite3_finalize (w->log_run_end);
  sqlite3_finalize (w->log_model);
}

void
lucid_store_log_txn_begin (LucidStoreWriter *w)
{
  w->log.synced = FALSE;
  w->log_saved = w->log;
}

void
lucid_store_log_txn_rollback (LucidStoreWriter *w)
{
  w->log = w->log_saved;
  w->log.synced = FALSE;
}

/* Reads the rows appended since w->log.last_seq (by anyone). */
static int
log_sync (LucidStoreWriter *w)
{
  sqlite3_stmt *s = w->log_sync;
  int rc;

  if (w->log.synced)
    return SQLITE_DONE;
  sqlite3_reset (s);
  sqlite3_bind_int64 (s, 1, w->log.last_seq);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64 (s, 0);
    const char *kind = (const char *)sqlite3_column_text (s, 1);
    const void *leaf = sqlite3_column_blob (s, 2);
    int leaf_len = sqlite3_column_bytes (s, 2);
    const void *chain = sqlite3_column_blob (s, 3);
    int chain_len = sqlite3_column_bytes (s, 3);
    guint8 zero[LUCID_AUDIT_HASH_LEN] = { 0 };

    /* Only a file edited behind the triggers' back looks like this; the
     * writer goes on extending what is there and the verifier names it. */
    if (seq != w->log.last_seq + 1 || leaf_len != LUCID_AUDIT_HASH_LEN
        || chain_len != LUCID_AUDIT_HASH_LEN)
      g_warning ("%s: the audit log is damaged at seq %" G_GINT64_FORMAT
                 " (run lucid-verify)",
                 w->path, seq);
    lucid_merkle_frontier_append (
        &w->log.tree, leaf_len == LUCID_AUDIT_HASH_LEN ? leaf : zero);
    memcpy (w->log.head, chain_len == LUCID_AUDIT_HASH_LEN ? chain : zero,
            LUCID_AUDIT_HASH_LEN);
    w->log.last_seq = seq;
    if (g_strcmp0 (kind, LUCID_AUDIT_KIND_CHECKPOINT) == 0)
      w->log.last_checkpoint_seq = seq;
  }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    return rc;
  w->log.synced = TRUE;
  return SQLITE_DONE;
}

void
lucid_store_log_catch_up (LucidStoreWriter *w)
{
  int rc;

  if (!sqlite3_get_autocommit (w->db))
    return; /* inside a transaction: log_sync() reads under its lock */
  w->log.synced = FALSE;
  /* Autocommit: the SELECT is its own read transaction. On an error the
   * state holds the rows read so far, all committed; the sync under the
   * lock reads the rest. */
  rc = log_sync (w);
  if (rc != SQLITE_DONE)
    g_debug ("%s: catching up with the audit log outside the write lock "
             "failed (%s); reading under it",
             w->path, sqlite3_errstr (rc));
  w->log.synced = FALSE; /* others may append before our BEGIN IMMEDIATE */
}

/* Inserts one row with the next seq, its leaf and chain; advances the state
 * only when the INSERT succeeded. */
static int
log_insert (LucidStoreWriter *w, gint64 run_id, const char *kind,
            const char *payload, gint64 created_at_us)
{
  sqlite3_stmt *s = w->log_insert;
  g_autoptr (GByteArray) canonical = NULL;
  guint8 leaf[LUCID_AUDIT_HASH_LEN], chain[LUCID_AUDIT_HASH_LEN];
  char created[40];
  gint64 seq;
  int rc = log_sync (w);

  if (rc != SQLITE_DONE)
    return rc;
  seq = w->log.last_seq + 1;
  lucid_store_format_utc (created_at_us, created);
  canonical = lucid_audit_canonical_row (seq, created, run_id, kind, payload);
  lucid_audit_leaf_hash (canonical->data, canonical->len, leaf);
  lucid_audit_chain_hash (w->log.head, leaf, chain);

  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  sqlite3_bind_int64 (s, 1, seq);
  sqlite3_bind_text (s, 2, created, -1, SQLITE_TRANSIENT);
  if (run_id > 0)
    sqlite3_bind_int64 (s, 3, run_id);
  sqlite3_bind_text (s, 4, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, payload, -1, SQLITE_STATIC);
  sqlite3_bind_blob (s, 6, leaf, LUCID_AUDIT_HASH_LEN, SQLITE_TRANSIENT);
  sqlite3_bind_blob (s, 7, chain, LUCID_AUDIT_HASH_LEN, SQLITE_TRANSIENT);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  if (rc != SQLITE_DONE)
    return rc;

  lucid_merkle_frontier_append (&w->log.tree, leaf);
  memcpy (w->log.head, chain, LUCID_AUDIT_HASH_LEN);
  w->log.last_seq = seq;
  if (strcmp (kind, LUCID_AUDIT_KIND_CHECKPOINT) == 0) {
    w->log.last_checkpoint_seq = seq;
    w->log.dirty = FALSE;
  } else {
    w->log.dirty = TRUE;
  }
  return SQLITE_DONE;
}

/* A checkpoint row over every leaf so far (signed when the writer has a
 * key). */
static int
log_checkpoint (LucidStoreWriter *w, const char *reason)
{
  guint8 root[LUCID_AUDIT_HASH_LEN];
  g_autofree char *payload = NULL;
  int rc = log_sync (w);

  if (rc != SQLITE_DONE)
    return rc;
  lucid_merkle_frontier_root (&w->log.tree, root);
  payload = lucid_audit_checkpoint_to_json (
      w->log.tree.size, root, reason,
      w->signing_key.has_secret ? &w->signing_key : NULL);
  return log_insert (w, 0, LUCID_AUDIT_KIND_CHECKPOINT, payload,
                     g_get_real_time ());
}

int
lucid_store_log_append (LucidStoreWriter *w, gint64 run_id, const char *kind,
                        const char *payload, gint64 created_at_us)
{
  int rc = log_insert (w, run_id, kind, payload, created_at_us);

  if (rc != SQLITE_DONE)
    return rc;
  if (w->log.last_seq - w->log.last_checkpoint_seq
      >= (gint64)w->checkpoint_entries)
    rc = log_checkpoint (w, "interval");
  return rc;
}

/* The JSON text @s (one of the provenance statements) makes for @id. */
static int
provenance_payload (LucidStoreWriter *w, sqlite3_stmt *s, gint64 id, char **out)
{
  int rc;

  sqlite3_reset (s);
  sqlite3_bind_int64 (s, 1, id);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW && sqlite3_column_type (s, 0) == SQLITE_TEXT) {
    *out = g_strdup ((const char *)sqlite3_column_text (s, 0));
    rc = SQLITE_DONE;
  } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    rc = SQLITE_INTERNAL; /* the row we just wrote is not there */
  }
  sqlite3_reset (s);
  return rc;
}

int
lucid_store_log_request (LucidStoreWriter *w, const Request *req)
{
  g_autofree char *payload = NULL;
  int rc;

  switch (req->kind) {
    case REQUEST_BEGIN_RUN:
      rc = provenance_payload (w, w->log_run_start, req->id, &payload);
      if (rc == SQLITE_DONE)
        rc = lucid_store_log_append (w, req->id, LUCID_AUDIT_KIND_RUN_START,
                                     payload, g_get_real_time ());
      return rc;
    case REQUEST_END_RUN:
      rc = provenance_payload (w, w->log_run_end, req->id, &payload);
      if (rc == SQLITE_DONE)
        rc = log_insert (w, req->id, LUCID_AUDIT_KIND_RUN_END, payload,
                         g_get_real_time ());
      if (rc == SQLITE_DONE)
        rc = log_checkpoint (w, "run-end");
      return rc;
    case REQUEST_ENSURE_MODEL:
      if (!req->created)
        return SQLITE_DONE;
      rc = provenance_payload (w, w->log_model, req->id, &payload);
      if (rc == SQLITE_DONE)
        rc = lucid_store_log_append (w, 0, LUCID_AUDIT_KIND_MODEL, payload,
                                     g_get_real_time ());
      return rc;
    default:
      return SQLITE_DONE;
  }
}

gboolean
lucid_store_log_checkpoint_if_dirty (LucidStoreWriter *w, const char *reason,
                                     GError **error)
{
  int rc;

  if (!w->log.dirty)
    return TRUE;
  if (!lucid_store_begin_immediate (w, error))
    return FALSE;
  rc = log_sync (w);
  /* Another process may have checkpointed after our last entry. */
  if (rc == SQLITE_DONE && w->log.last_checkpoint_seq != w->log.last_seq)
    rc = log_checkpoint (w, reason);
  if (rc != SQLITE_DONE) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, w->db, w->path,
                              "cannot write an audit log checkpoint");
    lucid_store_rollback (w);
    return FALSE;
  }
  if (!lucid_store_commit (w, error))
    return FALSE;
  w->log.dirty = FALSE;
  return TRUE;
}
