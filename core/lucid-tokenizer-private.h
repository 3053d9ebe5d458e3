/* lucid-tokenizer-private.h — what the files of the tokenizer share: the
 * LucidTokenizer structure, the scratch space of one encode call, and the
 * functions that one file calls in another (hidden: not part of liblucid's
 * ABI).  Not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "lucid-tokenizer.h"

G_BEGIN_DECLS

/* Upper bound for anything we store as gint32 (ids, type ids). */
#define MAX_ID G_MAXINT32

/* ------------------------------------------------------------------------
 * The tokenizer
 * ------------------------------------------------------------------------ */

typedef struct {
  char *content;
  gsize len;
  char *norm; /* normalized content (normalized tokens) */
  gsize norm_len;
  gint32 id;
  guint order; /* specials first, then insertion order */
  gboolean single_word, lstrip, rstrip, normalized, special;
} AddedToken;

/* Added tokens of one kind (raw or normalized) bucketed by first byte:
 * patterns starting with byte b are idx[first[b] .. first[b + 1]). */
typedef struct {
  guint *idx;
  guint first[257];
  gboolean any;
} Matcher;

typedef enum {
  ITEM_SPECIAL,
  ITEM_SEQUENCE_A,
  ITEM_SEQUENCE_B,
} ItemKind;

typedef struct {
  ItemKind kind;
  gint32 type_id;
  gint32 *ids; /* ITEM_SPECIAL: the special token's ids */
  guint n_ids;
} TemplateItem;

typedef struct {
  TemplateItem *items;
  guint n_items;
  guint n_special_ids; /* tokens the template adds */
} Template;

struct _LucidTokenizer {
  char *label; /* file named in messages */

  /* BertNormalizer (normalize FALSE: no normalizer at all) */
  gboolean normalize, clean_text, handle_cjk, strip_accents, lowercase;

  /* pre-tokenizer */
  gboolean split_whitespace, split_punct;

  /* WordPiece */
  GHashTable *vocab; /* token (owned) → GUINT_TO_POINTER (id + 1) */
  guint vocab_count;
  char *unk_token;
  gint32 unk_id;
  char *prefix; /* continuing_subword_prefix */
  gsize prefix_len;
  guint64 max_input_chars;
  gsize max_token_bytes; /* longest vocabulary token, in bytes */

  /* added tokens */
  AddedToken *added;
  guint n_added;
  GHashTable *added_map; /* content (borrowed) → GUINT_TO_POINTER (i + 1) */
  Matcher raw_matcher, norm_matcher;

  GHashTable *id_to_token; /* id → token (borrowed) */
  gint32 max_id;

  /* post-processor */
  Template single, pair;

  gint32 cls_id, sep_id, pad_id, mask_id;
  guint model_max_length; /* tokenizer_config.json, sane or 0 */
  gboolean has_config_max_length;
  guint truncation_max_length; /* tokenizer.json "truncation" or 0 */
};

/* ------------------------------------------------------------------------
 * Scratch space for one encode call (reused across its pieces and words)
 * ------------------------------------------------------------------------ */

typedef struct {
  gunichar c;
  gint32 start, end; /* original bytes this character came from */
} NormChar;

typedef struct {
  gunichar c;
  guint8 ccc;     /* canonical combining class */
  gboolean first; /* first character of its decomposition */
} DecompChar;

typedef struct {
  gsize start, end;
  gint32 id; /* -1: text between added tokens */
} Split;

typedef struct {
  NormChar *a, *b; /* after clean/CJK; after strip/lowercase */
  gsize na, nb, a_cap, b_cap;
  DecompChar *d;
  gsize nd, d_cap;
  char *key; /* WordPiece lookup buffer */
  gsize key_cap;
  gsize *cb; /* byte offset of each character of a word */
  gsize cb_cap;
  char *utf8; /* a normalized piece as UTF-8 */
  gsize utf8_len, utf8_cap;
  gsize *byte_to_char; /* for that UTF-8 */
  gsize b2c_cap;
  Split *splits;
  gsize n_splits, splits_cap;
} Scratch;

