/* test-audit-alert.c — alert expressions parse as the grammar says and
 * refuse everything else with the column of the problem; and the per-window
 * figures (lucid-audit-figures) equal the core functions they are built
 * from, with too-small groups left out and marked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "lucid-audit-alert.h"
#include "lucid-audit-figures.h"
#include "lucid-error.h"
#include "lucid-inequality.h"

static void
test_parse_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rules = lucid_audit_alert_parse
      (" demographic_parity_ratio<0.8 , tpr [ gender=f ; age=30-39 ]>=-1e-3;"
      "disparate_impact != 1 || ppr_disparity<=0.5,accuracy==.5", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rules->len, ==, 5);
  LucidAuditAlertRule *r = rules->pdata[0];
  g_assert_cmpstr (r->metric, ==, "demographic_parity_ratio");
  g_assert_null (r->group);
  g_assert_cmpint (r->op, ==, LUCID_AUDIT_OP_LT);
  g_assert_cmpfloat (r->threshold, ==, 0.8);
  g_assert_cmpstr (r->text, ==, "demographic_parity_ratio<0.8");
  r = rules->pdata[1];
  g_assert_cmpstr (r->group, ==, "age=30-39;gender=f");   /* canonical */
  g_assert_cmpint (r->op, ==, LUCID_AUDIT_OP_GE);
  g_assert_cmpfloat (r->threshold, ==, -1e-3);
  g_assert_cmpint (((LucidAuditAlertRule *) rules->pdata[2])->op, ==,
      LUCID_AUDIT_OP_NE);
  g_assert_cmpint (((LucidAuditAlertRule *) rules->pdata[3])->op, ==,
      LUCID_AUDIT_OP_LE);
  g_assert_cmpint (((LucidAuditAlertRule *) rules->pdata[4])->op, ==,
      LUCID_AUDIT_OP_EQ);

  g_autoptr (GPtrArray) none = lucid_audit_alert_parse ("  ", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_parse_bad (void)
{
  const struct { const char *text; const char *msg; } cases[] = {
    {"demographic_parity_ratio", "column 25: expected a comparison"},
    {"demographic_parity_ratio<", "column 26: expected a number"},
    {"demographic_parity_ratio<x", "column 26: expected a number"},
    {"demographic_parity_ratio<inf", "column 26: expected a number"},
    {"demographic_parity_ratio<1e999", "column 26: expected a finite number"},
    {"demographic_parity_ratio=0.8", "column 25: expected a comparison"},
    {"dp_ratio<0.8", "column 1: unknown figure 'dp_ratio' (known: "},
    {"<0.8", "column 1: expected a figure name"},
    {"Tpr<0.8", "column 1: expected a figure name"},
    {"tpr[gender=f<0.8", "column 4: '[' without a closing ']'"},
    {"tpr[]<0.8", "column 5: a group key needs"},
    {"tpr[gender]<0.8", "column 5: group pair 'gender'"},
    {"disparate_impact[gender=f]<0.8", "column 17: 'disparate_impact' is a "
          "between-group figure"},
    {"tpr<0.8 tpr>0.9", "column 9: expected ',', ';' or '||'"},
    {"tpr<0.8,", "column 9: expected a figure name"},
    {"tpr<0.8|tpr>1", "column 8: expected ','"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) rules = lucid_audit_alert_parse (cases[i].text,
        &error);
    g_assert_null (rules);
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
    g_test_message ("%s", error->message);
    g_autofree char *prefix = g_strdup_printf ("alert '%s', ", cases[i].text);
    g_assert_true (g_str_has_prefix (error->message, prefix));
    g_assert_nonnull (strstr (error->message, cases[i].msg));
  }
}

static void
test_holds (void)
{
  LucidAuditAlertRule r = { NULL, NULL, LUCID_AUDIT_OP_LT, 0.8, NULL };
  g_assert_true (lucid_audit_alert_holds (&r, 0.79));
  g_assert_false (lucid_audit_alert_holds (&r, 0.8));
  g_assert_false (lucid_audit_alert_holds (&r, NAN));
  g_assert_true (lucid_audit_alert_holds (&r, -INFINITY));
  r.op = LUCID_AUDIT_OP_LE;
  g_assert_true (lucid_audit_alert_holds (&r, 0.8));
  r.op = LUCID_AUDIT_OP_GT;
  g_assert_true (lucid_audit_alert_holds (&r, INFINITY));
  g_assert_false (lucid_audit_alert_holds (&r, 0.8));
  r.op = LUCID_AUDIT_OP_GE;
  g_assert_true (lucid_audit_alert_holds (&r, 0.8));
  r.op = LUCID_AUDIT_OP_EQ;
  g_assert_true (lucid_audit_alert_holds (&r, 0.8));
  r.op = LUCID_AUDIT_OP_NE;
  g_assert_true (lucid_audit_alert_holds (&r, 0.7));
  g_assert_false (lucid_audit_alert_holds (&r, NAN));
}

/* ---- figures ------------------------------------------------------------ */

typedef struct {
  LucidAuditFiguresConfig config;
  LucidAuditFigures *figures;
  LucidFairnessCounts *copy;    /* the report's counts, copied */
  /* Aequitas: gender=m's fpr disparity interval by the one-figure API */
  gboolean single_check;
  double single_lower, single_upper;
  guint single_valid;
} Captured;

static LucidFairnessValue
fpr_disparity_m (const LucidFairnessCounts *counts, gpointer data)
{
  const char *attrs[] = { "gender" };
  g_autoptr (LucidFairnessCounts) proj = lucid_fairness_counts_project
      (counts, attrs, 1, NULL);
  LucidFairnessValue v = { NAN, LUCID_FAIRNESS_EMPTY_GROUP };
  lucid_aequitas_disparity (proj, "gender=m", LUCID_AEQUITAS_FPR,
      LUCID_AEQUITAS_REF_MAJORITY, NULL, 0, &v, NULL);
  return v;
}

static void
capture (const LucidAuditWindowReport *report, gpointer data)
{
  Captured *c = data;
  g_autoptr (GError) error = NULL;
  g_assert_null (c->figures);
  c->figures = lucid_audit_figures_compute (report, &c->config, &error);
  g_assert_no_error (error);
  if (c->single_check)
    lucid_audit_window_report_interval (report, fpr_disparity_m, NULL,
        c->config.level, &c->single_lower, &c->single_upper,
        &c->single_valid);
  c->copy = lucid_fairness_counts_new ();
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (report->counts);
  for (guint i = 0; i < keys->len; i++)
    *lucid_fairness_counts_ensure_group (c->copy, keys->pdata[i]) =
        *lucid_fairness_counts_lookup (report->counts, keys->pdata[i]);
}

static const LucidAuditFigure *
find (LucidAuditFigures *f, const char *grouping, const char *group,
    const char *metric)
{
  for (guint i = 0; i < f->figures->len; i++) {
    const LucidAuditFigure *x = f->figures->pdata[i];
    if (!strcmp (x->grouping, grouping) && !g_strcmp0 (x->group, group)
        && !strcmp (x->metric, metric))
      return x;
  }
  return NULL;
}

/* One cumulative window over a fixed stream: gender {f, m}, age {a, b}; the
 * intersection gender=m;age=b has 3 events (too small with minimum 5). */
static void
run_window (Captured *c, guint n_boot)
{
  LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_TUMBLING,
    LUCID_AUDIT_WINDOW_BY_COUNT, 203, 203, 0, LUCID_AUDIT_LATE_CLAMP,
    n_boot, 7 };
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&wc, capture, c,
      NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 200; i++) {
    const char *key = (i % 2) ? "age=a;gender=f" : (i % 3 ? "age=b;gender=f"
        : "age=a;gender=m");
    gboolean y_true = (i % 5) < 2, y_pred = (i % 7) < (i % 2 ? 2 : 4);
    g_assert_true (lucid_audit_window_update (w, key, 0, y_true, y_pred,
            1.0 + (i % 3), &error));
  }
  for (guint i = 0; i < 3; i++)
    g_assert_true (lucid_audit_window_update (w, "age=b;gender=m", 0, i == 0,
            TRUE, 1.0, &error));
  g_assert_nonnull (c->figures);
}

