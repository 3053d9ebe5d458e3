/* test-aequitas.c — Lucid's streaming Aequitas figures equal Aequitas'.
 *
 * The golden file tests/fixtures/goldens/fairness-aequitas.json comes from
 * tools/make_aequitas_goldens.py (aequitas 1.1.0; versions inside it).  Its
 * synthetic inputs are fed through lucid_fairness_update() one event at a
 * time under the full three-attribute key, each with its integer frequency
 * weight (Aequitas saw the row repeated that many times); every grouping is
 * a projection of those cells.  For each grouping, each per-group metric of
 * Group.get_crosstabs, the reference group Bias picks (majority, minimum
 * metric, given) and every disparity must equal Aequitas' to 1e-9 and be NaN
 * exactly where Aequitas' is; every Fairness determination (per group and
 * per attribute, tau 0.8 and 0.9) must be the same True/False/NaN.  Hand
 * The same golden holds Aequitas on the real data sets of
 * tools/make_real_fairness_goldens.py (unit weights).  Hand
 * cases check what the goldens cannot: cells that are not Aequitas groups
 * (no events, zero weight), a missing reference, the fill and tau defaults.
 *
 * tests/fixtures/goldens/fairness-missing-truth-aequitas.json
 * (tools/make_missing_truth_goldens.py --aequitas) is the synthetic data
 * with a third of the rows' truth removed: ppr, pprev and their
 * disparities, references and parities from Aequitas on all rows, the rest
 * from Aequitas on the rows with truth.  The same checks run on it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "lucid-error.h"
#include "lucid-test-util.h"
#include "lucid-aequitas.h"

#define TOL 1e-9

static JsonParser *golden_parser, *missing_parser;

static JsonObject *
load_golden (void)
{
  return lucid_test_golden_once ("fairness-aequitas.json", &golden_parser);
}
static guint n_compared;

static void
assert_value (const char *what, LucidFairnessValue got, JsonNode * node)
{
  n_compared++;
  lucid_test_assert_golden_number (what, got.value, node, TOL);
  if (isnan (got.value) && got.reason == LUCID_FAIRNESS_OK)
    g_error ("%s: NaN without a reason", what);
}

static LucidAequitasVerdict
golden_verdict (JsonNode * node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return LUCID_AEQUITAS_UNDEFINED;
  return json_node_get_boolean (node) ? LUCID_AEQUITAS_FAIR :
      LUCID_AEQUITAS_UNFAIR;
}

static const char *const reference_names[] = { "majority", "min_metric",
  "given"
};

/* Checks one grouping (@counts) against one golden result object.  Golden
 * group names are @prefix + name → Lucid key. */
