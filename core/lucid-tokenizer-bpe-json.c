/* lucid-tokenizer-bpe-json.c — the parts of a byte-level BPE tokenizer.json
 * (CLIP's) that differ from WordPiece: the "BPE" model with its merges, the
 * normalizer Sequence and the pre-tokenizer Sequence.  Anything CLIP's
 * files do not use is refused with an error naming the file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

/* The Split pattern of CLIP's tokenizer.json, as the transformers
 * converter writes it, and the variant transformers 5's CLIPTokenizer
 * writes (special tokens first). */
#define CLIP_PATTERN                                                           \
  "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"
#define CLIP_SPECIALS "<\\|startoftext\\|>|<\\|endoftext\\|>|"

static gboolean
unsupported (GError **error, const char *label, const char *what)
{
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "%s: %s is not supported (Lucid runs CLIP's byte-level BPE "
               "tokenizer.json)",
               label, what);
  return FALSE;
}

/* An optional string member: NULL when absent or null. */
static gboolean
optional_string (JsonObject *o, const char *key, const char **out,
                 const char *label, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);

  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  return (*out = lucid_json_get_string (o, key, label, error)) != NULL;
}

/* One entry of "merges": "left right" (tokenizers < 0.20) or
 * ["left", "right"]. */
static gboolean
merge_parts (JsonNode *e, guint i, char **left, char **right, const char *label,
             GError **error)
{
  if (JSON_NODE_HOLDS_VALUE (e)
      && json_node_get_value_type (e) == G_TYPE_STRING) {
    const char *s = json_node_get_string (e);
    const char *sp = strchr (s, ' ');

    if (sp != NULL && strchr (sp + 1, ' ') == NULL) {
      *left = g_strndup (s, sp - s);
      *right = g_strdup (sp + 1);
      return TRUE;
    }
  } else if (JSON_NODE_HOLDS_ARRAY (e)) {
    JsonArray *a = json_node_get_array (e);

    if (json_array_get_length (a) == 2) {
      JsonNode *x = json_array_get_element (a, 0);
      JsonNode *y = json_array_get_element (a, 1);

      if (JSON_NODE_HOLDS_VALUE (x)
          && json_node_get_value_type (x) == G_TYPE_STRING
          && JSON_NODE_HOLDS_VALUE (y)
          && json_node_get_value_type (y) == G_TYPE_STRING) {
        *left = g_strdup (json_node_get_string (x));
        *right = g_strdup (json_node_get_string (y));
        return TRUE;
      }
    }
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
               "%s: merges entry %u is neither \"a b\" nor [\"a\", \"b\"]",
               label, i);
  return FALSE;
}

static gboolean
parse_merges (LucidTokenizer *tok, JsonObject *o, const char *label,
              GError **error)
{
  BpeModel *bpe = &tok->bpe;
  JsonArray *arr = lucid_tokenizer_json_array (o, "merges", label, error);
  guint i, n;

  if (arr == NULL)
    return FALSE;
  n = json_array_get_length (arr);
  bpe->keys = g_new (guint64, n + 1);
  bpe->rank = g_new (guint32, n + 1);
  bpe->new_id = g_new (gint32, n + 1);
  bpe->merges = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (i = 0; i < n; i++) {
    g_autofree char *left = NULL, *right = NULL, *merged = NULL;
    gint32 a, b, m;

    if (!merge_parts (json_array_get_element (arr, i), i, &left, &right, label,
                      error))
      return FALSE;
    a = lucid_tokenizer_vocab_lookup (tok, left);
    b = lucid_tokenizer_vocab_lookup (tok, right);
    merged = g_strconcat (left, right, NULL);
    m = lucid_tokenizer_vocab_lookup (tok, merged);
    if (a < 0 || b < 0 || m < 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: merges entry %u: '%s' is not in the vocabulary", label,
                   i,
                   a < 0   ? left
                   : b < 0 ? right
                           : merged);
      return FALSE;
    }
    /* A repeated pair keeps its last rank, as tokenizers' HashMap. */
    bpe->keys[bpe->n_merges] = ((guint64)(guint32)a << 32) | (guint32)b;
    bpe->rank[bpe->n_merges] = i;
    bpe->new_id[bpe->n_merges] = m;
    g_hash_table_insert (bpe->merges, &bpe->keys[bpe->n_merges],
                         GUINT_TO_POINTER (bpe->n_merges + 1));
    bpe->n_merges++;
  }
  return TRUE;
}

/* model: {"type": "BPE", "dropout", "unk_token", "continuing_subword_prefix",
 * "end_of_word_suffix", "fuse_unk", "byte_fallback", "ignore_merges",
 * "vocab", "merges"} */
