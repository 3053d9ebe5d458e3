/* lucid-fairness.c — streaming per-group confusion counts, per-group rates
 * with Wilson intervals; Fairlearn's and AIF360's between-group figures are
 * in lucid-fairness-between.c, with the conventions below.
 *
 * THE MODEL
 *
 * Every fairness figure of Fairlearn and AIF360 over binary outcomes is a
 * function of four weighted sums per group: TP, FP, TN, FN.  So the streaming
 * state is a table of cells, one per group key, each holding those four sums
 * and an event count; an event costs one hash lookup and one add (or, with a
 * cell pointer kept by the caller, just the add).  Nothing is allocated per
 * event once the group exists.
 *
 * A group key is a canonical string of attribute=value pairs sorted by
 * attribute: "age=30-39;gender=f;region=n".  The producer feeds the finest
 * key it knows (all attributes of the event); every coarser grouping — one
 * attribute, or any intersection of several — is then an exact marginal:
 * lucid_fairness_counts_project() cuts each key down to the wanted
 * attributes and sums the cells that coincide.  AIF360's privileged /
 * unprivileged definitions (lists of conditions, ORed) are sums of the cells
 * that match a condition (lucid_fairness_counts_sum_matching()).  Memory is
 * O(cells), independent of the number of events.
 *
 * EVENTS WITHOUT TRUTH
 *
 * A prediction whose ground truth is unknown still counts for the figures
 * that need no truth.  Each cell keeps, beside its confusion table, the
 * weighted predicted positives and negatives of such events (PP', PN') and
 * their count; the two parts are disjoint.  The selection rate is
 * (TP + FP + PP') / (TP + FP + TN + FN + PP' + PN') over every event, and
 * so are the figures made of it (Fairlearn's demographic parity, AIF360's
 * statistical parity difference and disparate impact, Aequitas' ppr and
 * pprev): each equals the reference library run on all rows.  Every other
 * rate reads the confusion table only and equals the library run on the
 * rows with truth; a group whose events all lack truth is, for those
 * figures, a group that is not there (Fairlearn) or an empty selection
 * (AIF360), reported with reason NO_TRUTH.  This is exactly what a user
 * gets by running each library twice — once on all rows for the
 * prediction-only figures, once on the rows with truth — which is how
 * tools/make_missing_truth_goldens.py computes the goldens.
 *
 * Weights are summed in event order; the references sum in array order with
 * numpy's pairwise summation, so the figures agree to rounding (the tests
 * allow 1e-9 absolute), not bit for bit.
 *
 * CONVENTIONS (found by experiment with fairlearn 0.15.0, scikit-learn
 * 1.9.1, aif360 0.6.1; tools/make_fairness_goldens.py checks them)
 *
 * "empty" = the group has no events the rate counts (none at all; for a
 * truth-based rate, none with truth); "0-den" = the rate's weighted
 * denominator is 0 although the group has events.
 *
 *   rate        Fairlearn (MetricFrame)            AIF360 (ClassificationMetric)
 *   ----------  ---------------------------------  -----------------------------
 *   selection   0-den: NaN (0/0)                   empty/0-den: NaN (0/0)
 *   TPR FNR     0-den: 0 (confusion_matrix          0-den: NaN (TP/P, 0/0)
 *   FPR TNR       normalize="true" + nan_to_num)    0-den: NaN (FP/N, 0/0)
 *   PPV NPV     0-den: 0 (confusion_matrix          0-den: 0 (explicit guard)
 *   FDR FOR       normalize="pred" + nan_to_num)
 *   accuracy    0-den: sklearn raises → NaN here    0-den/empty: 0 (guard)
 *   prevalence  0-den: NaN (selection_rate of y)   empty/0-den: NaN (base_rate)
 *   any, empty  the group does not exist: MetricFrame only knows observed
 *               groups; Lucid answers NaN/EMPTY_GROUP and the figures below
 *               skip it.
 *
 *   Fairlearn between-group figures (MetricFrame.difference / .ratio):
 *   - per-group NaN rates are skipped (pandas min/max/mean skip NaN); no
 *     non-NaN group → NaN.
 *   - between_groups difference = max − min; ratio = min / max, and
 *     max == 0 gives 0/0 = NaN.
 *   - to_overall difference = max |r_g − r_overall|; ratio: q = r_g /
 *     r_overall (x/0 = inf, 0/0 = NaN), q > 1 → 1/q (so inf → 0), min over
 *     the non-NaN q.  A NaN overall makes the figure NaN.
 *   - equalized odds worst_case is Python's built-in max()/min() over the
 *     pair (TPR figure, FPR figure) in that order: a NaN TPR figure wins,
 *     a NaN FPR figure loses (comparisons with NaN are false).  mean is
 *     pandas' mean: NaN skipped, both NaN → NaN.
 *
 *   AIF360 between-group figures: plain float64 arithmetic on the group
 *   sets' rates, so NaN propagates (an empty set, or TPR of a set without
 *   positives, makes the figure NaN) and disparate_impact = SR_u / SR_p is
 *   +inf when SR_p == 0 < SR_u, NaN when both are 0.
 *
 * WILSON INTERVAL
 *
 *   For a rate p̂ = x / n (weighted sums, weights read as frequency weights:
 *   with unit weights n is the count of events in the denominator),
 *   z = Φ⁻¹(1 − (1 − level)/2):
 *
 *     centre = (p̂ + z²/(2n)) / (1 + z²/n)
 *     half   = z / (1 + z²/n) · sqrt(p̂(1 − p̂)/n + z²/(4n²))
 *     [centre − half, centre + half], clamped to [0, 1]
 *
 *   n == 0 has no interval (NaN, reason ZERO_DENOMINATOR or EMPTY_GROUP).
 *   The interval is of the ratio of counts, whatever convention value the
 *   rate itself reports.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-fairness.h"

#include "lucid-error.h"

#include <math.h>
#include <string.h>

struct _LucidFairnessCounts {
  GHashTable *cells;            /* owned key → owned LucidFairnessCell */
};

