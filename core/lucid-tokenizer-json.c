/* lucid-tokenizer-json.c — reading tokenizer.json: one parser per section
 * (model, normalizer, pre_tokenizer, post_processor, truncation and
 * padding, added_tokens), each refusing what Lucid does not run with a
 * message that names the file and the section.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* Member @key of @obj that must be an object (or null when @null_ok:
 * then *@out is NULL and TRUE is returned). */
gboolean
lucid_tokenizer_json_object (JsonObject *obj, const char *key, gboolean null_ok,
                             JsonObject **out, const char *label,
                             GError **error)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (null_ok)
      return TRUE;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING, "%s: %s '%s'", label,
                 node ? "null" : "missing", key);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: '%s' must be an object", label, key);
    return FALSE;
  }
  *out = json_node_get_object (node);
  return TRUE;
}

JsonArray *
lucid_tokenizer_json_array (JsonObject *obj, const char *key,
                            const char *label, GError **error)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  if (node == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING, "%s: missing '%s'",
                 label, key);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: '%s' must be an array", label, key);
    return NULL;
  }
  return json_node_get_array (node);
}

/* A required "type" string. */
static const char *
get_type (JsonObject *obj, const char *label, GError **error)
{
  return lucid_json_get_string (obj, "type", label, error);
}

/* A boolean member with a default when absent. */
gboolean
lucid_tokenizer_json_bool_default (JsonObject *obj, const char *key,
                                   gboolean dflt, gboolean *out,
                                   const char *label, GError **error)
{
  if (!lucid_json_has (obj, key)) {
    *out = dflt;
    return TRUE;
  }
  return lucid_json_get_bool (obj, key, out, label, error);
}

/* ------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------ */

/* "vocab": {"token": id, ...}; ids must be distinct non-negative
 * integers. */
gboolean
lucid_tokenizer_json_parse_vocab (LucidTokenizer *tok, JsonObject *vocab,
                                  const char *label, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  JsonObjectIter iter;
  const char *token;
  JsonNode *node;

  json_object_iter_init (&iter, vocab);
  while (json_object_iter_next (&iter, &token, &node)) {
    gint64 id;
    const char *other;

    if (!lucid_json_node_is_sane_int (node)
        || (id = json_node_get_int (node)) < 0 || id > MAX_ID) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: the id of vocabulary token '%s' is not an integer in "
                   "[0, %d]",
                   label, token, MAX_ID);
      return FALSE;
    }
    if (g_hash_table_lookup_extended (seen, GINT_TO_POINTER ((gint)id), NULL,
                                      (gpointer *)&other)) {
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: vocabulary tokens '%s' and '%s' share the id %" G_GINT64_FORMAT,
          label, other, token, id);
      return FALSE;
    }
    g_hash_table_insert (seen, GINT_TO_POINTER ((gint)id), (gpointer)token);
    lucid_tokenizer_vocab_insert (tok, g_strdup (token), (gint32)id);
  }
  return TRUE;
}

/* tokenizer.json "added_tokens": [{"id", "content", "single_word",
 * "lstrip", "rstrip", "normalized", "special"}, ...].  As upstream, the
 * listed id is not trusted: ids come from lucid_tokenizer_add_token(). */
static gboolean
parse_added_tokens (LucidTokenizer *tok, JsonObject *root, const char *label,
                    GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: added_tokens", label);
  JsonNode *node = json_object_get_member (root, "added_tokens");
  JsonArray *arr;
  guint i, n;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: 'added_tokens' must be an array", label);
    return FALSE;
  }
  arr = json_node_get_array (node);
  n = json_array_get_length (arr);
  for (i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (arr, i);
    JsonObject *o;
    const char *content;
    gboolean special, single_word, lstrip, rstrip, normalized;

    if (!JSON_NODE_HOLDS_OBJECT (e)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: entry %u is not an object", sub, i);
      return FALSE;
    }
    o = json_node_get_object (e);
    content = lucid_json_get_string (o, "content", sub, error);
    if (content == NULL)
      return FALSE;
    if (!lucid_tokenizer_json_bool_default (o, "special", FALSE, &special, sub,
                                            error)
        || !lucid_tokenizer_json_bool_default (o, "single_word", FALSE,
                                               &single_word, sub, error)
        || !lucid_tokenizer_json_bool_default (o, "lstrip", FALSE, &lstrip, sub,
                                               error)
        || !lucid_tokenizer_json_bool_default (o, "rstrip", FALSE, &rstrip, sub,
                                               error)
        || !lucid_tokenizer_json_bool_default (o, "normalized", !special,
                                               &normalized, sub, error))
      return FALSE;
    lucid_tokenizer_add_token (tok, content, special, single_word, lstrip,
                               rstrip, normalized);
  }
  return TRUE;
}

