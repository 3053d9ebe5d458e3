/* test-inequality.c — AIF360's generalized entropy index, Theil index and
 * coefficient of variation (plain, between the privileged/unprivileged
 * sets, between all groups) from Lucid's counts equal AIF360's on the
 * golden synthetic data (tools/make_fairness_goldens.py, versions inside
 * the golden) to 1e-9, with +inf and NaN exactly where AIF360 has them.
 * AIF360 ignores instance weights for these indices, so the rows are fed
 * with unit weights; a second pass checks that integer weights equal rows
 * repeated.
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
static guint n_compared;

static void
assert_figure (const char *what, LucidFairnessValue got, JsonNode *node)
{
  double want = lucid_test_golden_number (node);
  n_compared++;
  if (isnan (want)) {
    if (!isnan (got.value))
      g_error ("%s: want NaN, got %.17g", what, got.value);
    if (got.reason == LUCID_FAIRNESS_OK)
      g_error ("%s: NaN without a reason", what);
    return;
  }
  if (isinf (want)) {
    if (got.value != want || got.reason != LUCID_FAIRNESS_DIVIDE_BY_ZERO)
      g_error ("%s: want %g, got %.17g", what, want, got.value);
    return;
  }
  if (!(fabs (got.value - want) <= TOL))
    g_error ("%s: want %.17g, got %.17g (diff %.3g)", what, want, got.value,
        fabs (got.value - want));
}

static const char *
attribute_value (JsonObject *attrs, const char *name, guint row)
{
  JsonObject *a = json_object_get_object_member (attrs, name);
  JsonArray *codes = json_object_get_array_member (a, "codes");
  JsonArray *values = json_object_get_array_member (a, "values");
  return json_array_get_string_element (values,
      (guint) json_array_get_int_element (codes, row));
}

/* Every golden row under its full key, with weight @weight_of (row). */
static LucidFairnessCounts *
counts_from_golden (double (*weight_of) (guint row))
{
  JsonObject *in = json_object_get_object_member (golden, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *yp = json_object_get_array_member (in, "y_pred");
  LucidFairnessCounts *counts = lucid_fairness_counts_new ();
  for (guint i = 0; i < json_array_get_length (yt); i++) {
    g_autofree char *gender = g_strdup_printf ("gender=%s",
        attribute_value (attrs, "gender", i));
    g_autofree char *age = g_strdup_printf ("age=%s",
        attribute_value (attrs, "age", i));
    g_autofree char *region = g_strdup_printf ("region=%s",
        attribute_value (attrs, "region", i));
    const char *pairs[] = { gender, region, age };
    g_autoptr (GError) error = NULL;
    g_autofree char *key = lucid_fairness_group_key (pairs, 3, &error);
    LucidFairnessTruth truth = json_array_get_null_element (yt, i)
        ? LUCID_FAIRNESS_TRUTH_UNKNOWN
        : json_array_get_int_element (yt, i) != 0
        ? LUCID_FAIRNESS_TRUTH_POSITIVE : LUCID_FAIRNESS_TRUTH_NEGATIVE;
    g_assert_true (lucid_fairness_update_event (counts, key, truth,
            json_array_get_int_element (yp, i) != 0, weight_of (i), &error));
  }
  return counts;
}

static double
unit_weight (guint row)
{
  return 1.0;
}

static void
check_all (const LucidFairnessCounts *counts, const char *label)
{
  JsonObject *ineq = json_object_get_object_member (golden,
      "aif360_inequality");
  JsonArray *alphas = json_object_get_array_member (ineq, "alphas");
  JsonObject *ge = json_object_get_object_member (ineq,
      "generalized_entropy_index");
  JsonObject *ball = json_object_get_object_member (ineq,
      "between_all_groups_generalized_entropy_index");
  LucidFairnessCell total;
  lucid_fairness_counts_total (counts, &total);

  for (guint a = 0; a < json_array_get_length (alphas); a++) {
    double alpha = json_array_get_double_element (alphas, a);
    char key[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf (key, sizeof key, "%.1f", alpha);
    g_autofree char *what = g_strdup_printf ("%s GE(%s)", label, key);
    assert_figure (what, lucid_aif360_generalized_entropy_index (&total,
            alpha), json_object_get_member (ge, key));
    g_autofree char *what2 = g_strdup_printf ("%s between-all GE(%s)", label,
        key);
    assert_figure (what2,
        lucid_aif360_between_all_groups_generalized_entropy_index (counts,
            alpha), json_object_get_member (ball, key));
  }
  assert_figure ("theil", lucid_aif360_theil_index (&total),
      json_object_get_member (ineq, "theil_index"));
  assert_figure ("cv", lucid_aif360_coefficient_of_variation (&total),
      json_object_get_member (ineq, "coefficient_of_variation"));
  assert_figure ("between-all theil",
      lucid_aif360_between_all_groups_generalized_entropy_index (counts, 1.0),
      json_object_get_member (ineq, "between_all_groups_theil_index"));
  assert_figure ("between-all cv", lucid_aif360_cv_from_ge2
      (lucid_aif360_between_all_groups_generalized_entropy_index (counts,
              2.0)), json_object_get_member (ineq,
          "between_all_groups_coefficient_of_variation"));

  JsonArray *cases = json_object_get_array_member (golden, "aif360");
  for (guint c = 0; c < json_array_get_length (cases); c++) {
    JsonObject *kase = json_array_get_object_element (cases, c);
    JsonObject *want = json_object_get_object_member (kase, "figures");
    JsonArray *pj = json_object_get_array_member (kase, "privileged");
    JsonArray *uj = json_object_get_array_member (kase, "unprivileged");
    const char *priv[8], *unpriv[8];
    guint np = json_array_get_length (pj), nu = json_array_get_length (uj);
    for (guint i = 0; i < np; i++)
      priv[i] = json_array_get_string_element (pj, i);
    for (guint i = 0; i < nu; i++)
      unpriv[i] = json_array_get_string_element (uj, i);
    JsonObject *bg = json_object_get_object_member (want,
        "between_group_generalized_entropy_index");
    for (guint a = 0; a < json_array_get_length (alphas); a++) {
      double alpha = json_array_get_double_element (alphas, a);
      char key[G_ASCII_DTOSTR_BUF_SIZE];
      g_snprintf (key, sizeof key, "%.1f", alpha);
      LucidFairnessValue v;
      g_autoptr (GError) error = NULL;
      g_assert_true (lucid_aif360_between_group_generalized_entropy_index
          (counts, unpriv, nu, priv, np, alpha, &v, &error));
      g_autofree char *what = g_strdup_printf ("%s %s between-group GE(%s)",
          label, json_object_get_string_member (kase, "name"), key);
      assert_figure (what, v, json_object_get_member (bg, key));
      if (alpha == 1.0)
        assert_figure (what, v, json_object_get_member (want,
                "between_group_theil_index"));
      if (alpha == 2.0)
        assert_figure (what, lucid_aif360_cv_from_ge2 (v),
            json_object_get_member (want,
                "between_group_coefficient_of_variation"));
    }
  }
}

static void
test_golden_unit_weights (void)
{
  guint before = n_compared;
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (unit_weight);
  check_all (counts, "unit");
  g_assert_cmpuint (n_compared - before, >=, 70);
  g_test_message ("%u figures compared", n_compared - before);
}

/* Rows 2k and 2k+1 merged into one event of weight 2 where they are the
 * same event (same key and outcome) — frequency weights; else fed as is. */
static void
test_integer_weights_equal_repeated_rows (void)
{
  JsonObject *in = json_object_get_object_member (golden, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *yp = json_object_get_array_member (in, "y_pred");
  g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  guint merged = 0;
  /* Each distinct (key, y, ŷ) once, weighted by its multiplicity. */
  for (guint i = 0; i < json_array_get_length (yt); i++) {
    g_autofree char *id = g_strdup_printf ("age=%s;gender=%s;region=%s|%d%d",
        attribute_value (attrs, "age", i), attribute_value (attrs, "gender",
            i), attribute_value (attrs, "region", i),
        (int) json_array_get_int_element (yt, i),
        (int) json_array_get_int_element (yp, i));
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, id));
    g_hash_table_insert (seen, g_strdup (id), GUINT_TO_POINTER (n + 1));
  }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, seen);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    g_auto (GStrv) parts = g_strsplit (k, "|", 2);
    g_assert_true (lucid_fairness_update (counts, parts[0],
            parts[1][0] == '1', parts[1][1] == '1', GPOINTER_TO_UINT (v),
            NULL));
    merged++;
  }
  g_assert_cmpuint (merged, <, json_array_get_length (yt));
  check_all (counts, "weighted");
}

