/* lucid-fairlearn-interval.h — a simultaneous bootstrap interval for
 * Fairlearn's between-group figures, valid at parity and away from it.
 *
 * Fairlearn's difference (max − min, or max |rate − overall|) and ratio
 * (min / max, or min over groups of rate/overall folded below 1) are
 * folded at parity: a percentile interval of their replicates never holds
 * parity (Fairlearn's own bootstrap covers it in 0 % of simulated
 * streams), and the basic (reverse-percentile) interval, which does, falls
 * far below nominal away from parity with unequal groups (67–83 % in
 * tests/unit/test-audit-coverage.c, see docs/audit.md "Coverage").
 *
 * This interval bounds the figure through the per-group rates instead.
 * Let e_i = s(r*_i) − s(r̂_i) be replicate r's error of group i's rate
 * (s the identity for differences, log for ratios) and e_o that of the
 * pooled rate.  The replicate's deviation is
 *   T* = max_i e_i − min_i e_i          (between_groups)
 *   T* = max_i |e_i − e_o|              (to_overall)
 * (for equalized odds the larger of the TPR's and the FPR's, or their
 * mean with aggregation=mean).  Each of these is the sup-norm distance of
 * the vector of pairwise (or to-overall) differences from its estimate,
 * and the figure is a 1-Lipschitz function of that vector in the sup norm
 * (on the log scale for ratios).  So with c the level-quantile of T* over
 * the replicates, the figure lies in
 *   difference:  [max(0, F̂ − c), min(1, F̂ + c)]
 *   ratio:       [exp(−(L̂ + c)), exp(−max(0, L̂ − c))], L̂ = −log F̂
 *                (aggregation=mean: [max(0, F̂ − c), min(1, F̂ + c)])
 * whenever every pairwise difference lies within c of its estimate, which
 * the bootstrap says happens with probability ≈ level whatever the true
 * figure is: the vector of differences is smooth, the fold is applied
 * after.  The interval is conservative (simultaneous over the pairs).
 *
 * Not applicable (lucid_fairlearn_deviation_new() returns NULL; callers
 * fall back to the basic interval): a non-finite figure or rate, or a
 * ratio figure with a rate of 0 (no log).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-fairness.h"

G_BEGIN_DECLS

typedef struct _LucidFairlearnDeviation LucidFairlearnDeviation;

/* The point rates of @figure over the observed groups of @estimate (one
 * grouping, the table the figure was computed from), or NULL when the
 * interval does not apply (see above). */
LucidFairlearnDeviation *lucid_fairlearn_deviation_new (const
    LucidFairnessCounts * estimate, LucidFairlearnFigure figure,
    LucidFairnessMethod method, LucidFairnessAggregation aggregation);
void lucid_fairlearn_deviation_free (LucidFairlearnDeviation * deviation);

/* T* of one replicate table (same groups); NaN when a group has no events
 * the rate counts in @replicate (that replicate is left out), G_MAXDOUBLE
 * when a ratio figure's rate is 0 in it (the interval then reaches 0 and
 * 1; not +inf, which numpy-style quantile interpolation turns into NaN). */
double lucid_fairlearn_deviation_of (const LucidFairlearnDeviation *
    deviation, const LucidFairnessCounts * replicate);

/* The interval of the figure @estimate for the deviation quantile @c. */
void lucid_fairlearn_deviation_interval (const LucidFairlearnDeviation *
    deviation, double estimate, double c, double *lower, double *upper);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidFairlearnDeviation,
    lucid_fairlearn_deviation_free)

G_END_DECLS
