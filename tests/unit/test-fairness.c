/* test-fairness.c — Lucid's streaming fairness figures equal Fairlearn's and
 * AIF360's.
 *
 * The golden file tests/fixtures/goldens/fairness-synthetic.json comes from
 * tools/make_fairness_goldens.py (library versions inside it).  Its inputs
 * are fed through lucid_fairness_update() one event at a time under the full
 * three-attribute key; every grouping is then a projection of those cells.
 * Each per-group rate and each between-group figure must equal the reference
 * to 1e-9 absolute, and be NaN exactly where the reference is NaN (null in
 * the JSON) and ±inf exactly where it is ("inf"/"-inf").
 *
 * tests/fixtures/goldens/fairness-missing-truth.json (from
 * tools/make_missing_truth_goldens.py) has the same shape; a third of its
 * rows have no truth (y_true null, fed as LUCID_FAIRNESS_TRUTH_UNKNOWN),
 * and its figures are the libraries' on all rows for the prediction-only
 * ones (selection rate, demographic parity, statistical parity difference,
 * disparate impact) and on the rows with truth for the others.  The same
 * checks run on it (/fairness/missing-truth/...).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "lucid-error.h"
#include "lucid-test-util.h"
#include "lucid-fairness.h"

#define TOL 1e-9

static JsonParser *golden_parser, *missing_parser;
#define SYNTHETIC "fairness-synthetic.json"
#define MISSING_TRUTH "fairness-missing-truth.json"

static JsonObject *
load_golden_file (const char *name)
{
  if (!strcmp (name, MISSING_TRUTH))
    return lucid_test_golden_once (name, &missing_parser);
  return lucid_test_golden_once (name, &golden_parser);
}

static JsonObject *
load_golden (void)
{
  return load_golden_file (SYNTHETIC);
}
static guint n_compared;

static void
assert_figure (const char *what, LucidFairnessValue got, JsonNode * node)
{
  n_compared++;
  if (isnan (lucid_test_assert_golden_number (what, got.value, node, TOL))
      && got.reason == LUCID_FAIRNESS_OK)
    g_error ("%s: NaN without a reason", what);
}

/* Feeds every golden row, one event at a time, under its full key. */
static LucidFairnessCounts *
counts_from_golden (JsonObject * g)
{
  JsonObject *in = json_object_get_object_member (g, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *yp = json_object_get_array_member (in, "y_pred");
  JsonArray *w = json_object_get_array_member (in, "weight");
  LucidFairnessCounts *counts = lucid_fairness_counts_new ();

  for (guint i = 0; i < json_array_get_length (yt); i++) {
    g_autofree char *gender = lucid_test_golden_attribute (attrs, "gender", i);
    g_autofree char *age = lucid_test_golden_attribute (attrs, "age", i);
    g_autofree char *region = lucid_test_golden_attribute (attrs, "region", i);
    const char *pairs[] = { gender, region, age };
    g_autoptr (GError) error = NULL;
    g_autofree char *key = lucid_fairness_group_key (pairs, 3, &error);
    g_assert_no_error (error);
    /* y_true null: an event without truth */
    LucidFairnessTruth truth = json_array_get_null_element (yt, i)
        ? LUCID_FAIRNESS_TRUTH_UNKNOWN
        : json_array_get_int_element (yt, i) != 0
        ? LUCID_FAIRNESS_TRUTH_POSITIVE : LUCID_FAIRNESS_TRUTH_NEGATIVE;
    g_assert_true (lucid_fairness_update_event (counts, key, truth,
            json_array_get_int_element (yp, i) != 0,
            json_array_get_double_element (w, i), &error));
    g_assert_no_error (error);
  }
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
assert_rates (const char *where, const LucidFairnessCell * cell,
    JsonObject * want, LucidFairnessConvention convention)
{
  for (LucidFairnessRate r = 0; r < LUCID_FAIRNESS_N_RATES; r++) {
    const char *name = lucid_fairness_rate_name (r);
    g_autofree char *what = g_strdup_printf ("%s %s", where, name);
    g_assert_true (json_object_has_member (want, name));
    assert_figure (what, lucid_fairness_rate (cell, r, convention),
        json_object_get_member (want, name));
  }
}

/* Fairlearn's figures and MetricFrame rates of one grouping. */
static void
check_fairlearn (const char *label, const LucidFairnessCounts * part,
    JsonObject * fl)
{
  JsonObject *groups = json_object_get_object_member (fl, "groups");
  g_autoptr (GList) names = json_object_get_members (groups);

  /* MetricFrame lists exactly the observed groups. */
  guint observed = 0;
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (part);
  for (guint i = 0; i < keys->len; i++)
    observed += lucid_fairness_cell_n_events (lucid_fairness_counts_lookup
        (part, keys->pdata[i])) > 0;
  g_assert_cmpuint (observed, ==, g_list_length (names));

  for (GList * l = names; l; l = l->next) {
    const LucidFairnessCell *cell = lucid_fairness_counts_lookup (part,
        l->data);
    g_autofree char *where = g_strdup_printf ("[%s] fairlearn %s", label,
        (const char *) l->data);
    g_assert_nonnull (cell);
    assert_rates (where, cell, json_object_get_object_member (groups,
            l->data), LUCID_FAIRNESS_FAIRLEARN);
  }
  LucidFairnessCell total;
  lucid_fairness_counts_total (part, &total);
  g_autofree char *where = g_strdup_printf ("[%s] fairlearn overall", label);
  assert_rates (where, &total, json_object_get_object_member (fl, "overall"),
      LUCID_FAIRNESS_FAIRLEARN);

  static const struct {
    const char *name;
    LucidFairnessMethod method;
  } methods[] = {
    {"between_groups", LUCID_FAIRNESS_BETWEEN_GROUPS},
    {"to_overall", LUCID_FAIRNESS_TO_OVERALL},
  };
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++) {
    JsonObject *want = json_object_get_object_member (fl, methods[m].name);
    for (guint f = 0; f < G_N_ELEMENTS (fairlearn_figures); f++) {
      g_autofree char *what = g_strdup_printf ("[%s] %s %s", label,
          fairlearn_figures[f].name, methods[m].name);
      assert_figure (what, lucid_fairlearn_figure (part,
              fairlearn_figures[f].figure, methods[m].method,
              fairlearn_figures[f].agg),
          json_object_get_member (want, fairlearn_figures[f].name));
    }
  }
}

static void
test_golden_partitions (gconstpointer file)
{
  JsonObject *g = load_golden_file (file);
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (g);
  JsonArray *parts = json_object_get_array_member (g, "partitions");
  guint before = n_compared;

  g_assert_cmpuint (json_array_get_length (parts), ==, 7);
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    JsonArray *attrs = json_object_get_array_member (part, "attributes");
    const char *names[3];
    GString *label = g_string_new (NULL);
    guint n = json_array_get_length (attrs);
    for (guint a = 0; a < n; a++) {
      names[a] = json_array_get_string_element (attrs, a);
      g_string_append_printf (label, "%s%s", a ? "×" : "", names[a]);
    }
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidFairnessCounts) proj =
        lucid_fairness_counts_project (counts, names, n, &error);
    g_assert_no_error (error);

    check_fairlearn (label->str, proj,
        json_object_get_object_member (part, "fairlearn"));

    /* AIF360 rates of each group key (incl. the empty gender=x), as a
     * condition over the full cells. */
    JsonObject *aif = json_object_get_object_member (part, "aif360_groups");
    g_autoptr (GList) keys = json_object_get_members (aif);
    for (GList * l = keys; l; l = l->next) {
      const char *cond[] = { l->data };
      LucidFairnessCell sum;
      g_assert_true (lucid_fairness_counts_sum_matching (counts, cond, 1,
              &sum, &error));
      g_autofree char *where = g_strdup_printf ("[%s] aif360 %s", label->str,
          (const char *) l->data);
      assert_rates (where, &sum, json_object_get_object_member (aif,
              l->data), LUCID_FAIRNESS_AIF360);
    }
    g_string_free (label, TRUE);
  }
  g_test_message ("%u figures compared", n_compared - before);
}

