/* lucidctl — the client of lucidd's control socket (docs/daemon.md).
 *
 *   lucidctl [OPTIONS] status [NAME]        table of pipelines (or one)
 *   lucidctl [OPTIONS] list                 names and states
 *   lucidctl [OPTIONS] create NAME 'gst-launch description'
 *                      [--restart=POLICY] [--no-start] [--stall-timeout=S]
 *                      [--restart-limit=N]
 *   lucidctl [OPTIONS] start|stop|restart|delete NAME
 *   lucidctl [OPTIONS] messages NAME        recent bus messages
 *   lucidctl [OPTIONS] run FILE|URI --pipeline=NAME [--keep] [--lease=S]
 *   lucidctl [OPTIONS] query "SQL"          read-only connection (through
 *                      lucidd when the database is not readable, or with
 *                      --remote)
 *   lucidctl [OPTIONS] metrics | daemon     Prometheus text | daemon status
 *   lucidctl [OPTIONS] verify [DB] [--expect-root HEX] [--public-key FILE]
 *                      [--min-signed-size N] [--derived|--no-derived]
 *                      the audit log of DB (default: the daemon's
 *                      database), with lucid-verify's options and report
 *                      (core/tools/lucid-verify-cli.c)
 *
 * OPTIONS: --socket=PATH (default: $LUCIDD_SOCKET, then the [daemon]
 * socket of --config / /etc/lucid/lucidd.conf), --json, --database=FILE
 * (query, verify). Exit status: 0 done, 1 the daemon refused or the
 * pipeline failed, 2 usage, 3 cannot reach the daemon; verify: 0 verified,
 * 1 tampered, 2 cannot check (as lucid-verify).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "lucid-store.h"
#include "lucid-verify-cli.h"
#include "lucidd-config.h"

static char *opt_socket, *opt_config, *opt_database, *opt_restart;
static char *opt_pipeline;
static LucidVerifyCli opt_verify; /* verify's options, as lucid-verify's */
static gboolean opt_json, opt_no_start, opt_keep, opt_header, opt_remote;
static int opt_stall = -1, opt_lease = 30;
static int opt_restart_limit = G_MININT; /* not given; the daemon checks it */

typedef struct {
  SoupSession *session;
  char *socket_path;
} Client;

static char *
default_socket (void)
{
  const char *env = g_getenv ("LUCIDD_SOCKET");
  g_autoptr (LucidDaemonConfig) config = NULL;
  const char *path = opt_config ? opt_config : LUCIDD_DEFAULT_CONFIG;

  if (opt_socket != NULL)
    return g_strdup (opt_socket);
  if (env != NULL && opt_config == NULL)
    return g_strdup (env);
  if (opt_config != NULL || g_file_test (path, G_FILE_TEST_IS_REGULAR))
    config = lucidd_config_load (path, NULL);
  if (config == NULL)
    config = lucidd_config_load (NULL, NULL); /* the built-in defaults */
  return g_strdup (config->socket_path);
}

/* Sends a request; returns the parsed JSON (or NULL for non-JSON bodies,
 * with *@text set) and the HTTP status in *@status. FALSE when the daemon
 * cannot be reached. */
static gboolean
request (Client *c, const char *method, const char *path, const char *body,
         guint *status, JsonNode **json, char **text)
{
  g_autofree char *uri = g_strdup_printf ("http://lucidd%s", path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  const char *ctype;

  if (body != NULL) {
    g_autoptr (GBytes) b = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
  }
  reply = soup_session_send_and_read (c->session, msg, NULL, &error);
  if (reply == NULL) {
    g_printerr ("lucidctl: cannot reach lucidd at %s: %s\n", c->socket_path,
                error->message);
    return FALSE;
  }
  *status = soup_message_get_status (msg);
  ctype = soup_message_headers_get_content_type (
      soup_message_get_response_headers (msg), NULL);
  *json = NULL;
  if (text)
    *text = NULL;
  if (g_strcmp0 (ctype, "application/json") == 0) {
    g_autoptr (JsonParser) p = json_parser_new ();
    gsize len;
    const char *data = g_bytes_get_data (reply, &len);
    if (json_parser_load_from_data (p, data, (gssize)len, NULL))
      *json = json_node_ref (json_parser_get_root (p));
  } else if (text) {
    gsize len;
    const char *data = g_bytes_get_data (reply, &len);
    *text = g_strndup (data, len);
  }
  return TRUE;
}

static void
print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *s = NULL;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  s = json_generator_to_data (gen, NULL);
  g_print ("%s\n", s);
}

