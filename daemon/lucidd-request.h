/* lucidd-request.h — the JSON bodies the control API accepts, parsed and
 * validated before anything acts on them (docs/daemon.md, "API").
 *
 *   create: {"name": "...", "pipeline": "gst-launch string",
 *            "restart": "on-failure", "start": true, "stall_timeout": 30}
 *   run:    {"input": "/path/or/uri"}
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
char *lucidd_request_parse_run (const char *body, gsize len, GError **error);
char *lucidd_request_parse_query (const char *body, gsize len, GError **error);

G_END_DECLS
