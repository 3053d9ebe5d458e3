/* lucid-inequality.c — AIF360's generalized entropy family from counts.
 *
 * A data set of benefits is a small multiset {(v_j, m_j)}: value v_j with
 * mass m_j (a weighted count).  With N = Σ m_j and μ = Σ m_j v_j / N,
 * AIF360 (aif360/metrics/classification_metric.py, 0.6.1) computes
 *
 *   α ∉ {0, 1}:  mean((b/μ)^α − 1) / (α(α − 1))
 *                = (Σ m_j (v_j/μ)^α / N − 1) / (α(α − 1))
 *   α = 1:       mean(ln((b/μ)^b) / μ) = Σ m_j v_j ln(v_j/μ) / (N μ),
 *                where v = 0 contributes ln(0^0) = ln 1 = 0
 *   α = 0:       −mean(ln(b/μ) / μ) = −Σ m_j ln(v_j/μ) / (N μ)
 *
 * For the plain index the multiset is {(0, FN), (1, TP+TN), (2, FP)}; for
 * the between-group versions it is {(μ_g, N_g)} over the groups (plus
 * (0, N_rest) for the rows in neither AIF360 group set).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-inequality.h"

#include <math.h>
#include <string.h>

typedef struct {
  double v, m;
} Mass;

static LucidFairnessValue
ge_of (const Mass *x, gsize n, double alpha)
{
  double total = 0.0, sum = 0.0;
  for (gsize j = 0; j < n; j++) {
    total += x[j].m;
    sum += x[j].m * x[j].v;
  }
  if (!(total > 0.0))
    return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_EMPTY_GROUP};
  double mu = sum / total;
  if (mu == 0.0)
    return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_ZERO_DENOMINATOR};

  double acc = 0.0;
  if (alpha == 1.0) {
    for (gsize j = 0; j < n; j++)
      if (x[j].m > 0.0 && x[j].v > 0.0)
        acc += x[j].m * x[j].v * log (x[j].v / mu);
    return (LucidFairnessValue) {acc / (total * mu), LUCID_FAIRNESS_OK};
  }
  if (alpha == 0.0) {
    for (gsize j = 0; j < n; j++) {
      if (!(x[j].m > 0.0))
        continue;
      if (x[j].v == 0.0)
        return (LucidFairnessValue) {INFINITY, LUCID_FAIRNESS_DIVIDE_BY_ZERO};
      acc += x[j].m * log (x[j].v / mu);
    }
    return (LucidFairnessValue) {-acc / (total * mu), LUCID_FAIRNESS_OK};
  }
  for (gsize j = 0; j < n; j++) {
    if (!(x[j].m > 0.0))
      continue;
    if (x[j].v == 0.0 && alpha < 0.0)
      return (LucidFairnessValue) {INFINITY, LUCID_FAIRNESS_DIVIDE_BY_ZERO};
    acc += x[j].m * pow (x[j].v / mu, alpha);
  }
  return (LucidFairnessValue) {(acc / total - 1.0) / (alpha * (alpha - 1.0)),
      LUCID_FAIRNESS_OK};
}

static double
benefit_sum (const LucidFairnessCell *c)
{
  return c->tp + c->tn + 2.0 * c->fp;
}

static double
cell_mass (const LucidFairnessCell *c)
{
  return c->tp + c->fp + c->tn + c->fn;
}

LucidFairnessValue
lucid_aif360_generalized_entropy_index (const LucidFairnessCell *cell,
    double alpha)
{
  Mass x[3] = {
    {0.0, cell->fn}, {1.0, cell->tp + cell->tn}, {2.0, cell->fp},
  };
  return ge_of (x, 3, alpha);
}

LucidFairnessValue
lucid_aif360_cv_from_ge2 (LucidFairnessValue ge2)
{
  ge2.value = sqrt (2.0 * ge2.value);
  return ge2;
}

LucidFairnessValue
lucid_aif360_theil_index (const LucidFairnessCell *cell)
{
  return lucid_aif360_generalized_entropy_index (cell, 1.0);
}

LucidFairnessValue
lucid_aif360_coefficient_of_variation (const LucidFairnessCell *cell)
{
  return lucid_aif360_cv_from_ge2 (lucid_aif360_generalized_entropy_index
      (cell, 2.0));
}

gboolean
lucid_aif360_between_group_generalized_entropy_index (const
    LucidFairnessCounts *counts, const char *const *unprivileged,
    gsize n_unprivileged, const char *const *privileged, gsize n_privileged,
    double alpha, LucidFairnessValue *out, GError **error)
{
  LucidFairnessCell all, p, up, both;
  /* Privileged wins over unprivileged: U-only = U − (U ∧ P). */
  if (!lucid_fairness_counts_sum_matching (counts, privileged, n_privileged,
          &p, error)
      || !lucid_fairness_counts_sum_matching (counts, unprivileged,
          n_unprivileged, &up, error))
    return FALSE;
  /* U ∧ P: cells matching both lists. */
  memset (&both, 0, sizeof both);
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  for (guint i = 0; i < keys->len; i++) {
    g_autoptr (LucidFairnessCounts) one = lucid_fairness_counts_new ();
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts,
        keys->pdata[i]);
    *lucid_fairness_counts_ensure_group (one, keys->pdata[i]) = *c;
    LucidFairnessCell a, b;
    lucid_fairness_counts_sum_matching (one, privileged, n_privileged, &a,
        NULL);
    lucid_fairness_counts_sum_matching (one, unprivileged, n_unprivileged, &b,
        NULL);
    if (a.n > 0 && b.n > 0) {
      both.tp += c->tp;
      both.fp += c->fp;
      both.tn += c->tn;
      both.fn += c->fn;
    }
  }
  lucid_fairness_counts_total (counts, &all);
  double m_p = cell_mass (&p);
  double m_u = cell_mass (&up) - cell_mass (&both);
  double s_u = benefit_sum (&up) - benefit_sum (&both);
  double m_rest = cell_mass (&all) - m_p - m_u;
  Mass x[3] = {
    {m_u > 0 ? s_u / m_u : 0.0, m_u},
    {m_p > 0 ? benefit_sum (&p) / m_p : 0.0, m_p},
    {0.0, m_rest > 0 ? m_rest : 0.0},
  };
  *out = ge_of (x, 3, alpha);
  return TRUE;
}

LucidFairnessValue
lucid_aif360_between_all_groups_generalized_entropy_index (const
    LucidFairnessCounts *counts, double alpha)
{
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  g_autofree Mass *x = g_new0 (Mass, keys->len + 1);
  for (guint i = 0; i < keys->len; i++) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts,
        keys->pdata[i]);
    double m = cell_mass (c);
    x[i].m = m;
    x[i].v = m > 0 ? benefit_sum (c) / m : 0.0;
  }
  return ge_of (x, keys->len, alpha);
}