static void print_json (JsonNode *node);

/* Prints the daemon's error and returns 1, or returns 0 for 2xx. Under
 * --json the error is a JSON object on stdout too ({"error", "status"}),
 * for scripts that parse stdout. */
static int
check_reply (guint status, JsonNode *json)
{
  const char *err = "refused";

  if (status >= 200 && status < 300)
    return 0;
  if (json != NULL && JSON_NODE_HOLDS_OBJECT (json))
    err = json_object_get_string_member_with_default (
        json_node_get_object (json), "error", "refused");
  g_printerr ("lucidctl: %s (HTTP %u)\n", err, status);
  if (opt_json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "error");
    json_builder_add_string_value (b, err);
    json_builder_set_member_name (b, "status");
    json_builder_add_int_value (b, status);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    print_json (root);
  }
  return 1;
}

static const char *
str_or (JsonObject *o, const char *k, const char *def)
{
  JsonNode *n = json_object_get_member (o, k);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : def;
}

static gint64
int_or (JsonObject *o, const char *k, gint64 def)
{
  JsonNode *n = json_object_get_member (o, k);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : def;
}

static double
double_or (JsonObject *o, const char *k, double def)
{
  JsonNode *n = json_object_get_member (o, k);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : def;
}

static void
print_table (JsonArray *arr)
{
  g_print ("%-28s %-9s %-9s %8s %5s %9s %8s %7s %8s  %s\n", "NAME", "SOURCE",
           "STATE", "RESTARTS", "LIMIT", "ROWS", "FPS", "LATENCY", "PROGRESS",
           "LAST ERROR");
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonObject *o = json_array_get_object_element (arr, i);
    double progress = double_or (o, "progress", -1);
    gint64 lat = int_or (o, "latency_ns", -1);
    g_autofree char *prog = progress >= 0
                                ? g_strdup_printf ("%.0f%%", progress * 100)
                                : g_strdup ("-");
    g_autofree char *latency
        = lat >= 0 ? g_strdup_printf ("%.0fms", lat / 1e6) : g_strdup ("-");
    g_autofree char *err = g_strdup (str_or (o, "last_error", ""));
    if (strlen (err) > 60)
      strcpy (err + 57, "...");
    for (char *p = err; *p; p++)
      if (*p == '\n')
        *p = ' ';
    g_print ("%-28s %-9s %-9s %8" G_GINT64_FORMAT " %5" G_GINT64_FORMAT
             " %9" G_GINT64_FORMAT " %8.1f %7s %8s  %s\n",
             str_or (o, "name", "?"), str_or (o, "source", "?"),
             str_or (o, "state", "?"), int_or (o, "restarts", 0),
             int_or (o, "restart_limit", 0), int_or (o, "rows_written", 0),
             double_or (o, "fps", 0), latency, prog, err);
  }
}

