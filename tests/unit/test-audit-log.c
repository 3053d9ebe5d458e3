/* test-audit-log.c — the tamper-evident audit log written by the store
 * (core/lucid-store-logwriter.c): entries in order with results, leaf and
 * chain hashes, provenance entries, checkpoints (Merkle root, signature,
 * policy), the append-only triggers, bad arguments, two processes
 * extending one chain, and a new writer on a large log. The verifier and the tampering cases are in
 * test-audit-verify.c and tests/integration/audit-log.sh.
 *
 * Some cases run this program again as a helper process (argv[1] ==
 * "--helper").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-store-log.h"
#include "lucid-store.h"

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lucid-audit-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "audit.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const char *name;
  GDir *dir = g_dir_open (f->dir, 0, NULL);

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *p = g_build_filename (f->dir, name, NULL);
    g_unlink (p);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static sqlite3 *
open_plain (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
begin_test_run (LucidStore *store)
{
  LucidRunInfo info = { .pipeline = "fakesrc ! lucidsink",
                        .properties_json = "{\"sink\": {\"factory\": \"x\"}}",
                        .lucid_version = "test",
                        .host = "localhost",
                        .label = "unit" };
  g_autoptr (GError) error = NULL;
  gint64 run = lucid_store_begin_run (store, &info, &error);

  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  return run;
}

static void
append_result (LucidStore *store, gint64 run, const char *label)
{
  g_autoptr (GError) error = NULL;
  LucidResultRow row;

  lucid_store_result_row_init (&row);
  row.run_id = run;
  row.element = "enc";
  row.kind = "labels";
  row.label = label;
  g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
  g_assert_no_error (error);
}

static void
append_log (LucidStore *store, gint64 run, const char *kind,
            const char *payload)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (
      lucid_store_append_log (store, run, kind, payload, NULL, &error));
  g_assert_no_error (error);
}

/* One row of audit_log as read back. */
typedef struct {
  gint64 seq;
  char *created_at;
  gint64 run_id; /* 0 = NULL */
  char *kind;
  char *payload;
  guint8 leaf[32], chain[32];
} Row;

static void
row_clear (gpointer p)
{
  Row *r = p;
  g_free (r->created_at);
  g_free (r->kind);
  g_free (r->payload);
}

static GArray *
read_log (const char *path)
{
  sqlite3 *db = open_plain (path);
  sqlite3_stmt *s = NULL;
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (Row));

  g_array_set_clear_func (rows, row_clear);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT seq, created_at, run_id, kind, "
                                       "payload, leaf, chain FROM audit_log "
                                       "ORDER BY seq",
                                       -1, &s, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (s) == SQLITE_ROW) {
    Row r = { 0 };
    r.seq = sqlite3_column_int64 (s, 0);
    r.created_at = g_strdup ((const char *)sqlite3_column_text (s, 1));
    r.run_id = sqlite3_column_int64 (s, 2);
    r.kind = g_strdup ((const char *)sqlite3_column_text (s, 3));
    r.payload = g_strdup ((const char *)sqlite3_column_text (s, 4));
    g_assert_cmpint (sqlite3_column_bytes (s, 5), ==, 32);
    g_assert_cmpint (sqlite3_column_bytes (s, 6), ==, 32);
    memcpy (r.leaf, sqlite3_column_blob (s, 5), 32);
    memcpy (r.chain, sqlite3_column_blob (s, 6), 32);
    g_array_append_val (rows, r);
  }
  sqlite3_finalize (s);
  sqlite3_close (db);
  return rows;
}

/* Recomputes every leaf, chain and checkpoint root of @rows from the
 * building blocks; returns the number of signed checkpoints. */
