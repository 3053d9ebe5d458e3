/* lucidd-api.c — the control API (see lucidd-api.h, docs/daemon.md).
 *
 * Access control: on the Unix socket the peer's credentials (SO_PEERCRED)
 * must be root, the daemon's own user, or a member of the socket's group,
 * checked when the connection is accepted — on top of the socket file's
 * 0660 mode, so a socket made world-writable by mistake is still closed;
 * on TCP (loopback only) the early handler, before the body is read,
 * wants "Authorization: Bearer TOKEN". Bodies must declare their length
 * (Content-Length) and stay under max_request_bytes (413 otherwise).
 *
 * Creating a pipeline runs `lucid-worker --check` first (asynchronously):
 * the worker parses the description with GStreamer and applies the
 * allowlist, so a refused pipeline is a 403 with the reason and is never
 * stored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include "lucidd-api.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-store.h"
#include "lucid-build-config.h"
#include "lucidd-request.h"

struct _LucidApi {
  LucidDaemonConfig *config;
  LucidSupervisor *sup;
  LucidDaemonDb *db;
  SoupServer *unix_server;
  GSocketService *unix_service; /* accepts, checks the peer, hands to soup */
  SoupServer *tcp_server;
  GSocketService *tcp_service;
  char *socket_path;
  gid_t socket_gid;
  char *token;
  gint64 started_us;
  GPtrArray *conns; /* of Tracked: every open control connection */
  guint sweep_source;
};

/* A control connection, from accept to close: counted against
 * max_connections, and shut down when its request has not arrived
 * complete within request_timeout. */
typedef struct {
  GSocketConnection *conn;
  GSocketAddress *remote; /* the address handed to libsoup: identifies it */
  gint64 deadline_us;
  gboolean complete;
  gboolean cut;
} Tracked;

static void
tracked_free (gpointer data)
{
  Tracked *t = data;

  g_object_unref (t->conn);
  g_clear_object (&t->remote);
  g_free (t);
}

/* ---- responses --------------------------------------------------------- */

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  gsize len;
  char *text;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, len);
}

static void
respond_error (SoupServerMessage *msg, guint status, const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  respond_json (msg, status, node);
}

static void
respond_ok (SoupServerMessage *msg, const char *what)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_string_value (b, what);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
respond_status (SoupServerMessage *msg, guint code, LucidPipeline *p)
{
  g_autoptr (JsonNode) node = lucidd_pipeline_status_json (p);
  respond_json (msg, code, node);
}

/* ---- access control ------------------------------------------------------ */