static char *
json_body (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

#define DELETE_WAIT_S 120

/* DELETE, then (202: a worker still drains) wait until lucidd forgot the
 * pipeline, so that its name is free when lucidctl returns. */
static int
cmd_delete (Client *c, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/v1/pipelines/%s", name);
  g_autoptr (JsonNode) json = NULL;
  gint64 deadline;
  guint status;
  int rc;

  if (!request (c, "DELETE", path, NULL, &status, &json, NULL))
    return 3;
  if ((rc = check_reply (status, json)) != 0)
    return rc;
  deadline = g_get_monotonic_time () + DELETE_WAIT_S * G_USEC_PER_SEC;
  while (status == SOUP_STATUS_ACCEPTED) {
    g_autoptr (JsonNode) again = NULL;
    if (g_get_monotonic_time () > deadline) {
      g_printerr ("lucidctl: %s: still draining after %d s\n", name,
                  DELETE_WAIT_S);
      return 1;
    }
    g_usleep (100 * 1000);
    if (!request (c, "GET", path, NULL, &status, &again, NULL))
      return 3;
    if (status == SOUP_STATUS_NOT_FOUND)
      break;
    if (status != SOUP_STATUS_OK)
      return check_reply (status, again);
    status = SOUP_STATUS_ACCEPTED;
  }
  if (opt_json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_set_member_name (b, "deleted");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    print_json (root);
  } else
    g_print ("%s: deleted\n", name);
  return 0;
}

static int
cmd_simple (Client *c, const char *method, const char *path, const char *body,
            gboolean table)
{
  guint status;
  g_autoptr (JsonNode) json = NULL;
  g_autofree char *text = NULL;
  int rc;

  if (!request (c, method, path, body, &status, &json, &text))
    return 3;
  rc = check_reply (status, json);
  if (rc != 0)
    return rc;
  if (text != NULL) {
    g_print ("%s", text);
    return 0;
  }
  if (json == NULL)
    return 0;
  if (opt_json || !table)
    print_json (json);
  else if (JSON_NODE_HOLDS_OBJECT (json)
           && json_object_has_member (json_node_get_object (json), "pipelines"))
    print_table (json_object_get_array_member (json_node_get_object (json),
                                               "pipelines"));
  else {
    g_autoptr (JsonArray) one = json_array_new ();
    json_array_add_element (one, json_node_ref (json));
    print_table (one);
  }
  return 0;
}

/* Prometheus text (as lucidd writes it: `name{k="v",...} value` lines and
 * '#' comments) as a JSON array of {"metric", "labels", "value"}, for
 * `lucidctl --json metrics`. FALSE when a line does not read. */
static gboolean
metrics_to_json (const char *text, JsonBuilder *b)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  json_builder_begin_array (b);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *p = lines[i], *name_end;
    char *end;
    double v;
    if (p[0] == '\0' || p[0] == '#')
      continue;
    name_end = p + strcspn (p, "{ ");
    if (name_end == p || *name_end == '\0')
      return FALSE;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "metric");
    {
      g_autofree char *name = g_strndup (p, name_end - p);
      json_builder_add_string_value (b, name);
    }
    json_builder_set_member_name (b, "labels");
    json_builder_begin_object (b);
    p = name_end;
    if (*p == '{') {
      p++;
      while (*p != '}') {
        const char *eq = strchr (p, '=');
        g_autoptr (GString) value = g_string_new (NULL);
        g_autofree char *key = NULL;
        if (eq == NULL || eq[1] != '"')
          return FALSE;
        key = g_strndup (p, eq - p);
        for (p = eq + 2; *p != '"'; p++) {
          if (*p == '\0')
            return FALSE;
          if (*p == '\\' && p[1] != '\0') {
            p++;
            g_string_append_c (value, *p == 'n' ? '\n' : *p);
          } else
            g_string_append_c (value, *p);
        }
        json_builder_set_member_name (b, key);
        json_builder_add_string_value (b, value->str);
        p++; /* the closing quote */
        if (*p == ',')
          p++;
        else if (*p != '}')
          return FALSE;
      }
      p++;
    }
    json_builder_end_object (b);
    v = g_ascii_strtod (p, &end);
    if (end == p)
      return FALSE;
    json_builder_set_member_name (b, "value");
    json_builder_add_double_value (b, v);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  return TRUE;
}

static int
cmd_metrics (Client *c)
{
  g_autoptr (JsonNode) json = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint status;
  int rc;

  if (!opt_json)
    return cmd_simple (c, "GET", "/metrics", NULL, FALSE);
  if (!request (c, "GET", "/metrics", NULL, &status, &json, &text))
    return 3;
  if ((rc = check_reply (status, json)) != 0)
    return rc;
  if (text == NULL || !metrics_to_json (text, b)) {
    g_printerr ("lucidctl metrics: lucidd's answer is not Prometheus text\n");
    return 1;
  }
  root = json_builder_get_root (b);
  print_json (root);
  return 0;
}

