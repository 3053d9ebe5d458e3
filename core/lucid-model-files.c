/* lucid-model-files.c — digests of a model directory's files besides the
 * weights.
 *
 * The weights' SHA-256 alone does not say what ran: the same weights with
 * another preprocessor_config.json (resample, size, crop, mean and std) or
 * another tokenizer give other results. lucidsink records the SHA-256 of
 * each file listed here, and one digest over them, with the models row
 * (docs/store.md), so a run whose files differ gets a row of its own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-model-files.h"

#include "lucid-error.h"

/* Sorted; every name here is read by some model family (core/). The
 * sentence-transformers pooling config is listed under its conventional
 * directory name. */
static const char *const file_names[] = {
  "1_Pooling/config.json",
  "config.json",
  "merges.txt",
  "modules.json",
  "preprocessor_config.json",
  "sentence_bert_config.json",
  "special_tokens_map.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "vocab.json",
  "vocab.txt",
  NULL,
};

const char *const *
lucid_model_files_names (void)
{
  return file_names;
}

char *
lucid_model_files_describe (const char *dir, char **files_sha256,
                            GError **error)
{
  g_autoptr (GString) json = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return NULL;
  json = g_string_new ("{");
  for (guint i = 0; file_names[i] != NULL; i++) {
    g_autofree char *path = g_build_filename (dir, file_names[i], NULL);
    g_autofree char *data = NULL;
    g_autofree char *digest = NULL;
    g_autoptr (GError) read_error = NULL;
    gsize len;

    if (!g_file_test (path, G_FILE_TEST_EXISTS))
      continue;
    if (!g_file_get_contents (path, &data, &len, &read_error)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: cannot read: %s",
                   path, read_error->message);
      return NULL;
    }
    digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guchar *)data, len);
    /* The names are fixed ASCII without quotes: no escaping needed. */
    g_string_append_printf (json, "%s\"%s\":\"%s\"", json->len > 1 ? "," : "",
                            file_names[i], digest);
  }
  g_string_append_c (json, '}');
  if (files_sha256)
    *files_sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, json->str,
                                                   json->len);
  return g_string_free (g_steal_pointer (&json), FALSE);
}
