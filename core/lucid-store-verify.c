/* lucid-store-verify.c — lucid_audit_log_verify(): reads a database's
 * audit log through a read-only connection and checks it row by row,
 * stopping at the first bad row.
 *
 * Per row, in seq order: seq is the previous seq + 1 (the first is 1); the
 * columns have the storage classes the writer gives them; leaf =
 * SHA-256(0x00 ‖ canonical(row)) where canonical() encodes each value by
 * the storage class it actually has (so a value whose type was changed does
 * not match either); chain = SHA-256(previous chain ‖ leaf). Per checkpoint
 * row: its payload parses, tree_size = seq − 1, root = the RFC 6962 tree
 * head over the leaves before it, and the signature (if any) verifies with
 * the key recorded next to it — and, when the caller gave a trusted public
 * key, every checkpoint is signed by that key. At the end, an expected root
 * must equal the tree head of some prefix of the log (the log may have
 * grown since the root was taken); with a trusted key, some checkpoint must
 * be signed, and cover at least min_signed_size entries when that is given
 * (the only defence, with the expected root, against an attacker who
 * deletes the signed checkpoints after a change and re-seals the rest).
 *
 * What this proves is stated in docs/audit.md ("Guarantees"), exactly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-private.h"

#include <string.h>

#include "lucid-error.h"

enum {
  COL_SEQ,
  COL_CREATED,
  COL_RUN,
  COL_KIND,
  COL_PAYLOAD,
  COL_LEAF,
  COL_CHAIN
};

/* The append-only triggers as 002_audit_log.sql creates them, compared with
 * the stored CREATE TRIGGER text after collapsing whitespace (so a WHEN
 * clause, another event or another message does not pass for them). */
static const char SQL_TRIGGERS[]
    = "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' "
      "AND tbl_name = 'audit_log'";
static const struct {
  const char *name;
  const char *sql;
} EXPECTED_TRIGGERS[] = {
  { "audit_log_no_update",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN "
    "SELECT RAISE (ABORT, 'audit_log is append-only: rows cannot be "
    "updated'); END" },
  { "audit_log_no_delete",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN "
    "SELECT RAISE (ABORT, 'audit_log is append-only: rows cannot be "
    "deleted'); END" },
};

static const char SQL_READ_LOG[]
    = "SELECT seq, created_at, run_id, kind, payload, leaf, chain "
      "FROM audit_log ORDER BY seq";

static const char *
type_name (int type)
{
  switch (type) {
    case SQLITE_INTEGER:
      return "INTEGER";
    case SQLITE_FLOAT:
      return "REAL";
    case SQLITE_TEXT:
      return "TEXT";
    case SQLITE_BLOB:
      return "BLOB";
    default:
      return "NULL";
  }
}

/* Appends the canonical encoding of column @col as stored. */
static void
encode_column (GByteArray *out, sqlite3_stmt *s, int col)
{
  switch (sqlite3_column_type (s, col)) {
    case SQLITE_INTEGER:
      lucid_audit_encode_int (out, sqlite3_column_int64 (s, col));
      break;
    case SQLITE_FLOAT:
      lucid_audit_encode_real (out, sqlite3_column_double (s, col));
      break;
    case SQLITE_TEXT: {
      const char *t = (const char *)sqlite3_column_text (s, col);
      lucid_audit_encode_text (out, t, (gsize)sqlite3_column_bytes (s, col));
      break;
    }
    case SQLITE_BLOB: {
      const guint8 *b = sqlite3_column_blob (s, col);
      lucid_audit_encode_blob (out, b, (gsize)sqlite3_column_bytes (s, col));
      break;
    }
    default:
      lucid_audit_encode_null (out);
      break;
  }
}

/* NULL when the columns have the storage classes the writer gives them,
 * else a description of the first that does not. */
