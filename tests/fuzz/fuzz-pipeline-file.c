/* fuzz-pipeline-file.c — libFuzzer target for lucidd's *.pipeline parser.
 *
 * Any input must either give a definition the daemon can run (a valid
 * name, a non-empty description with every ${NAME} expanded, a known
 * restart policy) or be refused with a LUCID_ERROR naming the file; never
 * crash, leak or read outside the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucidd-pipeline-file.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GHashTable *vars = g_hash_table_new (g_str_hash, g_str_equal);
  GError *error = NULL;
  LucidPipelineDef *def;

  g_hash_table_insert (vars, "db", "/state/lucid.db");
  g_hash_table_insert (vars, "data", "/data");
  def = lucidd_pipeline_file_parse ((const char *)data, size, "fuzz.pipeline",
                                    vars, &error);
  g_hash_table_unref (vars);
  if (def == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR
        || strstr (error->message, "fuzz.pipeline") == NULL)
      abort ();
    g_error_free (error);
    return 0;
  }
  if (error != NULL || !lucidd_pipeline_name_valid (def->name)
      || def->description == NULL || def->description[0] == '\0'
      || strstr (def->description, "${") != NULL
      || def->restart > LUCIDD_RESTART_ALWAYS
      || (def->input != NULL && !lucidd_pipeline_name_valid (def->input))
      || !g_utf8_validate (def->description, -1, NULL))
    abort ();
  lucidd_pipeline_def_free (def);
  return 0;
}