/* ---- group keys ---------------------------------------------------------- */

typedef struct {
  const char *pair;
  gsize attr_len;
} Pair;

static int
pair_compare (gconstpointer a, gconstpointer b)
{
  const Pair *pa = a, *pb = b;
  gsize n = MIN (pa->attr_len, pb->attr_len);
  int c = strncmp (pa->pair, pb->pair, n);
  if (c != 0)
    return c;
  return (pa->attr_len > pb->attr_len) - (pa->attr_len < pb->attr_len);
}

/* Validates and sorts @pairs into @out (n_pairs entries). */
static gboolean
sort_pairs (const char *const *pairs, gsize n_pairs, Pair * out,
    GError ** error)
{
  for (gsize i = 0; i < n_pairs; i++) {
    const char *p = pairs[i];
    const char *eq = p ? strchr (p, '=') : NULL;
    if (!eq || eq == p || strchr (p, ';')) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "group pair '%s': expected attribute=value without ';'",
          p ? p : "(null)");
      return FALSE;
    }
    out[i].pair = p;
    out[i].attr_len = (gsize) (eq - p);
  }
  qsort (out, n_pairs, sizeof (Pair), pair_compare);
  for (gsize i = 1; i < n_pairs; i++) {
    if (pair_compare (&out[i - 1], &out[i]) == 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "group pairs '%s' and '%s' give the same attribute twice",
          out[i - 1].pair, out[i].pair);
      return FALSE;
    }
  }
  return TRUE;
}

char *
lucid_fairness_group_key (const char *const *pairs, gsize n_pairs,
    GError ** error)
{
  g_autofree Pair *sorted = g_new (Pair, MAX (n_pairs, 1));
  if (n_pairs == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "a group key needs at least one attribute=value pair");
    return NULL;
  }
  if (!sort_pairs (pairs, n_pairs, sorted, error))
    return NULL;
  GString *key = g_string_new (NULL);
  for (gsize i = 0; i < n_pairs; i++) {
    if (i > 0)
      g_string_append_c (key, ';');
    g_string_append (key, sorted[i].pair);
  }
  return g_string_free (key, FALSE);
}

