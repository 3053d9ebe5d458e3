/* lucid-model-files.h — digests of the files a model directory holds
 * besides its weights, for provenance (the store's models.files).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The files Lucid reads from a model directory besides model.safetensors
 * (configs, preprocessing, tokenizers, sentence-transformers settings), in
 * the order lucid_model_files_describe() lists them; NULL-terminated. */
const char *const *lucid_model_files_names (void);

/* A JSON object {"NAME": "<hex SHA-256>", ...} of the files of
 * lucid_model_files_names() that exist in @dir, in that order, without
 * spaces (e.g. {"config.json":"ab..","preprocessor_config.json":"cd.."});
 * *@files_sha256 (optional) gets the hex SHA-256 of that text. The same
 * files give the same text, so the digest identifies them. NULL without an
 * error when @dir is not a directory (a head file, say); NULL with @error
 * set when a listed file exists but cannot be read. */
char *lucid_model_files_describe (const char *dir, char **files_sha256,
                                  GError **error);

G_END_DECLS