static void
test_figures_fairlearn (void)
{
  Captured c = { 0 };
  c.config.convention = LUCID_AUDIT_CONVENTION_FAIRLEARN;
  c.config.min_group_size = 5;
  c.config.level = 0.95;
  run_window (&c, 50);

  /* Default groupings: age, gender, age;gender. */
  const char *attrs_gender[] = { "gender" };
  g_autoptr (LucidFairnessCounts) by_gender = lucid_fairness_counts_project
      (c.copy, attrs_gender, 1, NULL);
  LucidFairnessValue dp = lucid_fairlearn_figure (by_gender,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO, LUCID_FAIRNESS_BETWEEN_GROUPS,
      LUCID_FAIRNESS_WORST_CASE);
  const LucidAuditFigure *f = find (c.figures, "gender", NULL,
      "demographic_parity_ratio");
  g_assert_nonnull (f);
  g_assert_cmpfloat (f->value, ==, dp.value);
  /* 50 replicates, interval around the point. */
  g_assert_cmpuint (f->n_boot_valid, ==, 50);
  g_assert_true (f->lower <= f->value && f->value <= f->upper);

  const LucidFairnessCell *fcell = lucid_fairness_counts_lookup (by_gender,
      "gender=f");
  f = find (c.figures, "gender", "gender=f", "tpr");
  g_assert_cmpfloat (f->value, ==, lucid_fairness_rate (fcell,
          LUCID_FAIRNESS_TPR, LUCID_FAIRNESS_FAIRLEARN).value);
  double lo, hi;
  LucidFairnessReason reason;
  g_assert_true (lucid_fairness_wilson (fcell, LUCID_FAIRNESS_TPR, 0.95, &lo,
          &hi, &reason));
  g_assert_cmpfloat (f->lower, ==, lo);
  g_assert_cmpfloat (f->upper, ==, hi);

  /* The 3-event intersection is too small: NaN, marked, and left out. */
  f = find (c.figures, "age;gender", "age=b;gender=m", "selection_rate");
  g_assert_true (isnan (f->value));
  g_assert_cmpint (f->reason, ==, LUCID_FAIRNESS_TOO_SMALL);
  gboolean marked = FALSE;
  for (guint i = 0; i < c.figures->groups->len; i++) {
    LucidAuditGroup *g = c.figures->groups->pdata[i];
    if (!strcmp (g->group, "age=b;gender=m")) {
      g_assert_true (g->too_small);
      g_assert_cmpuint (g->n, ==, 3);
      marked = TRUE;
    }
  }
  g_assert_true (marked);
  /* The intersection figure equals the one without that cell. */
  g_autoptr (LucidFairnessCounts) without = lucid_fairness_counts_new ();
  const char *big[] = { "age=a;gender=f", "age=b;gender=f", "age=a;gender=m" };
  for (guint i = 0; i < 3; i++)
    *lucid_fairness_counts_ensure_group (without, big[i]) =
        *lucid_fairness_counts_lookup (c.copy, big[i]);
  f = find (c.figures, "age;gender", NULL, "demographic_parity_difference");
  g_assert_cmpfloat (f->value, ==, lucid_fairlearn_figure (without,
          LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
          LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE).value);
  lucid_audit_figures_free (c.figures);
  lucid_fairness_counts_free (c.copy);

  /* With a minimum above every group, the figures have nothing to
   * compare: NaN, and the reason says why. */
  Captured huge = { 0 };
  huge.config.convention = LUCID_AUDIT_CONVENTION_FAIRLEARN;
  huge.config.min_group_size = 1000;
  huge.config.level = 0.95;
  run_window (&huge, 0);
  f = find (huge.figures, "gender", NULL, "demographic_parity_ratio");
  g_assert_true (isnan (f->value));
  g_assert_cmpint (f->reason, ==, LUCID_FAIRNESS_TOO_SMALL);
  lucid_audit_figures_free (huge.figures);
  lucid_fairness_counts_free (huge.copy);
}

