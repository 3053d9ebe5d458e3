/* lucidd-config.h — lucidd's configuration (a GKeyFile; docs/daemon.md
 * lists every key). Relative paths are relative to the configuration
 * file's directory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* meson passes both from sysconfdir (daemon/meson.build) */
#ifndef LUCIDD_DEFAULT_CONFIG
#define LUCIDD_DEFAULT_CONFIG "/etc/lucid/lucidd.conf"
#endif
#ifndef LUCIDD_DEFAULT_PIPELINES_DIR
#define LUCIDD_DEFAULT_PIPELINES_DIR "/etc/lucid/pipelines"
#endif
/* The socket's directory when neither the configuration nor
 * $RUNTIME_DIRECTORY names one (the unit's RuntimeDirectory=lucid). */
#define LUCIDD_RUNTIME_DIR "/run/lucid"

typedef struct {
  char *path; /* the file read, NULL for built-in defaults */
  char *state_dir;
  char *database;
  char *socket_path;
  char *socket_group; /* NULL: the daemon's own group */
  char *pipelines_dir;
  char *worker_path; /* NULL: next to lucidd, then the libexec dir */
  guint drain_timeout_s;
  guint stall_timeout_s; /* 0 = no stall detection by default */
  guint restart_limit;   /* consecutive failed starts before 'failed' */
  guint backoff_initial_ms;
  guint backoff_max_ms;
  guint backoff_reset_s; /* a run this long resets the backoff */
  guint max_pipelines;
  guint max_request_bytes;
  guint messages_kept; /* recent bus messages kept per pipeline */
  guint run_reclaim_s; /* an ended run instance is deleted after this */
  guint check_timeout_s; /* the create check's time limit */
  guint max_connections;   /* open control connections at once */
  guint request_timeout_s; /* for a request to arrive complete */
  guint tcp_port;      /* 0 = no TCP listener (loopback only) */
  char *tcp_token_file;
  char **allowed_elements; /* for API-submitted pipelines */
  char **allowed_paths;    /* path prefixes for path-valued properties */
  char **allowed_uri_schemes;
  GHashTable *vars; /* name -> value for ${NAME} in pipeline files */
} LucidDaemonConfig;

/* Reads @path (NULL = built-in defaults only, for tests and the demo).
 * Errors name the file, the group and the key. */
LucidDaemonConfig *lucidd_config_load (const char *path, GError **error);
void lucidd_config_free (LucidDaemonConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidDaemonConfig, lucidd_config_free)

G_END_DECLS