/* tools/make_missing_truth_goldens.py: a third of the rows lack truth; the
 * indices read the truth, so AIF360 ran on the rows with truth, and Lucid,
 * fed every row, must ignore the others. */
static JsonParser *missing_parser;

static void
test_golden_missing_truth (void)
{
  JsonObject *saved = golden;
  golden = lucid_test_load_golden ("fairness-missing-truth.json",
      &missing_parser);
  guint before = n_compared;
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (unit_weight);
  LucidFairnessCell total;
  lucid_fairness_counts_total (counts, &total);
  g_assert_cmpuint (total.n_no_truth, >, 0);
  check_all (counts, "missing-truth");
  g_assert_cmpuint (n_compared - before, >=, 70);
  g_test_message ("%u figures compared", n_compared - before);
  golden = saved;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden = lucid_test_load_golden ("fairness-synthetic.json", &golden_parser);
  g_test_add_func ("/inequality/golden-unit-weights",
      test_golden_unit_weights);
  g_test_add_func ("/inequality/integer-weights-equal-repeated-rows",
      test_integer_weights_equal_repeated_rows);
  g_test_add_func ("/inequality/missing-truth", test_golden_missing_truth);
  int ret = g_test_run ();
  g_clear_object (&golden_parser);
  g_clear_object (&missing_parser);
  return ret;
}
