/* test-audit-verify.c — the audit log's building blocks and verifier
 * (core/lucid-store-log.c, lucid-store-key.c, lucid-store-verify.c): the
 * RFC 6962 tree head against goldens from a reference implementation, the
 * canonical encoding's byte layout as docs/audit.md specifies it, key files,
 * and lucid_audit_log_verify()'s report and errors. Tampering with the
 * sqlite3 shell is tests/integration/audit-log.sh.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-store-log.h"
#include "lucid-store.h"

static void
hex_to_bytes (const char *hex, GByteArray *out)
{
  gsize n = strlen (hex) / 2;
  g_byte_array_set_size (out, (guint)n);
  g_assert_true (lucid_audit_unhex (hex, strlen (hex), out->data, n));
}

/* The tree head of every prefix of 70 leaves equals the reference's
 * (tools/make_merkle_goldens.py: pymerkle, cross-checked against RFC 6962's
 * recursive definition), including the RFC 6962 test data's eight leaves. */
static void
test_merkle_golden (void)
{
  g_autofree char *path = g_build_filename (
      g_getenv ("LUCID_FIXTURES_DIR"), "goldens", "merkle-rfc6962.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = lucid_json_parse_file (path, &error);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  LucidMerkleFrontier tree = { 0 };
  JsonObject *o;
  JsonArray *inputs, *leaves, *roots;

  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_test_message ("reference: %s",
                  json_object_get_string_member (o, "reference"));
  inputs = json_object_get_array_member (o, "leaf_inputs_hex");
  leaves = json_object_get_array_member (o, "leaf_hashes_hex");
  roots = json_object_get_array_member (o, "roots_hex");
  g_assert_cmpuint (json_array_get_length (roots), ==,
                    json_array_get_length (inputs) + 1);
  g_assert_cmpuint (json_array_get_length (inputs), >=, 64);

  for (guint n = 0; n < json_array_get_length (roots); n++) {
    guint8 got[32], want[32];
    const char *want_hex = json_array_get_string_element (roots, n);

    if (n > 0) {
      guint8 leaf[32], want_leaf[32];
      hex_to_bytes (json_array_get_string_element (inputs, n - 1), data);
      lucid_audit_leaf_hash (data->data, data->len, leaf);
      g_assert_true (lucid_audit_unhex (
          json_array_get_string_element (leaves, n - 1), 64, want_leaf, 32));
      g_assert_cmpmem (leaf, 32, want_leaf, 32);
      lucid_merkle_frontier_append (&tree, leaf);
    }
    g_assert_cmpuint (tree.size, ==, n);
    lucid_merkle_frontier_root (&tree, got);
    g_assert_true (lucid_audit_unhex (want_hex, 64, want, 32));
    g_assert_cmpmem (got, 32, want, 32);
  }
}

/* canonical(row) is exactly the layout of docs/audit.md: per value a type
 * tag, an 8-byte big-endian length, the bytes. */
static void
test_canonical_layout (void)
{
  g_autoptr (GByteArray) got = lucid_audit_canonical_row (
      258, "2026-11-29T12:00:00.000001Z", 0, "note", "{\"a\":1}");
  g_autoptr (GByteArray) with_run
      = lucid_audit_canonical_row (1, "t", 7, "k", "[]");
  g_autoptr (GByteArray) real = g_byte_array_new ();
  /* seq: INTEGER 258 */
  static const guint8 seq[]
      = { 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2 };
  /* created_at: TEXT, 27 bytes */
  static const guint8 created_head[] = { 3, 0, 0, 0, 0, 0, 0, 0, 27 };
  /* run_id: NULL */
  static const guint8 null_run[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 kind_head[] = { 3, 0, 0, 0, 0, 0, 0, 0, 4 };
  static const guint8 payload_head[] = { 3, 0, 0, 0, 0, 0, 0, 0, 7 };
  static const guint8 run7[]
      = { 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7 };
  /* 1.5 = 0x3FF8000000000000 */
  static const guint8 real_15[]
      = { 2, 0, 0, 0, 0, 0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 };
  const guint8 *p = got->data;

  g_assert_cmpuint (got->len, ==, 17 + 9 + 27 + 9 + 9 + 4 + 9 + 7);
  g_assert_cmpmem (p, 17, seq, 17);
  p += 17;
  g_assert_cmpmem (p, 9, created_head, 9);
  g_assert_cmpmem (p + 9, 27, "2026-11-29T12:00:00.000001Z", 27);
  p += 36;
  g_assert_cmpmem (p, 9, null_run, 9);
  p += 9;
  g_assert_cmpmem (p, 9, kind_head, 9);
  g_assert_cmpmem (p + 9, 4, "note", 4);
  p += 13;
  g_assert_cmpmem (p, 9, payload_head, 9);
  g_assert_cmpmem (p + 9, 7, "{\"a\":1}", 7);

  g_assert_cmpmem (with_run->data + 17 + 10, 17, run7, 17);
  lucid_audit_encode_real (real, 1.5);
  g_assert_cmpmem (real->data, real->len, real_15, sizeof (real_15));
}

/* docs/audit.md's worked example (computed there from the spec with
 * Python's hashlib, as tools/lucid_audit_verify.py does) and its example
 * key pair (public half from python3-cryptography): the page stays true. */
static void
test_docs_worked_example (void)
{
  g_autoptr (GByteArray) canon = lucid_audit_canonical_row (
      1, "2026-11-29T12:00:00.000000Z", 1, "audit-window", "{\"window\":0}");
  g_autofree char *canon_hex = lucid_audit_hex (canon->data, canon->len);
  g_autofree char *leaf_hex = NULL, *chain_hex = NULL, *pk_hex = NULL;
  g_autoptr (GError) error = NULL;
  const char *secret = "ed25519-secret-key "
                       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c"
                       "15b0f00a08\n";
  guint8 leaf[32], chain[32], zero[32] = { 0 };
  LucidAuditKey key;

  g_assert_cmpstr (
      canon_hex, ==,
      "010000000000000008000000000000000103000000000000001b323032362d31312d32"
      "395431323a30303a30302e3030303030305a0100000000000000080000000000000001"
      "03000000000000000c61756469742d77696e646f7703000000000000000c7b2277696e"
      "646f77223a307d");
  lucid_audit_leaf_hash (canon->data, canon->len, leaf);
  lucid_audit_chain_hash (zero, leaf, chain);
  leaf_hex = lucid_audit_hex (leaf, 32);
  chain_hex = lucid_audit_hex (chain, 32);
  g_assert_cmpstr (
      leaf_hex, ==,
      "bb9fd8511e0a07b4e0d465f9efdbdac7550dfa6c2079967e4b609977b938761b");
  g_assert_cmpstr (
      chain_hex, ==,
      "06459f2b9c9499f302fba54fa7be7ad3b491c8519972685a59992c539968f00c");

  g_assert_true (lucid_audit_key_parse (secret, strlen (secret), TRUE, "doc",
                                        &key, &error));
  g_assert_no_error (error);
  pk_hex = lucid_audit_hex (key.public_key, 32);
  g_assert_cmpstr (
      pk_hex, ==,
      "67d3b5eaf0c0bf6b5a602d359daecc86a7a74053490ec37ae08e71360587c870");
  lucid_audit_key_clear (&key);
}

static void
test_checkpoint_sign_roundtrip (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "# test key\r\n\r\n  ed25519-secret-key "
                     "000102030405060708090a0b0c0d0e0f"
                     "101112131415161718191A1B1C1D1E1F  \r\n# end\n";
  LucidAuditKey key;
  LucidAuditCheckpoint cp;
  guint8 root[32];
  g_autofree char *json = NULL;

  g_assert_true (
      lucid_audit_key_parse (text, strlen (text), TRUE, "k", &key, &error));
  g_assert_no_error (error);
  memset (root, 0xab, 32);
  json = lucid_audit_checkpoint_to_json (41, root, "flush", &key);
  g_assert_true (
      lucid_audit_checkpoint_parse (json, strlen (json), "cp", &cp, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cp.tree_size, ==, 41);
  g_assert_cmpstr (cp.reason, ==, "flush");
  g_assert_true (cp.signed_);
  g_assert_cmpmem (cp.public_key, 32, key.public_key, 32);
  g_assert_true (
      lucid_audit_checkpoint_check (cp.public_key, 41, root, cp.signature));
  /* The signature binds the size and the root. */
  g_assert_false (
      lucid_audit_checkpoint_check (cp.public_key, 42, root, cp.signature));
  root[31] ^= 1;
  g_assert_false (
      lucid_audit_checkpoint_check (cp.public_key, 41, root, cp.signature));
  lucid_audit_checkpoint_clear (&cp);
  lucid_audit_key_clear (&key);
}

static void
test_key_file_errors (void)
{
  const struct {
    const char *text;
    gboolean want_secret;
    const char *message;
  } cases[] = {
    { "", FALSE, "no key" },
    { "# only a comment\n", TRUE, "no key" },
    { "ssh-ed25519 AAAA\n", FALSE, "k:1: expected" },
    { "\ned25519-public-key 0011\n", FALSE, "k:2: ed25519-public-key must be" },
    { "ed25519-public-key\n", FALSE, "64 hex digits" },
    { "ed25519-public-key "
      "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
      FALSE, "64 hex digits" },
    { "ed25519-public-key "
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
      "ed25519-public-key "
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
      FALSE, "k:2: a second key" },
    { "ed25519-public-key "
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
      TRUE, "holds a public key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    LucidAuditKey key;

    g_assert_false (
        lucid_audit_key_parse (cases[i].text, strlen (cases[i].text),
                               cases[i].want_secret, "k", &key, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, cases[i].message));
  }
}

/* A parse error leaves no secret behind, even when the secret line itself
 * parsed (a second key after it, or a public key wanted). */
static void
test_key_parse_error_clears_secret (void)
{
  static const char secret_line[]
      = "ed25519-secret-key "
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
  g_autofree char *two = g_strconcat (
      secret_line,
      "ed25519-public-key "
      "67d3b5eaf0c0bf6b5a602d359daecc86a7a74053490ec37ae08e71360587c870\n",
      NULL);
  const guint8 zero[sizeof (LucidAuditKey)] = { 0 };
  LucidAuditKey key;
  g_autoptr (GError) error = NULL;

  memset (&key, 0xa5, sizeof (key));
  g_assert_false (
      lucid_audit_key_parse (two, strlen (two), TRUE, "k", &key, &error));
  g_assert_nonnull (strstr (error->message, "a second key"));
  g_assert_cmpmem (&key, sizeof (key), zero, sizeof (zero));
}

/* lucid_audit_key_load() refuses a file larger than any key file from its
 * size, before reading it (a sparse 4 GiB file would otherwise be read
 * whole), and a directory; a real key file still loads. */
static void
test_key_load_refuses_large_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-key-XXXXXX", &error);
  g_autofree char *big = g_build_filename (dir, "big.pub", NULL);
  g_autofree char *secret = g_build_filename (dir, "k", NULL);
  g_autofree char *public = g_build_filename (dir, "k.pub", NULL);
  LucidAuditKey key;
  FILE *f;

  g_assert_no_error (error);
  f = fopen (big, "w");
  g_assert_nonnull (f);
  g_assert_cmpint (ftruncate (fileno (f), (off_t)4 << 30), ==, 0);
  fclose (f);
  g_assert_false (lucid_audit_key_load (big, FALSE, &key, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, big));
  g_assert_nonnull (strstr (error->message, "4294967296 bytes, too large"));
  g_clear_error (&error);

  g_assert_false (lucid_audit_key_load (dir, FALSE, &key, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (lucid_audit_key_generate (secret, public, &error));
  g_assert_true (lucid_audit_key_load (secret, TRUE, &key, &error));
  g_assert_no_error (error);
  g_assert_true (key.has_secret);
  lucid_audit_key_clear (&key);

  g_unlink (big);
  g_unlink (secret);
  g_unlink (public);
  g_rmdir (dir);
}

/* ---- the verifier ----------------------------------------------------- */

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lucid-verify-XXXXXX", &error);
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

/* Writes a run with @n entries through the store; checkpoints every 5. */
static void
write_log (const char *path, int n, const char *key)
{
  LucidStoreOptions options
      = { .log_checkpoint_entries = 5, .log_signing_key = key };
  LucidRunInfo info = { .pipeline = "p", .lucid_version = "test" };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, &options, &error);
  gint64 run;

  g_assert_no_error (error);
  run = lucid_store_begin_run (store, &info, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n; i++) {
    g_autofree char *payload = g_strdup_printf ("{\"i\": %d}", i);
    g_assert_true (lucid_store_append_log (store, run, "audit-window", payload,
                                           NULL, &error));
  }
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_no_error (error);
  lucid_store_close (store);
}

static void
exec_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

static void
test_verify_clean (Fixture *f, gconstpointer data)
{
  g_autofree char *secret = g_build_filename (f->dir, "k", NULL);
  g_autofree char *public = g_build_filename (f->dir, "k.pub", NULL);
  g_autoptr (GError) error = NULL;
  LucidAuditVerifyOptions opts = { .public_key_path = public };
  LucidAuditReport r;
  g_autofree char *root_hex = NULL;

  g_assert_true (lucid_audit_key_generate (secret, public, &error));
  write_log (f->db, 12, secret);

  g_assert_true (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_no_error (error);
  g_assert_true (r.ok);
  g_assert_true (r.key_trusted);
  g_assert_null (r.problem);
  /* run-start, 4 entries, cp(6), 5 entries, cp(12), 3 entries, run-end,
   * cp(17) */
  g_assert_cmpint (r.n_entries, ==, 17);
  g_assert_cmpint (r.n_checkpoints, ==, 3);
  g_assert_cmpint (r.n_signed_checkpoints, ==, 3);
  g_assert_cmpint (r.last_signed_checkpoint, ==, 17);

  /* The root it reports is accepted as an expected root, and so is the
   * root of a prefix (the log may grow after a root was kept). */
  root_hex = lucid_audit_hex (r.root, 32);
  lucid_audit_report_clear (&r);
  opts.expect_root = root_hex;
  g_assert_true (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_cmpint (r.expect_root_size, ==, 17);
  lucid_audit_report_clear (&r);

  write_log (f->db, 3, secret);
  g_assert_true (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.expect_root_size, ==, 17);
  g_assert_cmpint (r.n_entries, ==, 17 + 6);
  lucid_audit_report_clear (&r);

  /* min_signed_size: the last signed checkpoint (seq 23) covers 22. */
  opts.expect_root = NULL;
  opts.min_signed_size = 22;
  g_assert_true (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_no_error (error);
  lucid_audit_report_clear (&r);
  opts.min_signed_size = 23;
  g_assert_false (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED);
  g_assert_cmpint (r.bad_seq, ==, 0);
  g_assert_nonnull (strstr (r.problem, "covers 22 entries, fewer than the 23"));
  g_clear_error (&error);
  lucid_audit_report_clear (&r);
  /* ... and needs the trusted key. */
  opts.public_key_path = NULL;
  g_assert_false (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  lucid_audit_report_clear (&r);
}

/* The first bad row is named, by seq and problem, in the report and the
 * error. */
static void
test_verify_names_first_bad_row (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidAuditReport r;

  write_log (f->db, 12, NULL);
  exec_sql (f->db, "DROP TRIGGER audit_log_no_update; "
                   "UPDATE audit_log SET payload = '{\"i\": 99}' "
                   "WHERE seq IN (8, 10)");
  g_assert_false (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED);
  g_assert_false (r.ok);
  g_assert_cmpint (r.bad_seq, ==, 8);
  g_assert_nonnull (strstr (r.problem, "leaf does not match"));
  g_assert_nonnull (strstr (error->message, "audit log row 8: leaf"));
  g_assert_nonnull (strstr (error->message, f->db));
  g_assert_cmpint (r.n_entries, ==, 7); /* rows verified before it */
  lucid_audit_report_clear (&r);
}

static void
test_verify_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *junk = g_build_filename (f->dir, "junk", NULL);
  g_autofree char *plain = g_build_filename (f->dir, "plain.db", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.pub", NULL);
  g_autoptr (GError) error = NULL;
  LucidAuditVerifyOptions opts = { 0 };
  LucidAuditReport r;

  g_assert_false (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_clear_error (&error);
  lucid_audit_report_clear (&r);

  g_file_set_contents (junk, "not a database at all, not even close........",
                       -1, NULL);
  g_assert_false (lucid_audit_log_verify (junk, NULL, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_clear_error (&error);

  exec_sql (plain, "CREATE TABLE t (x)");
  g_assert_false (lucid_audit_log_verify (plain, NULL, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_assert_nonnull (strstr (error->message, "audit_log"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  write_log (f->db, 1, NULL);
  opts.expect_root = "abc";
  g_assert_false (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  opts.expect_root = NULL;
  opts.public_key_path = missing;
  g_assert_false (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* Unsigned checkpoints fail when a trusted key is given. */
  {
    g_autofree char *secret = g_build_filename (f->dir, "k", NULL);
    g_autofree char *public = g_build_filename (f->dir, "k.pub", NULL);
    g_assert_true (lucid_audit_key_generate (secret, public, &error));
    opts.public_key_path = public;
    g_assert_false (lucid_audit_log_verify (f->db, &opts, &r, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED);
    g_assert_nonnull (strstr (r.problem, "not signed"));
    lucid_audit_report_clear (&r);
  }
}

/* A table recreated without its primary key can hold a seq twice: named as
 * a repeat, not as "not positive". */
static void
test_verify_repeated_seq (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidAuditReport r;

  write_log (f->db, 4, NULL);
  exec_sql (f->db, "DROP VIEW audit_checkpoints; "
                   "ALTER TABLE audit_log RENAME TO old_log; "
                   "CREATE TABLE audit_log AS SELECT * FROM old_log; "
                   "INSERT INTO audit_log SELECT * FROM old_log WHERE seq = 3; "
                   "DROP TABLE old_log;");
  g_assert_false (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED);
  g_test_message ("%s", error->message);
  g_assert_cmpint (r.bad_seq, ==, 3);
  g_assert_nonnull (strstr (r.problem, "seq 3 repeats"));
  lucid_audit_report_clear (&r);
}

/* The root of the empty prefix (SHA-256 of nothing) is a valid expected
 * root: every log extends the empty log. */
static void
test_verify_empty_prefix_root (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidAuditVerifyOptions opts = {
    .expect_root
    = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  };
  LucidAuditReport r;

  write_log (f->db, 2, NULL);
  g_assert_true (lucid_audit_log_verify (f->db, &opts, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.expect_root_size, ==, 0);
  lucid_audit_report_clear (&r);

  /* Without --expect-root the size says "not asked". */
  g_assert_true (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_cmpint (r.expect_root_size, ==, -1);
  lucid_audit_report_clear (&r);
}

/* The append-only triggers count as intact only with the migration's exact
 * text: a trigger of the same name that never fires (WHEN 0) is reported. */
static void
test_verify_triggers_changed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidAuditReport r;

  write_log (f->db, 3, NULL);
  g_assert_true (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_true (r.triggers_intact);
  lucid_audit_report_clear (&r);

  exec_sql (f->db,
            "DROP TRIGGER audit_log_no_update; "
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "WHEN 0 BEGIN SELECT RAISE (ABORT, 'audit_log is append-only: "
            "rows cannot be updated'); END;");
  g_assert_true (lucid_audit_log_verify (f->db, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_false (r.triggers_intact);
  lucid_audit_report_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audit-verify/merkle/golden", test_merkle_golden);
  g_test_add_func ("/audit-verify/encoding/layout", test_canonical_layout);
  g_test_add_func ("/audit-verify/encoding/docs-worked-example",
                   test_docs_worked_example);
  g_test_add_func ("/audit-verify/checkpoint/sign-roundtrip",
                   test_checkpoint_sign_roundtrip);
  g_test_add_func ("/audit-verify/key/errors", test_key_file_errors);
  g_test_add_func ("/audit-verify/key/parse-error-clears-secret",
                   test_key_parse_error_clears_secret);
  g_test_add_func ("/audit-verify/key/load-refuses-large-files",
                   test_key_load_refuses_large_files);
#define ADD(path, fn)                                                          \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/audit-verify/verify/clean", test_verify_clean);
  ADD ("/audit-verify/verify/names-first-bad-row",
       test_verify_names_first_bad_row);
  ADD ("/audit-verify/verify/errors", test_verify_errors);
  ADD ("/audit-verify/verify/triggers-changed", test_verify_triggers_changed);
  ADD ("/audit-verify/verify/repeated-seq", test_verify_repeated_seq);
  ADD ("/audit-verify/verify/empty-prefix-root", test_verify_empty_prefix_root);
#undef ADD
  return g_test_run ();
}
