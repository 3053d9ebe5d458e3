/* lucid-tokenizer-load.c — loading a tokenizer from a model directory:
 * tokenizer.json (read by lucid-tokenizer-json.c), or else vocab.txt with
 * tokenizer_config.json the way transformers' BertTokenizer builds it; and
 * what every loader fills in: the vocabulary, the added tokens with their
 * matchers, the id table, and the special tokens named in
 * tokenizer_config.json / special_tokens_map.json.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

/* tokenizer_config.json "model_max_length" above this is a placeholder. */
#define SANE_MAX_LENGTH 1000000

/* ------------------------------------------------------------------------
 * Loading: vocabulary, added tokens, id table
 * ------------------------------------------------------------------------ */

/* Adds @token → @id to the WordPiece vocabulary; @token is stolen. */
void
lucid_tokenizer_vocab_insert (LucidTokenizer *tok, char *token, gint32 id)
{
  if (!g_hash_table_contains (tok->vocab, token))
    tok->vocab_count++;
  tok->max_token_bytes = MAX (tok->max_token_bytes, strlen (token));
  g_hash_table_insert (tok->vocab, token, GUINT_TO_POINTER ((guint)id + 1));
}

/* AddedVocabulary::add_tokens for one token: an existing added token keeps
 * its id (and takes the new options), a token of the model vocabulary gets
 * the model's id, anything else the next id after the model's. */
void
lucid_tokenizer_add_token (LucidTokenizer *tok, const char *content,
                           gboolean special, gboolean single_word,
                           gboolean lstrip, gboolean rstrip,
                           gboolean normalized)
{
  gpointer v;
  AddedToken *at;

  if (content == NULL || content[0] == '\0')
    return;
  v = g_hash_table_lookup (tok->added_map, content);
  if (v != NULL) {
    at = &tok->added[GPOINTER_TO_UINT (v) - 1];
  } else {
    gint32 id = lucid_tokenizer_vocab_lookup (tok, content);

    if (id < 0) {
      gint32 max_added = -1;
      guint i;

      for (i = 0; i < tok->n_added; i++)
        max_added = MAX (max_added, tok->added[i].id);
      if (max_added >= 0
          && ((guint)max_added >= tok->vocab_count || tok->vocab_count == 0))
        id = max_added == MAX_ID ? MAX_ID : max_added + 1;
      else
        id = (gint32)MIN (tok->vocab_count, (guint)MAX_ID);
    }
    tok->added = g_renew (AddedToken, tok->added, tok->n_added + 1);
    at = &tok->added[tok->n_added];
    memset (at, 0, sizeof (*at));
    at->content = g_strdup (content);
    at->len = strlen (content);
    at->id = id;
    at->order = tok->n_added;
    tok->n_added++;
    /* added[] moved: rebuild the map's borrowed keys. */
    g_hash_table_remove_all (tok->added_map);
    for (guint i = 0; i < tok->n_added; i++)
      g_hash_table_insert (tok->added_map, tok->added[i].content,
                           GUINT_TO_POINTER (i + 1));
  }
  at->special = at->special || special;
  at->single_word = single_word;
  at->lstrip = lstrip;
  at->rstrip = rstrip;
  at->normalized = normalized;
}

