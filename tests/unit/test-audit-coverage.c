/* test-audit-coverage.c — how often Lucid's bootstrap intervals hold the
 * true figure, against Fairlearn's bootstrap on the same datasets.
 *
 * Fairlearn resamples rows with numpy's RNG, Lucid draws Poisson counts
 * from a hash of (seed, event, replicate): the two cannot be compared
 * resample by resample, so they are compared statistically.
 * tools/make_fairlearn_bootstrap_goldens.py simulates T datasets per
 * scenario (three or four groups of unequal sizes, e.g. 40/150/600, real
 * ground truth, real-valued sample weights in some) whose population
 * figures are known by construction, and records for every trial
 * Fairlearn's point estimate and 95 % bootstrap interval of demographic
 * parity, equalized odds and equal opportunity, difference and ratio,
 * between_groups and to_overall (fairlearn-bootstrap-coverage.json,
 * versions and seeds inside).  This test regenerates the same datasets
 * (the same splitmix64 stream as the script), checks Lucid's point
 * estimates equal Fairlearn's to 1e-9 on every trial (so the datasets are
 * the same), computes Lucid's intervals (lucid_audit_figures_compute(),
 * what lucidaudit reports) and compares, per scenario and figure:
 *
 *   coverage c = (trials whose interval holds the true value) / T, for
 *   Lucid (c_L) and Fairlearn (c_F), and the nominal level c_0 = 0.95.
 *   Binomial standard errors (p(1 − p) floored at c_0(1 − c_0), so that a
 *   coverage of 1.0 does not give a zero error):
 *     SE_d = sqrt((max(c_L(1 − c_L), c_0(1 − c_0))
 *                  + max(c_F(1 − c_F), c_0(1 − c_0))) / T)
 *     SE_0 = sqrt(c_0(1 − c_0) / T)
 *   and mean interval widths W_L, W_F.
 *
 * Every figure, far from parity or at it, must satisfy
 *   c_L ≥ c_F − Z·SE_d               no worse than Fairlearn (one-sided:
 *                                    Lucid's interval is simultaneous over
 *                                    the groups, so conservative by design);
 *   c_L ≥ c_0 − Z·SE_0 − SMALL_SAMPLE  near nominal; SMALL_SAMPLE = 0.03 is
 *                                    the finite-sample shortfall that
 *                                    Fairlearn's own bootstrap shows with a
 *                                    40-event group (0.92–0.93 in "far");
 *   b − a ≤ Z·sqrt(a + b)            the paired (McNemar) form of the same:
 *                                    a, b = trials only Lucid's, only
 *                                    Fairlearn's interval holds the truth
 *                                    (same datasets; under "equally good"
 *                                    b ~ Binomial(a + b, 1/2), SE of b − a
 *                                    is sqrt(a + b));
 *   WIDTH_MIN ≤ W_L / W_F ≤ WIDTH_MAX  (1.0 and 1.8): the simultaneous
 *                                    interval bounds the dominant pair's
 *                                    error at least as widely as the
 *                                    marginal percentile interval, and the
 *                                    price of covering at parity is bounded.
 * Near parity Fairlearn's percentile interval of a figure folded at parity
 * (max − min ≥ 0, min / max ≤ 1) misses the truth by design (c_F ≈ 0), so
 * there the first check is vacuous and the second is what matters.
 * Lucid's interval is lucid-fairlearn-interval.h's (docs/audit.md, "Which
 * interval a figure gets").
 * Z = 3.  The test is deterministic (fixed seeds); the numbers it measures
 * are printed (meson test -v audit-coverage) and quoted in docs/audit.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "lucid-test-util.h"
#include "lucid-audit-figures.h"
#include "lucid-fairlearn-interval.h"

#define Z 3.0
#define SMALL_SAMPLE 0.03
#define WIDTH_MIN 1.0
#define WIDTH_MAX 1.8
#define N_FIGURES 6
#define N_METHODS 2

static JsonParser *golden_parser;

static const char *const figure_names[N_FIGURES] = {
  "demographic_parity_difference", "demographic_parity_ratio",
  "equalized_odds_difference", "equalized_odds_ratio",
  "equal_opportunity_difference", "equal_opportunity_ratio",
};

static const char *const method_names[N_METHODS] = {
  "between_groups", "to_overall"
};

/* ---- the script's dataset generator -------------------------------------- */

static guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* uniforms(scenario_index, trial, ·)[j - 1] of the script. */
static double
uniform (guint64 base, guint64 j)
{
  guint64 x = mix64 (base + j * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  return (double) (x >> 11) * 0x1p-53;
}

/* ---- Lucid on one dataset ------------------------------------------------ */

typedef struct {
  LucidAuditFiguresConfig config[N_METHODS];
  LucidAuditFigures *figures[N_METHODS];
} Captured;

static void
capture (const LucidAuditWindowReport *report, gpointer data)
{
  Captured *c = data;
  for (guint m = 0; m < N_METHODS; m++) {
    g_autoptr (GError) error = NULL;
    g_assert_null (c->figures[m]);
    c->figures[m] = lucid_audit_figures_compute (report, &c->config[m],
        &error);
    g_assert_no_error (error);
  }
}

static const LucidAuditFigure *
find (LucidAuditFigures *f, const char *metric)
{
  for (guint i = 0; i < f->figures->len; i++) {
    const LucidAuditFigure *x = f->figures->pdata[i];
    if (!strcmp (x->grouping, "g") && x->group == NULL
        && !strcmp (x->metric, metric))
      return x;
  }
  g_error ("no figure %s", metric);
  return NULL;
}

static double
member_double (JsonArray *a, guint i)
{
  return json_array_get_double_element (a, i);
}

typedef struct {
  double truth;
  JsonArray *value, *lower, *upper;     /* Fairlearn, per trial */
  double golden_coverage, golden_width;
  guint hits_l, hits_f;
  double width_l, width_f;
  guint both, only_l, only_f;
} FigureStats;

static void
test_coverage (gconstpointer data)
{
  const char *name = data;
  JsonObject *g = lucid_test_golden_once ("fairlearn-bootstrap-coverage.json",
      &golden_parser);
  guint n_boot = json_object_get_int_member (g, "n_boot");
  double level = json_object_get_double_member (g, "level");
  guint trials = json_object_get_int_member (g, "trials");
  guint64 seed = json_object_get_int_member (g, "seed");
  JsonArray *wm = json_object_get_array_member (g, "weights");
  JsonArray *scenarios = json_object_get_array_member (g, "scenarios");
  JsonObject *s = NULL;
  guint si = 0;
  for (guint i = 0; i < json_array_get_length (scenarios); i++)
    if (!strcmp (json_object_get_string_member (json_array_get_object_element
                (scenarios, i), "name"), name)) {
      s = json_array_get_object_element (scenarios, i);
      si = i;
    }
  g_assert_nonnull (s);
  g_assert_cmpuint (trials, >=, 300);

  /* The scenario's distribution. */
  JsonArray *sizes = json_object_get_array_member (s, "sizes");
  guint n_groups = json_array_get_length (sizes);
  g_assert_cmpuint (n_groups, >=, 3);
  double prevalence[8], tpr[8], fpr[8], weight[2][2];
  guint size[8], n_events = 0;
  g_assert_cmpuint (n_groups, <=, 8);
  for (guint k = 0; k < n_groups; k++) {
    size[k] = json_array_get_int_element (sizes, k);
    n_events += size[k];
    prevalence[k] = member_double (json_object_get_array_member (s,
            "prevalence"), k);
    tpr[k] = member_double (json_object_get_array_member (s, "tpr"), k);
    fpr[k] = member_double (json_object_get_array_member (s, "fpr"), k);
  }
  gboolean weighted = json_object_get_boolean_member (s, "weighted");
  for (guint y = 0; y < 2; y++)
    for (guint p = 0; p < 2; p++)
      weight[y][p] = member_double (json_array_get_array_element (wm, y), p);

  /* Fairlearn's side, per figure. */
  JsonObject *figs = json_object_get_object_member (s, "figures");
  FigureStats st[N_METHODS][N_FIGURES] = { 0 };
  for (guint m = 0; m < N_METHODS; m++)
    for (guint f = 0; f < N_FIGURES; f++) {
      g_autofree char *key = g_strdup_printf ("%s/%s", figure_names[f],
          method_names[m]);
      JsonObject *o = json_object_get_object_member (figs, key);
      g_assert_nonnull (o);
      st[m][f].truth = json_object_get_double_member (o, "true");
      st[m][f].value = json_object_get_array_member (o, "value");
      st[m][f].lower = json_object_get_array_member (o, "lower");
      st[m][f].upper = json_object_get_array_member (o, "upper");
      st[m][f].golden_coverage = json_object_get_double_member (o,
          "coverage");
      st[m][f].golden_width = json_object_get_double_member (o,
          "mean_width");
      g_assert_cmpuint (json_array_get_length (st[m][f].lower), ==, trials);
    }

  char *groupings[] = { (char *) "g", NULL };
  g_autofree char **keys = g_new0 (char *, n_groups + 1);
  for (guint k = 0; k < n_groups; k++)
    keys[k] = g_strdup_printf ("g=g%u", k);

  for (guint t = 0; t < trials; t++) {
    Captured c = { 0 };
    for (guint m = 0; m < N_METHODS; m++) {
      c.config[m].convention = LUCID_AUDIT_CONVENTION_FAIRLEARN;
      c.config[m].method = m == 0 ? LUCID_FAIRNESS_BETWEEN_GROUPS
          : LUCID_FAIRNESS_TO_OVERALL;
      c.config[m].aggregation = LUCID_FAIRNESS_WORST_CASE;
      c.config[m].groupings = groupings;
      c.config[m].level = level;
    }
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_COUNT, n_events, n_events, 0,
      LUCID_AUDIT_LATE_CLAMP, n_boot, 1000003 * (guint64) si + t
    };
    g_autoptr (GError) error = NULL;
    LucidAuditWindow *w = lucid_audit_window_new (&wc, capture, &c, NULL,
        &error);
    g_assert_no_error (error);

    /* The script's dataset(): events in group order, u0 u1 u2 each. */
    guint64 base = mix64 (seed * 1000003 + si * 65536 + t);
    guint64 j = 1;
    for (guint k = 0; k < n_groups; k++) {
      guint gi = lucid_audit_window_ensure_group (w, keys[k]);
      for (guint i = 0; i < size[k]; i++, j += 3) {
        gboolean y = uniform (base, j) < prevalence[k];
        gboolean p = uniform (base, j + 1) < (y ? tpr[k] : fpr[k]);
        double wt = weighted ? weight[y][p] * (0.5 + uniform (base, j + 2))
            : 1.0;
        lucid_audit_window_add (w, gi, 0, y, p, wt);
      }
    }
    g_assert_nonnull (c.figures[0]);

    for (guint m = 0; m < N_METHODS; m++)
      for (guint f = 0; f < N_FIGURES; f++) {
        FigureStats *x = &st[m][f];
        const LucidAuditFigure *lf = find (c.figures[m], figure_names[f]);
        double fv = member_double (x->value, t);
        double flo = member_double (x->lower, t);
        double fhi = member_double (x->upper, t);
        /* Same dataset: the same point figure as Fairlearn. */
        if (!(fabs (lf->value - fv) <= 1e-9))
          g_error ("%s %s/%s trial %u: Lucid %.12g, Fairlearn %.12g", name,
              figure_names[f], method_names[m], t, lf->value, fv);
        /* The method's own guarantees: ordered, inside the figure's range,
         * every replicate usable. */
        g_assert_cmpuint (lf->n_boot_valid, ==, n_boot);
        g_assert_cmpfloat (lf->lower, <=, lf->upper);
        g_assert_cmpfloat (lf->lower, >=, 0.0);
        g_assert_cmpfloat (lf->upper, <=, 1.0);
        gboolean in_l = lf->lower <= x->truth && x->truth <= lf->upper;
        gboolean in_f = flo <= x->truth && x->truth <= fhi;
        x->hits_l += in_l;
        x->hits_f += in_f;
        x->both += in_l && in_f;
        x->only_l += in_l && !in_f;
        x->only_f += !in_l && in_f;
        x->width_l += lf->upper - lf->lower;
        x->width_f += fhi - flo;
      }
    for (guint m = 0; m < N_METHODS; m++)
      lucid_audit_figures_free (c.figures[m]);
    lucid_audit_window_free (w);
  }
  for (guint k = 0; k < n_groups; k++)
    g_free (keys[k]);

  const double c0 = 0.95, v0 = c0 * (1 - c0);
  g_autoptr (GString) failed = g_string_new (NULL);
  g_assert_cmpfloat_with_epsilon (level, c0, 1e-12);
  for (guint m = 0; m < N_METHODS; m++)
    for (guint f = 0; f < N_FIGURES; f++) {
      FigureStats *x = &st[m][f];
      double cl = (double) x->hits_l / trials;
      double cf = (double) x->hits_f / trials;
      double wl = x->width_l / trials, wf = x->width_f / trials;
      /* The golden's own summary is what its per-trial intervals say. */
      g_assert_cmpfloat_with_epsilon (cf, x->golden_coverage, 1e-12);
      g_assert_cmpfloat_with_epsilon (wf, x->golden_width, 1e-5);
      double se_d = sqrt ((MAX (cl * (1 - cl), v0) + MAX (cf * (1 - cf),
                  v0)) / trials);
      double se_0 = sqrt (v0 / trials);
      g_test_message ("%-12s %-29s %-14s true %.4f: coverage Lucid %.3f "
          "Fairlearn %.3f (both %u, only Lucid %u, only Fairlearn %u; "
          "SE_d %.4f) width Lucid %.4f Fairlearn %.4f ratio %.3f", name,
          figure_names[f], method_names[m], x->truth, cl, cf, x->both,
          x->only_l, x->only_f, se_d, wl, wf, wl / wf);
#define CHECK(cond) G_STMT_START {                                     \
        if (!(cond))                                                    \
          g_string_append_printf (failed, "  %s %s/%s: %s\n", name,      \
              figure_names[f], method_names[m], #cond);                 \
      } G_STMT_END
      CHECK (cl >= cf - Z * se_d);
      CHECK ((double) x->only_f - x->only_l <= Z * sqrt (x->only_f
              + x->only_l));
      CHECK (cl >= c0 - Z * se_0 - SMALL_SAMPLE);
      CHECK (wl / wf >= WIDTH_MIN);
      CHECK (wl / wf <= WIDTH_MAX);
#undef CHECK
    }
  /* Every figure is measured and printed before any check fails. */
  if (failed->len)
    g_error ("coverage checks failed:\n%s", failed->str);
}

