/* lucid-fairness.h — streaming per-group confusion counts and the fairness
 * figures of Fairlearn and AIF360, computed from them.
 *
 * See the essay at the top of lucid-fairness.c for the model (cells keyed by
 * canonical group keys, marginals by projection) and the table of NaN / inf /
 * zero conventions; docs/audit.md says the same for users.
 *
 * Threading: a LucidFairnessCounts is not locked; one thread updates it, or
 * the caller serialises.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Why a figure is not an ordinary finite quotient.  The value is always the
 * one the reference library returns (NaN, ±inf or a conventional 0); the
 * reason says how it came about, so that the store can keep NULL + reason. */
typedef enum {
  LUCID_FAIRNESS_OK = 0,
  LUCID_FAIRNESS_ZERO_BY_CONVENTION, /* denominator 0, library answers 0 */
  LUCID_FAIRNESS_ZERO_DENOMINATOR,   /* 0/0: NaN */
  LUCID_FAIRNESS_DIVIDE_BY_ZERO,     /* x/0 with x != 0: ±inf */
  LUCID_FAIRNESS_EMPTY_GROUP,        /* a group (or group set) without events */
  LUCID_FAIRNESS_UNDEFINED_INPUT,    /* computed from NaN rates: NaN */
  LUCID_FAIRNESS_TOO_SMALL,          /* fewer events than the minimum group size: NaN */
  LUCID_FAIRNESS_NO_TRUTH,           /* a truth-based figure of a group (or
                                      * set) whose events all lack truth */
} LucidFairnessReason;

/* "ok", "zero-by-convention", "zero-denominator", "divide-by-zero",
 * "empty-group", "undefined-input", "too-small", "no-truth": the reason
 * column's text. */
const char *lucid_fairness_reason_name (LucidFairnessReason reason);

typedef struct {
  double value;
  LucidFairnessReason reason;
} LucidFairnessValue;

typedef enum {
  LUCID_FAIRNESS_FAIRLEARN,
  LUCID_FAIRNESS_AIF360,
} LucidFairnessConvention;

/* The ground truth of one event: a label, or none (prediction only). */
typedef enum {
  LUCID_FAIRNESS_TRUTH_NEGATIVE = 0,
  LUCID_FAIRNESS_TRUTH_POSITIVE = 1,
  LUCID_FAIRNESS_TRUTH_UNKNOWN = 2,
} LucidFairnessTruth;

/* Which events a rate counts.  Selection rate needs no truth, so it counts
 * every event (with truth or not: PP / all); every other rate is a
 * function of the confusion table of the events with truth. */
typedef enum {
  LUCID_FAIRNESS_SELECTION_RATE, /* (TP+FP+PP') / (TP+FP+TN+FN+PP'+PN') */
  LUCID_FAIRNESS_TPR,            /* TP / (TP+FN) */
  LUCID_FAIRNESS_FPR,            /* FP / (FP+TN) */
  LUCID_FAIRNESS_FNR,            /* FN / (TP+FN) */
  LUCID_FAIRNESS_TNR,            /* TN / (FP+TN) */
  LUCID_FAIRNESS_PPV,            /* TP / (TP+FP) */
  LUCID_FAIRNESS_NPV,            /* TN / (TN+FN) */
  LUCID_FAIRNESS_FDR,            /* FP / (TP+FP) */
  LUCID_FAIRNESS_FOR,            /* FN / (TN+FN) */
  LUCID_FAIRNESS_ACCURACY,       /* (TP+TN) / (TP+FP+TN+FN) */
  LUCID_FAIRNESS_PREVALENCE,     /* (TP+FN) / (TP+FP+TN+FN) */
  LUCID_FAIRNESS_N_RATES
} LucidFairnessRate;

/* One group's counts: the weighted confusion table of its events with
 * ground truth, and the weighted predicted positives / negatives of its
 * events without (PP', PN').  The two parts are disjoint.  n counts the
 * events with truth and n_no_truth those without, whatever their weight: a
 * group with n + n_no_truth == 0 is empty, one with n == 0 has no truth.
 *
 * Prediction-only figures (selection rate, demographic / statistical
 * parity, disparate impact, Aequitas' ppr and pprev) count both parts:
 * they equal the references run on every row.  Truth-based figures count
 * the confusion table only: they equal the references run on the rows
 * with truth.  64 bytes. */
typedef struct {
  double tp, fp, tn, fn;
  guint64 n;
  double pp_no_truth, pn_no_truth;
  guint64 n_no_truth;
} LucidFairnessCell;

/* Events of @cell, with truth or not. */
static inline guint64
lucid_fairness_cell_n_events (const LucidFairnessCell * cell)
{
  return cell->n + cell->n_no_truth;
}