static guint
assert_log_valid (GArray *rows, const guint8 *expect_public_key)
{
  LucidMerkleFrontier tree = { 0 };
  guint8 prev[32] = { 0 };
  guint n_signed = 0;

  for (guint i = 0; i < rows->len; i++) {
    Row *r = &g_array_index (rows, Row, i);
    g_autoptr (GByteArray) canon = lucid_audit_canonical_row (
        r->seq, r->created_at, r->run_id, r->kind, r->payload);
    guint8 leaf[32], chain[32];

    g_assert_cmpint (r->seq, ==, (gint64)i + 1);
    lucid_audit_leaf_hash (canon->data, canon->len, leaf);
    g_assert_cmpmem (leaf, 32, r->leaf, 32);
    lucid_audit_chain_hash (prev, leaf, chain);
    g_assert_cmpmem (chain, 32, r->chain, 32);
    memcpy (prev, chain, 32);

    if (strcmp (r->kind, "checkpoint") == 0) {
      g_autoptr (GError) error = NULL;
      LucidAuditCheckpoint cp;
      guint8 root[32];

      g_assert_true (lucid_audit_checkpoint_parse (
          r->payload, strlen (r->payload), "checkpoint", &cp, &error));
      g_assert_no_error (error);
      g_assert_cmpint (cp.tree_size, ==, r->seq - 1);
      lucid_merkle_frontier_root (&tree, root);
      g_assert_cmpmem (root, 32, cp.root, 32);
      if (expect_public_key) {
        g_assert_true (cp.signed_);
        g_assert_cmpmem (cp.public_key, 32, expect_public_key, 32);
      }
      if (cp.signed_) {
        g_assert_true (lucid_audit_checkpoint_check (
            cp.public_key, (guint64)cp.tree_size, cp.root, cp.signature));
        n_signed++;
      }
      lucid_audit_checkpoint_clear (&cp);
    }
    lucid_merkle_frontier_append (&tree, r->leaf);
  }
  return n_signed;
}

/* ---- entries ---------------------------------------------------------- */

/* Entries land in order with the results, with the writer's provenance
 * entries around them, and a checkpoint closes the run. */
static void
test_entries_in_order (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  const char *expect_kinds[]
      = { "run-start",    "model",   "audit-window", "audit-alert",
          "audit-window", "run-end", "checkpoint" };
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  gint64 run, model;

  g_assert_no_error (error);
  run = begin_test_run (store);
  model = lucid_store_ensure_model (store, "/models/x", "ab12", "bert",
                                    "{\"hidden_size\": 8}", &error);
  g_assert_no_error (error);
  /* Known already: no second "model" entry. */
  g_assert_cmpint (lucid_store_ensure_model (store, "/models/x", "ab12", "bert",
                                             NULL, &error),
                   ==, model);
  append_result (store, run, "a");
  append_log (store, run, "audit-window", "{\"window\": 1, \"n\": 10}");
  append_result (store, run, "b");
  append_log (store, run, "audit-alert",
              "{\"metric\": \"demographic_parity_ratio\", \"value\": 0.5}");
  append_log (store, 0, "audit-window", "[1, 2, \"\\u00e9t\\u00e9\"]");
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);
  lucid_store_close (store);

  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (expect_kinds));
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (g_array_index (rows, Row, i).kind, ==, expect_kinds[i]);
  assert_log_valid (rows, NULL);

  /* Payloads: stored byte for byte; provenance from the committed rows. */
  g_assert_cmpstr (g_array_index (rows, Row, 2).payload, ==,
                   "{\"window\": 1, \"n\": 10}");
  g_assert_cmpint (g_array_index (rows, Row, 2).run_id, ==, run);
  g_assert_cmpint (g_array_index (rows, Row, 4).run_id, ==, 0);
  {
    g_autoptr (JsonNode) node = NULL;
    JsonObject *o;
    const char *p = g_array_index (rows, Row, 0).payload;

    node = lucid_json_parse_data (p, strlen (p), "run-start", &error);
    g_assert_no_error (error);
    o = json_node_get_object (node);
    g_assert_cmpint (json_object_get_int_member (o, "run_id"), ==, run);
    g_assert_cmpstr (json_object_get_string_member (o, "pipeline"), ==,
                     "fakesrc ! lucidsink");
    /* properties embedded as JSON, not as a string */
    g_assert_true (
        JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "properties")));
  }
  {
    g_autoptr (JsonNode) node = NULL;
    JsonObject *o;
    const char *p = g_array_index (rows, Row, 1).payload;

    node = lucid_json_parse_data (p, strlen (p), "model", &error);
    g_assert_no_error (error);
    o = json_node_get_object (node);
    g_assert_cmpint (json_object_get_int_member (o, "model_id"), ==, model);
    g_assert_cmpstr (json_object_get_string_member (o, "sha256"), ==, "ab12");
    g_assert_cmpint (
        json_object_get_int_member (json_object_get_object_member (o, "config"),
                                    "hidden_size"),
        ==, 8);
  }
  g_assert_nonnull (
      strstr (g_array_index (rows, Row, 5).payload, "\"status\":\"eos\""));
  g_assert_nonnull (
      strstr (g_array_index (rows, Row, 6).payload, "\"reason\":\"run-end\""));
}