static char *
check_types (sqlite3_stmt *s)
{
  const struct {
    int col;
    const char *name;
    int type;
    gboolean null_ok;
  } expect[] = {
    { COL_CREATED, "created_at", SQLITE_TEXT, FALSE },
    { COL_RUN, "run_id", SQLITE_INTEGER, TRUE },
    { COL_KIND, "kind", SQLITE_TEXT, FALSE },
    { COL_PAYLOAD, "payload", SQLITE_TEXT, FALSE },
    { COL_LEAF, "leaf", SQLITE_BLOB, FALSE },
    { COL_CHAIN, "chain", SQLITE_BLOB, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++) {
    int t = sqlite3_column_type (s, expect[i].col);
    if (t == expect[i].type || (t == SQLITE_NULL && expect[i].null_ok))
      continue;
    return g_strdup_printf ("%s is %s, expected %s%s", expect[i].name,
                            type_name (t), type_name (expect[i].type),
                            expect[i].null_ok ? " or NULL" : "");
  }
  if (sqlite3_column_bytes (s, COL_LEAF) != LUCID_AUDIT_HASH_LEN
      || sqlite3_column_bytes (s, COL_CHAIN) != LUCID_AUDIT_HASH_LEN)
    return g_strdup ("leaf and chain must be 32 bytes each");
  return NULL;
}

/* @sql with every run of whitespace made one space, trimmed; new string. */
static char *
collapse_whitespace (const char *sql)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = sql; *p; p++) {
    if (g_ascii_isspace (*p)) {
      space = TRUE;
      continue;
    }
    if (space && out->len > 0)
      g_string_append_c (out, ' ');
    space = FALSE;
    g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

/* Both append-only triggers exist with exactly the migration's text
 * (whitespace aside). */
static gboolean
triggers_intact (sqlite3 *db)
{
  sqlite3_stmt *s = NULL;
  guint found = 0;

  if (sqlite3_prepare_v2 (db, SQL_TRIGGERS, -1, &s, NULL) != SQLITE_OK) {
    sqlite3_finalize (s);
    return FALSE;
  }
  while (sqlite3_step (s) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text (s, 0);
    const char *sql = (const char *)sqlite3_column_text (s, 1);
    g_autofree char *norm = NULL;

    if (name == NULL || sql == NULL)
      continue;
    norm = collapse_whitespace (sql);
    for (guint i = 0; i < G_N_ELEMENTS (EXPECTED_TRIGGERS); i++)
      if (strcmp (name, EXPECTED_TRIGGERS[i].name) == 0
          && strcmp (norm, EXPECTED_TRIGGERS[i].sql) == 0)
        found |= 1u << i;
  }
  sqlite3_finalize (s);
  return found == (1u << G_N_ELEMENTS (EXPECTED_TRIGGERS)) - 1;
}

typedef struct {
  const char *path;
  gboolean have_trusted;
  LucidAuditKey trusted;
  LucidAuditReport *report;
} Verifier;

/* Checks the checkpoint row @seq (payload @payload) against the tree of
 * the leaves before it; NULL when fine, else what is wrong. */
static char *
check_checkpoint (Verifier *v, gint64 seq, const char *payload, gsize len,
                  const LucidMerkleFrontier *tree)
{
  g_autoptr (GError) error = NULL;
  LucidAuditCheckpoint cp;
  guint8 root[LUCID_AUDIT_HASH_LEN];
  char *problem = NULL;

  if (!lucid_audit_checkpoint_parse (payload, len, "payload", &cp, &error))
    return g_strdup_printf ("malformed checkpoint: %s", error->message);
  lucid_merkle_frontier_root (tree, root);
  if (cp.tree_size != seq - 1) {
    problem
        = g_strdup_printf ("checkpoint covers %" G_GINT64_FORMAT
                           " entries, but %" G_GINT64_FORMAT " rows precede it",
                           cp.tree_size, seq - 1);
  } else if (memcmp (root, cp.root, LUCID_AUDIT_HASH_LEN) != 0) {
    problem = g_strdup ("checkpoint root does not match the Merkle tree of "
                        "the rows before it (a row before it was changed, "
                        "inserted, deleted or moved)");
  } else if (cp.signed_
             && !lucid_audit_checkpoint_check (
                 cp.public_key, (guint64)cp.tree_size, cp.root, cp.signature)) {
    problem = g_strdup ("checkpoint signature is invalid");
  } else if (v->have_trusted && !cp.signed_) {
    problem = g_strdup ("checkpoint is not signed, but a public key was "
                        "given: every checkpoint must be signed by it");
  } else if (v->have_trusted
             && memcmp (cp.public_key, v->trusted.public_key,
                        LUCID_AUDIT_PUBLIC_KEY_LEN)
                    != 0) {
    g_autofree char *other
        = lucid_audit_hex (cp.public_key, LUCID_AUDIT_PUBLIC_KEY_LEN);
    problem = g_strdup_printf ("checkpoint is signed by another key (%s), "
                               "not the given public key",
                               other);
  }
  if (problem == NULL && cp.signed_) {
    v->report->n_signed_checkpoints++;
    v->report->last_signed_checkpoint = seq;
    memcpy (v->report->signer, cp.public_key, LUCID_AUDIT_PUBLIC_KEY_LEN);
  }
  lucid_audit_checkpoint_clear (&cp);
  return problem;
}

static void
fail_row (Verifier *v, gint64 seq, char *problem)
{
  v->report->ok = FALSE;
  v->report->bad_seq = seq;
  v->report->problem = problem;
}

/* What is wrong when row @seq follows row @prev (not @prev + 1). Only a
 * table recreated without its INTEGER PRIMARY KEY can repeat a seq. */
static char *
seq_problem (gint64 prev, gint64 seq)
{
  if (seq > prev + 1)
    return g_strdup_printf ("seq jumps from %" G_GINT64_FORMAT
                            " to %" G_GINT64_FORMAT " (rows deleted)",
                            prev, seq);
  if (seq <= 0)
    return g_strdup_printf (
        "seq %" G_GINT64_FORMAT " is not positive (the first row is 1)", seq);
  if (seq == prev)
    return g_strdup_printf ("seq %" G_GINT64_FORMAT " repeats (a second row "
                            "with the same seq was inserted)",
                            seq);
  return g_strdup_printf ("seq %" G_GINT64_FORMAT " follows %" G_GINT64_FORMAT
                          " (rows out of order)",
                          seq, prev);
}

/* Reads every row; stops at the first problem (recorded in the report).
 * FALSE only when SQLite fails. */
static gboolean
verify_rows (Verifier *v, sqlite3 *db, const guint8 *expect_root,
             GError **error)
{
  LucidAuditReport *r = v->report;
  LucidMerkleFrontier *tree = g_new0 (LucidMerkleFrontier, 1);
  sqlite3_stmt *s = NULL;
  guint8 prev[LUCID_AUDIT_HASH_LEN] = { 0 };
  gboolean ok = FALSE;
  int rc;

  if (expect_root) {
    guint8 empty[LUCID_AUDIT_HASH_LEN];
    lucid_merkle_frontier_root (tree, empty);
    if (memcmp (empty, expect_root, LUCID_AUDIT_HASH_LEN) == 0)
      r->expect_root_size = 0; /* every log extends the empty one */
  }
  if (sqlite3_prepare_v2 (db, SQL_READ_LOG, -1, &s, NULL) != SQLITE_OK) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, db, v->path,
                              "cannot read the audit log (is this a Lucid "
                              "database with an audit_log table?)");
    goto out;
  }
  while ((rc = sqlite3_step (s)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64 (s, COL_SEQ);
    g_autoptr (GByteArray) canon = g_byte_array_new ();
    guint8 leaf[LUCID_AUDIT_HASH_LEN], chain[LUCID_AUDIT_HASH_LEN];
    char *problem;

    if (sqlite3_column_type (s, COL_SEQ) != SQLITE_INTEGER) {
      fail_row (v, r->n_entries + 1,
                g_strdup_printf ("seq is %s, expected INTEGER (the table was "
                                 "recreated without its primary key)",
                                 type_name (sqlite3_column_type (s, COL_SEQ))));
      break;
    }
    if (seq != r->n_entries + 1) {
      fail_row (v, seq, seq_problem (r->n_entries, seq));
      break;
    }
    if ((problem = check_types (s))) {
      fail_row (v, seq, problem);
      break;
    }
    for (int col = COL_SEQ; col <= COL_PAYLOAD; col++)
      encode_column (canon, s, col);
    lucid_audit_leaf_hash (canon->data, canon->len, leaf);
    if (memcmp (leaf, sqlite3_column_blob (s, COL_LEAF), LUCID_AUDIT_HASH_LEN)
        != 0) {
      fail_row (v, seq,
                g_strdup ("leaf does not match the row's content (the row "
                          "was edited, or its leaf replaced)"));
      break;
    }
    lucid_audit_chain_hash (prev, leaf, chain);
    if (memcmp (chain, sqlite3_column_blob (s, COL_CHAIN), LUCID_AUDIT_HASH_LEN)
        != 0) {
      fail_row (v, seq,
                g_strdup ("chain does not follow from the previous row (a "
                          "row was inserted, deleted or moved before this "
                          "one, or the chain was replaced)"));
      break;
    }
    if (g_strcmp0 ((const char *)sqlite3_column_text (s, COL_KIND),
                   LUCID_AUDIT_KIND_CHECKPOINT)
        == 0) {
      r->n_checkpoints++;
      problem = check_checkpoint (
          v, seq, (const char *)sqlite3_column_text (s, COL_PAYLOAD),
          (gsize)sqlite3_column_bytes (s, COL_PAYLOAD), tree);
      if (problem) {
        fail_row (v, seq, problem);
        break;
      }
    }
    memcpy (prev, chain, LUCID_AUDIT_HASH_LEN);
    lucid_merkle_frontier_append (tree, leaf);
    r->n_entries = seq;
    if (expect_root && r->expect_root_size < 0) {
      guint8 root[LUCID_AUDIT_HASH_LEN];
      lucid_merkle_frontier_root (tree, root);
      if (memcmp (root, expect_root, LUCID_AUDIT_HASH_LEN) == 0)
        r->expect_root_size = seq;
    }
  }
  if (r->problem == NULL && rc != SQLITE_DONE) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, db, v->path,
                              "cannot read the audit log");
    goto out;
  }
  lucid_merkle_frontier_root (tree, r->root);
  memcpy (r->head, prev, LUCID_AUDIT_HASH_LEN);
  ok = TRUE;

