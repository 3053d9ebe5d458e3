/* test-audit-aequitas.c — lucidaudit with convention=aequitas against the
 * committed Aequitas goldens (tests/fixtures/goldens/fairness-aequitas.json,
 * made by tools/make_aequitas_goldens.py with aequitas 1.1.0), through the
 * element: the golden's 1500 synthetic rows go through a GstHarness as
 * result metas, with truth, groups and weights (Aequitas' repeat counts)
 * from an annotations file keyed by item; one cumulative window holds them
 * all.  Every per-group metric, disparity (to 1e-9, NaN where Aequitas has
 * NaN), reference group and fairness determination (exactly) of all seven
 * groupings, for the three reference choices and tau 0.8 and 0.9, must
 * equal Aequitas' in the window meta; the lucid-audit bus message must
 * carry the same window; and lucidsink must store it so that the
 * audit_group_figures, audit_references and audit_verdicts tables (schema
 * migration audit_verdicts_streams) give the same values in SQL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>

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
  golden = lucid_audit_golden_load ("lucid-aequitas-XXXXXX",
      "fairness-aequitas.json", &tmp_dir, &parser);
}

/* The same checks on tools/make_missing_truth_goldens.py --aequitas: a
 * third of the rows without truth (the annotation's truth cell empty),
 * Aequitas run on all rows for ppr / pprev and on the rows with truth for
 * the rest. */
static void
setup_missing_truth (void)
{
  golden = lucid_audit_golden_load ("lucid-aequitas-XXXXXX",
      "fairness-missing-truth-aequitas.json", &tmp_dir, &parser);
}

static void
teardown (void)
{
  lucid_audit_golden_unload (&tmp_dir, &parser);
}

/* ---- the golden's rows through the element ------------------------------ */

/* Runs every row through a lucidaudit with @props (gst_util_set_object_arg
 * pairs, NULL-terminated); returns the buffer that closed the one window,
 * and its lucid-audit bus message's structure in *@message. */
static GstBuffer *
audit_rows (const gchar *const *props, GstStructure **message)
{
  guint n = 0;
  gchar *ann = lucid_audit_write_annotations (golden, tmp_dir, "reps", TRUE,
      &n);
  GstHarness *h = lucid_audit_harness_new ("aeq", ann, n, "aequitas", props);
  g_free (ann);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  GstBuffer *closing = lucid_audit_push_rows (h, golden, n);

  *message = NULL;
  GstMessage *msg;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "lucid-audit")) {
      fail_unless (*message == NULL);
      *message = gst_structure_copy (s);
    }
    gst_message_unref (msg);
  }
  fail_unless (*message != NULL, "no lucid-audit message");
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return closing;
}

/* ---- comparing a window with the golden -------------------------------- */

static void
expect_value (const gchar *what, double got, JsonNode *want)
{
  lucid_audit_expect_value (what, got, want, "Aequitas", &n_compared);
}

static double
figure_value (const GstStructure *w, const gchar *grouping,
    const gchar *group, const gchar *metric)
{
  const GstStructure *f = lucid_audit_find (w, "figures", "grouping",
      grouping, "group", group, "metric", metric);
  fail_unless (f != NULL, "no figure %s %s %s", grouping, group, metric);
  double v = NAN;
  gst_structure_get_double (f, "value", &v);
  return v;
}

static const gchar *
golden_verdict (JsonNode *n)
{
  return JSON_NODE_HOLDS_NULL (n) ? "undefined"
      : json_node_get_boolean (n) ? "fair" : "unfair";
}

static void
expect_verdict (const GstStructure *w, const gchar *grouping,
    const gchar *group, const gchar *parity, JsonNode *want)
{
  const GstStructure *v = lucid_audit_find (w, "verdicts", "grouping",
      grouping, "group", group, "parity", parity);
  fail_unless (v != NULL, "no verdict %s %s %s", grouping, group, parity);
  fail_unless_equals_string (gst_structure_get_string (v, "verdict"),
      golden_verdict (want));
  n_compared++;
}

/* Checks the grouping of @part in @w against its golden for reference
 * @ref ("majority", "min_metric", "given") and @tau ("0.8", "0.9"). */