gboolean
lucid_tokenizer_bpe_parse_model (LucidTokenizer *tok, JsonObject *o,
                                 const char *label, GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: model", label);
  BpeModel *bpe = &tok->bpe;
  JsonObject *vocab;
  JsonNode *dropout;
  const char *s;
  gboolean byte_fallback;

  tok->model = LUCID_TOK_BPE;
  dropout = json_object_get_member (o, "dropout");
  if (dropout != NULL && !JSON_NODE_HOLDS_NULL (dropout))
    return unsupported (error, sub, "BPE dropout");
  if (!optional_string (o, "continuing_subword_prefix", &s, sub, error))
    return FALSE;
  if (s != NULL && *s != '\0')
    return unsupported (error, sub, "a BPE continuing_subword_prefix");
  if (!optional_string (o, "end_of_word_suffix", &s, sub, error))
    return FALSE;
  bpe->suffix = g_strdup (s ? s : "");
  if (!lucid_tokenizer_json_bool_default (o, "fuse_unk", FALSE, &bpe->fuse_unk,
                                          sub, error)
      || !lucid_tokenizer_json_bool_default (o, "byte_fallback", FALSE,
                                             &byte_fallback, sub, error)
      || !lucid_tokenizer_json_bool_default (o, "ignore_merges", FALSE,
                                             &bpe->ignore_merges, sub, error))
    return FALSE;
  if (byte_fallback)
    return unsupported (error, sub, "BPE byte_fallback");
  if (!lucid_tokenizer_json_object (o, "vocab", FALSE, &vocab, sub, error)
      || !lucid_tokenizer_json_parse_vocab (tok, vocab, sub, error)
      || !parse_merges (tok, o, sub, error))
    return FALSE;
  if (!optional_string (o, "unk_token", &s, sub, error))
    return FALSE;
  if (s != NULL) {
    tok->unk_token = g_strdup (s);
    tok->unk_id = lucid_tokenizer_vocab_lookup (tok, s);
    /* tokenizers fails at encode time when it needs an unk_token that the
     * vocabulary lacks; we refuse the file. */
    if (tok->unk_id < 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: unk_token '%s' is not in the vocabulary", sub, s);
      return FALSE;
    }
    bpe->has_unk = TRUE;
  }
  return TRUE;
}

/* normalizer: null, or one of NFC / Replace(\s+, " ") / Lowercase, or a
 * Sequence of them. */
static gboolean
parse_norm_node (LucidTokenizer *tok, JsonObject *o, const char *sub,
                 guint depth, GError **error)
{
  BpeModel *bpe = &tok->bpe;
  const char *type = lucid_json_get_string (o, "type", sub, error);
  BpeNormStep step;

  if (type == NULL)
    return FALSE;
  if (strcmp (type, "Sequence") == 0 && depth == 0) {
    JsonArray *arr = lucid_tokenizer_json_array (o, "normalizers", sub, error);
    guint i;

    if (arr == NULL)
      return FALSE;
    for (i = 0; i < json_array_get_length (arr); i++) {
      JsonNode *e = json_array_get_element (arr, i);

      if (!JSON_NODE_HOLDS_OBJECT (e)) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     "%s: Sequence entry %u is not an object", sub, i);
        return FALSE;
      }
      if (!parse_norm_node (tok, json_node_get_object (e), sub, depth + 1,
                            error))
        return FALSE;
    }
    return TRUE;
  }
  if (strcmp (type, "NFC") == 0) {
    step = BPE_NORM_NFC;
  } else if (strcmp (type, "Lowercase") == 0) {
    step = BPE_NORM_LOWERCASE;
  } else if (strcmp (type, "Replace") == 0) {
    JsonObject *pat;
    const char *re, *content;

    if (!lucid_tokenizer_json_object (o, "pattern", FALSE, &pat, sub, error)
        || (content = lucid_json_get_string (o, "content", sub, error)) == NULL)
      return FALSE;
    re = lucid_json_has (pat, "Regex")
             ? lucid_json_get_string (pat, "Regex", sub, NULL)
             : NULL;
    if (re == NULL || strcmp (re, "\\s+") != 0 || strcmp (content, " ") != 0)
      return unsupported (
          error, sub, "a Replace other than {\"Regex\": \"\\\\s+\"} → \" \"");
    step = BPE_NORM_WS_REPLACE;
  } else {
    g_autofree char *what = g_strdup_printf ("normalizer type '%s'", type);

    return unsupported (error, sub, what);
  }
  if (bpe->n_norm == BPE_MAX_STEPS) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: more than %d normalizers", sub, BPE_MAX_STEPS);
    return FALSE;
  }
  bpe->norm[bpe->n_norm++] = step;
  return TRUE;
}

gboolean
lucid_tokenizer_bpe_parse_normalizer (LucidTokenizer *tok, JsonObject *root,
                                      const char *label, GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: normalizer", label);
  JsonObject *o;

  tok->bpe.n_norm = 0;
  if (!lucid_tokenizer_json_object (root, "normalizer", TRUE, &o, label, error))
    return FALSE;
  return o == NULL || parse_norm_node (tok, o, sub, 0, error);
}

