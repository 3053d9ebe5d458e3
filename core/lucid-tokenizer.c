/* lucid-tokenizer.c — BERT WordPiece tokenization, exactly as Hugging Face
 * `tokenizers` (0.23) does it, with offsets into the original text.
 *
 * THE PIPELINE
 *
 * `tokenizers` encodes one sequence in five steps, and so do we:
 *
 *  1. Added tokens, raw.  Tokens listed in tokenizer.json "added_tokens" with
 *     "normalized": false (all of BERT's specials) are cut out of the ORIGINAL
 *     text first, leftmost-longest, honouring single_word / lstrip / rstrip.
 *     "x[SEP]y" is three pieces, the middle one already a token.
 *  2. Normalization, per remaining piece (BertNormalizer, in this order):
 *     clean_text (drop U+0000, U+FFFD and "other" characters except \t \n
 *     \r, map every White_Space character to ' '), CJK padding (a space on
 *     each side of each ideograph), strip accents (NFD, then drop nonspacing
 *     marks), lowercase (full Unicode lowercase, so 'İ' becomes "i̇").
 *  3. Added tokens, normalized.  Tokens with "normalized": true are matched
 *     against each normalized piece.
 *  4. Pre-tokenization: split on whitespace (removed) and isolate every
 *     punctuation character.
 *  5. WordPiece on each word: greedy longest match first, continuation pieces
 *     prefixed "##"; a word longer than max_input_chars_per_word characters,
 *     or with any unmatchable rest, becomes ONE [UNK] spanning the word.
 *
 * Then truncation (longest_first, from the right) and the post-processor
 * template ([CLS] A [SEP] B [SEP]).
 *
 * ALIGNMENT BOOKKEEPING
 *
 * Every normalized character carries the byte range [start, end) of the
 * original character it came from (NormChar).  `tokenizers` keeps the same
 * information per byte in NormalizedString::alignments and updates it with
 * one rule, which we follow to the letter because offsets must match
 * exactly: a transformation emits (char, change) pairs; change 0 REPLACES
 * the next not-yet-consumed old character and takes its alignment; change +1
 * INSERTS and takes the alignment of the last consumed old character (of
 * the piece start when none was consumed); removed characters vanish.  So:
 *   - removal (clean_text, accent marks) never widens a neighbour's range:
 *     "cafe\u0301" → "cafe", whose 'e' still maps to the 'e' alone;
 *   - lowercase 'İ' → 'i' (replaces) + U+0307 (inserted), both mapping to 'İ';
 *   - NFD parts map to their source character — except that canonical
 *     reordering of combining marks permutes characters but not alignments
 *     (the replaced positions are consumed in order), exactly as upstream;
 *   - the spaces padding a CJK ideograph map to the ideograph (the first
 *     space replaces it, the ideograph and the second space are inserted);
 *     they reach a token only when there is no whitespace pre-tokenizer.
 * A token covering normalized characters [i, j) maps to the original bytes
 * [b[i].start, b[j-1].end), which are converted to code-point indices of
 * the sequence's text, as the Python binding reports them.  Byte offsets
 * are returned too (C callers slice with them).
 *
 * WORDPIECE AND TRUNCATION DETAILS
 *
 * max_input_chars_per_word counts normalized characters.  Candidate pieces
 * are looked up in a GHashTable from the longest down; pieces longer than
 * the longest vocabulary token are skipped without a lookup (they cannot
 * match), which keeps long words linear and changes no result.  Truncation
 * follows tokenizers' truncate_encodings(): the room is max_length minus
 * the template's tokens (a max_length below those wraps around in
 * tokenizers' unsigned arithmetic, i.e. truncates nothing); a pair keeps
 * the shorter sequence whole when it fits in half the room, else splits
 * the room in halves (the odd token to the longer one).
 *
 * UNICODE PROPERTIES
 *
 * We ask GLib (g_unichar_type, g_unichar_fully_decompose,
 * g_unichar_combining_class, g_unichar_tolower) and correct it where
 * `tokenizers` answers differently: its categories come from the
 * `unicode_categories` crate, whose tables predate Unicode 9 in places, its
 * NFD from `unicode-normalization`, its lowercase from Rust's std (Unicode
 * 16+), and GLib 2.74 knows Unicode 15.0.  The exception tables below were
 * derived by running all 1,112,064 Unicode scalar values through each
 * BertNormalizer step and through BertPreTokenizer in tokenizers 0.23.3 and
 * comparing with GLib 2.74.6; with them every code point gives the same
 * result.  A GLib built on a newer Unicode may classify characters assigned
 * after 15.0 differently (their categories in the crate are "unassigned").
 *
 * WHERE WE DIFFER ON PURPOSE
 *
 *  - A vocabulary with two tokens sharing an id, and a WordPiece model whose
 *    unk_token is not in its vocabulary, are refused at load (`tokenizers`
 *    loads the first and fails the second only when [UNK] is needed).
 *  - An added token whose normalized content is empty never matches
 *    (`tokenizers` then splits ASCII text into single characters and panics
 *    on multi-byte text).
 *
 * Without tokenizer.json, the tokenizer is built from vocab.txt and
 * tokenizer_config.json the way transformers 5's BertTokenizer builds its
 * `tokenizers` pipeline (max_input_chars_per_word is then always 100).
 *
 * Thread safety: a loaded LucidTokenizer is immutable; encode from any
 * number of threads.  Each encode allocates its scratch arrays once and
 * grows them geometrically; nothing is allocated per character or lookup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

/* Upper bound for anything we store as gint32 (ids, type ids). */
#define MAX_ID G_MAXINT32

/* tokenizer_config.json "model_max_length" above this is a placeholder. */
#define SANE_MAX_LENGTH 1000000

/* ------------------------------------------------------------------------
 * Unicode properties, as tokenizers sees them
 * ------------------------------------------------------------------------ */

typedef struct {
  gunichar lo, hi;
} UcRange;

/* Cf characters that the crate does not call "other" (clean_text keeps
 * them). */
static const UcRange kept_format_chars[] = {
  { 0x890, 0x891 },
  { 0x8E2, 0x8E2 },
  { 0x110CD, 0x110CD },
  { 0x13430, 0x1343F },
};

/* P* characters (GLib) that the crate does not call punctuation. */
static const UcRange not_punctuation[] = {
  { 0x61D, 0x61D },     { 0x9FD, 0x9FD },     { 0xA76, 0xA76 },
  { 0xC77, 0xC77 },     { 0xC84, 0xC84 },     { 0x1B7D, 0x1B7E },
  { 0x2E43, 0x2E4F },   { 0x2E52, 0x2E5D },   { 0x10EAD, 0x10EAD },
  { 0x10F55, 0x10F59 }, { 0x10F86, 0x10F89 }, { 0x1144B, 0x1144F },
  { 0x1145A, 0x1145B }, { 0x1145D, 0x1145D }, { 0x11660, 0x1166C },
  { 0x116B9, 0x116B9 }, { 0x1183B, 0x1183B }, { 0x11944, 0x11946 },
  { 0x119E2, 0x119E2 }, { 0x11A3F, 0x11A46 }, { 0x11A9A, 0x11A9C },
  { 0x11A9E, 0x11AA2 }, { 0x11B00, 0x11B09 }, { 0x11C41, 0x11C45 },
  { 0x11C70, 0x11C71 }, { 0x11EF7, 0x11EF8 }, { 0x11F43, 0x11F4F },
  { 0x11FFF, 0x11FFF }, { 0x12FF1, 0x12FF2 }, { 0x16E97, 0x16E9A },
  { 0x16FE2, 0x16FE2 }, { 0x1E95E, 0x1E95F },
};

