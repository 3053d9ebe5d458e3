/* lucid-inequality.h — AIF360's inequality indices (generalized entropy
 * index, Theil index, coefficient of variation, and their between-group
 * versions) from confusion counts.
 *
 * AIF360 gives each row the benefit b = ŷ − y + 1: 0 for a false negative,
 * 1 for a true positive or true negative, 2 for a false positive.  So every
 * index is a function of the counts (FN, TP+TN, FP) and Lucid needs no
 * per-event state.  AIF360 ignores instance weights here (unlike its rate
 * figures); Lucid reads weights as frequency weights, so it equals AIF360
 * on unit weights, or on rows repeated weight times.  Conventions, as numpy
 * computes AIF360's formulas (lucid-inequality.c has the derivation):
 *
 *   no rows                          NaN, EMPTY_GROUP (mean of nothing)
 *   mean benefit 0 (all FN)          NaN, ZERO_DENOMINATOR (0/0)
 *   α = 0 with a zero benefit        +inf, DIVIDE_BY_ZERO (−log 0)
 *   α < 0 with a zero benefit        +inf, DIVIDE_BY_ZERO (0^α)
 *   α = 0 uses AIF360's formula −mean(ln(b/μ)/μ), which divides by μ
 *   once more than the textbook mean log deviation; Lucid does the same.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-fairness.h"

G_BEGIN_DECLS

/* ClassificationMetric.generalized_entropy_index(alpha) over the rows of
 * @cell (the whole data set: pass lucid_fairness_counts_total()). */
LucidFairnessValue lucid_aif360_generalized_entropy_index (const
    LucidFairnessCell * cell, double alpha);
/* theil_index(): α = 1. */
LucidFairnessValue lucid_aif360_theil_index (const LucidFairnessCell * cell);
/* coefficient_of_variation(): sqrt(2 · GE(2)). */
LucidFairnessValue lucid_aif360_coefficient_of_variation (const
    LucidFairnessCell * cell);

/* between_group_generalized_entropy_index(alpha): each row's benefit
 * replaced by its group's mean, the groups being the unprivileged and the
 * privileged set (a row matching both counts as privileged, as AIF360
 * writes that group last); rows in neither set keep benefit 0, as AIF360's
 * zero-initialised vector does.  @counts: fine cells (see
 * lucid_fairness_counts_sum_matching() for the conditions). */
gboolean lucid_aif360_between_group_generalized_entropy_index (const
    LucidFairnessCounts * counts, const char *const *unprivileged,
    gsize n_unprivileged, const char *const *privileged, gsize n_privileged,
    double alpha, LucidFairnessValue * out, GError ** error);

/* between_all_groups_generalized_entropy_index(alpha): each row's benefit
 * replaced by its group's mean, over the groups of @counts (one grouping:
 * pass a projection; AIF360 uses every combination of the protected
 * attributes' values, i.e. the full intersection). */
LucidFairnessValue lucid_aif360_between_all_groups_generalized_entropy_index
    (const LucidFairnessCounts * counts, double alpha);

/* The Theil (α = 1) and coefficient-of-variation (sqrt(2 · GE(2))) forms of
 * an index computed by @ge at α: the caller passes GE(1) or GE(2). */
LucidFairnessValue lucid_aif360_cv_from_ge2 (LucidFairnessValue ge2);

G_END_DECLS