static void
check_grouping (const char *label, const LucidFairnessCounts * counts,
    JsonObject * res, const char *prefix, const char *given)
{
  JsonObject *groups = json_object_get_object_member (res, "groups");
  JsonArray *order = json_object_get_array_member (res, "order");
  guint n = json_array_get_length (order);
  g_autofree char **keys = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    keys[i] = g_strconcat (prefix, json_array_get_string_element (order, i),
        NULL);

  /* Aequitas' groups in its order = Lucid's non-empty keys in key order. */
  g_autoptr (GPtrArray) lkeys = lucid_fairness_counts_keys (counts);
  guint j = 0;
  for (guint i = 0; i < lkeys->len; i++) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts,
        lkeys->pdata[i]);
    if (!lucid_aequitas_is_group (c, LUCID_AEQUITAS_PPR))
      continue;
    g_assert_cmpuint (j, <, n);
    g_assert_cmpstr (lkeys->pdata[i], ==, keys[j]);
    j++;
  }
  g_assert_cmpuint (j, ==, n);

  double k = lucid_aequitas_k (counts);
  for (guint i = 0; i < n; i++) {
    JsonObject *want = json_object_get_object_member (groups,
        json_array_get_string_element (order, i));
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (counts,
        keys[i]);
    g_assert_cmpfloat (c->tp, ==, json_object_get_int_member (want, "tp"));
    g_assert_cmpfloat (c->fp, ==, json_object_get_int_member (want, "fp"));
    g_assert_cmpfloat (c->tn, ==, json_object_get_int_member (want, "tn"));
    g_assert_cmpfloat (c->fn, ==, json_object_get_int_member (want, "fn"));
    g_assert_cmpfloat (lucid_aequitas_group_size (c), ==,
        json_object_get_int_member (want, "group_size"));
    g_assert_cmpfloat (k, ==, json_object_get_int_member (want, "k"));
    for (int m = 0; m < LUCID_AEQUITAS_N_METRICS; m++) {
      g_autofree char *what = g_strdup_printf ("%s %s %s", label, keys[i],
          lucid_aequitas_metric_name (m));
      assert_value (what, lucid_aequitas_metric (c, k, m),
          json_object_get_member (want, lucid_aequitas_metric_name (m)));
    }
  }

  JsonObject *refs = json_object_get_object_member (res, "references");
  for (guint r = 0; r < G_N_ELEMENTS (reference_names); r++) {
    if (!json_object_has_member (refs, reference_names[r]))
      continue;
    JsonObject *ref = json_object_get_object_member (refs,
        reference_names[r]);
    JsonObject *ref_group = json_object_get_object_member (ref, "ref_group");
    JsonObject *disp = json_object_get_object_member (ref, "disparity");
    /* disparities[group][metric] */
    g_autofree double *d = g_new (double, n * LUCID_AEQUITAS_N_DISPARITIES);
    for (int m = 0; m < LUCID_AEQUITAS_N_DISPARITIES; m++) {
      const char *mname = lucid_aequitas_metric_name (m);
      g_autoptr (GError) error = NULL;
      const char *got = lucid_aequitas_reference_group (counts, r, given, m,
          &error);
      g_assert_no_error (error);
      g_autofree char *want = g_strconcat (prefix,
          json_object_get_string_member (ref_group, mname), NULL);
      if (g_strcmp0 (got, want) != 0)
        g_error ("%s %s %s: reference want %s, got %s", label,
            reference_names[r], mname, want, got);
      for (guint i = 0; i < n; i++) {
        LucidFairnessValue v;
        g_assert_true (lucid_aequitas_disparity (counts, keys[i], m, r,
                given, 0.0, &v, &error));
        g_assert_no_error (error);
        g_autofree char *what = g_strdup_printf ("%s %s %s %s_disparity",
            label, reference_names[r], keys[i], mname);
        assert_value (what, v, json_object_get_member
            (json_object_get_object_member (disp,
                    json_array_get_string_element (order, i)), mname));
        d[i * LUCID_AEQUITAS_N_DISPARITIES + m] = v.value;
      }
    }
    JsonObject *fair = json_object_get_object_member (ref, "fairness");
    g_autoptr (GList) taus = json_object_get_members (fair);
    for (GList * t = taus; t; t = t->next) {
      JsonObject *ft = json_object_get_object_member (fair, t->data);
      double tau = json_object_get_double_member (ft, "tau");
      JsonObject *fg = json_object_get_object_member (ft, "groups");
      JsonObject *fa = json_object_get_object_member (ft, "attribute");
      g_autofree LucidAequitasVerdict *all =
          g_new (LucidAequitasVerdict, n * LUCID_AEQUITAS_N_PARITIES);
      for (guint i = 0; i < n; i++) {
        LucidAequitasVerdict *out = all + i * LUCID_AEQUITAS_N_PARITIES;
        lucid_aequitas_parities (d + i * LUCID_AEQUITAS_N_DISPARITIES, tau,
            out);
        JsonObject *w = json_object_get_object_member (fg,
            json_array_get_string_element (order, i));
        for (int p = 0; p < LUCID_AEQUITAS_N_PARITIES; p++) {
          n_compared++;
          LucidAequitasVerdict want = golden_verdict (json_object_get_member
              (w, lucid_aequitas_parity_name (p)));
          if (out[p] != want)
            g_error ("%s %s tau=%g %s %s: want %d, got %d", label,
                reference_names[r], tau, keys[i],
                lucid_aequitas_parity_name (p), want, out[p]);
        }
      }
      for (int p = 0; p < LUCID_AEQUITAS_N_PARITIES; p++) {
        g_autofree LucidAequitasVerdict *col =
            g_new (LucidAequitasVerdict, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          col[i] = all[i * LUCID_AEQUITAS_N_PARITIES + p];
        LucidAequitasVerdict want = golden_verdict (json_object_get_member
            (fa, lucid_aequitas_parity_name (p)));
        n_compared++;
        if (lucid_aequitas_attribute_verdict (col, n) != want)
          g_error ("%s %s tau=%g attribute %s: want %d", label,
              reference_names[r], tau, lucid_aequitas_parity_name (p), want);
      }
    }
  }
  for (guint i = 0; i < n; i++)
    g_free (keys[i]);
}