static void
check_partition (const GstStructure *w, JsonObject *part, const gchar *ref,
    const gchar *tau)
{
  gchar *grouping = lucid_audit_grouping_of (part);
  JsonObject *groups = json_object_get_object_member (part, "groups");
  JsonArray *metrics = json_object_get_array_member (golden, "metrics");
  JsonArray *parities = json_object_get_array_member (golden, "parities");
  JsonObject *r = json_object_get_object_member (json_object_get_object_member
      (part, "references"), ref);
  JsonObject *ref_group = json_object_get_object_member (r, "ref_group");
  JsonObject *disparity = json_object_get_object_member (r, "disparity");
  JsonObject *fair = json_object_get_object_member
      (json_object_get_object_member (r, "fairness"), tau);
  GList *keys = json_object_get_members (groups);

  for (GList * k = keys; k; k = k->next) {
    JsonObject *g = json_object_get_object_member (groups, k->data);
    JsonObject *d = json_object_get_object_member (disparity, k->data);
    JsonObject *v = json_object_get_object_member (json_object_get_object_member
        (fair, "groups"), k->data);
    for (guint m = 0; m < json_array_get_length (metrics); m++) {
      const gchar *metric = json_array_get_string_element (metrics, m);
      gchar *what = g_strdup_printf ("%s %s %s", grouping,
          (gchar *) k->data, metric);
      expect_value (what, figure_value (w, grouping, k->data, metric),
          json_object_get_member (g, metric));
      if (json_object_has_member (d, metric)) {
        gchar *dm = g_strdup_printf ("%s_disparity", metric);
        JsonNode *want = json_object_get_member (d, metric);
        /* A group whose events all lack truth is no group of Aequitas' run
         * on the rows with truth: no truth-based disparity (the golden's
         * null), none in the window either. */
        if (JSON_NODE_HOLDS_NULL (want) && !lucid_audit_find (w, "figures",
                "grouping", grouping, "group", k->data, "metric", dm))
          n_compared++;
        else
          expect_value (dm, figure_value (w, grouping, k->data, dm), want);
        g_free (dm);
      }
      g_free (what);
    }
    for (guint p = 0; p < json_array_get_length (parities); p++) {
      const gchar *parity = json_array_get_string_element (parities, p);
      expect_verdict (w, grouping, k->data, parity,
          json_object_get_member (v, parity));
    }
  }
  GList *ref_metrics = json_object_get_members (ref_group);
  for (GList * m = ref_metrics; m; m = m->next) {
    gchar *dm = g_strdup_printf ("%s_disparity", (gchar *) m->data);
    const GstStructure *s = lucid_audit_find (w, "references", "grouping",
        grouping, "metric", dm, NULL, NULL);
    fail_unless (s != NULL, "no reference for %s %s", grouping, dm);
    fail_unless_equals_string (gst_structure_get_string (s, "group"),
        json_object_get_string_member (ref_group, m->data));
    n_compared++;
    g_free (dm);
  }
  JsonObject *attribute = json_object_get_object_member (fair, "attribute");
  for (guint p = 0; p < json_array_get_length (parities); p++) {
    const gchar *parity = json_array_get_string_element (parities, p);
    expect_verdict (w, grouping, NULL, parity,
        json_object_get_member (attribute, parity));
  }
  double t;
  fail_unless (gst_structure_get_double (w, "tau", &t));
  fail_unless (fabs (t - g_ascii_strtod (tau, NULL)) < 1e-12);
  g_list_free (ref_metrics);
  g_list_free (keys);
  g_free (grouping);
}

/* The bus message is the meta's window under another name.  Compared as
 * text: undefined figures are NaN, and NaN != NaN for
 * gst_structure_is_equal(). */
static void
check_message (const GstStructure *w, GstStructure *message)
{
  gst_structure_set_name (message, gst_structure_get_name (w));
  g_autofree gchar *a = gst_structure_to_string (w);
  g_autofree gchar *b = gst_structure_to_string (message);
  fail_unless_equals_string (a, b);
  gst_structure_free (message);
}