static gboolean
parse_pre_node (LucidTokenizer *tok, JsonObject *o, const char *sub,
                guint depth, GError **error)
{
  BpeModel *bpe = &tok->bpe;
  const char *type = lucid_json_get_string (o, "type", sub, error);
  BpePreStep step;

  if (type == NULL)
    return FALSE;
  if (strcmp (type, "Sequence") == 0 && depth == 0) {
    JsonArray *arr
        = lucid_tokenizer_json_array (o, "pretokenizers", sub, error);
    guint i;

    if (arr == NULL)
      return FALSE;
    for (i = 0; i < json_array_get_length (arr); i++) {
      JsonNode *e = json_array_get_element (arr, i);

      if (!JSON_NODE_HOLDS_OBJECT (e)) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     "%s: Sequence entry %u is not an object", sub, i);
        return FALSE;
      }
      if (!parse_pre_node (tok, json_node_get_object (e), sub, depth + 1,
                           error))
        return FALSE;
    }
    return TRUE;
  }
  if (strcmp (type, "Split") == 0) {
    JsonObject *pat;
    const char *re, *behavior;
    gboolean invert;

    if (!lucid_tokenizer_json_object (o, "pattern", FALSE, &pat, sub, error)
        || (behavior = lucid_json_get_string (o, "behavior", sub, error))
               == NULL
        || !lucid_tokenizer_json_bool_default (o, "invert", FALSE, &invert, sub,
                                               error))
      return FALSE;
    re = lucid_json_has (pat, "Regex")
             ? lucid_json_get_string (pat, "Regex", sub, NULL)
             : NULL;
    if (re == NULL || strcmp (behavior, "Removed") != 0 || !invert)
      return unsupported (error, sub,
                          "a Split other than CLIP's (Regex, Removed, invert)");
    if (strcmp (re, CLIP_PATTERN) == 0)
      step = BPE_PRE_CLIP_SPLIT;
    else if (strcmp (re, CLIP_SPECIALS CLIP_PATTERN) == 0)
      step = BPE_PRE_CLIP_SPLIT_SPECIALS;
    else
      return unsupported (error, sub, "a Split regex other than CLIP's");
  } else if (strcmp (type, "ByteLevel") == 0) {
    gboolean prefix, use_regex;

    if (!lucid_tokenizer_json_bool_default (o, "add_prefix_space", TRUE,
                                            &prefix, sub, error)
        || !lucid_tokenizer_json_bool_default (o, "use_regex", TRUE, &use_regex,
                                               sub, error))
      return FALSE;
    if (prefix)
      return unsupported (error, sub, "ByteLevel add_prefix_space");
    step = use_regex ? BPE_PRE_BYTELEVEL_REGEX : BPE_PRE_BYTELEVEL;
  } else {
    g_autofree char *what = g_strdup_printf ("pre_tokenizer type '%s'", type);

    return unsupported (error, sub, what);
  }
  if (bpe->n_pre == BPE_MAX_STEPS) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: more than %d pre-tokenizers", sub, BPE_MAX_STEPS);
    return FALSE;
  }
  bpe->pre[bpe->n_pre++] = step;
  return TRUE;
}

/* pre_tokenizer: CLIP's Split then ByteLevel (alone or in a Sequence);
 * ByteLevel must come last (it maps bytes to characters) and the Split
 * must be there (it removes whitespace, which is what makes the
 * post-processor's trim_offsets irrelevant). */
gboolean
lucid_tokenizer_bpe_parse_pre_tokenizer (LucidTokenizer *tok, JsonObject *root,
                                         const char *label, GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: pre_tokenizer", label);
  BpeModel *bpe = &tok->bpe;
  JsonObject *o;
  gboolean split = FALSE;
  guint i;

  bpe->n_pre = 0;
  if (!lucid_tokenizer_json_object (root, "pre_tokenizer", TRUE, &o, label,
                                    error))
    return FALSE;
  if (o != NULL && !parse_pre_node (tok, o, sub, 0, error))
    return FALSE;
  for (i = 0; i < bpe->n_pre; i++) {
    BpePreStep st = bpe->pre[i];

    if (st == BPE_PRE_CLIP_SPLIT || st == BPE_PRE_CLIP_SPLIT_SPECIALS)
      split = TRUE;
    else if (i + 1 != bpe->n_pre)
      return unsupported (error, sub, "a step after ByteLevel");
  }
  if (bpe->n_pre == 0 || !split
      || (bpe->pre[bpe->n_pre - 1] != BPE_PRE_BYTELEVEL
          && bpe->pre[bpe->n_pre - 1] != BPE_PRE_BYTELEVEL_REGEX))
    return unsupported (error, sub,
                        "a BPE pre_tokenizer other than CLIP's Split + "
                        "ByteLevel");
  return TRUE;
}
