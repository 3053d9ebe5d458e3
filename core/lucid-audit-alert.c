/* lucid-audit-alert.c — the alert expression parser (grammar in the
 * header).  A hand-written scanner over the bytes: every failure names the
 * column and what was expected, and nothing is read past the NUL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-alert.h"

#include "lucid-audit-figures.h"
#include "lucid-error.h"
#include "lucid-fairness.h"

#include <math.h>
#include <string.h>


/* The shortest decimal that reads back as @v ("0.8", not
 * "0.80000000000000004"), C locale. */
static const char *
shortest (double v, char buf[G_ASCII_DTOSTR_BUF_SIZE])
{
  for (int digits = 1; digits <= 17; digits++) {
    char fmt[8];

    g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
    g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, fmt, v);
    if (g_ascii_strtod (buf, NULL) == v)
      break;
  }
  return buf;
}
static void
rule_free (gpointer p)
{
  LucidAuditAlertRule *rule = p;
  g_free (rule->metric);
  g_free (rule->group);
  g_free (rule->text);
  g_free (rule);
}

static const char *const op_texts[] = { "<", "<=", ">", ">=", "==", "!=" };

const char *
lucid_audit_op_text (LucidAuditOp op)
{
  g_return_val_if_fail (op <= LUCID_AUDIT_OP_NE, "?");
  return op_texts[op];
}

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

static gboolean
fail (const char *text, const char *at, GError **error, const char *what)
{
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
      "alert '%s', column %d: %s", text, (int) (at - text) + 1, what);
  return FALSE;
}

static gboolean
parse_rule (const char *text, const char **pp, LucidAuditAlertRule *rule,
    GError **error)
{
  const char *p = skip_space (*pp);
  const char *name = p;

  if (!(g_ascii_islower (*p) || *p == '_'))
    return fail (text, p, error, "expected a figure name such as "
        "demographic_parity_ratio");
  while (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_')
    p++;
  rule->metric = g_strndup (name, p - name);
  if (!lucid_audit_figure_known (rule->metric)) {
    g_autofree char *names = lucid_audit_figure_names_text ();
    g_autofree char *msg = g_strdup_printf ("unknown figure '%s' (known: %s)",
        rule->metric, names);
    return fail (text, name, error, msg);
  }
  p = skip_space (p);
  if (*p == '[') {
    const char *open = p++;
    const char *close = strchr (p, ']');
    if (!close)
      return fail (text, open, error, "'[' without a closing ']'");
    g_autofree char *inside = g_strndup (p, close - p);
    g_auto (GStrv) pairs = g_strsplit (inside, ";", -1);
    for (guint i = 0; pairs[i]; i++)
      g_strstrip (pairs[i]);
    g_autoptr (GError) key_error = NULL;
    rule->group = lucid_fairness_group_key ((const char *const *) pairs,
        g_strv_length (pairs), &key_error);
    if (!rule->group || !*rule->group)
      return fail (text, open + 1, error, key_error ? key_error->message
          : "expected a group such as gender=f inside [ ]");
    if (!lucid_audit_figure_is_per_group (rule->metric)) {
      g_autofree char *msg = g_strdup_printf ("'%s' is a between-group "
          "figure: it takes no [group]", rule->metric);
      return fail (text, open, error, msg);
    }
    p = skip_space (close + 1);
  }
  if (p[0] == '<' && p[1] == '=')
    rule->op = LUCID_AUDIT_OP_LE, p += 2;
  else if (p[0] == '>' && p[1] == '=')
    rule->op = LUCID_AUDIT_OP_GE, p += 2;
  else if (p[0] == '=' && p[1] == '=')
    rule->op = LUCID_AUDIT_OP_EQ, p += 2;
  else if (p[0] == '!' && p[1] == '=')
    rule->op = LUCID_AUDIT_OP_NE, p += 2;
  else if (p[0] == '<')
    rule->op = LUCID_AUDIT_OP_LT, p += 1;
  else if (p[0] == '>')
    rule->op = LUCID_AUDIT_OP_GT, p += 1;
  else
    return fail (text, p, error, "expected a comparison: < <= > >= == !=");
  p = skip_space (p);
  const char *number = p;
  if (*p == '+' || *p == '-')
    p++;
  if (!(g_ascii_isdigit (*p) || (*p == '.' && g_ascii_isdigit (p[1]))))
    return fail (text, number, error, "expected a number");
  char *stop = NULL;
  rule->threshold = g_ascii_strtod (number, &stop);
  /* g_ascii_strtod also reads "inf", "nan" and hex: the check above rules
   * them out, and the number must be finite. */
  if (stop == number || !isfinite (rule->threshold))
    return fail (text, number, error, "expected a finite number");
  p = stop;
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  if (rule->group)
    rule->text = g_strdup_printf ("%s[%s]%s%s", rule->metric, rule->group,
        op_texts[rule->op], shortest (rule->threshold, num));
  else
    rule->text = g_strdup_printf ("%s%s%s", rule->metric,
        op_texts[rule->op], shortest (rule->threshold, num));
  *pp = skip_space (p);
  return TRUE;
}

GPtrArray *
lucid_audit_alert_parse (const char *text, GError **error)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func (rule_free);
  if (!text)
    return g_steal_pointer (&rules);
  const char *p = skip_space (text);
  if (!*p)
    return g_steal_pointer (&rules);
  for (;;) {
    LucidAuditAlertRule *rule = g_new0 (LucidAuditAlertRule, 1);
    g_ptr_array_add (rules, rule);
    if (!parse_rule (text, &p, rule, error))
      return NULL;
    if (!*p)
      break;
    if (*p == ',' || *p == ';')
      p++;
    else if (p[0] == '|' && p[1] == '|')
      p += 2;
    else {
      fail (text, p, error, "expected ',', ';' or '||' between rules, "
          "or the end");
      return NULL;
    }
  }
  return g_steal_pointer (&rules);
}

gboolean
lucid_audit_alert_holds (const LucidAuditAlertRule *rule, double value)
{
  if (isnan (value))
    return FALSE;
  switch (rule->op) {
    case LUCID_AUDIT_OP_LT:
      return value < rule->threshold;
    case LUCID_AUDIT_OP_LE:
      return value <= rule->threshold;
    case LUCID_AUDIT_OP_GT:
      return value > rule->threshold;
    case LUCID_AUDIT_OP_GE:
      return value >= rule->threshold;
    case LUCID_AUDIT_OP_EQ:
      return value == rule->threshold;
    case LUCID_AUDIT_OP_NE:
      return value != rule->threshold;
  }
  return FALSE;
}
