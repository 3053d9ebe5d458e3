/* test-audit-checks.c — lucidaudit in a GstHarness against the mistakes
 * that used to look like a fair pipeline or abort the process: a mistyped
 * positive-label, truth values that never equal it, a window with no
 * positive at all, bad group conditions, groupings and conditions that
 * match no group, a window configuration too big for memory; and the late
 * property, and the no-truth reason of between-group figures over groups
 * from a tag only.
 *
 * Each check reads the warning or error message lucidaudit posts on the
 * bus (its text is the contract) or the window structure it attaches.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "lucidauditmeta.h"
#include "lucidelements.h"
#include "lucidmeta.h"

static gchar *tmp_dir;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("lucid-audit-checks-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
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
}

static gchar *
write_file (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (tmp_dir, name, NULL);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Event i: pts i s; gender f for even i, m for odd; truth @truth_yes when
 * i % 3 == 0, else @truth_no. */
static gchar *
annotations_csv (guint n, const gchar *truth_yes, const gchar *truth_no)
{
  GString *s = g_string_new ("start,end,truth,gender\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%u,%u,%s,%s\n", i, i + 1,
        i % 3 == 0 ? truth_yes : truth_no, i % 2 ? "m" : "f");
  gchar *path = write_file ("ann.csv", s->str);
  g_string_free (s, TRUE);
  return path;
}

/* A result as lucidtextenc leaves it: the top label and score, and the
 * labels/scores arrays best first. */
static GstBuffer *
result_buffer (guint i, const gchar *top, const gchar *other)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  GST_BUFFER_PTS (buf) = i * GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND;
  GstStructure *s = gst_structure_new ("lucid-result",
      "element", G_TYPE_STRING, "test", "kind", G_TYPE_STRING, "labels",
      "model-id", G_TYPE_STRING, "0", "model-dir", G_TYPE_STRING, "m",
      "label", G_TYPE_STRING, top, "score", G_TYPE_DOUBLE, 0.75, NULL);
  GValue labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  const gchar *names[] = { top, other };
  for (guint k = 0; k < 2; k++) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, names[k]);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, k ? 0.25 : 0.75);
    gst_value_array_append_and_take_value (&scores, &v);
  }
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  lucid_buffer_add_result (buf, s);
  return buf;
}

static GstHarness *
make_harness (GstElement *audit, GstBus **bus)
{
  /* The bus first: start() posts some of the warnings checked here. */
  *bus = gst_bus_new ();
  gst_element_set_bus (audit, *bus);
  GstHarness *h = gst_harness_new_with_element (audit, "sink", "src");
  gst_object_unref (audit);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  return h;
}

static void
release_bus (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* Messages of @type on @bus whose text holds @needle; the first such text
 * into *@first (may be NULL). */
static guint
count_texts (GstBus *bus, GstMessageType type, const gchar *needle,
    gchar **first)
{
  guint n = 0;
  GstMessage *msg;
  while ((msg = gst_bus_pop_filtered (bus, type))) {
    GError *err = NULL;
    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, NULL);
    else
      gst_message_parse_warning (msg, &err, NULL);
    if (strstr (err->message, needle)) {
      if (n == 0 && first)
        *first = g_strdup (err->message);
      n++;
    }
    g_error_free (err);
    gst_message_unref (msg);
  }
  return n;
}

/* Pushes @n result buffers (top label @top(i)) through an audit set up by
 * @props (a gst_util_set_object_arg list "name", "value", …, NULL) and
 * returns the bus, every message still queued. */
typedef const gchar *(*TopFunc) (guint i);

static const gchar *
top_yes_no (guint i)
{
  return i % 4 == 1 ? "no" : "yes";
}

static const gchar *
top_no (guint i)
{
  return "no";
}

static GstBus *
run_audit (guint n, TopFunc top, const gchar *first_prop, ...)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  va_list ap;
  va_start (ap, first_prop);
  for (const gchar *p = first_prop; p; p = va_arg (ap, const gchar *))
    gst_util_set_object_arg (G_OBJECT (audit), p, va_arg (ap, const gchar *));
  va_end (ap);
  GstBus *bus;
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < n; i++) {
    const gchar *t = top (i);
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i, t,
                !strcmp (t, "yes") ? "no" : "yes")));
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  return bus;
}