static void
test_figures_aif360_and_aequitas (void)
{
  char *priv[] = { (char *) "gender=m", NULL };
  char *unpriv[] = { (char *) "gender=f", NULL };
  char *groupings[] = { (char *) "gender", NULL };
  Captured c = { 0 };
  c.config.convention = LUCID_AUDIT_CONVENTION_AIF360;
  c.config.privileged = priv;
  c.config.unprivileged = unpriv;
  c.config.groupings = groupings;
  c.config.level = 0.9;
  c.config.ge_alpha = 2.0;
  run_window (&c, 0);
  LucidFairnessCell u, p;
  g_assert_true (lucid_fairness_counts_sum_matching (c.copy,
          (const char *const *) unpriv, 1, &u, NULL));
  g_assert_true (lucid_fairness_counts_sum_matching (c.copy,
          (const char *const *) priv, 1, &p, NULL));
  const LucidAuditFigure *f = find (c.figures, "", NULL, "disparate_impact");
  g_assert_cmpfloat (f->value, ==, lucid_aif360_figure (&u, &p,
          LUCID_AIF360_DISPARATE_IMPACT).value);
  g_assert_true (isnan (f->lower));     /* n_boot 0: no interval */
  /* Inequality indices: whole window, between the sets, between groups. */
  LucidFairnessCell total;
  lucid_fairness_counts_total (c.copy, &total);
  f = find (c.figures, "", NULL, "theil_index");
  g_assert_cmpfloat (f->value, ==, lucid_aif360_theil_index (&total).value);
  f = find (c.figures, "", NULL, "generalized_entropy_index");
  g_assert_cmpfloat (f->value, ==,
      lucid_aif360_generalized_entropy_index (&total, 2.0).value);
  LucidFairnessValue bg;
  g_assert_true (lucid_aif360_between_group_generalized_entropy_index
      (c.copy, (const char *const *) unpriv, 1, (const char *const *) priv, 1,
          1.0, &bg, NULL));
  f = find (c.figures, "", NULL, "between_group_theil_index");
  g_assert_cmpfloat (f->value, ==, bg.value);
  const char *gender_attr[] = { "gender" };
  g_autoptr (LucidFairnessCounts) by_g = lucid_fairness_counts_project
      (c.copy, gender_attr, 1, NULL);
  f = find (c.figures, "gender", NULL,
      "between_all_groups_coefficient_of_variation");
  g_assert_cmpfloat (f->value, ==, lucid_aif360_cv_from_ge2
      (lucid_aif360_between_all_groups_generalized_entropy_index (by_g,
              2.0)).value);
  /* Only the one grouping asked for. */
  g_assert_null (find (c.figures, "age", "age=a", "tpr"));
  g_assert_nonnull (find (c.figures, "gender", "gender=m", "tpr"));
  lucid_audit_figures_free (c.figures);
  lucid_fairness_counts_free (c.copy);

  Captured a = { 0 };
  a.config.convention = LUCID_AUDIT_CONVENTION_AEQUITAS;
  a.config.groupings = groupings;
  a.config.reference = LUCID_AEQUITAS_REF_MAJORITY;
  a.config.level = 0.95;
  a.single_check = TRUE;
  run_window (&a, 20);
  const char *attrs_gender[] = { "gender" };
  g_autoptr (LucidFairnessCounts) by_gender = lucid_fairness_counts_project
      (a.copy, attrs_gender, 1, NULL);
  LucidFairnessValue d;
  g_assert_true (lucid_aequitas_disparity (by_gender, "gender=m",
          LUCID_AEQUITAS_FPR, LUCID_AEQUITAS_REF_MAJORITY, NULL, 0, &d, NULL));
  f = find (a.figures, "gender", "gender=m", "fpr_disparity");
  g_assert_cmpfloat (f->value, ==, d.value);
  g_assert_cmpuint (f->n_boot_valid, >, 0);
  /* The many-figures pass gives exactly the one-figure interval. */
  g_assert_cmpuint (f->n_boot_valid, ==, a.single_valid);
  g_assert_cmpfloat (f->lower, ==, a.single_lower);
  g_assert_cmpfloat (f->upper, ==, a.single_upper);
  g_assert_nonnull (find (a.figures, "gender", "gender=f", "ppr"));
  lucid_audit_figures_free (a.figures);
  lucid_fairness_counts_free (a.copy);
}