static gboolean
parse_normalizer (LucidTokenizer *tok, JsonObject *root, const char *label,
                  GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: normalizer", label);
  JsonObject *o;
  const char *type;
  JsonNode *sa;

  if (!lucid_tokenizer_json_object (root, "normalizer", TRUE, &o, label, error))
    return FALSE;
  if (o == NULL) {
    tok->normalize = FALSE;
    return TRUE;
  }
  if ((type = get_type (o, sub, error)) == NULL)
    return FALSE;
  if (strcmp (type, "BertNormalizer") != 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: normalizer type '%s' is not supported (Lucid runs "
                 "BertNormalizer)",
                 label, type);
    return FALSE;
  }
  tok->normalize = TRUE;
  /* tokenizers requires these three; strip_accents may be absent or null,
   * and then follows lowercase (as in the original BERT). */
  if (!lucid_json_get_bool (o, "clean_text", &tok->clean_text, sub, error)
      || !lucid_json_get_bool (o, "handle_chinese_chars", &tok->handle_cjk, sub,
                               error)
      || !lucid_json_get_bool (o, "lowercase", &tok->lowercase, sub, error))
    return FALSE;
  sa = json_object_get_member (o, "strip_accents");
  if (sa == NULL || JSON_NODE_HOLDS_NULL (sa))
    tok->strip_accents = tok->lowercase;
  else if (!lucid_json_get_bool (o, "strip_accents", &tok->strip_accents, sub,
                                 error))
    return FALSE;
  return TRUE;
}

/* One pre-tokenizer (recursing into Sequence): each sets split flags. */
static gboolean
parse_pre_tokenizer_node (LucidTokenizer *tok, JsonObject *o, const char *label,
                          guint depth, GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: pre_tokenizer", label);
  const char *type = get_type (o, sub, error);

  if (type == NULL)
    return FALSE;
  if (strcmp (type, "BertPreTokenizer") == 0) {
    tok->split_whitespace = tok->split_punct = TRUE;
  } else if (strcmp (type, "WhitespaceSplit") == 0) {
    tok->split_whitespace = TRUE;
  } else if (strcmp (type, "Punctuation") == 0) {
    const char *behavior = "Isolated";

    if (lucid_json_has (o, "behavior")
        && (behavior = lucid_json_get_string (o, "behavior", sub, error))
               == NULL)
      return FALSE;
    if (strcmp (behavior, "Isolated") != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: Punctuation behavior '%s' is not supported (Lucid runs "
                   "'Isolated')",
                   sub, behavior);
      return FALSE;
    }
    tok->split_punct = TRUE;
  } else if (strcmp (type, "Sequence") == 0 && depth < 4) {
    /* Whitespace removal and punctuation isolation commute (no character
     * is both), so any sequence of them equals BertPreTokenizer's. */
    JsonArray *arr = lucid_tokenizer_json_array (o, "pretokenizers", sub, error);
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
      if (!parse_pre_tokenizer_node (tok, json_node_get_object (e), label,
                                     depth + 1, error))
        return FALSE;
    }
  } else {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: pre_tokenizer type '%s' is not supported (Lucid runs "
        "BertPreTokenizer, WhitespaceSplit, Punctuation and Sequences of "
        "them)",
        label, type);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_pre_tokenizer (LucidTokenizer *tok, JsonObject *root, const char *label,
                     GError **error)
{
  JsonObject *o;

  if (!lucid_tokenizer_json_object (root, "pre_tokenizer", TRUE, &o, label,
                                    error))
    return FALSE;
  tok->split_whitespace = tok->split_punct = FALSE;
  if (o == NULL)
    return TRUE;
  return parse_pre_tokenizer_node (tok, o, label, 0, error);
}

static gboolean
parse_model (LucidTokenizer *tok, JsonObject *root, const char *label,
             GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: model", label);
  JsonObject *o, *vocab;
  const char *s;
  gint64 max_chars;

  if (!lucid_tokenizer_json_object (root, "model", FALSE, &o, label, error))
    return FALSE;
  if (lucid_json_has (o, "type")) {
    if ((s = get_type (o, sub, error)) == NULL)
      return FALSE;
    if (strcmp (s, "WordPiece") != 0) {
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: model type '%s' is not supported (Lucid runs WordPiece and "
          "CLIP's byte-level BPE)",
          label,
          s);
      return FALSE;
    }
  } else if (!lucid_json_has (o, "max_input_chars_per_word")) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: model has no 'type' and is not a WordPiece model", label);
    return FALSE;
  }

  if ((s = lucid_json_get_string (o, "unk_token", sub, error)) == NULL)
    return FALSE;
  tok->unk_token = g_strdup (s);
  if ((s = lucid_json_get_string (o, "continuing_subword_prefix", sub, error))
      == NULL)
    return FALSE;
  tok->prefix = g_strdup (s);
  tok->prefix_len = strlen (s);
  if (!lucid_json_get_int (o, "max_input_chars_per_word", 0, G_MAXINT64,
                           &max_chars, sub, error))
    return FALSE;
  tok->max_input_chars = (guint64)max_chars;

  if (!lucid_tokenizer_json_object (o, "vocab", FALSE, &vocab, sub, error))
    return FALSE;
  if (!lucid_tokenizer_json_parse_vocab (tok, vocab, sub, error))
    return FALSE;
  tok->unk_id = lucid_tokenizer_vocab_lookup (tok, tok->unk_token);
  if (tok->unk_id < 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: unk_token '%s' is not in the vocabulary", sub,
                 tok->unk_token);
    return FALSE;
  }
  return TRUE;
}