/* Mn characters (GLib) that the crate does not call nonspacing marks
 * (strip_accents keeps them). */
static const UcRange not_nonspacing_mark[] = {
  { 0x7FD, 0x7FD },     { 0x898, 0x89F },     { 0x8CA, 0x8E1 },
  { 0x9FE, 0x9FE },     { 0xAFA, 0xAFF },     { 0xB55, 0xB55 },
  { 0xC04, 0xC04 },     { 0xC3C, 0xC3C },     { 0xD00, 0xD00 },
  { 0xD3B, 0xD3C },     { 0xD81, 0xD81 },     { 0xEBA, 0xEBA },
  { 0xECE, 0xECE },     { 0x180F, 0x180F },   { 0x1885, 0x1886 },
  { 0x1ABF, 0x1ACE },   { 0x1DF6, 0x1DFB },   { 0xA82C, 0xA82C },
  { 0xA8C5, 0xA8C5 },   { 0xA8FF, 0xA8FF },   { 0xA9BD, 0xA9BD },
  { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC }, { 0x10EFD, 0x10EFF },
  { 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11070, 0x11070 },
  { 0x11073, 0x11074 }, { 0x110C2, 0x110C2 }, { 0x111C9, 0x111C9 },
  { 0x111CF, 0x111CF }, { 0x1123E, 0x1123E }, { 0x11241, 0x11241 },
  { 0x1133B, 0x1133B }, { 0x11438, 0x1143F }, { 0x11442, 0x11444 },
  { 0x11446, 0x11446 }, { 0x1145E, 0x1145E }, { 0x1182F, 0x11837 },
  { 0x11839, 0x1183A }, { 0x1193B, 0x1193C }, { 0x1193E, 0x1193E },
  { 0x11943, 0x11943 }, { 0x119D4, 0x119D7 }, { 0x119DA, 0x119DB },
  { 0x119E0, 0x119E0 }, { 0x11A01, 0x11A0A }, { 0x11A33, 0x11A38 },
  { 0x11A3B, 0x11A3E }, { 0x11A47, 0x11A47 }, { 0x11A51, 0x11A56 },
  { 0x11A59, 0x11A5B }, { 0x11A8A, 0x11A96 }, { 0x11A98, 0x11A99 },
  { 0x11C30, 0x11C36 }, { 0x11C38, 0x11C3D }, { 0x11C3F, 0x11C3F },
  { 0x11C92, 0x11CA7 }, { 0x11CAA, 0x11CB0 }, { 0x11CB2, 0x11CB3 },
  { 0x11CB5, 0x11CB6 }, { 0x11D31, 0x11D36 }, { 0x11D3A, 0x11D3A },
  { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 }, { 0x11D47, 0x11D47 },
  { 0x11D90, 0x11D91 }, { 0x11D95, 0x11D95 }, { 0x11D97, 0x11D97 },
  { 0x11EF3, 0x11EF4 }, { 0x11F00, 0x11F01 }, { 0x11F36, 0x11F3A },
  { 0x11F40, 0x11F40 }, { 0x11F42, 0x11F42 }, { 0x13440, 0x13440 },
  { 0x13447, 0x13455 }, { 0x16F4F, 0x16F4F }, { 0x16FE4, 0x16FE4 },
  { 0x1CF00, 0x1CF2D }, { 0x1CF30, 0x1CF46 }, { 0x1E000, 0x1E006 },
  { 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 }, { 0x1E023, 0x1E024 },
  { 0x1E026, 0x1E02A }, { 0x1E08F, 0x1E08F }, { 0x1E130, 0x1E136 },
  { 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF }, { 0x1E4EC, 0x1E4EF },
  { 0x1E944, 0x1E94A },
};

/* The "Chinese character" ranges of tokenizers' BertNormalizer. */
static const UcRange cjk_ideographs[] = {
  { 0x3400, 0x4DBF },   { 0x4E00, 0x9FFF },   { 0xF900, 0xFAFF },
  { 0x20000, 0x2A6DF }, { 0x2A700, 0x2B73F }, { 0x2B740, 0x2B81F },
  { 0x2B920, 0x2CEAF }, { 0x2F800, 0x2FA1F },
};

/* Unicode White_Space (Rust's char::is_whitespace, regex \s). */
static const UcRange white_space[] = {
  { 0x9, 0xD },       { 0x20, 0x20 },     { 0x85, 0x85 },
  { 0xA0, 0xA0 },     { 0x1680, 0x1680 }, { 0x2000, 0x200A },
  { 0x2028, 0x2029 }, { 0x202F, 0x202F }, { 0x205F, 0x205F },
  { 0x3000, 0x3000 },
};

/* Other_Alphabetic characters that are not marks (regex \w needs them). */
static const UcRange alphabetic_symbols[] = {
  { 0x24B6, 0x24E9 },
  { 0x1F130, 0x1F149 },
  { 0x1F150, 0x1F169 },
  { 0x1F170, 0x1F189 },
};

/* Lowercase mappings Rust has and GLib 2.74 lacks: letter-like symbols
 * (Nl, So), which g_unichar_tolower leaves alone, and letters of Unicode
 * 16/17.  c in [lo, hi] lowercases to c + delta. */
typedef struct {
  gunichar lo, hi;
  gint32 delta;
} UcLowerRange;

static const UcLowerRange extra_lowercase[] = {
  { 0x1C89, 0x1C89, 1 },    { 0x2160, 0x216F, 16 },
  { 0x24B6, 0x24CF, 26 },   { 0xA7CB, 0xA7CB, -42343 },
  { 0xA7CC, 0xA7CC, 1 },    { 0xA7CE, 0xA7CE, 1 },
  { 0xA7D2, 0xA7D2, 1 },    { 0xA7D4, 0xA7D4, 1 },
  { 0xA7DA, 0xA7DA, 1 },    { 0xA7DC, 0xA7DC, -42561 },
  { 0x10D50, 0x10D65, 32 }, { 0x16EA0, 0x16EB8, 27 },
};

static gboolean
in_ranges (gunichar c, const UcRange *r, gsize n)
{
  gsize lo = 0, hi = n;

  if (n == 0 || c < r[0].lo || c > r[n - 1].hi)
    return FALSE;
  while (lo < hi) {
    gsize mid = (lo + hi) / 2;

    if (c < r[mid].lo)
      hi = mid;
    else if (c > r[mid].hi)
      lo = mid + 1;
    else
      return TRUE;
  }
  return FALSE;
}

#define IN_TABLE(c, t) in_ranges ((c), (t), G_N_ELEMENTS (t))

static gboolean
uc_is_whitespace (gunichar c)
{
  if (c < 0x80)
    return c == ' ' || (c >= 0x9 && c <= 0xD);
  return IN_TABLE (c, white_space);
}

/* BertNormalizer's is_control: the crate's is_other() (Cc, Cf, Co), minus
 * \t \n \r, which clean_text turns into spaces instead. */
static gboolean
uc_is_bert_control (gunichar c)
{
  if (c == '\t' || c == '\n' || c == '\r')
    return FALSE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_PRIVATE_USE:
      return TRUE;
    case G_UNICODE_FORMAT:
      return !IN_TABLE (c, kept_format_chars);
    default:
      return FALSE;
  }
}

/* ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
static gboolean
ascii_is_punct (gunichar c)
{
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40)
         || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

/* BertPreTokenizer / Punctuation: ASCII punctuation or the crate's P*. */
static gboolean
uc_is_bert_punct (gunichar c)
{
  if (c < 0x80)
    return ascii_is_punct (c);
  if (c == 0x166D || c == 0x111C9) /* Po in the crate's tables */
    return TRUE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
      return !IN_TABLE (c, not_punctuation);
    default:
      return FALSE;
  }
}

/* The crate's is_mark_nonspacing (what strip_accents drops after NFD). */
static gboolean
uc_is_nonspacing_mark (gunichar c)
{
  if (c < 0x300)
    return FALSE;
  if (c == 0x1734) /* Mn in the crate, Mc since */
    return TRUE;
  return g_unichar_type (c) == G_UNICODE_NON_SPACING_MARK
         && !IN_TABLE (c, not_nonspacing_mark);
}

static gboolean
uc_is_cjk (gunichar c)
{
  return c >= 0x3400 && IN_TABLE (c, cjk_ideographs);
}

/* Regex \w (Unicode): Alphabetic, marks, decimal digits, connector
 * punctuation, join controls.  For the single_word option of added
 * tokens. */
static gboolean
uc_is_word_char (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) || c == '_';
  if (c == 0x200C || c == 0x200D)
    return TRUE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_CONNECT_PUNCTUATION:
      return TRUE;
    default:
      return IN_TABLE (c, alphabetic_symbols);
  }
}

/* Canonical decomposition as unicode-normalization gives it (which lacks
 * U+11938's, added in Unicode 13).  @out holds
 * G_UNICHAR_MAX_DECOMPOSITION_LENGTH characters. */
static gsize
uc_decompose (gunichar c, gunichar *out)
{
  if (c < 0xC0 || c == 0x11938) {
    out[0] = c;
    return 1;
  }
  return g_unichar_fully_decompose (c, FALSE, out,
                                    G_UNICHAR_MAX_DECOMPOSITION_LENGTH);
}

/* Rust's char::to_lowercase for everything but U+0130 (handled by the
 * caller: it is the one character whose lowercase is two characters). */
static gunichar
uc_to_lower (gunichar c)
{
  gsize i;

  if (c < 0x80)
    return g_ascii_tolower (c);
  for (i = 0; c >= 0x1C89 && i < G_N_ELEMENTS (extra_lowercase); i++) {
    if (c >= extra_lowercase[i].lo && c <= extra_lowercase[i].hi)
      return (gunichar)((gint32)c + extra_lowercase[i].delta);
  }
  return g_unichar_tolower (c);
}

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

static void
template_clear (Template *t)
{
  guint i;

  for (i = 0; i < t->n_items; i++)
    g_free (t->items[i].ids);
  g_free (t->items);
  t->items = NULL;
  t->n_items = 0;
  t->n_special_ids = 0;
}

void
lucid_tokenizer_free (LucidTokenizer *tok)
{
  guint i;

  if (tok == NULL)
    return;
  g_free (tok->label);
  if (tok->vocab)
    g_hash_table_unref (tok->vocab);
  g_free (tok->unk_token);
  g_free (tok->prefix);
  for (i = 0; i < tok->n_added; i++) {
    g_free (tok->added[i].content);
    g_free (tok->added[i].norm);
  }
  g_free (tok->added);
  if (tok->added_map)
    g_hash_table_unref (tok->added_map);
  g_free (tok->raw_matcher.idx);
  g_free (tok->norm_matcher.idx);
  if (tok->id_to_token)
    g_hash_table_unref (tok->id_to_token);
  template_clear (&tok->single);
  template_clear (&tok->pair);
  g_free (tok);
}

static LucidTokenizer *
tokenizer_new (const char *label)
{
  LucidTokenizer *tok = g_new0 (LucidTokenizer, 1);

  tok->label = g_strdup (label ? label : "<tokenizer>");
  tok->vocab = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tok->added_map = g_hash_table_new (g_str_hash, g_str_equal);
  tok->unk_id = tok->cls_id = tok->sep_id = tok->pad_id = tok->mask_id = -1;
  tok->max_id = -1;
  return tok;
}

static gint32
vocab_lookup (const LucidTokenizer *tok, const char *token)
{
  gpointer v = g_hash_table_lookup (tok->vocab, token);

  return v ? (gint32)(GPOINTER_TO_UINT (v) - 1) : -1;
}

gint32
lucid_tokenizer_token_to_id (const LucidTokenizer *tok, const char *token)
{
  gpointer v;

  g_return_val_if_fail (tok != NULL, -1);
  if (token == NULL)
    return -1;
  /* Added tokens first, as tokenizers' AddedVocabulary::token_to_id. */
  v = g_hash_table_lookup (tok->added_map, token);
  if (v)
    return tok->added[GPOINTER_TO_UINT (v) - 1].id;
  return vocab_lookup (tok, token);
}

const char *
lucid_tokenizer_id_to_token (const LucidTokenizer *tok, gint32 id)
{
  g_return_val_if_fail (tok != NULL, NULL);
  if (id < 0)
    return NULL;
  return g_hash_table_lookup (tok->id_to_token, GINT_TO_POINTER (id));
}

guint
lucid_tokenizer_get_vocab_size (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return tok->max_id < 0 ? 0 : (guint)tok->max_id + 1u;
}

gint32
lucid_tokenizer_get_cls_id (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->cls_id;
}

gint32
lucid_tokenizer_get_sep_id (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->sep_id;
}

gint32
lucid_tokenizer_get_pad_id (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->pad_id;
}

gint32
lucid_tokenizer_get_mask_id (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->mask_id;
}

gint32
lucid_tokenizer_get_unk_id (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->unk_id;
}

/* What the reference would truncate to by default.  transformers reads
 * model_max_length from tokenizer_config.json (a placeholder there means
 * "no limit", 0 here); the bare `tokenizers` library applies tokenizer.json's
 * "truncation" section, which sentence-transformers and
 * Tokenizer.enable_truncation() write — so that is the answer only when
 * tokenizer_config.json says nothing. */
guint
lucid_tokenizer_get_model_max_length (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  if (tok->has_config_max_length)
    return tok->model_max_length;
  return tok->truncation_max_length;
}

guint
lucid_tokenizer_get_truncation_max_length (const LucidTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return tok->truncation_max_length;
}

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
  gint32 id;
  gint32 start, end; /* original byte offsets */
} RawToken;

typedef struct {
  RawToken *v;
  gsize n, cap;
} TokenVec;

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

static void
scratch_clear (Scratch *s)
{
  g_free (s->a);
  g_free (s->b);
  g_free (s->d);
  g_free (s->key);
  g_free (s->cb);
  g_free (s->utf8);
  g_free (s->byte_to_char);
  g_free (s->splits);
  memset (s, 0, sizeof (*s));
}

/* Grows *@buf (of @size-byte elements) to hold at least @need elements. */
static void
grow (gpointer buf, gsize *cap, gsize need, gsize size)
{
  gpointer *p = buf;
  gsize n;

  if (need <= *cap)
    return;
  n = MAX (need, *cap * 2);
  n = MAX (n, 16);
  *p = g_realloc_n (*p, n, size);
  *cap = n;
}

static inline void
push_a (Scratch *s, gunichar c, gint32 start, gint32 end)
{
  if (G_UNLIKELY (s->na == s->a_cap))
    grow (&s->a, &s->a_cap, s->na + 1, sizeof (NormChar));
  s->a[s->na].c = c;
  s->a[s->na].start = start;
  s->a[s->na].end = end;
  s->na++;
}

