/* test-fairness-real.c — Lucid's streaming figures equal Fairlearn's and
 * AIF360's on real data from Debian packages (ResumeNames and HMDA of
 * r-cran-aer, GermanCredit of r-cran-caret): per-group and overall rates,
 * Fairlearn's between-group figures for every attribute subset (both
 * methods, both aggregations), AIF360's group-set figures and inequality
 * indices, all to 1e-9 with NaN/inf where the references have them.
 *
 * tools/make_real_fairness_goldens.py wrote the rows
 * (tests/fixtures/goldens/real/NAME.csv) and the figures
 * (fairness-real.json, with the R, package and library versions).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "lucid-inequality.h"
#include "lucid-test-util.h"

#define TOL 1e-9

static JsonParser *golden_parser;
static JsonObject *golden;
static guint n_compared, n_nan;

static void
assert_figure (const char *what, LucidFairnessValue got, JsonNode *node)
{
  double want = lucid_test_golden_number (node);
  n_compared++;
  if (isnan (want)) {
    n_nan++;
    if (!isnan (got.value) || got.reason == LUCID_FAIRNESS_OK)
      g_error ("%s: want NaN with a reason, got %.17g", what, got.value);
    return;
  }
  if (isinf (want)) {
    if (got.value != want)
      g_error ("%s: want %g, got %.17g", what, want, got.value);
    return;
  }
  if (!(fabs (got.value - want) <= TOL))
    g_error ("%s: want %.17g, got %.17g (diff %.3g)", what, want, got.value,
        fabs (got.value - want));
}

/* The rows of a data set, each streamed as one unit-weight event under
 * its full key. */
