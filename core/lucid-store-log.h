/* lucid-store-log.h — the tamper-evident audit log of a Lucid database:
 * its canonical row encoding, leaf and chain hashes, RFC 6962 Merkle tree
 * roots, Ed25519 checkpoint signatures, key files, and the verifier.
 *
 * Entries are appended with lucid_store_append_log() (lucid-store.h); the
 * writer thread computes their hashes and writes checkpoints. This header is
 * what a reader of the log needs: lucid_audit_log_verify() checks a database
 * file, and the building blocks are public so that tests (and a third party
 * re-implementing the verifier from docs/audit.md) can compare byte for
 * byte. The format is specified in docs/audit.md ("The audit log").
 *
 * Threads: every function is reentrant; none keeps global state except
 * libsodium's one-time initialisation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LUCID_AUDIT_HASH_LEN 32
#define LUCID_AUDIT_PUBLIC_KEY_LEN 32
#define LUCID_AUDIT_SECRET_KEY_LEN 64 /* libsodium's seed ‖ public key */
#define LUCID_AUDIT_SIGNATURE_LEN 64

/* kind of the rows the writer itself appends (callers may not use them). */
#define LUCID_AUDIT_KIND_CHECKPOINT "checkpoint"
#define LUCID_AUDIT_KIND_RUN_START "run-start"
#define LUCID_AUDIT_KIND_RUN_END "run-end"
#define LUCID_AUDIT_KIND_MODEL "model"

/* TRUE for the kinds above. */
gboolean lucid_audit_kind_is_reserved (const char *kind);

/* ---- canonical encoding and hashes ------------------------------------ */

/* One column value of a row, as SQLite stores it. */
typedef enum {
  LUCID_AUDIT_VALUE_NULL = 0,
  LUCID_AUDIT_VALUE_INTEGER = 1,
  LUCID_AUDIT_VALUE_REAL = 2,
  LUCID_AUDIT_VALUE_TEXT = 3,
  LUCID_AUDIT_VALUE_BLOB = 4,
} LucidAuditValueType;

/* Appends the encoding of one value to @out: type tag (1 byte), length (8
 * bytes, big-endian), bytes. Integers: 8-byte big-endian two's complement;
 * REALs: IEEE-754 binary64 bits, big-endian; TEXT: UTF-8 bytes as stored;
 * NULL: length 0. */
void lucid_audit_encode_null (GByteArray *out);
void lucid_audit_encode_int (GByteArray *out, gint64 v);
void lucid_audit_encode_real (GByteArray *out, double v);
void lucid_audit_encode_text (GByteArray *out, const char *s, gsize len);
void lucid_audit_encode_blob (GByteArray *out, const guint8 *b, gsize len);

/* canonical(row) for the hashed columns in their fixed order: seq,
 * created_at, run_id (<= 0: NULL), kind, payload. Returns a new array. */
GByteArray *lucid_audit_canonical_row (gint64 seq, const char *created_at,
                                       gint64 run_id, const char *kind,
                                       const char *payload);

/* leaf = SHA-256(0x00 ‖ @data) (RFC 6962 leaf hash). */
void lucid_audit_leaf_hash (const guint8 *data, gsize len,
                            guint8 out[LUCID_AUDIT_HASH_LEN]);
/* chain = SHA-256(@prev ‖ @leaf); @prev of the first row is 32 zero bytes. */
void lucid_audit_chain_hash (const guint8 prev[LUCID_AUDIT_HASH_LEN],
                             const guint8 leaf[LUCID_AUDIT_HASH_LEN],
                             guint8 out[LUCID_AUDIT_HASH_LEN]);
/* SHA-256(0x01 ‖ @left ‖ @right) (RFC 6962 interior node). */
void lucid_audit_node_hash (const guint8 left[LUCID_AUDIT_HASH_LEN],
                            const guint8 right[LUCID_AUDIT_HASH_LEN],
                            guint8 out[LUCID_AUDIT_HASH_LEN]);

/* ---- RFC 6962 Merkle tree head, incrementally ------------------------- */

/* The roots of the perfect subtrees of the leaves appended so far: bit i of
 * size set ⇔ subtree[i] holds the root of a perfect subtree of 2^i leaves.
 * O(1) amortised per leaf, 2 KiB, no allocation. Zero-initialise. */
typedef struct {
  guint64 size;
  guint8 subtree[64][LUCID_AUDIT_HASH_LEN];
} LucidMerkleFrontier;