static inline void
push_b (Scratch *s, gunichar c, gint32 start, gint32 end)
{
  if (G_UNLIKELY (s->nb == s->b_cap))
    grow (&s->b, &s->b_cap, s->nb + 1, sizeof (NormChar));
  s->b[s->nb].c = c;
  s->b[s->nb].start = start;
  s->b[s->nb].end = end;
  s->nb++;
}

static void
push_split (Scratch *s, gsize start, gsize end, gint32 id)
{
  if (s->n_splits == s->splits_cap)
    grow (&s->splits, &s->splits_cap, s->n_splits + 1, sizeof (Split));
  s->splits[s->n_splits].start = start;
  s->splits[s->n_splits].end = end;
  s->splits[s->n_splits].id = id;
  s->n_splits++;
}

static void
push_token (TokenVec *t, gint32 id, gint32 start, gint32 end)
{
  if (t->n == t->cap)
    grow (&t->v, &t->cap, t->n + 1, sizeof (RawToken));
  t->v[t->n].id = id;
  t->v[t->n].start = start;
  t->v[t->n].end = end;
  t->n++;
}

/* ------------------------------------------------------------------------
 * Normalization (BertNormalizer) with alignments
 * ------------------------------------------------------------------------ */

/* Lowercases @c (when asked) into s->b, every result character aligned
 * with [start, end): 'İ' gives 'i' (replacing) and U+0307 (inserted after
 * it, so aligned with the same source). */
static inline void
emit_final (const LucidTokenizer *tok, Scratch *s, gunichar c, gint32 start,
            gint32 end)
{
  if (tok->lowercase) {
    if (c < 0x80) {
      push_b (s, c >= 'A' && c <= 'Z' ? c + 32 : c, start, end);
      return;
    }
    if (G_UNLIKELY (c == 0x130)) {
      push_b (s, 'i', start, end);
      push_b (s, 0x307, start, end);
      return;
    }
    c = uc_to_lower (c);
  }
  push_b (s, c, start, end);
}

/* Stable sort of each maximal run of non-starters by combining class:
 * the canonical ordering step of NFD, as unicode-normalization does it. */
static void
canonical_order (DecompChar *d, gsize n)
{
  gsize i = 0;

  while (i < n) {
    gsize run_end, j;

    if (d[i].ccc == 0) {
      i++;
      continue;
    }
    for (run_end = i; run_end < n && d[run_end].ccc != 0; run_end++)
      ;
    for (j = i + 1; j < run_end; j++) { /* insertion sort: runs are tiny */
      DecompChar x = d[j];
      gsize k = j;

      while (k > i && d[k - 1].ccc > x.ccc) {
        d[k] = d[k - 1];
        k--;
      }
      d[k] = x;
    }
    i = run_end;
  }
}

/* NFD, canonical ordering, nonspacing-mark removal and lowercase for
 * s->a[from, to), a stretch of non-ASCII characters that starts the piece
 * or follows an ASCII character (so everything before it is consumed):
 * the first character of each decomposition replaces the next character of
 * s->a not yet consumed and takes its alignment, the others are inserted
 * and take the last consumed one's (NormalizedString::transform; positional
 * even where canonical ordering moved characters). */
