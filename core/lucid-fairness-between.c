/* lucid-fairness-between.c — Fairlearn's and AIF360's between-group figures
 * over the per-group cells of lucid-fairness.c.
 *
 * Split from lucid-fairness.c (counts, keys, per-group rates, Wilson
 * intervals), whose public API it uses; the conventions (NaN, inf, zero,
 * Python's max/min over NaN, events without truth) are the table at the
 * top of lucid-fairness.c and in docs/audit.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-fairness.h"

#include <math.h>

/* ---- Fairlearn ----------------------------------------------------------- */

/* The reason to give a NaN figure computed from @rates (n of them). */
static LucidFairnessReason
nan_reason (const LucidFairnessValue * rates, guint n)
{
  if (n == 0)
    return LUCID_FAIRNESS_EMPTY_GROUP;
  for (guint i = 0; i < n; i++)
    if (isnan (rates[i].value) && rates[i].reason != LUCID_FAIRNESS_OK)
      return rates[i].reason;
  return LUCID_FAIRNESS_UNDEFINED_INPUT;
}

/* MetricFrame.difference() / .ratio() of one rate over the observed groups
 * of @counts (see the table at the top). */
static LucidFairnessValue
fairlearn_disparity (const LucidFairnessCounts * counts,
    LucidFairnessRate rate, gboolean ratio, LucidFairnessMethod method)
{
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  g_autofree LucidFairnessValue *rates = g_new (LucidFairnessValue,
      MAX (keys->len, 1));
  guint n = 0;
  gboolean no_truth = FALSE;    /* groups with events, none with truth */
  for (guint i = 0; i < keys->len; i++) {
    const LucidFairnessCell *cell = lucid_fairness_counts_lookup (counts,
        keys->pdata[i]);
    /* MetricFrame knows observed groups only: every row's groups for the
     * selection rate, the groups of the rows with truth for the others. */
    if (lucid_fairness_cell_events_for (cell, rate) > 0)
      rates[n++] = lucid_fairness_rate (cell, rate, LUCID_FAIRNESS_FAIRLEARN);
    else if (lucid_fairness_cell_n_events (cell) > 0)
      no_truth = TRUE;
  }

  double lo = NAN, hi = NAN, best = NAN;
  LucidFairnessValue overall = { NAN, LUCID_FAIRNESS_EMPTY_GROUP };
  if (method == LUCID_FAIRNESS_TO_OVERALL) {
    LucidFairnessCell total;
    lucid_fairness_counts_total (counts, &total);
    overall = lucid_fairness_rate (&total, rate, LUCID_FAIRNESS_FAIRLEARN);
  }

  for (guint i = 0; i < n; i++) {
    double r = rates[i].value, v;
    if (isnan (r))
      continue;
    if (method == LUCID_FAIRNESS_BETWEEN_GROUPS) {
      lo = isnan (lo) || r < lo ? r : lo;
      hi = isnan (hi) || r > hi ? r : hi;
      continue;
    }
    if (!ratio) {
      v = fabs (r - overall.value);
      if (!isnan (v) && (isnan (best) || v > best))
        best = v;
    } else {
      v = r / overall.value;
      if (v > 1.0)
        v = 1.0 / v;
      if (!isnan (v) && (isnan (best) || v < best))
        best = v;
    }
  }

  if (n == 0 && no_truth)
    return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_NO_TRUTH};
  if (method == LUCID_FAIRNESS_BETWEEN_GROUPS) {
    if (isnan (lo))
      return (LucidFairnessValue) {NAN, nan_reason (rates, n)};
    if (!ratio)
      return (LucidFairnessValue) {hi - lo, LUCID_FAIRNESS_OK};
    if (hi == 0.0)
      return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_ZERO_DENOMINATOR};
    return (LucidFairnessValue) {lo / hi, LUCID_FAIRNESS_OK};
  }
  if (isnan (best)) {
    if (n > 0 && isnan (overall.value))
      return (LucidFairnessValue) {NAN, overall.reason};
    if (ratio && n > 0 && overall.value == 0.0)
      return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_ZERO_DENOMINATOR};
    return (LucidFairnessValue) {NAN, nan_reason (rates, n)};
  }
  return (LucidFairnessValue) {best, LUCID_FAIRNESS_OK};
}

