/* lucidd-request.c — control API request bodies (see lucidd-request.h).
 * Runs on untrusted input: tests/fuzz/fuzz-request.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidd-request.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

#define LABEL "request body"

/* json-glib decodes "\u0000" into a NUL inside the string it hands back,
 * and every reader of a C string then stops there: {"name": "x\u0000y"}
 * would create a pipeline named "x". No member of a request may hold a
 * NUL, so the body is refused before it is parsed: a raw NUL byte, or a
 * \u0000 escape (a backslash pair "\\" escapes itself, so "\\u0000" is
 * the harmless text \u0000). Outside strings a backslash is a syntax
 * error the parser reports anyway. */
static gboolean
has_nul (const char *body, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (body[i] == '\0')
      return TRUE;
    if (body[i] != '\\' || i + 1 >= len)
      continue;
    i++; /* the escaped character */
    if (body[i] == 'u' && len - i > 4 && memcmp (body + i + 1, "0000", 4) == 0)
      return TRUE;
  }
  return FALSE;
}

static JsonObject *
parse_object (const char *body, gsize len, JsonNode **root,
              const char *const *known, GError **error)
{
  JsonObject *obj;
  GList *members;

  if (has_nul (body, len)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": holds a NUL character (\\u0000 or a NUL byte), "
                       "which no member may contain");
    return NULL;
  }
  *root = lucid_json_parse_data (body, len, LABEL, error);
  if (*root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (*root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": expected a JSON object");
    return NULL;
  }
  obj = json_node_get_object (*root);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   LABEL ": unknown member '%s'", (const char *)l->data);
      g_list_free (members);
      return NULL;
    }
  g_list_free (members);
  return obj;
}

LucidPipelineDef *
lucidd_request_parse_create (const char *body, gsize len, GError **error)
{
  static const char *const known[] = {
    "name",          "pipeline", "restart", "start",
    "stall_timeout", "restart_limit", NULL,
  };
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidPipelineDef) def = NULL;
  JsonObject *obj = parse_object (body, len, &root, known, error);
  const char *name, *pipeline;

  if (obj == NULL)
    return NULL;
  if ((name = lucid_json_get_string (obj, "name", LABEL, error)) == NULL
      || (pipeline = lucid_json_get_string (obj, "pipeline", LABEL, error))
             == NULL)
    return NULL;
  if (!lucidd_pipeline_name_valid (name)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": invalid name (1 to %d letters, digits, '.', '_' or "
                       "'-', not starting with '.' or '-')",
                 LUCIDD_NAME_MAX);
    return NULL;
  }
  if (pipeline[0] == '\0' || strlen (pipeline) > LUCIDD_DESCRIPTION_MAX) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": 'pipeline' must be a gst-launch-1.0 description "
                       "of 1 to %d bytes",
                 LUCIDD_DESCRIPTION_MAX);
    return NULL;
  }
  def = lucidd_pipeline_def_new (name, pipeline);
  if (lucid_json_has (obj, "restart")) {
    const char *r = lucid_json_get_string (obj, "restart", LABEL, error);
    if (r == NULL)
      return NULL;
    if (!lucidd_restart_policy_from_string (r, &def->restart)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   LABEL ": 'restart' must be always, on-failure or never");
      return NULL;
    }
  }
  if (lucid_json_has (obj, "start")
      && !lucid_json_get_bool (obj, "start", &def->enabled, LABEL, error))
    return NULL;
  if (lucid_json_has (obj, "stall_timeout")) {
    gint64 v;
    if (!lucid_json_get_int (obj, "stall_timeout", 0, 86400, &v, LABEL, error))
      return NULL;
    def->stall_timeout_s = (int)v;
  }
  if (lucid_json_has (obj, "restart_limit")) {
    gint64 v;
    if (!lucid_json_get_int (obj, "restart_limit", 0, LUCIDD_RESTART_LIMIT_MAX,
                             &v, LABEL, error))
      return NULL;
    def->restart_limit = (int)v;
  }
  return g_steal_pointer (&def);
}

void
lucidd_run_request_free (LucidRunRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->input);
  g_free (req);
}

LucidRunRequest *
lucidd_request_parse_run (const char *body, gsize len, GError **error)
{
  static const char *const known[] = { "input", "lease_s", "keep", NULL };
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidRunRequest) req = NULL;
  JsonObject *obj = parse_object (body, len, &root, known, error);
  const char *input;

  if (obj == NULL)
    return NULL;
  input = lucid_json_get_string (obj, "input", LABEL, error);
  if (input == NULL)
    return NULL;
  if (input[0] == '\0' || strlen (input) > 4096) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": 'input' must be a file name or URI of 1 to 4096 "
                       "bytes");
    return NULL;
  }
  /* A relative name would be resolved against lucidd's working
   * directory, not the client's: refused (lucidctl run sends absolute
   * names). */
  if (g_uri_peek_scheme (input) == NULL && !g_path_is_absolute (input)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": 'input' '%s' is a relative file name: give an "
                       "absolute one or a URI",
                 input);
    return NULL;
  }
  req = g_new0 (LucidRunRequest, 1);
  req->input = g_strdup (input);
  if (lucid_json_has (obj, "lease_s")) {
    gint64 v;
    if (!lucid_json_get_int (obj, "lease_s", 0, LUCIDD_LEASE_MAX, &v, LABEL,
                             error))
      return NULL;
    req->lease_s = (guint)v;
  }
  if (lucid_json_has (obj, "keep")
      && !lucid_json_get_bool (obj, "keep", &req->keep, LABEL, error))
    return NULL;
  return g_steal_pointer (&req);
}

char *
lucidd_request_parse_query (const char *body, gsize len, GError **error)
{
  static const char *const known[] = { "sql", NULL };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object (body, len, &root, known, error);
  const char *sql;

  if (obj == NULL)
    return NULL;
  sql = lucid_json_get_string (obj, "sql", LABEL, error);
  if (sql == NULL)
    return NULL;
  if (sql[0] == '\0' || strlen (sql) > LUCIDD_DESCRIPTION_MAX) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": 'sql' must be one statement of 1 to %d bytes",
                 LUCIDD_DESCRIPTION_MAX);
    return NULL;
  }
  return g_strdup (sql);
}
