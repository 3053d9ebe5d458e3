/* test-audit-references.c — lucidaudit with convention=fairlearn and
 * convention=aif360 against the committed goldens
 * (tests/fixtures/goldens/fairness-synthetic.json, made by
 * tools/make_fairness_goldens.py with Fairlearn 0.15 and AIF360 0.6.1,
 * versions inside), through the element, as test-audit-aequitas.c does for
 * Aequitas: the golden's 1500 weighted synthetic rows go through a
 * GstHarness as result metas, with truth, groups and weights from an
 * annotations file keyed by item; one cumulative window holds them all.
 *
 * Fairlearn: for method between-groups and to-overall and aggregation
 * worst-case and mean, every per-group rate of all seven groupings and
 * every demographic parity / equal opportunity / equalized odds difference
 * and ratio equal Fairlearn's MetricFrame to 1e-9 (NaN where it has NaN).
 * AIF360: for each of the golden's privileged / unprivileged cases,
 * statistical parity difference, disparate impact, average (absolute) odds
 * difference and equal opportunity difference equal ClassificationMetric's
 * (weighted).  AIF360's inequality indices ignore instance weights, so they
 * are checked with unit weights in tests/unit/test-inequality.c, not here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lucid-audit-test-util.h"
#include "lucidauditmeta.h"
#include "lucidelements.h"
#include "lucidmeta.h"

static gchar *tmp_dir;
static JsonParser *parser;
static JsonObject *golden;
static guint n_compared;

static void
setup (void)
{
  golden = lucid_audit_golden_load ("lucid-references-XXXXXX",
      "fairness-synthetic.json", &tmp_dir, &parser);
}

/* The same checks on tools/make_missing_truth_goldens.py's golden: a third
 * of the rows without truth (an empty truth cell), the references run on
 * all rows for the prediction-only figures and on the rows with truth for
 * the others. */
static void
setup_missing_truth (void)
{
  golden = lucid_audit_golden_load ("lucid-references-XXXXXX",
      "fairness-missing-truth.json", &tmp_dir, &parser);
}

static void
teardown (void)
{
  lucid_audit_golden_unload (&tmp_dir, &parser);
}

/* Every row through a lucidaudit with @props (gst_util_set_object_arg
 * pairs, NULL-terminated); returns a copy of the one window. */
static GstStructure *
audit_rows (const gchar *const *props)
{
  guint n = 0;
  gchar *ann = lucid_audit_write_annotations (golden, tmp_dir, "weight",
      FALSE, &n);
  GstHarness *h = lucid_audit_harness_new (NULL, ann, n, NULL, props);
  g_free (ann);
  GstBuffer *closing = lucid_audit_push_rows (h, golden, n);
  GstStructure *window =
      gst_structure_copy (lucid_audit_window_of (closing));
  gst_buffer_unref (closing);
  gst_harness_teardown (h);
  return window;
}

/* The figure @metric of @grouping and @group (NULL: between groups). */
static double
figure_value (const GstStructure *w, const gchar *grouping,
    const gchar *group, const gchar *metric)
{
  const GstStructure *f = lucid_audit_find (w, "figures", "grouping",
      grouping, "group", group, "metric", metric);
  fail_unless (f != NULL, "no figure %s %s %s", grouping, group, metric);
  double v = NAN;
  fail_unless (gst_structure_get_double (f, "value", &v));
  return v;
}

static void
expect_value (const gchar *what, double got, JsonNode *want)
{
  lucid_audit_expect_value (what, got, want, "reference", &n_compared);
}