static void
strip_accents_block (const LucidTokenizer *tok, Scratch *s, gsize from,
                     gsize to, gsize begin)
{
  gsize i, consumed = from;

  s->nd = 0;
  for (i = from; i < to; i++) {
    gunichar buf[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    gsize k, n = uc_decompose (s->a[i].c, buf);

    grow (&s->d, &s->d_cap, s->nd + n, sizeof (DecompChar));
    for (k = 0; k < n; k++) {
      DecompChar *dc = &s->d[s->nd++];

      dc->c = buf[k];
      dc->ccc = buf[k] < 0x300 ? 0 : (guint8)g_unichar_combining_class (buf[k]);
      dc->first = k == 0;
    }
  }
  canonical_order (s->d, s->nd);

  for (i = 0; i < s->nd; i++) {
    gint32 st, en;

    if (s->d[i].first) {
      st = s->a[consumed].start;
      en = s->a[consumed].end;
      consumed++;
    } else if (consumed > 0) {
      st = s->a[consumed - 1].start;
      en = s->a[consumed - 1].end;
    } else {
      st = en = (gint32)begin;
    }
    if (uc_is_nonspacing_mark (s->d[i].c))
      continue;
    emit_final (tok, s, s->d[i].c, st, en);
  }
}

/* Normalizes text[begin, end) into s->b (s->nb characters). */
static void
normalize_piece (const LucidTokenizer *tok, Scratch *s, const char *text,
                 gsize begin, gsize end)
{
  gsize p, i, block;

  s->na = s->nb = 0;
  grow (&s->a, &s->a_cap, end - begin + 16, sizeof (NormChar));
  grow (&s->b, &s->b_cap, end - begin + 16, sizeof (NormChar));

  /* 1. clean_text and CJK padding, into s->a. */
  for (p = begin; p < end;) {
    gunichar c = (guchar)text[p];
    gsize q;

    if (c < 0x80) {
      q = p + 1;
      if (!tok->normalize) {
        push_b (s, c, (gint32)p, (gint32)q);
      } else if (c >= 0x20 && c != 0x7F) {
        push_a (s, c, (gint32)p, (gint32)q);
      } else if (!tok->clean_text) {
        push_a (s, c, (gint32)p, (gint32)q);
      } else if (c == '\t' || c == '\n' || c == '\r') {
        push_a (s, ' ', (gint32)p, (gint32)q);
      } /* other ASCII controls: removed */
      p = q;
      continue;
    }

    c = g_utf8_get_char (text + p);
    q = g_utf8_next_char (text + p) - text;
    if (!tok->normalize) {
      push_b (s, c, (gint32)p, (gint32)q);
      p = q;
      continue;
    }
    if (tok->clean_text) {
      if (c == 0xFFFD || uc_is_bert_control (c)) {
        p = q;
        continue;
      }
      if (uc_is_whitespace (c))
        c = ' ';
    }
    if (tok->handle_cjk && uc_is_cjk (c)) {
      /* Emitted as (' ', 0), (c, +1), (' ', +1): the first space replaces
       * the ideograph, so all three align with it. */
      push_a (s, ' ', (gint32)p, (gint32)q);
      push_a (s, c, (gint32)p, (gint32)q);
      push_a (s, ' ', (gint32)p, (gint32)q);
    } else {
      push_a (s, c, (gint32)p, (gint32)q);
    }
    p = q;
  }
  if (!tok->normalize)
    return;

  if (!tok->strip_accents) {
    /* 2'. lowercase only. */
    for (i = 0; i < s->na; i++)
      emit_final (tok, s, s->a[i].c, s->a[i].start, s->a[i].end);
    return;
  }

  /* 2. NFD, mark removal, lowercase.  An ASCII character neither
   * decomposes nor moves (combining class 0), and everything before it has
   * been consumed by then: it passes straight through, and the non-ASCII
   * stretches between such characters go through strip_accents_block. */
  block = 0;
  for (i = 0; i < s->na; i++) {
    gunichar c = s->a[i].c;

    if (c >= 0x80)
      continue;
    if (block < i)
      strip_accents_block (tok, s, block, i, begin);
    emit_final (tok, s, c, s->a[i].start, s->a[i].end);
    block = i + 1;
  }
  if (block < s->na)
    strip_accents_block (tok, s, block, s->na, begin);
}

/* ------------------------------------------------------------------------
 * Added tokens
 * ------------------------------------------------------------------------ */

static gboolean
text_ends_with_word (const char *s, gsize pos)
{
  const char *prev;

  if (pos == 0)
    return FALSE;
  prev = g_utf8_find_prev_char (s, s + pos);
  return prev != NULL && uc_is_word_char (g_utf8_get_char (prev));
}

static gboolean
text_starts_with_word (const char *s, gsize pos, gsize len)
{
  return pos < len && uc_is_word_char (g_utf8_get_char (s + pos));
}

/* Start of the whitespace run ending at @pos (regex \s*$ on s[..pos]). */
static gsize
whitespace_run_start (const char *s, gsize pos)
{
  while (pos > 0) {
    const char *prev = g_utf8_find_prev_char (s, s + pos);

    if (prev == NULL || !uc_is_whitespace (g_utf8_get_char (prev)))
      break;
    pos = prev - s;
  }
  return pos;
}

/* End of the whitespace run starting at @pos (regex ^\s* on s[pos..]). */
static gsize
whitespace_run_end (const char *s, gsize pos, gsize len)
{
  while (pos < len && uc_is_whitespace (g_utf8_get_char (s + pos)))
    pos = g_utf8_next_char (s + pos) - s;
  return pos;
}

/* AddedVocabulary::find_matches: splits s[0, len) into added tokens (id
 * >= 0) and the text between them (id -1), into s->splits.  Matching is
 * leftmost-longest (aho-corasick MatchKind::LeftmostLongest); the search
 * resumes at the end of the pattern match whether or not single_word
 * rejected it and whatever rstrip added, as upstream. */
static void
find_added (const LucidTokenizer *tok, const Matcher *m, gboolean normalized,
            Scratch *scr, const char *s, gsize len)
{
  gsize start_offset = 0, p = 0;

  scr->n_splits = 0;
  while (p < len) {
    guint b = (guchar)s[p], k, best = G_MAXUINT;
    gsize best_len = 0, mstart, mstop;
    const AddedToken *at;

    for (k = m->first[b]; k < m->first[b + 1]; k++) {
      const AddedToken *cand = &tok->added[m->idx[k]];
      const char *pat = normalized ? cand->norm : cand->content;
      gsize plen = normalized ? cand->norm_len : cand->len;

      if (plen > best_len && plen <= len - p
          && memcmp (s + p, pat, plen) == 0) {
        best = m->idx[k];
        best_len = plen;
      }
    }
    if (best == G_MAXUINT) {
      p++;
      continue;
    }
    at = &tok->added[best];
    mstart = p;
    mstop = p + best_len;
    p = mstop;
    if (at->single_word
        && (text_ends_with_word (s, mstart)
            || text_starts_with_word (s, mstop, len)))
      continue;
    if (at->lstrip)
      mstart = MAX (whitespace_run_start (s, mstart), start_offset);
    if (at->rstrip)
      mstop = whitespace_run_end (s, mstop, len);
    if (start_offset < mstart)
      push_split (scr, start_offset, mstart, -1);
    push_split (scr, mstart, mstop, at->id);
    start_offset = mstop;
  }
  if (start_offset < len)
    push_split (scr, start_offset, len, -1);
}

/* ------------------------------------------------------------------------
 * Pre-tokenization and WordPiece
 * ------------------------------------------------------------------------ */

/* WordPiece::tokenize on the normalized word s->b[w0, w1). */
static void
wordpiece (const LucidTokenizer *tok, Scratch *s, gsize w0, gsize w1,
           TokenVec *out)
{
  const gsize n = w1 - w0, plen = tok->prefix_len;
  const gsize first_token = out->n;
  gsize i, start, first_nul = n;
  char *buf;

  if ((guint64)n > tok->max_input_chars)
    goto unknown;

  /* Word bytes go to key[plen..]; a piece starting at character k > 0 is
   * looked up with the prefix written just before its first byte, over
   * bytes already consumed.  No allocation per lookup. */
  grow (&s->cb, &s->cb_cap, n + 1, sizeof (gsize));
  grow (&s->key, &s->key_cap, plen + 4 * n + 1, 1);
  buf = s->key;
  s->cb[0] = 0;
  for (i = 0; i < n; i++) {
    gunichar c = s->b[w0 + i].c;

    if (c < 0x80) {
      buf[plen + s->cb[i]] = (char)c;
      s->cb[i + 1] = s->cb[i] + 1;
    } else {
      s->cb[i + 1] = s->cb[i] + g_unichar_to_utf8 (c, buf + plen + s->cb[i]);
    }
    if (c == 0 && first_nul == n)
      first_nul = i;
  }
  buf[plen + s->cb[n]] = '\0';

  for (start = 0; start < n;) {
    char *key;
    gsize end;
    gint32 id = -1;

    if (start == 0) {
      key = buf + plen;
    } else {
      key = buf + s->cb[start];
      memcpy (key, tok->prefix, plen);
    }
    /* A piece holding U+0000 (kept when clean_text is off) is in no
     * vocabulary, and would end the C string early: such a word never
     * gets past its first NUL, and ends as [UNK]. */
    /* Pieces longer than the longest vocabulary token cannot match:
     * start below that length (this keeps long words linear). */
    end = first_nul;
    while (end > start
           && s->cb[end] - s->cb[start] + (start ? plen : 0)
                  > tok->max_token_bytes)
      end--;
    for (; end > start; end--) {
      char *term = buf + plen + s->cb[end];
      char saved = *term;

      *term = '\0';
      id = vocab_lookup (tok, key);
      *term = saved;
      if (id >= 0)
        break;
    }
    if (id < 0)
      goto unknown;
    push_token (out, id, s->b[w0 + start].start, s->b[w0 + end - 1].end);
    start = end;
  }
  return;

unknown:
  out->n = first_token;
  push_token (out, tok->unk_id, s->b[w0].start, s->b[w1 - 1].end);
}

/* Pre-tokenizes s->b[c0, c1) and runs WordPiece on each word. */
static void
pretokenize_and_model (const LucidTokenizer *tok, Scratch *s, gsize c0,
                       gsize c1, TokenVec *out)
{
  gsize i = c0;

  if (!tok->split_whitespace && !tok->split_punct) {
    if (c1 > c0)
      wordpiece (tok, s, c0, c1, out);
    return;
  }
  while (i < c1) {
    gunichar c = s->b[i].c;
    gsize j;

    if (tok->split_whitespace && uc_is_whitespace (c)) {
      i++;
      continue;
    }
    if (tok->split_punct && uc_is_bert_punct (c)) {
      wordpiece (tok, s, i, i + 1, out);
      i++;
      continue;
    }
    for (j = i + 1; j < c1; j++) {
      c = s->b[j].c;
      if ((tok->split_whitespace && uc_is_whitespace (c))
          || (tok->split_punct && uc_is_bert_punct (c)))
        break;
    }
    wordpiece (tok, s, i, j, out);
    i = j;
  }
}

/* Normalizes text[begin, end), extracts normalized added tokens, and
 * tokenizes the rest. */
static void
encode_piece (const LucidTokenizer *tok, Scratch *s, const char *text,
              gsize begin, gsize end, TokenVec *out)
{
  gsize i, k;

  normalize_piece (tok, s, text, begin, end);
  if (s->nb == 0)
    return;
  if (!tok->norm_matcher.any) {
    pretokenize_and_model (tok, s, 0, s->nb, out);
    return;
  }

  /* The normalized piece as UTF-8, with a byte → character map. */
  s->utf8_len = 0;
  for (i = 0; i < s->nb; i++) {
    grow (&s->utf8, &s->utf8_cap, s->utf8_len + 7, 1);
    grow (&s->byte_to_char, &s->b2c_cap, s->utf8_len + 7, sizeof (gsize));
    s->byte_to_char[s->utf8_len] = i;
    s->utf8_len += g_unichar_to_utf8 (s->b[i].c, s->utf8 + s->utf8_len);
  }
  s->byte_to_char[s->utf8_len] = s->nb;

  find_added (tok, &tok->norm_matcher, TRUE, s, s->utf8, s->utf8_len);
  for (k = 0; k < s->n_splits; k++) {
    gsize c0 = s->byte_to_char[s->splits[k].start];
    gsize c1 = s->byte_to_char[s->splits[k].end];

    if (c1 <= c0)
      continue;
    if (s->splits[k].id >= 0)
      push_token (out, s->splits[k].id, s->b[c0].start, s->b[c1 - 1].end);
    else
      pretokenize_and_model (tok, s, c0, c1, out);
  }
}

/* All tokens of one sequence, with original byte offsets. */
static void
encode_sequence (const LucidTokenizer *tok, Scratch *s, const char *text,
                 gsize len, TokenVec *out)
{
  gsize k, n_splits;
  Split *splits;

  out->n = 0;
  if (!tok->raw_matcher.any) {
    encode_piece (tok, s, text, 0, len, out);
    return;
  }
  find_added (tok, &tok->raw_matcher, FALSE, s, text, len);
  /* encode_piece reuses s->splits: work on a copy. */
  n_splits = s->n_splits;
  splits = g_memdup2 (s->splits, n_splits * sizeof (Split));
  for (k = 0; k < n_splits; k++) {
    if (splits[k].id >= 0)
      push_token (out, splits[k].id, (gint32)splits[k].start,
                  (gint32)splits[k].end);
    else
      encode_piece (tok, s, text, splits[k].start, splits[k].end, out);
  }
  g_free (splits);
}

/* ------------------------------------------------------------------------
 * Encoding: truncation, template, offsets
 * ------------------------------------------------------------------------ */

/* Makes @text valid UTF-8 (NUL characters allowed: they are text here,
 * and clean_text drops them), replacing each invalid byte by U+FFFD.
 * Returns NULL when @text already is valid. */
static char *
repair_utf8 (const char *text, gsize len, gsize *out_len)
{
  const char *p = text, *stop = text + len, *bad;
  GString *r;

  for (;;) {
    if (g_utf8_validate_len (p, stop - p, &bad))
      return NULL;
    if (*bad != '\0')
      break;
    p = bad + 1;
  }

  r = g_string_sized_new (len + 16);
  p = text;
  while (p < stop) {
    gunichar c = g_utf8_get_char_validated (p, stop - p);

    if (*p == '\0') {
      g_string_append_c (r, '\0');
      p++;
    } else if (c == (gunichar)-1 || c == (gunichar)-2) {
      g_string_append (r, "\xEF\xBF\xBD");
      p++;
    } else {
      const char *next = g_utf8_next_char (p);

      g_string_append_len (r, p, next - p);
      p = next;
    }
  }
  *out_len = r->len;
  return g_string_free (r, FALSE);
}

/* Byte → code point conversion over one text, for offsets that mostly
 * increase: a cursor walks forward (or back) from the last answer.  All
 * offsets here fall on character boundaries. */
typedef struct {
  const char *text;
  gsize len;
  gsize byte;
  gint32 chr;
} CharCursor;

static gint32
cursor_char_index (CharCursor *cur, gsize byte)
{
  const char *t = cur->text;

  while (cur->byte < byte) {
    cur->byte = (guchar)t[cur->byte] < 0x80
                    ? cur->byte + 1
                    : (gsize)(g_utf8_next_char (t + cur->byte) - t);
    cur->chr++;
  }
  while (cur->byte > byte) {
    cur->byte = g_utf8_prev_char (t + cur->byte) - t;
    cur->chr--;
  }
  return cur->chr;
}

/* The Python binding's byte → code point conversion
 * (BytesToCharOffsetConverter): the index of the character at @start, and
 * of the character at @end (the character count at the end of the text).
 * A start past the text stays in bytes, as there. */
static void
to_char_offsets (CharCursor *cur, gint32 start, gint32 end, gint32 *cstart,
                 gint32 *cend)
{
  if (start < 0 || (gsize)start >= cur->len || end < start
      || (gsize)end > cur->len) {
    *cstart = start;
    *cend = end;
    return;
  }
  *cstart = cursor_char_index (cur, start);
  *cend = cursor_char_index (cur, end);
}

/* truncate_encodings() of tokenizers for LongestFirst, Right, stride 0,
 * given the room left after the template's special tokens. */
static void
truncate_longest_first (gsize *n1, gsize *n2, gboolean has_pair, gsize room)
{
  gsize a = *n1, b = *n2, total = a + b;

  if (room == 0) {
    *n1 = 0;
    *n2 = 0;
    return;
  }
  if (total <= room)
    return;
  if (!has_pair) {
    *n1 = room;
    return;
  }
  {
    gboolean swap = a > b;
    gsize s = swap ? b : a, l; /* s: the shorter */

    if (s > room)
      l = s;
    else
      l = MAX (s, room - s);
    if (s + l > room) {
      s = room / 2;
      l = s + room % 2;
    }
    *n1 = MIN (a, swap ? l : s);
    *n2 = MIN (b, swap ? s : l);
  }
}

LucidEncoding *
lucid_tokenizer_encode_len (const LucidTokenizer *tok, const char *text,
                            gssize text_len, const char *text_pair,
                            gssize pair_len, guint max_length)
{
  Scratch s = { 0 };
  TokenVec ta = { 0 }, tb = { 0 };
  const char *texts[2];
  gsize lens[2];
  char *repaired[2] = { NULL, NULL };
  CharCursor cursors[2];
  const gboolean has_pair = text_pair != NULL;
  const Template *tpl;
  LucidEncoding *enc;
  gsize na, nb, total, i, j, k;

  g_return_val_if_fail (tok != NULL, NULL);

  if (text == NULL)
    text = "";
  texts[0] = text;
  lens[0] = text_len < 0 ? strlen (text) : (gsize)text_len;
  texts[1] = text_pair ? text_pair : "";
  lens[1] = !text_pair     ? 0
            : pair_len < 0 ? strlen (text_pair)
                           : (gsize)pair_len;
  for (k = 0; k < 2; k++) {
    /* Offsets are gint32: a text of 2 GiB or more is cut, at a character
     * boundary, below that. */
    if (lens[k] >= (gsize)G_MAXINT32) {
      lens[k] = G_MAXINT32 - 1;
      while (lens[k] > 0 && ((guchar)texts[k][lens[k]] & 0xC0) == 0x80)
        lens[k]--;
    }
    repaired[k] = repair_utf8 (texts[k], lens[k], &lens[k]);
    if (repaired[k])
      texts[k] = repaired[k];
  }

  encode_sequence (tok, &s, texts[0], lens[0], &ta);
  if (has_pair)
    encode_sequence (tok, &s, texts[1], lens[1], &tb);

  tpl = has_pair ? &tok->pair : &tok->single;
  na = ta.n;
  nb = tb.n;
  /* tokenizers subtracts the template's tokens from max_length in unsigned
   * arithmetic: a max_length below them wraps and truncates nothing. */
  if (max_length > 0 && max_length >= tpl->n_special_ids)
    truncate_longest_first (&na, &nb, has_pair,
                            max_length - tpl->n_special_ids);

  total = tpl->n_special_ids + na + nb;
  enc = g_new0 (LucidEncoding, 1);
  enc->n = (guint)total;
  enc->ids = g_new (gint32, total);
  enc->type_ids = g_new (gint32, total);
  enc->special_mask = g_new (gint32, total);
  enc->char_start = g_new (gint32, total);
  enc->char_end = g_new (gint32, total);
  enc->byte_start = g_new (gint32, total);
  enc->byte_end = g_new (gint32, total);
  enc->sequence = g_new (guint8, total);
  enc->truncated = na < ta.n || nb < tb.n;

  for (k = 0; k < 2; k++) {
    cursors[k].text = texts[k];
    cursors[k].len = lens[k];
    cursors[k].byte = 0;
    cursors[k].chr = 0;
  }

  for (i = 0, j = 0; i < tpl->n_items; i++) {
    const TemplateItem *it = &tpl->items[i];

    if (it->kind == ITEM_SPECIAL) {
      for (k = 0; k < it->n_ids; k++, j++) {
        enc->ids[j] = it->ids[k];
        enc->type_ids[j] = it->type_id;
        enc->special_mask[j] = 1;
        enc->char_start[j] = enc->char_end[j] = 0;
        enc->byte_start[j] = enc->byte_end[j] = 0;
        enc->sequence[j] = 255;
      }
    } else {
      const gboolean is_b = it->kind == ITEM_SEQUENCE_B;
      const TokenVec *tv = is_b ? &tb : &ta;
      const gsize used = is_b ? nb : na, seq = is_b ? 1 : 0;

      for (k = 0; k < used; k++, j++) {
        const RawToken *t = &tv->v[k];

        enc->ids[j] = t->id;
        enc->type_ids[j] = it->type_id;
        enc->special_mask[j] = 0;
        enc->byte_start[j] = t->start;
        enc->byte_end[j] = t->end;
        to_char_offsets (&cursors[seq], t->start, t->end, &enc->char_start[j],
                         &enc->char_end[j]);
        enc->sequence[j] = (guint8)seq;
      }
    }
  }
  g_assert (j == total);

  for (k = 0; k < 2; k++)
    g_free (repaired[k]);
  g_free (ta.v);
  g_free (tb.v);
  scratch_clear (&s);
  return enc;
}

LucidEncoding *
lucid_tokenizer_encode (const LucidTokenizer *tok, const char *text,
                        const char *text_pair, guint max_length)
{
  return lucid_tokenizer_encode_len (tok, text, -1, text_pair, -1, max_length);
}

void
lucid_encoding_free (LucidEncoding *enc)
{
  if (enc == NULL)
    return;
  g_free (enc->ids);
  g_free (enc->type_ids);
  g_free (enc->special_mask);
  g_free (enc->char_start);
  g_free (enc->char_end);
  g_free (enc->byte_start);
  g_free (enc->byte_end);
  g_free (enc->sequence);
  g_free (enc);
}

char *
lucid_tokenizer_normalize (const LucidTokenizer *tok, const char *text,
                           gssize len)
{
  Scratch s = { 0 };
  g_autofree char *repaired = NULL;
  gsize n, i;
  GString *out;

  g_return_val_if_fail (tok != NULL, NULL);
  if (text == NULL)
    text = "";
  n = len < 0 ? strlen (text) : (gsize)len;
  repaired = repair_utf8 (text, n, &n);
  normalize_piece (tok, &s, repaired ? repaired : text, 0, n);
  out = g_string_sized_new (s.nb + 1);
  for (i = 0; i < s.nb; i++)
    g_string_append_unichar (out, s.b[i].c);
  scratch_clear (&s);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * Loading: helpers
 * ------------------------------------------------------------------------ */

/* Member @key of @obj that must be an object (or null when @null_ok:
 * then *@out is NULL and TRUE is returned). */
static gboolean
get_object (JsonObject *obj, const char *key, gboolean null_ok,
            JsonObject **out, const char *label, GError **error)
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

static JsonArray *
get_array (JsonObject *obj, const char *key, const char *label, GError **error)
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
static gboolean
get_bool_default (JsonObject *obj, const char *key, gboolean dflt,
                  gboolean *out, const char *label, GError **error)
{
  if (!lucid_json_has (obj, key)) {
    *out = dflt;
    return TRUE;
  }
  return lucid_json_get_bool (obj, key, out, label, error);
}

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

/* ------------------------------------------------------------------------
 * Loading: vocabulary, added tokens, id table
 * ------------------------------------------------------------------------ */

/* Adds @token → @id to the WordPiece vocabulary; @token is stolen. */
static void
vocab_insert (LucidTokenizer *tok, char *token, gint32 id)
{
  if (!g_hash_table_contains (tok->vocab, token))
    tok->vocab_count++;
  tok->max_token_bytes = MAX (tok->max_token_bytes, strlen (token));
  g_hash_table_insert (tok->vocab, token, GUINT_TO_POINTER ((guint)id + 1));
}

/* "vocab": {"token": id, ...}; ids must be distinct non-negative
 * integers. */
static gboolean
parse_vocab_object (LucidTokenizer *tok, JsonObject *vocab, const char *label,
                    GError **error)
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
    vocab_insert (tok, g_strdup (token), (gint32)id);
  }
  return TRUE;
}

