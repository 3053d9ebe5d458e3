/* test-audit.c — lucidaudit in a GstHarness: events from result metas,
 * groups and truth from an annotations file and the lucid-groups tag,
 * windows attached to the buffer that closes them, lucid-audit and
 * lucid-audit-alert bus messages, partial windows as custom events at EOS
 * and after a flush, one-vs-rest, thresholds, and clear errors.
 *
 * Expected counts and figures are computed by hand from the event pattern
 * described at make_events().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <unistd.h>

#include "lucidauditmeta.h"
#include "lucidelements.h"
#include "lucidmeta.h"

static gchar *tmp_dir;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("lucid-audit-XXXXXX", NULL);
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

/* Event i (i = 0 …): pts i s; gender f for even i, m for odd; truth "yes"
 * when i % 3 == 0, else "no"; predicted label "yes" unless i % 4 == 1.
 * Windows of 4 events: f = {i, i+2} both predicted yes, m = {i+1, i+3} one
 * yes → selection rates 1 and 0.5, demographic parity ratio 0.5. */
static gchar *
annotations_csv (guint n)
{
  GString *s = g_string_new ("start,end,truth,gender\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%u,%u,%s,%s\n", i, i + 1,
        i % 3 == 0 ? "yes" : "no", i % 2 ? "m" : "f");
  gchar *path = write_file ("ann.csv", s->str);
  g_string_free (s, TRUE);
  return path;
}

static GstBuffer *
result_buffer (guint i, const gchar *label, gdouble score)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  GST_BUFFER_PTS (buf) = i * GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND;
  lucid_buffer_add_result (buf, gst_structure_new ("lucid-result",
          "element", G_TYPE_STRING, "test", "kind", G_TYPE_STRING, "labels",
          "model-id", G_TYPE_STRING, "0", "model-dir", G_TYPE_STRING, "m",
          "label", G_TYPE_STRING, label, "score", G_TYPE_DOUBLE, score, NULL));
  return buf;
}

static const gchar *
label_of (guint i)
{
  return i % 4 == 1 ? "no" : "yes";
}

static GstHarness *
make_harness (GstElement *audit, GstBus **bus)
{
  GstHarness *h = gst_harness_new_with_element (audit, "sink", "src");
  gst_object_unref (audit);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  return h;
}

/* Messages hold a reference to the element, which holds the bus: drop the
 * queued ones so that nothing stays in that cycle. */
static void
release_bus (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* The figure @metric of @grouping (and @group, or between-group) in a
 * window structure; NAN when absent, fails when there is no such figure. */
static gdouble
figure (const GstStructure *w, const gchar *grouping, const gchar *group,
    const gchar *metric, const gchar **reason)
{
  const GValue *figs = gst_structure_get_value (w, "figures");
  fail_unless (figs != NULL);
  for (guint i = 0; i < gst_value_array_get_size (figs); i++) {
    const GstStructure *f =
        gst_value_get_structure (gst_value_array_get_value (figs, i));
    const gchar *g = gst_structure_get_string (f, "group");
    if (g_strcmp0 (gst_structure_get_string (f, "grouping"), grouping)
        || g_strcmp0 (gst_structure_get_string (f, "metric"), metric)
        || g_strcmp0 (g, group))
      continue;
    gdouble v = NAN;
    gst_structure_get_double (f, "value", &v);
    if (reason)
      *reason = gst_structure_get_string (f, "reason");
    return v;
  }
  fail ("no figure %s %s %s", grouping, group, metric);
  return NAN;
}

static const GstStructure *
group_counts (const GstStructure *w, const gchar *group)
{
  const GValue *groups = gst_structure_get_value (w, "groups");
  for (guint i = 0; i < gst_value_array_get_size (groups); i++) {
    const GstStructure *g =
        gst_value_get_structure (gst_value_array_get_value (groups, i));
    if (!g_strcmp0 (gst_structure_get_string (g, "group"), group))
      return g;
  }
  fail ("no group %s", group);
  return NULL;
}

static guint
count_messages (GstBus *bus, const gchar *name, GPtrArray *out)
{
  GstMessage *msg;
  guint n = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, name)) {
      n++;
      if (out)
        g_ptr_array_add (out, gst_structure_copy (s));
    }
    gst_message_unref (msg);
  }
  return n;
}

static GstEvent *
pull_custom_event (GstHarness *h)
{
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM)
      return ev;
    gst_event_unref (ev);
  }
  return NULL;
}