static void
check_fairlearn (const gchar *method, const gchar *aggregation)
{
  const gchar *props[] = { "convention", "fairlearn", "method", method,
    "aggregation", aggregation, NULL
  };
  GstStructure *w = audit_rows (props);
  const gchar *block = !strcmp (method, "between-groups") ? "between_groups"
      : "to_overall";
  JsonArray *parts = json_object_get_array_member (golden, "partitions");
  JsonArray *rates = json_object_get_array_member (golden, "rates");
  static const gchar *figures[] = { "demographic_parity_difference",
    "demographic_parity_ratio", "equal_opportunity_difference",
    "equal_opportunity_ratio", "equalized_odds_difference",
    "equalized_odds_ratio"
  };
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    JsonObject *fl = json_object_get_object_member (part, "fairlearn");
    gchar *grouping = lucid_audit_grouping_of (part);
    JsonObject *groups = json_object_get_object_member (fl, "groups");
    GList *keys = json_object_get_members (groups);
    for (GList * k = keys; k; k = k->next) {
      JsonObject *g = json_object_get_object_member (groups, k->data);
      for (guint r = 0; r < json_array_get_length (rates); r++) {
        const gchar *rate = json_array_get_string_element (rates, r);
        gchar *what = g_strdup_printf ("%s %s %s", grouping,
            (gchar *) k->data, rate);
        expect_value (what, figure_value (w, grouping, k->data, rate),
            json_object_get_member (g, rate));
        g_free (what);
      }
    }
    g_list_free (keys);
    JsonObject *between = json_object_get_object_member (fl, block);
    for (guint f = 0; f < G_N_ELEMENTS (figures); f++) {
      gchar *key = g_str_has_prefix (figures[f], "equalized_odds")
          ? g_strdup_printf ("%s_%s", figures[f],
          !strcmp (aggregation, "mean") ? "mean" : "worst_case")
          : g_strdup (figures[f]);
      gchar *what = g_strdup_printf ("%s %s %s/%s", grouping, key, method,
          aggregation);
      expect_value (what, figure_value (w, grouping, NULL, figures[f]),
          json_object_get_member (between, key));
      g_free (what);
      g_free (key);
    }
    g_free (grouping);
  }
  gst_structure_free (w);
}

GST_START_TEST (test_fairlearn_equals_golden)
{
  n_compared = 0;
  check_fairlearn ("between-groups", "worst-case");
  check_fairlearn ("between-groups", "mean");
  check_fairlearn ("to-overall", "worst-case");
  check_fairlearn ("to-overall", "mean");
  /* 7 groupings: their 35 groups × 11 rates and 6 figures, four times. */
  JsonArray *parts = json_object_get_array_member (golden, "partitions");
  guint per_run = 0;
  for (guint p = 0; p < json_array_get_length (parts); p++)
    per_run += 6 + 11 * json_object_get_size (json_object_get_object_member
        (json_object_get_object_member (json_array_get_object_element (parts,
                    p), "fairlearn"), "groups"));
  fail_unless_equals_int (n_compared, 4 * per_run);
  fail_unless (per_run > 400);
}

GST_END_TEST;

static gchar *
join_conditions (JsonArray *a)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (s, "%s%s", i ? "," : "",
        json_array_get_string_element (a, i));
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_aif360_equals_golden)
{
  static const gchar *figures[] = { "statistical_parity_difference",
    "disparate_impact", "average_odds_difference",
    "average_abs_odds_difference", "equal_opportunity_difference"
  };
  JsonArray *cases = json_object_get_array_member (golden, "aif360");
  n_compared = 0;
  for (guint c = 0; c < json_array_get_length (cases); c++) {
    JsonObject *cs = json_array_get_object_element (cases, c);
    gchar *priv = join_conditions (json_object_get_array_member (cs,
            "privileged"));
    gchar *unpriv = join_conditions (json_object_get_array_member (cs,
            "unprivileged"));
    const gchar *props[] = { "convention", "aif360", "privileged", priv,
      "unprivileged", unpriv, "groupings", "gender", NULL
    };
    GstStructure *w = audit_rows (props);
    JsonObject *want = json_object_get_object_member (cs, "figures");
    for (guint f = 0; f < G_N_ELEMENTS (figures); f++) {
      gchar *what = g_strdup_printf ("%s %s",
          json_object_get_string_member (cs, "name"), figures[f]);
      expect_value (what, figure_value (w, "", NULL, figures[f]),
          json_object_get_member (want, figures[f]));
      g_free (what);
    }
    gst_structure_free (w);
    g_free (priv);
    g_free (unpriv);
  }
  fail_unless_equals_int (n_compared, 5 * json_array_get_length (cases));
}

GST_END_TEST;

static Suite *
lucidaudit_references_suite (void)
{
  Suite *s = suite_create ("lucidaudit-references");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_fairlearn_equals_golden);
  tcase_add_test (tc, test_aif360_equals_golden);
  suite_add_tcase (s, tc);
  TCase *missing = tcase_create ("missing-truth");
  tcase_set_timeout (missing, 120);
  tcase_add_checked_fixture (missing, setup_missing_truth, teardown);
  tcase_add_test (missing, test_fairlearn_equals_golden);
  tcase_add_test (missing, test_aif360_equals_golden);
  suite_add_tcase (s, missing);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  lucid_meta_init ();
  GstElementFactory *factory = gst_element_factory_find ("lucidaudit");
  if (factory)
    gst_object_unref (factory);
  else
    GST_ELEMENT_REGISTER (lucidaudit, NULL);
  return gst_check_run_suite (lucidaudit_references_suite (),
      "lucidaudit-references", __FILE__);
}