static LucidFairnessCounts *
counts_from_csv (JsonObject *set)
{
  const char *dir = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *path = g_build_filename (dir, "goldens",
      json_object_get_string_member (set, "rows"), NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto (GStrv) header = g_strsplit (lines[0], ",", -1);
  g_assert_cmpuint (g_strv_length (header), ==, 5);
  g_assert_cmpstr (header[3], ==, "y_true");
  g_assert_cmpstr (header[4], ==, "y_pred");
  LucidFairnessCounts *counts = lucid_fairness_counts_new ();
  guint n = 0;
  for (guint i = 1; lines[i]; i++) {
    if (!*lines[i])
      continue;
    g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
    g_assert_cmpuint (g_strv_length (f), ==, 5);
    g_autofree char *p0 = g_strdup_printf ("%s=%s", header[0], f[0]);
    g_autofree char *p1 = g_strdup_printf ("%s=%s", header[1], f[1]);
    g_autofree char *p2 = g_strdup_printf ("%s=%s", header[2], f[2]);
    const char *pairs[] = { p0, p1, p2 };
    g_autofree char *key = lucid_fairness_group_key (pairs, 3, &error);
    g_assert_no_error (error);
    g_assert_true (lucid_fairness_update (counts, key, f[3][0] == '1',
            f[4][0] == '1', 1.0, &error));
    n++;
  }
  g_assert_cmpuint (n, ==, json_object_get_int_member (set, "n"));
  return counts;
}

static const struct {
  const char *name;
  LucidFairlearnFigure figure;
  LucidFairnessAggregation agg;
} fairlearn_figures[] = {
  {"demographic_parity_difference",
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE, LUCID_FAIRNESS_WORST_CASE},
  {"demographic_parity_ratio", LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
      LUCID_FAIRNESS_WORST_CASE},
  {"equal_opportunity_difference",
      LUCID_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE, LUCID_FAIRNESS_WORST_CASE},
  {"equal_opportunity_ratio", LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO,
      LUCID_FAIRNESS_WORST_CASE},
  {"equalized_odds_difference_worst_case",
      LUCID_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE, LUCID_FAIRNESS_WORST_CASE},
  {"equalized_odds_ratio_worst_case", LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO,
      LUCID_FAIRNESS_WORST_CASE},
  {"equalized_odds_difference_mean", LUCID_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE,
      LUCID_FAIRNESS_MEAN},
  {"equalized_odds_ratio_mean", LUCID_FAIRNESS_EQUALIZED_ODDS_RATIO,
      LUCID_FAIRNESS_MEAN},
};

static void
assert_rates (const char *where, const LucidFairnessCell *cell,
    JsonObject *want)
{
  for (LucidFairnessRate r = 0; r < LUCID_FAIRNESS_N_RATES; r++) {
    const char *name = lucid_fairness_rate_name (r);
    g_autofree char *what = g_strdup_printf ("%s %s", where, name);
    assert_figure (what, lucid_fairness_rate (cell, r,
            LUCID_FAIRNESS_FAIRLEARN), json_object_get_member (want, name));
  }
}

static void
check_partition (const char *set, const LucidFairnessCounts *counts,
    JsonObject *part)
{
  JsonArray *attrs = json_object_get_array_member (part, "attributes");
  const char *names[4] = { NULL };     /* NULL-terminated for the label */
  guint n = json_array_get_length (attrs);
  g_assert_cmpuint (n, <=, 3);
  for (guint a = 0; a < n; a++)
    names[a] = json_array_get_string_element (attrs, a);
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidFairnessCounts) proj = lucid_fairness_counts_project
      (counts, names, n, &error);
  g_assert_no_error (error);
  g_autofree char *label = g_strjoinv ("×", (char **) names);
  JsonObject *fl = json_object_get_object_member (part, "fairlearn");
  JsonObject *groups = json_object_get_object_member (fl, "groups");
  g_autoptr (GList) keys = json_object_get_members (groups);
  g_assert_cmpuint (g_list_length (keys), ==,
      lucid_fairness_counts_n_groups (proj));
  for (GList *l = keys; l; l = l->next) {
    g_autofree char *where = g_strdup_printf ("%s [%s] %s", set, label,
        (const char *) l->data);
    const LucidFairnessCell *cell = lucid_fairness_counts_lookup (proj,
        l->data);
    g_assert_nonnull (cell);
    assert_rates (where, cell, json_object_get_object_member (groups,
            l->data));
  }
  LucidFairnessCell total;
  lucid_fairness_counts_total (proj, &total);
  g_autofree char *where = g_strdup_printf ("%s [%s] overall", set, label);
  assert_rates (where, &total, json_object_get_object_member (fl, "overall"));
  const char *methods[] = { "between_groups", "to_overall" };
  for (guint m = 0; m < 2; m++) {
    JsonObject *want = json_object_get_object_member (fl, methods[m]);
    for (guint f = 0; f < G_N_ELEMENTS (fairlearn_figures); f++) {
      g_autofree char *what = g_strdup_printf ("%s [%s] %s %s", set, label,
          fairlearn_figures[f].name, methods[m]);
      assert_figure (what, lucid_fairlearn_figure (proj,
              fairlearn_figures[f].figure, m ? LUCID_FAIRNESS_TO_OVERALL
              : LUCID_FAIRNESS_BETWEEN_GROUPS, fairlearn_figures[f].agg),
          json_object_get_member (want, fairlearn_figures[f].name));
    }
  }
}

static const struct {
  const char *name;
  LucidAif360Figure figure;
} aif360_figures[] = {
  {"statistical_parity_difference",
      LUCID_AIF360_STATISTICAL_PARITY_DIFFERENCE},
  {"disparate_impact", LUCID_AIF360_DISPARATE_IMPACT},
  {"average_odds_difference", LUCID_AIF360_AVERAGE_ODDS_DIFFERENCE},
  {"average_abs_odds_difference", LUCID_AIF360_AVERAGE_ABS_ODDS_DIFFERENCE},
  {"equal_opportunity_difference", LUCID_AIF360_EQUAL_OPPORTUNITY_DIFFERENCE},
};