GST_START_TEST (test_windows_messages_and_eos)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1 /* tumbling */ , "window-size", (guint64) 4,
      "groupings", "gender", "alert", "demographic_parity_ratio<0.8",
      NULL);
  GstHarness *h = make_harness (audit, &bus);

  for (guint i = 0; i < 10; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h,
        result_buffer (i, label_of (i), 0.9));
    gpointer state = NULL;
    const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
    if (i == 3 || i == 7) {
      fail_unless (w != NULL, "buffer %u closes a window", i);
      guint64 index, n, start, end;
      gboolean partial;
      fail_unless (gst_structure_get (w, "index", G_TYPE_UINT64, &index,
              "n-events", G_TYPE_UINT64, &n, "start", G_TYPE_UINT64, &start,
              "end", G_TYPE_UINT64, &end, "partial", G_TYPE_BOOLEAN, &partial,
              NULL));
      fail_unless_equals_uint64 (index, i / 4);
      fail_unless_equals_uint64 (n, 4);
      fail_unless_equals_uint64 (start, i - 3);
      fail_unless_equals_uint64 (end, i + 1);
      fail_if (partial);
      fail_unless_equals_string (gst_structure_get_string (w, "class"), "yes");
      fail_unless_equals_float (figure (w, "gender", "gender=f",
              "selection_rate", NULL), 1.0);
      fail_unless_equals_float (figure (w, "gender", "gender=m",
              "selection_rate", NULL), 0.5);
      fail_unless_equals_float (figure (w, "gender", NULL,
              "demographic_parity_ratio", NULL), 0.5);
      fail_unless_equals_float (figure (w, "gender", NULL,
              "demographic_parity_difference", NULL), 0.5);
      if (i == 3) {
        /* f: i=0 yes/yes TP, i=2 no/yes FP; m: i=1 no/no TN, i=3 yes/yes TP */
        gdouble tp, fp, tn, fn;
        fail_unless (gst_structure_get (group_counts (w, "gender=f"),
                "tp", G_TYPE_DOUBLE, &tp, "fp", G_TYPE_DOUBLE, &fp,
                "tn", G_TYPE_DOUBLE, &tn, "fn", G_TYPE_DOUBLE, &fn, NULL));
        fail_unless (tp == 1 && fp == 1 && tn == 0 && fn == 0);
        fail_unless (gst_structure_get (group_counts (w, "gender=m"),
                "tp", G_TYPE_DOUBLE, &tp, "fp", G_TYPE_DOUBLE, &fp,
                "tn", G_TYPE_DOUBLE, &tn, "fn", G_TYPE_DOUBLE, &fn, NULL));
        fail_unless (tp == 1 && fp == 0 && tn == 1 && fn == 0);
      }
      const GValue *alerts = gst_structure_get_value (w, "alerts");
      fail_unless_equals_int (gst_value_array_get_size (alerts), 1);
    } else {
      fail_unless (w == NULL, "buffer %u closes no window", i);
    }
    gst_buffer_unref (out);
  }
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  GPtrArray *alerts = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  /* Messages are popped per kind: collect both in one pass. */
  GstMessage *msg;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "lucid-audit"))
      g_ptr_array_add (windows, gst_structure_copy (s));
    else if (gst_structure_has_name (s, "lucid-audit-alert"))
      g_ptr_array_add (alerts, gst_structure_copy (s));
    gst_message_unref (msg);
  }
  fail_unless_equals_int (windows->len, 2);
  fail_unless_equals_int (alerts->len, 2);
  gboolean is_new;
  gdouble value;
  fail_unless (gst_structure_get (alerts->pdata[0], "new", G_TYPE_BOOLEAN,
          &is_new, "value", G_TYPE_DOUBLE, &value, NULL));
  fail_unless (is_new);
  fail_unless_equals_float (value, 0.5);
  fail_unless_equals_string (gst_structure_get_string (alerts->pdata[0],
          "rule"), "demographic_parity_ratio<0.8");
  fail_unless_equals_string (gst_structure_get_string (alerts->pdata[0],
          "grouping"), "gender");
  fail_unless (gst_structure_get (alerts->pdata[1], "new", G_TYPE_BOOLEAN,
          &is_new, NULL));
  fail_if (is_new, "the second window continues the breach");

  /* EOS: the two remaining events (f yes, m no) close as a partial window,
   * carried by a custom downstream event before EOS. */
  while ((msg = gst_bus_pop (bus)))
    gst_message_unref (msg);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  GstEvent *ev = pull_custom_event (h);
  fail_unless (ev != NULL, "no window event at EOS");
  const GstStructure *w = gst_event_get_structure (ev);
  fail_unless (gst_structure_has_name (w, LUCID_AUDIT_WINDOW_STRUCTURE));
  gboolean partial;
  guint64 n;
  fail_unless (gst_structure_get (w, "partial", G_TYPE_BOOLEAN, &partial,
          "n-events", G_TYPE_UINT64, &n, NULL));
  fail_unless (partial);
  fail_unless_equals_uint64 (n, 2);
  fail_unless_equals_float (figure (w, "gender", NULL,
          "demographic_parity_ratio", NULL), 0.0);
  gst_event_unref (ev);
  GstEvent *eos = gst_harness_try_pull_event (h);
  fail_unless (eos && GST_EVENT_TYPE (eos) == GST_EVENT_EOS);
  gst_event_unref (eos);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", NULL), 1);

  g_ptr_array_unref (windows);
  g_ptr_array_unref (alerts);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

GST_START_TEST (test_tag_groups_items_and_missing_truth)
{
  /* Truth and age by item (the buffer's index), gender from the tag; item
   * 2 has no truth and, with missing-truth=negative, counts as negative. */
  gchar *ann = write_file ("ann.jsonl",
      "{\"item\":\"0\",\"truth\":\"yes\",\"age\":\"old\"}\n"
      "{\"item\":\"1\",\"truth\":\"no\",\"age\":\"young\",\"gender\":\"x\"}\n"
      "{\"item\":\"2\",\"age\":\"old\"}\n");
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "missing-truth", 1, "window-size", (guint64) 3, NULL);
  GstHarness *h = make_harness (audit, &bus);
  GstTagList *tags = gst_tag_list_new (LUCID_TAG_GROUPS, "gender=f", NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_tag (tags)));
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i, "yes",
                0.5)));
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 1);
  const GstStructure *w = windows->pdata[0];
  /* The annotation's gender=x overrides the tag's gender=f. */
  guint64 n;
  fail_unless (gst_structure_get_uint64 (group_counts (w, "age=old;gender=f"),
          "n", &n));
  fail_unless_equals_uint64 (n, 2);
  fail_unless (gst_structure_get_uint64 (group_counts (w,
              "age=young;gender=x"), "n", &n));
  fail_unless_equals_uint64 (n, 1);
  /* age=old: item 0 TP, item 2 FP (missing truth = negative). */
  fail_unless_equals_float (figure (w, "age", "age=old", "ppv", NULL), 0.5);
  const gchar *reason;
  /* gender=x has no positives: Fairlearn's TPR is 0 by convention. */
  fail_unless_equals_float (figure (w, "gender", "gender=x", "tpr", &reason),
      0.0);
  fail_unless_equals_string (reason, "zero-by-convention");
  g_ptr_array_unref (windows);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

/* Buffers without a PTS: no time range can hold them, so the whole-stream
 * row annotates them; with no such row they are skipped, and the element
 * says so once (a warning naming the annotations file), not silently. */
static GstBuffer *
untimed_buffer (guint i)
{
  GstBuffer *buf = result_buffer (i, label_of (i), 0.9);
  GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  return buf;
}

static guint
count_warnings (GstBus *bus, const gchar *needle)
{
  GstMessage *msg;
  guint n = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    g_autoptr (GError) err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (strstr (err->message, needle) != NULL, "%s", err->message);
    n++;
    gst_message_unref (msg);
  }
  return n;
}

GST_START_TEST (test_untimed_buffers_whole_stream_row)
{
  gchar *whole = write_file ("whole.jsonl",
      "{\"truth\":\"yes\",\"gender\":\"f\"}\n");
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", whole, "positive-label", "yes",
      "window-size", (guint64) 4, NULL);
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < 4; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, untimed_buffer (i)));
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 1);
  guint64 n;
  fail_unless (gst_structure_get_uint64 (group_counts (windows->pdata[0],
              "gender=f"), "n", &n));
  fail_unless_equals_uint64 (n, 4);
  /* Truth "yes" for all, item 1 predicted "no": 3 TP, 1 FN → TPR 3/4. */
  fail_unless_equals_float (figure (windows->pdata[0], "gender", "gender=f",
          "tpr", NULL), 0.75);
  fail_unless_equals_int (count_warnings (bus, whole), 0);
  g_ptr_array_unref (windows);
  release_bus (bus);
  gst_harness_teardown (h);

  /* Only a time range: untimed buffers match nothing → one warning. */
  gchar *ranged = write_file ("ranged.csv", "start,end,truth,gender\n"
      "0,100,yes,f\n");
  audit = gst_element_factory_make ("lucidaudit", NULL);
  g_object_set (audit, "annotations", ranged, "positive-label", "yes",
      "window-size", (guint64) 2, NULL);
  h = make_harness (audit, &bus);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, untimed_buffer (i)));
  fail_unless_equals_int (count_warnings (bus, ranged), 1);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", NULL), 0);
  /* Timestamped buffers inside the range are audited as before. */
  for (guint i = 0; i < 2; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i, "yes",
                0.9)));
  fail_unless_equals_int (count_messages (bus, "lucid-audit", NULL), 1);
  fail_unless_equals_int (count_warnings (bus, ranged), 0);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (whole);
  g_free (ranged);
}

