/* lucid-store-private.h — what the files of the store share: the handle,
 * the writer and its queue items, and the functions that one file calls in
 * another (hidden: not part of liblucid's ABI). Not installed. The design
 * and the lock order are described in lucid-store.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sqlite3.h>

#include "lucid-store-log.h"
#include "lucid-store.h"

G_BEGIN_DECLS

#define BUSY_TIMEOUT_MS 5000

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
  const LucidModelInfo *model;   /* ENSURE_MODEL */
  gint64 run_id;                 /* END_RUN, ADD_STREAM */
  const char *s1, *s2, *s3, *s4; /* per kind, see request_execute() */
  gboolean done;                 /* writer->lock */
  gint64 id;
  gboolean created; /* ENSURE_MODEL: the row is new */
  GError *error;
} Request;

typedef struct {
  LucidStore *owner;  /* ref held */
  Request *request;   /* NULL for a row */
  gboolean log_entry; /* an audit log entry: run_id, kind, extras (payload) */
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

/* The writer's view of the audit log: the last row and the tree over all
 * leaves. Only the writer thread touches it; it is re-synchronised from the
 * file inside every write transaction that extends the log (other
 * processes append too), saved when a transaction begins and restored when
 * it rolls back. */
typedef struct {
  gboolean synced;                   /* synced inside the current transaction */
  gint64 last_seq;                   /* 0: empty log */
  guint8 head[LUCID_AUDIT_HASH_LEN]; /* chain of last_seq (zeros if empty) */
  gint64 last_checkpoint_seq;        /* 0: none */
  gboolean dirty; /* this writer appended entries since its last checkpoint */
  LucidMerkleFrontier tree; /* leaves 1..last_seq */
} LogState;

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
  sqlite3_stmt *log_insert, *log_sync;
  sqlite3_stmt *log_run_start, *log_run_end, *log_model;
  LogState log, log_saved;
  LucidAuditKey signing_key; /* has_secret: checkpoints are signed */
  guint checkpoint_entries;

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
  /* Writer thread only: the current wait for the write lock is for rows
   * nobody waits for, so it does not time out (see begin_batch()). */
  gboolean patient;
};

/* Functions of one file that the others call. */

/* lucid-store.c */
G_GNUC_INTERNAL void lucid_store_item_free (Item *item);

/* lucid-store-schema.c */
/* The "derived tables" check of lucid_audit_log_verify()
 * (lucid-store-verify-derived.c): on a problem sets report->ok FALSE and
 * report->problem and returns TRUE; FALSE (with @error) when SQLite fails. */
G_GNUC_INTERNAL gboolean lucid_audit_derived_verify (sqlite3 *db,
                                                     const char *path,
                                                     LucidAuditReport *report,
                                                     GError **error);
/* One step of a busy handler: sleeps 0.2-2 ms and returns TRUE, or FALSE
 * once @timeout_ms passed since the wait began (@count 0). */
G_GNUC_INTERNAL gboolean lucid_store_busy_sleep (int count, guint timeout_ms);
G_GNUC_INTERNAL void lucid_store_set_db_error (GError **error, gint code,
                                               sqlite3 *db, const char *path,
                                               const char *what);
G_GNUC_INTERNAL void lucid_store_rollback_if_open (sqlite3 *db);
G_GNUC_INTERNAL sqlite3 *lucid_store_open_write_connection (const char *path,
                                                            GError **error);

/* lucid-store-writer.c */
G_GNUC_INTERNAL LucidStoreWriter *
lucid_store_writer_new (const char *key, const char *path,
                        const LucidStoreOptions *opts, GError **error);
G_GNUC_INTERNAL void lucid_store_writer_free (LucidStoreWriter *w);
G_GNUC_INTERNAL void lucid_store_format_utc (gint64 usec, char out[40]);
/* BEGIN IMMEDIATE (with retries) and COMMIT (rolls back on failure); both
 * keep the audit log state in step. */
G_GNUC_INTERNAL gboolean lucid_store_begin_immediate (LucidStoreWriter *w,
                                                      GError **error);
G_GNUC_INTERNAL gboolean lucid_store_commit (LucidStoreWriter *w,
                                             GError **error);
/* ROLLBACK if a transaction is open, and restore the log state. */
G_GNUC_INTERNAL void lucid_store_rollback (LucidStoreWriter *w);

/* lucid-store-logwriter.c (writer thread; inside a write transaction unless
 * said otherwise). The int functions return SQLite's code of the failing
 * step, SQLITE_DONE on success. */
G_GNUC_INTERNAL gboolean lucid_store_log_prepare (LucidStoreWriter *w,
                                                  GError **error);
G_GNUC_INTERNAL void lucid_store_log_finalize (LucidStoreWriter *w);
/* Outside any transaction (right before BEGIN IMMEDIATE): reads the rows
 * appended since the writer last looked in a read transaction, so that
 * the sync under the write lock reads only what was committed since. */
G_GNUC_INTERNAL void lucid_store_log_catch_up (LucidStoreWriter *w);
/* Right after BEGIN IMMEDIATE / before ROLLBACK. */
G_GNUC_INTERNAL void lucid_store_log_txn_begin (LucidStoreWriter *w);
G_GNUC_INTERNAL void lucid_store_log_txn_rollback (LucidStoreWriter *w);
/* Appends one entry (and a checkpoint when one is due). */
G_GNUC_INTERNAL int lucid_store_log_append (LucidStoreWriter *w, gint64 run_id,
                                            const char *kind,
                                            const char *payload,
                                            gint64 created_at_us);
/* The provenance entry of a request that just succeeded (run-start,
 * run-end + checkpoint, model when created). */
G_GNUC_INTERNAL int lucid_store_log_request (LucidStoreWriter *w,
                                             const Request *req);
/* A checkpoint now, if this writer appended entries since its last one and
 * the log does not already end with a checkpoint. In its own transaction. */
G_GNUC_INTERNAL gboolean lucid_store_log_checkpoint_if_dirty (
    LucidStoreWriter *w, const char *reason, GError **error);

G_END_DECLS