/* n events of @key, the first @pp predicted positive (truth = prediction). */
static void
add_events (LucidFairnessCounts *c, const char *key, guint n, guint pp)
{
  for (guint i = 0; i < n; i++)
    g_assert_true (lucid_fairness_update (c, key, i < pp, i < pp, 1.0, NULL));
}

/* The simultaneous interval's deviation and mapping, by hand. */
static void
test_simultaneous_interval (void)
{
  g_autoptr (LucidFairnessCounts) est = lucid_fairness_counts_new ();
  g_autoptr (LucidFairnessCounts) rep = lucid_fairness_counts_new ();
  g_autoptr (LucidFairnessCounts) partial = lucid_fairness_counts_new ();
  double lo, hi;
  add_events (est, "g=a", 10, 4);       /* selection rate 0.4 */
  add_events (est, "g=b", 10, 6);       /* 0.6; pooled 0.5 */
  add_events (rep, "g=a", 10, 5);       /* 0.5: e_a = +0.1 */
  add_events (rep, "g=b", 20, 11);      /* 0.55: e_b = −0.05; pooled 16/30 */
  add_events (partial, "g=a", 10, 5);

  /* between_groups difference: T* = 0.1 − (−0.05). */
  g_autoptr (LucidFairlearnDeviation) d = lucid_fairlearn_deviation_new (est,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
      LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE);
  g_assert_nonnull (d);
  g_assert_cmpfloat_with_epsilon (lucid_fairlearn_deviation_of (d, rep), 0.15,
      1e-12);
  g_assert_true (isnan (lucid_fairlearn_deviation_of (d, partial)));
  lucid_fairlearn_deviation_interval (d, 0.2, 0.15, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.05, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 0.35, 1e-12);
  lucid_fairlearn_deviation_interval (d, 0.2, 0.3, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0.0);      /* parity reached */

  /* to_overall difference: e_o = 16/30 − 0.5, T* = max |e_i − e_o|. */
  g_autoptr (LucidFairlearnDeviation) o = lucid_fairlearn_deviation_new (est,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
      LUCID_FAIRNESS_TO_OVERALL, LUCID_FAIRNESS_WORST_CASE);
  double e_o = 16.0 / 30.0 - 0.5;
  g_assert_cmpfloat_with_epsilon (lucid_fairlearn_deviation_of (o, rep),
      MAX (fabs (0.1 - e_o), fabs (-0.05 - e_o)), 1e-12);

  /* between_groups ratio: log scale, interval exp(−(L̂ ± c)). */
  g_autoptr (LucidFairlearnDeviation) r = lucid_fairlearn_deviation_new (est,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
      LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE);
  double t = (log (0.5) - log (0.4)) - (log (0.55) - log (0.6));
  g_assert_cmpfloat_with_epsilon (lucid_fairlearn_deviation_of (r, rep), t,
      1e-12);
  double l = log (0.6 / 0.4);
  lucid_fairlearn_deviation_interval (r, 0.4 / 0.6, 0.1, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, exp (-(l + 0.1)), 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, exp (-(l - 0.1)), 1e-12);
  lucid_fairlearn_deviation_interval (r, 0.4 / 0.6, 0.5, &lo, &hi);
  g_assert_cmpfloat (hi, ==, 1.0);      /* parity reached */
  lucid_fairlearn_deviation_interval (r, NAN, 0.5, &lo, &hi);
  g_assert_true (isnan (lo) && isnan (hi));

  /* A ratio with a rate of 0 has no log: not applicable (basic interval);
   * the difference still is.  A replicate with a rate of 0 has T* huge. */
  add_events (est, "g=c", 10, 0);
  add_events (rep, "g=c", 10, 3);
  g_assert_null (lucid_fairlearn_deviation_new (est,
          LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
          LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE));
  g_assert_null (lucid_fairlearn_deviation_new (est,
          LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO,
          LUCID_FAIRNESS_TO_OVERALL, LUCID_FAIRNESS_MEAN));
  g_autoptr (LucidFairlearnDeviation) z = lucid_fairlearn_deviation_new (rep,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
      LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE);
  g_assert_nonnull (z);
  g_assert_cmpfloat (lucid_fairlearn_deviation_of (z, est), ==, G_MAXDOUBLE);
}