static void
template_append (Template *t, ItemKind kind, gint32 type_id, const gint32 *ids,
                 guint n_ids)
{
  TemplateItem *it;

  t->items = g_renew (TemplateItem, t->items, t->n_items + 1);
  it = &t->items[t->n_items++];
  it->kind = kind;
  it->type_id = type_id;
  it->ids = n_ids ? g_memdup2 (ids, n_ids * sizeof (gint32)) : NULL;
  it->n_ids = n_ids;
  t->n_special_ids += n_ids;
}

/* The BERT template around given [CLS] / [SEP] ids. */
void
lucid_tokenizer_set_bert_templates (LucidTokenizer *tok, gint32 cls, gint32 sep)
{
  lucid_tokenizer_template_clear (&tok->single);
  lucid_tokenizer_template_clear (&tok->pair);
  template_append (&tok->single, ITEM_SPECIAL, 0, &cls, 1);
  template_append (&tok->single, ITEM_SEQUENCE_A, 0, NULL, 0);
  template_append (&tok->single, ITEM_SPECIAL, 0, &sep, 1);
  template_append (&tok->pair, ITEM_SPECIAL, 0, &cls, 1);
  template_append (&tok->pair, ITEM_SEQUENCE_A, 0, NULL, 0);
  template_append (&tok->pair, ITEM_SPECIAL, 0, &sep, 1);
  template_append (&tok->pair, ITEM_SEQUENCE_B, 1, NULL, 0);
  template_append (&tok->pair, ITEM_SPECIAL, 1, &sep, 1);
  tok->cls_id = cls;
  tok->sep_id = sep;
}

/* "single" or "pair" of TemplateProcessing: [{"SpecialToken": {"id",
 * "type_id"}} | {"Sequence": {"id": "A"|"B", "type_id"}}, ...]. */
