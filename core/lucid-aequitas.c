/* lucid-aequitas.c — Aequitas' convention over Lucid's per-group counts.
 *
 * Split from lucid-fairness.c, whose counts it reads through the public
 * API; the conventions table for Aequitas is below and in docs/audit.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-aequitas.h"

#include "lucid-error.h"

#include <math.h>
#include <string.h>

/* ---- Aequitas ------------------------------------------------------------
 *
 * CONVENTIONS (found by experiment with aequitas 1.1.0, pandas 2.3.3,
 * numpy 2.4.6; tools/make_aequitas_goldens.py checks them)
 *
 *   Group.get_crosstabs: one row per observed value of the attribute column
 *   (sorted), unweighted counts; every metric x/y is NaN when y == 0 (its
 *   own divide()), ppr = pp / k with k the predicted positives of the whole
 *   frame.  A value with no rows is no group at all.  Lucid: weights are
 *   frequency weights, a cell of total weight 0 is not a group.
 *
 *   Bias: disparity = metric / reference's metric in float64 (x/0 = inf,
 *   0/0 = NaN, NaN propagates), then every +inf replaced by fill_divbyzero
 *   (default 10.0; "not fill" means the default, so 0 is 10.0 too).
 *   - majority: idxmax of group_size, the first group (sorted) on a tie;
 *   - min_metric: idxmin of the metric, NaN skipped, the first on a tie;
 *     all NaN → the first group (its index is taken instead), so every
 *     disparity is NaN/NaN = NaN;
 *   - predefined: the given value must be a group, or Bias raises.
 *
 *   Events without truth: Aequitas refuses a label column with anything
 *   but 0/1 ("Labels are not binarized"), so a row without truth cannot be
 *   given to it at all.  Lucid answers what Aequitas answers when it is run
 *   twice: ppr and pprev (and their disparities and parities) on every row,
 *   since they read the predictions only; every other metric on the rows
 *   with truth.  Each run has its own groups (a group whose events all lack
 *   truth is no group of the second), group sizes (so the majority
 *   reference of ppr may differ from that of tpr) and k (all rows).
 *
 *   Fairness: fair_eval = NaN if x is NaN else tau <= x <= 1/tau ("not tau"
 *   → 0.8); the fill value 10.0 is unfair.  Type I = FDR & FPR, Type II =
 *   FOR & FNR, Equalized Odds = FPR & TPR, Unsupervised = Statistical &
 *   Impact, Supervised = Type I & Type II, each "NaN if both NaN, True if
 *   both True, else False".  Per attribute: NaN if every group is NaN, else
 *   False if any non-NaN group is False, else True.
 */

static const char *const aequitas_metric_names[LUCID_AEQUITAS_N_METRICS] = {
  "ppr", "pprev", "precision", "fdr", "for", "fpr", "fnr", "tpr", "tnr",
  "npv", "prev", "accuracy",
};

const char *
lucid_aequitas_metric_name (LucidAequitasMetric metric)
{
  g_return_val_if_fail (metric < LUCID_AEQUITAS_N_METRICS, NULL);
  return aequitas_metric_names[metric];
}

double
lucid_aequitas_group_size (const LucidFairnessCell * cell)
{
  return lucid_fairness_cell_weight (cell);
}

/* Does @metric read the predictions only (the run on every row)? */
static gboolean
prediction_only (LucidAequitasMetric metric)
{
  return metric == LUCID_AEQUITAS_PPR || metric == LUCID_AEQUITAS_PPREV;
}

double
lucid_aequitas_group_size_for (const LucidFairnessCell * cell,
    LucidAequitasMetric metric)
{
  return prediction_only (metric) ? lucid_fairness_cell_weight (cell)
      : cell->tp + cell->fp + cell->tn + cell->fn;
}

/* Aequitas has a group for the cell in the run that computes @metric:
 * events with weight among the rows of that run. */