GST_START_TEST (test_majority_and_min_metric_equal_aequitas)
{
  const gchar *refs[][2] = { {"majority", "majority"},
  {"min-metric", "min_metric"}
  };
  const gchar *taus[] = { "0.8", "0.9" };
  JsonArray *parts = json_object_get_array_member (golden, "partitions");

  n_compared = 0;
  for (guint r = 0; r < G_N_ELEMENTS (refs); r++)
    for (guint t = 0; t < G_N_ELEMENTS (taus); t++) {
      const gchar *props[] = { "reference", refs[r][0], "tau", taus[t], NULL };
      GstStructure *message;
      GstBuffer *buf = audit_rows (props, &message);
      const GstStructure *w = lucid_audit_window_of (buf);
      fail_unless_equals_string (gst_structure_get_string (w, "convention"),
          "aequitas");
      for (guint p = 0; p < json_array_get_length (parts); p++)
        check_partition (w, json_array_get_object_element (parts, p),
            refs[r][1], taus[t]);
      check_message (w, message);
      gst_buffer_unref (buf);
    }
  g_print ("majority/min-metric: %u values and verdicts equal Aequitas'\n",
      n_compared);
  fail_unless (n_compared > 4000, "only %u compared", n_compared);
}

GST_END_TEST;

/* reference=given: one grouping at a time, its golden given reference. */
GST_START_TEST (test_given_reference_equals_aequitas)
{
  JsonArray *parts = json_object_get_array_member (golden, "partitions");

  n_compared = 0;
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    gchar *grouping = lucid_audit_grouping_of (part);
    g_strdelimit (grouping, ";", '+');
    const gchar *props[] = { "reference", "given", "reference-group",
      json_object_get_string_member (part, "given_reference"),
      "groupings", grouping, "tau", "0.9", NULL
    };
    GstStructure *message;
    GstBuffer *buf = audit_rows (props, &message);
    check_partition (lucid_audit_window_of (buf), part, "given", "0.9");
    check_message (lucid_audit_window_of (buf), message);
    gst_buffer_unref (buf);
    g_free (grouping);
  }
  g_print ("given: %u values and verdicts equal Aequitas'\n", n_compared);
  fail_unless (n_compared > 1000, "only %u compared", n_compared);
}

GST_END_TEST;

/* ---- the same window in SQL -------------------------------------------- */

static sqlite3_stmt *
prepare (sqlite3 *db, const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  fail_unless_equals_int (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL),
      SQLITE_OK);
  return stmt;
}

/* One row, one column: the value, NaN for NULL; fails on no row. */
static double
sql_double (sqlite3_stmt *stmt)
{
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
  double v = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? NAN
      : sqlite3_column_double (stmt, 0);
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_DONE);
  sqlite3_reset (stmt);
  return v;
}