/* positive-label=yse while the results say yes/no: one warning naming the
 * labels seen, over two windows; the right label gives none. */
GST_START_TEST (test_positive_label_typo)
{
  gchar *ann = annotations_csv (8, "yes", "no");
  GstBus *bus = run_audit (8, top_yes_no, "annotations", ann,
      "positive-label", "yse", "window", "tumbling", "window-size", "4",
      "n-boot", "0", NULL);
  gchar *text = NULL;
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING,
          "positive-label 'yse' is none of the labels", &text), 1);
  fail_unless (strstr (text, "labels seen: no, yes") != NULL, "%s", text);
  g_free (text);
  release_bus (bus);

  bus = run_audit (8, top_yes_no, "annotations", ann, "positive-label",
      "yes", "window", "tumbling", "window-size", "4", "n-boot", "0", NULL);
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING, "", NULL),
      0);
  release_bus (bus);
  g_free (ann);
}

GST_END_TEST;

/* Truth values pos/neg against positive-label=yes: said at start, with the
 * values found. */
GST_START_TEST (test_truth_never_positive)
{
  gchar *ann = annotations_csv (4, "pos", "neg");
  GstBus *bus = run_audit (4, top_yes_no, "annotations", ann,
      "positive-label", "yes,maybe", "window-size", "4", "n-boot", "0",
      NULL);
  gchar *text = NULL;
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING,
          "no ground truth in annotations file", &text), 1);
  fail_unless (strstr (text, "equals positive-label 'yes,maybe' (truth "
          "values: pos, neg)") != NULL, "%s", text);
  g_free (text);
  release_bus (bus);
  g_free (ann);
}

GST_END_TEST;

/* A class the results name (in their labels) but never predict, and no
 * positive truth: one warning for the first such window. */
GST_START_TEST (test_window_without_positive)
{
  gchar *ann = annotations_csv (8, "no", "no");
  GstBus *bus = run_audit (8, top_no, "annotations", ann, "positive-label",
      "yes", "window", "tumbling", "window-size", "4", "n-boot", "0", NULL);
  gchar *text = NULL;
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING,
          "has no positive prediction and no positive truth", &text), 1);
  fail_unless (strstr (text, "class 'yes': window 0") != NULL, "%s", text);
  g_free (text);
  release_bus (bus);
  g_free (ann);
}

GST_END_TEST;

/* Goes to PAUSED with @prop=@value (and the other pairs): the error text. */
static gchar *
start_error (const gchar *first_prop, ...)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  g_object_set (audit, "positive-label", "yes", NULL);
  va_list ap;
  va_start (ap, first_prop);
  for (const gchar *p = first_prop; p; p = va_arg (ap, const gchar *))
    gst_util_set_object_arg (G_OBJECT (audit), p, va_arg (ap, const gchar *));
  va_end (ap);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (audit, bus);
  fail_unless (gst_element_set_state (audit, GST_STATE_PAUSED)
      == GST_STATE_CHANGE_FAILURE);
  gchar *text = NULL;
  count_texts (bus, GST_MESSAGE_ERROR, "", &text);
  gst_element_set_state (audit, GST_STATE_NULL);
  release_bus (bus);
  gst_object_unref (audit);
  fail_unless (text != NULL);
  return text;
}

GST_START_TEST (test_condition_syntax)
{
  gchar *text = start_error ("convention", "aif360", "privileged", "gender",
      "unprivileged", "gender=f", NULL);
  fail_unless (strstr (text, "privileged condition 'gender': expected "
          "attribute=value") != NULL, "%s", text);
  g_free (text);
  text = start_error ("groupings", "gender=f", NULL);
  fail_unless (strstr (text, "'gender=f' is not an attribute name") != NULL,
      "%s", text);
  g_free (text);
  /* a positive-label of separators only names no class */
  text = start_error ("positive-label", ",", NULL);
  fail_unless (strstr (text, "lucidaudit needs positive-label") != NULL,
      "%s", text);
  g_free (text);
}

