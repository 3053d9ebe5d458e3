/* fuzz-request.c — libFuzzer target for the control API's request bodies
 * (lucidd-request.c): create, run and query.
 *
 * Any input must either give a request the daemon can act on (a valid
 * name, a description within the size limit, a known restart policy; an
 * input of bounded length) or be refused with a LUCID_ERROR; never crash,
 * leak or read outside the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucidd-request.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  LucidPipelineDef *def;
  LucidRunRequest *run;
  char *input;

  def = lucidd_request_parse_create ((const char *)data, size, &error);
  if (def == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_clear_error (&error);
  } else {
    if (error != NULL || !lucidd_pipeline_name_valid (def->name)
        || def->description == NULL || def->description[0] == '\0'
        || strlen (def->description) > LUCIDD_DESCRIPTION_MAX
        || def->restart > LUCIDD_RESTART_ALWAYS || def->stall_timeout_s > 86400
        || def->restart_limit < -1
        || def->restart_limit > LUCIDD_RESTART_LIMIT_MAX)
      abort ();
    lucidd_pipeline_def_free (def);
  }

  run = lucidd_request_parse_run ((const char *)data, size, &error);
  if (run == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_clear_error (&error);
  } else {
    if (error != NULL || run->input[0] == '\0' || strlen (run->input) > 4096
        || run->lease_s > LUCIDD_LEASE_MAX)
      abort ();
    lucidd_run_request_free (run);
  }

  input = lucidd_request_parse_query ((const char *)data, size, &error);
  if (input == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_clear_error (&error);
  } else {
    if (error != NULL || input[0] == '\0'
        || strlen (input) > LUCIDD_DESCRIPTION_MAX)
      abort ();
    g_free (input);
  }
  return 0;
}