out:
  sqlite3_finalize (s);
  g_free (tree);
  return ok;
}

/* With a trusted key (every checkpoint read was signed by it): some
 * checkpoint must exist, and cover at least @min_size entries when > 0.
 * Deleting the checkpoints after a change and re-sealing the rows leaves
 * earlier signed checkpoints that still verify; only a size (or root) kept
 * elsewhere notices. */
static void
check_signed_size (LucidAuditReport *report, gint64 min_size)
{
  gint64 covered = report->last_signed_checkpoint - 1;

  if (report->last_signed_checkpoint == 0)
    report->problem = g_strdup_printf (
        "no checkpoint in the log's %" G_GINT64_FORMAT
        " entries is signed by the given public key, so the key vouches for "
        "nothing (were the checkpoints deleted?)",
        report->n_entries);
  else if (min_size > 0 && covered < min_size)
    report->problem = g_strdup_printf (
        "the last checkpoint signed by the given public key covers "
        "%" G_GINT64_FORMAT " entries, fewer than the %" G_GINT64_FORMAT
        " required (signed checkpoints were deleted, or the log was "
        "truncated)",
        covered, min_size);
  if (report->problem) {
    report->ok = FALSE;
    report->bad_seq = 0;
  }
}

gboolean
lucid_audit_log_verify (const char *path,
                        const LucidAuditVerifyOptions *options,
                        LucidAuditReport *report, GError **error)
{
  LucidAuditVerifyOptions opts = { 0 };
  LucidAuditReport local;
  Verifier v = { .path = path };
  guint8 expect_root[LUCID_AUDIT_HASH_LEN];
  sqlite3 *db = NULL;
  gboolean have_expect = FALSE, ok = FALSE;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options)
    opts = *options;
  if (report == NULL)
    report = &local;
  memset (report, 0, sizeof (*report));
  report->expect_root_size = -1;
  v.report = report;

  if (opts.expect_root) {
    if (!lucid_audit_unhex (opts.expect_root, strlen (opts.expect_root),
                            expect_root, LUCID_AUDIT_HASH_LEN)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "expected root '%s': must be 64 hex digits (a SHA-256 "
                   "Merkle tree root)",
                   opts.expect_root);
      goto out;
    }
    have_expect = TRUE;
  }
  if (opts.min_signed_size < 0
      || (opts.min_signed_size > 0 && opts.public_key_path == NULL)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "minimum signed size %" G_GINT64_FORMAT
                 ": must be a positive number of entries, and needs a "
                 "trusted public key (a signature by the key recorded in the "
                 "file proves nothing)",
                 opts.min_signed_size);
    goto out;
  }
  if (opts.public_key_path) {
    if (!lucid_audit_key_load (opts.public_key_path, FALSE, &v.trusted, error))
      goto out;
    v.have_trusted = TRUE;
    report->key_trusted = TRUE;
  }

  db = lucid_store_open_readonly (path, error);
  if (db == NULL)
    goto out;
  report->ok = TRUE;
  report->triggers_intact = triggers_intact (db);
  if (!verify_rows (&v, db, have_expect ? expect_root : NULL, error)) {
    report->ok = FALSE;
    goto out;
  }
  if (report->ok && have_expect && report->expect_root_size < 0) {
    report->ok = FALSE;
    report->bad_seq = 0;
    report->problem = g_strdup_printf (
        "no prefix of the log's %" G_GINT64_FORMAT
        " entries has the expected root (entries the root covered were "
        "removed or changed, e.g. a truncated tail)",
        report->n_entries);
  }
  if (report->ok && v.have_trusted)
    check_signed_size (report, opts.min_signed_size);
  if (report->ok && !opts.skip_derived
      && !lucid_audit_derived_verify (db, path, report, error)) {
    report->ok = FALSE;
    goto out;
  }
  if (!report->ok) {
    if (report->bad_seq > 0)
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED,
                   "%s: audit log row %" G_GINT64_FORMAT ": %s", path,
                   report->bad_seq, report->problem);
    else
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_TAMPERED,
                   "%s: audit log: %s", path, report->problem);
    goto out;
  }
  ok = TRUE;

out:
  if (db)
    sqlite3_close (db);
  lucid_audit_key_clear (&v.trusted);
  if (report == &local)
    lucid_audit_report_clear (&local);
  return ok;
}

void
lucid_audit_report_clear (LucidAuditReport *report)
{
  g_clear_pointer (&report->problem, g_free);
}