static gboolean
uid_in_group (uid_t uid, gid_t gid)
{
  struct passwd pw, *res = NULL;
  char buf[4096];
  gid_t groups[256];
  int n = G_N_ELEMENTS (groups);

  if (getpwuid_r (uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
    return FALSE;
  if (pw.pw_gid == gid)
    return TRUE;
  if (getgrouplist (pw.pw_name, pw.pw_gid, groups, &n) < 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

static gboolean
peer_allowed (LucidApi *api, GSocket *sock, char **why)
{
  g_autoptr (GCredentials) creds = NULL;
  struct ucred *uc;

  if (sock == NULL || (creds = g_socket_get_credentials (sock, NULL)) == NULL) {
    *why = g_strdup ("cannot read the peer's credentials");
    return FALSE;
  }
  uc = g_credentials_get_native (creds, G_CREDENTIALS_TYPE_LINUX_UCRED);
  if (uc == NULL) {
    *why = g_strdup ("cannot read the peer's credentials");
    return FALSE;
  }
  if (uc->uid == 0 || uc->uid == geteuid () || uc->gid == api->socket_gid
      || uid_in_group (uc->uid, api->socket_gid))
    return TRUE;
  *why = g_strdup_printf ("uid %u is not root, lucidd's user or a member of "
                          "the socket's group",
                          (unsigned)uc->uid);
  return FALSE;
}

static gboolean
token_ok (LucidApi *api, SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Authorization");
  gsize a, b;
  guint diff = 0;

  if (auth == NULL || !g_str_has_prefix (auth, "Bearer ") || api->token == NULL)
    return FALSE;
  auth += strlen ("Bearer ");
  a = strlen (auth);
  b = strlen (api->token);
  /* compare in time independent of where they differ */
  for (gsize i = 0; i < MAX (a, b); i++)
    diff |= (guint)(i < a ? auth[i] : 0) ^ (guint)(i < b ? api->token[i] : 1);
  return diff == 0 && a == b;
}

static void refuse_stream (GIOStream *stream, guint status,
                           const char *why);

/* A request refused on its headers alone (no or a wrong token on TCP, a
 * chunked or too large body): libsoup would still read, and buffer, the
 * whole declared body before answering, so the connection is taken from
 * it, answered and closed here (refuse_stream). */
static void
refuse_early (SoupServerMessage *msg, guint status, const char *why)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);

  if (stream == NULL) { /* not expected; answer the libsoup way */
    respond_error (msg, status, why);
    return;
  }
  refuse_stream (stream, status, why);
  g_object_unref (stream);
}

static void
early_check (LucidApi *api, SoupServerMessage *msg, gboolean is_tcp)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  goffset len;

  /* One request per connection: libsoup 3.2 keeps an idle keep-alive
   * connection open after its client went away, so every finished client
   * would leave a file descriptor behind. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  if (is_tcp && !token_ok (api, msg)) {
    refuse_early (msg, SOUP_STATUS_UNAUTHORIZED,
                  "missing or wrong bearer token");
    return;
  }
  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CHUNKED) {
    refuse_early (msg, 411, "send the body with a Content-Length");
    return;
  }
  len = soup_message_headers_get_content_length (h);
  if (len > (goffset)api->config->max_request_bytes) {
    g_autofree char *m = g_strdup_printf ("request body of %" G_GOFFSET_FORMAT
                                          " bytes; the limit is %u "
                                          "([daemon] max_request_bytes)",
                                          len, api->config->max_request_bytes);
    refuse_early (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, m);
    return;
  }
}

static void
early_unix (SoupServer *server, SoupServerMessage *msg, const char *path,
            GHashTable *query, gpointer data)
{
  early_check (data, msg, FALSE);
}

static void
early_tcp (SoupServer *server, SoupServerMessage *msg, const char *path,
           GHashTable *query, gpointer data)
{
  early_check (data, msg, TRUE);
}

/* ---- create: check with the worker, then add ---------------------------- */

typedef struct {
  LucidApi *api;
  SoupServerMessage *msg;
  LucidPipelineDef *def;
  GSubprocess *proc;
  GCancellable *cancel;
  guint timeout_source; /* [daemon] check_timeout */
  guint timeout_s;
  gboolean timed_out;
} CreateJob;

/* The check did not finish in time (an element that blocks while it is
 * built, a plugin that hangs at load): kill it, answer the client. */
static gboolean
create_check_timed_out (gpointer data)
{
  CreateJob *job = data;

  job->timeout_source = 0;
  job->timed_out = TRUE;
  g_warning ("%s: the pipeline check did not finish in %u s; killed it",
             job->def->name, job->timeout_s);
  g_subprocess_force_exit (job->proc);
  /* the answer must not wait for the pipe: a descendant may hold it */
  g_cancellable_cancel (job->cancel);
  return G_SOURCE_REMOVE;
}

static char *
worker_path (LucidApi *api)
{
  g_autofree char *self = NULL;

  if (api->config->worker_path != NULL)
    return g_strdup (api->config->worker_path);
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL) {
    g_autofree char *dir = g_path_get_dirname (self);
    char *candidate = g_build_filename (dir, "lucid-worker", NULL);
    if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
      return candidate;
    g_free (candidate);
  }
  return g_build_filename (LUCIDD_LIBEXECDIR, "lucid-worker", NULL);
}

static void
create_checked (GObject *src, GAsyncResult *res, gpointer data)
{
  CreateJob *job = data;
  LucidApi *api = job->api;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  GSubprocess *proc = G_SUBPROCESS (src);
  LucidPipeline *p;
  gboolean communicated;

  g_clear_handle_id (&job->timeout_source, g_source_remove);
  communicated
      = g_subprocess_communicate_utf8_finish (proc, res, &out, NULL, &error);
  if (job->timed_out) {
    g_autofree char *m = g_strdup_printf (
        "the pipeline check (lucid-worker --check) did not finish in %u s "
        "([daemon] check_timeout) and was killed: an element blocks while "
        "the pipeline is built",
        job->timeout_s);
    lucidd_db_event (api->db, job->def->name, 0, "error", m);
    respond_error (job->msg, SOUP_STATUS_FORBIDDEN, m);
  } else if (!communicated) {
    respond_error (job->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
  } else if (!g_subprocess_get_if_exited (proc)
             || g_subprocess_get_exit_status (proc) != 0) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    const char *text = "the pipeline was refused";
    if (out != NULL && json_parser_load_from_data (parser, out, -1, NULL)
        && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
      text = json_object_get_string_member_with_default (
          json_node_get_object (json_parser_get_root (parser)), "text", text);
    respond_error (job->msg, SOUP_STATUS_FORBIDDEN, text);
  } else if (lucidd_supervisor_shutting_down (api->sup)) {
    respond_error (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                   "the daemon is shutting down");
  } else if (lucidd_supervisor_lookup (api->sup, job->def->name) != NULL) {
    respond_error (job->msg, SOUP_STATUS_CONFLICT,
                   "a pipeline with that name exists");
  } else if (!lucidd_db_save_pipeline (api->db, job->def, &error)) {
    respond_error (job->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
  } else {
    lucidd_db_event (api->db, job->def->name, 0, "create",
                     job->def->description);
    p = lucidd_supervisor_add (api->sup, lucidd_pipeline_def_copy (job->def),
                               LUCIDD_SOURCE_API, &error);
    if (p == NULL) {
      lucidd_db_delete_pipeline (api->db, job->def->name, NULL);
      respond_error (job->msg, SOUP_STATUS_CONFLICT, error->message);
    } else
      respond_status (job->msg, SOUP_STATUS_CREATED, p);
  }
  soup_server_message_unpause (job->msg);
  g_object_unref (job->msg);
  g_object_unref (job->proc);
  g_object_unref (job->cancel);
  lucidd_pipeline_def_free (job->def);
  g_free (job);
}

static void
handle_create (LucidApi *api, SoupServerMessage *msg, const char *body,
               gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  LucidDaemonConfig *c = api->config;
  LucidPipelineDef *def = lucidd_request_parse_create (body, len, &error);
  GSubprocess *proc;
  CreateJob *job;

  if (def == NULL) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
    return;
  }
  if (lucidd_supervisor_lookup (api->sup, def->name) != NULL) {
    respond_error (msg, SOUP_STATUS_CONFLICT,
                   "a pipeline with that name exists");
    lucidd_pipeline_def_free (def);
    return;
  }
  g_ptr_array_add (argv, worker_path (api));
  g_ptr_array_add (argv, g_strdup ("--check"));
  g_ptr_array_add (argv, g_strdup ("--restricted"));
  g_ptr_array_add (argv, g_strdup ("--report-fd=1"));
  g_ptr_array_add (argv, g_strdup_printf ("--name=%s", def->name));
  g_ptr_array_add (argv, g_strdup_printf ("--database=%s", c->database));
  for (guint i = 0; c->allowed_elements[i]; i++)
    g_ptr_array_add (
        argv, g_strdup_printf ("--allow-element=%s", c->allowed_elements[i]));
  for (guint i = 0; c->allowed_paths[i]; i++)
    g_ptr_array_add (argv,
                     g_strdup_printf ("--allow-path=%s", c->allowed_paths[i]));
  for (guint i = 0; c->allowed_uri_schemes[i]; i++)
    g_ptr_array_add (
        argv, g_strdup_printf ("--allow-scheme=%s", c->allowed_uri_schemes[i]));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (def->description));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (proc == NULL) {
    respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
    lucidd_pipeline_def_free (def);
    return;
  }
  job = g_new0 (CreateJob, 1);
  job->api = api;
  job->msg = g_object_ref (msg);
  job->def = def;
  job->proc = proc;
  job->cancel = g_cancellable_new ();
  job->timeout_s = c->check_timeout_s;
  job->timeout_source
      = g_timeout_add_seconds (job->timeout_s, create_check_timed_out, job);
  soup_server_message_pause (msg);
  g_subprocess_communicate_utf8_async (proc, NULL, job->cancel, create_checked,
                                       job);
}

/* ---- query: read-only SQL for users who cannot read the database ------ */

#define QUERY_MAX_ROWS 10000
#define QUERY_MAX_MS 5000
/* One value (SQLITE_LIMIT_LENGTH: a bigger string or blob is an error, so
 * `randomblob(1e8)` is never built) and the whole reply (estimated as
 * it is built; the rows after the limit are left out, truncated:true). */
#define QUERY_MAX_VALUE_BYTES (1024 * 1024)
#define QUERY_MAX_REPLY_BYTES (8 * 1024 * 1024)

static int
query_deadline (void *data)
{
  return g_get_monotonic_time () > *(gint64 *)data; /* non-zero aborts */
}

static void
handle_query (LucidApi *api, SoupServerMessage *msg, const char *body,
              gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sql = lucidd_request_parse_query (body, len, &error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  const char *tail = NULL;
  gint64 deadline = g_get_monotonic_time () + QUERY_MAX_MS * 1000;
  guint n_rows = 0;
  gsize reply_bytes = 0;
  const char *truncated = NULL;
  int rc;

  if (sql == NULL) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
    return;
  }
  db = lucid_store_open_readonly (api->config->database, &error);
  if (db == NULL) {
    respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
    return;
  }
  /* The main loop serves everyone: bound the time one query may take. */
  sqlite3_progress_handler (db, 10000, query_deadline, &deadline);
  sqlite3_limit (db, SQLITE_LIMIT_LENGTH, QUERY_MAX_VALUE_BYTES);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, &tail) != SQLITE_OK
      || stmt == NULL) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                   stmt == NULL && sqlite3_errcode (db) == SQLITE_OK
                       ? "no SQL statement"
                       : sqlite3_errmsg (db));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return;
  }
  if (tail != NULL && tail[strspn (tail, " \t\r\n;")] != '\0') {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                   "give exactly one SQL statement");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return;
  }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "columns");
  json_builder_begin_array (b);
  for (int i = 0; i < sqlite3_column_count (stmt); i++)
    json_builder_add_string_value (b, sqlite3_column_name (stmt, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    gsize row_bytes = 4;
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      /* JSON escapes and base64 make text and blobs up to ~4/3 longer */
      row_bytes += 24 + (gsize)sqlite3_column_bytes (stmt, i) * 4 / 3;
    if (n_rows++ == QUERY_MAX_ROWS) {
      truncated = "only the first 10000 rows were returned";
      break;
    }
    if (reply_bytes + row_bytes > QUERY_MAX_REPLY_BYTES) {
      truncated = "the reply was cut at 8 MiB: only the first rows were "
                  "returned";
      break;
    }
    reply_bytes += row_bytes;
    json_builder_begin_array (b);
    for (int i = 0; i < sqlite3_column_count (stmt); i++) {
      switch (sqlite3_column_type (stmt, i)) {
        case SQLITE_INTEGER:
          json_builder_add_int_value (b, sqlite3_column_int64 (stmt, i));
          break;
        case SQLITE_FLOAT:
          json_builder_add_double_value (b, sqlite3_column_double (stmt, i));
          break;
        case SQLITE_NULL:
          json_builder_add_null_value (b);
          break;
        case SQLITE_BLOB: {
          g_autofree char *b64 = g_base64_encode (
              sqlite3_column_blob (stmt, i), sqlite3_column_bytes (stmt, i));
          json_builder_add_string_value (b, b64);
          break;
        }
        default:
          json_builder_add_string_value (
              b, (const char *)sqlite3_column_text (stmt, i));
      }
    }
    json_builder_end_array (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "truncated");
  json_builder_add_boolean_value (b, truncated != NULL);
  if (truncated != NULL) {
    json_builder_set_member_name (b, "note");
    json_builder_add_string_value (b, truncated);
  }
  json_builder_end_object (b);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    g_autofree char *m = g_strdup_printf (
        "%s%s", sqlite3_errmsg (db),
        rc == SQLITE_INTERRUPT ? " (the query took longer than 5 s)"
        : rc == SQLITE_TOOBIG  ? " (a value over 1 MiB; the socket's query "
                                 "returns at most 1 MiB per value)"
                               : "");
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, m);
  } else {
    node = json_builder_get_root (b);
    respond_json (msg, SOUP_STATUS_OK, node);
  }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* ---- routes ----------------------------------------------------------- */