static gboolean
aequitas_is_group (const LucidFairnessCell * cell, LucidAequitasMetric metric)
{
  guint64 n = prediction_only (metric) ? lucid_fairness_cell_n_events (cell)
      : cell->n;
  return n > 0 && lucid_aequitas_group_size_for (cell, metric) > 0.0;
}

gboolean
lucid_aequitas_is_group (const LucidFairnessCell * cell,
    LucidAequitasMetric metric)
{
  return aequitas_is_group (cell, metric);
}

double
lucid_aequitas_k (const LucidFairnessCounts * counts)
{
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  double k = 0.0;
  for (guint i = 0; i < keys->len; i++) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts, keys->pdata[i]);
    k += lucid_fairness_cell_predicted_positive (c);
  }
  return k;
}

LucidFairnessValue
lucid_aequitas_metric (const LucidFairnessCell * cell, double k,
    LucidAequitasMetric metric)
{
  const LucidFairnessCell *c = cell;
  double num, den;
  g_return_val_if_fail (metric < LUCID_AEQUITAS_N_METRICS,
      ((LucidFairnessValue) {NAN, LUCID_FAIRNESS_UNDEFINED_INPUT}));
  double size = lucid_aequitas_group_size_for (c, metric);
  if (!aequitas_is_group (c, metric))
    return (LucidFairnessValue) {NAN, !prediction_only (metric)
          && aequitas_is_group (c, LUCID_AEQUITAS_PPR)
          ? LUCID_FAIRNESS_NO_TRUTH : LUCID_FAIRNESS_EMPTY_GROUP};
  switch (metric) {
    case LUCID_AEQUITAS_PPR:
      num = lucid_fairness_cell_predicted_positive (c), den = k;
      break;
    case LUCID_AEQUITAS_PPREV:
      num = lucid_fairness_cell_predicted_positive (c), den = size;
      break;
    case LUCID_AEQUITAS_PRECISION:
      num = c->tp, den = c->tp + c->fp;
      break;
    case LUCID_AEQUITAS_FDR:
      num = c->fp, den = c->tp + c->fp;
      break;
    case LUCID_AEQUITAS_FOR:
      num = c->fn, den = c->fn + c->tn;
      break;
    case LUCID_AEQUITAS_FPR:
      num = c->fp, den = c->fp + c->tn;
      break;
    case LUCID_AEQUITAS_FNR:
      num = c->fn, den = c->fn + c->tp;
      break;
    case LUCID_AEQUITAS_TPR:
      num = c->tp, den = c->fn + c->tp;
      break;
    case LUCID_AEQUITAS_TNR:
      num = c->tn, den = c->fp + c->tn;
      break;
    case LUCID_AEQUITAS_NPV:
      num = c->tn, den = c->fn + c->tn;
      break;
    case LUCID_AEQUITAS_PREV:
      num = c->fn + c->tp, den = size;
      break;
    case LUCID_AEQUITAS_ACCURACY:
      num = c->tp + c->tn, den = size;
      break;
    default:
      g_return_val_if_reached (((LucidFairnessValue) {
              NAN, LUCID_FAIRNESS_UNDEFINED_INPUT}));
  }
  if (den == 0.0)
    return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_ZERO_DENOMINATOR};
  return (LucidFairnessValue) {num / den, LUCID_FAIRNESS_OK};
}