/* The golden inputs, one event at a time, weight = Aequitas' repeat count;
 * y_true null is an event without truth. */
static LucidFairnessCounts *
feed_golden (JsonObject * golden)
{
  JsonObject *in = json_object_get_object_member (golden, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *yp = json_object_get_array_member (in, "y_pred");
  JsonArray *reps = json_object_get_array_member (in, "reps");
  g_autoptr (GList) names = json_object_get_members (attrs);
  guint n_attrs = g_list_length (names);
  guint n = json_array_get_length (yt);
  LucidFairnessCounts *counts = lucid_fairness_counts_new ();
  for (guint i = 0; i < n; i++) {
    const char *pairs[8];
    char *owned[8];
    guint a = 0;
    for (GList * l = names; l; l = l->next, a++) {
      owned[a] = lucid_test_golden_attribute (attrs, l->data, i);
      pairs[a] = owned[a];
    }
    g_autoptr (GError) error = NULL;
    g_autofree char *key = lucid_fairness_group_key (pairs, n_attrs, &error);
    g_assert_no_error (error);
    LucidFairnessTruth truth = json_array_get_null_element (yt, i)
        ? LUCID_FAIRNESS_TRUTH_UNKNOWN
        : json_array_get_int_element (yt, i) != 0
        ? LUCID_FAIRNESS_TRUTH_POSITIVE : LUCID_FAIRNESS_TRUTH_NEGATIVE;
    g_assert_true (lucid_fairness_update_event (counts, key, truth,
            json_array_get_int_element (yp, i) != 0,
            (double) json_array_get_int_element (reps, i), &error));
    for (a = 0; a < n_attrs; a++)
      g_free (owned[a]);
  }
  return counts;
}

static LucidFairnessCounts *
feed_synthetic (void)
{
  return feed_golden (load_golden ());
}

/* Every grouping of the missing-truth golden: per-group metrics (ppr and
 * pprev over all rows, the rest over the rows with truth), references and
 * disparities (each from its own run: a group whose events all lack truth
 * has NaN truth-based disparities, reason no-truth) and determinations. */
static void
test_missing_truth (void)
{
  JsonObject *g = lucid_test_golden_once
      ("fairness-missing-truth-aequitas.json", &missing_parser);
  g_autoptr (LucidFairnessCounts) counts = feed_golden (g);
  JsonArray *parts = json_object_get_array_member (g, "partitions");
  guint before = n_compared, n_no_truth = 0;
  g_assert_cmpuint (json_array_get_length (parts), ==, 7);
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    JsonArray *attrs = json_object_get_array_member (part, "attributes");
    const char *names[3];
    guint na = json_array_get_length (attrs);
    for (guint a = 0; a < na; a++)
      names[a] = json_array_get_string_element (attrs, a);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidFairnessCounts) proj = lucid_fairness_counts_project
        (counts, names, na, &error);
    g_assert_no_error (error);
    g_autofree char *label = g_strdup_printf ("missing-truth %s%s%s%s%s",
        names[0], na > 1 ? "," : "", na > 1 ? names[1] : "",
        na > 2 ? "," : "", na > 2 ? names[2] : "");
    check_grouping (label, proj, part, "",
        json_object_get_string_member (part, "given_reference"));
    g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (proj);
    for (guint i = 0; i < keys->len; i++) {
      const LucidFairnessCell *c = lucid_fairness_counts_lookup (proj,
          keys->pdata[i]);
      if (c->n > 0 || c->n_no_truth == 0)
        continue;
      n_no_truth++;
      LucidFairnessValue v = lucid_aequitas_metric (c, 1.0,
          LUCID_AEQUITAS_TPR);
      g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_NO_TRUTH);
      v = lucid_aequitas_metric (c, lucid_aequitas_k (proj),
          LUCID_AEQUITAS_PPREV);
      g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_OK);
    }
  }
  /* age=50+;region=s has no truth, in the groupings that cut it out. */
  g_assert_cmpuint (n_no_truth, >=, 2);
  g_test_message ("%u missing-truth figures compared", n_compared - before);
  g_assert_cmpuint (n_compared - before, >, 5000);
}

