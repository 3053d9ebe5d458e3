/* lucidd-supervisor.h — the pipelines lucidd runs, each in a lucid-worker
 * process: start, stop (drain), restart with backoff, stall detection,
 * reload, shutdown. Main thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "lucidd-config.h"
#include "lucidd-db.h"
#include "lucidd-pipeline-file.h"

G_BEGIN_DECLS

typedef enum {
  LUCIDD_SOURCE_FILE, /* a *.pipeline file */
  LUCIDD_SOURCE_API,  /* created through the control API, stored in SQLite */
  LUCIDD_SOURCE_RUN,  /* a `lucidctl run` instance of another pipeline */
} LucidPipelineSource;

typedef enum {
  LUCIDD_STATE_STOPPED,
  LUCIDD_STATE_RUNNING,
  LUCIDD_STATE_DRAINING, /* EOS sent, waiting for the worker to exit */
  LUCIDD_STATE_BACKOFF,  /* waiting to restart after a failure */
  LUCIDD_STATE_FAILED,   /* restart limit reached, or refused */
  LUCIDD_STATE_FINISHED, /* reached EOS and its policy does not restart */
} LucidPipelineState;

typedef struct _LucidSupervisor LucidSupervisor;
typedef struct _LucidPipeline LucidPipeline;

typedef void (*LucidSupervisorNotify) (LucidSupervisor *sup, gpointer data);

LucidSupervisor *lucidd_supervisor_new (LucidDaemonConfig *config,
                                        LucidDaemonDb *db);
void lucidd_supervisor_free (LucidSupervisor *sup);
/* Called whenever a pipeline changes state (sd_notify STATUS=). */
void lucidd_supervisor_set_notify (LucidSupervisor *sup,
                                   LucidSupervisorNotify notify, gpointer data);
void lucidd_supervisor_set_config (LucidSupervisor *sup,
                                   LucidDaemonConfig *config);

/* Adds @def (taken) and starts it when enabled. NULL with @error when the
 * name is taken or the limit is reached. */
LucidPipeline *lucidd_supervisor_add (LucidSupervisor *sup,
                                      LucidPipelineDef *def,
                                      LucidPipelineSource source,
                                      GError **error);
LucidPipeline *lucidd_supervisor_lookup (LucidSupervisor *sup,
                                         const char *name);
/* Sorted by name. */
GList *lucidd_supervisor_list (LucidSupervisor *sup);

void lucidd_pipeline_start (LucidPipeline *p);
void lucidd_pipeline_stop (LucidPipeline *p);
void lucidd_pipeline_restart (LucidPipeline *p);
/* Stops and forgets it (once the worker has exited). */
void lucidd_pipeline_delete (LucidPipeline *p);
/* A transient instance of @p with its input element's location/uri set to
 * @input; NULL when @p has no input element. With @lease_s > 0 it is
 * drained and deleted when no client touched it for that long while it
 * runs; once it ended it is deleted after [daemon] run_reclaim_s without
 * a touch, unless @keep. */
LucidPipeline *lucidd_pipeline_run_input (LucidPipeline *p, const char *input,
                                          guint lease_s, gboolean keep,
                                          GError **error);
/* A client asked about @p (renews a run instance's lease). */
void lucidd_pipeline_touch (LucidPipeline *p);

/* The client's wanted state (start/stop); never the file's definition. */
void lucidd_pipeline_set_enabled (LucidPipeline *p, gboolean enabled);
const LucidPipelineDef *lucidd_pipeline_get_def (LucidPipeline *p);
LucidPipelineSource lucidd_pipeline_get_source (LucidPipeline *p);
LucidPipelineState lucidd_pipeline_get_state (LucidPipeline *p);
const char *lucidd_pipeline_state_to_string (LucidPipelineState state);
/* Status as a JSON object (docs/daemon.md, "status"). */
JsonNode *lucidd_pipeline_status_json (LucidPipeline *p);
/* The recent bus messages, oldest first, as a JSON array. */
JsonNode *lucidd_pipeline_messages_json (LucidPipeline *p);
/* Prometheus text for every pipeline. */
void lucidd_supervisor_metrics (LucidSupervisor *sup, GString *out);
void lucidd_supervisor_count (LucidSupervisor *sup, guint *running,
                              guint *failed, guint *total);

/* Reload: @defs (LucidPipelineDef, from the pipeline files) replace the
 * file pipelines; only what changed is started, stopped or restarted. */
void lucidd_supervisor_reload_files (LucidSupervisor *sup, GPtrArray *defs);

/* Drains every pipeline (EOS, bounded by the drain timeout), then calls
 * @done once every worker has exited. */
gboolean lucidd_supervisor_shutting_down (LucidSupervisor *sup);
void lucidd_supervisor_shutdown (LucidSupervisor *sup, GCallback done,
                                 gpointer data);

G_END_DECLS