const char *
lucid_aequitas_reference_group (const LucidFairnessCounts * counts,
    LucidAequitasReference reference, const char *given,
    LucidAequitasMetric metric, GError ** error)
{
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  const char *best = NULL;
  double best_value = NAN, k = lucid_aequitas_k (counts);

  if (metric >= LUCID_AEQUITAS_N_DISPARITIES) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "Aequitas computes no disparity of metric %d", (int) metric);
    return NULL;
  }
  if (reference == LUCID_AEQUITAS_REF_GIVEN) {
    const LucidFairnessCell *c = given ? lucid_fairness_counts_lookup (counts, given) : NULL;
    if (!c || !aequitas_is_group (c, metric)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
          "Aequitas reference group '%s' is not a group with events%s",
          given ? given : "(null)", c && !prediction_only (metric)
          && aequitas_is_group (c, LUCID_AEQUITAS_PPR)
          ? " with truth" : "");
      return NULL;
    }
    /* The key as owned by @counts. */
    for (guint i = 0; i < keys->len; i++) {
      if (strcmp (keys->pdata[i], given) == 0)
        return keys->pdata[i];
    }
    g_return_val_if_reached (NULL);
  }
  const char *first = NULL;
  for (guint i = 0; i < keys->len; i++) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts, keys->pdata[i]);
    if (!aequitas_is_group (c, metric))
      continue;
    if (!first)
      first = keys->pdata[i];
    double v = reference == LUCID_AEQUITAS_REF_MAJORITY ?
        lucid_aequitas_group_size_for (c, metric) :
        lucid_aequitas_metric (c, k, metric).value;
    if (isnan (v))
      continue;
    /* Strict comparisons: the first key wins a tie (idxmax / idxmin). */
    if (!best || (reference == LUCID_AEQUITAS_REF_MAJORITY ?
            v > best_value : v < best_value)) {
      best = keys->pdata[i];
      best_value = v;
    }
  }
  if (!first) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "Aequitas needs at least one group with events%s",
        prediction_only (metric) ? "" : " with truth");
    return NULL;
  }
  return best ? best : first;
}

gboolean
lucid_aequitas_disparity (const LucidFairnessCounts * counts,
    const char *key, LucidAequitasMetric metric,
    LucidAequitasReference reference, const char *given,
    double fill_divbyzero, LucidFairnessValue * out, GError ** error)
{
  const char *ref = lucid_aequitas_reference_group (counts, reference, given,
      metric, error);
  if (!ref)
    return FALSE;
  const LucidFairnessCell *c = key ? lucid_fairness_counts_lookup (counts, key) : NULL;
  if (!c) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "no group '%s'", key ? key : "(null)");
    return FALSE;
  }
  if (fill_divbyzero == 0.0)
    fill_divbyzero = LUCID_AEQUITAS_FILL_DIVBYZERO;
  double k = lucid_aequitas_k (counts);
  LucidFairnessValue g = lucid_aequitas_metric (c, k, metric);
  LucidFairnessValue r = lucid_aequitas_metric (lucid_fairness_counts_lookup (counts, ref), k, metric);
  if (g.reason == LUCID_FAIRNESS_EMPTY_GROUP
      || g.reason == LUCID_FAIRNESS_NO_TRUTH) {
    *out = g;
    return TRUE;
  }
  double v = g.value / r.value;
  if (isnan (g.value) || isnan (r.value))
    *out = (LucidFairnessValue) {v, LUCID_FAIRNESS_UNDEFINED_INPUT};
  else if (r.value == 0.0 && g.value == 0.0)
    *out = (LucidFairnessValue) {v, LUCID_FAIRNESS_ZERO_DENOMINATOR};
  else if (r.value == 0.0)
    *out = (LucidFairnessValue) {v > 0 ? fill_divbyzero : v,
      LUCID_FAIRNESS_DIVIDE_BY_ZERO};
  else
    *out = (LucidFairnessValue) {v, LUCID_FAIRNESS_OK};
  return TRUE;
}

static const char *const aequitas_parity_names[LUCID_AEQUITAS_N_PARITIES] = {
  "Statistical Parity", "Impact Parity", "FDR Parity", "FPR Parity",
  "FOR Parity", "FNR Parity", "TPR Parity", "TNR Parity", "NPV Parity",
  "Precision Parity", "TypeI Parity", "TypeII Parity", "Equalized Odds",
  "Unsupervised Fairness", "Supervised Fairness",
};