static void
build_matcher (LucidTokenizer *tok, Matcher *m, gboolean normalized)
{
  guint counts[257] = { 0 };
  guint *order, i, n = 0, b;

  /* Pattern order breaks ties between equal matches: specials first, then
   * the others, each in the order they were added (AddedVocabulary). */
  order = g_new (guint, tok->n_added + 1);
  for (i = 0; i < tok->n_added; i++)
    if (tok->added[i].special)
      order[n++] = i;
  for (i = 0; i < tok->n_added; i++)
    if (!tok->added[i].special)
      order[n++] = i;

  m->idx = g_new (guint, tok->n_added + 1);
  for (i = 0; i < n; i++) {
    const AddedToken *at = &tok->added[order[i]];

    if (at->normalized != normalized || (normalized && at->norm_len == 0))
      continue;
    counts[(guchar)(normalized ? at->norm[0] : at->content[0])]++;
  }
  m->first[0] = 0;
  for (b = 0; b < 256; b++)
    m->first[b + 1] = m->first[b] + counts[b];
  memset (counts, 0, sizeof (counts));
  for (i = 0; i < n; i++) {
    const AddedToken *at = &tok->added[order[i]];
    guint byte;

    if (at->normalized != normalized || (normalized && at->norm_len == 0))
      continue;
    byte = (guchar)(normalized ? at->norm[0] : at->content[0]);
    m->idx[m->first[byte] + counts[byte]++] = order[i];
  }
  m->any = m->first[256] > 0;
  g_free (order);
}

/* Once the vocabulary, added tokens and normalizer are known. */
void
lucid_tokenizer_finish_tokens (LucidTokenizer *tok)
{
  GHashTableIter iter;
  gpointer key, value;
  guint i;

  for (i = 0; i < tok->n_added; i++) {
    AddedToken *at = &tok->added[i];

    g_clear_pointer (&at->norm, g_free);
    at->norm_len = 0;
    if (at->normalized) {
      at->norm = lucid_tokenizer_normalize (tok, at->content, at->len);
      at->norm_len = strlen (at->norm);
    }
  }
  g_free (tok->raw_matcher.idx);
  g_free (tok->norm_matcher.idx);
  build_matcher (tok, &tok->raw_matcher, FALSE);
  build_matcher (tok, &tok->norm_matcher, TRUE);

  if (tok->id_to_token)
    g_hash_table_unref (tok->id_to_token);
  tok->id_to_token = g_hash_table_new (NULL, NULL);
  tok->max_id = -1;
  g_hash_table_iter_init (&iter, tok->vocab);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gint32 id = (gint32)(GPOINTER_TO_UINT (value) - 1);

    g_hash_table_insert (tok->id_to_token, GINT_TO_POINTER (id), key);
    tok->max_id = MAX (tok->max_id, id);
  }
  for (i = 0; i < tok->n_added; i++) {
    g_hash_table_insert (tok->id_to_token, GINT_TO_POINTER (tok->added[i].id),
                         tok->added[i].content);
    tok->max_id = MAX (tok->max_id, tok->added[i].id);
  }
}

/* ------------------------------------------------------------------------
 * Loading: special tokens named by tokenizer_config.json and
 * special_tokens_map.json
 * ------------------------------------------------------------------------ */

/* A special-token entry of tokenizer_config.json / special_tokens_map.json:
 * "[CLS]" or {"content": "[CLS]", ...}. NULL when absent or null. */
static const char *
special_token_content (JsonObject *obj, const char *key)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonNode *c
        = json_object_get_member (json_node_get_object (node), "content");

    if (c && JSON_NODE_HOLDS_VALUE (c)
        && json_node_get_value_type (c) == G_TYPE_STRING)
      return json_node_get_string (c);
  }
  return NULL;
}

static void
config_files_clear (ConfigFiles *c)
{
  g_clear_pointer (&c->config, json_node_unref);
  g_clear_pointer (&c->special_map, json_node_unref);
  g_clear_pointer (&c->config_path, g_free);
}

static JsonObject *
node_object (JsonNode *n)
{
  return n ? json_node_get_object (n) : NULL;
}

/* A special token's name: tokenizer_config.json, then
 * special_tokens_map.json, then BERT's default. */
const char *
lucid_tokenizer_config_special (const ConfigFiles *c, const char *key,
                                const char *dflt)
{
  const char *s = special_token_content (node_object (c->config), key);

  if (s == NULL)
    s = special_token_content (node_object (c->special_map), key);
  return s ? s : dflt;
}

/* ------------------------------------------------------------------------
 * Loading: tokenizer_config.json, special_tokens_map.json, vocab.txt
 * ------------------------------------------------------------------------ */

