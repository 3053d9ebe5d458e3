/* lucid-tokenizer.c — BERT WordPiece tokenization, exactly as Hugging Face
 * `tokenizers` (0.23) does it, with offsets into the original text (the
 * byte-level BPE of CLIP shares steps 1, 3 and the post-processing: see
 * lucid-tokenizer-bpe.c).
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
 * 16+), and GLib 2.74 knows Unicode 15.0.  The exception tables (in
 * lucid-tokenizer-unicode.c) were derived by running all 1,112,064 Unicode
 * scalar values through each BertNormalizer step and through
 * BertPreTokenizer in tokenizers 0.23.3 and comparing with GLib 2.74.6; with
 * them every code point gives the same result.  A GLib built on a newer
 * Unicode may classify characters assigned after 15.0 differently (their
 * categories in the crate are "unassigned").
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
 * THE FILES
 *
 *  lucid-tokenizer.c            this essay, and the public API: encoding
 *                               (pre-tokenization, WordPiece, truncation,
 *                               template, offsets), normalize, accessors
 *  lucid-tokenizer-unicode.c    Unicode properties as `tokenizers` sees them
 *  lucid-tokenizer-normalize.c  steps 1-3: added tokens, BertNormalizer and
 *                               the alignment bookkeeping
 *  lucid-tokenizer-json.c       tokenizer.json, section by section
 *  lucid-tokenizer-load.c       model directories (tokenizer.json, or
 *                               vocab.txt + tokenizer_config.json) and the
 *                               vocabulary and added-token tables
 *  lucid-tokenizer-bpe.c        CLIP's byte-level BPE: Split + ByteLevel,
 *                               BPE merges (steps 4 and 5 when model.type
 *                               is BPE)
 *  lucid-tokenizer-bpe-normalize.c  its normalizer Sequence (step 2)
 *  lucid-tokenizer-bpe-json.c   its tokenizer.json sections
 *  lucid-tokenizer-bpe-tables.c Oniguruma's / unicode-normalization's
 *                               character classes (generated)
 *  lucid-tokenizer-private.h    what they share (not installed)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

/* ------------------------------------------------------------------------
 * The tokenizer
 * ------------------------------------------------------------------------ */

void
lucid_tokenizer_template_clear (Template *t)
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
  lucid_tokenizer_template_clear (&tok->single);
  lucid_tokenizer_template_clear (&tok->pair);
  lucid_tokenizer_bpe_clear (&tok->bpe);
  g_free (tok);
}

/* An empty tokenizer for a loader to fill in; @label names it in messages. */
LucidTokenizer *
lucid_tokenizer_new_empty (const char *label)
{
  LucidTokenizer *tok = g_new0 (LucidTokenizer, 1);

  tok->label = g_strdup (label ? label : "<tokenizer>");
  tok->vocab = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tok->added_map = g_hash_table_new (g_str_hash, g_str_equal);
  tok->unk_id = tok->cls_id = tok->sep_id = tok->pad_id = tok->mask_id = -1;
  tok->max_id = -1;
  return tok;
}

/* The WordPiece vocabulary's id for @token (added tokens aside), or -1. */
gint32
lucid_tokenizer_vocab_lookup (const LucidTokenizer *tok, const char *token)
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
  return lucid_tokenizer_vocab_lookup (tok, token);
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
  lucid_tokenizer_bpe_scratch_clear (s);
  memset (s, 0, sizeof (*s));
}

/* Grows *@buf (of @size-byte elements) to hold at least @need elements. */
void
lucid_tokenizer_grow (gpointer buf, gsize *cap, gsize need, gsize size)
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
  lucid_tokenizer_grow (&s->cb, &s->cb_cap, n + 1, sizeof (gsize));
  lucid_tokenizer_grow (&s->key, &s->key_cap, plen + 4 * n + 1, 1);
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
      id = lucid_tokenizer_vocab_lookup (tok, key);
      *term = saved;
      if (id >= 0)
        break;
    }
    if (id < 0)
      goto unknown;
    lucid_tokenizer_push_token (out, id, s->b[w0 + start].start, s->b[w0 + end - 1].end);
    start = end;
  }
  return;

