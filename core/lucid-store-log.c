/* lucid-store-log.c — the audit log's byte formats: canonical row encoding,
 * leaf/chain/node hashes, the incremental RFC 6962 tree head, hex, and the
 * checkpoint payload and signed message.
 *
 * Why a chain and a tree. Each row carries leaf = SHA-256(0x00 ‖
 * canonical(row)) and chain = SHA-256(prev_chain ‖ leaf). The chain makes
 * every row depend on all rows before it, so an edit, insertion, deletion or
 * reordering done with plain SQL (the hashes not recomputed) breaks the
 * row it touches or the next one. Hashes anyone can recompute prove nothing
 * against someone who recomputes them; that is what checkpoints are for: a
 * checkpoint row stores the RFC 6962 Merkle tree head over all leaves before
 * it, signed with Ed25519 when the writer has a key, so rewriting anything
 * before a signed checkpoint needs the secret key — as long as that
 * checkpoint is still there. An attacker without the key can change a row,
 * delete every checkpoint after it and recompute the rest: the signed
 * checkpoints before the change still verify against the trusted key. Only
 * something kept outside the file catches that: a tree root
 * (--expect-root) or the signed tree size (--min-signed-size) seen at an
 * earlier verification. The tree (rather than
 * the chain value alone) is what transparency logs use: a root kept
 * elsewhere can later be checked against any longer log, and inclusion or
 * consistency proofs can be added without changing the format.
 *
 * The tree head is computed incrementally (LucidMerkleFrontier): the leaves
 * so far split into perfect subtrees, one per set bit of their count, as in
 * a binary counter; appending carries like an increment, and the root folds
 * the subtrees from the smallest (rightmost) to the largest, which is
 * exactly RFC 6962's split at the largest power of two below n.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-log.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

static const char CHECKPOINT_CONTEXT[] = "lucid-audit-checkpoint-v1";

gboolean
lucid_audit_kind_is_reserved (const char *kind)
{
  return g_strcmp0 (kind, LUCID_AUDIT_KIND_CHECKPOINT) == 0
         || g_strcmp0 (kind, LUCID_AUDIT_KIND_RUN_START) == 0
         || g_strcmp0 (kind, LUCID_AUDIT_KIND_RUN_END) == 0
         || g_strcmp0 (kind, LUCID_AUDIT_KIND_MODEL) == 0;
}

/* ---- canonical encoding ----------------------------------------------- */

static void
put_be64 (guint8 out[8], guint64 v)
{
  for (int i = 7; i >= 0; i--) {
    out[i] = (guint8)(v & 0xff);
    v >>= 8;
  }
}

static void
encode_header (GByteArray *out, LucidAuditValueType type, guint64 len)
{
  guint8 head[9];

  head[0] = (guint8)type;
  put_be64 (head + 1, len);
  g_byte_array_append (out, head, sizeof (head));
}

void
lucid_audit_encode_null (GByteArray *out)
{
  encode_header (out, LUCID_AUDIT_VALUE_NULL, 0);
}

void
lucid_audit_encode_int (GByteArray *out, gint64 v)
{
  guint8 be[8];

  encode_header (out, LUCID_AUDIT_VALUE_INTEGER, 8);
  put_be64 (be, (guint64)v);
  g_byte_array_append (out, be, 8);
}

void
lucid_audit_encode_real (GByteArray *out, double v)
{
  guint64 bits;
  guint8 be[8];

  memcpy (&bits, &v, 8);
  encode_header (out, LUCID_AUDIT_VALUE_REAL, 8);
  put_be64 (be, bits);
  g_byte_array_append (out, be, 8);
}

void
lucid_audit_encode_text (GByteArray *out, const char *s, gsize len)
{
  encode_header (out, LUCID_AUDIT_VALUE_TEXT, len);
  if (len > 0)
    g_byte_array_append (out, (const guint8 *)s, (guint)len);
}

void
lucid_audit_encode_blob (GByteArray *out, const guint8 *b, gsize len)
{
  encode_header (out, LUCID_AUDIT_VALUE_BLOB, len);
  if (len > 0)
    g_byte_array_append (out, b, (guint)len);
}

GByteArray *
lucid_audit_canonical_row (gint64 seq, const char *created_at, gint64 run_id,
                           const char *kind, const char *payload)
{
  GByteArray *out = g_byte_array_sized_new (64 + strlen (payload));

  lucid_audit_encode_int (out, seq);
  lucid_audit_encode_text (out, created_at, strlen (created_at));
  if (run_id > 0)
    lucid_audit_encode_int (out, run_id);
  else
    lucid_audit_encode_null (out);
  lucid_audit_encode_text (out, kind, strlen (kind));
  lucid_audit_encode_text (out, payload, strlen (payload));
  return out;
}

