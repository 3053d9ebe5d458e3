/* lucidaudit-report.c — a closed window as GstStructures: the window with
 * its groups and figures (contract in lucidauditmeta.h), and the alerts that
 * hold in it.  GStreamer-side glue only: the figures come from core
 * (lucid-audit-figures).  A figure's value and bounds are always there,
 * NaN or infinite included (its reason says why); lucidsink writes a
 * non-finite double as JSON null, so the store sees NULL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidaudit.h"

#include "lucidauditmeta.h"

#include <math.h>
#include <string.h>

static void
set_double (GstStructure *s, const char *field, double v)
{
  gst_structure_set (s, field, G_TYPE_DOUBLE, v, NULL);
}

static void
append_structure (GValue *array, GstStructure *s)
{
  GValue v = G_VALUE_INIT;
  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, s);
  gst_value_array_append_and_take_value (array, &v);
}

static const char *
verdict_name (LucidAequitasVerdict v)
{
  return v == LUCID_AEQUITAS_FAIR ? "fair"
      : v == LUCID_AEQUITAS_UNFAIR ? "unfair" : "undefined";
}

/* Aequitas: the reference groups and Fairness' determinations. */
static void
add_aequitas (GstStructure *s, const LucidAuditFigures *figures,
    const LucidAuditFiguresConfig *config)
{
  GValue refs = G_VALUE_INIT, verdicts = G_VALUE_INIT;
  g_value_init (&refs, GST_TYPE_ARRAY);
  g_value_init (&verdicts, GST_TYPE_ARRAY);
  for (guint i = 0; i < figures->references->len; i++) {
    const LucidAuditReference *r = figures->references->pdata[i];
    g_autofree char *metric = g_strdup_printf ("%s_disparity",
        lucid_aequitas_metric_name (r->metric));
    append_structure (&refs, gst_structure_new ("lucid-audit-reference",
            "grouping", G_TYPE_STRING, r->grouping,
            "metric", G_TYPE_STRING, metric,
            "group", G_TYPE_STRING, r->group, NULL));
  }
  for (guint i = 0; i < figures->verdicts->len; i++) {
    const LucidAuditVerdict *v = figures->verdicts->pdata[i];
    GstStructure *vs = gst_structure_new ("lucid-audit-verdict",
        "grouping", G_TYPE_STRING, v->grouping,
        "parity", G_TYPE_STRING, lucid_aequitas_parity_name (v->parity),
        "verdict", G_TYPE_STRING, verdict_name (v->verdict), NULL);
    if (v->group)
      gst_structure_set (vs, "group", G_TYPE_STRING, v->group, NULL);
    append_structure (&verdicts, vs);
  }
  gst_structure_set (s, "tau", G_TYPE_DOUBLE,
      config->tau > 0 ? config->tau : 0.8, NULL);
  gst_structure_take_value (s, "references", &refs);
  gst_structure_take_value (s, "verdicts", &verdicts);
}