static int
cmd_create (Client *c, const char *name, const char *description)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *body = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, description);
  if (opt_restart) {
    json_builder_set_member_name (b, "restart");
    json_builder_add_string_value (b, opt_restart);
  }
  json_builder_set_member_name (b, "start");
  json_builder_add_boolean_value (b, !opt_no_start);
  if (opt_stall >= 0) {
    json_builder_set_member_name (b, "stall_timeout");
    json_builder_add_int_value (b, opt_stall);
  }
  if (opt_restart_limit != G_MININT) {
    json_builder_set_member_name (b, "restart_limit");
    json_builder_add_int_value (b, opt_restart_limit);
  }
  json_builder_end_object (b);
  body = json_body (b);
  return cmd_simple (c, "POST", "/v1/pipelines", body, TRUE);
}

static void
draw_progress (const char *name, double progress, gint64 rows, double fps)
{
  int width = 30, filled;
  char bar[64];

  if (progress < 0) {
    g_printerr ("\r%s: %" G_GINT64_FORMAT " rows, %.1f buffers/s   ", name,
                rows, fps);
    return;
  }
  filled = (int)lround (progress * width);
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  g_printerr ("\r%s [%s] %3.0f%% %" G_GINT64_FORMAT " rows", name, bar,
              progress * 100, rows);
}

/* SIGINT, SIGTERM or SIGHUP during `run`: the signal number, else 0. */
static volatile sig_atomic_t run_interrupted;

static void
on_run_signal (int sig)
{
  if (run_interrupted != 0) /* a second one: give up waiting */
    _exit (128 + sig);
  run_interrupted = sig;
}

/* The run was interrupted: ask lucidd to stop and delete the instance (it
 * drains, so the rows sent so far are committed) and wait until it is
 * gone, which frees its max_pipelines slot. Returns 128 + the signal. */
static int
run_cancel (Client *c, const char *run_name, const char *path)
{
  g_autoptr (JsonNode) json = NULL;
  guint status = 0;
  int sig = run_interrupted;

  g_printerr ("\nlucidctl: interrupted: stopping and deleting %s (its rows "
              "so far are kept; interrupt again to stop waiting)\n",
              run_name);
  if (!request (c, "DELETE", path, NULL, &status, &json, NULL))
    return 128 + sig;
  while (status >= 200 && status < 300) {
    g_clear_pointer (&json, json_node_unref);
    g_usleep (100 * 1000);
    if (!request (c, "GET", path, NULL, &status, &json, NULL))
      break;
  }
  return 128 + sig;
}