static gboolean
parse_template (Template *t, JsonObject *pp, const char *key,
                JsonObject *specials, gboolean is_pair, const char *label,
                GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: post_processor.%s", label, key);
  JsonArray *arr = lucid_tokenizer_json_array (pp, key, sub, error);
  guint i, n_a = 0, n_b = 0;

  if (arr == NULL)
    return FALSE;
  for (i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *e = json_array_get_element (arr, i);
    JsonObject *item, *body;
    const char *id;
    gint64 type_id;
    gboolean special;

    if (!JSON_NODE_HOLDS_OBJECT (e)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: entry %u is not an object", sub, i);
      return FALSE;
    }
    item = json_node_get_object (e);
    special = lucid_json_has (item, "SpecialToken");
    if (json_object_get_size (item) != 1
        || !lucid_tokenizer_json_object (item,
                                         special ? "SpecialToken" : "Sequence",
                                         FALSE, &body, sub, NULL)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: entry %u is neither {\"SpecialToken\": {...}} nor "
                   "{\"Sequence\": {...}}",
                   sub, i);
      return FALSE;
    }
    if ((id = lucid_json_get_string (body, "id", sub, error)) == NULL
        || !lucid_json_get_int (body, "type_id", 0, MAX_ID, &type_id, sub,
                                error))
      return FALSE;

    if (special) {
      g_autofree char *ssub = NULL;
      JsonObject *st;
      JsonArray *ids;
      g_autofree gint32 *v = NULL;
      guint k, n;

      if (!lucid_tokenizer_json_object (specials, id, FALSE, &st, sub, NULL)) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     "%s: special token '%s' is not defined in special_tokens",
                     sub, id);
        return FALSE;
      }
      ssub
          = g_strdup_printf ("%s: post_processor.special_tokens.%s", label, id);
      if ((ids = lucid_tokenizer_json_array (st, "ids", ssub, error)) == NULL)
        return FALSE;
      n = json_array_get_length (ids);
      v = g_new (gint32, n + 1);
      for (k = 0; k < n; k++) {
        JsonNode *x = json_array_get_element (ids, k);

        if (!lucid_json_node_is_sane_int (x) || json_node_get_int (x) < 0
            || json_node_get_int (x) > MAX_ID) {
          g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                       "%s: ids must be integers in [0, %d]", ssub, MAX_ID);
          return FALSE;
        }
        v[k] = (gint32)json_node_get_int (x);
      }
      template_append (t, ITEM_SPECIAL, (gint32)type_id, v, n);
    } else if (strcmp (id, "A") == 0) {
      template_append (t, ITEM_SEQUENCE_A, (gint32)type_id, NULL, 0);
      n_a++;
    } else if (strcmp (id, "B") == 0) {
      template_append (t, ITEM_SEQUENCE_B, (gint32)type_id, NULL, 0);
      n_b++;
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: Sequence id must be \"A\" or \"B\", found \"%s\"", sub,
                   id);
      return FALSE;
    }
  }
  if (n_a != 1 || n_b != (is_pair ? 1u : 0u)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: the template must hold %s", sub,
                 is_pair ? "$A and $B once each" : "$A once and no $B");
    return FALSE;
  }
  return TRUE;
}

/* cls / sep ids: the first special token before $A and after it. */
static void
template_find_cls_sep (LucidTokenizer *tok)
{
  gboolean after_a = FALSE;
  guint i;

  tok->cls_id = tok->sep_id = -1;
  for (i = 0; i < tok->single.n_items; i++) {
    const TemplateItem *it = &tok->single.items[i];

    if (it->kind == ITEM_SEQUENCE_A)
      after_a = TRUE;
    else if (it->kind == ITEM_SPECIAL && it->n_ids > 0) {
      if (!after_a && tok->cls_id < 0)
        tok->cls_id = it->ids[0];
      else if (after_a && tok->sep_id < 0)
        tok->sep_id = it->ids[0];
    }
  }
}

/* [string, id] of BertProcessing. */
static gboolean
parse_bert_processing_pair (JsonObject *o, const char *key, gint32 *id,
                            const char *label, GError **error)
{
  JsonArray *arr = lucid_tokenizer_json_array (o, key, label, error);
  JsonNode *x;

  if (arr == NULL)
    return FALSE;
  if (json_array_get_length (arr) != 2
      || !lucid_json_node_is_sane_int (x = json_array_get_element (arr, 1))
      || json_node_get_int (x) < 0 || json_node_get_int (x) > MAX_ID) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: '%s' must be [token, id] with an id in [0, %d]", label,
                 key, MAX_ID);
    return FALSE;
  }
  *id = (gint32)json_node_get_int (x);
  return TRUE;
}