/* ---- hashes ----------------------------------------------------------- */

static void
ensure_sodium (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    if (sodium_init () < 0)
      g_error ("libsodium cannot be initialised");
    g_once_init_leave (&once, 1);
  }
}

void
lucid_audit_leaf_hash (const guint8 *data, gsize len,
                       guint8 out[LUCID_AUDIT_HASH_LEN])
{
  crypto_hash_sha256_state st;
  const guint8 prefix = 0x00;

  ensure_sodium ();
  crypto_hash_sha256_init (&st);
  crypto_hash_sha256_update (&st, &prefix, 1);
  crypto_hash_sha256_update (&st, data, len);
  crypto_hash_sha256_final (&st, out);
}

void
lucid_audit_chain_hash (const guint8 prev[LUCID_AUDIT_HASH_LEN],
                        const guint8 leaf[LUCID_AUDIT_HASH_LEN],
                        guint8 out[LUCID_AUDIT_HASH_LEN])
{
  guint8 buf[2 * LUCID_AUDIT_HASH_LEN];

  ensure_sodium ();
  memcpy (buf, prev, LUCID_AUDIT_HASH_LEN);
  memcpy (buf + LUCID_AUDIT_HASH_LEN, leaf, LUCID_AUDIT_HASH_LEN);
  crypto_hash_sha256 (out, buf, sizeof (buf));
}

void
lucid_audit_node_hash (const guint8 left[LUCID_AUDIT_HASH_LEN],
                       const guint8 right[LUCID_AUDIT_HASH_LEN],
                       guint8 out[LUCID_AUDIT_HASH_LEN])
{
  guint8 buf[1 + 2 * LUCID_AUDIT_HASH_LEN];

  ensure_sodium ();
  buf[0] = 0x01;
  memcpy (buf + 1, left, LUCID_AUDIT_HASH_LEN);
  memcpy (buf + 1 + LUCID_AUDIT_HASH_LEN, right, LUCID_AUDIT_HASH_LEN);
  crypto_hash_sha256 (out, buf, sizeof (buf));
}

/* ---- the tree head ---------------------------------------------------- */

void
lucid_merkle_frontier_append (LucidMerkleFrontier *f,
                              const guint8 leaf[LUCID_AUDIT_HASH_LEN])
{
  guint8 h[LUCID_AUDIT_HASH_LEN];
  guint level = 0;

  memcpy (h, leaf, LUCID_AUDIT_HASH_LEN);
  /* Carry: two perfect subtrees of 2^level leaves make one of 2^(level+1). */
  while (level < 63 && (f->size >> level) & 1) {
    lucid_audit_node_hash (f->subtree[level], h, h);
    level++;
  }
  memcpy (f->subtree[level], h, LUCID_AUDIT_HASH_LEN);
  f->size++;
}

void
lucid_merkle_frontier_root (const LucidMerkleFrontier *f,
                            guint8 out[LUCID_AUDIT_HASH_LEN])
{
  gboolean have = FALSE;

  if (f->size == 0) {
    ensure_sodium ();
    crypto_hash_sha256 (out, (const guint8 *)"", 0);
    return;
  }
  for (guint level = 0; level < 64; level++) {
    if (!((f->size >> level) & 1))
      continue;
    if (!have) {
      memcpy (out, f->subtree[level], LUCID_AUDIT_HASH_LEN);
      have = TRUE;
    } else {
      lucid_audit_node_hash (f->subtree[level], out, out);
    }
  }
}

/* ---- hex -------------------------------------------------------------- */

char *
lucid_audit_hex (const guint8 *bytes, gsize len)
{
  static const char digits[] = "0123456789abcdef";
  char *s = g_malloc (2 * len + 1);

  for (gsize i = 0; i < len; i++) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  s[2 * len] = '\0';
  return s;
}

