/* lucidd-config.c — reads lucidd.conf.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidd-config.h"

#include <string.h>

#include "lucid-error.h"

/* Elements an API client may use when the configuration names none: the
 * sources, parsers and converters of Lucid's pipelines and Lucid's own
 * elements (a glob pattern of factory names: lucid-worker-policy.c), and no
 * element that writes files, opens sockets or shares memory. */
static const char *const default_allowed_elements[] = {
  "filesrc",      "subparse",     "queue",         "queue2",
  "identity",     "capsfilter",   "tee",           "fakesink",
  "videotestsrc", "audiotestsrc", "videoconvert",  "videoscale",
  "videorate",    "audioconvert", "audioresample", "decodebin",
  "uridecodebin", "typefind",     "taginject",     "lucid*", /* a pattern */
  NULL,
};

void
lucidd_config_free (LucidDaemonConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->state_dir);
  g_free (config->database);
  g_free (config->socket_path);
  g_free (config->socket_group);
  g_free (config->pipelines_dir);
  g_free (config->worker_path);
  g_free (config->tcp_token_file);
  g_strfreev (config->allowed_elements);
  g_strfreev (config->allowed_paths);
  g_strfreev (config->allowed_uri_schemes);
  g_clear_pointer (&config->vars, g_hash_table_unref);
  g_free (config);
}

static char *
resolve (const char *base_dir, const char *value)
{
  if (value == NULL || value[0] == '\0')
    return NULL;
  if (g_path_is_absolute (value) || base_dir == NULL)
    return g_canonicalize_filename (value, NULL);
  return g_canonicalize_filename (value, base_dir);
}

/* A string key, or NULL when absent. */
static gboolean
get_string (GKeyFile *kf, const char *group, const char *key, char **out,
            const char *path, GError **error)
{
  GError *local = NULL;
  char *v = g_key_file_get_string (kf, group, key, &local);

  if (local != NULL) {
    if (g_error_matches (local, G_KEY_FILE_ERROR,
                         G_KEY_FILE_ERROR_KEY_NOT_FOUND)
        || g_error_matches (local, G_KEY_FILE_ERROR,
                            G_KEY_FILE_ERROR_GROUP_NOT_FOUND)) {
      g_error_free (local);
      return TRUE;
    }
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s: [%s] %s: %s",
                 path, group, key, local->message);
    g_error_free (local);
    return FALSE;
  }
  g_free (*out);
  *out = v;
  return TRUE;
}

static gboolean
get_uint (GKeyFile *kf, const char *group, const char *key, guint *out,
          guint max, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  guint64 v;

  if (!get_string (kf, group, key, &text, path, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: [%s] %s: expected an integer from 0 to %u, found '%s'",
                 path, group, key, max, text);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean
get_list (GKeyFile *kf, const char *group, const char *key, char ***out)
{
  gsize n = 0;
  char **v = g_key_file_get_string_list (kf, group, key, &n, NULL);

  if (v == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    g_strstrip (v[i]);
  g_strfreev (*out);
  *out = v;
  return TRUE;
}

/* The socket when the configuration names none. Never inside the state
 * directory by default: that directory is 0750 (under systemd's
 * DynamicUser even below /var/lib/private, 0700), so the socket's group
 * could not reach a socket there. Under systemd, $RUNTIME_DIRECTORY
 * (RuntimeDirectory=lucid, 0755); otherwise LUCIDD_RUNTIME_DIR, the same
 * /run/lucid, which lucidctl computes too. Only a configuration that moved
 * the state directory keeps its socket there (tests, the demo). */
static char *
default_socket (gboolean state_dir_configured, const char *state_dir)
{
  const char *rt = g_getenv ("RUNTIME_DIRECTORY");

  if (rt != NULL && rt[0] == '/') {
    /* several directories are separated by ':'; lucid's is the first */
    g_autofree char *first = g_strndup (rt, strcspn (rt, ":"));
    return g_build_filename (first, "lucidd.sock", NULL);
  }
  if (!state_dir_configured)
    return g_build_filename (LUCIDD_RUNTIME_DIR, "lucidd.sock", NULL);
  return g_build_filename (state_dir, "lucidd.sock", NULL);
}

static const char *const known_daemon_keys[] = {
  "state_dir",          "database",          "socket",
  "socket_group",       "pipelines_dir",     "worker",
  "drain_timeout",      "stall_timeout",     "restart_limit",
  "backoff_initial_ms", "backoff_max_ms",    "backoff_reset_s",
  "max_pipelines",      "max_request_bytes", "messages_kept",
  "tcp_port",           "tcp_token_file",    "run_reclaim_s",
  "check_timeout",      "max_connections",   "request_timeout",
  NULL,
};
static const char *const known_api_keys[] = {
  "allowed_elements",
  "allowed_paths",
  "allowed_uri_schemes",
  NULL,
};

static gboolean
check_keys (GKeyFile *kf, const char *group, const char *const *known,
            const char *path, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i])) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: [%s] unknown key '%s'", path, group, keys[i]);
      return FALSE;
    }
  return TRUE;
}