static gboolean
parse_post_processor (LucidTokenizer *tok, JsonObject *root, const char *label,
                      GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: post_processor", label);
  JsonObject *o, *specials;
  const char *type;

  lucid_tokenizer_template_clear (&tok->single);
  lucid_tokenizer_template_clear (&tok->pair);
  if (!lucid_tokenizer_json_object (root, "post_processor", TRUE, &o, label,
                                    error))
    return FALSE;
  if (o == NULL) {
    /* No post-processor: A, or A then B with type id 1. */
    template_append (&tok->single, ITEM_SEQUENCE_A, 0, NULL, 0);
    template_append (&tok->pair, ITEM_SEQUENCE_A, 0, NULL, 0);
    template_append (&tok->pair, ITEM_SEQUENCE_B, 1, NULL, 0);
    return TRUE;
  }
  if ((type = get_type (o, sub, error)) == NULL)
    return FALSE;
  if (strcmp (type, "TemplateProcessing") == 0) {
    if (!lucid_tokenizer_json_object (o, "special_tokens", FALSE, &specials,
                                      sub, error)
        || !parse_template (&tok->single, o, "single", specials, FALSE, label,
                            error)
        || !parse_template (&tok->pair, o, "pair", specials, TRUE, label,
                            error))
      return FALSE;
    template_find_cls_sep (tok);
    return TRUE;
  }
  if (strcmp (type, "RobertaProcessing") == 0) {
    gint32 cls, sep;

    /* <s> A </s> and <s> A </s> </s> B </s>, every type id 0 (trimming
     * offsets is moot: CLIP's pre-tokenizer leaves no whitespace in a
     * token, see lucid-tokenizer-bpe-json.c). */
    if (!parse_bert_processing_pair (o, "cls", &cls, sub, error)
        || !parse_bert_processing_pair (o, "sep", &sep, sub, error))
      return FALSE;
    if (tok->model != LUCID_TOK_BPE) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: RobertaProcessing is supported with a BPE model only",
                   sub);
      return FALSE;
    }
    template_append (&tok->single, ITEM_SPECIAL, 0, &cls, 1);
    template_append (&tok->single, ITEM_SEQUENCE_A, 0, NULL, 0);
    template_append (&tok->single, ITEM_SPECIAL, 0, &sep, 1);
    template_append (&tok->pair, ITEM_SPECIAL, 0, &cls, 1);
    template_append (&tok->pair, ITEM_SEQUENCE_A, 0, NULL, 0);
    template_append (&tok->pair, ITEM_SPECIAL, 0, &sep, 1);
    template_append (&tok->pair, ITEM_SPECIAL, 0, &sep, 1);
    template_append (&tok->pair, ITEM_SEQUENCE_B, 0, NULL, 0);
    template_append (&tok->pair, ITEM_SPECIAL, 0, &sep, 1);
    tok->cls_id = cls;
    tok->sep_id = sep;
    return TRUE;
  }
  if (strcmp (type, "BertProcessing") == 0) {
    gint32 cls, sep;

    if (!parse_bert_processing_pair (o, "cls", &cls, sub, error)
        || !parse_bert_processing_pair (o, "sep", &sep, sub, error))
      return FALSE;
    lucid_tokenizer_set_bert_templates (tok, cls, sep);
    return TRUE;
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "%s: post_processor type '%s' is not supported (Lucid runs "
               "TemplateProcessing, BertProcessing and RobertaProcessing)",
               label, type);
  return FALSE;
}

/* "truncation": null | {"max_length", "strategy", "stride", "direction"}.
 * Only max_length is kept: it is what the bare `tokenizers` library
 * truncates to by default (sentence-transformers saves its max_seq_length
 * there).  lucid_tokenizer_encode() always truncates longest_first from the
 * right, to the max_length its caller passes. */
