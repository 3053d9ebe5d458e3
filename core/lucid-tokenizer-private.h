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

typedef enum {
  LUCID_TOK_WORDPIECE,
  LUCID_TOK_BPE, /* byte-level BPE (CLIP): lucid-tokenizer-bpe*.c */
} LucidTokModel;

/* One normalizer step of a BPE tokenizer's "Sequence" (in file order). */
typedef enum {
  BPE_NORM_NFC,
  BPE_NORM_WS_REPLACE, /* Replace {"Regex": "\\s+"} by " " */
  BPE_NORM_LOWERCASE,
} BpeNormStep;

/* One pre-tokenizer step of a BPE tokenizer's "Sequence" (in file order). */
typedef enum {
  BPE_PRE_CLIP_SPLIT,          /* CLIP's Split regex, Removed, invert */
  BPE_PRE_CLIP_SPLIT_SPECIALS, /* the same with <|startoftext|> and
                                * <|endoftext|> alternatives first */
  BPE_PRE_BYTELEVEL_REGEX,     /* ByteLevel with use_regex: GPT-2's split */
  BPE_PRE_BYTELEVEL,           /* ByteLevel without the regex */
} BpePreStep;

#define BPE_MAX_STEPS 8

typedef struct {
  GHashTable *merges; /* guint64 (left id << 32 | right id), pointing into
                       * keys → GUINT_TO_POINTER (merge index + 1) */
  guint64 *keys;      /* [n_merges] */
  guint32 *rank;      /* [n_merges] */
  gint32 *new_id;     /* [n_merges] */
  guint n_merges;
  char *suffix; /* end_of_word_suffix ("" when none) */
  gboolean ignore_merges, fuse_unk;
  gboolean has_unk;
  gint32 byte_id[256];     /* id of the byte's mapped character, or -1 */
  gint32 byte_eow_id[256]; /* the same + suffix (last symbol of a word) */
  BpeNormStep norm[BPE_MAX_STEPS];
  guint n_norm;
  BpePreStep pre[BPE_MAX_STEPS];
  guint n_pre;
} BpeModel;

struct _LucidTokenizer {
  char *label; /* file named in messages */

  LucidTokModel model;
  BpeModel bpe;

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

/* Byte-level BPE scratch (lucid-tokenizer-bpe.c). */
typedef struct {
  gunichar c;
  guint8 ccc;
  guint32 count; /* characters of the input this one consumes (NFC) */
} NfcChar;

typedef struct {
  gint32 id;
  gint32 prev, next; /* -1: none */
  guint32 b0, len;   /* bytes of the word; len 0: merged away */
} BpeSymbol;

typedef struct {
  guint32 rank, pos;
  gint32 new_id;
} BpeMerge;

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
  /* byte-level BPE */
  NfcChar *nfc;
  gsize nfc_cap;
  gsize *pieces, *pieces2; /* [start, end) character pairs */
  gsize pieces_cap, pieces2_cap;
  guint8 *wbytes;      /* one word's UTF-8 bytes */
  gint32 *walign;      /* [2 × bytes] original start, end of each byte */
  char *wmapped;       /* the word as mapped characters (+ suffix) */
  gsize wbytes_cap, walign_cap, wmapped_cap;
  BpeSymbol *sym;
  gsize sym_cap;
  BpeMerge *heap;
  gsize heap_cap;
} Scratch;

/* Tokens of one sequence before the template, with original byte offsets. */
typedef struct {
  gint32 id;
  gint32 start, end; /* original byte offsets */
} RawToken;

typedef struct {
  RawToken *v;
  gsize n, cap;
} TokenVec;

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

static inline void
lucid_tokenizer_push_token (TokenVec *t, gint32 id, gint32 start, gint32 end)
{
  if (t->n == t->cap)
    lucid_tokenizer_grow (&t->v, &t->cap, t->n + 1, sizeof (RawToken));
  t->v[t->n].id = id;
  t->v[t->n].start = start;
  t->v[t->n].end = end;
  t->n++;
}

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

/* lucid-tokenizer-bpe.c: normalizer, pre-tokenizer and model of
 * byte-level BPE; lucid-tokenizer-bpe-json.c: their tokenizer.json parts. */
G_GNUC_INTERNAL void lucid_tokenizer_bpe_normalize_piece (
    const LucidTokenizer *tok, Scratch *s, const char *text, gsize begin,
    gsize end);
G_GNUC_INTERNAL void lucid_tokenizer_bpe_pretokenize_and_model (
    const LucidTokenizer *tok, Scratch *s, gsize c0, gsize c1, TokenVec *out);
G_GNUC_INTERNAL void lucid_tokenizer_bpe_clear (BpeModel *bpe);
G_GNUC_INTERNAL void lucid_tokenizer_bpe_scratch_clear (Scratch *s);
G_GNUC_INTERNAL gboolean lucid_tokenizer_json_parse_vocab (
    LucidTokenizer *tok, JsonObject *vocab, const char *label, GError **error);
G_GNUC_INTERNAL JsonArray *lucid_tokenizer_json_array (JsonObject *obj,
                                                       const char *key,
                                                       const char *label,
                                                       GError **error);
G_GNUC_INTERNAL gboolean lucid_tokenizer_bpe_parse_model (
    LucidTokenizer *tok, JsonObject *model, const char *label, GError **error);
G_GNUC_INTERNAL gboolean lucid_tokenizer_bpe_parse_normalizer (
    LucidTokenizer *tok, JsonObject *root, const char *label, GError **error);
G_GNUC_INTERNAL gboolean lucid_tokenizer_bpe_parse_pre_tokenizer (
    LucidTokenizer *tok, JsonObject *root, const char *label, GError **error);
G_GNUC_INTERNAL void lucid_tokenizer_bpe_finish (LucidTokenizer *tok);

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
