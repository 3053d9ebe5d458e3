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
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

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
  GError *error = NULL;
  tmp_dir = g_dir_make_tmp ("lucid-references-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  gchar *path = g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), "goldens",
      "fairness-synthetic.json", NULL);
  parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (parser, path, &error), "%s: %s",
      path, error ? error->message : "");
  golden = json_node_get_object (json_parser_get_root (parser));
  g_free (path);
}

static void
teardown (void)
{
  GDir *dir = g_dir_open (tmp_dir, 0, NULL);
  const gchar *name;
  while ((name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename (tmp_dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  g_dir_close (dir);
  g_rmdir (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_object (&parser);
}

static const gchar *
attribute_value (JsonObject *attrs, const gchar *name, guint row)
{
  JsonObject *a = json_object_get_object_member (attrs, name);
  gint64 code = json_array_get_int_element (json_object_get_array_member (a,
          "codes"), row);
  return json_array_get_string_element (json_object_get_array_member (a,
          "values"), code);
}

/* item,truth,weight,<attributes>: row i is item i (the buffer's index). */
static gchar *
write_annotations (guint *n_rows)
{
  JsonObject *in = json_object_get_object_member (golden, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *w = json_object_get_array_member (in, "weight");
  GList *names = json_object_get_members (attrs);
  GString *s = g_string_new ("item,truth,weight");
  for (GList * l = names; l; l = l->next)
    g_string_append_printf (s, ",%s", (gchar *) l->data);
  g_string_append_c (s, '\n');
  *n_rows = json_array_get_length (yt);
  for (guint i = 0; i < *n_rows; i++) {
    g_string_append_printf (s, "%u,%s,%.17g", i,
        json_array_get_int_element (yt, i) ? "pos" : "neg",
        json_array_get_double_element (w, i));
    for (GList * l = names; l; l = l->next) {
      const gchar *v = attribute_value (attrs, l->data, i);
      fail_if (strpbrk (v, ",\"\n") != NULL);
      g_string_append_printf (s, ",%s", v);
    }
    g_string_append_c (s, '\n');
  }
  g_list_free (names);
  gchar *path = g_build_filename (tmp_dir, "rows.csv", NULL);
  fail_unless (g_file_set_contents (path, s->str, -1, NULL));
  g_string_free (s, TRUE);
  return path;
}

static GstBuffer *
result_buffer (guint i, gboolean positive)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 1, NULL);
  GST_BUFFER_PTS (buf) = i * GST_MSECOND;
  lucid_buffer_add_result (buf, gst_structure_new ("lucid-result",
          "element", G_TYPE_STRING, "test", "kind", G_TYPE_STRING, "labels",
          "model-id", G_TYPE_STRING, "0", "model-dir", G_TYPE_STRING, "m",
          "label", G_TYPE_STRING, positive ? "pos" : "neg",
          "score", G_TYPE_DOUBLE, 1.0, NULL));
  return buf;
}

/* Every row through a lucidaudit with @props (gst_util_set_object_arg
 * pairs, NULL-terminated); returns a copy of the one window. */
static GstStructure *
audit_rows (const gchar *const *props)
{
  guint n = 0;
  gchar *ann = write_annotations (&n);
  JsonArray *yp = json_object_get_array_member (json_object_get_object_member
      (golden, "inputs"), "y_pred");
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  fail_unless (audit != NULL);
  gchar *size = g_strdup_printf ("%u", n);
  g_object_set (audit, "annotations", ann, NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "positive-label", "pos");
  gst_util_set_object_arg (G_OBJECT (audit), "window", "cumulative");
  gst_util_set_object_arg (G_OBJECT (audit), "window-size", size);
  for (guint i = 0; props[i]; i += 2)
    gst_util_set_object_arg (G_OBJECT (audit), props[i], props[i + 1]);
  g_free (size);
  g_free (ann);

  GstHarness *h = gst_harness_new_with_element (audit, "sink", "src");
  gst_object_unref (audit);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  GstStructure *window = NULL;
  for (guint i = 0; i < n; i++) {
    fail_unless_equals_int (gst_harness_push (h, result_buffer (i,
                json_array_get_int_element (yp, i) != 0)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    gpointer state = NULL;
    const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
    if (w) {
      fail_unless (window == NULL, "more than one window");
      window = gst_structure_copy (w);
    }
    gst_buffer_unref (out);
  }
  fail_unless (window != NULL, "no window closed at the last row");
  gst_harness_teardown (h);
  return window;
}

/* The figure @metric of @grouping and @group (NULL: between groups). */
static double
figure_value (const GstStructure *w, const gchar *grouping,
    const gchar *group, const gchar *metric)
{
  const GValue *figs = gst_structure_get_value (w, "figures");
  fail_unless (figs != NULL);
  for (guint i = 0; i < gst_value_array_get_size (figs); i++) {
    const GstStructure *f =
        gst_value_get_structure (gst_value_array_get_value (figs, i));
    if (g_strcmp0 (gst_structure_get_string (f, "grouping"), grouping)
        || g_strcmp0 (gst_structure_get_string (f, "group"), group)
        || g_strcmp0 (gst_structure_get_string (f, "metric"), metric))
      continue;
    double v = NAN;
    fail_unless (gst_structure_get_double (f, "value", &v));
    return v;
  }
  fail ("no figure %s %s %s", grouping, group, metric);
  return NAN;
}

static void
expect_value (const gchar *what, double got, JsonNode *want)
{
  if (JSON_NODE_HOLDS_NULL (want)) {
    fail_unless (isnan (got), "%s: got %.17g, reference has NaN", what, got);
  } else if (json_node_get_value_type (want) == G_TYPE_STRING) {
    double inf = !strcmp (json_node_get_string (want), "inf") ? INFINITY
        : -INFINITY;
    fail_unless (got == inf, "%s: got %.17g, reference %s", what, got,
        json_node_get_string (want));
  } else {
    double w = json_node_get_double (want);
    fail_unless (fabs (got - w) <= 1e-9, "%s: got %.17g, reference %.17g",
        what, got, w);
  }
  n_compared++;
}

static gchar *
grouping_of (JsonObject *part)
{
  JsonArray *attrs = json_object_get_array_member (part, "attributes");
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (attrs); i++)
    g_string_append_printf (s, "%s%s", i ? ";" : "",
        json_array_get_string_element (attrs, i));
  return g_string_free (s, FALSE);
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
    gchar *grouping = grouping_of (part);
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