static gboolean
parse_truncation_and_padding (LucidTokenizer *tok, JsonObject *root,
                              const char *label, GError **error)
{
  g_autofree char *tsub = g_strdup_printf ("%s: truncation", label);
  g_autofree char *psub = g_strdup_printf ("%s: padding", label);
  JsonObject *o;
  gint64 v;

  if (!lucid_tokenizer_json_object (root, "truncation", TRUE, &o, label, error))
    return FALSE;
  if (o != NULL) {
    if (!lucid_json_get_int (o, "max_length", 0, G_MAXINT64, &v, tsub, error))
      return FALSE;
    tok->truncation_max_length = (guint)MIN (v, (gint64)G_MAXUINT);
  }
  if (!lucid_tokenizer_json_object (root, "padding", TRUE, &o, label, error))
    return FALSE;
  if (o != NULL && lucid_json_has (o, "pad_id")) {
    if (!lucid_json_get_int (o, "pad_id", 0, MAX_ID, &v, psub, error))
      return FALSE;
    tok->pad_id = (gint32)v;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------------ */

/* Whether "model" is {"type": "BPE", ...} (errors are left to the
 * WordPiece parser, which names them). */
static gboolean
is_bpe_model (JsonObject *root)
{
  JsonNode *m = json_object_get_member (root, "model"), *t;

  if (m == NULL || !JSON_NODE_HOLDS_OBJECT (m))
    return FALSE;
  t = json_object_get_member (json_node_get_object (m), "type");
  return t != NULL && JSON_NODE_HOLDS_VALUE (t)
         && json_node_get_value_type (t) == G_TYPE_STRING
         && strcmp (json_node_get_string (t), "BPE") == 0;
}

/* A tokenizer from a parsed tokenizer.json; @c names the special tokens
 * that tokenizer.json leaves out. */
LucidTokenizer *
lucid_tokenizer_from_json_root (JsonNode *root_node, const char *label,
                                const ConfigFiles *c, GError **error)
{
  g_autoptr (LucidTokenizer) tok = lucid_tokenizer_new_empty (label);
  JsonObject *root;

  if (!JSON_NODE_HOLDS_OBJECT (root_node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: the document is not a JSON object", label);
    return NULL;
  }
  root = json_node_get_object (root_node);
  if (lucid_json_has (root, "version")) {
    const char *version = lucid_json_get_string (root, "version", label, error);

    if (version == NULL)
      return NULL;
    if (strcmp (version, "1.0") != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: unknown tokenizer version '%s' (expected \"1.0\")",
                   label, version);
      return NULL;
    }
  }
  if (is_bpe_model (root)) {
    JsonObject *model = json_object_get_object_member (root, "model");

    if (!lucid_tokenizer_bpe_parse_model (tok, model, label, error)
        || !lucid_tokenizer_bpe_parse_normalizer (tok, root, label, error)
        || !lucid_tokenizer_bpe_parse_pre_tokenizer (tok, root, label, error))
      return NULL;
  } else if (!parse_model (tok, root, label, error)
             || !parse_normalizer (tok, root, label, error)
             || !parse_pre_tokenizer (tok, root, label, error))
    return NULL;
  if (!parse_post_processor (tok, root, label, error)
      || !parse_truncation_and_padding (tok, root, label, error)
      || !parse_added_tokens (tok, root, label, error))
    return NULL;
  lucid_tokenizer_finish_tokens (tok);
  if (tok->model == LUCID_TOK_BPE)
    lucid_tokenizer_bpe_finish (tok);
  if (tok->pad_id < 0) /* no "padding" section */
    tok->pad_id = lucid_tokenizer_token_to_id (
        tok, lucid_tokenizer_config_special (c, "pad_token", "[PAD]"));
  tok->mask_id = lucid_tokenizer_token_to_id (
      tok, lucid_tokenizer_config_special (c, "mask_token", "[MASK]"));
  if (tok->cls_id < 0) /* no template */
    tok->cls_id = lucid_tokenizer_token_to_id (
        tok, lucid_tokenizer_config_special (c, "cls_token", "[CLS]"));
  if (tok->sep_id < 0)
    tok->sep_id = lucid_tokenizer_token_to_id (
        tok, lucid_tokenizer_config_special (c, "sep_token", "[SEP]"));
  return g_steal_pointer (&tok);
}

LucidTokenizer *
lucid_tokenizer_new_from_json (const char *data, gsize len, const char *label,
                               GError **error)
{
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (label == NULL)
    label = "tokenizer.json";
  root = lucid_json_parse_data (data ? data : "", len, label, error);
  if (root == NULL)
    return NULL;
  {
    ConfigFiles none = { NULL, NULL, NULL };

    return lucid_tokenizer_from_json_root (root, label, &none, error);
  }
}