static void
test_synthetic (void)
{
  g_autoptr (LucidFairnessCounts) counts = feed_synthetic ();
  JsonArray *parts = json_object_get_array_member (load_golden (),
      "partitions");
  guint before = n_compared;
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    JsonArray *attrs = json_object_get_array_member (part, "attributes");
    const char *names[3];
    guint na = json_array_get_length (attrs);
    g_assert_cmpuint (na, <=, 3);
    for (guint a = 0; a < na; a++)
      names[a] = json_array_get_string_element (attrs, a);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidFairnessCounts) proj = lucid_fairness_counts_project
        (counts, names, na, &error);
    g_assert_no_error (error);
    g_autofree char *label = g_strjoinv (",", (char **) (const char *[]) {
        names[0], na > 1 ? names[1] : NULL, na > 2 ? names[2] : NULL,
        NULL});
    check_grouping (label, proj, part, "",
        json_object_get_string_member (part, "given_reference"));

    /* Cells that are no Aequitas group change nothing: one ensured and never
     * fed, one fed only zero weights (sorted first, so a tie-break bug
     * would show). */
    g_autofree char *e1 = g_strdup_printf ("%s=!empty", names[0]);
    g_autofree char *e2 = g_strdup_printf ("%s=!zero", names[0]);
    lucid_fairness_counts_ensure_group (proj, e1);
    g_assert_true (lucid_fairness_update (proj, e2, TRUE, TRUE, 0.0, NULL));
    g_assert_true (lucid_fairness_update (proj, e2, FALSE, FALSE, 0.0, NULL));
    check_grouping (label, proj, part, "",
        json_object_get_string_member (part, "given_reference"));
    LucidFairnessValue v;
    g_assert_true (lucid_aequitas_disparity (proj, e2, LUCID_AEQUITAS_PPR,
            LUCID_AEQUITAS_REF_MAJORITY, NULL, 0.0, &v, &error));
    g_assert_true (isnan (v.value));
    g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_EMPTY_GROUP);
    g_assert_null (lucid_aequitas_reference_group (proj,
            LUCID_AEQUITAS_REF_GIVEN, e2, LUCID_AEQUITAS_PPR, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  }
  g_test_message ("%u synthetic figures compared", n_compared - before);
  g_assert_cmpuint (n_compared - before, >, 10000);
}

static void
test_edge_cases (void)
{
  JsonArray *edges = json_object_get_array_member (load_golden (),
      "edge_cases");
  for (guint e = 0; e < json_array_get_length (edges); e++) {
    JsonObject *c = json_array_get_object_element (edges, e);
    JsonArray *g = json_object_get_array_member (c, "group");
    JsonArray *yt = json_object_get_array_member (c, "y_true");
    JsonArray *yp = json_object_get_array_member (c, "y_pred");
    JsonArray *reps = json_object_get_array_member (c, "reps");
    g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
    for (guint i = 0; i < json_array_get_length (g); i++) {
      g_autofree char *key = g_strconcat ("g=",
          json_array_get_string_element (g, i), NULL);
      g_assert_true (lucid_fairness_update (counts, key,
              json_array_get_int_element (yt, i) != 0,
              json_array_get_int_element (yp, i) != 0,
              (double) json_array_get_int_element (reps, i), NULL));
    }
    g_autofree char *given = g_strconcat ("g=",
        json_object_get_string_member (c, "given"), NULL);
    check_grouping (json_object_get_string_member (c, "name"), counts, c,
        "g=", given);
  }
}