static gsize
string_array (JsonArray * a, const char **out, gsize max)
{
  gsize n = json_array_get_length (a);
  g_assert_cmpuint (n, <=, max);
  for (gsize i = 0; i < n; i++)
    out[i] = json_array_get_string_element (a, (guint) i);
  return n;
}

static void
test_golden_aif360 (gconstpointer file)
{
  static const struct {
    const char *name;
    LucidAif360Figure figure;
  } figures[] = {
    {"statistical_parity_difference",
        LUCID_AIF360_STATISTICAL_PARITY_DIFFERENCE},
    {"disparate_impact", LUCID_AIF360_DISPARATE_IMPACT},
    {"average_odds_difference", LUCID_AIF360_AVERAGE_ODDS_DIFFERENCE},
    {"average_abs_odds_difference", LUCID_AIF360_AVERAGE_ABS_ODDS_DIFFERENCE},
    {"equal_opportunity_difference",
        LUCID_AIF360_EQUAL_OPPORTUNITY_DIFFERENCE},
  };
  JsonObject *g = load_golden_file (file);
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (g);
  JsonArray *cases = json_object_get_array_member (g, "aif360");
  guint before = n_compared, n_nan = 0;

  for (guint c = 0; c < json_array_get_length (cases); c++) {
    JsonObject *kase = json_array_get_object_element (cases, c);
    const char *priv[8], *unpriv[8];
    gsize np = string_array (json_object_get_array_member (kase,
            "privileged"), priv, 8);
    gsize nu = string_array (json_object_get_array_member (kase,
            "unprivileged"), unpriv, 8);
    LucidFairnessCell p, u;
    g_autoptr (GError) error = NULL;
    g_assert_true (lucid_fairness_counts_sum_matching (counts, priv, np, &p,
            &error));
    g_assert_true (lucid_fairness_counts_sum_matching (counts, unpriv, nu, &u,
            &error));
    JsonObject *want = json_object_get_object_member (kase, "figures");
    for (guint f = 0; f < G_N_ELEMENTS (figures); f++) {
      g_autofree char *what = g_strdup_printf ("aif360 %s %s",
          json_object_get_string_member (kase, "name"), figures[f].name);
      JsonNode *node = json_object_get_member (want, figures[f].name);
      n_nan += JSON_NODE_HOLDS_NULL (node);
      assert_figure (what, lucid_aif360_figure (&u, &p, figures[f].figure),
          node);
    }
  }
  /* The cases must exercise NaN (empty sets, a set without positives). */
  g_assert_cmpuint (n_nan, >=, 10);
  g_test_message ("%u figures compared, %u NaN", n_compared - before, n_nan);
}

