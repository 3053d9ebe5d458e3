/* lucid-fairlearn-interval.c — the simultaneous bootstrap interval of
 * lucid-fairlearn-interval.h (the argument is there).
 *
 * The groups are those fairlearn_disparity() (lucid-fairness-between.c)
 * observes for the rate: groups with events the rate counts (all events
 * for the selection rate, events with truth for TPR / FPR).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-fairlearn-interval.h"

#include <math.h>

#define MAX_RATES 2

struct _LucidFairlearnDeviation {
  gboolean ratio;
  gboolean to_overall;
  gboolean mean;                /* equalized odds, aggregation=mean */
  guint n_rates;
  LucidFairnessRate rate[MAX_RATES];
  GPtrArray *keys;              /* the observed groups, per rate */
  GArray *point[MAX_RATES];     /* s(r̂_i) per key of rate k */
  double point_overall[MAX_RATES];      /* s(r̂_o) */
};

static double
scale (const LucidFairlearnDeviation *d, double rate)
{
  return d->ratio ? log (rate) : rate;
}

void
lucid_fairlearn_deviation_free (LucidFairlearnDeviation *d)
{
  if (!d)
    return;
  for (guint k = 0; k < d->n_rates; k++)
    if (d->point[k])            /* new() may give up half-way */
      g_array_unref (d->point[k]);
  if (d->keys)
    g_ptr_array_unref (d->keys);
  g_free (d);
}

/* s(rate of @cell), FALSE if the group is not observed for the rate. */
static gboolean
scaled_rate (const LucidFairlearnDeviation *d, const LucidFairnessCell *cell,
    LucidFairnessRate rate, double *out)
{
  if (!cell || lucid_fairness_cell_events_for (cell, rate) == 0)
    return FALSE;
  *out = scale (d, lucid_fairness_rate (cell, rate,
          LUCID_FAIRNESS_FAIRLEARN).value);
  return TRUE;
}

LucidFairlearnDeviation *
lucid_fairlearn_deviation_new (const LucidFairnessCounts *estimate,
    LucidFairlearnFigure figure, LucidFairnessMethod method,
    LucidFairnessAggregation aggregation)
{
  g_autoptr (LucidFairlearnDeviation) d = g_new0 (LucidFairlearnDeviation,
      1);
  d->ratio = figure == LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO
      || figure == LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO
      || figure == LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO;
  d->to_overall = method == LUCID_FAIRNESS_TO_OVERALL;
  switch (figure) {
    case LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE:
    case LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO:
      d->rate[d->n_rates++] = LUCID_FAIRNESS_SELECTION_RATE;
      break;
    case LUCID_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE:
    case LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO:
      d->rate[d->n_rates++] = LUCID_FAIRNESS_TPR;
      break;
    default:
      d->rate[d->n_rates++] = LUCID_FAIRNESS_TPR;
      d->rate[d->n_rates++] = LUCID_FAIRNESS_FPR;
      d->mean = aggregation == LUCID_FAIRNESS_MEAN;
      break;
  }

  d->keys = lucid_fairness_counts_keys (estimate);
  LucidFairnessCell total;
  lucid_fairness_counts_total (estimate, &total);
  for (guint k = 0; k < d->n_rates; k++) {
    d->point[k] = g_array_new (FALSE, FALSE, sizeof (double));
    guint observed = 0;
    for (guint i = 0; i < d->keys->len; i++) {
      double s = NAN;
      if (scaled_rate (d, lucid_fairness_counts_lookup (estimate,
                  d->keys->pdata[i]), d->rate[k], &s)) {
        observed++;
        if (!isfinite (s))
          return NULL;          /* NaN rate, or a ratio's rate of 0 */
      }
      g_array_append_val (d->point[k], s);      /* NaN: not observed */
    }
    if (observed == 0)
      return NULL;
    d->point_overall[k] = NAN;
    if (d->to_overall && (!scaled_rate (d, &total, d->rate[k],
                &d->point_overall[k]) || !isfinite (d->point_overall[k])))
      return NULL;
  }
  return g_steal_pointer (&d);
}

/* T* of rate k. */
static double
deviation_of_rate (const LucidFairlearnDeviation *d, guint k,
    const LucidFairnessCounts *replicate)
{
  const double *point = (const double *) d->point[k]->data;
  LucidFairnessRate rate = d->rate[k];
  double e_o = 0.0, lo = INFINITY, hi = -INFINITY, best = 0.0;

  if (d->to_overall) {
    LucidFairnessCell total;
    double s;
    lucid_fairness_counts_total (replicate, &total);
    if (!scaled_rate (d, &total, rate, &s))
      return NAN;
    e_o = s - d->point_overall[k];
    if (!isfinite (e_o))
      return G_MAXDOUBLE;       /* a ratio's pooled rate of 0 */
  }
  for (guint i = 0; i < d->keys->len; i++) {
    double s;
    if (isnan (point[i]))
      continue;                 /* not observed in the estimate */
    if (!scaled_rate (d, lucid_fairness_counts_lookup (replicate,
                d->keys->pdata[i]), rate, &s) || isnan (s))
      return NAN;
    double e = s - point[i];
    if (!isfinite (e))
      return G_MAXDOUBLE;       /* a ratio's rate of 0 (log 0) */
    lo = MIN (lo, e);
    hi = MAX (hi, e);
    best = MAX (best, fabs (e - e_o));
  }
  return d->to_overall ? best : hi - lo;
}

double
lucid_fairlearn_deviation_of (const LucidFairlearnDeviation *d,
    const LucidFairnessCounts *replicate)
{
  double t = d->mean ? 0.0 : -INFINITY;
  for (guint k = 0; k < d->n_rates; k++) {
    double tk = deviation_of_rate (d, k, replicate);
    if (isnan (tk))
      return NAN;
    t = d->mean ? t + tk / d->n_rates : MAX (t, tk);
  }
  return t;
}

void
lucid_fairlearn_deviation_interval (const LucidFairlearnDeviation *d,
    double estimate, double c, double *lower, double *upper)
{
  if (isnan (estimate) || isnan (c)) {
    *lower = *upper = NAN;
    return;
  }
  if (!d->ratio || d->mean) {
    /* exp(−·) is 1-Lipschitz on [0, ∞): the mean of two ratios moves by
     * at most the mean of their log deviations. */
    *lower = CLAMP (estimate - c, 0.0, 1.0);
    *upper = CLAMP (estimate + c, 0.0, 1.0);
    return;
  }
  double l = -log (estimate);
  *lower = exp (-(l + c));
  *upper = exp (-MAX (0.0, l - c));
}