static int
key_compare_by_size (gconstpointer a, gconstpointer b)
{
  const char *ka = *(const char *const *) a, *kb = *(const char *const *) b;
  int sa = 0, sb = 0;
  for (const char *p = ka; *p; p++)
    sa += *p == ';';
  for (const char *p = kb; *p; p++)
    sb += *p == ';';
  if (sa != sb)
    return sa - sb;
  return strcmp (ka, kb);
}

GPtrArray *
lucid_fairness_intersection_keys (const char *const *pairs, gsize n_pairs,
    GError ** error)
{
  if (n_pairs == 0 || n_pairs > 16) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "intersections need 1 to 16 attribute=value pairs, got %"
        G_GSIZE_FORMAT, n_pairs);
    return NULL;
  }
  g_autofree Pair *sorted = g_new (Pair, n_pairs);
  if (!sort_pairs (pairs, n_pairs, sorted, error))
    return NULL;
  guint n_subsets = (1u << n_pairs) - 1;
  GPtrArray *keys = g_ptr_array_new_full (n_subsets, g_free);
  for (guint mask = 1; mask <= n_subsets; mask++) {
    GString *key = g_string_new (NULL);
    for (gsize i = 0; i < n_pairs; i++) {
      if (!(mask & (1u << i)))
        continue;
      if (key->len > 0)
        g_string_append_c (key, ';');
      g_string_append (key, sorted[i].pair);
    }
    g_ptr_array_add (keys, g_string_free (key, FALSE));
  }
  g_ptr_array_sort (keys, key_compare_by_size);
  return keys;
}

/* ---- the accumulator ----------------------------------------------------- */

LucidFairnessCounts *
lucid_fairness_counts_new (void)
{
  LucidFairnessCounts *counts = g_new0 (LucidFairnessCounts, 1);
  counts->cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return counts;
}

void
lucid_fairness_counts_free (LucidFairnessCounts * counts)
{
  if (!counts)
    return;
  g_hash_table_unref (counts->cells);
  g_free (counts);
}

LucidFairnessCell *
lucid_fairness_counts_ensure_group (LucidFairnessCounts * counts,
    const char *key)
{
  LucidFairnessCell *cell = g_hash_table_lookup (counts->cells, key);
  if (!cell) {
    cell = g_new0 (LucidFairnessCell, 1);
    g_hash_table_insert (counts->cells, g_strdup (key), cell);
  }
  return cell;
}

gboolean
lucid_fairness_update (LucidFairnessCounts * counts, const char *group,
    gboolean y_true, gboolean y_pred, double weight, GError ** error)
{
  if (!(weight >= 0.0 && weight < INFINITY)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': sample weight %g is not a finite number >= 0", group,
        weight);
    return FALSE;
  }
  lucid_fairness_cell_add (lucid_fairness_counts_ensure_group (counts, group),
      y_true, y_pred, weight);
  return TRUE;
}

gboolean
lucid_fairness_update_event (LucidFairnessCounts * counts, const char *group,
    LucidFairnessTruth truth, gboolean y_pred, double weight, GError ** error)
{
  if (!(weight >= 0.0 && weight < INFINITY)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': sample weight %g is not a finite number >= 0", group,
        weight);
    return FALSE;
  }
  if (truth > LUCID_FAIRNESS_TRUTH_UNKNOWN) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': truth %d is neither negative (0), positive (1) nor "
        "unknown (2)", group, (int) truth);
    return FALSE;
  }
  lucid_fairness_cell_add_event (lucid_fairness_counts_ensure_group (counts,
          group), truth, y_pred, weight);
  return TRUE;
}

guint
lucid_fairness_counts_n_groups (const LucidFairnessCounts * counts)
{
  return g_hash_table_size (counts->cells);
}

const LucidFairnessCell *
lucid_fairness_counts_lookup (const LucidFairnessCounts * counts,
    const char *key)
{
  return g_hash_table_lookup (counts->cells, key);
}

