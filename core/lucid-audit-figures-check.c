/* lucid-audit-figures-check.c — catching the typos in a figures
 * configuration that would otherwise look like a fair pipeline.
 *
 * Two kinds: syntax, checked once before any event
 * (lucid_audit_figures_config_check(): a grouping names attributes, a
 * condition is attribute=value pairs), and names that match nothing, which
 * only the groups of a window can tell (lucid_audit_figures_unmatched():
 * `groupings=gendr` or `privileged=gendr=m` when the groups are
 * gender=…).  AIF360 raises on a condition naming an unknown attribute;
 * a streaming audit cannot know the attributes before the events, so it
 * warns instead (lucidaudit posts the text once as a warning).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-figures.h"

#include "lucid-error.h"

#include <string.h>

/* Attribute names of one grouping entry ("age;gender", separators ';' or
 * ','), blanks dropped; NULL-terminated, new. */
static char **
grouping_attributes (const char *grouping)
{
  char **attrs = g_strsplit_set (grouping, ";,", -1);
  guint n = 0;
  for (guint a = 0; attrs[a]; a++) {
    g_strstrip (attrs[a]);
    if (*attrs[a])
      attrs[n++] = attrs[a];
    else
      g_free (attrs[a]);
  }
  attrs[n] = NULL;
  return attrs;
}

/* @condition is attribute=value pairs joined by ';' (a group key's syntax,
 * any order). */
static gboolean
check_condition (const char *what, const char *condition, GError **error)
{
  g_auto (GStrv) pairs = g_strsplit (condition, ";", -1);
  g_autoptr (GError) local = NULL;
  g_autofree char *key = lucid_fairness_group_key ((const char *const *)
      pairs, g_strv_length (pairs), &local);
  if (!key) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "%s condition '%s': expected attribute=value pairs joined by ';', "
        "e.g. gender=m or age=50+;gender=m (%s)", what, condition,
        local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_audit_figures_config_check (const LucidAuditFiguresConfig *config,
    GError **error)
{
  for (guint i = 0; config->groupings && config->groupings[i]; i++) {
    g_auto (GStrv) attrs = grouping_attributes (config->groupings[i]);
    if (!attrs[0]) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "grouping '%s' names no attribute", config->groupings[i]);
      return FALSE;
    }
    for (guint a = 0; attrs[a]; a++) {
      if (strchr (attrs[a], '=')) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
            "grouping '%s': '%s' is not an attribute name (a grouping "
            "names attributes, e.g. gender or gender+age; attribute=value "
            "is a group)", config->groupings[i], attrs[a]);
        return FALSE;
      }
    }
  }
  for (guint i = 0; config->privileged && config->privileged[i]; i++)
    if (!check_condition ("privileged", config->privileged[i], error))
      return FALSE;
  for (guint i = 0; config->unprivileged && config->unprivileged[i]; i++)
    if (!check_condition ("unprivileged", config->unprivileged[i], error))
      return FALSE;
  if (config->reference_group
      && !check_condition ("reference group", config->reference_group, error))
    return FALSE;
  return TRUE;
}

/* Does the canonical key @key hold the pair @pair? */
static gboolean
key_has (const char *key, const char *pair)
{
  gsize len = strlen (pair);
  for (const char *p = key; p; p = strchr (p, ';') ? strchr (p, ';') + 1
      : NULL) {
    if (!strncmp (p, pair, len) && (p[len] == ';' || p[len] == '\0'))
      return TRUE;
  }
  return FALSE;
}

/* Does @key have attribute @attr? */
static gboolean
key_has_attribute (const char *key, const char *attr)
{
  gsize len = strlen (attr);
  for (const char *p = key; p; p = strchr (p, ';') ? strchr (p, ';') + 1
      : NULL) {
    if (!strncmp (p, attr, len) && p[len] == '=')
      return TRUE;
  }
  return FALSE;
}

static gboolean
condition_matches_any (const GPtrArray *keys, const char *condition)
{
  g_auto (GStrv) pairs = g_strsplit (condition, ";", -1);
  for (guint i = 0; i < keys->len; i++) {
    gboolean all = TRUE;
    for (guint p = 0; all && pairs[p]; p++)
      all = key_has (keys->pdata[i], pairs[p]);
    if (all)
      return TRUE;
  }
  return FALSE;
}

static void
unmatched_conditions (GString *out, const GPtrArray *keys, const char *what,
    char **conditions)
{
  for (guint i = 0; conditions && conditions[i]; i++)
    if (!condition_matches_any (keys, conditions[i]))
      g_string_append_printf (out, "%s%s condition '%s' matches no group",
          out->len ? "; " : "", what, conditions[i]);
}

char *
lucid_audit_figures_unmatched (const LucidAuditWindowReport *report,
    const LucidAuditFiguresConfig *config)
{
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (report->counts);
  if (keys->len == 0)
    return NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; config->groupings && config->groupings[i]; i++) {
    g_auto (GStrv) attrs = grouping_attributes (config->groupings[i]);
    for (guint a = 0; attrs[a]; a++) {
      gboolean seen = FALSE;
      for (guint k = 0; !seen && k < keys->len; k++)
        seen = key_has_attribute (keys->pdata[k], attrs[a]);
      if (!seen)
        g_string_append_printf (out, "%sgrouping '%s': no group has "
            "attribute '%s'", out->len ? "; " : "", config->groupings[i],
            attrs[a]);
    }
  }
  if (config->convention == LUCID_AUDIT_CONVENTION_AIF360) {
    unmatched_conditions (out, keys, "privileged", config->privileged);
    unmatched_conditions (out, keys, "unprivileged", config->unprivileged);
  }
  if (out->len == 0)
    return NULL;
  g_string_append (out, " (groups so far: ");
  for (guint k = 0; k < keys->len && k < 12; k++)
    g_string_append_printf (out, "%s%s", k ? ", " : "",
        (const char *) keys->pdata[k]);
  g_string_append (out, keys->len > 12 ? ", ...)" : ")");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