LucidDaemonConfig *
lucidd_config_load (const char *path, GError **error)
{
  g_autoptr (LucidDaemonConfig) c = g_new0 (LucidDaemonConfig, 1);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *base_dir = NULL;
  g_autofree char *state_dir = NULL, *database = NULL, *socket_path = NULL;
  g_autofree char *pipelines_dir = NULL, *worker = NULL, *token = NULL;
  g_auto (GStrv) groups = NULL;
  GError *local = NULL;

  c->state_dir = g_strdup ("/var/lib/lucid");
  c->pipelines_dir = g_strdup (LUCIDD_DEFAULT_PIPELINES_DIR);
  c->drain_timeout_s = 10;
  c->stall_timeout_s = 60;
  c->restart_limit = 5;
  c->backoff_initial_ms = 500;
  c->backoff_max_ms = 30000;
  c->backoff_reset_s = 60;
  c->max_pipelines = 64;
  c->max_request_bytes = 64 * 1024;
  c->messages_kept = 50;
  c->run_reclaim_s = 60;
  c->check_timeout_s = 30;
  c->max_connections = 64;
  c->request_timeout_s = 10;
  c->allowed_elements = g_strdupv ((char **)default_allowed_elements);
  c->allowed_uri_schemes = g_strsplit ("file", ",", -1);
  c->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (path != NULL) {
    c->path = g_canonicalize_filename (path, NULL);
    base_dir = g_path_get_dirname (c->path);
    if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s: %s", path,
                   local->message);
      g_error_free (local);
      return NULL;
    }
    groups = g_key_file_get_groups (kf, NULL);
    for (guint i = 0; groups[i] != NULL; i++)
      if (g_strcmp0 (groups[i], "daemon") != 0
          && g_strcmp0 (groups[i], "api") != 0
          && g_strcmp0 (groups[i], "vars") != 0) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     "%s: unknown group [%s] (known: daemon, api, vars)", path,
                     groups[i]);
        return NULL;
      }
    if (!check_keys (kf, "daemon", known_daemon_keys, path, error)
        || !check_keys (kf, "api", known_api_keys, path, error))
      return NULL;
    if (!get_string (kf, "daemon", "state_dir", &state_dir, path, error)
        || !get_string (kf, "daemon", "database", &database, path, error)
        || !get_string (kf, "daemon", "socket", &socket_path, path, error)
        || !get_string (kf, "daemon", "socket_group", &c->socket_group, path,
                        error)
        || !get_string (kf, "daemon", "pipelines_dir", &pipelines_dir, path,
                        error)
        || !get_string (kf, "daemon", "worker", &worker, path, error)
        || !get_string (kf, "daemon", "tcp_token_file", &token, path, error)
        || !get_uint (kf, "daemon", "drain_timeout", &c->drain_timeout_s, 3600,
                      path, error)
        || !get_uint (kf, "daemon", "stall_timeout", &c->stall_timeout_s, 86400,
                      path, error)
        || !get_uint (kf, "daemon", "restart_limit", &c->restart_limit, 1000000,
                      path, error)
        || !get_uint (kf, "daemon", "backoff_initial_ms",
                      &c->backoff_initial_ms, 3600000, path, error)
        || !get_uint (kf, "daemon", "backoff_max_ms", &c->backoff_max_ms,
                      3600000, path, error)
        || !get_uint (kf, "daemon", "backoff_reset_s", &c->backoff_reset_s,
                      86400, path, error)
        || !get_uint (kf, "daemon", "max_pipelines", &c->max_pipelines, 4096,
                      path, error)
        || !get_uint (kf, "daemon", "max_request_bytes", &c->max_request_bytes,
                      16 * 1024 * 1024, path, error)
        || !get_uint (kf, "daemon", "messages_kept", &c->messages_kept, 10000,
                      path, error)
        || !get_uint (kf, "daemon", "tcp_port", &c->tcp_port, 65535, path,
                      error)
        || !get_uint (kf, "daemon", "run_reclaim_s", &c->run_reclaim_s, 86400,
                      path, error)
        || !get_uint (kf, "daemon", "check_timeout", &c->check_timeout_s, 3600,
                      path, error)
        || !get_uint (kf, "daemon", "max_connections", &c->max_connections,
                      65536, path, error)
        || !get_uint (kf, "daemon", "request_timeout", &c->request_timeout_s,
                      3600, path, error))
      return NULL;
    get_list (kf, "api", "allowed_elements", &c->allowed_elements);
    get_list (kf, "api", "allowed_uri_schemes", &c->allowed_uri_schemes);
    if (get_list (kf, "api", "allowed_paths", &c->allowed_paths))
      for (guint i = 0; c->allowed_paths[i] != NULL; i++) {
        char *abs = resolve (base_dir, c->allowed_paths[i]);
        g_free (c->allowed_paths[i]);
        c->allowed_paths[i] = abs ? abs : g_strdup ("/nonexistent");
      }
    g_auto (GStrv) var_keys = g_key_file_get_keys (kf, "vars", NULL, NULL);
    for (guint i = 0; var_keys != NULL && var_keys[i] != NULL; i++)
      g_hash_table_insert (
          c->vars, g_strdup (var_keys[i]),
          g_key_file_get_value (kf, "vars", var_keys[i], NULL));
  }

  if (state_dir != NULL) {
    g_free (c->state_dir);
    c->state_dir = resolve (base_dir, state_dir);
  }
  c->database = database ? resolve (base_dir, database)
                         : g_build_filename (c->state_dir, "lucid.db", NULL);
  c->socket_path = socket_path ? resolve (base_dir, socket_path)
                              : default_socket (state_dir != NULL,
                                                c->state_dir);
  if (pipelines_dir != NULL) {
    g_free (c->pipelines_dir);
    c->pipelines_dir = resolve (base_dir, pipelines_dir);
  }
  c->worker_path = resolve (base_dir, worker);
  c->tcp_token_file = resolve (base_dir, token);
  if (c->allowed_paths == NULL) {
    c->allowed_paths = g_new0 (char *, 2);
    c->allowed_paths[0] = g_strdup (c->state_dir);
  }
  if (c->tcp_port != 0 && c->tcp_token_file == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: [daemon] tcp_port needs tcp_token_file (the bearer "
                 "token clients must send)",
                 c->path ? c->path : "(defaults)");
    return NULL;
  }
  if (c->max_connections == 0 || c->request_timeout_s == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: [daemon] %s must be at least 1",
                 c->path ? c->path : "(defaults)",
                 c->max_connections == 0 ? "max_connections"
                                         : "request_timeout");
    return NULL;
  }
  if (c->check_timeout_s == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: [daemon] check_timeout must be at least 1 second",
                 c->path ? c->path : "(defaults)");
    return NULL;
  }
  if (c->backoff_max_ms < c->backoff_initial_ms)
    c->backoff_max_ms = c->backoff_initial_ms;
  g_hash_table_insert (c->vars, g_strdup ("db"), g_strdup (c->database));
  g_hash_table_insert (c->vars, g_strdup ("state_dir"),
                       g_strdup (c->state_dir));
  g_hash_table_insert (c->vars, g_strdup ("pipelines_dir"),
                       g_strdup (c->pipelines_dir));
  return g_steal_pointer (&c);
}