static void
handle_list (LucidApi *api, SoupServerMessage *msg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  GList *list = lucidd_supervisor_list (api->sup);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pipelines");
  json_builder_begin_array (b);
  for (GList *l = list; l != NULL; l = l->next)
    json_builder_add_value (b, lucidd_pipeline_status_json (l->data));
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_list_free (list);
  node = json_builder_get_root (b);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_daemon_status (LucidApi *api, SoupServerMessage *msg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  guint running, failed, total;

  lucidd_supervisor_count (api->sup, &running, &failed, &total);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, LUCID_VERSION);
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, getpid ());
  json_builder_set_member_name (b, "uptime_s");
  json_builder_add_int_value (b, (g_get_monotonic_time () - api->started_us)
                                     / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "database");
  json_builder_add_string_value (b, api->config->database);
  json_builder_set_member_name (b, "pipelines");
  json_builder_add_int_value (b, total);
  json_builder_set_member_name (b, "running");
  json_builder_add_int_value (b, running);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, failed);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_pipeline (LucidApi *api, SoupServerMessage *msg, const char *method,
                 const char *name, const char *verb, const char *body,
                 gsize len)
{
  LucidPipeline *p = lucidd_supervisor_lookup (api->sup, name);
  g_autoptr (GError) error = NULL;
  gboolean is_api;

  if (p == NULL) {
    g_autofree char *m = g_strdup_printf ("no such pipeline '%s'", name);
    respond_error (msg, SOUP_STATUS_NOT_FOUND, m);
    return;
  }
  lucidd_pipeline_touch (p);
  is_api = lucidd_pipeline_get_source (p) == LUCIDD_SOURCE_API;
  if (verb == NULL && strcmp (method, "GET") == 0) {
    respond_status (msg, SOUP_STATUS_OK, p);
  } else if (verb == NULL && strcmp (method, "DELETE") == 0) {
    if (lucidd_pipeline_get_source (p) == LUCIDD_SOURCE_FILE) {
      respond_error (msg, SOUP_STATUS_CONFLICT,
                     "pipeline comes from a file: remove the file and "
                     "reload (SIGHUP), or stop it");
      return;
    }
    if (is_api && !lucidd_db_delete_pipeline (api->db, name, &error)) {
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      return;
    }
    lucidd_pipeline_delete (p);
    /* With a worker still draining, the name stays taken until it exits:
     * 202, and the client polls until GET answers 404 (lucidctl does). */
    if (lucidd_supervisor_lookup (api->sup, name) != NULL) {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ok");
      json_builder_add_string_value (b, "draining");
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      respond_json (msg, SOUP_STATUS_ACCEPTED, node);
    } else
      respond_ok (msg, "deleted");
  } else if (verb != NULL && strcmp (verb, "messages") == 0
             && strcmp (method, "GET") == 0) {
    g_autoptr (JsonNode) node = lucidd_pipeline_messages_json (p);
    respond_json (msg, SOUP_STATUS_OK, node);
  } else if (verb != NULL && strcmp (method, "POST") == 0
             && (strcmp (verb, "start") == 0 || strcmp (verb, "stop") == 0
                 || strcmp (verb, "restart") == 0)) {
    gboolean enable = strcmp (verb, "stop") != 0;
    if (is_api && !lucidd_db_set_enabled (api->db, name, enable, &error)) {
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      return;
    }
    lucidd_pipeline_set_enabled (p, enable);
    if (strcmp (verb, "start") == 0)
      lucidd_pipeline_start (p);
    else if (strcmp (verb, "stop") == 0)
      lucidd_pipeline_stop (p);
    else
      lucidd_pipeline_restart (p);
    respond_status (msg, SOUP_STATUS_OK, p);
  } else if (verb != NULL && strcmp (verb, "run") == 0
             && strcmp (method, "POST") == 0) {
    g_autoptr (LucidRunRequest) req
        = lucidd_request_parse_run (body, len, &error);
    LucidPipeline *run;
    if (req == NULL) {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }
    run = lucidd_pipeline_run_input (p, req->input, req->lease_s, req->keep,
                                     &error);
    /* a pipeline without an input element cannot take one, whatever
     * lucidd's state: the request is wrong (400); a full table is a
     * conflict with the present state (409) */
    if (run == NULL)
      respond_error (msg,
                     lucidd_pipeline_get_def (p)->input == NULL
                         ? SOUP_STATUS_BAD_REQUEST
                         : SOUP_STATUS_CONFLICT,
                     error->message);
    else
      respond_status (msg, SOUP_STATUS_CREATED, run);
  } else {
    respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                   "unknown verb or method for a pipeline");
  }
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path,
                GHashTable *query, gpointer data)
{
  LucidApi *api = data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_auto (GStrv) parts = NULL;
  guint n;

  if (soup_server_message_get_status (msg) != 0
      && soup_server_message_get_status (msg) != SOUP_STATUS_OK)
    return; /* refused by the early handler */
  if (req->length > api->config->max_request_bytes) {
    respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "request body too large");
    return;
  }
  if (strcmp (path, "/metrics") == 0 && strcmp (method, "GET") == 0) {
    g_autoptr (GString) out = g_string_new (NULL);
    gsize len;
    lucidd_supervisor_metrics (api->sup, out);
    len = out->len;
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response (
        msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE,
        g_string_free (g_steal_pointer (&out), FALSE), len);
    return;
  }
  parts = g_strsplit (path, "/", 6);
  n = g_strv_length (parts);
  /* parts[0] is "" (the path starts with '/') */
  if (n < 3 || strcmp (parts[1], "v1") != 0) {
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "unknown path");
    return;
  }
  /* Nothing new starts once the drain began: creating, starting,
   * restarting and running pipelines are refused; reading and stopping
   * still work. */
  if (lucidd_supervisor_shutting_down (api->sup) && strcmp (method, "POST") == 0
      && strcmp (parts[n - 1], "stop") != 0 && strcmp (parts[n - 1], "query") != 0) {
    respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                   "the daemon is shutting down");
    return;
  }
  if (n == 3 && strcmp (parts[2], "status") == 0
      && strcmp (method, "GET") == 0) {
    handle_daemon_status (api, msg);
  } else if (n == 3 && strcmp (parts[2], "query") == 0
             && strcmp (method, "POST") == 0) {
    handle_query (api, msg, req->data, req->length);
  } else if (n == 3 && strcmp (parts[2], "pipelines") == 0) {
    if (strcmp (method, "GET") == 0)
      handle_list (api, msg);
    else if (strcmp (method, "POST") == 0)
      handle_create (api, msg, req->data, req->length);
    else
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET or POST");
  } else if ((n == 4 || n == 5) && strcmp (parts[2], "pipelines") == 0
             && lucidd_pipeline_name_valid (parts[3])) {
    handle_pipeline (api, msg, method, parts[3], n == 5 ? parts[4] : NULL,
                     req->data, req->length);
  } else {
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "unknown path");
  }
}