/* Parses @name in @dir when it exists; it must hold an object. */
static gboolean
read_optional_object (const char *dir, const char *name, JsonNode **out,
                      char **path_out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  JsonNode *node;

  *out = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  node = lucid_json_parse_file (path, error);
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: the document is not a JSON object", path);
    json_node_unref (node);
    return FALSE;
  }
  *out = node;
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return TRUE;
}

/* model_max_length when tokenizer_config.json has the key: a sane integer,
 * or 0 for anything else (transformers writes int(1e30) for "no limit"). */
static void
apply_config_max_length (LucidTokenizer *tok, const ConfigFiles *c)
{
  JsonObject *cfg = node_object (c->config);
  gint64 v;

  if (!lucid_json_has (cfg, "model_max_length"))
    return;
  tok->has_config_max_length = TRUE;
  tok->model_max_length = lucid_json_get_int (cfg, "model_max_length", 1,
                                              SANE_MAX_LENGTH, &v, NULL, NULL)
                              ? (guint)v
                              : 0;
}

/* vocab.txt as transformers' load_vocab reads it: one token per line (\n,
 * \r\n or \r), nothing else stripped, the id is the line number, a
 * repeated token keeps its last line. */
static gboolean
load_vocab_txt (LucidTokenizer *tok, const char *path, GError **error)
{
  g_autoptr (GError) read_error = NULL;
  g_autofree char *data = NULL;
  const char *bad;
  gsize len, p = 0;
  gint32 line = 0;

  if (!g_file_get_contents (path, &data, &len, &read_error)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: cannot read: %s",
                 path, read_error->message);
    return FALSE;
  }
  if (!g_utf8_validate_len (data, len, &bad)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: invalid UTF-8 (or a NUL byte) at offset %" G_GSIZE_FORMAT,
                 path, (gsize)(bad - data));
    return FALSE;
  }
  while (p < len) {
    gsize q = p;

    while (q < len && data[q] != '\n' && data[q] != '\r')
      q++;
    if (line == MAX_ID) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s: too many lines",
                   path);
      return FALSE;
    }
    lucid_tokenizer_vocab_insert (tok, g_strndup (data + p, q - p), line++);
    if (q + 1 < len && data[q] == '\r' && data[q + 1] == '\n')
      q++;
    p = q + 1;
  }
  return TRUE;
}

static gboolean
config_bool (JsonObject *cfg, const char *key, gboolean dflt, gboolean *out,
             const char *label, GError **error)
{
  JsonNode *n = cfg ? json_object_get_member (cfg, key) : NULL;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n)) {
    *out = dflt;
    return TRUE;
  }
  return lucid_json_get_bool (cfg, key, out, label, error);
}

typedef struct {
  gint64 id;
  const char *key;
} DecoderEntry;

static gint
compare_decoder_entries (gconstpointer a, gconstpointer b)
{
  gint64 x = ((const DecoderEntry *)a)->id, y = ((const DecoderEntry *)b)->id;

  return x < y ? -1 : x > y;
}

/* tokenizer_config.json "added_tokens_decoder": {"id": {"content",
 * "single_word", "lstrip", "rstrip", "normalized", "special"}}, added in id
 * order with their options. */
