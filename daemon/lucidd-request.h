/* lucidd-request.h — the JSON bodies the control API accepts, parsed and
 * validated before anything acts on them (docs/daemon.md, "API").
 *
 *   create: {"name": "...", "pipeline": "gst-launch string",
 *            "restart": "on-failure", "start": true, "stall_timeout": 30,
 *            "restart_limit": 3}
 *   run:    {"input": "/path/or/uri", "lease_s": 30, "keep": false}
 *   query:  {"sql": "SELECT ..."}
 *
 * Unknown members, wrong types, duplicate keys, invalid names and
 * oversized strings are refused with a message for the client (HTTP 400).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucidd-pipeline-file.h"

G_BEGIN_DECLS

LucidPipelineDef *lucidd_request_parse_create (const char *body, gsize len,
                                               GError **error);
/* A `lucidctl run` request: the input, and how long the instance may go
 * without a client asking about it (lease_s, 0 = no lease) and whether it
 * stays listed once it ended (keep). */
typedef struct {
  char *input;
  guint lease_s;
  gboolean keep;
} LucidRunRequest;

#define LUCIDD_LEASE_MAX 86400

LucidRunRequest *lucidd_request_parse_run (const char *body, gsize len,
                                           GError **error);
void lucidd_run_request_free (LucidRunRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidRunRequest, lucidd_run_request_free)
char *lucidd_request_parse_query (const char *body, gsize len, GError **error);

G_END_DECLS