/* ---- listening ----------------------------------------------------------- */

/* A refused peer: its request is read and thrown away (so that the peer
 * is not cut off while it still writes, which it would see as a broken
 * pipe instead of our answer), then the connection closes. Bounded: 64 KiB
 * or 5 s, whichever comes first; nothing read is kept. */
typedef struct {
  GIOStream *stream;
  char *reply;
  gsize drained;
  guint timeout;
  gboolean closing;
} RefusedPeer;

static void
refused_peer_done (RefusedPeer *rp)
{
  g_clear_handle_id (&rp->timeout, g_source_remove);
  g_io_stream_close (rp->stream, NULL, NULL);
  g_object_unref (rp->stream);
  g_free (rp->reply);
  g_free (rp);
}

static void drain_next (RefusedPeer *rp);

static void
drained (GObject *src, GAsyncResult *res, gpointer data)
{
  RefusedPeer *rp = data;
  g_autoptr (GBytes) bytes
      = g_input_stream_read_bytes_finish (G_INPUT_STREAM (src), res, NULL);
  gsize n = bytes ? g_bytes_get_size (bytes) : 0;

  rp->drained += n;
  if (n == 0 || rp->drained > 64 * 1024 || rp->closing)
    refused_peer_done (rp);
  else
    drain_next (rp);
}