gboolean
lucid_audit_unhex (const char *hex, gsize hex_len, guint8 *out, gsize len)
{
  if (hex == NULL || hex_len != 2 * len)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    int hi = g_ascii_xdigit_value (hex[2 * i]);
    int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

/* ---- checkpoints ------------------------------------------------------ */

void
lucid_audit_checkpoint_message (guint64 tree_size,
                                const guint8 root[LUCID_AUDIT_HASH_LEN],
                                guint8 out[LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN])
{
  G_STATIC_ASSERT (sizeof (CHECKPOINT_CONTEXT) + 8 + LUCID_AUDIT_HASH_LEN
                   == LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN);
  /* The context string with its terminating NUL. */
  memcpy (out, CHECKPOINT_CONTEXT, sizeof (CHECKPOINT_CONTEXT));
  put_be64 (out + sizeof (CHECKPOINT_CONTEXT), tree_size);
  memcpy (out + sizeof (CHECKPOINT_CONTEXT) + 8, root, LUCID_AUDIT_HASH_LEN);
}

void
lucid_audit_checkpoint_sign (const LucidAuditKey *key, guint64 tree_size,
                             const guint8 root[LUCID_AUDIT_HASH_LEN],
                             guint8 sig[LUCID_AUDIT_SIGNATURE_LEN])
{
  guint8 msg[LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN];

  g_return_if_fail (key->has_secret);
  ensure_sodium ();
  lucid_audit_checkpoint_message (tree_size, root, msg);
  crypto_sign_detached (sig, NULL, msg, sizeof (msg), key->secret_key);
}

gboolean
lucid_audit_checkpoint_check (
    const guint8 public_key[LUCID_AUDIT_PUBLIC_KEY_LEN], guint64 tree_size,
    const guint8 root[LUCID_AUDIT_HASH_LEN],
    const guint8 sig[LUCID_AUDIT_SIGNATURE_LEN])
{
  guint8 msg[LUCID_AUDIT_CHECKPOINT_MESSAGE_LEN];

  ensure_sodium ();
  lucid_audit_checkpoint_message (tree_size, root, msg);
  return crypto_sign_verify_detached (sig, msg, sizeof (msg), public_key) == 0;
}

char *
lucid_audit_checkpoint_to_json (guint64 tree_size,
                                const guint8 root[LUCID_AUDIT_HASH_LEN],
                                const char *reason, const LucidAuditKey *key)
{
  g_autofree char *root_hex = lucid_audit_hex (root, LUCID_AUDIT_HASH_LEN);
  g_autofree char *pk_hex = NULL, *sig_hex = NULL;
  guint8 sig[LUCID_AUDIT_SIGNATURE_LEN];

  /* Only fixed ASCII goes into this text: numbers, hex, a reason chosen by
   * the writer. */
  if (key == NULL || !key->has_secret)
    return g_strdup_printf ("{\"tree_size\":%" G_GUINT64_FORMAT
                            ",\"root\":\"%s\",\"reason\":\"%s\"}",
                            tree_size, root_hex, reason);
  lucid_audit_checkpoint_sign (key, tree_size, root, sig);
  pk_hex = lucid_audit_hex (key->public_key, LUCID_AUDIT_PUBLIC_KEY_LEN);
  sig_hex = lucid_audit_hex (sig, LUCID_AUDIT_SIGNATURE_LEN);
  return g_strdup_printf ("{\"tree_size\":%" G_GUINT64_FORMAT
                          ",\"root\":\"%s\",\"reason\":\"%s\","
                          "\"public_key\":\"%s\",\"signature\":\"%s\"}",
                          tree_size, root_hex, reason, pk_hex, sig_hex);
}

static gboolean
get_hex_member (JsonObject *obj, const char *key, guint8 *out, gsize len,
                const char *label, GError **error)
{
  const char *s = lucid_json_get_string (obj, key, label, error);

  if (s == NULL)
    return FALSE;
  if (!lucid_audit_unhex (s, strlen (s), out, len)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: \"%s\" must be %" G_GSIZE_FORMAT " hex digits", label,
                 key, 2 * len);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_audit_checkpoint_parse (const char *json, gsize len, const char *label,
                              LucidAuditCheckpoint *cp, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *reason;
  gboolean has_pk, has_sig;

  memset (cp, 0, sizeof (*cp));
  root = lucid_json_parse_data (json, len, label, error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: a checkpoint payload must be a JSON object", label);
    return FALSE;
  }
  obj = json_node_get_object (root);
  if (!lucid_json_get_int (obj, "tree_size", 0, G_MAXINT64, &cp->tree_size,
                           label, error)
      || !get_hex_member (obj, "root", cp->root, LUCID_AUDIT_HASH_LEN, label,
                          error))
    return FALSE;
  reason = lucid_json_get_string (obj, "reason", label, error);
  if (reason == NULL)
    return FALSE;
  has_pk = lucid_json_has (obj, "public_key");
  has_sig = lucid_json_has (obj, "signature");
  if (has_pk != has_sig) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: a signed checkpoint needs both \"public_key\" and "
                 "\"signature\"",
                 label);
    return FALSE;
  }
  if (has_pk
      && (!get_hex_member (obj, "public_key", cp->public_key,
                           LUCID_AUDIT_PUBLIC_KEY_LEN, label, error)
          || !get_hex_member (obj, "signature", cp->signature,
                              LUCID_AUDIT_SIGNATURE_LEN, label, error)))
    return FALSE;
  cp->signed_ = has_pk;
  cp->reason = g_strdup (reason);
  return TRUE;
}

void
lucid_audit_checkpoint_clear (LucidAuditCheckpoint *cp)
{
  g_clear_pointer (&cp->reason, g_free);
}