/* tokenizer_config.json and special_tokens_map.json of a model directory
 * (both NULL for a bare tokenizer.json). */
typedef struct {
  JsonNode *config;      /* tokenizer_config.json or NULL */
  JsonNode *special_map; /* special_tokens_map.json or NULL */
  char *config_path;
} ConfigFiles;

/* Functions of one file that the others call. */

/* lucid-tokenizer-unicode.c: Unicode properties as tokenizers sees them */
G_GNUC_INTERNAL gboolean lucid_uc_is_whitespace_table (gunichar c);
G_GNUC_INTERNAL gboolean lucid_uc_is_bert_control (gunichar c);
G_GNUC_INTERNAL gboolean lucid_uc_is_bert_punct (gunichar c);
G_GNUC_INTERNAL gboolean lucid_uc_is_nonspacing_mark (gunichar c);
G_GNUC_INTERNAL gboolean lucid_uc_is_cjk (gunichar c);
G_GNUC_INTERNAL gboolean lucid_uc_is_word_char (gunichar c);
G_GNUC_INTERNAL gsize lucid_uc_decompose (gunichar c, gunichar *out);
G_GNUC_INTERNAL gunichar lucid_uc_to_lower (gunichar c);

/* Unicode White_Space (Rust's char::is_whitespace, regex \s).  Inline
 * for ASCII: pre-tokenization asks about every character. */
static inline gboolean
lucid_uc_is_whitespace (gunichar c)
{
  if (c < 0x80)
    return c == ' ' || (c >= 0x9 && c <= 0xD);
  return lucid_uc_is_whitespace_table (c);
}

/* lucid-tokenizer.c */
G_GNUC_INTERNAL LucidTokenizer *lucid_tokenizer_new_empty (const char *label);
G_GNUC_INTERNAL gint32 lucid_tokenizer_vocab_lookup (const LucidTokenizer *tok,
                                                     const char *token);
G_GNUC_INTERNAL void lucid_tokenizer_template_clear (Template *t);
G_GNUC_INTERNAL void lucid_tokenizer_grow (gpointer buf, gsize *cap, gsize need,
                                           gsize size);

/* lucid-tokenizer-normalize.c */
G_GNUC_INTERNAL void lucid_tokenizer_normalize_piece (const LucidTokenizer *tok,
                                                      Scratch *s,
                                                      const char *text,
                                                      gsize begin, gsize end);
G_GNUC_INTERNAL void lucid_tokenizer_find_added (const LucidTokenizer *tok,
                                                 const Matcher *m,
                                                 gboolean normalized,
                                                 Scratch *scr, const char *s,
                                                 gsize len);

/* lucid-tokenizer-json.c */
G_GNUC_INTERNAL gboolean lucid_tokenizer_json_object (
    JsonObject *obj, const char *key, gboolean null_ok, JsonObject **out,
    const char *label, GError **error);
G_GNUC_INTERNAL gboolean lucid_tokenizer_json_bool_default (
    JsonObject *obj, const char *key, gboolean dflt, gboolean *out,
    const char *label, GError **error);
G_GNUC_INTERNAL void lucid_tokenizer_set_bert_templates (LucidTokenizer *tok,
                                                         gint32 cls,
                                                         gint32 sep);
G_GNUC_INTERNAL LucidTokenizer *
lucid_tokenizer_from_json_root (JsonNode *root_node, const char *label,
                                const ConfigFiles *c, GError **error);

/* lucid-tokenizer-load.c */
G_GNUC_INTERNAL void lucid_tokenizer_vocab_insert (LucidTokenizer *tok,
                                                   char *token, gint32 id);
G_GNUC_INTERNAL void
lucid_tokenizer_add_token (LucidTokenizer *tok, const char *content,
                           gboolean special, gboolean single_word,
                           gboolean lstrip, gboolean rstrip,
                           gboolean normalized);
G_GNUC_INTERNAL void lucid_tokenizer_finish_tokens (LucidTokenizer *tok);
G_GNUC_INTERNAL const char *
lucid_tokenizer_config_special (const ConfigFiles *c, const char *key,
                                const char *dflt);

G_END_DECLS