static void
test_invalid_arguments (Fixture *f, gconstpointer data)
{
  const char *bad_kinds[]
      = { "", "checkpoint", "run-start", "run-end", "model", "\xff" };
  const char *bad_payloads[]
      = { "", "{", "{\"a\": 1, \"a\": 2}", "nan", "{\"a\": 1} x", "'a'" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_kinds); i++) {
    g_assert_false (
        lucid_store_append_log (store, 0, bad_kinds[i], "{}", NULL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, f->db));
    g_clear_error (&error);
  }
  g_assert_false (lucid_store_append_log (store, 0, NULL, "{}", NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_payloads); i++) {
    g_assert_false (lucid_store_append_log (store, 0, "audit-window",
                                            bad_payloads[i], NULL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "not valid JSON"));
    g_clear_error (&error);
  }
  g_assert_true (lucid_store_flush (store, &error));
  lucid_store_close (store);
  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, ==, 0);
}

/* A run id that does not exist is refused at commit (foreign key), and
 * becomes the handle's sticky error, like a refused result row: the
 * handle's entries queued behind it are dropped (its entries stay a
 * prefix), another handle's are not. */
static void
test_unknown_run_is_sticky_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) late = NULL;
  g_autoptr (GArray) rows = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidStore *other = lucid_store_open (f->db, NULL, &error);

  g_assert_no_error (error);
  append_log (store, 0, "note", "{}");
  append_log (store, 4242, "note", "{}");
  /* Dropped, or refused at once if the writer was already there. */
  if (!lucid_store_append_log (store, 0, "note", "{\"dropped\": true}", NULL,
                               &late))
    g_assert_error (late, LUCID_ERROR, LUCID_ERROR_DB);
  append_log (other, 0, "note", "{\"after\": true}");
  g_assert_true (lucid_store_flush (other, &error));
  g_assert_no_error (error);
  g_assert_false (lucid_store_flush (store, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_assert_nonnull (strstr (error->message, "audit log entry of kind 'note'"));
  g_clear_error (&error);
  g_assert_false (
      lucid_store_append_log (store, 0, "note", "{}", NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  lucid_store_close (other);
  lucid_store_close (store);

  /* The refused entry took no seq: the chain has no hole. */
  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, >=, 2);
  g_assert_cmpstr (g_array_index (rows, Row, 1).payload, ==,
                   "{\"after\": true}");
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (g_array_index (rows, Row, i).payload, !=,
                     "{\"dropped\": true}");
  assert_log_valid (rows, NULL);
}

static void
test_triggers_refuse_update_and_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  sqlite3 *db;
  const char *statements[] = {
    "UPDATE audit_log SET payload = '{}' WHERE seq = 1",
    "UPDATE audit_log SET kind = 'x'",
    "DELETE FROM audit_log WHERE seq = 1",
    "DELETE FROM audit_log",
  };

  g_assert_no_error (error);
  append_log (store, 0, "note", "{\"n\": 1}");
  g_assert_true (lucid_store_flush (store, &error));
  lucid_store_close (store);

  db = open_plain (f->db);
  for (guint i = 0; i < G_N_ELEMENTS (statements); i++) {
    g_assert_cmpint (sqlite3_exec (db, statements[i], NULL, NULL, NULL), ==,
                     SQLITE_CONSTRAINT);
    g_assert_nonnull (strstr (sqlite3_errmsg (db), "append-only"));
  }
  sqlite3_close (db);
  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, ==, 2); /* the note + the flush checkpoint */
}

/* ---- checkpoints ------------------------------------------------------ */

static guint
count_kind (GArray *rows, const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    n += strcmp (g_array_index (rows, Row, i).kind, kind) == 0;
  return n;
}

