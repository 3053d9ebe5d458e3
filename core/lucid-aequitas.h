/* lucid-aequitas.h — Aequitas' Group / Bias / Fairness over per-group counts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-fairness.h"

G_BEGIN_DECLS

/* ---- per-group metrics and disparities: Aequitas ------------------------
 *
 * Aequitas (Group, Bias, Fairness; conventions in lucid-aequitas.c and
 * docs/audit.md) takes unweighted rows: Lucid's weighted sums stand for
 * frequency weights (integer weights equal Aequitas on replicated rows).  A
 * cell with no events or with total weight 0 has no rows, so it is not an
 * Aequitas group: it is skipped when a reference is chosen and its figures
 * are NaN with reason EMPTY_GROUP.  The groups of @counts are one Aequitas
 * attribute column (one grouping: pass a projection); Aequitas orders them by
 * value, Lucid by key, which is the same order for one grouping. */

typedef enum {
  /* The ten metrics Bias computes disparities of, in Aequitas' order. */
  LUCID_AEQUITAS_PPR,           /* (TP+FP+PP') / k, k = predicted positives of all groups */
  LUCID_AEQUITAS_PPREV,         /* (TP+FP+PP') / group size (every row) */
  LUCID_AEQUITAS_PRECISION,     /* TP / (TP+FP) */
  LUCID_AEQUITAS_FDR,           /* FP / (TP+FP) */
  LUCID_AEQUITAS_FOR,           /* FN / (TN+FN) */
  LUCID_AEQUITAS_FPR,           /* FP / (FP+TN) */
  LUCID_AEQUITAS_FNR,           /* FN / (TP+FN) */
  LUCID_AEQUITAS_TPR,           /* TP / (TP+FN) */
  LUCID_AEQUITAS_TNR,           /* TN / (FP+TN) */
  LUCID_AEQUITAS_NPV,           /* TN / (TN+FN) */
  /* Group metrics without a disparity. */
  LUCID_AEQUITAS_PREV,          /* (TP+FN) / (TP+FP+TN+FN) */
  LUCID_AEQUITAS_ACCURACY,      /* (TP+TN) / (TP+FP+TN+FN) */
  LUCID_AEQUITAS_N_METRICS
} LucidAequitasMetric;

#define LUCID_AEQUITAS_N_DISPARITIES 10

/* "ppr", "pprev", "precision", ... — Aequitas' column names. */
const char *lucid_aequitas_metric_name (LucidAequitasMetric metric);

/* Aequitas' weighted group size of @cell over every row: TP + FP + TN + FN
 * + PP' + PN' (events without truth included). */
double lucid_aequitas_group_size (const LucidFairnessCell * cell);

/* The group size in the rows @metric is computed on: every row for ppr and
 * pprev, the rows with truth (TP + FP + TN + FN) for the others (see
 * "Events without truth" in lucid-aequitas.c). */
double lucid_aequitas_group_size_for (const LucidFairnessCell * cell,
    LucidAequitasMetric metric);

/* Is @cell an Aequitas group in the rows @metric is computed on (events
 * with weight there)? */
gboolean lucid_aequitas_is_group (const LucidFairnessCell * cell,
    LucidAequitasMetric metric);

/* Predicted positives of all groups and rows, with truth or without
 * (Aequitas' k, ppr's denominator). */
double lucid_aequitas_k (const LucidFairnessCounts * counts);

/* Group.get_crosstabs()' @metric of @cell; @k is lucid_aequitas_k() of the
 * grouping (used by PPR only).  A zero denominator is NaN. */
LucidFairnessValue lucid_aequitas_metric (const LucidFairnessCell * cell,
    double k, LucidAequitasMetric metric);

typedef enum {
  LUCID_AEQUITAS_REF_MAJORITY,   /* Bias.get_disparity_major_group */
  LUCID_AEQUITAS_REF_MIN_METRIC, /* Bias.get_disparity_min_metric */
  LUCID_AEQUITAS_REF_GIVEN,      /* Bias.get_disparity_predefined_groups */
} LucidAequitasReference;