/* AddedVocabulary::add_tokens for one token: an existing added token keeps
 * its id (and takes the new options), a token of the model vocabulary gets
 * the model's id, anything else the next id after the model's. */
static void
add_token (LucidTokenizer *tok, const char *content, gboolean special,
           gboolean single_word, gboolean lstrip, gboolean rstrip,
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
    gint32 id = vocab_lookup (tok, content);

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

/* tokenizer.json "added_tokens": [{"id", "content", "single_word",
 * "lstrip", "rstrip", "normalized", "special"}, ...].  As upstream, the
 * listed id is not trusted: ids come from add_token(). */
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
    if (!get_bool_default (o, "special", FALSE, &special, sub, error)
        || !get_bool_default (o, "single_word", FALSE, &single_word, sub, error)
        || !get_bool_default (o, "lstrip", FALSE, &lstrip, sub, error)
        || !get_bool_default (o, "rstrip", FALSE, &rstrip, sub, error)
        || !get_bool_default (o, "normalized", !special, &normalized, sub,
                              error))
      return FALSE;
    add_token (tok, content, special, single_word, lstrip, rstrip, normalized);
  }
  return TRUE;
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
static void
finish_tokens (LucidTokenizer *tok)
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
 * Loading: tokenizer.json sections
 * ------------------------------------------------------------------------ */