/* The basic interval itself: reflection and clipping, by hand. */
static void
test_basic_interval (void)
{
  double lo, hi;
  /* Estimate 0.1, replicates' 2.5/97.5 % at 0.05 and 0.2. */
  lucid_audit_basic_interval (0.1, 0.05, 0.2, 0.0, 1.0, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (hi, 0.15, 1e-15);
  lucid_audit_basic_interval (0.9, 0.8, 0.95, 0.0, 1.0, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.85, 1e-15);
  g_assert_cmpfloat_with_epsilon (hi, 1.0, 1e-15);
  lucid_audit_basic_interval (0.02, 0.03, 0.09, 0.0, 1.0, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (hi, 0.01, 1e-15);
  lucid_audit_basic_interval (NAN, 0.1, 0.2, 0.0, 1.0, &lo, &hi);
  g_assert_true (isnan (lo) && isnan (hi));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit-coverage/basic-interval", test_basic_interval);
  g_test_add_func ("/audit-coverage/simultaneous-interval",
      test_simultaneous_interval);
  g_test_add_data_func ("/audit-coverage/far", "far", test_coverage);
  g_test_add_data_func ("/audit-coverage/far-weighted", "far-weighted",
      test_coverage);
  g_test_add_data_func ("/audit-coverage/near-parity", "near-parity",
      test_coverage);
  g_test_add_data_func ("/audit-coverage/parity", "parity", test_coverage);
  int ret = g_test_run ();
  g_clear_object (&golden_parser);
  return ret;
}