/* Appends a leaf hash (already SHA-256(0x00 ‖ data)). */
void lucid_merkle_frontier_append (LucidMerkleFrontier *f,
                                   const guint8 leaf[LUCID_AUDIT_HASH_LEN]);
/* MTH over the leaves so far (RFC 6962 §2.1; SHA-256("") when empty). */
void lucid_merkle_frontier_root (const LucidMerkleFrontier *f,
                                 guint8 out[LUCID_AUDIT_HASH_LEN]);

/* ---- checkpoints and keys --------------------------------------------- */

/* The bytes a checkpoint signature covers: "lucid-audit-checkpoint-v1",
 * 0x00, tree size (8 bytes big-endian), root (32 bytes): 66 bytes. */
#define LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN 66
void
lucid_audit_checkpoint_message (guint64 tree_size,
                                const guint8 root[LUCID_AUDIT_HASH_LEN],
                                guint8 out[LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN]);

typedef struct {
  guint8 public_key[LUCID_AUDIT_PUBLIC_KEY_LEN];
  guint8 secret_key[LUCID_AUDIT_SECRET_KEY_LEN]; /* zero for a public key */
  gboolean has_secret;
} LucidAuditKey;

/* Parses a key file's content (format in docs/audit.md): lines
 * "ed25519-secret-key HEX64" or "ed25519-public-key HEX64", blank lines and
 * '#' comments. @want_secret: a secret key is required (else a public key is
 * read; a secret key file also gives its public key). Errors are
 * LUCID_ERROR_FORMAT "LABEL:LINE: problem", and @key is then all zeros.
 * Never crashes on any input (a fuzz target feeds it). */
gboolean lucid_audit_key_parse (const char *data, gsize len,
                                gboolean want_secret, const char *label,
                                LucidAuditKey *key, GError **error);
/* Reads @path and parses it. A secret key file readable by group or others
 * is refused (like ssh), naming its mode. */
gboolean lucid_audit_key_load (const char *path, gboolean want_secret,
                               LucidAuditKey *key, GError **error);
/* Creates a new key pair: @secret_path (mode 0600, must not exist) and
 * @public_path (mode 0644, replaced if it exists). */
gboolean lucid_audit_key_generate (const char *secret_path,
                                   const char *public_path, GError **error);
/* Overwrites the secret part with zeros. */
void lucid_audit_key_clear (LucidAuditKey *key);

/* Signs / checks a checkpoint (Ed25519 over the checkpoint message). */
void lucid_audit_checkpoint_sign (const LucidAuditKey *key, guint64 tree_size,
                                  const guint8 root[LUCID_AUDIT_HASH_LEN],
                                  guint8 sig[LUCID_AUDIT_SIGNATURE_LEN]);
gboolean lucid_audit_checkpoint_check (
    const guint8 public_key[LUCID_AUDIT_PUBLIC_KEY_LEN], guint64 tree_size,
    const guint8 root[LUCID_AUDIT_HASH_LEN],
    const guint8 sig[LUCID_AUDIT_SIGNATURE_LEN]);

/* A parsed checkpoint payload. */
typedef struct {
  gint64 tree_size;
  guint8 root[LUCID_AUDIT_HASH_LEN];
  char *reason; /* "interval", "flush", "run-end", "close" */
  gboolean signed_;
  guint8 public_key[LUCID_AUDIT_PUBLIC_KEY_LEN];
  guint8 signature[LUCID_AUDIT_SIGNATURE_LEN];
} LucidAuditCheckpoint;

/* The payload JSON text of a checkpoint (what the writer stores). @key may
 * be NULL (unsigned). Returns a new string. */
char *lucid_audit_checkpoint_to_json (guint64 tree_size,
                                      const guint8 root[LUCID_AUDIT_HASH_LEN],
                                      const char *reason,
                                      const LucidAuditKey *key);
/* Parses a checkpoint payload (untrusted: read from the file under
 * verification). FALSE with LUCID_ERROR_FORMAT naming @label and the
 * problem. Free the result's reason with lucid_audit_checkpoint_clear(). */
gboolean lucid_audit_checkpoint_parse (const char *json, gsize len,
                                       const char *label,
                                       LucidAuditCheckpoint *cp,
                                       GError **error);
void lucid_audit_checkpoint_clear (LucidAuditCheckpoint *cp);

/* Lower-case hex of @len bytes; new string. */
char *lucid_audit_hex (const guint8 *bytes, gsize len);
/* Exactly 2·@len hex digits (either case) → @out. */
gboolean lucid_audit_unhex (const char *hex, gsize hex_len, guint8 *out,
                            gsize len);

/* ---- the verifier ----------------------------------------------------- */