GST_END_TEST;

/* Events without truth (docs/audit.md, "Events without truth").  Items
 * 0-6: gender f (0, 2, 4), m (1, 3, 5) and x (6); items 4, 5 and 6 have no
 * truth (so x has none at all).  The default, prediction-only, counts
 * every event for the figures that need no truth and only the events with
 * truth for the others: its selection rates and demographic parity equal
 * those of missing-truth=negative (which also counts all seven), and its
 * truth-based rates those of missing-truth=skip (which counts the four with
 * truth), in one window of one element. */
static GPtrArray *
run_missing_truth (const gchar *ann, gint mode, guint64 window)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window-size", window, NULL);
  if (mode >= 0)
    g_object_set (audit, "missing-truth", mode, NULL);
  GstHarness *h = make_harness (audit, &bus);
  static const gchar *labels[] = { "yes", "no", "yes", "yes", "yes", "no",
    "yes"
  };
  for (guint i = 0; i < 7; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i,
                labels[i], 0.9)));
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 1);
  /* Every event has an annotation row: no "no row matches" warning. */
  fail_unless_equals_int (count_warnings (bus, ann), 0);
  release_bus (bus);
  gst_harness_teardown (h);
  return windows;
}

static guint64
group_uint (const GstStructure *w, const gchar *group, const gchar *field)
{
  guint64 v;
  fail_unless (gst_structure_get_uint64 (group_counts (w, group), field, &v));
  return v;
}

static gdouble
group_double (const GstStructure *w, const gchar *group, const gchar *field)
{
  gdouble v;
  fail_unless (gst_structure_get_double (group_counts (w, group), field, &v));
  return v;
}

GST_START_TEST (test_missing_truth_prediction_figures)
{
  gchar *ann = write_file ("partial-truth.jsonl",
      "{\"item\":\"0\",\"truth\":\"yes\",\"gender\":\"f\"}\n"
      "{\"item\":\"1\",\"truth\":\"yes\",\"gender\":\"m\"}\n"
      "{\"item\":\"2\",\"truth\":\"no\",\"gender\":\"f\"}\n"
      "{\"item\":\"3\",\"truth\":\"yes\",\"gender\":\"m\"}\n"
      "{\"item\":\"4\",\"gender\":\"f\"}\n"
      "{\"item\":\"5\",\"gender\":\"m\"}\n"
      "{\"item\":\"6\",\"gender\":\"x\"}\n");
  /* The default is prediction-only. */
  GstElement *probe = gst_element_factory_make ("lucidaudit", NULL);
  GParamSpecEnum *ps = G_PARAM_SPEC_ENUM (g_object_class_find_property
      (G_OBJECT_GET_CLASS (probe), "missing-truth"));
  fail_unless_equals_string (g_enum_get_value (ps->enum_class,
          ps->default_value)->value_nick, "prediction-only");
  gst_object_unref (probe);

  /* prediction-only (the default: mode -1 leaves the property alone). */
  GPtrArray *both = run_missing_truth (ann, -1, 7);
  const GstStructure *w = both->pdata[0];
  guint64 n_events, n_no_truth;
  fail_unless (gst_structure_get_uint64 (w, "n-events", &n_events));
  fail_unless_equals_uint64 (n_events, 7);
  fail_unless (gst_structure_get_uint64 (w, "n-no-truth", &n_no_truth));
  fail_unless_equals_uint64 (n_no_truth, 0);     /* none left out */
  /* f: items 0 (TP), 2 (FP) with truth, 4 (predicted yes) without. */
  fail_unless_equals_uint64 (group_uint (w, "gender=f", "n"), 2);
  fail_unless_equals_uint64 (group_uint (w, "gender=f", "n-no-truth"), 1);
  fail_unless_equals_float (group_double (w, "gender=f", "pp-no-truth"), 1.0);
  fail_unless_equals_float (group_double (w, "gender=f", "pn-no-truth"), 0.0);
  fail_unless_equals_uint64 (group_uint (w, "gender=m", "n-no-truth"), 1);
  fail_unless_equals_float (group_double (w, "gender=m", "pn-no-truth"), 1.0);
  fail_unless_equals_uint64 (group_uint (w, "gender=x", "n"), 0);
  fail_unless_equals_uint64 (group_uint (w, "gender=x", "n-no-truth"), 1);
  /* Prediction-only figures over all seven: f 3/3, m 1/3, x 1/1. */
  fail_unless_equals_float (figure (w, "gender", "gender=f", "selection_rate",
          NULL), 1.0);
  fail_unless_equals_float (figure (w, "gender", "gender=m", "selection_rate",
          NULL), 1.0 / 3);
  fail_unless_equals_float (figure (w, "gender", "gender=x", "selection_rate",
          NULL), 1.0);
  fail_unless_equals_float (figure (w, "gender", NULL,
          "demographic_parity_difference", NULL), 2.0 / 3);
  fail_unless_equals_float (figure (w, "gender", NULL,
          "demographic_parity_ratio", NULL), 1.0 / 3);
  /* Truth-based ones over the four with truth: m TPR 1/2, no truth
   * negatives (TNR 0 by Fairlearn's convention); x has no truth at all. */
  const gchar *reason;
  fail_unless_equals_float (figure (w, "gender", "gender=m", "tpr", NULL),
      0.5);
  fail_unless_equals_float (figure (w, "gender", "gender=m", "tnr", &reason),
      0.0);
  fail_unless_equals_string (reason, "zero-by-convention");
  fail_unless (isnan (figure (w, "gender", "gender=x", "tpr", &reason)));
  fail_unless_equals_string (reason, "no-truth");
  /* equal opportunity: f TPR 1/1, m 1/2 (x is not a group of the rows
   * with truth). */
  fail_unless_equals_float (figure (w, "gender", NULL,
          "equal_opportunity_difference", NULL), 0.5);

  /* negative: the same prediction-only figures, but item 5 became a true
   * negative of m (TNR 1/1, from a truth it never had). */
  GPtrArray *neg = run_missing_truth (ann, 1, 7);
  const GstStructure *wn = neg->pdata[0];
  const gchar *prediction_only[] = { "demographic_parity_difference",
    "demographic_parity_ratio"
  };
  for (guint i = 0; i < G_N_ELEMENTS (prediction_only); i++)
    fail_unless_equals_float (figure (wn, "gender", NULL, prediction_only[i],
            NULL), figure (w, "gender", NULL, prediction_only[i], NULL));
  fail_unless_equals_float (figure (wn, "gender", "gender=m", "tnr", NULL),
      1.0);
  fail_unless_equals_uint64 (group_uint (wn, "gender=m", "n-no-truth"), 0);

  /* skip: the four events with truth only, for every figure: the same
   * truth-based rates, but demographic parity over those four (f 2/2,
   * m 1/2: difference 1/2 instead of 2/3), and three events left out. */
  GPtrArray *skip = run_missing_truth (ann, 0, 4);
  const GstStructure *ws = skip->pdata[0];
  const gchar *truth_based[] = { "tpr", "tnr", "fpr", "ppv", "accuracy" };
  for (guint i = 0; i < G_N_ELEMENTS (truth_based); i++) {
    fail_unless_equals_float (figure (ws, "gender", "gender=m",
            truth_based[i], NULL), figure (w, "gender", "gender=m",
            truth_based[i], NULL));
    fail_unless_equals_float (figure (ws, "gender", "gender=f",
            truth_based[i], NULL), figure (w, "gender", "gender=f",
            truth_based[i], NULL));
  }
  fail_unless_equals_float (figure (ws, "gender", NULL,
          "equal_opportunity_difference", NULL), 0.5);
  fail_unless_equals_float (figure (ws, "gender", NULL,
          "demographic_parity_difference", NULL), 0.5);
  fail_unless (gst_structure_get_uint64 (ws, "n-no-truth", &n_no_truth));
  /* the window closed at item 3, before the three without truth */
  fail_unless_equals_uint64 (n_no_truth, 0);
  g_ptr_array_unref (both);
  g_ptr_array_unref (neg);
  g_ptr_array_unref (skip);
  g_free (ann);
}

