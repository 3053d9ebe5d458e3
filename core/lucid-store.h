/* lucid-store.h — the SQLite store: runs, models, streams, results and
 * embeddings, written by one writer thread per database file per process.
 *
 * Open a handle per producer (each lucidsink instance opens its own);
 * handles on the same file share one writer thread and its one write
 * connection. Rows handed to lucid_store_append_result() are queued (the
 * queue is bounded: a full queue blocks the producer, nothing is dropped) and
 * committed in batches; lucid_store_flush() returns once every row this
 * process handed in before the call is committed, or reports why not.
 * Ids a caller needs (run, model, stream) come back synchronously and are
 * committed before they are returned. See the essay at the top of
 * lucid-store.c for the design and the lock order, and docs/store.md for the
 * schema.
 *
 * Threads: every function may be called from any thread. A handle may be
 * used by several threads at once, except lucid_store_close().
 * Times: nanoseconds; LUCID_STORE_TIME_NONE (any negative value) is unknown
 * and stored as NULL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _LucidStore LucidStore;

/* sqlite3.h declares the same typedef; repeating it is valid C11, and keeps
 * sqlite3.h out of this header. */
typedef struct sqlite3 sqlite3;

#define LUCID_STORE_TIME_NONE ((gint64)-1)

#define LUCID_STORE_DEFAULT_COMMIT_INTERVAL_MS 200
#define LUCID_STORE_DEFAULT_BATCH_ROWS 1000
#define LUCID_STORE_DEFAULT_QUEUE_ROWS 4096
#define LUCID_STORE_DEFAULT_LOG_CHECKPOINT_ENTRIES 1000

/* Options for lucid_store_open(). Zero fields mean the default. When several
 * handles share a writer, it commits at the smallest commit interval and
 * batch size any open handle asked for; the queue capacity and the audit
 * log settings are fixed by the first open (a later open naming another
 * signing key is refused). */
typedef struct {
  guint commit_interval_ms; /* max time a row waits for its commit */
  guint batch_rows;         /* commit as soon as this many rows wait */
  guint queue_rows;         /* queued rows before producers block */
  /* Audit log (docs/audit.md): a checkpoint after this many entries (also
   * at every run end, flush and close); G_MAXUINT: only those. */
  guint log_checkpoint_entries;
  /* Ed25519 secret key file that signs checkpoints; NULL: unsigned. */
  const char *log_signing_key;
} LucidStoreOptions;

/* Run provenance. Strings may be NULL except lucid_version. */
typedef struct {
  const char *pipeline;        /* the gst-launch-1.0 pipeline string */
  const char *properties_json; /* JSON text, see docs/store.md */
  const char *lucid_version;
  const char *gst_version;
  const char *host;
  const char *label;
} LucidRunInfo;

/* One result row. Strings and @embedding are copied by append; the caller
 * keeps ownership. */
typedef struct {
  gint64 run_id;       /* from lucid_store_begin_run() */
  gint64 stream_id;    /* from lucid_store_add_stream(); 0 = NULL */
  gint64 model_id;     /* from lucid_store_ensure_model(); 0 = NULL */
  const char *element; /* required */
  const char *kind;    /* required */
  gint64 pts;          /* ns, or LUCID_STORE_TIME_NONE */
  gint64 duration;
  gint64 stream_time;
  gint64 running_time;
  const char *label;       /* NULL = no label */
  gboolean has_score;      /* FALSE: score NULL, reason 'absent' */
  double score;            /* NaN: score NULL, reason 'nan' */
  const char *extras_json; /* JSON text (NaN written as null), or NULL */
  const float *embedding;  /* host-order floats, stored little-endian */
  guint embedding_dim;     /* 0 = no embedding row */
} LucidResultRow;

/* Fills @row with "nothing known": ids 0, times NONE, no score. */
void lucid_store_result_row_init (LucidResultRow *row);

/* The schema version this code writes (the number of the last migration). */
int lucid_store_schema_version (void);

/* Opens (creating when needed) the database at @path, applies pending
 * migrations and joins, or starts, the writer thread for that file. Fails
 * with LUCID_ERROR_SCHEMA_TOO_NEW when the file's user_version is newer than
 * lucid_store_schema_version(), LUCID_ERROR_IO when @path is a directory,
 * cannot be created or is read-only, LUCID_ERROR_DB when SQLite refuses it
 * (e.g. "file is not a database"). Messages name @path and SQLite's reason.
 * @options may be NULL. */
LucidStore *lucid_store_open (const char *path,
                              const LucidStoreOptions *options, GError **error);

/* Releases the handle. Rows it queued are still committed; the last handle
 * on a file waits for that, checkpoints (TRUNCATE) and closes the
 * connection. Call lucid_store_flush() first to learn about errors. NULL is
 * ignored. */
void lucid_store_close (LucidStore *store);

/* The path as given to lucid_store_open(). */
const char *lucid_store_get_path (LucidStore *store);

/* Synchronous: returns once every row this process queued for the file
 * before the call is committed (then checkpoints PASSIVE). FALSE when any of
 * this handle's rows could not be committed since it was opened (disk full,
 * read-only file, ...); the error is sticky: append and flush keep
 * returning it until the handle is closed. */