static gboolean
parse_normalizer (LucidTokenizer *tok, JsonObject *root, const char *label,
                  GError **error)
{
  g_autofree char *sub = g_strdup_printf ("%s: normalizer", label);
  JsonObject *o;
  const char *type;
  JsonNode *sa;

  if (!get_object (root, "normalizer", TRUE, &o, label, error))
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
    JsonArray *arr = get_array (o, "pretokenizers", sub, error);
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

  if (!get_object (root, "pre_tokenizer", TRUE, &o, label, error))
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

  if (!get_object (root, "model", FALSE, &o, label, error))
    return FALSE;
  if (lucid_json_has (o, "type")) {
    if ((s = get_type (o, sub, error)) == NULL)
      return FALSE;
    if (strcmp (s, "WordPiece") != 0) {
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: model type '%s' is not supported (Lucid runs WordPiece)", label,
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

  if (!get_object (o, "vocab", FALSE, &vocab, sub, error))
    return FALSE;
  if (!parse_vocab_object (tok, vocab, sub, error))
    return FALSE;
  tok->unk_id = vocab_lookup (tok, tok->unk_token);
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
static void
set_bert_templates (LucidTokenizer *tok, gint32 cls, gint32 sep)
{
  template_clear (&tok->single);
  template_clear (&tok->pair);
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
  JsonArray *arr = get_array (pp, key, sub, error);
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
        || !get_object (item, special ? "SpecialToken" : "Sequence", FALSE,
                        &body, sub, NULL)) {
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

      if (!get_object (specials, id, FALSE, &st, sub, NULL)) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     "%s: special token '%s' is not defined in special_tokens",
                     sub, id);
        return FALSE;
      }
      ssub
          = g_strdup_printf ("%s: post_processor.special_tokens.%s", label, id);
      if ((ids = get_array (st, "ids", ssub, error)) == NULL)
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
  JsonArray *arr = get_array (o, key, label, error);
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

  template_clear (&tok->single);
  template_clear (&tok->pair);
  if (!get_object (root, "post_processor", TRUE, &o, label, error))
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
    if (!get_object (o, "special_tokens", FALSE, &specials, sub, error)
        || !parse_template (&tok->single, o, "single", specials, FALSE, label,
                            error)
        || !parse_template (&tok->pair, o, "pair", specials, TRUE, label,
                            error))
      return FALSE;
    template_find_cls_sep (tok);
    return TRUE;
  }
  if (strcmp (type, "BertProcessing") == 0) {
    gint32 cls, sep;

    if (!parse_bert_processing_pair (o, "cls", &cls, sub, error)
        || !parse_bert_processing_pair (o, "sep", &sep, sub, error))
      return FALSE;
    set_bert_templates (tok, cls, sep);
    return TRUE;
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "%s: post_processor type '%s' is not supported (Lucid runs "
               "TemplateProcessing and BertProcessing)",
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

  if (!get_object (root, "truncation", TRUE, &o, label, error))
    return FALSE;
  if (o != NULL) {
    if (!lucid_json_get_int (o, "max_length", 0, G_MAXINT64, &v, tsub, error))
      return FALSE;
    tok->truncation_max_length = (guint)MIN (v, (gint64)G_MAXUINT);
  }
  if (!get_object (root, "padding", TRUE, &o, label, error))
    return FALSE;
  if (o != NULL && lucid_json_has (o, "pad_id")) {
    if (!lucid_json_get_int (o, "pad_id", 0, MAX_ID, &v, psub, error))
      return FALSE;
    tok->pad_id = (gint32)v;
  }
  return TRUE;
}

typedef struct {
  JsonNode *config;      /* tokenizer_config.json or NULL */
  JsonNode *special_map; /* special_tokens_map.json or NULL */
  char *config_path;
} ConfigFiles;

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
static const char *
config_special (const ConfigFiles *c, const char *key, const char *dflt)
{
  const char *s = special_token_content (node_object (c->config), key);

  if (s == NULL)
    s = special_token_content (node_object (c->special_map), key);
  return s ? s : dflt;
}

static LucidTokenizer *
tokenizer_from_json_root (JsonNode *root_node, const char *label,
                          const ConfigFiles *c, GError **error)
{
  g_autoptr (LucidTokenizer) tok = tokenizer_new (label);
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
  if (!parse_model (tok, root, label, error)
      || !parse_normalizer (tok, root, label, error)
      || !parse_pre_tokenizer (tok, root, label, error)
      || !parse_post_processor (tok, root, label, error)
      || !parse_truncation_and_padding (tok, root, label, error)
      || !parse_added_tokens (tok, root, label, error))
    return NULL;
  finish_tokens (tok);
  if (tok->pad_id < 0) /* no "padding" section */
    tok->pad_id = lucid_tokenizer_token_to_id (
        tok, config_special (c, "pad_token", "[PAD]"));
  tok->mask_id = lucid_tokenizer_token_to_id (
      tok, config_special (c, "mask_token", "[MASK]"));
  if (tok->cls_id < 0) /* no template */
    tok->cls_id = lucid_tokenizer_token_to_id (
        tok, config_special (c, "cls_token", "[CLS]"));
  if (tok->sep_id < 0)
    tok->sep_id = lucid_tokenizer_token_to_id (
        tok, config_special (c, "sep_token", "[SEP]"));
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

    return tokenizer_from_json_root (root, label, &none, error);
  }
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
    vocab_insert (tok, g_strndup (data + p, q - p), line++);
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

  if (!get_object (cfg, "added_tokens_decoder", TRUE, &dec, label, error))
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

    if (!get_object (dec, key, FALSE, &o, sub, error))
      return FALSE;
    if ((content = lucid_json_get_string (o, "content", sub, error)) == NULL
        || !get_bool_default (o, "special", FALSE, &special, sub, error)
        || !get_bool_default (o, "single_word", FALSE, &single_word, sub, error)
        || !get_bool_default (o, "lstrip", FALSE, &lstrip, sub, error)
        || !get_bool_default (o, "rstrip", FALSE, &rstrip, sub, error)
        || !get_bool_default (o, "normalized", !special, &normalized, sub,
                              error))
      return FALSE;
    add_token (tok, content, special, single_word, lstrip, rstrip, normalized);
  }
  return TRUE;
}