GST_END_TEST;

/* groupings=gendr and privileged=gendr=m over gender=f/m groups: one
 * warning each run, naming the entry and the groups. */
GST_START_TEST (test_unmatched_names)
{
  gchar *ann = annotations_csv (8, "yes", "no");
  GstBus *bus = run_audit (8, top_yes_no, "annotations", ann,
      "positive-label", "yes", "window", "tumbling", "window-size", "4",
      "groupings", "gendr", "n-boot", "0", NULL);
  gchar *text = NULL;
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING,
          "grouping 'gendr': no group has attribute 'gendr'", &text), 1);
  fail_unless (strstr (text, "gender=f, gender=m") != NULL, "%s", text);
  g_free (text);
  release_bus (bus);

  bus = run_audit (8, top_yes_no, "annotations", ann, "positive-label",
      "yes", "window", "tumbling", "window-size", "4", "convention",
      "aif360", "privileged", "gendr=m", "unprivileged", "gender=f",
      "n-boot", "0", NULL);
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_WARNING,
          "privileged condition 'gendr=m' matches no group", NULL), 1);
  release_bus (bus);
  g_free (ann);
}

GST_END_TEST;

/* The combination that aborted in g_renew is refused at start with the
 * bytes it needs; a max-memory holding two groups stops the stream at the
 * third with an error, not a crash. */