GST_END_TEST;

/* n-boot and seed through the element: the same seed gives the same
 * intervals, another seed other intervals (docs/audit.md, Draws). */
static GstStructure *
run_bootstrap (guint64 seed)
{
  gchar *ann = annotations_csv (40);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window-size", (guint64) 40, "n-boot", 200, "seed", seed, NULL);
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < 40; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i,
                i % 5 < 2 ? "yes" : "no", 0.5)));
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 1);
  GstStructure *w = gst_structure_copy (windows->pdata[0]);
  g_ptr_array_unref (windows);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
  return w;
}

/* "lower,upper;" of every between-group figure with an interval. */
static gchar *
intervals_text (const GstStructure *w, guint *n)
{
  GString *s = g_string_new (NULL);
  const GValue *figs = gst_structure_get_value (w, "figures");
  *n = 0;
  for (guint i = 0; i < gst_value_array_get_size (figs); i++) {
    const GstStructure *f =
        gst_value_get_structure (gst_value_array_get_value (figs, i));
    gdouble lo, hi;
    guint valid = 0;
    gst_structure_get_uint (f, "n-boot-valid", &valid);
    if (gst_structure_has_field (f, "group") || valid == 0)
      continue;
    fail_unless (gst_structure_get_double (f, "lower", &lo)
        && gst_structure_get_double (f, "upper", &hi));
    g_string_append_printf (s, "%s:%.17g,%.17g;",
        gst_structure_get_string (f, "metric"), lo, hi);
    (*n)++;
  }
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_bootstrap_seed_reproducible)
{
  GstStructure *a = run_bootstrap (7), *b = run_bootstrap (7),
      *c = run_bootstrap (8);
  guint na, nb, nc;
  g_autofree gchar *ta = intervals_text (a, &na);
  g_autofree gchar *tb = intervals_text (b, &nb);
  g_autofree gchar *tc = intervals_text (c, &nc);
  guint n_boot;
  fail_unless (gst_structure_get_uint (a, "n-boot", &n_boot));
  fail_unless_equals_int (n_boot, 200);
  fail_unless (na >= 6, "between-group figures with intervals: %u", na);
  fail_unless_equals_string (ta, tb);
  fail_unless_equals_int (na, nc);
  fail_if (g_str_equal (ta, tc), "seed 8 gave the intervals of seed 7");
  gst_structure_free (a);
  gst_structure_free (b);
  gst_structure_free (c);
}

GST_END_TEST;

/* The harness forwards only sticky events to its sink harness, and
 * buffers only when asked: hand over what lucidaudit sent, in order. */
static void
forward_events (GstHarness *h)
{
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h))) {
    switch (GST_EVENT_TYPE (ev)) {
      case GST_EVENT_STREAM_START:
      case GST_EVENT_CAPS:
      case GST_EVENT_SEGMENT:
        gst_event_unref (ev);   /* already forwarded */
        break;
      default:
        fail_unless (gst_harness_push_event (h->sink_harness, ev));
    }
  }
}

static void
push_through (GstHarness *h, GstBuffer *buf)
{
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  forward_events (h);
  fail_unless_equals_int (gst_harness_push_to_sink (h), GST_FLOW_OK);
}

/* A flushing seek's partial window goes downstream as a serialized custom
 * event and reaches lucidsink: audit_windows has it, partial, with its
 * counts, next to the window of the fresh stream after the flush. */
GST_START_TEST (test_flush_partial_window_reaches_sink)
{
  gchar *ann = annotations_csv (10);
  gchar *db_path = g_build_filename (g_get_tmp_dir (), "lucid-audit-flush-XXXXXX",
      NULL);
  gint fd = g_mkstemp (db_path);
  fail_unless (fd >= 0);
  close (fd);
  g_unlink (db_path);
  GstElement *audit = gst_element_factory_make ("lucidaudit", "flushaudit");
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window-size", (guint64) 4, NULL);
  GstHarness *h = make_harness (audit, &bus);
  g_autofree gchar *launch = g_strdup_printf ("lucidsink location=%s "
      "run-label=flush", db_path);
  gst_harness_add_sink_parse (h, launch);
  for (guint i = 0; i < 3; i++)
    push_through (h, result_buffer (i, label_of (i), 0.5));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  forward_events (h);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (guint i = 0; i < 4; i++)
    push_through (h, result_buffer (i, label_of (i), 0.5));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  forward_events (h);
  release_bus (bus);
  gst_harness_teardown (h);

  sqlite3 *db = NULL;
  fail_unless_equals_int (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY,
          NULL), SQLITE_OK);
  sqlite3_stmt *stmt = NULL;
  fail_unless_equals_int (sqlite3_prepare_v2 (db,
          "SELECT group_concat(window_index || ':' || n_events || ':' || partial, ' ')"
          " FROM (SELECT * FROM audit_windows WHERE element = 'flushaudit'"
          " ORDER BY seq)", -1, &stmt, NULL), SQLITE_OK);
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
  /* The partial window of 3, then window 0 of the fresh stream. */
  fail_unless_equals_string ((const gchar *) sqlite3_column_text (stmt, 0),
      "0:3:1 0:4:0");
  sqlite3_finalize (stmt);
  fail_unless_equals_int (sqlite3_prepare_v2 (db,
          "SELECT sum(g.n) FROM audit_groups g JOIN audit_windows w"
          " ON w.seq = g.window_seq WHERE w.partial AND g.grouping = 'gender'",
          -1, &stmt, NULL), SQLITE_OK);
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
  fail_unless_equals_int (sqlite3_column_int (stmt, 0), 3);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *f = g_strconcat (db_path, (const gchar *[]) {
          "", "-wal", "-shm"}[i], NULL);
    g_unlink (f);
  }
  g_free (db_path);
  g_free (ann);
}