static void
drain_next (RefusedPeer *rp)
{
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (rp->stream),
                                   4096, G_PRIORITY_DEFAULT, NULL, drained,
                                   rp);
}

static GSocket *
stream_socket (GIOStream *stream)
{
  if (G_IS_SOCKET_CONNECTION (stream))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  return g_object_get_data (G_OBJECT (stream), "GSocket"); /* stolen */
}

static gboolean
refused_peer_timeout (gpointer data)
{
  RefusedPeer *rp = data;
  GSocket *sock = stream_socket (rp->stream);

  rp->timeout = 0;
  rp->closing = TRUE;
  /* closing makes the pending read fail, which frees @rp */
  if (sock != NULL)
    g_socket_shutdown (sock, TRUE, TRUE, NULL);
  else
    g_io_stream_close (rp->stream, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
reply_written (GObject *src, GAsyncResult *res, gpointer data)
{
  RefusedPeer *rp = data;
  GSocket *sock = stream_socket (rp->stream);

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (src), res, NULL, NULL);
  g_output_stream_flush (G_OUTPUT_STREAM (src), NULL, NULL);
  if (sock != NULL)
    g_socket_shutdown (sock, FALSE, TRUE, NULL);
  drain_next (rp);
}

/* Answers STATUS with {"error": WHY} on @stream (a connection no longer
 * libsoup's), drains what the peer still sends, closes. */
static void
refuse_stream (GIOStream *stream, guint status, const char *why)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *body = NULL;
  RefusedPeer *rp;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, why);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  body = json_generator_to_data (gen, NULL);
  rp = g_new0 (RefusedPeer, 1);
  rp->stream = g_object_ref (stream);
  rp->reply = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: %zu\r\nConnection: close\r\n"
                               "%s\r\n%s",
                               status, soup_status_get_phrase (status),
                               strlen (body),
                               status == SOUP_STATUS_UNAUTHORIZED
                                   ? "WWW-Authenticate: Bearer\r\n"
                                   : "",
                               body);
  rp->timeout = g_timeout_add_seconds (5, refused_peer_timeout, rp);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   rp->reply, strlen (rp->reply),
                                   G_PRIORITY_DEFAULT, NULL, reply_written, rp);
}

