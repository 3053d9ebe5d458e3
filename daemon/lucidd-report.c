/* lucidd-report.c — checks the worker's report lines (see the header).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidd-report.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-latency-buckets.h"

#define LABEL "worker report"

static gboolean
check_int (JsonObject *obj, const char *key, gint64 min, GError **error)
{
  gint64 v;

  return !lucid_json_has (obj, key)
         || lucid_json_get_int (obj, key, min, G_MAXINT64, &v, LABEL, error);
}

static gboolean
check_double (JsonObject *obj, const char *key, GError **error)
{
  double v;

  return !lucid_json_has (obj, key)
         || lucid_json_get_double (obj, key, &v, LABEL, error);
}

static gboolean
check_string (JsonObject *obj, const char *key, gboolean required,
              GError **error)
{
  if (!required && !lucid_json_has (obj, key))
    return TRUE;
  return lucid_json_get_string (obj, key, LABEL, error) != NULL;
}

static gboolean
check_encoders (JsonObject *obj, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "encoders");
  JsonArray *arr;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": 'encoders' must be an array");
    return FALSE;
  }
  arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *e = json_array_get_element (arr, i);
    JsonObject *o;
    JsonNode *b;
    JsonArray *buckets;
    if (!JSON_NODE_HOLDS_OBJECT (e)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   LABEL ": encoders[%u] must be an object", i);
      return FALSE;
    }
    o = json_node_get_object (e);
    if (!check_string (o, "element", TRUE, error)
        || !check_double (o, "sum", error) || !check_int (o, "count", 0, error))
      return FALSE;
    b = json_object_get_member (o, "buckets");
    if (b == NULL || !JSON_NODE_HOLDS_ARRAY (b)
        || json_array_get_length (json_node_get_array (b))
               != LUCID_LATENCY_N_BUCKETS) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   LABEL ": encoders[%u].buckets must be an array of %u "
                         "counts",
                   i, (guint)LUCID_LATENCY_N_BUCKETS);
      return FALSE;
    }
    buckets = json_node_get_array (b);
    for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++) {
      JsonNode *n = json_array_get_element (buckets, k);
      if (!lucid_json_node_is_sane_int (n) || json_node_get_int (n) < 0) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                     LABEL ": encoders[%u].buckets[%u] must be a count", i, k);
        return FALSE;
      }
    }
  }
  return TRUE;
}

JsonObject *
lucidd_report_parse (const char *line, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *type;
  gboolean ok;

  if (len > LUCIDD_REPORT_MAX) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": %" G_GSIZE_FORMAT " bytes, more than %d", len,
                 LUCIDD_REPORT_MAX);
    return NULL;
  }
  root = lucid_json_parse_data (line, len, LABEL, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": expected a JSON object");
    return NULL;
  }
  obj = json_node_get_object (root);
  type = lucid_json_get_string (obj, "type", LABEL, error);
  if (type == NULL)
    return NULL;
  if (strcmp (type, "stats") == 0)
    ok = check_string (obj, "state", FALSE, error)
         && check_int (obj, "position", -1, error)
         && check_int (obj, "duration", -1, error)
         && check_int (obj, "latency", -1, error)
         && check_int (obj, "buffers", 0, error)
         && check_int (obj, "rows", 0, error)
         && check_double (obj, "progress", error)
         && check_encoders (obj, error);
  else if (strcmp (type, "message") == 0)
    ok = check_string (obj, "kind", TRUE, error)
         && check_string (obj, "source", FALSE, error)
         && check_string (obj, "text", FALSE, error);
  else if (strcmp (type, "refused") == 0 || strcmp (type, "ok") == 0)
    ok = check_string (obj, "text", FALSE, error);
  else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 LABEL ": unknown type '%s'", type);
    ok = FALSE;
  }
  return ok ? json_object_ref (obj) : NULL;
}