/* Predicted positives and total weight of every event of @cell (the
 * selection rate's numerator and denominator). */
static inline double
lucid_fairness_cell_predicted_positive (const LucidFairnessCell * cell)
{
  return cell->tp + cell->fp + cell->pp_no_truth;
}

static inline double
lucid_fairness_cell_weight (const LucidFairnessCell * cell)
{
  return cell->tp + cell->fp + cell->tn + cell->fn + cell->pp_no_truth
      + cell->pn_no_truth;
}

/* Does @rate count the events without truth (selection rate only)? */
static inline gboolean
lucid_fairness_rate_is_prediction_only (LucidFairnessRate rate)
{
  return rate == LUCID_FAIRNESS_SELECTION_RATE;
}

/* The events @rate counts in @cell: all of them for the selection rate,
 * those with truth for the others. */
static inline guint64
lucid_fairness_cell_events_for (const LucidFairnessCell * cell,
    LucidFairnessRate rate)
{
  return lucid_fairness_rate_is_prediction_only (rate)
      ? lucid_fairness_cell_n_events (cell) : cell->n;
}

/* Why a figure of @cell has no events to count: none at all, or none with
 * truth. */
static inline LucidFairnessReason
lucid_fairness_cell_empty_reason (const LucidFairnessCell * cell)
{
  return cell->n_no_truth > 0 ? LUCID_FAIRNESS_NO_TRUTH
      : LUCID_FAIRNESS_EMPTY_GROUP;
}

typedef struct _LucidFairnessCounts LucidFairnessCounts;

/* ---- group keys --------------------------------------------------------- */

/* Canonical key of a set of "attribute=value" pairs: sorted by attribute,
 * joined with ';' ("age=30-39;gender=f").  Fails on a pair without '=', an
 * empty attribute, a ';' anywhere, or an attribute given twice. */
char *lucid_fairness_group_key (const char *const *pairs, gsize n_pairs,
    GError ** error);

/* Every intersection key of the pairs: the canonical keys of all 2^k − 1
 * non-empty subsets, by subset size, then in key order.  k ≤ 16.
 * Returns a GPtrArray of owned strings (free with g_ptr_array_unref). */
GPtrArray *lucid_fairness_intersection_keys (const char *const *pairs,
    gsize n_pairs, GError ** error);

/* ---- the accumulator ---------------------------------------------------- */

LucidFairnessCounts *lucid_fairness_counts_new (void);
void lucid_fairness_counts_free (LucidFairnessCounts * counts);

/* The cell of @key, created (zero, n == 0) when absent.  The pointer stays
 * valid until the counts are freed: callers on a hot path keep it and call
 * lucid_fairness_cell_add() without hashing. */
LucidFairnessCell *lucid_fairness_counts_ensure_group (LucidFairnessCounts *
    counts, const char *key);

/* Adds one event with truth.  @weight must be finite and ≥ 0 (not checked
 * here: this is the hot path; lucid_fairness_update() checks). */
static inline void
lucid_fairness_cell_add (LucidFairnessCell * cell, gboolean y_true,
    gboolean y_pred, double weight)
{
  if (y_true) {
    if (y_pred)
      cell->tp += weight;
    else
      cell->fn += weight;
  } else {
    if (y_pred)
      cell->fp += weight;
    else
      cell->tn += weight;
  }
  cell->n++;
}

/* Adds one event whose truth may be unknown (@truth UNKNOWN: to PP' or PN'
 * and n_no_truth). */
static inline void
lucid_fairness_cell_add_event (LucidFairnessCell * cell,
    LucidFairnessTruth truth, gboolean y_pred, double weight)
{
  if (truth == LUCID_FAIRNESS_TRUTH_UNKNOWN) {
    if (y_pred)
      cell->pp_no_truth += weight;
    else
      cell->pn_no_truth += weight;
    cell->n_no_truth++;
  } else {
    lucid_fairness_cell_add (cell, truth == LUCID_FAIRNESS_TRUTH_POSITIVE,
        y_pred, weight);
  }
}

/* One event for @group (a canonical key): a hash lookup and an add; it
 * allocates only the first time a group is seen.  Fails (and changes
 * nothing) on a NaN, infinite or negative weight. */
gboolean lucid_fairness_update (LucidFairnessCounts * counts,
    const char *group, gboolean y_true, gboolean y_pred, double weight,
    GError ** error);
/* The same for an event whose truth may be unknown. */
gboolean lucid_fairness_update_event (LucidFairnessCounts * counts,
    const char *group, LucidFairnessTruth truth, gboolean y_pred,
    double weight, GError ** error);

