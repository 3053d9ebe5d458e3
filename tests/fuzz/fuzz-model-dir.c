/* fuzz-model-dir.c — libFuzzer target for the model-directory files that
 * fuzz-tokenizer and fuzz-config do not reach: the BertTokenizer built from
 * vocab.txt + tokenizer_config.json + special_tokens_map.json
 * (lucid_tokenizer_load without a tokenizer.json), and the
 * sentence-transformers files (lucid_sentence_config_load: modules.json,
 * 1_Pooling/config.json, sentence_bert_config.json).
 *
 * Input: up to seven parts separated by NUL bytes, in this order:
 *   vocab.txt, tokenizer_config.json, special_tokens_map.json,
 *   modules.json, 1_Pooling/config.json, sentence_bert_config.json,
 *   text to encode.
 * An empty part leaves its file out (every file is optional to the
 * loaders). The files are written into one temporary directory per process.
 * Each loader must either succeed with usable values or fail with a
 * LUCID_ERROR naming a file of the directory; never crash, leak or hang.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-model-config.h"
#include "lucid-tokenizer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const files[] = {
  "vocab.txt",    "tokenizer_config.json",   "special_tokens_map.json",
  "modules.json", "1_Pooling/config.json",   "sentence_bert_config.json",
};
#define N_FILES G_N_ELEMENTS (files)

static char *dir;

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

/* Leaves the directory empty (but there). */
static void
clear_dir (void)
{
  for (guint i = 0; i < N_FILES; i++) {
    g_autofree char *path = g_build_filename (dir, files[i], NULL);
    g_unlink (path);
  }
  {
    g_autofree char *pooling = g_build_filename (dir, "1_Pooling", NULL);
    g_rmdir (pooling);
  }
}

static void
remove_dir (void)
{
  clear_dir ();
  g_rmdir (dir);
}

static void
prepare_dir (void)
{
  if (dir == NULL) {
    dir = g_dir_make_tmp ("lucid-fuzz-model-XXXXXX", NULL);
    check (dir != NULL);
    atexit (remove_dir);
  }
  clear_dir ();
}

static void
write_part (guint i, const char *part, gsize len)
{
  g_autofree char *path = g_build_filename (dir, files[i], NULL);

  if (len == 0)
    return;
  if (strchr (files[i], '/') != NULL) {
    g_autofree char *sub = g_path_get_dirname (path);
    check (g_mkdir_with_parents (sub, 0700) == 0);
  }
  check (g_file_set_contents (path, part, (gssize)len, NULL));
}

/* A failure must be a LUCID_ERROR that names the directory. */
static void
check_error (GError *error)
{
  check (error != NULL && error->domain == LUCID_ERROR);
  check (strstr (error->message, dir) != NULL);
}

static void
check_tokenizer (const char *text, gsize text_len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidTokenizer) tok = lucid_tokenizer_load (dir, &error);
  guint vocab;

  if (tok == NULL) {
    check_error (error);
    return;
  }
  check (error == NULL);
  vocab = lucid_tokenizer_get_vocab_size (tok);
  check (vocab > 0);
  for (guint max_length = 0; max_length <= 8; max_length += 8) {
    g_autoptr (LucidEncoding) enc
        = lucid_tokenizer_encode_len (tok, text, (gssize)text_len, NULL, -1,
                                      max_length);

    check (enc != NULL);
    check (max_length == 0 || enc->n <= MAX (max_length, 2));
    for (guint i = 0; i < enc->n; i++)
      check (enc->ids[i] >= 0 && (guint)enc->ids[i] < vocab);
  }
}

static void
check_sentence_config (void)
{
  g_autoptr (GError) error = NULL;
  LucidSentenceConfig sc;

  if (!lucid_sentence_config_load (dir, &sc, &error)) {
    check_error (error);
    return;
  }
  check (error == NULL);
  check (sc.pooling == LUCID_POOLING_DEFAULT || sc.pooling == LUCID_POOLING_CLS
         || sc.pooling == LUCID_POOLING_MEAN
         || sc.pooling == LUCID_POOLING_MAX);
  check (!sc.pooling_sqrt_len || sc.pooling == LUCID_POOLING_MEAN);
  check (sc.max_seq_length <= (1u << 20));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size;
  const char *text = "Hello, w\xc3\xb6rld! \xe6\x97\xa5\xe6\x9c\xac don't";
  gsize text_len = strlen (text);

  prepare_dir ();
  for (guint i = 0; i <= N_FILES && p <= end; i++) {
    const char *nul = memchr (p, '\0', (gsize)(end - p));
    gsize len = nul ? (gsize)(nul - p) : (gsize)(end - p);

    if (i < N_FILES)
      write_part (i, p, len);
    else if (len > 0) {
      text = p;
      text_len = len;
    }
    if (nul == NULL)
      break;
    p = nul + 1;
  }
  check_tokenizer (text, text_len);
  check_sentence_config ();
  return 0;
}
