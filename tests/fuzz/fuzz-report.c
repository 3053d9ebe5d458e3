/* fuzz-report.c — libFuzzer target for the worker reports lucidd reads
 * (lucidd-report.c).
 *
 * Any line must either give a report whose members lucidd reads have the
 * types it reads them as (so json-glib's getters never warn or misread),
 * or be refused with a LUCID_ERROR; never crash, leak or read outside the
 * input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-latency-buckets.h"
#include "lucidd-report.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
must_be_int (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n != NULL
      && (!JSON_NODE_HOLDS_VALUE (n)
          || json_node_get_value_type (n) != G_TYPE_INT64))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  JsonObject *obj = lucidd_report_parse ((const char *)data, size, &error);
  const char *type;

  if (obj == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_error_free (error);
    return 0;
  }
  if (error != NULL)
    abort ();
  type = json_object_get_string_member (obj, "type");
  if (type == NULL)
    abort ();
  if (strcmp (type, "stats") == 0) {
    JsonNode *enc = json_object_get_member (obj, "encoders");
    must_be_int (obj, "buffers");
    must_be_int (obj, "rows");
    must_be_int (obj, "position");
    if (enc != NULL) {
      JsonArray *arr = json_node_get_array (enc);
      for (guint i = 0; i < json_array_get_length (arr); i++) {
        JsonObject *e = json_array_get_object_element (arr, i);
        JsonArray *b = json_object_get_array_member (e, "buckets");
        if (json_object_get_string_member (e, "element") == NULL
            || json_array_get_length (b) != LUCID_LATENCY_N_BUCKETS)
          abort ();
        for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++)
          if (json_array_get_int_element (b, k) < 0)
            abort ();
      }
    }
  } else if (strcmp (type, "message") == 0) {
    if (json_object_get_string_member (obj, "kind") == NULL)
      abort ();
  }
  json_object_unref (obj);
  return 0;
}
