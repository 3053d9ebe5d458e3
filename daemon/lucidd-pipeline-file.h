/* lucidd-pipeline-file.h — `*.pipeline` files: a small header, then a
 * gst-launch-1.0 description.
 *
 *   # comment lines start with '#'
 *   name = talk-topics          optional; default: the file name without
 *                               ".pipeline"
 *   restart = on-failure        always | on-failure | never
 *   enabled = true              start when the daemon starts / reloads
 *   stall-timeout = 30          seconds without a buffer at any sink before
 *                               the pipeline is restarted; 0 = never
 *   restart-limit = 3           failed starts in a row before 'failed'
 *                               (default: the daemon's restart_limit)
 *   input = src                 element whose location/uri `lucidctl run`
 *                               sets (optional)
 *   ---
 *   filesrc name=src location=${data_dir}/talk.srt ! subparse ! ...
 *
 * The body may span lines (joined with spaces; '#' lines dropped) and may
 * use ${NAME} variables, expanded from the table the caller gives (the
 * daemon's [vars] plus db, state_dir, pipelines_dir). Errors name
 * FILE:LINE and the problem. No GStreamer here: the worker parses the
 * description itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LUCIDD_RESTART_NEVER,
  LUCIDD_RESTART_ON_FAILURE,
  LUCIDD_RESTART_ALWAYS,
} LucidRestartPolicy;

#define LUCIDD_NAME_MAX 64
#define LUCIDD_DESCRIPTION_MAX (64 * 1024)
#define LUCIDD_RESTART_LIMIT_MAX 1000000

typedef struct {
  char *name;
  char *description; /* variables expanded */
  LucidRestartPolicy restart;
  gboolean enabled;
  int stall_timeout_s; /* -1: the daemon's default */
  int restart_limit;   /* failed starts in a row; -1: the daemon's default */
  char *input;         /* NULL when none */
  /* The *.pipeline file it was read from (lucidd_pipeline_file_load());
   * NULL otherwise. Where a definition comes from, not what it runs:
   * lucidd_pipeline_def_equal() ignores it. */
  char *file;
} LucidPipelineDef;

LucidPipelineDef *lucidd_pipeline_def_new (const char *name,
                                           const char *description);
void lucidd_pipeline_def_free (LucidPipelineDef *def);
LucidPipelineDef *lucidd_pipeline_def_copy (const LucidPipelineDef *def);
/* TRUE when both would run the same worker the same way (@file aside). */
gboolean lucidd_pipeline_def_equal (const LucidPipelineDef *a,
                                    const LucidPipelineDef *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidPipelineDef, lucidd_pipeline_def_free)

/* Names: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
gboolean lucidd_pipeline_name_valid (const char *name);
const char *lucidd_restart_policy_to_string (LucidRestartPolicy policy);
gboolean lucidd_restart_policy_from_string (const char *text,
                                            LucidRestartPolicy *policy);

/* Parses @len bytes of @data (need not be NUL-terminated); @filename names
 * the file in errors and gives the default name. @vars (may be NULL) maps
 * variable names to values. */
LucidPipelineDef *lucidd_pipeline_file_parse (const char *data, gsize len,
                                              const char *filename,
                                              GHashTable *vars, GError **error);
LucidPipelineDef *lucidd_pipeline_file_load (const char *path, GHashTable *vars,
                                             GError **error);

G_END_DECLS