unknown:
  out->n = first_token;
  lucid_tokenizer_push_token (out, tok->unk_id, s->b[w0].start, s->b[w1 - 1].end);
}

/* Pre-tokenizes s->b[c0, c1) and runs WordPiece on each word. */
static void
pretokenize_and_model (const LucidTokenizer *tok, Scratch *s, gsize c0,
                       gsize c1, TokenVec *out)
{
  gsize i = c0;

  if (tok->model == LUCID_TOK_BPE) {
    lucid_tokenizer_bpe_pretokenize_and_model (tok, s, c0, c1, out);
    return;
  }
  if (!tok->split_whitespace && !tok->split_punct) {
    if (c1 > c0)
      wordpiece (tok, s, c0, c1, out);
    return;
  }
  while (i < c1) {
    gunichar c = s->b[i].c;
    gsize j;

    if (tok->split_whitespace && lucid_uc_is_whitespace (c)) {
      i++;
      continue;
    }
    if (tok->split_punct && lucid_uc_is_bert_punct (c)) {
      wordpiece (tok, s, i, i + 1, out);
      i++;
      continue;
    }
    for (j = i + 1; j < c1; j++) {
      c = s->b[j].c;
      if ((tok->split_whitespace && lucid_uc_is_whitespace (c))
          || (tok->split_punct && lucid_uc_is_bert_punct (c)))
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

  if (tok->model == LUCID_TOK_BPE)
    lucid_tokenizer_bpe_normalize_piece (tok, s, text, begin, end);
  else
    lucid_tokenizer_normalize_piece (tok, s, text, begin, end);
  if (s->nb == 0)
    return;
  if (!tok->norm_matcher.any) {
    pretokenize_and_model (tok, s, 0, s->nb, out);
    return;
  }

  /* The normalized piece as UTF-8, with a byte → character map. */
  s->utf8_len = 0;
  for (i = 0; i < s->nb; i++) {
    lucid_tokenizer_grow (&s->utf8, &s->utf8_cap, s->utf8_len + 7, 1);
    lucid_tokenizer_grow (&s->byte_to_char, &s->b2c_cap, s->utf8_len + 7,
                          sizeof (gsize));
    s->byte_to_char[s->utf8_len] = i;
    s->utf8_len += g_unichar_to_utf8 (s->b[i].c, s->utf8 + s->utf8_len);
  }
  s->byte_to_char[s->utf8_len] = s->nb;

  lucid_tokenizer_find_added (tok, &tok->norm_matcher, TRUE, s, s->utf8,
                              s->utf8_len);
  for (k = 0; k < s->n_splits; k++) {
    gsize c0 = s->byte_to_char[s->splits[k].start];
    gsize c1 = s->byte_to_char[s->splits[k].end];

    if (c1 <= c0)
      continue;
    if (s->splits[k].id >= 0)
      lucid_tokenizer_push_token (out, s->splits[k].id, s->b[c0].start, s->b[c1 - 1].end);
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
  lucid_tokenizer_find_added (tok, &tok->raw_matcher, FALSE, s, text, len);
  /* encode_piece reuses s->splits: work on a copy. */
  n_splits = s->n_splits;
  splits = g_memdup2 (s->splits, n_splits * sizeof (Split));
  for (k = 0; k < n_splits; k++) {
    if (splits[k].id >= 0)
      lucid_tokenizer_push_token (out, splits[k].id, (gint32)splits[k].start,
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
  if (tok->model == LUCID_TOK_BPE)
    lucid_tokenizer_bpe_normalize_piece (tok, &s, repaired ? repaired : text,
                                         0, n);
  else
    lucid_tokenizer_normalize_piece (tok, &s, repaired ? repaired : text, 0,
                                     n);
  out = g_string_sized_new (s.nb + 1);
  for (i = 0; i < s.nb; i++)
    g_string_append_unichar (out, s.b[i].c);
  scratch_clear (&s);
  return g_string_free (out, FALSE);
}