const char *
lucid_aequitas_parity_name (LucidAequitasParity parity)
{
  g_return_val_if_fail (parity < LUCID_AEQUITAS_N_PARITIES, NULL);
  return aequitas_parity_names[parity];
}

LucidAequitasVerdict
lucid_aequitas_fair (double disparity, double tau)
{
  if (tau == 0.0)
    tau = 0.8;
  if (isnan (disparity))
    return LUCID_AEQUITAS_UNDEFINED;
  return tau <= disparity && disparity <= 1.0 / tau ?
      LUCID_AEQUITAS_FAIR : LUCID_AEQUITAS_UNFAIR;
}

static LucidAequitasVerdict
aequitas_pair (LucidAequitasVerdict a, LucidAequitasVerdict b)
{
  if (a == LUCID_AEQUITAS_UNDEFINED && b == LUCID_AEQUITAS_UNDEFINED)
    return LUCID_AEQUITAS_UNDEFINED;
  return a == LUCID_AEQUITAS_FAIR && b == LUCID_AEQUITAS_FAIR ?
      LUCID_AEQUITAS_FAIR : LUCID_AEQUITAS_UNFAIR;
}

void
lucid_aequitas_parities (const double
    disparity[LUCID_AEQUITAS_N_DISPARITIES], double tau,
    LucidAequitasVerdict out[LUCID_AEQUITAS_N_PARITIES])
{
  /* The ten single parities are in metric order. */
  G_STATIC_ASSERT (LUCID_AEQUITAS_PRECISION_PARITY == 9);
  static const LucidAequitasMetric single[10] = {
    LUCID_AEQUITAS_PPR, LUCID_AEQUITAS_PPREV, LUCID_AEQUITAS_FDR,
    LUCID_AEQUITAS_FPR, LUCID_AEQUITAS_FOR, LUCID_AEQUITAS_FNR,
    LUCID_AEQUITAS_TPR, LUCID_AEQUITAS_TNR, LUCID_AEQUITAS_NPV,
    LUCID_AEQUITAS_PRECISION,
  };
  for (guint i = 0; i < G_N_ELEMENTS (single); i++)
    out[i] = lucid_aequitas_fair (disparity[single[i]], tau);
  out[LUCID_AEQUITAS_TYPE_I_PARITY] =
      aequitas_pair (out[LUCID_AEQUITAS_FDR_PARITY],
      out[LUCID_AEQUITAS_FPR_PARITY]);
  out[LUCID_AEQUITAS_TYPE_II_PARITY] =
      aequitas_pair (out[LUCID_AEQUITAS_FOR_PARITY],
      out[LUCID_AEQUITAS_FNR_PARITY]);
  out[LUCID_AEQUITAS_EQUALIZED_ODDS] =
      aequitas_pair (out[LUCID_AEQUITAS_FPR_PARITY],
      out[LUCID_AEQUITAS_TPR_PARITY]);
  out[LUCID_AEQUITAS_UNSUPERVISED_FAIRNESS] =
      aequitas_pair (out[LUCID_AEQUITAS_STATISTICAL_PARITY],
      out[LUCID_AEQUITAS_IMPACT_PARITY]);
  out[LUCID_AEQUITAS_SUPERVISED_FAIRNESS] =
      aequitas_pair (out[LUCID_AEQUITAS_TYPE_I_PARITY],
      out[LUCID_AEQUITAS_TYPE_II_PARITY]);
}

LucidAequitasVerdict
lucid_aequitas_attribute_verdict (const LucidAequitasVerdict * verdicts,
    gsize n)
{
  LucidAequitasVerdict v = LUCID_AEQUITAS_UNDEFINED;
  for (gsize i = 0; i < n; i++) {
    if (verdicts[i] == LUCID_AEQUITAS_UNFAIR)
      return LUCID_AEQUITAS_UNFAIR;
    if (verdicts[i] == LUCID_AEQUITAS_FAIR)
      v = LUCID_AEQUITAS_FAIR;
  }
  return v;
}
