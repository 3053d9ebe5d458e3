/* fuzz-alert.c — libFuzzer target for lucid_audit_alert_parse().
 *
 * Any input must parse or be refused with a LUCID_ERROR_INVALID_ARGUMENT
 * message that quotes it and names a column inside it (or just past its
 * end); neither may crash, leak or read outside the input.  A parse result
 * must re-parse from its normalised text to the same rules.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-audit-alert.h"
#include "lucid-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* A property value is a C string: stop at the first NUL. */
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  GPtrArray *rules = lucid_audit_alert_parse (text, &error);
  if (!rules) {
    check (error != NULL && error->domain == LUCID_ERROR
        && error->code == LUCID_ERROR_INVALID_ARGUMENT);
    char *prefix = g_strdup_printf ("alert '%s', column ", text);
    check (g_str_has_prefix (error->message, prefix));
    long c = strtol (error->message + strlen (prefix), NULL, 10);
    g_free (prefix);
    check (c >= 1 && (size_t) c <= strlen (text) + 1);
    g_error_free (error);
    g_free (text);
    return 0;
  }
  GString *again = g_string_new (NULL);
  for (guint i = 0; i < rules->len; i++) {
    const LucidAuditAlertRule *r = rules->pdata[i];
    check (r->metric && r->text && isfinite (r->threshold));
    g_string_append_printf (again, "%s%s", i ? "," : "", r->text);
  }
  GPtrArray *rules2 = lucid_audit_alert_parse (again->str, &error);
  check (rules2 != NULL && rules2->len == rules->len);
  for (guint i = 0; i < rules->len; i++) {
    const LucidAuditAlertRule *a = rules->pdata[i], *b = rules2->pdata[i];
    check (!strcmp (a->text, b->text) && a->op == b->op
        && a->threshold == b->threshold && !g_strcmp0 (a->group, b->group));
  }
  g_ptr_array_unref (rules2);
  g_string_free (again, TRUE);
  g_ptr_array_unref (rules);
  g_free (text);
  return 0;
}