GST_END_TEST;

GST_START_TEST (test_flush_closes_partial_window)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1, "window-size", (guint64) 4, NULL);
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, result_buffer (i,
                label_of (i), 0.5)));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  GstEvent *ev = pull_custom_event (h);
  fail_unless (ev != NULL, "the flush closes the open window");
  gboolean partial;
  guint64 n, index;
  fail_unless (gst_structure_get (gst_event_get_structure (ev), "partial",
          G_TYPE_BOOLEAN, &partial, "n-events", G_TYPE_UINT64, &n, "index",
          G_TYPE_UINT64, &index, NULL));
  fail_unless (partial);
  fail_unless_equals_uint64 (n, 3);
  fail_unless_equals_uint64 (index, 0);
  gst_event_unref (ev);
  /* After the flush, a fresh stream: four more events close window 0. */
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (guint i = 0; i < 4; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (i,
            label_of (i), 0.5));
    gpointer state = NULL;
    const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
    fail_unless ((w != NULL) == (i == 3));
    if (w) {
      fail_unless (gst_structure_get (w, "partial", G_TYPE_BOOLEAN, &partial,
              "n-events", G_TYPE_UINT64, &n, "index", G_TYPE_UINT64, &index,
              NULL));
      fail_if (partial);
      fail_unless_equals_uint64 (n, 4);
      fail_unless_equals_uint64 (index, 0);
    }
    gst_buffer_unref (out);
  }
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

GST_START_TEST (test_one_vs_rest_and_threshold)
{
  gchar *ann = write_file ("ann.csv", "item,truth,g\n0,a,p\n1,b,q\n2,c,p\n"
      "3,a,q\n");
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "a,b",
      "threshold", 0.6, "window-size", (guint64) 4, NULL);
  GstHarness *h = make_harness (audit, &bus);
  /* Scores per item: a is positive at ≥ 0.6 from labels/scores. */
  const gdouble score_a[4] = { 0.7, 0.2, 0.6, 0.1 };
  for (guint i = 0; i < 4; i++) {
    GstBuffer *buf = result_buffer (i, "a", score_a[i]);
    GValue labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
    g_value_init (&labels, GST_TYPE_ARRAY);
    g_value_init (&scores, GST_TYPE_ARRAY);
    const gchar *names[3] = { "a", "b", "c" };
    const gdouble sc[3] = { score_a[i], 1.0 - score_a[i], 0.0 };
    for (guint k = 0; k < 3; k++) {
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, names[k]);
      gst_value_array_append_and_take_value (&labels, &v);
      g_value_init (&v, G_TYPE_DOUBLE);
      g_value_set_double (&v, sc[k]);
      gst_value_array_append_and_take_value (&scores, &v);
    }
    gpointer state = NULL;
    GstStructure *r = (GstStructure *) lucid_buffer_iterate_results (buf,
        &state);
    gst_structure_take_value (r, "labels", &labels);
    gst_structure_take_value (r, "scores", &scores);
    gst_buffer_unref (gst_harness_push_and_pull (h, buf));
  }
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 2);
  for (guint k = 0; k < 2; k++) {
    const GstStructure *w = windows->pdata[k];
    const gchar *klass = gst_structure_get_string (w, "class");
    if (!g_strcmp0 (klass, "a")) {
      /* predicted a: items 0, 2 (both g=p); truth a: items 0, 3. */
      fail_unless_equals_float (figure (w, "g", "g=p", "selection_rate",
              NULL), 1.0);
      fail_unless_equals_float (figure (w, "g", "g=q", "selection_rate",
              NULL), 0.0);
      fail_unless_equals_float (figure (w, "g", "g=q", "fnr", NULL), 1.0);
    } else {
      fail_unless_equals_string (klass, "b");
      /* predicted b: 1 − score ≥ 0.6 → items 1, 3 (both g=q). */
      fail_unless_equals_float (figure (w, "g", "g=q", "selection_rate",
              NULL), 1.0);
      fail_unless_equals_float (figure (w, "g", "g=q", "tpr", NULL), 1.0);
      fail_unless_equals_float (figure (w, "g", "g=p", "selection_rate",
              NULL), 0.0);
    }
  }
  g_ptr_array_unref (windows);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

GST_START_TEST (test_time_windows_and_gap)
{
  /* Tumbling 2 s windows of stream time; annotations by time range. */
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1, "window-unit", 1, "window-size", (guint64) 2 * GST_SECOND,
      NULL);
  GstHarness *h = make_harness (audit, &bus);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  /* Events at 0 s and 1 s: window [0, 2 s) stays open. */
  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (i,
            label_of (i), 0.5));
    gpointer state = NULL;
    fail_unless (lucid_buffer_iterate_audit_windows (out, &state) == NULL);
    gst_buffer_unref (out);
  }
  /* An event at 3 s closes [0, 2 s) on its own buffer. */
  GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (3,
          label_of (3), 0.5));
  gpointer state = NULL;
  const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
  fail_unless (w != NULL);
  guint64 start, end, n;
  fail_unless (gst_structure_get (w, "start", G_TYPE_UINT64, &start, "end",
          G_TYPE_UINT64, &end, "n-events", G_TYPE_UINT64, &n, NULL));
  fail_unless_equals_uint64 (start, 0);
  fail_unless_equals_uint64 (end, 2 * GST_SECOND);
  fail_unless_equals_uint64 (n, 2);
  fail_unless_equals_string (gst_structure_get_string (w, "unit"), "time");
  gst_buffer_unref (out);
  /* A gap to 5 s: [2 s, 4 s) (the 3 s event) closes, as an event. */
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (4 * GST_SECOND,
              GST_SECOND)));
  GstEvent *ev = pull_custom_event (h);
  fail_unless (ev != NULL, "the gap closes [2 s, 4 s)");
  gboolean partial;
  fail_unless (gst_structure_get (gst_event_get_structure (ev), "start",
          G_TYPE_UINT64, &start, "n-events", G_TYPE_UINT64, &n, "partial",
          G_TYPE_BOOLEAN, &partial, NULL));
  fail_unless_equals_uint64 (start, 2 * GST_SECOND);
  fail_unless_equals_uint64 (n, 1);
  fail_if (partial);
  gst_event_unref (ev);
  /* Nothing open: EOS adds no window. */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (pull_custom_event (h) == NULL);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", NULL), 2);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

