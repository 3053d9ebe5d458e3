/* lucid-tokenizer.h — BERT WordPiece and CLIP's byte-level BPE tokenizers,
 * as Hugging Face `tokenizers` does them.
 *
 * Loaded from a model directory: `tokenizer.json` when present (its
 * "model.type" — "WordPiece" or "BPE" — picks the pipeline; normalizer,
 * pre-tokenizer, model, post-processor template, truncation are read from
 * it), otherwise `vocab.txt` + `tokenizer_config.json` (+
 * `special_tokens_map.json`) with the BertTokenizerFast defaults.  For BPE,
 * only what CLIP's files use is supported (lucid-tokenizer-bpe.c); cls/sep
 * ids are then CLIP's <|startoftext|> / <|endoftext|>.
 *
 * Offsets are in Unicode code points of the ORIGINAL text (what the Python
 * `tokenizers` binding returns), plus byte offsets for C callers. Special
 * tokens added by the template get (0, 0).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LucidTokenizer LucidTokenizer;

typedef struct {
  guint n;              /* number of tokens, specials included */
  gint32 *ids;          /* [n] */
  gint32 *type_ids;     /* [n] 0 for A (and specials before/after A), 1 for B */
  gint32 *special_mask; /* [n] 1 for template specials ([CLS], [SEP]) */
  gint32 *char_start;   /* [n] code-point offsets into the original text */
  gint32 *char_end;
  gint32 *byte_start; /* [n] byte offsets into the original text */
  gint32 *byte_end;
  guint8 *sequence;   /* [n] 0 = A, 1 = B, 255 = special (byte offsets
                       * refer to the text of that sequence) */
  gboolean truncated; /* TRUE when tokens were dropped to fit max_length */
} LucidEncoding;

/* Loads from @model_dir; errors name the file and the problem. */
LucidTokenizer *lucid_tokenizer_load (const char *model_dir, GError **error);

/* Parses a tokenizer.json document held in memory (the fuzzer's entry).
 * @label names it in error messages. */
LucidTokenizer *lucid_tokenizer_new_from_json (const char *data, gsize len,
                                               const char *label,
                                               GError **error);

void lucid_tokenizer_free (LucidTokenizer *tok);

/* Encodes @text (and @text_pair, or NULL) as `[CLS] A [SEP] (B [SEP])`.
 * @text must be valid UTF-8 (callers repair with g_utf8_make_valid).
 * @max_length: total tokens including specials; 0 = no truncation. Truncation
 * is `longest_first` from the right as in `tokenizers` (for a pair: the
 * shorter sequence is kept whole when it fits in half the room and the
 * longer gets the rest, else each gets half, the longer one — the second
 * when they are equal — the odd token); a @max_length below the number of
 * special tokens truncates nothing, as there.  Never fails. */
LucidEncoding *lucid_tokenizer_encode (const LucidTokenizer *tok,
                                       const char *text, const char *text_pair,
                                       guint max_length);

/* The same with explicit byte lengths (-1: NUL-terminated), for text that
 * contains U+0000.  Invalid UTF-8 is repaired (each bad byte becomes
 * U+FFFD) and offsets then refer to the repaired text. */
LucidEncoding *lucid_tokenizer_encode_len (const LucidTokenizer *tok,
                                           const char *text, gssize text_len,
                                           const char *text_pair,
                                           gssize pair_len, guint max_length);

/* The normalizer's output for @text (@len bytes, -1: NUL-terminated), as
 * `tokenizer.normalizer.normalize_str()` gives it (a U+0000 that survives,
 * with clean_text off, ends the C string early).  Free with g_free(). */
char *lucid_tokenizer_normalize (const LucidTokenizer *tok, const char *text,
                                 gssize len);

void lucid_encoding_free (LucidEncoding *enc);

/* One more than the highest id of the vocabulary and the added tokens
 * (= the number of tokens for the usual gap-free vocabularies): every id
 * the tokenizer produces is below it. */
guint lucid_tokenizer_get_vocab_size (const LucidTokenizer *tok);
/* -1 when the token is not in the vocabulary. */
gint32 lucid_tokenizer_token_to_id (const LucidTokenizer *tok,
                                    const char *token);
/* NULL when out of range. */
const char *lucid_tokenizer_id_to_token (const LucidTokenizer *tok, gint32 id);

/* Special token ids as the files define them (-1 when undefined). */
gint32 lucid_tokenizer_get_cls_id (const LucidTokenizer *tok);
gint32 lucid_tokenizer_get_sep_id (const LucidTokenizer *tok);
gint32 lucid_tokenizer_get_pad_id (const LucidTokenizer *tok);
gint32 lucid_tokenizer_get_mask_id (const LucidTokenizer *tok);
gint32 lucid_tokenizer_get_unk_id (const LucidTokenizer *tok);

/* tokenizer_config.json `model_max_length` when present and sane
 * (1 ≤ n ≤ 1,000,000; placeholders such as 1e30 are not), else 0. Also the
 * truncation max_length of tokenizer.json when that is set, whichever the
 * reference would use (see the .c). */
guint lucid_tokenizer_get_model_max_length (const LucidTokenizer *tok);

/* tokenizer.json "truncation.max_length" (0 when null): what the bare
 * `tokenizers` library truncates to, specials included.  encode() does not
 * apply it by itself. */
guint lucid_tokenizer_get_truncation_max_length (const LucidTokenizer *tok);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidTokenizer, lucid_tokenizer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidEncoding, lucid_encoding_free)

G_END_DECLS