/* The reference group's key (owned by @counts) for @metric (which matters
 * for MIN_METRIC, and for which rows count, see
 * lucid_aequitas_group_size_for(); a disparity metric): the largest group, ties to the
 * first key; the group with the smallest non-NaN metric, ties to the first
 * key, the first key when every group's metric is NaN; or @given, which must
 * be a (non-empty) group of @counts.  NULL with an error when @counts has no
 * group or @given is not one. */
const char *lucid_aequitas_reference_group (const LucidFairnessCounts *
    counts, LucidAequitasReference reference, const char *given,
    LucidAequitasMetric metric, GError ** error);

/* Aequitas' default fill value for a disparity x/0, x > 0 (Bias'
 * fill_divbyzero; 0 means this default, as in Aequitas). */
#define LUCID_AEQUITAS_FILL_DIVBYZERO 10.0

/* The disparity of group @key for @metric (a disparity metric): its metric
 * over the reference group's, +inf replaced by @fill_divbyzero (reason
 * DIVIDE_BY_ZERO), 0/0 NaN (ZERO_DENOMINATOR), NaN in → NaN out
 * (UNDEFINED_INPUT).  FALSE with an error as
 * lucid_aequitas_reference_group(), or when @key is not a group. */
gboolean lucid_aequitas_disparity (const LucidFairnessCounts * counts,
    const char *key, LucidAequitasMetric metric,
    LucidAequitasReference reference, const char *given,
    double fill_divbyzero, LucidFairnessValue * out, GError ** error);

/* Fairness' three-valued determinations. */
typedef enum {
  LUCID_AEQUITAS_UNDEFINED = -1, /* Aequitas' NaN */
  LUCID_AEQUITAS_UNFAIR = 0,
  LUCID_AEQUITAS_FAIR = 1,
} LucidAequitasVerdict;

typedef enum {
  LUCID_AEQUITAS_STATISTICAL_PARITY, /* ppr */
  LUCID_AEQUITAS_IMPACT_PARITY,      /* pprev */
  LUCID_AEQUITAS_FDR_PARITY,
  LUCID_AEQUITAS_FPR_PARITY,
  LUCID_AEQUITAS_FOR_PARITY,
  LUCID_AEQUITAS_FNR_PARITY,
  LUCID_AEQUITAS_TPR_PARITY,
  LUCID_AEQUITAS_TNR_PARITY,
  LUCID_AEQUITAS_NPV_PARITY,
  LUCID_AEQUITAS_PRECISION_PARITY,
  LUCID_AEQUITAS_TYPE_I_PARITY,      /* FDR and FPR */
  LUCID_AEQUITAS_TYPE_II_PARITY,     /* FOR and FNR */
  LUCID_AEQUITAS_EQUALIZED_ODDS,     /* FPR and TPR */
  LUCID_AEQUITAS_UNSUPERVISED_FAIRNESS, /* statistical and impact */
  LUCID_AEQUITAS_SUPERVISED_FAIRNESS,   /* type I and type II */
  LUCID_AEQUITAS_N_PARITIES
} LucidAequitasParity;

/* "Statistical Parity", ..., "Supervised Fairness" — Aequitas' names. */
const char *lucid_aequitas_parity_name (LucidAequitasParity parity);

/* Fairness' test of one disparity: UNDEFINED for NaN, else FAIR iff
 * tau <= x <= 1/tau.  @tau 0 means Aequitas' default 0.8. */
LucidAequitasVerdict lucid_aequitas_fair (double disparity, double tau);

/* Every parity of one group from its ten disparities (indexed by
 * LucidAequitasMetric): the ten tests, then the pairs as Aequitas combines
 * them — UNDEFINED if both are UNDEFINED, FAIR if both are FAIR, else
 * UNFAIR (so FAIR with UNDEFINED is UNFAIR). */
void lucid_aequitas_parities (const double
    disparity[LUCID_AEQUITAS_N_DISPARITIES], double tau,
    LucidAequitasVerdict out[LUCID_AEQUITAS_N_PARITIES]);

/* Fairness.get_group_attribute_fairness for one parity over the groups of an
 * attribute: UNFAIR if any group is UNFAIR, FAIR if none is and one is FAIR,
 * UNDEFINED if all are (or @n is 0). */
LucidAequitasVerdict lucid_aequitas_attribute_verdict (const
    LucidAequitasVerdict * verdicts, gsize n);


G_END_DECLS