static int
cmd_run (Client *c, const char *input)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *body = NULL, *value = NULL, *scheme = NULL;
  g_autofree char *path = NULL, *run_name = NULL;
  g_autoptr (JsonNode) json = NULL;
  guint status;
  int rc;
  gboolean tty = isatty (STDERR_FILENO);
  double last_drawn = -1;
  struct sigaction sa = { .sa_handler = on_run_signal };

  if (opt_pipeline == NULL) {
    g_printerr ("lucidctl run: give --pipeline=NAME\n");
    return 2;
  }
  if (opt_lease < 0) {
    g_printerr ("lucidctl run: --lease must be 0 (none) or seconds\n");
    return 2;
  }
  scheme = g_uri_parse_scheme (input);
  value = scheme ? g_strdup (input) : g_canonicalize_filename (input, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "input");
  json_builder_add_string_value (b, value);
  json_builder_set_member_name (b, "lease_s");
  json_builder_add_int_value (b, opt_lease);
  json_builder_set_member_name (b, "keep");
  json_builder_add_boolean_value (b, opt_keep);
  json_builder_end_object (b);
  body = json_body (b);
  path = g_strdup_printf ("/v1/pipelines/%s/run", opt_pipeline);
  /* From here on an interrupt must not leave the instance behind. */
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  if (!request (c, "POST", path, body, &status, &json, NULL))
    return 3;
  if ((rc = check_reply (status, json)) != 0)
    return rc;
  run_name = g_strdup (str_or (json_node_get_object (json), "name", ""));
  g_clear_pointer (&json, json_node_unref);

  g_free (path);
  path = g_strdup_printf ("/v1/pipelines/%s", run_name);
  for (;;) {
    JsonObject *o;
    const char *state;
    if (run_interrupted)
      return run_cancel (c, run_name, path);
    g_usleep (200 * 1000);
    if (run_interrupted)
      return run_cancel (c, run_name, path);
    g_clear_pointer (&json, json_node_unref);
    if (!request (c, "GET", path, NULL, &status, &json, NULL))
      return 3;
    if ((rc = check_reply (status, json)) != 0)
      return rc;
    o = json_node_get_object (json);
    state = str_or (o, "state", "");
    if (!opt_json) {
      double progress = double_or (o, "progress", -1);
      if (tty)
        draw_progress (run_name, progress, int_or (o, "rows_sent", 0),
                       double_or (o, "fps", 0));
      else if (progress >= 0 && progress - last_drawn >= 0.25) {
        g_printerr ("%s: %3.0f%%\n", run_name, progress * 100);
        last_drawn = progress;
      }
    }
    if (strcmp (state, "running") != 0 && strcmp (state, "draining") != 0
        && strcmp (state, "backoff") != 0)
      break;
  }
  if (tty && !opt_json)
    g_printerr ("\n");
  {
    JsonObject *o = json_node_get_object (json);
    const char *outcome = str_or (o, "last_outcome", "");
    rc = strcmp (outcome, "eos") == 0 ? 0 : 1;
    if (opt_json)
      print_json (json);
    else if (rc == 0)
      g_print ("%s: done, %" G_GINT64_FORMAT " rows written (run label '%s')\n",
               run_name, int_or (o, "rows_written", 0), run_name);
    else
      g_printerr ("lucidctl: %s: %s: %s\n", run_name, outcome,
                  str_or (o, "last_error", "failed"));
  }
  if (!opt_keep) {
    g_autoptr (JsonNode) ignored = NULL;
    request (c, "DELETE", path, NULL, &status, &ignored, NULL);
  }
  return rc;
}

static int
cmd_query (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidDaemonConfig) config = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  const char *tail = NULL;
  int rc;

  if (opt_database != NULL)
    db_path = g_strdup (opt_database);
  else {
    config = lucidd_config_load (
        opt_config ? opt_config : LUCIDD_DEFAULT_CONFIG, &error);
    if (config == NULL) {
      if (opt_socket != NULL || g_getenv ("LUCIDD_SOCKET") != NULL)
        return 4; /* no configuration to read: ask lucidd */
      g_printerr ("lucidctl query: %s (or give --database or --socket)\n",
                  error->message);
      return 2;
    }
    db_path = g_strdup (config->database);
    if (access (db_path, R_OK) != 0)
      return 4; /* not ours to read: go through the socket */
  }
  db = lucid_store_open_readonly (db_path, &error);
  if (db == NULL) {
    g_printerr ("lucidctl query: %s\n", error->message);
    return 1;
  }
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, &tail) != SQLITE_OK) {
    g_printerr ("lucidctl query: %s\n", sqlite3_errmsg (db));
    sqlite3_close (db);
    return 1;
  }
  if (stmt == NULL
      || (tail != NULL && tail[strspn (tail, " \t\r\n;")] != '\0')) {
    g_printerr ("lucidctl query: give exactly one SQL statement\n");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return 1;
  }
  if (opt_json)
    json_builder_begin_array (b);
  if (opt_header && !opt_json) {
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      g_print ("%s%s", i ? "|" : "", sqlite3_column_name (stmt, i));
    g_print ("\n");
  }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    int n = sqlite3_column_count (stmt);
    if (opt_json)
      json_builder_begin_object (b);
    for (int i = 0; i < n; i++) {
      int type = sqlite3_column_type (stmt, i);
      if (opt_json) {
        json_builder_set_member_name (b, sqlite3_column_name (stmt, i));
        if (type == SQLITE_INTEGER)
          json_builder_add_int_value (b, sqlite3_column_int64 (stmt, i));
        else if (type == SQLITE_FLOAT)
          json_builder_add_double_value (b, sqlite3_column_double (stmt, i));
        else if (type == SQLITE_NULL)
          json_builder_add_null_value (b);
        else if (type == SQLITE_BLOB) {
          g_autofree char *b64 = g_base64_encode (
              sqlite3_column_blob (stmt, i), sqlite3_column_bytes (stmt, i));
          json_builder_add_string_value (b, b64);
        } else
          json_builder_add_string_value (
              b, (const char *)sqlite3_column_text (stmt, i));
      } else {
        const unsigned char *t = type == SQLITE_BLOB
                                     ? (const unsigned char *)"<blob>"
                                     : sqlite3_column_text (stmt, i);
        g_print ("%s%s", i ? "|" : "", t ? (const char *)t : "");
      }
    }
    if (opt_json)
      json_builder_end_object (b);
    else
      g_print ("\n");
  }
  if (rc != SQLITE_DONE) {
    g_printerr ("lucidctl query: %s\n", sqlite3_errmsg (db));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return 1;
  }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  if (opt_json) {
    g_autoptr (JsonNode) root = NULL;
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    print_json (root);
  }
  return 0;
}