GstStructure *
lucid_audit_window_structure (const LucidAuditWindowReport *report,
    const LucidAuditFigures *figures, const LucidAuditFiguresConfig *config,
    const char *element, const char *klass, const char *window,
    const char *unit)
{
  GstStructure *s = gst_structure_new (LUCID_AUDIT_WINDOW_STRUCTURE,
      "element", G_TYPE_STRING, element,
      "convention", G_TYPE_STRING,
      lucid_audit_convention_name (config->convention),
      "window", G_TYPE_STRING, window,
      "unit", G_TYPE_STRING, unit,
      "index", G_TYPE_UINT64, report->index,
      "start", G_TYPE_UINT64, report->start,
      "end", G_TYPE_UINT64, report->end,
      "partial", G_TYPE_BOOLEAN, report->partial,
      "n-events", G_TYPE_UINT64, report->n_events,
      "n-late", G_TYPE_UINT64, report->n_late,
      "n-boot", G_TYPE_UINT, report->n_boot,
      "level", G_TYPE_DOUBLE, config->level,
      "min-group-size", G_TYPE_UINT64, config->min_group_size, NULL);
  if (klass)
    gst_structure_set (s, "class", G_TYPE_STRING, klass, NULL);

  GValue groups = G_VALUE_INIT, figs = G_VALUE_INIT;
  g_value_init (&groups, GST_TYPE_ARRAY);
  g_value_init (&figs, GST_TYPE_ARRAY);
  for (guint i = 0; i < figures->groups->len; i++) {
    const LucidAuditGroup *g = figures->groups->pdata[i];
    append_structure (&groups, gst_structure_new ("lucid-audit-group",
            "grouping", G_TYPE_STRING, g->grouping,
            "group", G_TYPE_STRING, g->group,
            "n", G_TYPE_UINT64, g->n,
            "tp", G_TYPE_DOUBLE, g->tp, "fp", G_TYPE_DOUBLE, g->fp,
            "tn", G_TYPE_DOUBLE, g->tn, "fn", G_TYPE_DOUBLE, g->fn,
            "n-no-truth", G_TYPE_UINT64, g->n_no_truth,
            "pp-no-truth", G_TYPE_DOUBLE, g->pp_no_truth,
            "pn-no-truth", G_TYPE_DOUBLE, g->pn_no_truth,
            "too-small", G_TYPE_BOOLEAN, g->too_small,
            "too-small-truth", G_TYPE_BOOLEAN, g->too_small_truth, NULL));
  }
  for (guint i = 0; i < figures->figures->len; i++) {
    const LucidAuditFigure *f = figures->figures->pdata[i];
    /* A reason for a finite value that is a convention (e.g. 0 for 0/0)
     * stays; a NaN or infinite value stays NaN / inf here, is null in the
     * JSON payload and NULL in SQL, with its reason. */
    GstStructure *fs = gst_structure_new ("lucid-audit-figure",
        "grouping", G_TYPE_STRING, f->grouping,
        "metric", G_TYPE_STRING, f->metric,
        "reason", G_TYPE_STRING, lucid_fairness_reason_name (f->reason),
        "n-boot-valid", G_TYPE_UINT, f->n_boot_valid, NULL);
    if (f->group)
      gst_structure_set (fs, "group", G_TYPE_STRING, f->group, NULL);
    set_double (fs, "value", f->value);
    set_double (fs, "lower", f->lower);
    set_double (fs, "upper", f->upper);
    append_structure (&figs, fs);
  }
  gst_structure_take_value (s, "groups", &groups);
  gst_structure_take_value (s, "figures", &figs);
  if (config->convention == LUCID_AUDIT_CONVENTION_AEQUITAS)
    add_aequitas (s, figures, config);
  return s;
}

void
lucid_audit_find_alerts (const LucidAuditFigures *figures,
    const GPtrArray *rules, const GstStructure *window, GPtrArray *alerts)
{
  for (guint r = 0; r < rules->len; r++) {
    const LucidAuditAlertRule *rule = rules->pdata[r];
    for (guint i = 0; i < figures->figures->len; i++) {
      const LucidAuditFigure *f = figures->figures->pdata[i];
      if (strcmp (f->metric, rule->metric))
        continue;
      if (rule->group && g_strcmp0 (rule->group, f->group))
        continue;
      if (!lucid_audit_alert_holds (rule, f->value))
        continue;
      GstStructure *a = gst_structure_new (LUCID_AUDIT_ALERT_STRUCTURE,
          "rule", G_TYPE_STRING, rule->text,
          "metric", G_TYPE_STRING, f->metric,
          "grouping", G_TYPE_STRING, f->grouping,
          "op", G_TYPE_STRING, lucid_audit_op_text (rule->op),
          "threshold", G_TYPE_DOUBLE, rule->threshold, NULL);
      if (f->group)
        gst_structure_set (a, "group", G_TYPE_STRING, f->group, NULL);
      set_double (a, "value", f->value);
      if (!isfinite (f->value))
        gst_structure_set (a, "value-text", G_TYPE_STRING,
            f->value > 0 ? "inf" : "-inf", NULL);
      set_double (a, "lower", f->lower);
      set_double (a, "upper", f->upper);
      /* Where it happened, so that the message stands alone on the bus. */
      const char *fields[] = { "element", "convention", "class", "index",
        "start", "end", "partial", "unit", "stream-id", "stream" };
      for (guint k = 0; k < G_N_ELEMENTS (fields); k++) {
        const GValue *v = gst_structure_get_value (window, fields[k]);
        if (v)
          gst_structure_set_value (a, !strcmp (fields[k], "index")
              ? "window-index" : fields[k], v);
      }
      g_ptr_array_add (alerts, a);
    }
  }
}