/* A peer that may not use the socket gets a 403, before any of its bytes
 * are parsed. */
static void
refuse_peer (GSocketConnection *conn, const char *why)
{
  refuse_stream (G_IO_STREAM (conn), SOUP_STATUS_FORBIDDEN, why);
}

/* Connections are accepted here rather than by
 * soup_server_listen_socket(): on the Unix socket the peer's credentials
 * (SO_PEERCRED) are checked once, at accept; and libsoup 3.2 leaks the
 * GSocket of every connection it accepts itself. */
static gboolean sweep_connections (gpointer data);
static void refuse_busy (LucidApi *api, GSocketConnection *conn);

static void
forget_closed (LucidApi *api)
{
  for (guint i = api->conns->len; i-- > 0;) {
    Tracked *t = g_ptr_array_index (api->conns, i);
    if (g_socket_is_closed (g_socket_connection_get_socket (t->conn))
        || g_io_stream_is_closed (G_IO_STREAM (t->conn)))
      g_ptr_array_remove_index_fast (api->conns, i);
  }
}

static gboolean
accept_connection (LucidApi *api, SoupServer *server, GSocketConnection *conn,
                   gboolean is_unix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocketAddress) remote = NULL;
  GSocket *sock = g_socket_connection_get_socket (conn);
  Tracked *t;

  forget_closed (api);
  if (api->conns->len >= api->config->max_connections) {
    g_message ("control socket: %u connections open ([daemon] "
               "max_connections); refused one",
               api->conns->len);
    refuse_busy (api, conn);
    return TRUE;
  }
  t = g_new0 (Tracked, 1);
  t->conn = g_object_ref (conn);
  t->deadline_us = g_get_monotonic_time ()
                   + (gint64)api->config->request_timeout_s * G_USEC_PER_SEC;
  g_ptr_array_add (api->conns, t);
  if (api->sweep_source == 0)
    api->sweep_source = g_timeout_add_seconds (1, sweep_connections, api);
  if (is_unix && !peer_allowed (api, sock, &why)) {
    g_message ("control socket: refused a peer: %s", why);
    t->complete = TRUE; /* the refusal bounds itself */
    refuse_peer (conn, why);
    return TRUE;
  }
  local = g_socket_connection_get_local_address (conn, NULL);
  remote = g_socket_connection_get_remote_address (conn, NULL);
  if (local == NULL)
    local = is_unix ? g_unix_socket_address_new (api->socket_path) : NULL;
  if (remote == NULL || is_unix) {
    g_clear_object (&remote); /* a fresh object per connection */
    remote = is_unix ? g_unix_socket_address_new ("") : NULL;
  }
  if (local == NULL || remote == NULL)
    g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  else {
    t->remote = g_object_ref (remote);
    if (!soup_server_accept_iostream (server, G_IO_STREAM (conn), local,
                                      remote, &error))
      g_warning ("control connection: %s", error->message);
  }
  return TRUE;
}