static int
strcmp_indirect (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
lucid_fairness_counts_keys (const LucidFairnessCounts * counts)
{
  GPtrArray *keys = g_ptr_array_new_full (g_hash_table_size (counts->cells),
      NULL);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, counts->cells);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, strcmp_indirect);
  return keys;
}

static void
cell_accumulate (LucidFairnessCell * into, const LucidFairnessCell * c)
{
  into->tp += c->tp;
  into->fp += c->fp;
  into->tn += c->tn;
  into->fn += c->fn;
  into->n += c->n;
  into->pp_no_truth += c->pp_no_truth;
  into->pn_no_truth += c->pn_no_truth;
  into->n_no_truth += c->n_no_truth;
}

void
lucid_fairness_counts_total (const LucidFairnessCounts * counts,
    LucidFairnessCell * out)
{
  /* Sorted order: the total must not depend on hash-table layout. */
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  memset (out, 0, sizeof *out);
  for (guint i = 0; i < keys->len; i++)
    cell_accumulate (out, g_hash_table_lookup (counts->cells,
            keys->pdata[i]));
}

/* Does the canonical key @key hold the pair @pair (len bytes)? */
static gboolean
key_has_pair (const char *key, const char *pair, gsize len)
{
  const char *p = key;
  while (p) {
    const char *end = strchr (p, ';');
    gsize plen = end ? (gsize) (end - p) : strlen (p);
    if (plen == len && memcmp (p, pair, len) == 0)
      return TRUE;
    p = end ? end + 1 : NULL;
  }
  return FALSE;
}

/* Does @key hold every pair of the canonical key @condition? */
static gboolean
key_matches (const char *key, const char *condition)
{
  const char *p = condition;
  while (p) {
    const char *end = strchr (p, ';');
    gsize len = end ? (gsize) (end - p) : strlen (p);
    if (!key_has_pair (key, p, len))
      return FALSE;
    p = end ? end + 1 : NULL;
  }
  return TRUE;
}

/* The pair of @attribute in @key: start and length, or NULL. */
static const char *
key_find_attribute (const char *key, const char *attribute, gsize * len)
{
  gsize alen = strlen (attribute);
  const char *p = key;
  while (p) {
    const char *end = strchr (p, ';');
    gsize plen = end ? (gsize) (end - p) : strlen (p);
    if (plen > alen && strncmp (p, attribute, alen) == 0 && p[alen] == '=') {
      *len = plen;
      return p;
    }
    p = end ? end + 1 : NULL;
  }
  return NULL;
}

LucidFairnessCounts *
lucid_fairness_counts_project (const LucidFairnessCounts * counts,
    const char *const *attributes, gsize n_attributes, GError ** error)
{
  if (n_attributes == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "a projection needs at least one attribute");
    return NULL;
  }
  /* Canonical attribute order: sorted, as in keys. */
  g_autofree const char **attrs = g_new (const char *, n_attributes);
  memcpy (attrs, attributes, n_attributes * sizeof (char *));
  qsort (attrs, n_attributes, sizeof (char *), strcmp_indirect);

  g_autoptr (LucidFairnessCounts) out = lucid_fairness_counts_new ();
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  g_autoptr (GString) cut = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++) {
    const char *key = keys->pdata[i];
    g_string_truncate (cut, 0);
    for (gsize a = 0; a < n_attributes; a++) {
      gsize len;
      const char *pair = key_find_attribute (key, attrs[a], &len);
      if (!pair) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
            "group '%s' has no attribute '%s' to project on", key, attrs[a]);
        return NULL;
      }
      if (a > 0)
        g_string_append_c (cut, ';');
      g_string_append_len (cut, pair, (gssize) len);
    }
    cell_accumulate (lucid_fairness_counts_ensure_group (out, cut->str),
        g_hash_table_lookup (counts->cells, key));
  }
  return g_steal_pointer (&out);
}