/* The same query through lucidd, for users who may use the socket but not
 * read the database file. */
static int
cmd_query_remote (Client *c, const char *sql)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) json = NULL;
  g_autofree char *body = NULL;
  JsonArray *cols, *rows;
  guint status;
  int rc;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sql");
  json_builder_add_string_value (b, sql);
  json_builder_end_object (b);
  body = json_body (b);
  if (!request (c, "POST", "/v1/query", body, &status, &json, NULL))
    return 3;
  if ((rc = check_reply (status, json)) != 0)
    return rc;
  cols = json_object_get_array_member (json_node_get_object (json), "columns");
  rows = json_object_get_array_member (json_node_get_object (json), "rows");
  /* stdout keeps only rows (also under --json): the cut is said here */
  if (json_object_get_boolean_member_with_default (json_node_get_object (json),
                                                   "truncated", FALSE))
    g_printerr ("lucidctl query: %s\n",
                json_object_get_string_member_with_default (
                    json_node_get_object (json), "note",
                    "only the first rows were returned"));
  if (opt_json) {
    g_autoptr (JsonBuilder) out = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;
    json_builder_begin_array (out);
    for (guint r = 0; r < json_array_get_length (rows); r++) {
      JsonArray *row = json_array_get_array_element (rows, r);
      json_builder_begin_object (out);
      for (guint i = 0; i < json_array_get_length (cols); i++) {
        json_builder_set_member_name (out,
                                      json_array_get_string_element (cols, i));
        json_builder_add_value (
            out, json_node_copy (json_array_get_element (row, i)));
      }
      json_builder_end_object (out);
    }
    json_builder_end_array (out);
    root = json_builder_get_root (out);
    print_json (root);
    return 0;
  }
  if (opt_header) {
    for (guint i = 0; i < json_array_get_length (cols); i++)
      g_print ("%s%s", i ? "|" : "", json_array_get_string_element (cols, i));
    g_print ("\n");
  }
  for (guint r = 0; r < json_array_get_length (rows); r++) {
    JsonArray *row = json_array_get_array_element (rows, r);
    for (guint i = 0; i < json_array_get_length (row); i++) {
      JsonNode *v = json_array_get_element (row, i);
      g_autofree char *text = NULL;
      if (JSON_NODE_HOLDS_NULL (v))
        text = g_strdup ("");
      else if (json_node_get_value_type (v) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (v));
      else if (json_node_get_value_type (v) == G_TYPE_DOUBLE)
        text = g_strdup_printf ("%.17g", json_node_get_double (v));
      else
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
      g_print ("%s%s", i ? "|" : "", text);
    }
    g_print ("\n");
  }
  return 0;
}