static void
test_hand (void)
{
  g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
  g_autoptr (GError) error = NULL;
  LucidFairnessValue v;

  /* No group at all. */
  g_assert_null (lucid_aequitas_reference_group (counts,
          LUCID_AEQUITAS_REF_MAJORITY, NULL, LUCID_AEQUITAS_PPR, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_clear_error (&error);

  /* a: selected once of 2; b: never selected. */
  lucid_fairness_update (counts, "g=a", TRUE, TRUE, 1.0, NULL);
  lucid_fairness_update (counts, "g=a", FALSE, FALSE, 1.0, NULL);
  lucid_fairness_update (counts, "g=b", TRUE, FALSE, 1.0, NULL);

  /* x/0: the fill value, 10 by default and when 0 is given. */
  g_assert_true (lucid_aequitas_disparity (counts, "g=a", LUCID_AEQUITAS_PPR,
          LUCID_AEQUITAS_REF_GIVEN, "g=b", 0.0, &v, &error));
  g_assert_cmpfloat (v.value, ==, LUCID_AEQUITAS_FILL_DIVBYZERO);
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_DIVIDE_BY_ZERO);
  g_assert_true (lucid_aequitas_disparity (counts, "g=a", LUCID_AEQUITAS_PPR,
          LUCID_AEQUITAS_REF_GIVEN, "g=b", 99.0, &v, &error));
  g_assert_cmpfloat (v.value, ==, 99.0);
  /* 0/0 */
  g_assert_true (lucid_aequitas_disparity (counts, "g=b", LUCID_AEQUITAS_PPR,
          LUCID_AEQUITAS_REF_GIVEN, "g=b", 0.0, &v, &error));
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_ZERO_DENOMINATOR);
  /* precision of b is NaN: NaN in, NaN out. */
  g_assert_true (lucid_aequitas_disparity (counts, "g=b",
          LUCID_AEQUITAS_PRECISION, LUCID_AEQUITAS_REF_GIVEN, "g=a", 0.0, &v,
          &error));
  g_assert_true (isnan (v.value));
  g_assert_cmpint (v.reason, ==, LUCID_FAIRNESS_UNDEFINED_INPUT);

  /* Missing given reference, unknown group, no disparity for prev. */
  g_assert_false (lucid_aequitas_disparity (counts, "g=a",
          LUCID_AEQUITAS_PPR, LUCID_AEQUITAS_REF_GIVEN, "g=z", 0.0, &v,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_false (lucid_aequitas_disparity (counts, "g=z",
          LUCID_AEQUITAS_PPR, LUCID_AEQUITAS_REF_MAJORITY, NULL, 0.0, &v,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_null (lucid_aequitas_reference_group (counts,
          LUCID_AEQUITAS_REF_MIN_METRIC, NULL, LUCID_AEQUITAS_PREV, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The fairness test: bounds inclusive, tau 0 = 0.8, NaN undefined. */
  g_assert_cmpint (lucid_aequitas_fair (0.8, 0.8), ==, LUCID_AEQUITAS_FAIR);
  g_assert_cmpint (lucid_aequitas_fair (1.25, 0.8), ==, LUCID_AEQUITAS_FAIR);
  g_assert_cmpint (lucid_aequitas_fair (1.2500001, 0.0), ==,
      LUCID_AEQUITAS_UNFAIR);
  g_assert_cmpint (lucid_aequitas_fair (0.7999999, 0.0), ==,
      LUCID_AEQUITAS_UNFAIR);
  g_assert_cmpint (lucid_aequitas_fair (10.0, 0.8), ==,
      LUCID_AEQUITAS_UNFAIR);
  g_assert_cmpint (lucid_aequitas_fair (NAN, 0.8), ==,
      LUCID_AEQUITAS_UNDEFINED);

  /* Attribute verdict. */
  const LucidAequitasVerdict u = LUCID_AEQUITAS_UNDEFINED,
      f = LUCID_AEQUITAS_FAIR, x = LUCID_AEQUITAS_UNFAIR;
  g_assert_cmpint (lucid_aequitas_attribute_verdict ((LucidAequitasVerdict[]) {
              u, u}, 2), ==, u);
  g_assert_cmpint (lucid_aequitas_attribute_verdict ((LucidAequitasVerdict[]) {
              u, f}, 2), ==, f);
  g_assert_cmpint (lucid_aequitas_attribute_verdict ((LucidAequitasVerdict[]) {
              f, x, u}, 3), ==, x);
  g_assert_cmpint (lucid_aequitas_attribute_verdict (NULL, 0), ==, u);

  for (int m = 0; m < LUCID_AEQUITAS_N_METRICS; m++)
    g_assert_nonnull (lucid_aequitas_metric_name (m));
  for (int p = 0; p < LUCID_AEQUITAS_N_PARITIES; p++)
    g_assert_nonnull (lucid_aequitas_parity_name (p));
}

/* Real data (ResumeNames, HMDA, GermanCredit; rows exported by
 * tools/make_real_fairness_goldens.py): each row one unit-weight event
 * under its full key, every attribute subset a projection. */
static void
test_real (void)
{
  JsonArray *sets = json_object_get_array_member (load_golden (), "real");
  guint before = n_compared;
  g_assert_cmpuint (json_array_get_length (sets), ==, 3);
  for (guint d = 0; d < json_array_get_length (sets); d++) {
    JsonObject *set = json_array_get_object_element (sets, d);
    g_autofree char *path = g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"),
        "goldens", json_object_get_string_member (set, "rows"), NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    g_auto (GStrv) header = g_strsplit (lines[0], ",", -1);
    g_autoptr (LucidFairnessCounts) counts = lucid_fairness_counts_new ();
    for (guint i = 1; lines[i] && *lines[i]; i++) {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      g_autofree char *p0 = g_strdup_printf ("%s=%s", header[0], f[0]);
      g_autofree char *p1 = g_strdup_printf ("%s=%s", header[1], f[1]);
      g_autofree char *p2 = g_strdup_printf ("%s=%s", header[2], f[2]);
      const char *pairs[] = { p0, p1, p2 };
      g_autofree char *key = lucid_fairness_group_key (pairs, 3, NULL);
      g_assert_true (lucid_fairness_update (counts, key, f[3][0] == '1',
              f[4][0] == '1', 1.0, NULL));
    }
    JsonArray *parts = json_object_get_array_member (set, "partitions");
    for (guint p = 0; p < json_array_get_length (parts); p++) {
      JsonObject *part = json_array_get_object_element (parts, p);
      JsonArray *attrs = json_object_get_array_member (part, "attributes");
      const char *names[4] = { NULL };
      guint na = json_array_get_length (attrs);
      g_assert_cmpuint (na, <=, 3);
      for (guint a = 0; a < na; a++)
        names[a] = json_array_get_string_element (attrs, a);
      g_autoptr (LucidFairnessCounts) proj = lucid_fairness_counts_project
          (counts, names, na, NULL);
      g_assert_nonnull (proj);
      g_autofree char *joined = g_strjoinv (",", (char **) names);
      g_autofree char *label = g_strdup_printf ("%s [%s]",
          json_object_get_string_member (set, "name"), joined);
      check_grouping (label, proj, part, "",
          json_object_get_string_member (part, "given_reference"));
    }
  }
  g_test_message ("%u real-data figures compared", n_compared - before);
  g_assert_cmpuint (n_compared - before, >, 5000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aequitas/synthetic", test_synthetic);
  g_test_add_func ("/aequitas/real", test_real);
  g_test_add_func ("/aequitas/edge-cases", test_edge_cases);
  g_test_add_func ("/aequitas/hand", test_hand);
  g_test_add_func ("/aequitas/missing-truth", test_missing_truth);
  int rc = g_test_run ();
  if (golden_parser)
    g_object_unref (golden_parser);
  g_clear_object (&missing_parser);
  return rc;
}