gboolean
lucid_fairness_counts_sum_matching (const LucidFairnessCounts * counts,
    const char *const *conditions, gsize n_conditions,
    LucidFairnessCell * out, GError ** error)
{
  memset (out, 0, sizeof *out);
  for (gsize c = 0; c < n_conditions; c++) {
    if (!conditions[c] || !strchr (conditions[c], '=')) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "group condition '%s': expected attribute=value[;...]",
          conditions[c] ? conditions[c] : "(null)");
      return FALSE;
    }
  }
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  for (guint i = 0; i < keys->len; i++) {
    for (gsize c = 0; c < n_conditions; c++) {
      if (key_matches (keys->pdata[i], conditions[c])) {
        cell_accumulate (out, g_hash_table_lookup (counts->cells,
                keys->pdata[i]));
        break;
      }
    }
  }
  return TRUE;
}

static const char *const reason_names[] = {
  "ok", "zero-by-convention", "zero-denominator", "divide-by-zero",
  "empty-group", "undefined-input", "too-small", "no-truth",
};

const char *
lucid_fairness_reason_name (LucidFairnessReason reason)
{
  g_return_val_if_fail (reason <= LUCID_FAIRNESS_NO_TRUTH, NULL);
  return reason_names[reason];
}

/* ---- per-group rates ----------------------------------------------------- */

static const char *const rate_names[LUCID_FAIRNESS_N_RATES] = {
  "selection_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for",
  "accuracy", "prevalence",
};

const char *
lucid_fairness_rate_name (LucidFairnessRate rate)
{
  g_return_val_if_fail (rate < LUCID_FAIRNESS_N_RATES, NULL);
  return rate_names[rate];
}

static void
rate_terms (const LucidFairnessCell * c, LucidFairnessRate rate, double *num,
    double *den)
{
  double all = c->tp + c->fp + c->tn + c->fn;
  switch (rate) {
    case LUCID_FAIRNESS_SELECTION_RATE:
      /* every event, with truth or without */
      *num = lucid_fairness_cell_predicted_positive (c);
      *den = lucid_fairness_cell_weight (c);
      break;
    case LUCID_FAIRNESS_TPR:
      *num = c->tp, *den = c->tp + c->fn;
      break;
    case LUCID_FAIRNESS_FPR:
      *num = c->fp, *den = c->fp + c->tn;
      break;
    case LUCID_FAIRNESS_FNR:
      *num = c->fn, *den = c->tp + c->fn;
      break;
    case LUCID_FAIRNESS_TNR:
      *num = c->tn, *den = c->fp + c->tn;
      break;
    case LUCID_FAIRNESS_PPV:
      *num = c->tp, *den = c->tp + c->fp;
      break;
    case LUCID_FAIRNESS_NPV:
      *num = c->tn, *den = c->tn + c->fn;
      break;
    case LUCID_FAIRNESS_FDR:
      *num = c->fp, *den = c->tp + c->fp;
      break;
    case LUCID_FAIRNESS_FOR:
      *num = c->fn, *den = c->tn + c->fn;
      break;
    case LUCID_FAIRNESS_ACCURACY:
      *num = c->tp + c->tn, *den = all;
      break;
    case LUCID_FAIRNESS_PREVALENCE:
      *num = c->tp + c->fn, *den = all;
      break;
    default:
      g_assert_not_reached ();
  }
}

/* What the library answers when the denominator is 0: TRUE = 0, FALSE = the
 * IEEE quotient (0/0 = NaN). */
static gboolean
zero_denominator_gives_zero (LucidFairnessRate rate,
    LucidFairnessConvention convention)
{
  switch (rate) {
    case LUCID_FAIRNESS_TPR:
    case LUCID_FAIRNESS_FPR:
    case LUCID_FAIRNESS_FNR:
    case LUCID_FAIRNESS_TNR:
      return convention == LUCID_FAIRNESS_FAIRLEARN;
    case LUCID_FAIRNESS_PPV:
    case LUCID_FAIRNESS_NPV:
    case LUCID_FAIRNESS_FDR:
    case LUCID_FAIRNESS_FOR:
      return TRUE;
    case LUCID_FAIRNESS_ACCURACY:
      return convention == LUCID_FAIRNESS_AIF360;
    default:
      return FALSE;
  }
}