GST_START_TEST (test_sql_equals_aequitas)
{
  const gchar *props[] = { "reference", "min-metric", "tau", "0.8", NULL };
  GstStructure *message;
  GstBuffer *buf = audit_rows (props, &message);
  gst_structure_free (message);
  gchar *db_path = g_build_filename (tmp_dir, "aequitas.db", NULL);

  GstElement *sink = gst_element_factory_make ("lucidsink", NULL);
  g_object_set (sink, "location", db_path, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_object_unref (sink);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  sqlite3 *db = NULL;
  fail_unless_equals_int (sqlite3_open_v2 (db_path, &db,
          SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *fig = prepare (db, "SELECT value FROM audit_group_figures "
      "WHERE grouping = ?1 AND group_key = ?2 AND metric = ?3");
  sqlite3_stmt *dis = prepare (db, "SELECT value FROM audit_disparities "
      "WHERE grouping = ?1 AND group_key = ?2 AND metric = ?3 "
      "AND reference_group = ?4");
  sqlite3_stmt *ver = prepare (db, "SELECT verdict FROM audit_verdicts "
      "WHERE grouping = ?1 AND group_key IS ?2 AND parity = ?3 AND tau = 0.8");
  JsonArray *parts = json_object_get_array_member (golden, "partitions");
  JsonArray *metrics = json_object_get_array_member (golden, "metrics");
  JsonArray *parities = json_object_get_array_member (golden, "parities");

  n_compared = 0;
  for (guint p = 0; p < json_array_get_length (parts); p++) {
    JsonObject *part = json_array_get_object_element (parts, p);
    gchar *grouping = lucid_audit_grouping_of (part);
    JsonObject *groups = json_object_get_object_member (part, "groups");
    JsonObject *r = json_object_get_object_member
        (json_object_get_object_member (part, "references"), "min_metric");
    JsonObject *fair = json_object_get_object_member
        (json_object_get_object_member (r, "fairness"), "0.8");
    GList *keys = json_object_get_members (groups);
    for (GList * k = keys; k; k = k->next) {
      JsonObject *d = json_object_get_object_member
          (json_object_get_object_member (r, "disparity"), k->data);
      for (guint m = 0; m < json_array_get_length (metrics); m++) {
        const gchar *metric = json_array_get_string_element (metrics, m);
        sqlite3_bind_text (fig, 1, grouping, -1, SQLITE_STATIC);
        sqlite3_bind_text (fig, 2, k->data, -1, SQLITE_STATIC);
        sqlite3_bind_text (fig, 3, metric, -1, SQLITE_STATIC);
        expect_value (metric, sql_double (fig),
            json_object_get_member (json_object_get_object_member (groups,
                    k->data), metric));
        if (!json_object_has_member (d, metric))
          continue;
        gchar *dm = g_strdup_printf ("%s_disparity", metric);
        sqlite3_bind_text (dis, 1, grouping, -1, SQLITE_STATIC);
        sqlite3_bind_text (dis, 2, k->data, -1, SQLITE_STATIC);
        sqlite3_bind_text (dis, 3, dm, -1, SQLITE_STATIC);
        sqlite3_bind_text (dis, 4, json_object_get_string_member
            (json_object_get_object_member (r, "ref_group"), metric), -1,
            SQLITE_STATIC);
        expect_value (dm, sql_double (dis), json_object_get_member (d,
                metric));
        g_free (dm);
      }
    }
    for (GList * k = keys; ; k = k->next) {
      /* Each group's verdicts, then (k NULL) the grouping's. */
      JsonObject *v = k ? json_object_get_object_member
          (json_object_get_object_member (fair, "groups"), k->data)
          : json_object_get_object_member (fair, "attribute");
      for (guint q = 0; q < json_array_get_length (parities); q++) {
        const gchar *parity = json_array_get_string_element (parities, q);
        sqlite3_bind_text (ver, 1, grouping, -1, SQLITE_STATIC);
        if (k)
          sqlite3_bind_text (ver, 2, k->data, -1, SQLITE_STATIC);
        else
          sqlite3_bind_null (ver, 2);
        sqlite3_bind_text (ver, 3, parity, -1, SQLITE_STATIC);
        fail_unless_equals_int (sqlite3_step (ver), SQLITE_ROW);
        fail_unless_equals_string ((const gchar *) sqlite3_column_text (ver,
                0), golden_verdict (json_object_get_member (v, parity)));
        fail_unless_equals_int (sqlite3_step (ver), SQLITE_DONE);
        sqlite3_reset (ver);
        n_compared++;
      }
      if (!k)
        break;
    }
    g_list_free (keys);
    g_free (grouping);
  }
  sqlite3_finalize (fig);
  sqlite3_finalize (dis);
  sqlite3_finalize (ver);
  sqlite3_close (db);
  g_free (db_path);
  g_print ("SQL: %u values and verdicts equal Aequitas'\n", n_compared);
  fail_unless (n_compared > 1000, "only %u compared in SQL", n_compared);
}

GST_END_TEST;

static Suite *
audit_aequitas_suite (void)
{
  Suite *s = suite_create ("lucidaudit-aequitas");
  TCase *tc = tcase_create ("general");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_majority_and_min_metric_equal_aequitas);
  tcase_add_test (tc, test_given_reference_equals_aequitas);
  tcase_add_test (tc, test_sql_equals_aequitas);
  TCase *missing = tcase_create ("missing-truth");
  tcase_add_checked_fixture (missing, setup_missing_truth, teardown);
  tcase_set_timeout (missing, 120);
  suite_add_tcase (s, missing);
  tcase_add_test (missing, test_majority_and_min_metric_equal_aequitas);
  tcase_add_test (missing, test_given_reference_equals_aequitas);
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
  factory = gst_element_factory_find ("lucidsink");
  if (factory)
    gst_object_unref (factory);
  else
    GST_ELEMENT_REGISTER (lucidsink, NULL);
  return gst_check_run_suite (audit_aequitas_suite (), "lucidaudit-aequitas",
      __FILE__);
}