/* The window carried by the next custom event, with its n-events, index
 * and partial flag; fails when none comes before another serialized
 * event type (@before, e.g. the new SEGMENT). */
static void
expect_window_event (GstHarness *h, GstEventType before, guint64 n_events,
    guint64 index, gboolean partial, const gchar *stream_id)
{
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h))) {
    fail_if (GST_EVENT_TYPE (ev) == before,
        "no window before the %s event", GST_EVENT_TYPE_NAME (ev));
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM)
      break;
    gst_event_unref (ev);
  }
  fail_unless (ev != NULL, "no window event");
  const GstStructure *w = gst_event_get_structure (ev);
  guint64 n, i;
  gboolean p;
  fail_unless (gst_structure_get (w, "n-events", G_TYPE_UINT64, &n,
          "index", G_TYPE_UINT64, &i, "partial", G_TYPE_BOOLEAN, &p, NULL));
  fail_unless_equals_uint64 (n, n_events);
  fail_unless_equals_uint64 (i, index);
  fail_unless_equals_int (p, partial);
  if (stream_id)
    fail_unless_equals_string (gst_structure_get_string (w, "stream-id"),
        stream_id);
  gst_event_unref (ev);
  /* The event that followed it is still there: @before comes next. */
  ev = gst_harness_try_pull_event (h);
  if (before != GST_EVENT_UNKNOWN) {
    fail_unless (ev != NULL && GST_EVENT_TYPE (ev) == before,
        "the window travels right before the %s event",
        gst_event_type_get_name (before));
  }
  if (ev)
    gst_event_unref (ev);
}

static void
push_events_at (GstHarness *h, guint from, guint to)
{
  for (guint i = from; i < to; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (i,
            label_of (i), 0.5));
    gpointer state = NULL;
    fail_unless (lucid_buffer_iterate_audit_windows (out, &state) == NULL,
        "the event at %u s closes no window", i);
    gst_buffer_unref (out);
  }
}

/* A SEGMENT without a flush: stream time that starts again (a looping or
 * concatenating source, a non-flushing seek back) closes the open time
 * windows as partial before the new segment, and the windows start afresh
 * with nothing late; a segment later in stream time closes the windows that
 * end by its start, not partial. */
GST_START_TEST (test_non_flushing_segment_change)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1, "window-unit", 1, "window-size", (guint64) 10 * GST_SECOND,
      "groupings", "gender", NULL);
  GstHarness *h = make_harness (audit, &bus);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  push_events_at (h, 0, 6);     /* [0, 10 s) holds 6 events */
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h)))
    gst_event_unref (ev);

  /* Stream time back to 0 (running time goes on). */
  segment.base = 6 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  expect_window_event (h, GST_EVENT_SEGMENT, 6, 0, TRUE, NULL);
  push_events_at (h, 0, 4);

  /* A segment from 30 s on: [0, 10 s) with the 4 new events is complete. */
  segment.base = 10 * GST_SECOND;
  segment.time = 30 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  expect_window_event (h, GST_EVENT_SEGMENT, 4, 0, FALSE, NULL);

  /* Nothing was late, and nothing is open now. */
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fail_unless_equals_int (count_messages (bus, "lucid-audit", windows), 2);
  for (guint i = 0; i < windows->len; i++) {
    guint64 late;
    fail_unless (gst_structure_get_uint64 (windows->pdata[i], "n-late",
            &late));
    fail_unless_equals_uint64 (late, 0);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (pull_custom_event (h) == NULL);
  g_ptr_array_unref (windows);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

/* Count windows do not depend on stream time: a segment change leaves them
 * open. */
GST_START_TEST (test_segment_change_keeps_count_windows)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1, "window-size", (guint64) 4, "groupings", "gender", NULL);
  GstHarness *h = make_harness (audit, &bus);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  push_events_at (h, 0, 2);
  segment.base = 2 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless (pull_custom_event (h) == NULL);
  push_events_at (h, 2, 3);
  GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (3,
          label_of (3), 0.5));
  gpointer state = NULL;
  const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
  fail_unless (w != NULL, "the 4th event closes the window");
  guint64 n;
  fail_unless (gst_structure_get_uint64 (w, "n-events", &n));
  fail_unless_equals_uint64 (n, 4);
  gst_buffer_unref (out);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

/* Several streams through one lucidaudit (and so into one lucidsink): each
 * window and alert names its stream (stream-id, and the stream property);
 * a window never spans two streams. */
GST_START_TEST (test_stream_ids_in_windows_and_alerts)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1, "window-size", (guint64) 4, "groupings", "gender",
      "stream", "cam1", "alert", "demographic_parity_ratio<0.8", NULL);
  GstHarness *h = make_harness (audit, &bus);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("one")));
  push_events_at (h, 0, 2);
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h)))
    gst_event_unref (ev);
  /* A new stream: its first two events' window closes, partial. */
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("two")));
  expect_window_event (h, GST_EVENT_STREAM_START, 2, 0, TRUE, "one");
  push_events_at (h, 0, 3);
  GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (3,
          label_of (3), 0.5));
  gpointer state = NULL;
  const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
  fail_unless (w != NULL);
  fail_unless_equals_string (gst_structure_get_string (w, "stream-id"), "two");
  fail_unless_equals_string (gst_structure_get_string (w, "stream"), "cam1");
  gst_buffer_unref (out);

  GPtrArray *alerts = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  /* One alert per window: stream one's partial window (f 1 of 1 selected,
   * m 0 of 1: ratio 0), then stream two's (ratio 0.5). */
  fail_unless_equals_int (count_messages (bus, "lucid-audit-alert", alerts),
      2);
  fail_unless_equals_string (gst_structure_get_string (alerts->pdata[0],
          "stream-id"), "one");
  const GstStructure *a = alerts->pdata[1];
  fail_unless_equals_string (gst_structure_get_string (a, "stream-id"), "two");
  fail_unless_equals_string (gst_structure_get_string (a, "stream"), "cam1");
  fail_unless_equals_string (gst_structure_get_string (a, "element"),
      GST_OBJECT_NAME (h->element));
  guint64 index;
  fail_unless (gst_structure_get_uint64 (a, "window-index", &index));
  fail_unless_equals_uint64 (index, 0);
  g_ptr_array_unref (alerts);
  release_bus (bus);
  gst_harness_teardown (h);
  g_free (ann);
}

GST_END_TEST;