/* Default groupings: every subset up to 4 attributes (15 with 4); above
 * that, each attribute alone and all of them together. */
static void
test_default_groupings (void)
{
  for (guint k = 4; k <= 5; k++) {
    Captured c = { 0 };
    c.config.convention = LUCID_AUDIT_CONVENTION_FAIRLEARN;
    c.config.level = 0.95;
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 2, 2, 0, LUCID_AUDIT_LATE_CLAMP, 0, 1 };
    g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&wc, capture,
        &c, NULL, NULL);
    const char *keys[2][2] = {
      {"a=0;b=0;c=0;d=0", "a=0;b=0;c=0;d=0;e=0"},
      {"a=1;b=1;c=1;d=1", "a=1;b=1;c=1;d=1;e=1"},
    };
    for (guint i = 0; i < 2; i++)
      g_assert_true (lucid_audit_window_update (w, keys[i][k - 4], 0, TRUE,
              i == 0, 1.0, NULL));
    g_assert_nonnull (c.figures);
    g_autoptr (GHashTable) groupings = g_hash_table_new (g_str_hash,
        g_str_equal);
    for (guint i = 0; i < c.figures->groups->len; i++)
      g_hash_table_add (groupings,
          ((LucidAuditGroup *) c.figures->groups->pdata[i])->grouping);
    g_assert_cmpuint (g_hash_table_size (groupings), ==, k == 4 ? 15 : 6);
    g_assert_true ((k == 4) == g_hash_table_contains (groupings, "b;d"));
    g_assert_true (k == 4 || g_hash_table_contains (groupings, "a;b;c;d;e"));
    g_assert_true (k == 5 || !g_hash_table_contains (groupings, "a;b;c;d;e"));
    lucid_audit_figures_free (c.figures);
    lucid_fairness_counts_free (c.copy);
  }
}