static gboolean
add_tokens_decoder (LucidTokenizer *tok, JsonObject *cfg, const char *label,
                    GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: added_tokens_decoder", label);
  g_autoptr (GArray) entries
      = g_array_new (FALSE, FALSE, sizeof (DecoderEntry));
  g_autoptr (GList) members = NULL;
  JsonObject *dec = NULL;
  GList *l;
  guint i;

  if (!lucid_tokenizer_json_object (cfg, "added_tokens_decoder", TRUE, &dec,
                                    label, error))
    return FALSE;
  if (dec == NULL)
    return TRUE;
  members = json_object_get_members (dec);
  for (l = members; l; l = l->next) {
    DecoderEntry e;
    char *end;

    e.key = l->data;
    e.id = g_ascii_strtoll (e.key, &end, 10);
    if (*end != '\0' || end == e.key || e.id < 0 || e.id > MAX_ID) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: key '%s' is not a token id", sub, e.key);
      return FALSE;
    }
    g_array_append_val (entries, e);
  }
  g_array_sort (entries, compare_decoder_entries);
  for (i = 0; i < entries->len; i++) {
    const char *key = g_array_index (entries, DecoderEntry, i).key;
    JsonObject *o;
    const char *content;
    gboolean special, single_word, lstrip, rstrip, normalized;

    if (!lucid_tokenizer_json_object (dec, key, FALSE, &o, sub, error))
      return FALSE;
    if ((content = lucid_json_get_string (o, "content", sub, error)) == NULL
        || !lucid_tokenizer_json_bool_default (o, "special", FALSE, &special,
                                               sub, error)
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

/* BertTokenizer (transformers 5: a `tokenizers` pipeline built from
 * vocab.txt) with tokenizer_config.json's options. */
static LucidTokenizer *
load_from_vocab_txt (const char *vocab_path, const ConfigFiles *c,
                     GError **error)
{
  g_autoptr (LucidTokenizer) tok = lucid_tokenizer_new_empty (vocab_path);
  JsonObject *cfg = node_object (c->config);
  const char *label = c->config_path ? c->config_path : vocab_path;
  static const char *const keys[]
      = { "unk_token", "sep_token", "pad_token", "cls_token", "mask_token" };
  static const char *const dflts[]
      = { "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]" };
  const char *cls, *sep;
  JsonNode *sa;
  guint i;

  if (lucid_json_has (cfg, "tokenizer_class")) {
    const char *klass
        = lucid_json_get_string (cfg, "tokenizer_class", label, error);
    static const char *const ok[]
        = { "BertTokenizer",       "BertTokenizerFast",
            "DistilBertTokenizer", "DistilBertTokenizerFast",
            "ElectraTokenizer",    "ElectraTokenizerFast" };
    gboolean known = FALSE;

    if (klass == NULL)
      return NULL;
    for (i = 0; i < G_N_ELEMENTS (ok); i++)
      known = known || strcmp (klass, ok[i]) == 0;
    if (!known) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: tokenizer_class '%s' is not supported without a "
                   "tokenizer.json (Lucid builds BertTokenizer from vocab.txt)",
                   label, klass);
      return NULL;
    }
  }

  if (!load_vocab_txt (tok, vocab_path, error))
    return NULL;

  tok->normalize = TRUE;
  tok->clean_text = TRUE;
  if (!config_bool (cfg, "do_lower_case", TRUE, &tok->lowercase, label, error)
      || !config_bool (cfg, "tokenize_chinese_chars", TRUE, &tok->handle_cjk,
                       label, error))
    return NULL;
  sa = cfg ? json_object_get_member (cfg, "strip_accents") : NULL;
  if (sa == NULL || JSON_NODE_HOLDS_NULL (sa))
    tok->strip_accents = tok->lowercase;
  else if (!lucid_json_get_bool (cfg, "strip_accents", &tok->strip_accents,
                                 label, error))
    return NULL;
  tok->split_whitespace = tok->split_punct = TRUE;
  tok->prefix = g_strdup ("##");
  tok->prefix_len = 2;
  tok->max_input_chars = 100; /* transformers always uses 100 */
  tok->unk_token
      = g_strdup (lucid_tokenizer_config_special (c, "unk_token", "[UNK]"));

  /* The special tokens are added tokens (not normalized), then whatever
   * tokenizer_config.json lists in added_tokens_decoder, in id order. */
  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    lucid_tokenizer_add_token (
        tok, lucid_tokenizer_config_special (c, keys[i], dflts[i]), TRUE, FALSE,
        FALSE, FALSE, FALSE);
  {
    JsonNode *extra
        = cfg ? json_object_get_member (cfg, "additional_special_tokens")
              : NULL;

    if (extra && JSON_NODE_HOLDS_ARRAY (extra)) {
      JsonArray *arr = json_node_get_array (extra);

      for (i = 0; i < json_array_get_length (arr); i++) {
        JsonNode *e = json_array_get_element (arr, i);
        const char *content = NULL;

        if (JSON_NODE_HOLDS_VALUE (e)
            && json_node_get_value_type (e) == G_TYPE_STRING)
          content = json_node_get_string (e);
        else if (JSON_NODE_HOLDS_OBJECT (e))
          content = special_token_content (json_node_get_object (e), "content");
        lucid_tokenizer_add_token (tok, content, TRUE, FALSE, FALSE, FALSE,
                                   FALSE);
      }
    }
  }
  if (!add_tokens_decoder (tok, cfg, label, error))
    return NULL;

  lucid_tokenizer_finish_tokens (tok);
  cls = lucid_tokenizer_config_special (c, "cls_token", "[CLS]");
  sep = lucid_tokenizer_config_special (c, "sep_token", "[SEP]");
  lucid_tokenizer_set_bert_templates (tok,
                                      lucid_tokenizer_token_to_id (tok, cls),
                                      lucid_tokenizer_token_to_id (tok, sep));
  tok->unk_id = lucid_tokenizer_vocab_lookup (tok, tok->unk_token);
  if (tok->unk_id < 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: unk_token '%s' is not in the vocabulary", vocab_path,
                 tok->unk_token);
    return NULL;
  }
  if (tok->cls_id < 0 || tok->sep_id < 0) {
    /* lucid_tokenizer_add_token gave them ids, unless a name is empty */
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: no id for cls_token '%s' / sep_token '%s'", label, cls,
                 sep);
    return NULL;
  }
  tok->pad_id = lucid_tokenizer_token_to_id (
      tok, lucid_tokenizer_config_special (c, "pad_token", "[PAD]"));
  tok->mask_id = lucid_tokenizer_token_to_id (
      tok, lucid_tokenizer_config_special (c, "mask_token", "[MASK]"));
  return g_steal_pointer (&tok);
}

