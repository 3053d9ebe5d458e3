/* lucid-audit-figures-aequitas.c — the Aequitas convention of one
 * window's report: each grouping's disparities against its reference
 * group (with bootstrap intervals, all disparities of a replicate at
 * once), the reference groups, and Fairness' determinations
 * (lucid-audit-figures.h says what is reported; lucid-audit-figures.c
 * builds the rest of the report and calls this per grouping).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-figures.h"
#include "lucid-audit-figures-private.h"

#include <math.h>
#include <string.h>

/* Aequitas' disparities of one grouping, all at once per replicate: ppr
 * and pprev over the groups included by all their events (cut_all), the
 * other eight over those included by their events with truth (cut_truth;
 * the same table when the cuts are equal). */
typedef struct {
  GHashTable *cut_all, *cut_truth;
  const LucidAuditFiguresConfig *config;
  GPtrArray *figures;           /* LucidAuditFigure*: group, metric name */
  int *metric;                  /* each figure's LucidAequitasMetric */
} AequitasJob;

static void
aequitas_eval (const LucidFairnessCounts *counts, double *out, gpointer data)
{
  AequitasJob *job = data;
  g_autoptr (LucidFairnessCounts) proj_all =
      lucid_audit_counts_project (counts, job->cut_all);
  g_autoptr (LucidFairnessCounts) proj_truth = NULL;
  if (g_hash_table_size (job->cut_truth) != g_hash_table_size (job->cut_all))
    proj_truth = lucid_audit_counts_project (counts, job->cut_truth);
  for (guint i = 0; i < job->figures->len; i++) {
    const LucidAuditFigure *f = job->figures->pdata[i];
    LucidFairnessValue v;
    const LucidFairnessCounts *proj = proj_truth
        && !aequitas_prediction_only (job->metric[i]) ? proj_truth : proj_all;
    if (lucid_aequitas_disparity (proj, f->group, job->metric[i],
            job->config->reference, job->config->reference_group, 0, &v,
            NULL))
      out[i] = v.value;
  }
}

static void
add_verdict (LucidAuditFigures *out, const char *grouping, const char *group,
    LucidAequitasParity parity, LucidAequitasVerdict verdict)
{
  LucidAuditVerdict *v = g_new0 (LucidAuditVerdict, 1);
  v->grouping = g_strdup (grouping);
  v->group = g_strdup (group);
  v->parity = parity;
  v->verdict = verdict;
  g_ptr_array_add (out->verdicts, v);
}

/* Aequitas' reference groups and Fairness' determinations of one grouping,
 * from its disparity figures @figs (group-major, @metrics[i] the metric of
 * figs[i]) over the included groups @inc. */
static void
aequitas_verdicts (const LucidFairnessCounts *included_all,
    const LucidFairnessCounts *included_truth, GPtrArray *inc,
    GPtrArray *figs, const int *metrics, const char *grouping,
    const LucidAuditFiguresConfig *config, LucidAuditFigures *out)
{
  for (int m = 0; m < LUCID_AEQUITAS_N_DISPARITIES; m++) {
    const char *ref = lucid_aequitas_reference_group (
        aequitas_prediction_only (m) ? included_all : included_truth,
        config->reference, config->reference_group, m, NULL);
    if (!ref)
      continue;
    LucidAuditReference *r = g_new0 (LucidAuditReference, 1);
    r->grouping = g_strdup (grouping);
    r->metric = m;
    r->group = g_strdup (ref);
    g_ptr_array_add (out->references, r);
  }
  g_autofree LucidAequitasVerdict *all = g_new (LucidAequitasVerdict,
      (gsize) inc->len * LUCID_AEQUITAS_N_PARITIES);
  guint n_groups = 0;
  for (guint g = 0, f = 0; g < inc->len; g++) {
    double disparity[LUCID_AEQUITAS_N_DISPARITIES];
    gboolean any = FALSE;
    for (int m = 0; m < LUCID_AEQUITAS_N_DISPARITIES; m++)
      disparity[m] = NAN;
    for (; f < figs->len; f++) {
      const LucidAuditFigure *x = figs->pdata[f];
      if (strcmp (x->group, inc->pdata[g]))
        break;
      disparity[metrics[f]] = x->value;
      any = TRUE;
    }
    if (!any)
      continue;
    LucidAequitasVerdict *v = all + (gsize) n_groups * LUCID_AEQUITAS_N_PARITIES;
    lucid_aequitas_parities (disparity, config->tau, v);
    for (int p = 0; p < LUCID_AEQUITAS_N_PARITIES; p++)
      add_verdict (out, grouping, inc->pdata[g], p, v[p]);
    n_groups++;
  }
  if (n_groups == 0)
    return;
  g_autofree LucidAequitasVerdict *column = g_new (LucidAequitasVerdict,
      n_groups);
  for (int p = 0; p < LUCID_AEQUITAS_N_PARITIES; p++) {
    for (guint g = 0; g < n_groups; g++)
      column[g] = all[(gsize) g * LUCID_AEQUITAS_N_PARITIES + p];
    add_verdict (out, grouping, NULL, p,
        lucid_aequitas_attribute_verdict (column, n_groups));
  }
}

void
lucid_audit_aequitas_between (const LucidAuditWindowReport *report,
    const LucidAuditFiguresConfig *config, const char *grouping,
    GHashTable *cut, GHashTable *cut_truth,
    const LucidFairnessCounts *included,
    const LucidFairnessCounts *included_truth, LucidAuditFigures *out)
{
  /* Groups with events (the truth-included ones are among them); each
   * disparity over the groups of its own run, see AequitasJob.  A group
   * left out of a run gets no disparity of that run; a given reference
   * that is no group of a run gives that run's metrics none. */
  g_autoptr (GPtrArray) inc = lucid_fairness_counts_keys (included);
  g_autoptr (GPtrArray) figs = g_ptr_array_new ();
  g_autoptr (GArray) metrics = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < inc->len; i++) {
    for (int mi = 0; mi < LUCID_AEQUITAS_N_DISPARITIES; mi++) {
      const LucidFairnessCounts *run = aequitas_prediction_only (mi)
          ? included : included_truth;
      LucidFairnessValue val;
      if (!lucid_fairness_counts_lookup (run, inc->pdata[i])
          || !lucid_aequitas_disparity (run, inc->pdata[i], mi,
              config->reference, config->reference_group, 0, &val, NULL))
        continue;
      g_autofree char *name = g_strdup_printf ("%s_disparity",
          lucid_aequitas_metric_name (mi));
      g_ptr_array_add (figs, lucid_audit_figures_add (out, grouping,
              inc->pdata[i], name, val));
      g_array_append_val (metrics, mi);
    }
  }
  aequitas_verdicts (included, included_truth, inc, figs,
      (int *) metrics->data, grouping, config, out);
  if (report->n_boot > 0 && figs->len > 0) {
    AequitasJob job = { cut, cut_truth, config, figs, (int *) metrics->data };
    guint n = figs->len;
    g_autofree double *lo = g_new (double, n);
    g_autofree double *hi = g_new (double, n);
    g_autofree guint *nv = g_new (guint, n);
    lucid_audit_window_report_intervals (report, aequitas_eval, &job, n,
        config->level, lo, hi, nv);
    for (guint i = 0; i < n; i++) {
      LucidAuditFigure *f = figs->pdata[i];
      if (isnan (f->value))
        continue;
      f->lower = lo[i];
      f->upper = hi[i];
      f->n_boot_valid = nv[i];
    }
  }
}
