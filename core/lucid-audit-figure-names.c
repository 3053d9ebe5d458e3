/* lucid-audit-figure-names.c — the names of lucidaudit's figures per
 * convention (Fairlearn, AIF360, Aequitas): which figures exist, which
 * are per group, which belong to a convention, and the lists the
 * element's property docs and error messages print.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-figures.h"
#include "lucid-audit-figures-private.h"

#include <string.h>

const char *const lucid_audit_fairlearn_names[] = {
  "demographic_parity_difference", "demographic_parity_ratio",
  "equalized_odds_difference", "equalized_odds_ratio",
  "equal_opportunity_difference", "equal_opportunity_ratio",
};

const char *const lucid_audit_aif360_names[] = {
  "statistical_parity_difference", "disparate_impact",
  "average_odds_difference", "average_abs_odds_difference",
  "equal_opportunity_difference",
};

const char *const lucid_audit_inequality_names[N_INEQ] = {
  "generalized_entropy_index", "theil_index", "coefficient_of_variation",
  "between_group_generalized_entropy_index", "between_group_theil_index",
  "between_group_coefficient_of_variation",
  "between_all_groups_generalized_entropy_index",
  "between_all_groups_theil_index",
  "between_all_groups_coefficient_of_variation",
};

const char *
lucid_audit_convention_name (LucidAuditConvention convention)
{
  switch (convention) {
    case LUCID_AUDIT_CONVENTION_FAIRLEARN:
      return "fairlearn";
    case LUCID_AUDIT_CONVENTION_AIF360:
      return "aif360";
    case LUCID_AUDIT_CONVENTION_AEQUITAS:
      return "aequitas";
  }
  return "?";
}

/* ---- names -------------------------------------------------------------- */

gboolean
lucid_audit_figure_is_per_group (const char *metric)
{
  for (int r = 0; r < LUCID_FAIRNESS_N_RATES; r++)
    if (!strcmp (metric, lucid_fairness_rate_name (r)))
      return TRUE;
  for (int m = 0; m < LUCID_AEQUITAS_N_METRICS; m++) {
    const char *name = lucid_aequitas_metric_name (m);
    gsize len = strlen (name);
    if (!strcmp (metric, name))
      return TRUE;
    if (m < LUCID_AEQUITAS_N_DISPARITIES && !strncmp (metric, name, len)
        && !strcmp (metric + len, "_disparity"))
      return TRUE;
  }
  return FALSE;
}

gboolean
lucid_audit_figure_known (const char *metric)
{
  for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_fairlearn_names); i++)
    if (!strcmp (metric, lucid_audit_fairlearn_names[i]))
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_aif360_names); i++)
    if (!strcmp (metric, lucid_audit_aif360_names[i]))
      return TRUE;
  for (guint i = 0; i < N_INEQ; i++)
    if (!strcmp (metric, lucid_audit_inequality_names[i]))
      return TRUE;
  return lucid_audit_figure_is_per_group (metric);
}

char *
lucid_audit_figure_names_text (void)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_fairlearn_names); i++)
    g_string_append_printf (s, "%s, ", lucid_audit_fairlearn_names[i]);
  for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_aif360_names) - 1; i++)
    g_string_append_printf (s, "%s, ", lucid_audit_aif360_names[i]);
  for (guint i = 0; i < N_INEQ; i++)
    g_string_append_printf (s, "%s, ", lucid_audit_inequality_names[i]);
  for (int r = 0; r < LUCID_FAIRNESS_N_RATES; r++)
    g_string_append_printf (s, "%s, ", lucid_fairness_rate_name (r));
  for (int m = 0; m < LUCID_AEQUITAS_N_DISPARITIES; m++)
    g_string_append_printf (s, "%s_disparity, ", lucid_aequitas_metric_name (m));
  g_string_append (s, "ppr, pprev, precision, prev");
  return g_string_free (s, FALSE);
}

/* @convention's names into @s, ", "-separated. */
static void
convention_names (LucidAuditConvention convention, GString *s)
{
  if (convention == LUCID_AUDIT_CONVENTION_AEQUITAS) {
    for (int m = 0; m < LUCID_AEQUITAS_N_METRICS; m++)
      g_string_append_printf (s, "%s, ", lucid_aequitas_metric_name (m));
    for (int m = 0; m < LUCID_AEQUITAS_N_DISPARITIES; m++)
      g_string_append_printf (s, "%s_disparity, ",
          lucid_aequitas_metric_name (m));
  } else {
    for (int r = 0; r < LUCID_FAIRNESS_N_RATES; r++)
      g_string_append_printf (s, "%s, ", lucid_fairness_rate_name (r));
    if (convention == LUCID_AUDIT_CONVENTION_FAIRLEARN) {
      for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_fairlearn_names); i++)
        g_string_append_printf (s, "%s, ", lucid_audit_fairlearn_names[i]);
    } else {
      for (guint i = 0; i < G_N_ELEMENTS (lucid_audit_aif360_names); i++)
        g_string_append_printf (s, "%s, ", lucid_audit_aif360_names[i]);
      for (guint i = 0; i < N_INEQ; i++)
        g_string_append_printf (s, "%s, ", lucid_audit_inequality_names[i]);
    }
  }
  if (s->len >= 2)
    g_string_truncate (s, s->len - 2);
}

gboolean
lucid_audit_figure_in_convention (const char *metric,
    LucidAuditConvention convention)
{
  g_autoptr (GString) s = g_string_new (NULL);
  convention_names (convention, s);
  g_auto (GStrv) names = g_strsplit (s->str, ", ", -1);
  return g_strv_contains ((const char *const *) names, metric);
}

char *
lucid_audit_convention_figure_names_text (LucidAuditConvention convention)
{
  GString *s = g_string_new (NULL);
  convention_names (convention, s);
  return g_string_free (s, FALSE);
}