/* Every N entries, then at flush (when entries were added), not again at a
 * flush without new entries. */
static void
test_checkpoint_policy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  LucidStoreOptions options = { .log_checkpoint_entries = 4 };
  LucidStore *store = lucid_store_open (f->db, &options, &error);

  g_assert_no_error (error);
  for (int i = 0; i < 10; i++) {
    g_autofree char *payload = g_strdup_printf ("{\"i\": %d}", i);
    append_log (store, 0, "note", payload);
  }
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);
  lucid_store_close (store);

  /* 4 notes, cp (seq 5), 4 notes, cp (seq 10), 2 notes, cp at flush
   * (seq 13); the second flush and the close add nothing. */
  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, ==, 13);
  g_assert_cmpstr (g_array_index (rows, Row, 4).kind, ==, "checkpoint");
  g_assert_cmpstr (g_array_index (rows, Row, 9).kind, ==, "checkpoint");
  g_assert_cmpstr (g_array_index (rows, Row, 12).kind, ==, "checkpoint");
  g_assert_nonnull (strstr (g_array_index (rows, Row, 4).payload, "interval"));
  g_assert_nonnull (strstr (g_array_index (rows, Row, 12).payload, "flush"));
  g_assert_cmpuint (count_kind (rows, "checkpoint"), ==, 3);
  g_assert_cmpuint (assert_log_valid (rows, NULL), ==, 0);
}

/* Closing without a flush still ends the log with a checkpoint. */
static void
test_checkpoint_at_close (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);

  g_assert_no_error (error);
  append_log (store, 0, "note", "{}");
  lucid_store_close (store);
  rows = read_log (f->db);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_nonnull (strstr (g_array_index (rows, Row, 1).payload, "close"));
  assert_log_valid (rows, NULL);
}

static void
test_signed_checkpoints (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  g_autofree char *secret = g_build_filename (f->dir, "key", NULL);
  g_autofree char *public = g_build_filename (f->dir, "key.pub", NULL);
  LucidStoreOptions options
      = { .log_checkpoint_entries = 3, .log_signing_key = secret };
  LucidStoreOptions other = { .log_signing_key = public };
  LucidAuditKey key;
  LucidStore *store, *second;
  gint64 run;

  g_assert_true (lucid_audit_key_generate (secret, public, &error));
  g_assert_no_error (error);
  g_assert_true (lucid_audit_key_load (public, FALSE, &key, &error));
  g_assert_no_error (error);

  store = lucid_store_open (f->db, &options, &error);
  g_assert_no_error (error);
  /* A second handle on the same writer with another key is refused (here:
   * a public key file, which cannot sign). */
  second = lucid_store_open (f->db, &other, &error);
  g_assert_null (second);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  run = begin_test_run (store);
  for (int i = 0; i < 7; i++)
    append_log (store, run, "note", "{}");
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_no_error (error);
  lucid_store_close (store);

  rows = read_log (f->db);
  /* run-start, 2 notes, cp, 3 notes, cp, 2 notes, run-end, cp */
  g_assert_cmpuint (rows->len, ==, 12);
  g_assert_cmpuint (assert_log_valid (rows, key.public_key), ==, 3);
}

