/* lucidd-api.h — the control API: HTTP/JSON (libsoup 3) on a Unix socket
 * (0660, peer credentials checked) and, optionally, on loopback TCP with a
 * bearer token. Routes in docs/daemon.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucidd-supervisor.h"

G_BEGIN_DECLS

typedef struct _LucidApi LucidApi;

/* Listens on config->socket_path (and the TCP port when configured). */
LucidApi *lucidd_api_new (LucidDaemonConfig *config, LucidSupervisor *sup,
                          LucidDaemonDb *db, GError **error);
void lucidd_api_set_config (LucidApi *api, LucidDaemonConfig *config);
/* Stops listening and removes the socket file. */
void lucidd_api_free (LucidApi *api);

G_END_DECLS