/* The database `lucidctl verify` checks when none is given: --database,
 * else the configuration's (unless lucidctl was pointed at a socket
 * instead), else the one lucidd reports in GET /v1/status. NULL (after a
 * message) when none can be found. */
static char *
verify_database (Client *c)
{
  g_autoptr (LucidDaemonConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) json = NULL;
  const char *path = opt_config ? opt_config : LUCIDD_DEFAULT_CONFIG;
  gboolean socket_given
      = opt_socket != NULL || g_getenv ("LUCIDD_SOCKET") != NULL;
  guint status;

  if (opt_database != NULL)
    return g_strdup (opt_database);
  if (opt_config != NULL || !socket_given) {
    config = lucidd_config_load (path, &error);
    if (config != NULL)
      return g_strdup (config->database);
    if (opt_config != NULL) {
      g_printerr ("lucidctl verify: %s\n", error->message);
      return NULL;
    }
  }
  if (!request (c, "GET", "/v1/status", NULL, &status, &json, NULL)) {
    g_printerr ("lucidctl verify: give the database file (no configuration "
                "at %s, and lucidd cannot be asked for it)\n",
                path);
    return NULL;
  }
  if (check_reply (status, json) != 0 || json == NULL
      || !JSON_NODE_HOLDS_OBJECT (json)
      || str_or (json_node_get_object (json), "database", NULL) == NULL) {
    g_printerr ("lucidctl verify: lucidd did not name its database; give "
                "the file\n");
    return NULL;
  }
  return g_strdup (str_or (json_node_get_object (json), "database", NULL));
}

/* Verification reads the file itself, here, with a read-only connection:
 * the user needs read access to it (the daemon never verifies on a
 * client's behalf — the point of verifying is not to trust the writer).
 * Exit status as lucid-verify's: 0 verified, 1 tampered, 2 cannot check. */