guint lucid_fairness_counts_n_groups (const LucidFairnessCounts * counts);
/* NULL when the group was never seen nor ensured. */
const LucidFairnessCell *lucid_fairness_counts_lookup (const LucidFairnessCounts
    * counts, const char *key);
/* The keys, sorted (strcmp); the strings belong to @counts. */
GPtrArray *lucid_fairness_counts_keys (const LucidFairnessCounts * counts);
/* Sum of all cells (what the libraries call "overall"), both parts. */
void lucid_fairness_counts_total (const LucidFairnessCounts * counts,
    LucidFairnessCell * out);

/* Marginal counts over @attributes: every cell key is cut down to the pairs
 * of those attributes and cells with the same cut key are summed.  Fails if a
 * key lacks one of the attributes.  This is how one set of fine cells (the
 * full intersections) answers every coarser grouping exactly. */
LucidFairnessCounts *lucid_fairness_counts_project (const LucidFairnessCounts
    * counts, const char *const *attributes, gsize n_attributes,
    GError ** error);

/* Sum of the cells that match any of @conditions (each a canonical key whose
 * pairs must all appear in the cell key) — AIF360's privileged_groups /
 * unprivileged_groups lists. */
gboolean lucid_fairness_counts_sum_matching (const LucidFairnessCounts *
    counts, const char *const *conditions, gsize n_conditions,
    LucidFairnessCell * out, GError ** error);

/* ---- per-group rates ---------------------------------------------------- */

LucidFairnessValue lucid_fairness_rate (const LucidFairnessCell * cell,
    LucidFairnessRate rate, LucidFairnessConvention convention);
const char *lucid_fairness_rate_name (LucidFairnessRate rate);

/* z of a two-sided normal interval at @level (0 < level < 1), e.g.
 * 0.95 → 1.959963984540054. NaN outside (0, 1). */
double lucid_fairness_z_for_level (double level);

/* Wilson score interval of @rate for @cell at @level; see lucid-fairness.c
 * for the formula.  Fails (FALSE, no GError: nothing is wrong with the call)
 * with NaN bounds and *reason set when the rate's denominator is 0. */
gboolean lucid_fairness_wilson (const LucidFairnessCell * cell,
    LucidFairnessRate rate, double level, double *lower, double *upper,
    LucidFairnessReason * reason);

/* The same interval for any proportion @x / @n of weighted sums (0 ≤ x ≤ n),
 * e.g. Aequitas' ppr, a group's share of all predicted positives.  FALSE
 * with NaN bounds when n is 0 or @level is outside (0, 1). */
gboolean lucid_fairness_wilson_ratio (double x, double n, double level,
    double *lower, double *upper);

/* ---- between-group figures: Fairlearn ----------------------------------- */

typedef enum {
  LUCID_FAIRNESS_BETWEEN_GROUPS,
  LUCID_FAIRNESS_TO_OVERALL,
} LucidFairnessMethod;

typedef enum {
  LUCID_FAIRNESS_WORST_CASE,
  LUCID_FAIRNESS_MEAN,
} LucidFairnessAggregation;

typedef enum {
  LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
  LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
  LUCID_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE,
  LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO,
  LUCID_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE,
  LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO,
} LucidFairlearnFigure;

/* The figure over the groups of @counts (one grouping: pass a projection),
 * as fairlearn.metrics computes it; @aggregation matters only for equalized
 * odds. */
LucidFairnessValue lucid_fairlearn_figure (const LucidFairnessCounts * counts,
    LucidFairlearnFigure figure, LucidFairnessMethod method,
    LucidFairnessAggregation aggregation);

/* ---- between-group figures: AIF360 -------------------------------------- */

typedef enum {
  LUCID_AIF360_STATISTICAL_PARITY_DIFFERENCE,
  LUCID_AIF360_DISPARATE_IMPACT,
  LUCID_AIF360_AVERAGE_ODDS_DIFFERENCE,
  LUCID_AIF360_AVERAGE_ABS_ODDS_DIFFERENCE,
  LUCID_AIF360_EQUAL_OPPORTUNITY_DIFFERENCE,
} LucidAif360Figure;

/* The figure as aif360.metrics.ClassificationMetric computes it, for the
 * group sets @unprivileged and @privileged (summed cells, see
 * lucid_fairness_counts_sum_matching()). */
LucidFairnessValue lucid_aif360_figure (const LucidFairnessCell * unprivileged,
    const LucidFairnessCell * privileged, LucidAif360Figure figure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidFairnessCounts, lucid_fairness_counts_free)

G_END_DECLS
