/* fuzz-json.c — libFuzzer target for lucid_json_parse_data() and the getters.
 *
 * Any input must either parse or be refused with a LUCID_ERROR; neither may
 * crash, leak or read outside the input.  When it parses, every getter is
 * tried on every member of every object in the tree (they must refuse wrong
 * types cleanly), and what they return is checked against the tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "lucid-error.h"
#include "lucid-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static void
check_refusal (GError *error)
{
  check (error != NULL && error->domain == LUCID_ERROR);
  g_error_free (error);
}

static void visit (JsonNode *node, guint depth);

static void
try_getters (JsonObject *obj, const char *key)
{
  JsonNode *node = json_object_get_member (obj, key);
  GError *error = NULL;
  gint64 i;
  double d;
  gboolean b;
  const char *s;

  if (lucid_json_get_int (obj, key, G_MININT64, G_MAXINT64, &i, "fuzz", &error))
    check (lucid_json_node_is_sane_int (node) && json_node_get_int (node) == i);
  else
    check_refusal (error);
  error = NULL;
  if (!lucid_json_get_int (obj, key, -10, 10, &i, "fuzz", &error))
    check_refusal (error);
  else
    check (i >= -10 && i <= 10);
  error = NULL;
  if (lucid_json_get_double (obj, key, &d, "fuzz", &error))
    check (isfinite (d));
  else
    check_refusal (error);
  error = NULL;
  s = lucid_json_get_string (obj, key, "fuzz", &error);
  if (s != NULL)
    check (g_utf8_validate (s, -1, NULL));
  else
    check_refusal (error);
  error = NULL;
  if (!lucid_json_get_bool (obj, key, &b, "fuzz", &error))
    check_refusal (error);
  check (lucid_json_has (obj, key));
}

static void
visit (JsonNode *node, guint depth)
{
  check (depth <= 600);
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *obj = json_node_get_object (node);
    JsonObjectIter iter;
    const char *key;
    JsonNode *member;
    guint n = 0;

    json_object_iter_init (&iter, obj);
    while (json_object_iter_next (&iter, &key, &member)) {
      try_getters (obj, key);
      visit (member, depth + 1);
      n++;
    }
    /* no member was silently replaced by a duplicate */
    check (n == json_object_get_size (obj));
    check (!lucid_json_has (obj, "\x01not a key"));
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++)
      visit (json_array_get_element (array, i), depth + 1);
  } else if (JSON_NODE_HOLDS_VALUE (node)
             && json_node_get_value_type (node) == G_TYPE_INT64) {
    check (lucid_json_node_is_sane_int (node));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  JsonNode *root;

  root = lucid_json_parse_data ((const char *)data, size, "fuzz", &error);
  if (root == NULL) {
    check_refusal (error);
    return 0;
  }
  check (error == NULL);
  visit (root, 0);
  json_node_unref (root);
  return 0;
}