static void
check_aif360 (const char *set, const LucidFairnessCounts *counts,
    JsonObject *s)
{
  JsonArray *cases = json_object_get_array_member (s, "aif360");
  for (guint c = 0; c < json_array_get_length (cases); c++) {
    JsonObject *kase = json_array_get_object_element (cases, c);
    JsonArray *pj = json_object_get_array_member (kase, "privileged");
    JsonArray *uj = json_object_get_array_member (kase, "unprivileged");
    const char *priv[4], *unpriv[4];
    guint np = json_array_get_length (pj), nu = json_array_get_length (uj);
    for (guint i = 0; i < np; i++)
      priv[i] = json_array_get_string_element (pj, i);
    for (guint i = 0; i < nu; i++)
      unpriv[i] = json_array_get_string_element (uj, i);
    LucidFairnessCell p, u;
    g_assert_true (lucid_fairness_counts_sum_matching (counts, priv, np, &p,
            NULL));
    g_assert_true (lucid_fairness_counts_sum_matching (counts, unpriv, nu, &u,
            NULL));
    JsonObject *want = json_object_get_object_member (kase, "figures");
    const char *name = json_object_get_string_member (kase, "name");
    for (guint f = 0; f < G_N_ELEMENTS (aif360_figures); f++) {
      g_autofree char *what = g_strdup_printf ("%s aif360 %s %s", set, name,
          aif360_figures[f].name);
      assert_figure (what, lucid_aif360_figure (&u, &p,
              aif360_figures[f].figure), json_object_get_member (want,
              aif360_figures[f].name));
    }
    JsonObject *bg = json_object_get_object_member (want,
        "between_group_generalized_entropy_index");
    g_autoptr (GList) alphas = json_object_get_members (bg);
    for (GList *l = alphas; l; l = l->next) {
      LucidFairnessValue v;
      g_assert_true (lucid_aif360_between_group_generalized_entropy_index
          (counts, unpriv, nu, priv, np, g_ascii_strtod (l->data, NULL), &v,
              NULL));
      g_autofree char *what = g_strdup_printf ("%s aif360 %s between GE(%s)",
          set, name, (const char *) l->data);
      assert_figure (what, v, json_object_get_member (bg, l->data));
    }
  }

  JsonObject *ineq = json_object_get_object_member (s, "aif360_inequality");
  LucidFairnessCell total;
  lucid_fairness_counts_total (counts, &total);
  JsonObject *ge = json_object_get_object_member (ineq,
      "generalized_entropy_index");
  JsonObject *ball = json_object_get_object_member (ineq,
      "between_all_groups_generalized_entropy_index");
  g_autoptr (GList) alphas = json_object_get_members (ge);
  for (GList *l = alphas; l; l = l->next) {
    double alpha = g_ascii_strtod (l->data, NULL);
    g_autofree char *what = g_strdup_printf ("%s GE(%s)", set,
        (const char *) l->data);
    assert_figure (what, lucid_aif360_generalized_entropy_index (&total,
            alpha), json_object_get_member (ge, l->data));
    g_autofree char *what2 = g_strdup_printf ("%s between-all GE(%s)", set,
        (const char *) l->data);
    assert_figure (what2,
        lucid_aif360_between_all_groups_generalized_entropy_index (counts,
            alpha), json_object_get_member (ball, l->data));
  }
  assert_figure ("theil", lucid_aif360_theil_index (&total),
      json_object_get_member (ineq, "theil_index"));
  assert_figure ("cv", lucid_aif360_coefficient_of_variation (&total),
      json_object_get_member (ineq, "coefficient_of_variation"));
}

static void
test_dataset (gconstpointer data)
{
  const char *name = data;
  JsonArray *sets = json_object_get_array_member (golden, "datasets");
  JsonObject *s = NULL;
  for (guint i = 0; i < json_array_get_length (sets); i++)
    if (!strcmp (json_object_get_string_member
            (json_array_get_object_element (sets, i), "name"), name))
      s = json_array_get_object_element (sets, i);
  g_assert_nonnull (s);
  guint before = n_compared;
  g_autoptr (LucidFairnessCounts) counts = counts_from_csv (s);
  JsonArray *parts = json_object_get_array_member (s, "partitions");
  g_assert_cmpuint (json_array_get_length (parts), ==, 7);
  for (guint p = 0; p < json_array_get_length (parts); p++)
    check_partition (name, counts, json_array_get_object_element (parts, p));
  check_aif360 (name, counts, s);
  g_assert_cmpuint (n_compared - before, >, 500);
  g_test_message ("%s: %u figures compared (%u NaN so far)", name,
      n_compared - before, n_nan);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden = lucid_test_load_golden ("fairness-real.json", &golden_parser);
  g_test_add_data_func ("/fairness-real/resumenames", "resumenames",
      test_dataset);
  g_test_add_data_func ("/fairness-real/hmda", "hmda", test_dataset);
  g_test_add_data_func ("/fairness-real/germancredit", "germancredit",
      test_dataset);
  int ret = g_test_run ();
  g_clear_object (&golden_parser);
  return ret;
}