static int
cmd_verify (Client *c, const char *database)
{
  g_autofree char *db = database ? g_strdup (database) : verify_database (c);

  if (db == NULL)
    return 2;
  opt_verify.json = opt_json;
  return lucid_verify_cli_run (
      &opt_verify, "lucidctl verify", db,
      " (run lucidctl verify as lucidd's user or a member of its group, or "
      "verify a copy of the file)");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  Client c = { 0 };
  const char *verb;
  int rc = 2;
  GOptionEntry entries[] = {
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &opt_socket,
      "lucidd's control socket", "PATH" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
      "Read the socket and database paths from this lucidd.conf", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON", NULL },
    { "database", 0, 0, G_OPTION_ARG_FILENAME, &opt_database,
      "query, verify: the database file", "FILE" },
    { "remote", 0, 0, G_OPTION_ARG_NONE, &opt_remote,
      "query: through lucidd's socket (the default when the database is "
      "not readable)",
      NULL },
    { "header", 0, 0, G_OPTION_ARG_NONE, &opt_header,
      "query: print the column names first", NULL },
    { "restart", 0, 0, G_OPTION_ARG_STRING, &opt_restart,
      "create: always, on-failure or never", "POLICY" },
    { "no-start", 0, 0, G_OPTION_ARG_NONE, &opt_no_start,
      "create: do not start it", NULL },
    { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &opt_stall,
      "create: seconds without buffers before a restart (0 = never)", "S" },
    { "restart-limit", 0, 0, G_OPTION_ARG_INT, &opt_restart_limit,
      "create: failed starts in a row before 'failed' (default: the "
      "daemon's restart_limit)",
      "N" },
    { "pipeline", 'p', 0, G_OPTION_ARG_STRING, &opt_pipeline,
      "run: the pipeline whose input element gets FILE|URI", "NAME" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep,
      "run: keep the finished run instance listed", NULL },
    { "lease", 0, 0, G_OPTION_ARG_INT, &opt_lease,
      "run: lucidd stops and deletes the run when lucidctl has not asked "
      "about it for S seconds (default 30; 0 = never)",
      "S" },
    { NULL },
  };

  ctx = g_option_context_new (
      "VERB [ARGS] — status, list, create, start, stop, restart, delete, "
      "messages, run, query, metrics, daemon, verify");
  g_option_context_add_main_entries (ctx, entries, NULL);
  lucid_verify_cli_add_options (ctx, &opt_verify, "verify: ", FALSE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc < 2) {
    g_printerr ("lucidctl: %s\n",
                error ? error->message : "give a verb (see --help)");
    return 2;
  }
  verb = argv[1];
  if (lucid_verify_cli_given (&opt_verify) && strcmp (verb, "verify") != 0) {
    g_printerr ("lucidctl %s: --expect-root, --public-key, "
                "--min-signed-size, --derived and --no-derived are options "
                "of verify\n",
                verb);
    return 2;
  }
  if (strcmp (verb, "query") == 0 && argc != 3) {
    g_printerr ("lucidctl query \"SQL\"\n");
    return 2;
  }
  if (strcmp (verb, "query") == 0 && !opt_remote) {
    int local = cmd_query (argv[2]);
    if (local != 4)
      return local;
    /* the database is not readable here: ask lucidd */
  }

  c.socket_path = default_socket ();
  addr = g_unix_socket_address_new (c.socket_path);
  c.session = soup_session_new_with_options ("remote-connectable", addr,
                                             "timeout", 30, NULL);

#define NEED(n)                                                                \
  if (argc != (n)) {                                                           \
    g_printerr ("lucidctl %s: wrong number of arguments (see --help)\n",       \
                verb);                                                         \
    goto out;                                                                  \
  }
  if (strcmp (verb, "status") == 0 || strcmp (verb, "list") == 0) {
    if (argc == 3) {
      g_autofree char *path = g_strdup_printf ("/v1/pipelines/%s", argv[2]);
      rc = cmd_simple (&c, "GET", path, NULL, TRUE);
    } else {
      NEED (2);
      rc = cmd_simple (&c, "GET", "/v1/pipelines", NULL, TRUE);
    }
  } else if (strcmp (verb, "create") == 0) {
    NEED (4);
    rc = cmd_create (&c, argv[2], argv[3]);
  } else if (strcmp (verb, "start") == 0 || strcmp (verb, "stop") == 0
             || strcmp (verb, "restart") == 0) {
    g_autofree char *path = NULL;
    NEED (3);
    path = g_strdup_printf ("/v1/pipelines/%s/%s", argv[2], verb);
    rc = cmd_simple (&c, "POST", path, NULL, TRUE);
  } else if (strcmp (verb, "delete") == 0) {
    NEED (3);
    rc = cmd_delete (&c, argv[2]);
  } else if (strcmp (verb, "messages") == 0) {
    g_autofree char *path = NULL;
    NEED (3);
    path = g_strdup_printf ("/v1/pipelines/%s/messages", argv[2]);
    rc = cmd_simple (&c, "GET", path, NULL, FALSE);
  } else if (strcmp (verb, "query") == 0) {
    rc = cmd_query_remote (&c, argv[2]);
  } else if (strcmp (verb, "run") == 0) {
    NEED (3);
    rc = cmd_run (&c, argv[2]);
  } else if (strcmp (verb, "metrics") == 0) {
    NEED (2);
    rc = cmd_metrics (&c);
  } else if (strcmp (verb, "daemon") == 0) {
    NEED (2);
    rc = cmd_simple (&c, "GET", "/v1/status", NULL, FALSE);
  } else if (strcmp (verb, "verify") == 0) {
    if (argc > 3 || (argc == 3 && opt_database != NULL)) {
      g_printerr ("lucidctl verify [DB]: one database at most\n");
      goto out;
    }
    rc = cmd_verify (&c, argc == 3 ? argv[2] : NULL);
  } else {
    g_printerr ("lucidctl: unknown verb '%s' (see --help)\n", verb);
  }
#undef NEED
out:
  g_clear_object (&c.session);
  g_free (c.socket_path);
  return rc;
}