static void
test_signing_key_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *secret = g_build_filename (f->dir, "key", NULL);
  g_autofree char *public = g_build_filename (f->dir, "key.pub", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
  LucidStoreOptions options = { .log_signing_key = missing };

  g_assert_null (lucid_store_open (f->db, &options, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (lucid_audit_key_generate (secret, public, &error));
  /* Refuses to overwrite an existing secret key. */
  g_assert_false (lucid_audit_key_generate (secret, public, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_clear_error (&error);

  options.log_signing_key = public;
  g_assert_null (lucid_store_open (f->db, &options, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "public key"));
  g_clear_error (&error);

  g_chmod (secret, 0644);
  options.log_signing_key = secret;
  g_assert_null (lucid_store_open (f->db, &options, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "0644"));
}

/* ---- several processes ------------------------------------------------ */

#define HELPER_ENTRIES 300

/* Waits (polling the file, up to a minute: a hang guard, not a timing
 * assertion) until an entry of process @tag is committed. */
static gboolean
wait_for_entry_of (const char *path, const char *tag)
{
  sqlite3 *db = open_plain (path);
  sqlite3_stmt *s = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gboolean found = FALSE;

  g_assert_cmpint (
      sqlite3_prepare_v2 (db,
                          "SELECT count(*) FROM audit_log WHERE kind = 'note' "
                          "AND json_extract(payload, '$.process') = ?1",
                          -1, &s, NULL),
      ==, SQLITE_OK);
  sqlite3_bind_text (s, 1, tag, -1, SQLITE_STATIC);
  while (!found && g_get_monotonic_time () < deadline) {
    if (sqlite3_step (s) == SQLITE_ROW)
      found = sqlite3_column_int64 (s, 0) > 0;
    sqlite3_reset (s);
    if (!found)
      g_usleep (5000);
  }
  sqlite3_finalize (s);
  sqlite3_close (db);
  return found;
}

/* Appends HELPER_ENTRIES notes tagged @tag (with results and a run). When
 * @wait_for is not NULL, the first note is committed alone and the helper
 * waits for @wait_for's first note before the others: two helpers waiting
 * for each other start their bulk together, and each one's first note
 * precedes the other's second, so their entries interleave. */
static int
helper_append (const char *path, const char *tag, const char *wait_for)
{
  LucidStoreOptions options = { .commit_interval_ms = 1,
                                .batch_rows = 7,
                                .log_checkpoint_entries = 50 };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, &options, &error);
  gint64 run;

  if (store == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  run = begin_test_run (store);
  for (int i = 0; i < HELPER_ENTRIES; i++) {
    g_autofree char *payload
        = g_strdup_printf ("{\"process\": \"%s\", \"i\": %d}", tag, i);
    if (!lucid_store_append_log (store, run, "note", payload, NULL, &error))
      break;
    if (i % 10 == 0)
      append_result (store, run, tag);
    if (i == 0 && wait_for) {
      if (!lucid_store_flush (store, &error))
        break;
      if (!wait_for_entry_of (path, wait_for)) {
        g_printerr ("%s: no entry of %s after a minute\n", tag, wait_for);
        lucid_store_close (store);
        return 1;
      }
    }
  }
  if (error == NULL)
    lucid_store_end_run (store, run, "eos", &error);
  if (error == NULL)
    lucid_store_flush (store, &error);
  lucid_store_close (store);
  if (error) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  return 0;
}

static char *
self_exe (void)
{
  g_autoptr (GError) error = NULL;
  char *exe = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return exe;
}

/* Two processes appending to one file at once yield one valid chain that
 * holds every entry of both, each process's entries in its order, and the
 * two really were interleaved (they start from a barrier). */
static void
test_two_processes_one_chain (Fixture *f, gconstpointer data)
{
  g_autofree char *exe = self_exe ();
  g_autoptr (GArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  const char *tags[] = { "A", "B" };
  GPid pids[2];
  int next[2] = { 0, 0 };
  guint interleavings = 0;
  char last = 0;

  /* Create the schema first so the helpers race on appends, not on it. */
  lucid_store_close (lucid_store_open (f->db, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++) {
    const char *argv[]
        = { exe, "--helper", "append", f->db, tags[i], tags[1 - i], NULL };
    g_spawn_async (NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                   NULL, &pids[i], &error);
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 2; i++) {
    int status = 0;
    g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
    g_assert_true (WIFEXITED (status));
    g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    g_spawn_close_pid (pids[i]);
  }

  rows = read_log (f->db);
  assert_log_valid (rows, NULL);
  {
    LucidAuditReport report;
    g_assert_true (lucid_audit_log_verify (f->db, NULL, &report, &error));
    g_assert_no_error (error);
    g_assert_cmpint (report.n_entries, ==, rows->len);
    lucid_audit_report_clear (&report);
  }
  for (guint i = 0; i < rows->len; i++) {
    Row *r = &g_array_index (rows, Row, i);
    g_autoptr (JsonNode) node = NULL;
    JsonObject *o;
    int p;

    if (strcmp (r->kind, "note") != 0)
      continue;
    node = lucid_json_parse_data (r->payload, strlen (r->payload), "note",
                                  &error);
    g_assert_no_error (error);
    o = json_node_get_object (node);
    p = strcmp (json_object_get_string_member (o, "process"), "A") == 0 ? 0 : 1;
    g_assert_cmpint (json_object_get_int_member (o, "i"), ==, next[p]);
    next[p]++;
    if (last && last != "AB"[p])
      interleavings++;
    last = "AB"[p];
  }
  g_assert_cmpint (next[0], ==, HELPER_ENTRIES);
  g_assert_cmpint (next[1], ==, HELPER_ENTRIES);
  g_assert_cmpuint (count_kind (rows, "run-start"), ==, 2);
  g_assert_cmpuint (count_kind (rows, "run-end"), ==, 2);
  g_test_message ("%u rows, %u switches between the processes", rows->len,
                  interleavings);
  /* Each helper's first note precedes the other's second (the barrier), so
   * the notes start A B or B A and the rest of the first cannot all come
   * before the other's: at least two switches. */
  g_assert_cmpuint (interleavings, >=, 2);
}

/* ---- a large log ------------------------------------------------------- */

#define LARGE_LOG_ENTRIES 50000

/* A new writer on a file with a large log (LARGE_LOG_ENTRIES entries by an
 * earlier writer) catches up with it when it opens (outside the write
 * lock), and again before its first write transaction with what another
 * process appended meanwhile; it extends the same chain: the whole log
 * verifies and holds every entry. (How long the lock was held is not
 * asserted: no timing in tests.) */
static void
test_new_writer_on_large_log (Fixture *f, gconstpointer data)
{
  g_autofree char *exe = self_exe ();
  const char *argv[] = { exe, "--helper", "append", f->db, "other", NULL };
  g_autoptr (GArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidAuditReport report;
  gint64 run;
  int status = 0;

  g_assert_no_error (error);
  run = begin_test_run (store);
  for (int i = 0; i < LARGE_LOG_ENTRIES; i++) {
    g_autofree char *payload = g_strdup_printf ("{\"i\": %d}", i);
    append_log (store, run, "note", payload);
  }
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  lucid_store_close (store);

  store = lucid_store_open (f->db, NULL, &error);
  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  run = begin_test_run (store);
  append_log (store, run, "note", "{\"after\": 1}");
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_no_error (error);
  lucid_store_close (store);

  g_assert_true (lucid_audit_log_verify (f->db, NULL, &report, &error));
  g_assert_no_error (error);
  rows = read_log (f->db);
  g_assert_cmpint (report.n_entries, ==, (gint64)rows->len);
  g_assert_cmpuint (count_kind (rows, "note"), ==,
                    LARGE_LOG_ENTRIES + HELPER_ENTRIES + 1);
  /* run-start, the entries, run-end, a checkpoint per 1000 entries and
   * after run-end; the helper's run; then run-start, 1 entry, run-end and
   * its checkpoint. */
  g_assert_cmpint (report.n_entries, >=,
                   LARGE_LOG_ENTRIES + 2 + HELPER_ENTRIES + 2 + 3);
  lucid_audit_report_clear (&report);
}

int
main (int argc, char **argv)
{
  if ((argc == 5 || argc == 6) && strcmp (argv[1], "--helper") == 0
      && strcmp (argv[2], "append") == 0)
    return helper_append (argv[3], argv[4], argc == 6 ? argv[5] : NULL);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                          \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

  ADD ("/audit-log/entries/in-order", test_entries_in_order);
  ADD ("/audit-log/entries/invalid-arguments", test_invalid_arguments);
  ADD ("/audit-log/entries/unknown-run-is-sticky-error",
       test_unknown_run_is_sticky_error);
  ADD ("/audit-log/entries/triggers-refuse-update-and-delete",
       test_triggers_refuse_update_and_delete);
  ADD ("/audit-log/checkpoint/policy", test_checkpoint_policy);
  ADD ("/audit-log/checkpoint/at-close", test_checkpoint_at_close);
  ADD ("/audit-log/checkpoint/signed", test_signed_checkpoints);
  ADD ("/audit-log/checkpoint/key-errors", test_signing_key_errors);
  ADD ("/audit-log/processes/two-one-chain", test_two_processes_one_chain);
  ADD ("/audit-log/writer/new-on-large-log", test_new_writer_on_large_log);
#undef ADD

  return g_test_run ();
}