typedef struct {
  /* RFC 6962 root (64 hex digits) kept elsewhere; the log must contain a
   * prefix with this root (it may have grown since). NULL: no such check. */
  const char *expect_root;
  /* Trusted Ed25519 public key file; NULL: signatures are checked against
   * the key recorded in each checkpoint, which proves nothing against a
   * rewrite of the file. When given, every checkpoint must be signed by
   * this key, and at least one must exist (a log without any signed
   * checkpoint fails). */
  const char *public_key_path;
  /* > 0: some checkpoint signed by the key of @public_key_path (required)
   * must cover at least this many entries (tree_size >= it). The signed
   * size seen at an earlier verification, kept elsewhere: it catches a
   * change re-sealed after deleting every signed checkpoint that followed
   * it, which the key alone cannot (docs/audit.md, "Guarantees"). */
  gint64 min_signed_size;
  /* TRUE: skip the "derived tables" check (by default, once the log
   * verified, every row of the tables its triggers fill — audit_windows,
   * audit_groups, audit_group_figures, audit_between_figures,
   * audit_references, audit_verdicts, audit_alerts — is re-derived from
   * the log's payloads and compared; the first row that differs, is
   * missing or has no entry behind it fails verification). */
  gboolean skip_derived;
} LucidAuditVerifyOptions;

typedef struct {
  gboolean ok;                               /* every check passed */
  gint64 n_entries;                          /* rows read */
  gint64 n_checkpoints;                      /* checkpoint rows read */
  gint64 n_signed_checkpoints;               /* with a valid signature */
  gint64 last_signed_checkpoint;             /* seq, 0 = none; it covers
                                                the seq - 1 entries before
                                                it (its tree_size) */
  guint8 signer[LUCID_AUDIT_PUBLIC_KEY_LEN]; /* its key (if any) */
  gboolean key_trusted; /* signatures checked against the given key */
  /* Both append-only triggers exist as the migration made them. Not part
   * of ok: their absence proves nothing about the rows, but says that
   * someone altered the schema outside Lucid. */
  gboolean triggers_intact;
  guint8 root[LUCID_AUDIT_HASH_LEN]; /* MTH over all n_entries leaves */
  guint8 head[LUCID_AUDIT_HASH_LEN]; /* chain of the last row (zeros if none) */
  /* Size of the prefix matching expect_root (0: the empty log's root);
   * -1 when not found or not asked. */
  gint64 expect_root_size;
  /* The first problem: the seq of the bad row (0 when the problem concerns
   * the whole log, e.g. --expect-root not found) and what is wrong. */
  gint64 bad_seq;
  char *problem; /* NULL when ok */
  /* The derived tables were re-derived from the log and matched (FALSE:
   * skipped, or the database has none), and how many rows that was. */
  gboolean derived_checked;
  gint64 n_derived_rows;
} LucidAuditReport;

/* Verifies the audit log of the database at @path (read-only; never
 * writes): every row's types, leaf and chain, that seq runs 1, 2, 3, ...,
 * every checkpoint's tree size, root and signature, and @options. Returns
 * TRUE when the log is valid. FALSE otherwise: LUCID_ERROR_TAMPERED with
 * the message "PATH: audit log row SEQ: problem" when a check failed
 * (@report, if not NULL, then names the row), other codes when the file
 * could not be read (not a database, no audit_log table: LUCID_ERROR_DB /
 * LUCID_ERROR_IO; a bad key file: LUCID_ERROR_FORMAT / _IO; a malformed
 * @expect_root, or min_signed_size without a public key:
 * LUCID_ERROR_INVALID_ARGUMENT). @options may be NULL.
 * Clear @report with lucid_audit_report_clear(). */
gboolean lucid_audit_log_verify (const char *path,
                                 const LucidAuditVerifyOptions *options,
                                 LucidAuditReport *report, GError **error);
void lucid_audit_report_clear (LucidAuditReport *report);

/* The report of lucid_audit_log_verify() as lucid-verify and lucidctl
 * verify print it. JSON (pretty-printed, documented in docs/audit.md):
 * "ok", and the figures when the log could be checked (@error NULL or
 * LUCID_ERROR_TAMPERED), else "error". Text: the summary of a log that
 * verified, one line per figure. Free with g_free(). */
char *lucid_audit_report_to_json (const char *path,
                                  const LucidAuditReport *report,
                                  const GError *error);
char *lucid_audit_report_to_text (const char *path,
                                  const LucidAuditVerifyOptions *options,
                                  const LucidAuditReport *report);

G_END_DECLS