LucidFairnessValue
lucid_fairlearn_figure (const LucidFairnessCounts * counts,
    LucidFairlearnFigure figure, LucidFairnessMethod method,
    LucidFairnessAggregation aggregation)
{
  gboolean ratio = figure == LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO
      || figure == LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO
      || figure == LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO;

  switch (figure) {
    case LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE:
    case LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO:
      return fairlearn_disparity (counts, LUCID_FAIRNESS_SELECTION_RATE,
          ratio, method);
    case LUCID_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE:
    case LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO:
      return fairlearn_disparity (counts, LUCID_FAIRNESS_TPR, ratio, method);
    case LUCID_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE:
    case LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO:
      break;
    default:
      g_return_val_if_reached (((LucidFairnessValue) {
              NAN, LUCID_FAIRNESS_UNDEFINED_INPUT}));
  }

  /* fairlearn's _get_eo_frame orders the metrics {"tpr", "fpr"}. */
  LucidFairnessValue tpr = fairlearn_disparity (counts, LUCID_FAIRNESS_TPR,
      ratio, method);
  LucidFairnessValue fpr = fairlearn_disparity (counts, LUCID_FAIRNESS_FPR,
      ratio, method);
  if (aggregation == LUCID_FAIRNESS_WORST_CASE) {
    /* Python's max()/min(): keep the first unless the second compares
     * greater (smaller) — a NaN first wins, a NaN second loses. */
    if (!ratio)
      return fpr.value > tpr.value ? fpr : tpr;
    return fpr.value < tpr.value ? fpr : tpr;
  }
  /* pandas Series.mean(): NaN skipped. */
  if (isnan (tpr.value) && isnan (fpr.value))
    return tpr;
  if (isnan (tpr.value))
    return fpr;
  if (isnan (fpr.value))
    return tpr;
  return (LucidFairnessValue) {(tpr.value + fpr.value) / 2.0,
      LUCID_FAIRNESS_OK};
}

/* ---- AIF360 -------------------------------------------------------------- */

/* AIF360 evaluates every formula, empty or not; the reason records why a
 * non-finite result came out. */
static LucidFairnessReason
aif360_reason (double value, const LucidFairnessCell * u,
    const LucidFairnessCell * p, LucidFairnessRate rate,
    const LucidFairnessValue * inputs, guint n)
{
  if (isfinite (value))
    return LUCID_FAIRNESS_OK;
  if (lucid_fairness_cell_events_for (u, rate) == 0)
    return lucid_fairness_cell_empty_reason (u);
  if (lucid_fairness_cell_events_for (p, rate) == 0)
    return lucid_fairness_cell_empty_reason (p);
  if (isinf (value))
    return LUCID_FAIRNESS_DIVIDE_BY_ZERO;
  for (guint i = 0; i < n; i++)
    if (isnan (inputs[i].value))
      return inputs[i].reason;
  return LUCID_FAIRNESS_ZERO_DENOMINATOR;       /* 0/0 in the figure itself */
}

LucidFairnessValue
lucid_aif360_figure (const LucidFairnessCell * unprivileged,
    const LucidFairnessCell * privileged, LucidAif360Figure figure)
{
  const LucidFairnessConvention a = LUCID_FAIRNESS_AIF360;
  LucidFairnessValue in[4];
  LucidFairnessRate counted = LUCID_FAIRNESS_TPR;       /* truth-based */
  double v;
  guint n;

  switch (figure) {
    case LUCID_AIF360_STATISTICAL_PARITY_DIFFERENCE:
    case LUCID_AIF360_DISPARATE_IMPACT:
      in[0] = lucid_fairness_rate (unprivileged,
          LUCID_FAIRNESS_SELECTION_RATE, a);
      in[1] = lucid_fairness_rate (privileged, LUCID_FAIRNESS_SELECTION_RATE,
          a);
      n = 2;
      counted = LUCID_FAIRNESS_SELECTION_RATE;  /* every event */
      v = figure == LUCID_AIF360_DISPARATE_IMPACT ?
          in[0].value / in[1].value : in[0].value - in[1].value;
      break;
    case LUCID_AIF360_EQUAL_OPPORTUNITY_DIFFERENCE:
      in[0] = lucid_fairness_rate (unprivileged, LUCID_FAIRNESS_TPR, a);
      in[1] = lucid_fairness_rate (privileged, LUCID_FAIRNESS_TPR, a);
      n = 2;
      v = in[0].value - in[1].value;
      break;
    case LUCID_AIF360_AVERAGE_ODDS_DIFFERENCE:
    case LUCID_AIF360_AVERAGE_ABS_ODDS_DIFFERENCE:{
      in[0] = lucid_fairness_rate (unprivileged, LUCID_FAIRNESS_FPR, a);
      in[1] = lucid_fairness_rate (privileged, LUCID_FAIRNESS_FPR, a);
      in[2] = lucid_fairness_rate (unprivileged, LUCID_FAIRNESS_TPR, a);
      in[3] = lucid_fairness_rate (privileged, LUCID_FAIRNESS_TPR, a);
      n = 4;
      double dfpr = in[0].value - in[1].value, dtpr = in[2].value - in[3].value;
      v = figure == LUCID_AIF360_AVERAGE_ODDS_DIFFERENCE ?
          0.5 * (dfpr + dtpr) : 0.5 * (fabs (dfpr) + fabs (dtpr));
      break;
    }
    default:
      g_return_val_if_reached (((LucidFairnessValue) {
              NAN, LUCID_FAIRNESS_UNDEFINED_INPUT}));
  }
  return (LucidFairnessValue) {v, aif360_reason (v, unprivileged, privileged,
          counted, in, n)};
}