/* min-group-size per kind of figure (docs/audit.md, "Minimum group
 * size"): gender=m has 12 events but only 3 with truth, so with a minimum
 * of 5 it is too small for the truth-based figures only — its selection
 * rate is a number and it is in demographic parity, its TPR is NaN /
 * too-small and equal opportunity compares gender=f alone.  And ppr's
 * Wilson interval is that of the group's share pp / k. */
static void
test_figures_missing_truth (void)
{
  for (int conv = 0; conv < 2; conv++) {
    Captured c = { 0 };
    c.config.convention = conv ? LUCID_AUDIT_CONVENTION_AEQUITAS
        : LUCID_AUDIT_CONVENTION_FAIRLEARN;
    c.config.min_group_size = 5;
    c.config.level = 0.95;
    char *groupings[] = { (char *) "gender", NULL };
    c.config.groupings = groupings;
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 32, 32, 0, LUCID_AUDIT_LATE_CLAMP, 20, 3
    };
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&wc, capture, &c,
        NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < 20; i++)      /* gender=f: truth for all */
      g_assert_true (lucid_audit_window_update_event (w, "gender=f", 0,
              i % 2, i % 3 == 0, 1.0, &error));
    for (guint i = 0; i < 12; i++)      /* gender=m: truth for 3 */
      g_assert_true (lucid_audit_window_update_event (w, "gender=m", 0,
              i < 3 ? LUCID_FAIRNESS_TRUTH_POSITIVE
              : LUCID_FAIRNESS_TRUTH_UNKNOWN, i % 2 == 0, 1.0, &error));
    g_assert_nonnull (c.figures);

    const LucidAuditGroup *m = NULL;
    for (guint i = 0; i < c.figures->groups->len; i++) {
      const LucidAuditGroup *g = c.figures->groups->pdata[i];
      if (!strcmp (g->group, "gender=m"))
        m = g;
    }
    g_assert_nonnull (m);
    g_assert_cmpuint (m->n, ==, 3);
    g_assert_cmpuint (m->n_no_truth, ==, 9);
    g_assert_cmpfloat (m->pp_no_truth, ==, 4.0);     /* i = 4, 6, 8, 10 */
    g_assert_cmpfloat (m->pn_no_truth, ==, 5.0);
    g_assert_false (m->too_small);
    g_assert_true (m->too_small_truth);

    if (!conv) {
      const LucidAuditFigure *f = find (c.figures, "gender", "gender=m",
          "selection_rate");
      g_assert_cmpint (f->reason, ==, LUCID_FAIRNESS_OK);
      g_assert_cmpfloat_with_epsilon (f->value, 6.0 / 12, 1e-15);
      g_assert_false (isnan (f->lower));
      f = find (c.figures, "gender", "gender=m", "tpr");
      g_assert_true (isnan (f->value));
      g_assert_cmpint (f->reason, ==, LUCID_FAIRNESS_TOO_SMALL);
      g_assert_true (isnan (f->lower));
      /* DP over both groups; equal opportunity over gender=f alone: one
       * group, difference 0. */
      g_autoptr (LucidFairnessCounts) both = lucid_fairness_counts_project
          (c.copy, (const char *[]) {"gender"}, 1, NULL);
      f = find (c.figures, "gender", NULL, "demographic_parity_difference");
      g_assert_cmpfloat (f->value, ==, lucid_fairlearn_figure (both,
              LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
              LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE).value);
      g_assert_cmpfloat (f->value, >, 0.0);
      f = find (c.figures, "gender", NULL, "equal_opportunity_difference");
      g_assert_cmpfloat (f->value, ==, 0.0);
      g_assert_cmpuint (f->n_boot_valid, >, 0);
    } else {
      /* ppr: m selects 6 of the k = 7 + 6 = 13 predicted positives. */
      const LucidAuditFigure *f = find (c.figures, "gender", "gender=m",
          "ppr");
      g_assert_cmpfloat_with_epsilon (f->value, 6.0 / 13, 1e-15);
      double lo, hi;
      g_assert_true (lucid_fairness_wilson_ratio (6.0, 13.0, 0.95, &lo, &hi));
      g_assert_cmpfloat (f->lower, ==, lo);
      g_assert_cmpfloat (f->upper, ==, hi);
      g_assert_true (lo < f->value && f->value < hi);
      /* pprev and its disparity count all events; tpr's does not exist
       * for the too-small m. */
      g_assert_nonnull (find (c.figures, "gender", "gender=m",
              "pprev_disparity"));
      g_assert_null (find (c.figures, "gender", "gender=m",
              "tpr_disparity"));
      f = find (c.figures, "gender", "gender=m", "tpr");
      g_assert_cmpint (f->reason, ==, LUCID_FAIRNESS_TOO_SMALL);
    }
    lucid_audit_figures_free (c.figures);
    lucid_fairness_counts_free (c.copy);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit-alert/parse-good", test_parse_good);
  g_test_add_func ("/audit-alert/parse-bad", test_parse_bad);
  g_test_add_func ("/audit-alert/holds", test_holds);
  g_test_add_func ("/audit-figures/fairlearn", test_figures_fairlearn);
  g_test_add_func ("/audit-figures/missing-truth",
      test_figures_missing_truth);
  g_test_add_func ("/audit-figures/default-groupings",
      test_default_groupings);
  g_test_add_func ("/audit-figures/aif360-and-aequitas",
      test_figures_aif360_and_aequitas);
  return g_test_run ();
}
