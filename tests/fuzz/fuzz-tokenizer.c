/* fuzz-tokenizer.c — libFuzzer target for lucid_tokenizer_new_from_json()
 * and lucid_tokenizer_encode*().
 *
 * Input: a tokenizer.json document, a NUL byte, then the text to encode
 * (a second NUL starts the pair sequence).  Without a NUL the whole input is
 * the document and a fixed text is encoded.  The document must load or be
 * refused with a LUCID_ERROR naming the label; when it loads, the text is
 * encoded as given (invalid UTF-8 gets repaired inside), made valid with
 * g_utf8_make_valid(), with and without a pair, with and without
 * truncation, and every encoding is checked for consistency: offsets inside
 * the text, special tokens at (0, 0), truncation never longer than asked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-tokenizer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static guint
n_specials (const LucidEncoding *enc)
{
  guint i, n = 0;

  for (i = 0; i < enc->n; i++)
    n += enc->special_mask[i] != 0;
  return n;
}

/* Offsets of each token inside its sequence's text (@lens in bytes,
 * @chars in code points), specials at (0, 0). */
static void
check_encoding (const LucidTokenizer *tok, const LucidEncoding *enc,
                const gsize lens[2], const glong chars[2])
{
  guint i;

  for (i = 0; i < enc->n; i++) {
    if (enc->sequence[i] == 255) {
      check (enc->special_mask[i] == 1);
      check (enc->byte_start[i] == 0 && enc->byte_end[i] == 0);
      check (enc->char_start[i] == 0 && enc->char_end[i] == 0);
      continue;
    }
    check (enc->sequence[i] <= 1 && enc->special_mask[i] == 0);
    check (enc->byte_start[i] >= 0 && enc->byte_start[i] <= enc->byte_end[i]);
    check ((gsize)enc->byte_end[i] <= lens[enc->sequence[i]]);
    check (enc->char_start[i] >= 0 && enc->char_start[i] <= enc->char_end[i]);
    check (enc->char_end[i] <= chars[enc->sequence[i]]);
    /* model and added-token ids come from the vocabulary */
    check (enc->ids[i] >= 0
           && (guint)enc->ids[i] < lucid_tokenizer_get_vocab_size (tok));
  }
}

static void
encode_all (const LucidTokenizer *tok, const char *a, gsize a_len,
            const char *b, gsize b_len, guint max_length)
{
  g_autoptr (LucidEncoding) full = NULL, cut = NULL, single = NULL;
  const gsize lens[2] = { a_len, b_len };
  glong chars[2];

  /* Valid UTF-8 without NUL bytes here (g_utf8_make_valid). */
  chars[0] = g_utf8_strlen (a, a_len);
  chars[1] = b ? g_utf8_strlen (b, b_len) : 0;

  full = lucid_tokenizer_encode_len (tok, a, a_len, b, b ? (gssize)b_len : -1,
                                     0);
  check (full != NULL && !full->truncated);
  check_encoding (tok, full, lens, chars);

  cut = lucid_tokenizer_encode_len (tok, a, a_len, b, b ? (gssize)b_len : -1,
                                    max_length);
  check (cut != NULL);
  check_encoding (tok, cut, lens, chars);
  check (n_specials (cut) == n_specials (full));
  if (max_length == 0 || max_length < n_specials (full)) {
    /* 0 is no limit; as in tokenizers, neither is a limit below the
     * template's tokens */
    check (cut->n == full->n && !cut->truncated);
  } else {
    check (cut->n <= max_length);
    check (cut->truncated == (cut->n < full->n));
  }

  single = lucid_tokenizer_encode_len (tok, a, a_len, NULL, -1, max_length);
  check (single != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidTokenizer) tok = NULL;
  const char *doc = (const char *)data, *text, *pair = NULL;
  const char *nul = memchr (data, '\0', size);
  gsize doc_len = nul ? (gsize)(nul - doc) : size;
  gsize text_len, pair_len = 0;
  guint max_length;

  tok = lucid_tokenizer_new_from_json (doc, doc_len, "fuzz.json", &error);
  if (tok == NULL) {
    check (error != NULL && error->domain == LUCID_ERROR);
    check (g_str_has_prefix (error->message, "fuzz.json"));
    return 0;
  }
  check (error == NULL);

  if (nul) {
    const char *second;

    text = nul + 1;
    text_len = size - doc_len - 1;
    second = memchr (text, '\0', text_len);
    if (second) {
      pair = second + 1;
      pair_len = text_len - (gsize)(second - text) - 1;
      text_len = (gsize)(second - text);
    }
  } else {
    text = "Hello, w\xc3\xb6rld! \xe6\x97\xa5\xe6\x9c\xac [SEP] don't";
    text_len = strlen (text);
  }
  max_length = text_len > 0 ? (guchar)text[0] % 24 : 5;

  /* As given: encode_len repairs invalid UTF-8 itself. */
  {
    g_autoptr (LucidEncoding) raw = lucid_tokenizer_encode_len (
        tok, text, text_len, pair, pair ? (gssize)pair_len : -1, max_length);
    g_autofree char *norm = lucid_tokenizer_normalize (tok, text, text_len);

    check (raw != NULL && norm != NULL);
  }

  /* Repaired by the caller, as the contract asks. */
  {
    g_autofree char *a = g_utf8_make_valid (text, text_len);
    g_autofree char *b = pair ? g_utf8_make_valid (pair, pair_len) : NULL;

    encode_all (tok, a, strlen (a), b, b ? strlen (b) : 0, max_length);
    encode_all (tok, a, strlen (a), NULL, 0, max_length);
  }

  /* The accessors never fail. */
  lucid_tokenizer_get_cls_id (tok);
  lucid_tokenizer_get_sep_id (tok);
  lucid_tokenizer_get_pad_id (tok);
  lucid_tokenizer_get_mask_id (tok);
  lucid_tokenizer_get_model_max_length (tok);
  /* -1 is "undefined" (lucid-tokenizer.h): a BPE model may have no
   * unk_token, as in tokenizers; a defined one must name a token. */
  {
    gint32 unk = lucid_tokenizer_get_unk_id (tok);

    check (unk >= -1);
    check (unk < 0 || lucid_tokenizer_id_to_token (tok, unk) != NULL);
  }
  return 0;
}