/* The convention properties reach the figures: AIF360 group sets and
 * Aequitas' given reference, on the 4-event window of make_events() (f: 2
 * of 2 selected, m: 1 of 2). */
GST_START_TEST (test_conventions)
{
  gchar *ann = annotations_csv (4);
  for (guint c = 0; c < 2; c++) {
    GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
    GstBus *bus;
    g_object_set (audit, "annotations", ann, "positive-label", "yes",
        "window", 1, "window-size", (guint64) 4, "groupings", "gender", NULL);
    if (c == 0)
      gst_util_set_object_arg (G_OBJECT (audit), "convention", "aif360");
    else
      gst_util_set_object_arg (G_OBJECT (audit), "convention", "aequitas");
    g_object_set (audit, "privileged", "gender=m", "unprivileged", "gender=f",
        "reference-group", "gender=f", NULL);
    gst_util_set_object_arg (G_OBJECT (audit), "reference", "given");
    GstHarness *h = make_harness (audit, &bus);
    GstBuffer *last = NULL;
    for (guint i = 0; i < 4; i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, result_buffer (i,
              label_of (i), 0.5));
      if (i == 3)
        last = out;
      else
        gst_buffer_unref (out);
    }
    gpointer state = NULL;
    const GstStructure *w = lucid_buffer_iterate_audit_windows (last, &state);
    fail_unless (w != NULL);
    if (c == 0) {
      fail_unless_equals_string (gst_structure_get_string (w, "convention"),
          "aif360");
      /* SR_f / SR_m = 1 / 0.5; SR_f − SR_m = 0.5. */
      fail_unless_equals_float (figure (w, "", NULL, "disparate_impact",
              NULL), 2.0);
      fail_unless_equals_float (figure (w, "", NULL,
              "statistical_parity_difference", NULL), 0.5);
      figure (w, "", NULL, "theil_index", NULL);
      figure (w, "gender", NULL, "between_all_groups_theil_index", NULL);
    } else {
      /* ppr = pp / k: f 2/3, m 1/3; against f: 0.5 and 1. */
      fail_unless_equals_float (figure (w, "gender", "gender=m",
              "ppr_disparity", NULL), 0.5);
      fail_unless_equals_float (figure (w, "gender", "gender=f",
              "ppr_disparity", NULL), 1.0);
      fail_unless_equals_float (figure (w, "gender", "gender=m", "ppr",
              NULL), 1.0 / 3.0);
    }
    gst_buffer_unref (last);
    release_bus (bus);
    gst_harness_teardown (h);
  }
  g_free (ann);
}

GST_END_TEST;

/* Starts @audit alone and returns the bus error's text (or NULL). */
static gchar *
start_error (GstElement *audit, GstBus *bus, GstMessageType type)
{
  gst_element_set_bus (audit, bus);
  gst_element_set_state (audit, GST_STATE_PAUSED);
  gchar *text = NULL;
  GstMessage *msg;
  while (!text && (msg = gst_bus_pop_filtered (bus, type))) {
    GError *error = NULL;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &error, NULL);
    else
      gst_message_parse_warning (msg, &error, NULL);
    text = g_strdup (error->message);
    g_error_free (error);
    gst_message_unref (msg);
  }
  gst_element_set_state (audit, GST_STATE_NULL);
  return text;
}

GST_START_TEST (test_errors_name_the_problem)
{
  gchar *bad = write_file ("bad.csv", "start,end,truth,g\n0,1,yes,a\n"
      "2,1,yes,b\n");
  const struct {
    const gchar *prop, *value, *malformed, *expect;
    GstMessageType type;
  } cases[] = {
    {"annotations", NULL, "fatal", "bad.csv:3: end 1 is not after start 2",
        GST_MESSAGE_ERROR},
    {"annotations", NULL, "skip", "bad.csv:3: end 1 is not after start 2",
        GST_MESSAGE_WARNING},
    {"alert", "dp<0.8", "skip", "alert 'dp<0.8', column 1: unknown figure",
        GST_MESSAGE_ERROR},
    {"positive-label", "", "skip", "lucidaudit needs positive-label",
        GST_MESSAGE_ERROR},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
    GstBus *bus = gst_bus_new ();
    g_object_set (audit, "positive-label", "yes", NULL);
    gst_util_set_object_arg (G_OBJECT (audit), "malformed",
        cases[i].malformed);
    g_object_set (audit, cases[i].prop, cases[i].value ? cases[i].value : bad,
        NULL);
    gchar *text = start_error (audit, bus, cases[i].type);
    fail_unless (text != NULL, "case %u: no message", i);
    fail_unless (strstr (text, cases[i].expect) != NULL,
        "case %u: '%s' lacks '%s'", i, text, cases[i].expect);
    g_free (text);
    release_bus (bus);
    gst_object_unref (audit);
  }
  /* A missing file is named too. */
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus = gst_bus_new ();
  g_object_set (audit, "positive-label", "yes", "annotations",
      "/nonexistent/ann.csv", NULL);
  gchar *text = start_error (audit, bus, GST_MESSAGE_ERROR);
  fail_unless (text && strstr (text, "/nonexistent/ann.csv"));
  g_free (text);
  release_bus (bus);
  gst_object_unref (audit);
  g_free (bad);
}

GST_END_TEST;

/* Two stages left a labelled result on each buffer (`lucidtextenc !
 * lucidclassify`): the most recently added one is audited, unless
 * `source` names the other (by element name prefix or model-id). */
static GstBuffer *
two_results_buffer (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  GST_BUFFER_PTS (buf) = i * GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND;
  lucid_buffer_add_result (buf, gst_structure_new ("lucid-result",
          "element", G_TYPE_STRING, "textenc0", "kind", G_TYPE_STRING,
          "labels", "model-id", G_TYPE_STRING, "enc-model", "label",
          G_TYPE_STRING, "no", "score", G_TYPE_DOUBLE, 0.9, NULL));
  lucid_buffer_add_result (buf, gst_structure_new ("lucid-result",
          "element", G_TYPE_STRING, "classify0", "kind", G_TYPE_STRING,
          "labels", "model-id", G_TYPE_STRING, "cls-model", "label",
          G_TYPE_STRING, "yes", "score", G_TYPE_DOUBLE, 0.8, NULL));
  return buf;
}

static gdouble
selection_rate_with_source (const gchar *source)
{
  gchar *ann = annotations_csv (4);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1 /* tumbling */ , "window-size", (guint64) 4,
      "groupings", "gender", "source", source, NULL);
  GstHarness *h = make_harness (audit, &bus);
  gdouble sr = NAN;
  for (guint i = 0; i < 4; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, two_results_buffer (i));
    gpointer state = NULL;
    const GstStructure *w = lucid_buffer_iterate_audit_windows (out, &state);
    if (i == 3) {
      fail_unless (w != NULL);
      sr = figure (w, "gender", "gender=f", "selection_rate", NULL);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  release_bus (bus);
  g_free (ann);
  return sr;
}