gboolean lucid_store_flush (LucidStore *store, GError **error);

/* Queues one row. Blocks while the queue is full; returns FALSE with
 * G_IO_ERROR_CANCELLED when @cancellable (may be NULL) is cancelled while
 * blocked, and with the sticky commit error once a commit of this handle's
 * rows failed. The row is copied. */
gboolean lucid_store_append_result (LucidStore *store,
                                    const LucidResultRow *row,
                                    GCancellable *cancellable, GError **error);

/* Queues one entry of the tamper-evident audit log (docs/audit.md), in
 * order with the result rows: same back-pressure, cancellation and sticky
 * error as lucid_store_append_result(). The writer assigns seq and computes
 * leaf and chain inside its write transaction, after reading the log's last
 * row there (several processes may extend one log). @run_id: the run the
 * entry belongs to, or 0 (NULL). @kind: non-empty UTF-8, not one the writer
 * reserves ("checkpoint", "run-start", "run-end", "model"). @payload_json:
 * valid JSON text (RFC 8259, no duplicate keys), stored byte for byte.
 * Invalid arguments fail at once with LUCID_ERROR_INVALID_ARGUMENT; a
 * run_id that does not exist fails at commit (sticky error). */
gboolean lucid_store_append_log (LucidStore *store, gint64 run_id,
                                 const char *kind, const char *payload_json,
                                 GCancellable *cancellable, GError **error);

/* Synchronous requests, executed by the writer thread after every row queued
 * before them, each in its own committed transaction. They return the row
 * id (> 0), or 0 with @error set. */
gint64 lucid_store_begin_run (LucidStore *store, const LucidRunInfo *info,
                              GError **error);
/* Sets status ('eos', 'stopped' or 'error') and ended_at. May be called
 * again (a run that resumes after EOS ends again). Begin and end each
 * append an audit log entry (run-start / run-end, the runs row as JSON) in
 * the same transaction; end also writes a checkpoint. */
gboolean lucid_store_end_run (LucidStore *store, gint64 run_id,
                              const char *status, GError **error);
/* The models row for (@dir, @sha256) without recorded files (files NULL,
 * files_sha256 '', as before those columns existed), inserted on first
 * sight with @family
 * and @config_json (JSON text of config.json, or NULL; text that SQLite's
 * json_valid() refuses is stored as NULL); later calls return the existing
 * id and leave the row unchanged. A new row is also recorded in the
 * audit log (kind "model", the row as JSON) in the same transaction. */
gint64 lucid_store_ensure_model (LucidStore *store, const char *dir,
                                 const char *sha256, const char *family,
                                 const char *config_json, GError **error);
/* Model provenance for lucid_store_ensure_model_info(). @dir and @sha256
 * are required; the other strings may be NULL. */
typedef struct {
  const char *dir;    /* the model directory as the user gave it */
  const char *sha256; /* hex SHA-256 of the weights */
  const char *family;
  const char *config_json; /* config.json text */
  /* The other files read from @dir: a JSON object file name -> hex SHA-256
   * (lucid_model_files_describe()), and the SHA-256 of that text. NULL
   * (files_sha256 '') when not recorded. */
  const char *files_json;
  const char *files_sha256;
  const char *preprocessor_json; /* preprocessor_config.json text */
} LucidModelInfo;

/* Like lucid_store_ensure_model(), for (@info->dir, @info->sha256,
 * @info->files_sha256): a directory whose files changed gets a new row.
 * JSON text that SQLite's json_valid() refuses is stored as NULL. */
gint64 lucid_store_ensure_model_info (LucidStore *store,
                                      const LucidModelInfo *info,
                                      GError **error);
/* A new streams row. @stream_id, @caps may be NULL. */
gint64 lucid_store_add_stream (LucidStore *store, gint64 run_id,
                               const char *stream_id, const char *caps,
                               const char *sink_name, GError **error);

/* Introspection (tests, debug logs). The number of open handles sharing
 * @store's writer, and whether two handles share one writer. */
guint lucid_store_get_n_users (LucidStore *store);
gboolean lucid_store_shares_writer (LucidStore *a, LucidStore *b);

/* Read-only access for queries (lucidctl query): a read-only connection to
 * an existing database whose authorizer allows SELECT, reading columns,
 * calling functions, recursive CTEs and a fixed list of pragmas that only
 * read (table_info, index_list, user_version without a value, ...); it
 * refuses everything else at prepare time, ATTACH and VACUUM INTO included.
 * Close with sqlite3_close(). */
sqlite3 *lucid_store_open_readonly (const char *path, GError **error);

/* Busy handling for any other connection to a store file (lucidd's own):
 * what every connection the store opens uses. SQLite's busy_timeout sleeps
 * longer and longer (up to 100 ms between tries), so a connection using it
 * starves among writers that retry often; this handler retries after short
 * random sleeps (0.2-2 ms) and gives up after @timeout_ms. */
void lucid_store_set_busy_handler (sqlite3 *db, guint timeout_ms);

G_END_DECLS