/* Once a second while connections are open: forget the closed ones, cut
 * those whose request is late. */
static gboolean
sweep_connections (gpointer data)
{
  LucidApi *api = data;
  gint64 now = g_get_monotonic_time ();

  forget_closed (api);
  for (guint i = 0; i < api->conns->len; i++) {
    Tracked *t = g_ptr_array_index (api->conns, i);
    GSocket *sock = g_socket_connection_get_socket (t->conn);
    if (!t->complete && !t->cut && now > t->deadline_us) {
      g_message ("control connection: no complete request in %u s "
                 "([daemon] request_timeout); closed it",
                 api->config->request_timeout_s);
      t->cut = TRUE;
      /* libsoup (or the refusal's drain) sees the end and closes */
      g_socket_shutdown (sock, TRUE, TRUE, NULL);
    }
  }
  if (api->conns->len == 0) {
    api->sweep_source = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
on_request_read (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  LucidApi *api = data;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  for (guint i = 0; i < api->conns->len; i++) {
    Tracked *t = g_ptr_array_index (api->conns, i);
    if (t->remote == remote)
      t->complete = TRUE;
  }
}

/* Over max_connections: a 503 into the fresh socket's send buffer (never
 * blocks) and close, without reading anything. */
static void
refuse_busy (LucidApi *api, GSocketConnection *conn)
{
  GSocket *sock = g_socket_connection_get_socket (conn);
  g_autofree char *body = g_strdup_printf (
      "{\"error\":\"too many control connections (%u, [daemon] "
      "max_connections)\"}",
      api->config->max_connections);
  g_autofree char *reply = g_strdup_printf (
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
      strlen (body), body);

  g_socket_set_blocking (sock, FALSE);
  g_socket_send (sock, reply, strlen (reply), NULL, NULL);
  g_socket_shutdown (sock, FALSE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
}

static gboolean
on_unix_incoming (GSocketService *service, GSocketConnection *conn,
                  GObject *source, gpointer data)
{
  LucidApi *api = data;
  return accept_connection (api, api->unix_server, conn, TRUE);
}

static gboolean
on_tcp_incoming (GSocketService *service, GSocketConnection *conn,
                 GObject *source, gpointer data)
{
  LucidApi *api = data;
  return accept_connection (api, api->tcp_server, conn, FALSE);
}

/* The socket's group must be able to traverse every directory above the
 * socket, or its 0660 mode grants nothing: say so at start rather than let
 * lucidctl fail with "permission denied". */
static void
warn_unreachable (const char *dir, gid_t gid)
{
  g_autofree char *d = g_strdup (dir);

  for (;;) {
    struct stat st;
    char *parent;
    if (stat (d, &st) == 0 && (st.st_mode & S_IXOTH) == 0
        && !(st.st_gid == gid && (st.st_mode & S_IXGRP) != 0)) {
      g_warning ("control socket: %s is mode %04o: members of the socket's "
                 "group cannot reach the socket below it (put the socket "
                 "in a directory they can traverse: [daemon] socket, "
                 "RuntimeDirectory=)",
                 d, (unsigned)(st.st_mode & 07777));
      return;
    }
    if (strcmp (d, "/") == 0 || strcmp (d, ".") == 0)
      return;
    parent = g_path_get_dirname (d);
    g_free (d);
    d = parent;
  }
}

static gboolean
listen_unix (LucidApi *api, GError **error)
{
  const char *path = api->config->socket_path;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  mode_t old_mask;
  struct stat st;

  if (strlen (path) >= 108) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s: socket path longer than 107 bytes", path);
    return FALSE;
  }
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    int err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: %s", dir,
                 g_strerror (err));
    return FALSE;
  }
  addr = g_unix_socket_address_new (path);
  if (lstat (path, &st) == 0) {
    g_autoptr (GSocketClient) client = g_socket_client_new ();
    g_autoptr (GSocketConnection) conn = NULL;
    if (!S_ISSOCK (st.st_mode)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                   "%s exists and is not a socket", path);
      return FALSE;
    }
    conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL,
                                    NULL);
    if (conn != NULL) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                   "%s: another lucidd is listening there", path);
      return FALSE;
    }
    unlink (path); /* stale, from a daemon that died */
  }
  sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_DEFAULT, error);
  if (sock == NULL)
    return FALSE;
  old_mask = umask (0117); /* born 0660: no window with wider access */
  if (!g_socket_bind (sock, addr, FALSE, error)) {
    umask (old_mask);
    return FALSE;
  }
  umask (old_mask);
  if (api->config->socket_group != NULL) {
    struct group *gr = getgrnam (api->config->socket_group);
    if (gr == NULL || chown (path, (uid_t)-1, gr->gr_gid) != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                   "%s: cannot give the socket to group '%s'", path,
                   api->config->socket_group);
      return FALSE;
    }
    api->socket_gid = gr->gr_gid;
  } else
    api->socket_gid = getegid ();
  chmod (path, 0660);
  warn_unreachable (dir, api->socket_gid);
  if (!g_socket_listen (sock, error))
    return FALSE;
  api->socket_path = g_strdup (path);
  api->unix_service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (api->unix_service),
                                     sock, NULL, error))
    return FALSE;
  g_signal_connect (api->unix_service, "incoming",
                    G_CALLBACK (on_unix_incoming), api);
  g_socket_service_start (api->unix_service);
  return TRUE;
}