/* The small single-attribute cases where Fairlearn itself answers NaN. */
static void
test_golden_fairlearn_nan (void)
{
  JsonObject *g = load_golden ();
  JsonArray *cases = json_object_get_array_member (g, "edge_cases");
  for (guint c = 0; c < json_array_get_length (cases); c++) {
    JsonObject *kase = json_array_get_object_element (cases, c);
    JsonArray *group = json_object_get_array_member (kase, "group");
    JsonArray *yt = json_object_get_array_member (kase, "y_true");
    JsonArray *yp = json_object_get_array_member (kase, "y_pred");
    JsonArray *w = json_object_get_array_member (kase, "weight");
    g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
    for (guint i = 0; i < json_array_get_length (group); i++) {
      g_autofree char *key = g_strdup_printf ("group=%s",
          json_array_get_string_element (group, i));
      g_assert_true (lucid_fairness_update (counts, key,
              json_array_get_int_element (yt, i) != 0,
              json_array_get_int_element (yp, i) != 0,
              json_array_get_double_element (w, i), NULL));
    }
    check_fairlearn (json_object_get_string_member (kase, "name"), counts,
        json_object_get_object_member (kase, "fairlearn"));
  }
  /* Python's min() keeps a NaN TPR ratio over a finite FPR ratio. */
  JsonObject *first = json_array_get_object_element (cases, 0);
  JsonObject *bg = json_object_get_object_member (json_object_get_object_member
      (first, "fairlearn"), "between_groups");
  g_assert_true (json_object_get_null_member (bg,
          "equalized_odds_ratio_worst_case"));
  g_assert_false (json_object_get_null_member (bg,
          "equalized_odds_ratio_mean"));
}