GST_START_TEST (test_source_picks_the_result)
{
  /* Default: the classifier's (added last) "yes" on every buffer. */
  fail_unless_equals_float (selection_rate_with_source (NULL), 1.0);
  fail_unless_equals_float (selection_rate_with_source ("classify"), 1.0);
  /* The encoder's "no", by element name prefix and by model-id. */
  fail_unless_equals_float (selection_rate_with_source ("textenc"), 0.0);
  fail_unless_equals_float (selection_rate_with_source ("enc-model"), 0.0);
}

GST_END_TEST;

/* A reference group that is no group warns once, naming it; an alert rule
 * on a figure the convention never reports is refused at start. */
GST_START_TEST (test_reference_and_alert_checks)
{
  gchar *ann = annotations_csv (8);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1 /* tumbling */ , "window-size", (guint64) 4,
      "groupings", "gender", "reference-group", "gender=x", NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "convention", "aequitas");
  gst_util_set_object_arg (G_OBJECT (audit), "reference", "given");
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < 8; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h,
            result_buffer (i, label_of (i), 0.9)));
  guint n_warnings = 0;
  GstMessage *msg;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    if (strstr (err->message, "reference-group 'gender=x' matches no group")) {
      n_warnings++;
      fail_unless (strstr (err->message, "gender=f, gender=m") != NULL,
          "%s", err->message);
    }
    g_error_free (err);
    gst_message_unref (msg);
  }
  fail_unless_equals_int (n_warnings, 1);   /* two windows, one warning */
  gst_harness_teardown (h);
  release_bus (bus);

  audit = gst_element_factory_make ("lucidaudit", NULL);
  bus = gst_bus_new ();
  g_object_set (audit, "positive-label", "yes", "alert",
      "disparate_impact<0.8", NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "convention", "fairlearn");
  gchar *text = start_error (audit, bus, GST_MESSAGE_ERROR);
  fail_unless (text != NULL);
  fail_unless (strstr (text, "alert rule 'disparate_impact<0.8': "
          "convention=fairlearn never reports disparate_impact") != NULL,
      "%s", text);
  fail_unless (strstr (text, "demographic_parity_ratio") != NULL, "%s", text);
  g_free (text);
  release_bus (bus);
  gst_object_unref (audit);
  /* The same rule is accepted with AIF360. */
  audit = gst_element_factory_make ("lucidaudit", NULL);
  bus = gst_bus_new ();
  g_object_set (audit, "positive-label", "yes", "alert",
      "disparate_impact<0.8", NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "convention", "aif360");
  gst_element_set_bus (audit, bus);
  fail_unless (gst_element_set_state (audit, GST_STATE_PAUSED)
      != GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (audit, GST_STATE_NULL);
  release_bus (bus);
  gst_object_unref (audit);
  g_free (ann);
}

GST_END_TEST;

/* method takes Fairlearn's spellings (to_overall, between_groups) and the
 * nicks (to-overall, between-groups). */
GST_START_TEST (test_method_spellings)
{
  const struct { const gchar *text; gint want; } cases[] = {
    {"to_overall", 1}, {"to-overall", 1}, {"between_groups", 0},
    {"between-groups", 0},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
    gint other = cases[i].want ? 0 : 1, got = -1;
    g_object_set (audit, "method", other, NULL);
    gst_util_set_object_arg (G_OBJECT (audit), "method", cases[i].text);
    g_object_get (audit, "method", &got, NULL);
    fail_unless_equals_int (got, cases[i].want);
    gst_object_unref (audit);
  }
}

GST_END_TEST;

/* attach-current (default on): every buffer after the first window closed
 * carries the last closed window as "lucid-audit-current", which
 * lucid_buffer_iterate_audit_windows() skips (lucidsink logs each window
 * once); off, only the closing buffers carry a window. */
static void
check_attach_current (gboolean on)
{
  gchar *ann = annotations_csv (10);
  GstElement *audit = gst_element_factory_make ("lucidaudit", NULL);
  GstBus *bus;
  g_object_set (audit, "annotations", ann, "positive-label", "yes",
      "window", 1 /* tumbling */ , "window-size", (guint64) 4,
      "groupings", "gender", NULL);
  if (!on)
    g_object_set (audit, "attach-current", FALSE, NULL);
  GstHarness *h = make_harness (audit, &bus);
  for (guint i = 0; i < 10; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h,
        result_buffer (i, label_of (i), 0.9));
    gpointer state = NULL;
    guint n_windows = 0, n_current = 0;
    while (lucid_buffer_iterate_audit_windows (out, &state))
      n_windows++;
    fail_unless_equals_int (n_windows, i == 3 || i == 7 ? 1 : 0);
    state = NULL;
    const GstStructure *c;
    while ((c = lucid_buffer_iterate_audit_current (out, &state))) {
      n_current++;
      guint64 index;
      fail_unless (gst_structure_get_uint64 (c, "index", &index));
      fail_unless_equals_uint64 (index, i >= 7 ? 1 : 0);
      fail_unless_equals_float (figure (c, "gender", "gender=m",
              "selection_rate", NULL), 0.5);
    }
    fail_unless_equals_int (n_current, on && i >= 3 ? 1 : 0);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  release_bus (bus);
  g_free (ann);
}

GST_START_TEST (test_attach_current)
{
  check_attach_current (TRUE);
  check_attach_current (FALSE);
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
lucidaudit_suite (void)
{
  Suite *s = suite_create ("lucidaudit");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_windows_messages_and_eos);
  tcase_add_test (tc, test_tag_groups_items_and_missing_truth);
  tcase_add_test (tc, test_flush_closes_partial_window);
  tcase_add_test (tc, test_untimed_buffers_whole_stream_row);
  tcase_add_test (tc, test_missing_truth_prediction_figures);
  tcase_add_test (tc, test_bootstrap_seed_reproducible);
  tcase_add_test (tc, test_flush_partial_window_reaches_sink);
  tcase_add_test (tc, test_one_vs_rest_and_threshold);
  tcase_add_test (tc, test_time_windows_and_gap);
  tcase_add_test (tc, test_non_flushing_segment_change);
  tcase_add_test (tc, test_segment_change_keeps_count_windows);
  tcase_add_test (tc, test_stream_ids_in_windows_and_alerts);
  tcase_add_test (tc, test_conventions);
  tcase_add_test (tc, test_errors_name_the_problem);
  tcase_add_test (tc, test_source_picks_the_result);
  tcase_add_test (tc, test_reference_and_alert_checks);
  tcase_add_test (tc, test_method_spellings);
  tcase_add_test (tc, test_attach_current);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  register_elements ();
  return gst_check_run_suite (lucidaudit_suite (), "lucidaudit", __FILE__);
}