static gboolean
listen_tcp (LucidApi *api, GError **error)
{
  g_autofree char *token = NULL;

  if (!g_file_get_contents (api->config->tcp_token_file, &token, NULL, error))
    return FALSE;
  g_strstrip (token);
  if (strlen (token) < 16) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: the token must be at least 16 characters",
                 api->config->tcp_token_file);
    return FALSE;
  }
  api->token = g_steal_pointer (&token);
  api->tcp_server = soup_server_new ("server-header", "lucidd", NULL);
  soup_server_add_early_handler (api->tcp_server, NULL, early_tcp, api, NULL);
  soup_server_add_handler (api->tcp_server, NULL, handle_request, api, NULL);
  g_signal_connect (api->tcp_server, "request-read",
                    G_CALLBACK (on_request_read), api);
  /* Loopback only, never 0.0.0.0. The socket is made here rather than by
   * soup_server_listen_local(), which leaks an address in libsoup 3.2,
   * and accepted by accept_connection(). */
  {
    g_autoptr (GSocket) sock
        = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_TCP, error);
    g_autoptr (GInetAddress) lo = NULL;
    g_autoptr (GSocketAddress) addr = NULL;
    if (sock == NULL)
      return FALSE;
    lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    addr = g_inet_socket_address_new (lo, (guint16)api->config->tcp_port);
    if (!g_socket_bind (sock, addr, TRUE, error)
        || !g_socket_listen (sock, error))
      return FALSE;
    api->tcp_service = g_socket_service_new ();
    if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (api->tcp_service),
                                       sock, NULL, error))
      return FALSE;
    g_signal_connect (api->tcp_service, "incoming",
                      G_CALLBACK (on_tcp_incoming), api);
    g_socket_service_start (api->tcp_service);
    return TRUE;
  }
}

LucidApi *
lucidd_api_new (LucidDaemonConfig *config, LucidSupervisor *sup,
                LucidDaemonDb *db, GError **error)
{
  LucidApi *api = g_new0 (LucidApi, 1);

  api->config = config;
  api->sup = sup;
  api->db = db;
  api->started_us = g_get_monotonic_time ();
  api->conns = g_ptr_array_new_with_free_func (tracked_free);
  api->unix_server = soup_server_new ("server-header", "lucidd", NULL);
  soup_server_add_early_handler (api->unix_server, NULL, early_unix, api, NULL);
  soup_server_add_handler (api->unix_server, NULL, handle_request, api, NULL);
  g_signal_connect (api->unix_server, "request-read",
                    G_CALLBACK (on_request_read), api);
  if (!listen_unix (api, error)
      || (config->tcp_port != 0 && !listen_tcp (api, error))) {
    lucidd_api_free (api);
    return NULL;
  }
  return api;
}

void
lucidd_api_set_config (LucidApi *api, LucidDaemonConfig *config)
{
  api->config = config;
}

void
lucidd_api_free (LucidApi *api)
{
  if (api == NULL)
    return;
  if (api->unix_service) {
    g_socket_service_stop (api->unix_service);
    g_socket_listener_close (G_SOCKET_LISTENER (api->unix_service));
  }
  g_clear_object (&api->unix_service);
  if (api->tcp_service) {
    g_socket_service_stop (api->tcp_service);
    g_socket_listener_close (G_SOCKET_LISTENER (api->tcp_service));
  }
  g_clear_object (&api->tcp_service);
  if (api->unix_server)
    soup_server_disconnect (api->unix_server);
  if (api->tcp_server)
    soup_server_disconnect (api->tcp_server);
  g_clear_object (&api->unix_server);
  g_clear_object (&api->tcp_server);
  g_clear_handle_id (&api->sweep_source, g_source_remove);
  g_clear_pointer (&api->conns, g_ptr_array_unref);
  if (api->socket_path != NULL)
    unlink (api->socket_path);
  g_free (api->socket_path);
  g_free (api->token);
  g_free (api);
}