static void
test_update_does_not_allocate (void)
{
  JsonObject *g = load_golden ();
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (g);
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  guint n_groups = lucid_fairness_counts_n_groups (counts);
  g_assert_cmpuint (n_groups, ==, 12);
  g_autofree LucidFairnessCell **cells = g_new (LucidFairnessCell *,
      keys->len);
  g_autofree char **key_copy = g_new0 (char *, keys->len + 1);
  for (guint i = 0; i < keys->len; i++) {
    key_copy[i] = g_strdup (keys->pdata[i]);
    cells[i] = lucid_fairness_counts_ensure_group (counts, key_copy[i]);
  }

  /* A second pass over known groups: no new group, every cell stays where
   * it was, and (glibc, no sanitizer) the heap in use does not change. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  struct mallinfo2 before = mallinfo2 ();
#endif
  for (guint rep = 0; rep < 1000; rep++)
    for (guint i = 0; i < keys->len; i++)
      g_assert_true (lucid_fairness_update (counts, key_copy[i], rep & 1,
              rep & 2, 0.5, NULL));
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  struct mallinfo2 after = mallinfo2 ();
  g_assert_cmpuint (after.uordblks, ==, before.uordblks);
#endif
  g_assert_cmpuint (lucid_fairness_counts_n_groups (counts), ==, n_groups);
  for (guint i = 0; i < keys->len; i++)
    g_assert_true (lucid_fairness_counts_lookup (counts, key_copy[i]) ==
        cells[i]);
  g_strfreev (g_steal_pointer (&key_copy));
}

static void
test_update_rejects_bad_weight (void)
{
  g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
  const double bad[] = { -1.0, NAN, INFINITY };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (lucid_fairness_update (counts, "g=a", TRUE, TRUE, bad[i],
            &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  }
  g_assert_cmpuint (lucid_fairness_counts_n_groups (counts), ==, 0);
}

static void
test_intersection_keys (void)
{
  const char *pairs[] = { "region=n", "gender=f", "age=30-39" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) keys = lucid_fairness_intersection_keys (pairs, 3,
      &error);
  g_assert_no_error (error);
  const char *want[] = {
    "age=30-39", "gender=f", "region=n",
    "age=30-39;gender=f", "age=30-39;region=n", "gender=f;region=n",
    "age=30-39;gender=f;region=n",
  };
  g_assert_cmpuint (keys->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < keys->len; i++)
    g_assert_cmpstr (keys->pdata[i], ==, want[i]);

  g_autofree char *key = lucid_fairness_group_key (pairs, 3, &error);
  g_assert_cmpstr (key, ==, "age=30-39;gender=f;region=n");

  /* "age" sorts before "age2" whatever follows the name. */
  const char *prefix[] = { "age2=x", "age=y" };
  g_autofree char *k2 = lucid_fairness_group_key (prefix, 2, &error);
  g_assert_cmpstr (k2, ==, "age=y;age2=x");

  const char *dup[] = { "gender=f", "gender=m" };
  g_assert_null (lucid_fairness_intersection_keys (dup, 2, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  const char *no_eq[] = { "gender" };
  g_assert_null (lucid_fairness_group_key (no_eq, 1, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  const char *semi[] = { "gender=f;age=3" };
  g_assert_null (lucid_fairness_group_key (semi, 1, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
}

static void
test_projection_needs_attribute (void)
{
  g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
  g_assert_true (lucid_fairness_update (counts, "age=1;gender=f", TRUE, TRUE,
          1.0, NULL));
  g_assert_true (lucid_fairness_update (counts, "gender=f", TRUE, FALSE, 1.0,
          NULL));
  const char *attrs[] = { "age" };
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidFairnessCounts) p = lucid_fairness_counts_project (counts,
      attrs, 1, &error);
  g_assert_null (p);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'gender=f'"));
}

/* Wilson intervals against statsmodels' proportion_confint(method="wilson")
 * and z against scipy's norm.isf: tests/fixtures/goldens/wilson-statsmodels.json
 * from tools/make_wilson_goldens.py (versions inside): every rate of five
 * cells (unit and real weights, p = 0, p = 1, den < 1) at four levels. */
static JsonParser *wilson_parser;

static void
test_wilson (void)
{
  JsonObject *g = lucid_test_golden_once ("wilson-statsmodels.json",
      &wilson_parser);
  JsonObject *zs = json_object_get_object_member (g, "z");
  static const double levels[] = { 0.95, 0.90, 0.99, 0.5 };
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++) {
    g_autofree char *key = g_strdup_printf ("%g", levels[i]);
    g_assert_true (json_object_has_member (zs, key));
    g_assert_cmpfloat_with_epsilon (lucid_fairness_z_for_level (levels[i]),
        json_object_get_double_member (zs, key), 1e-14);
  }
  g_assert_true (isnan (lucid_fairness_z_for_level (1.0)));

  JsonArray *cases = json_object_get_array_member (g, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 200);
  double lo, hi;
  LucidFairnessReason reason;
  for (guint i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    JsonObject *cell = json_object_get_object_member (c, "cell");
    LucidFairnessCell x = {
      .tp = json_object_get_double_member (cell, "tp"),
      .fp = json_object_get_double_member (cell, "fp"),
      .tn = json_object_get_double_member (cell, "tn"),
      .fn = json_object_get_double_member (cell, "fn"),
      .n = json_object_get_int_member (cell, "n"),
    };
    const char *name = json_object_get_string_member (c, "rate");
    LucidFairnessRate rate = LUCID_FAIRNESS_N_RATES;
    for (int r = 0; r < LUCID_FAIRNESS_N_RATES; r++)
      if (!strcmp (lucid_fairness_rate_name (r), name))
        rate = r;
    g_assert_cmpint (rate, <, LUCID_FAIRNESS_N_RATES);
    g_assert_true (lucid_fairness_wilson (&x, rate,
            json_object_get_double_member (c, "level"), &lo, &hi, &reason));
    g_assert_cmpint (reason, ==, LUCID_FAIRNESS_OK);
    g_assert_cmpfloat_with_epsilon (lo, json_object_get_double_member (c,
            "lower"), 1e-12);
    g_assert_cmpfloat_with_epsilon (hi, json_object_get_double_member (c,
            "upper"), 1e-12);
  }

  /* TPR without positives: no interval. */
  LucidFairnessCell neg = { .fp = 2, .tn = 3, .n = 5 };
  g_assert_false (lucid_fairness_wilson (&neg, LUCID_FAIRNESS_TPR, 0.95, &lo,
          &hi, &reason));
  g_assert_cmpint (reason, ==, LUCID_FAIRNESS_ZERO_DENOMINATOR);
  g_assert_true (isnan (lo) && isnan (hi));
  LucidFairnessCell empty = { 0 };
  g_assert_false (lucid_fairness_wilson (&empty, LUCID_FAIRNESS_ACCURACY,
          0.95, &lo, &hi, &reason));
  g_assert_cmpint (reason, ==, LUCID_FAIRNESS_EMPTY_GROUP);
}

/* The reasons that go with the conventions' values. */
static void
test_reasons (void)
{
  LucidFairnessCell neg = { .fp = 2, .tn = 3, .n = 5 };
  LucidFairnessValue v = lucid_fairness_rate (&neg, LUCID_FAIRNESS_TPR,
      LUCID_FAIRNESS_FAIRLEARN);
  g_assert_cmpfloat (v.value, ==, 0.0);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_ZERO_BY_CONVENTION);
  v = lucid_fairness_rate (&neg, LUCID_FAIRNESS_TPR, LUCID_FAIRNESS_AIF360);
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_ZERO_DENOMINATOR);

  LucidFairnessCell empty = { 0 };
  v = lucid_fairness_rate (&empty, LUCID_FAIRNESS_PPV, LUCID_FAIRNESS_AIF360);
  g_assert_cmpfloat (v.value, ==, 0.0);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_EMPTY_GROUP);
  v = lucid_fairness_rate (&empty, LUCID_FAIRNESS_PPV,
      LUCID_FAIRNESS_FAIRLEARN);
  g_assert_true (isnan (v.value));

  /* disparate impact: SR_p = 0 < SR_u → +inf; both 0 → NaN. */
  LucidFairnessCell sel = { .tp = 1, .tn = 1, .n = 2 };
  LucidFairnessCell none = { .fn = 1, .tn = 1, .n = 2 };
  v = lucid_aif360_figure (&sel, &none, LUCID_AIF360_DISPARATE_IMPACT);
  g_assert_true (isinf (v.value) && v.value > 0);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_DIVIDE_BY_ZERO);
  v = lucid_aif360_figure (&none, &none, LUCID_AIF360_DISPARATE_IMPACT);
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_ZERO_DENOMINATOR);
  v = lucid_aif360_figure (&empty, &sel, LUCID_AIF360_DISPARATE_IMPACT);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_EMPTY_GROUP);

  /* No groups at all. */
  g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
  v = lucid_fairlearn_figure (counts,
      LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
      LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE);
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_EMPTY_GROUP);
}