/* BertTokenizer (transformers 5: a `tokenizers` pipeline built from
 * vocab.txt) with tokenizer_config.json's options. */
static LucidTokenizer *
load_from_vocab_txt (const char *vocab_path, const ConfigFiles *c,
                     GError **error)
{
  g_autoptr (LucidTokenizer) tok = tokenizer_new (vocab_path);
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
  tok->unk_token = g_strdup (config_special (c, "unk_token", "[UNK]"));

  /* The special tokens are added tokens (not normalized), then whatever
   * tokenizer_config.json lists in added_tokens_decoder, in id order. */
  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    add_token (tok, config_special (c, keys[i], dflts[i]), TRUE, FALSE, FALSE,
               FALSE, FALSE);
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
        add_token (tok, content, TRUE, FALSE, FALSE, FALSE, FALSE);
      }
    }
  }
  if (!add_tokens_decoder (tok, cfg, label, error))
    return NULL;

  finish_tokens (tok);
  cls = config_special (c, "cls_token", "[CLS]");
  sep = config_special (c, "sep_token", "[SEP]");
  set_bert_templates (tok, lucid_tokenizer_token_to_id (tok, cls),
                      lucid_tokenizer_token_to_id (tok, sep));
  tok->unk_id = vocab_lookup (tok, tok->unk_token);
  if (tok->unk_id < 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: unk_token '%s' is not in the vocabulary", vocab_path,
                 tok->unk_token);
    return NULL;
  }
  if (tok->cls_id < 0 || tok->sep_id < 0) {
    /* add_token gave them ids, unless a name is empty */
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: no id for cls_token '%s' / sep_token '%s'", label, cls,
                 sep);
    return NULL;
  }
  tok->pad_id = lucid_tokenizer_token_to_id (
      tok, config_special (c, "pad_token", "[PAD]"));
  tok->mask_id = lucid_tokenizer_token_to_id (
      tok, config_special (c, "mask_token", "[MASK]"));
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
    tok = tokenizer_from_json_root (root, json_path, &c, error);
  } else if (g_file_test (vocab_path, G_FILE_TEST_EXISTS)) {
    tok = load_from_vocab_txt (vocab_path, &c, error);
  } else {
    g_autofree char *merges = g_build_filename (model_dir, "merges.txt", NULL);

    if (g_file_test (merges, G_FILE_TEST_EXISTS))
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                   "%s: a BPE tokenizer (vocab.json + merges.txt) without "
                   "tokenizer.json is not supported (Lucid runs WordPiece)",
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