GST_START_TEST (test_max_memory)
{
  gchar *text = start_error ("window", "sliding", "window-size", "65536",
      "window-slide", "1", "n-boot", "100000", NULL);
  fail_unless (strstr (text, "needs 419440994368 bytes per group (65537 "
          "buckets") != NULL, "%s", text);
  fail_unless (strstr (text, "above max-memory=1073741824") != NULL, "%s",
      text);
  g_free (text);

  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  /* cumulative, n-boot 9: 2 × 10 × 64 = 1280 bytes per group */
  g_object_set (audit, "positive-label", "yes", "n-boot", 9, "max-memory",
      (guint64) 2 * 1280 + 100, NULL);
  GstBus *bus;
  GstHarness *h = make_harness (audit, &bus);
  const gchar *groups[] = { "gender=f", "gender=m", "gender=x" };
  GstFlowReturn ret[3];
  for (guint i = 0; i < 3; i++) {
    GstTagList *tags = gst_tag_list_new (LUCID_TAG_GROUPS, groups[i], NULL);
    fail_unless (gst_harness_push_event (h, gst_event_new_tag (tags)));
    ret[i] = gst_harness_push (h, result_buffer (i, "yes", "no"));
  }
  fail_unless_equals_int (ret[0], GST_FLOW_OK);
  fail_unless_equals_int (ret[1], GST_FLOW_OK);
  fail_unless_equals_int (ret[2], GST_FLOW_ERROR);
  text = NULL;
  fail_unless_equals_int (count_texts (bus, GST_MESSAGE_ERROR,
          "group 3 ('gender=x') does not fit in the memory limit of 2660 "
          "bytes", &text), 1);
  g_free (text);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

/* Tumbling 10 s windows of stream time; events at 3 s, 12 s, 5 s (late:
 * the open bucket is [10, 20)), 25 s.  The window [10, 20) holds 2 events
 * with late=clamp, 1 with late=drop; n-late is 1 either way. */
static void
late_window (const gchar *late, guint64 *n_events, guint64 *n_late)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  g_object_set (audit, "positive-label", "yes", "window-size",
      (guint64) 10 * GST_SECOND, "n-boot", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "window", "tumbling");
  gst_util_set_object_arg (G_OBJECT (audit), "window-unit", "time");
  gst_util_set_object_arg (G_OBJECT (audit), "late", late);
  GstBus *bus;
  GstHarness *h = make_harness (audit, &bus);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  GstTagList *tags = gst_tag_list_new (LUCID_TAG_GROUPS, "gender=f", NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_tag (tags)));
  const guint at[] = { 3, 12, 5, 25 };
  *n_events = *n_late = G_MAXUINT64;
  for (guint i = 0; i < G_N_ELEMENTS (at); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (at[i],
            "yes", "no"));
    gpointer state = NULL;
    const GstStructure *w;
    while ((w = lucid_buffer_iterate_audit_windows (out, &state))) {
      guint64 start;
      fail_unless (gst_structure_get_uint64 (w, "start", &start));
      if (start == 10 * GST_SECOND)
        fail_unless (gst_structure_get (w, "n-events", G_TYPE_UINT64,
                n_events, "n-late", G_TYPE_UINT64, n_late, NULL));
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_START_TEST (test_late_property)
{
  guint64 n, late;
  late_window ("clamp", &n, &late);
  fail_unless_equals_uint64 (n, 2);
  fail_unless_equals_uint64 (late, 1);
  late_window ("drop", &n, &late);
  fail_unless_equals_uint64 (n, 1);
  fail_unless_equals_uint64 (late, 1);
}

GST_END_TEST;

/* Groups from the tag only, no annotations: Fairlearn's truth-based
 * between-group figures are NaN with reason no-truth (docs/audit.md), as
 * the per-group rates are; demographic parity is a number. */
GST_START_TEST (test_tag_only_groups_no_truth)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  g_object_set (audit, "positive-label", "yes", "window-size", (guint64) 4,
      "n-boot", 0, NULL);
  GstBus *bus;
  GstHarness *h = make_harness (audit, &bus);
  const GstStructure *w = NULL;
  GstBuffer *last = NULL;
  for (guint i = 0; i < 4; i++) {
    GstTagList *tags = gst_tag_list_new (LUCID_TAG_GROUPS,
        i % 2 ? "gender=m" : "gender=f", NULL);
    fail_unless (gst_harness_push_event (h, gst_event_new_tag (tags)));
    GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (i,
            top_yes_no (i), "x"));
    if (i < 3) {
      gst_buffer_unref (out);
      continue;
    }
    last = out;
    gpointer state = NULL;
    w = lucid_buffer_iterate_audit_windows (last, &state);
  }
  fail_unless (w != NULL);
  const GValue *figs = gst_structure_get_value (w, "figures");
  guint n_checked = 0;
  for (guint i = 0; i < gst_value_array_get_size (figs); i++) {
    const GstStructure *f =
        gst_value_get_structure (gst_value_array_get_value (figs, i));
    const gchar *metric = gst_structure_get_string (f, "metric");
    if (gst_structure_has_field (f, "group"))
      continue;
    gdouble v = NAN;
    gst_structure_get_double (f, "value", &v);
    if (g_str_has_prefix (metric, "demographic_parity")) {
      fail_if (isnan (v), "%s", metric);
      continue;
    }
    fail_unless (isnan (v), "%s = %g", metric, v);
    fail_unless_equals_string (gst_structure_get_string (f, "reason"),
        "no-truth");
    n_checked++;
  }
  fail_unless_equals_int (n_checked, 4);  /* equal opportunity, odds × 2 */
  gst_buffer_unref (last);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

static void
register_elements (void)
{
  lucid_meta_init ();
  GstElementFactory *factory = gst_element_factory_find ("lucidaudit");
  if (factory)
    gst_object_unref (factory);
  else
    GST_ELEMENT_REGISTER (lucidaudit, NULL);
}

static Suite *
lucidaudit_checks_suite (void)
{
  Suite *s = suite_create ("lucidaudit-checks");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_positive_label_typo);
  tcase_add_test (tc, test_truth_never_positive);
  tcase_add_test (tc, test_window_without_positive);
  tcase_add_test (tc, test_condition_syntax);
  tcase_add_test (tc, test_unmatched_names);
  tcase_add_test (tc, test_max_memory);
  tcase_add_test (tc, test_late_property);
  tcase_add_test (tc, test_tag_only_groups_no_truth);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  register_elements ();
  return gst_check_run_suite (lucidaudit_checks_suite (), "lucidaudit-checks",
      __FILE__);
}