LucidTokenizer *
lucid_tokenizer_load (const char *model_dir, GError **error)
{
  g_autofree char *json_path = NULL, *vocab_path = NULL;
  ConfigFiles c = { NULL, NULL, NULL };
  LucidTokenizer *tok = NULL;

  g_return_val_if_fail (model_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: not a model directory", model_dir);
    return NULL;
  }
  json_path = g_build_filename (model_dir, "tokenizer.json", NULL);
  vocab_path = g_build_filename (model_dir, "vocab.txt", NULL);

  if (!read_optional_object (model_dir, "tokenizer_config.json", &c.config,
                             &c.config_path, error)
      || !read_optional_object (model_dir, "special_tokens_map.json",
                                &c.special_map, NULL, error))
    goto out;

  if (g_file_test (json_path, G_FILE_TEST_EXISTS)) {
    g_autoptr (JsonNode) root = lucid_json_parse_file (json_path, error);

    if (root == NULL)
      goto out;
    tok = lucid_tokenizer_from_json_root (root, json_path, &c, error);
  } else if (g_file_test (vocab_path, G_FILE_TEST_EXISTS)) {
    tok = load_from_vocab_txt (vocab_path, &c, error);
  } else {
    g_autofree char *merges = g_build_filename (model_dir, "merges.txt", NULL);

    if (g_file_test (merges, G_FILE_TEST_EXISTS))
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: a BPE tokenizer (vocab.json + merges.txt) without "
                   "tokenizer.json is not supported (Lucid reads BPE from "
                   "tokenizer.json: save one with transformers' "
                   "tokenizer.save_pretrained())",
                   model_dir);
    else
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                   "%s: no tokenizer.json or vocab.txt", model_dir);
  }
  if (tok != NULL)
    apply_config_max_length (tok, &c);

out:
  config_files_clear (&c);
  return tok;
}