/* The golden's rows without truth really reach the prediction-only part of
 * the cells, and a group whose events all lack truth answers NaN with
 * reason no-truth for the truth-based rates (AIF360: its empty-selection
 * values) while its selection rate is a number. */
static void
test_missing_truth_cells (void)
{
  JsonObject *g = load_golden_file (MISSING_TRUTH);
  g_autoptr (LucidFairnessCounts) counts = counts_from_golden (g);
  LucidFairnessCell total;
  lucid_fairness_counts_total (counts, &total);
  g_assert_cmpuint (total.n_no_truth, ==,
      json_object_get_int_member (g, "n_missing"));
  g_assert_cmpuint (total.n + total.n_no_truth, ==, 1500);
  g_assert_cmpfloat (total.pp_no_truth, >, 0.0);
  g_assert_cmpfloat (total.pn_no_truth, >, 0.0);

  const char *attrs[] = { "age", "region" };
  g_autoptr (LucidFairnessCounts) part = lucid_fairness_counts_project (counts,
      attrs, 2, NULL);
  const LucidFairnessCell *c = lucid_fairness_counts_lookup (part,
      "age=50+;region=s");
  g_assert_nonnull (c);
  g_assert_cmpuint (c->n, ==, 0);
  g_assert_cmpuint (c->n_no_truth, >, 0);
  LucidFairnessValue v = lucid_fairness_rate (c,
      LUCID_FAIRNESS_SELECTION_RATE, LUCID_FAIRNESS_FAIRLEARN);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_OK);
  g_assert_cmpfloat (v.value, ==, c->pp_no_truth / (c->pp_no_truth
          + c->pn_no_truth));
  v = lucid_fairness_rate (c, LUCID_FAIRNESS_TPR, LUCID_FAIRNESS_FAIRLEARN);
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_NO_TRUTH);
  v = lucid_fairness_rate (c, LUCID_FAIRNESS_PPV, LUCID_FAIRNESS_AIF360);
  g_assert_cmpfloat (v.value, ==, 0.0);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_NO_TRUTH);
  g_assert_cmpstr (lucid_fairness_reason_name (v.reason), ==, "no-truth");
  double lo, hi;
  LucidFairnessReason reason;
  g_assert_false (lucid_fairness_wilson (c, LUCID_FAIRNESS_FPR, 0.95, &lo,
          &hi, &reason));
  g_assert_cmpint (reason, ==, LUCID_FAIRNESS_NO_TRUTH);
  g_assert_true (lucid_fairness_wilson (c, LUCID_FAIRNESS_SELECTION_RATE,
          0.95, &lo, &hi, &reason));

  /* An unknown truth other than the three values is refused. */
  g_autoptr (GError) error = NULL;
  g_assert_false (lucid_fairness_update_event (counts, "g=a", 3, TRUE, 1.0,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/fairness/golden/partitions", SYNTHETIC,
      test_golden_partitions);
  g_test_add_data_func ("/fairness/golden/aif360", SYNTHETIC,
      test_golden_aif360);
  g_test_add_data_func ("/fairness/missing-truth/partitions", MISSING_TRUTH,
      test_golden_partitions);
  g_test_add_data_func ("/fairness/missing-truth/aif360", MISSING_TRUTH,
      test_golden_aif360);
  g_test_add_func ("/fairness/missing-truth/cells", test_missing_truth_cells);
  g_test_add_func ("/fairness/golden/fairlearn-nan", test_golden_fairlearn_nan);
  g_test_add_func ("/fairness/update/does-not-allocate",
      test_update_does_not_allocate);
  g_test_add_func ("/fairness/update/rejects-bad-weight",
      test_update_rejects_bad_weight);
  g_test_add_func ("/fairness/keys/intersections", test_intersection_keys);
  g_test_add_func ("/fairness/keys/projection-needs-attribute",
      test_projection_needs_attribute);
  g_test_add_func ("/fairness/wilson", test_wilson);
  g_test_add_func ("/fairness/reasons", test_reasons);
  int rc = g_test_run ();
  g_clear_object (&golden_parser);
  g_clear_object (&missing_parser);
  g_clear_object (&wilson_parser);
  return rc;
}