LucidFairnessValue
lucid_fairness_rate (const LucidFairnessCell * cell, LucidFairnessRate rate,
    LucidFairnessConvention convention)
{
  double num, den;
  g_return_val_if_fail (rate < LUCID_FAIRNESS_N_RATES,
      ((LucidFairnessValue) {NAN, LUCID_FAIRNESS_UNDEFINED_INPUT}));

  if (lucid_fairness_cell_events_for (cell, rate) == 0) {
    /* Fairlearn never sees an empty group; AIF360 evaluates its formulas
     * on an empty selection.  A truth-based rate of a group whose events
     * all lack truth is the same: the rows with truth hold no such group. */
    double v = convention == LUCID_FAIRNESS_AIF360
        && zero_denominator_gives_zero (rate, convention) ? 0.0 : NAN;
    return (LucidFairnessValue) {v, lucid_fairness_cell_empty_reason (cell)};
  }
  rate_terms (cell, rate, &num, &den);
  if (den == 0.0) {
    if (zero_denominator_gives_zero (rate, convention))
      return (LucidFairnessValue) {0.0, LUCID_FAIRNESS_ZERO_BY_CONVENTION};
    /* The numerator is a sum of the denominator's non-negative terms, so it
     * is 0 too: 0/0. */
    return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_ZERO_DENOMINATOR};
  }
  return (LucidFairnessValue) {num / den, LUCID_FAIRNESS_OK};
}

/* Φ⁻¹(p): Acklam's rational approximation (relative error < 1.2e-9), then
 * one Halley step on erfc, which brings it to double precision. */
static double
normal_quantile (double p)
{
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
    -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
    2.506628277459239e+00
  };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
    -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01
  };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
    -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
    2.938163982698783e+00
  };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
    2.445134137142996e+00, 3.754408661907416e+00
  };
  const double p_low = 0.02425;
  double x;

  if (p < p_low) {
    double q = sqrt (-2 * log (p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - p_low) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r +
        1);
  } else {
    double q = sqrt (-2 * log (1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * erfc (-x / G_SQRT2) - p;
  double u = e * sqrt (2 * G_PI) * exp (x * x / 2);
  return x - u / (1 + x * u / 2);
}

double
lucid_fairness_z_for_level (double level)
{
  if (!(level > 0.0 && level < 1.0))
    return NAN;
  return normal_quantile (1.0 - (1.0 - level) / 2.0);
}

gboolean
lucid_fairness_wilson (const LucidFairnessCell * cell, LucidFairnessRate rate,
    double level, double *lower, double *upper, LucidFairnessReason * reason)
{
  double num, den, z = lucid_fairness_z_for_level (level);
  g_return_val_if_fail (rate < LUCID_FAIRNESS_N_RATES, FALSE);

  *lower = *upper = NAN;
  if (isnan (z)) {
    *reason = LUCID_FAIRNESS_UNDEFINED_INPUT;
    return FALSE;
  }
  if (lucid_fairness_cell_events_for (cell, rate) == 0) {
    *reason = lucid_fairness_cell_empty_reason (cell);
    return FALSE;
  }
  rate_terms (cell, rate, &num, &den);
  if (den == 0.0) {
    *reason = LUCID_FAIRNESS_ZERO_DENOMINATOR;
    return FALSE;
  }
  lucid_fairness_wilson_ratio (num, den, level, lower, upper);
  *reason = LUCID_FAIRNESS_OK;
  return TRUE;
}

gboolean
lucid_fairness_wilson_ratio (double num, double den, double level,
    double *lower, double *upper)
{
  double z = lucid_fairness_z_for_level (level);
  *lower = *upper = NAN;
  if (isnan (z) || !(den > 0.0))
    return FALSE;
  double p = num / den, z2 = z * z;
  double scale = 1.0 + z2 / den;
  double centre = (p + z2 / (2.0 * den)) / scale;
  double half = z / scale * sqrt (p * (1.0 - p) / den
      + z2 / (4.0 * den * den));
  *lower = MAX (0.0, centre - half);
  *upper = MIN (1.0, centre + half);
  return TRUE;
}
