/* lucidaudit-stream.c — lucidaudit's streaming side: start/stop, one
 * prediction event per buffer, windows closing into metas, bus messages and
 * custom events.  Everything here runs on the streaming thread (start and
 * stop while streaming is stopped); properties are read once, in start(),
 * under the object lock.  The figures themselves come from core
 * (lucid-audit-figures); the element's contract is its doc block in
 * lucidaudit.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidaudit-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucidauditmeta.h"
#include "lucidmeta.h"

/* The GstBaseTransform implementation LucidAudit chains up to. */
static GstBaseTransformClass *
parent_class (void)
{
  return GST_BASE_TRANSFORM_CLASS (g_type_class_peek
      (GST_TYPE_BASE_TRANSFORM));
}

static const char *
window_kind_name (LucidAuditWindowKind kind)
{
  switch (kind) {
    case LUCID_AUDIT_WINDOW_CUMULATIVE:
      return "cumulative";
    case LUCID_AUDIT_WINDOW_TUMBLING:
      return "tumbling";
    case LUCID_AUDIT_WINDOW_SLIDING:
      return "sliding";
  }
  return "?";
}

/* ---- setup -------------------------------------------------------------- */

static void
class_audit_free (gpointer p)
{
  ClassAudit *c = p;
  lucid_audit_window_free (c->window);
  if (c->last)
    gst_structure_free (c->last);
  g_free (c->klass);
  g_free (c);
}

/* "a=b;c=d, e=f" → { "a=b;c=d", "e=f", NULL }; NULL for NULL/blank. */
static char **
split_list (const char *text)
{
  if (!text)
    return NULL;
  char **parts = g_strsplit (text, ",", -1);
  guint n = 0;
  for (guint i = 0; parts[i]; i++) {
    g_strstrip (parts[i]);
    if (*parts[i])
      parts[n++] = parts[i];
    else
      g_free (parts[i]);
  }
  parts[n] = NULL;
  if (n == 0) {
    g_free (parts);
    return NULL;
  }
  return parts;
}

static void window_closed (const LucidAuditWindowReport * report,
    gpointer user_data);

/* An annotations file with ground truth of which no value is a positive
 * label (`pos` against positive-label=positive): every event would be a
 * truth negative, so the truth-based figures mean nothing.  Said at start,
 * with the truth values found. */
static void
warn_truth_labels (LucidAudit *self)
{
  if (!self->annotations)
    return;
  g_autoptr (GPtrArray) values = g_ptr_array_new ();
  guint n = lucid_annotations_n_rows (self->annotations);
  for (guint i = 0; i < n; i++) {
    const char *truth = lucid_annotations_row (self->annotations, i)->truth;
    if (!truth)
      continue;
    for (guint k = 0; k < self->classes->len; k++)
      if (!strcmp (truth, ((ClassAudit *) self->classes->pdata[k])->klass))
        return;
    gboolean listed = FALSE;
    for (guint v = 0; v < values->len && !listed; v++)
      listed = !strcmp (values->pdata[v], truth);
    if (!listed && values->len < 8)
      g_ptr_array_add (values, (gpointer) truth);
  }
  if (values->len == 0)
    return;                     /* no truth at all: prediction-only */
  g_ptr_array_add (values, NULL);
  g_autofree char *seen = g_strjoinv (", ", (char **) values->pdata);
  g_autofree char *labels = g_strdup (self->positive_label);
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("no ground truth in annotations file '%s' equals positive-label '%s' "
          "(truth values: %s): every event is a truth negative, so the "
          "truth-based figures (tpr, equal opportunity, equalized odds ...) "
          "are 0 or NaN", self->annotations_path, labels, seen),
      ("the truth column must spell the positive class as the model's "
          "labels do"));
}

gboolean
lucid_audit_start (GstBaseTransform *trans)
{
  LucidAudit *self = LUCID_AUDIT (trans);
  g_autoptr (GError) error = NULL;

  GST_OBJECT_LOCK (self);
  if (self->annotations_path) {
    self->annotations = lucid_annotations_load (self->annotations_path,
        self->annotations_format, self->malformed, &error);
  }
  if (!error) {
    self->rules = lucid_audit_alert_parse (self->alert, &error);
  }
  /* A rule on a figure this convention never reports would never fire. */
  for (guint i = 0; !error && self->rules && i < self->rules->len; i++) {
    const LucidAuditAlertRule *rule = self->rules->pdata[i];
    if (!lucid_audit_figure_in_convention (rule->metric, self->convention)) {
      g_autofree char *names =
          lucid_audit_convention_figure_names_text (self->convention);
      g_set_error (&error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "alert rule '%s': convention=%s never reports %s (it would never "
          "fire); its figures are: %s", rule->text,
          lucid_audit_convention_name (self->convention), rule->metric,
          names);
    }
  }
  if (error) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        (NULL));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  if (self->annotations) {
    const GPtrArray *w = lucid_annotations_get_warnings (self->annotations);
    for (guint i = 0; i < w->len; i++) {
      GST_WARNING_OBJECT (self, "%s", (char *) w->pdata[i]);
      /* Not silent: each skipped line is a warning message on the bus. */
      GST_OBJECT_UNLOCK (self);
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("%s", (char *) w->pdata[i]),
          ("annotations file warning (malformed lines: skipped with "
          "malformed=skip); docs/audit.md, \"Annotations files\""));
      GST_OBJECT_LOCK (self);
    }
  }

  LucidAuditFiguresConfig *c = &self->config;
  memset (c, 0, sizeof *c);
  c->convention = self->convention;
  c->method = self->method;
  c->aggregation = self->aggregation;
  self->config_strv[0] = split_list (self->groupings);
  if (self->config_strv[0])
    for (guint i = 0; self->config_strv[0][i]; i++)
      g_strdelimit (self->config_strv[0][i], "+", ';');
  self->config_strv[1] = split_list (self->privileged);
  self->config_strv[2] = split_list (self->unprivileged);
  c->groupings = self->config_strv[0];
  c->privileged = self->config_strv[1];
  c->unprivileged = self->config_strv[2];
  c->reference = self->reference;
  c->reference_group = self->reference_group;
  c->min_group_size = self->min_group_size;
  c->level = self->confidence;
  c->ge_alpha = self->ge_alpha;
  c->tau = self->tau;

  g_autoptr (GError) config_error = NULL;
  lucid_audit_figures_config_check (c, &config_error);

  LucidAuditWindowConfig wc = {
    self->window_kind, self->window_unit, self->window_size,
    self->window_slide, 0, self->late, self->n_boot, self->seed
  };
  if (wc.kind == LUCID_AUDIT_WINDOW_TUMBLING && wc.slide == 0)
    wc.slide = wc.size;
  if (wc.kind == LUCID_AUDIT_WINDOW_CUMULATIVE && wc.slide == 0)
    wc.slide = wc.size;
  guint64 max_memory = self->max_memory;
  gsize per_group = lucid_audit_window_group_bytes (&wc, NULL);
  g_auto (GStrv) classes = split_list (self->positive_label);
  self->classes = g_ptr_array_new_with_free_func (class_audit_free);
  for (guint i = 0; classes && classes[i]; i++) {
    ClassAudit *ca = g_new0 (ClassAudit, 1);
    ca->self = self;
    ca->klass = g_strdup (classes[i]);
    ca->window = lucid_audit_window_new (&wc, window_closed, ca, NULL, &error);
    g_ptr_array_add (self->classes, ca);
    if (!ca->window)
      break;
    lucid_audit_window_set_max_bytes (ca->window, (gsize) MIN (max_memory,
            G_MAXSIZE));
  }
  gboolean no_class = self->classes->len == 0;
  GST_OBJECT_UNLOCK (self);

  if (no_class) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("lucidaudit needs positive-label (the label that counts as a "
            "positive prediction; several, comma-separated, for one-vs-rest)"),
        (NULL));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  if (error) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("window settings: %s", error->message), (NULL));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  if (config_error) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s",
            config_error->message), ("groupings, privileged, unprivileged, "
            "reference-group; docs/audit.md"));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  /* Refused here rather than by an allocation that fails (or succeeds
   * and swaps) at the first event. */
  if (max_memory && per_group > max_memory) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("window=%s window-size=%" G_GUINT64_FORMAT " window-slide=%"
            G_GUINT64_FORMAT " n-boot=%u needs %" G_GSIZE_FORMAT " bytes per "
            "group (%" G_GUINT64_FORMAT " buckets x (1 + n-boot) replicate "
            "tables x 64 bytes), above max-memory=%" G_GUINT64_FORMAT ": "
            "lower n-boot, widen window-slide, or raise max-memory",
            window_kind_name (wc.kind), wc.size, wc.slide, wc.n_boot,
            per_group, (guint64) (per_group / ((1 + (guint64) wc.n_boot)
                    * sizeof (LucidFairnessCell))), max_memory),
        ("docs/audit.md, \"Cost\""));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  warn_truth_labels (self);
  if (c->convention == LUCID_AUDIT_CONVENTION_AIF360
      && (!c->privileged || !c->unprivileged))
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("convention=aif360 without privileged and unprivileged: only "
            "per-group rates are reported"), (NULL));
  if (c->convention == LUCID_AUDIT_CONVENTION_AEQUITAS
      && c->reference == LUCID_AEQUITAS_REF_GIVEN && !c->reference_group) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("reference=given needs reference-group (e.g. \"gender=m\")"), (NULL));
    lucid_audit_clear_state (self);
    return FALSE;
  }
  self->breached = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  self->closed = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  self->item_index = 0;
  /* "so far" means since this start (an element may be restarted). */
  self->n_no_truth = self->n_no_group = self->n_no_result = 0;
  self->warned_unannotated = FALSE;
  self->warned_reference = FALSE;
  self->warned_unmatched = FALSE;
  self->labels_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  self->error = GST_FLOW_OK;
  return TRUE;
}

/* Frees what start() set up; also on start()'s error paths and in
 * finalize (GstBaseTransform does not call stop() after a failed start). */
void
lucid_audit_clear_state (LucidAudit *self)
{
  g_clear_pointer (&self->annotations, lucid_annotations_free);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->classes, g_ptr_array_unref);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&self->config_strv[i], g_strfreev);
  g_clear_pointer (&self->tag_groups, g_free);
  g_clear_pointer (&self->stream_id, g_free);
  self->counted = FALSE;
  g_clear_pointer (&self->breached, g_hash_table_unref);
  g_clear_pointer (&self->closed, g_ptr_array_unref);
  g_clear_pointer (&self->labels_seen, g_hash_table_unref);
}

gboolean
lucid_audit_stop (GstBaseTransform *trans)
{
  lucid_audit_clear_state (LUCID_AUDIT (trans));
  return TRUE;
}

/* ---- windows ------------------------------------------------------------ */

/* reference=given with a reference-group that is none of the window's
 * groups: Aequitas raises ValueError; here that grouping has no
 * disparities, which is said once. */
static void
warn_reference (LucidAudit *self, const LucidAuditFigures *figures)
{
  if (self->warned_reference || self->convention
      != LUCID_AUDIT_CONVENTION_AEQUITAS || self->reference
      != LUCID_AEQUITAS_REF_GIVEN || !self->reference_group
      || figures->groups->len == 0)
    return;
  GString *seen = g_string_new (NULL);
  for (guint i = 0; i < figures->groups->len; i++) {
    const LucidAuditGroup *g = figures->groups->pdata[i];
    if (!g_strcmp0 (g->group, self->reference_group)) {
      g_string_free (seen, TRUE);
      return;
    }
    g_string_append_printf (seen, "%s%s", i ? ", " : "", g->group);
  }
  self->warned_reference = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("reference-group '%s' matches no group, so no disparity is computed "
          "(Aequitas raises ValueError); groups: %s", self->reference_group,
          seen->str), ("reference=given; a group key is attribute=value "
          "pairs joined by ';' in attribute order, e.g. age=30-39;gender=f"));
  g_string_free (seen, TRUE);
}

/* A grouping attribute or an AIF360 condition that matches no group (a
 * typo: groupings=gendr, privileged=gendr=m): said once. */
static void
warn_unmatched (LucidAudit *self, const LucidAuditWindowReport *report)
{
  if (self->warned_unmatched)
    return;
  g_autofree char *text = lucid_audit_figures_unmatched (report,
      &self->config);
  if (!text)
    return;
  self->warned_unmatched = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("%s", text),
      ("such a grouping reports no group and such a condition makes the "
          "AIF360 set figures NaN (empty-group); AIF360 itself raises on an "
          "unknown attribute"));
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* A positive-label no result names (`positve` for `positive`), or a window
 * without any positive prediction or truth: every difference is 0, every
 * ratio NaN and no alert can fire, which looks like a fair pipeline.  Said
 * once per class. */
static void
warn_no_positive (ClassAudit *ca, const LucidAuditWindowReport *report)
{
  LucidAudit *self = ca->self;
  if (ca->warned_class)
    return;
  if (!ca->named) {
    ca->warned_class = TRUE;
    guint n_seen;
    g_autofree gpointer *seen = g_hash_table_get_keys_as_array
        (self->labels_seen, &n_seen);
    qsort (seen, n_seen, sizeof (gpointer), compare_strings);
    g_autofree char *names = n_seen ? g_strjoinv (", ", (char **) seen)
        : g_strdup ("none");
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("positive-label '%s' is none of the labels of the audited results "
            "(labels seen: %s): no event is predicted positive", ca->klass,
            names), ("with top-k below the number of labels, a class that "
            "never ranks high enough is missing too"));
    return;
  }
  LucidFairnessCell total;
  lucid_fairness_counts_total (report->counts, &total);
  if (lucid_fairness_cell_n_events (&total) == 0
      || lucid_fairness_cell_predicted_positive (&total) > 0
      || total.tp + total.fn > 0)
    return;
  ca->warned_class = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("class '%s': window %" G_GUINT64_FORMAT " has no positive prediction "
          "and no positive truth: every difference is 0, every ratio NaN, "
          "and no alert can fire", ca->klass, report->index),
      ("check positive-label and the annotations' truth values"));
}

/* Called by core inside lucid_audit_window_add/finish (streaming thread). */
static void
window_closed (const LucidAuditWindowReport *report, gpointer user_data)
{
  ClassAudit *ca = user_data;
  LucidAudit *self = ca->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidAuditFigures) figures = lucid_audit_figures_compute (report,
      &self->config, &error);
  if (!figures) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        (NULL));
    self->error = GST_FLOW_ERROR;
    return;
  }
  warn_reference (self, figures);
  warn_unmatched (self, report);
  warn_no_positive (ca, report);
  GstStructure *s = lucid_audit_window_structure (report, figures,
      &self->config, GST_OBJECT_NAME (self),
      ca->klass, window_kind_name (self->window_kind),
      self->window_unit == LUCID_AUDIT_WINDOW_BY_TIME ? "time" : "count");
  gst_structure_set (s, "n-no-truth", G_TYPE_UINT64, self->n_no_truth,
      "n-no-group", G_TYPE_UINT64, self->n_no_group, NULL);
  /* Which stream: several may end in one lucidsink (funnel, concat). */
  if (self->stream_id)
    gst_structure_set (s, "stream-id", G_TYPE_STRING, self->stream_id, NULL);
  if (self->stream)
    gst_structure_set (s, "stream", G_TYPE_STRING, self->stream, NULL);

  g_autoptr (GPtrArray) alerts = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_structure_free);
  lucid_audit_find_alerts (figures, self->rules, s, alerts);
  GValue array = G_VALUE_INIT;
  g_value_init (&array, GST_TYPE_ARRAY);
  g_autoptr (GHashTable) now = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  for (guint i = 0; i < alerts->len; i++) {
    GstStructure *a = alerts->pdata[i];
    /* "new": the rule did not hold for this figure in the previous window
     * (of this class): the crossing itself. */
    g_autofree char *key = g_strdup_printf ("%s\x1f%s\x1f%s\x1f%s", ca->klass,
        gst_structure_get_string (a, "rule"),
        gst_structure_get_string (a, "grouping"),
        gst_structure_has_field (a, "group")
        ? gst_structure_get_string (a, "group") : "");
    gst_structure_set (a, "new", G_TYPE_BOOLEAN,
        !g_hash_table_contains (self->breached, key), NULL);
    g_hash_table_add (now, g_strdup (key));
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_set_boxed (&v, a);
    gst_value_array_append_and_take_value (&array, &v);
  }
  /* Forget this class's breaches that no longer hold. */
  GHashTableIter it;
  gpointer k;
  g_autofree char *prefix = g_strdup_printf ("%s\x1f", ca->klass);
  g_hash_table_iter_init (&it, self->breached);
  while (g_hash_table_iter_next (&it, &k, NULL))
    if (g_str_has_prefix (k, prefix) && !g_hash_table_contains (now, k))
      g_hash_table_iter_remove (&it);
  g_hash_table_iter_init (&it, now);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_hash_table_add (self->breached, g_strdup (k));
  gst_structure_take_value (s, "alerts", &array);

  GST_DEBUG_OBJECT (self, "window %" G_GUINT64_FORMAT " closed: %u alerts",
      report->index, alerts->len);
  /* The message is the window itself, named "lucid-audit". */
  GstStructure *m = gst_structure_copy (s);
  gst_structure_set_name (m, "lucid-audit");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), m));
  for (guint i = 0; i < alerts->len; i++) {
    GstStructure *a = gst_structure_copy (alerts->pdata[i]);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), a));
  }
  if (ca->last)
    gst_structure_free (ca->last);
  ca->last = gst_structure_copy (s);
  g_ptr_array_add (self->closed, s);
}

/* attach-current: the last closed window of each class on @buf. */
static void
attach_current (LucidAudit *self, GstBuffer *buf)
{
  if (!self->attach_current || !self->classes)
    return;
  for (guint i = 0; i < self->classes->len; i++) {
    const ClassAudit *ca = self->classes->pdata[i];
    if (ca->last)
      lucid_buffer_add_audit_current (buf, ca->last);
  }
}

/* Pushes the windows closed without a buffer downstream, each as a
 * serialized custom event. */
static void
push_closed_as_events (LucidAudit *self)
{
  while (self->closed->len > 0) {
    GstStructure *s = g_ptr_array_steal_index (self->closed, 0);
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  }
}

/* Closes every open window as partial and pushes them downstream. */
static void
finish_windows (LucidAudit *self)
{
  if (!self->classes)
    return;
  for (guint i = 0; i < self->classes->len; i++)
    lucid_audit_window_finish (((ClassAudit *) self->classes->pdata[i])->window);
  self->counted = FALSE;
  push_closed_as_events (self);
}

/* Closes the time windows that end by stream time @t (a watermark: no
 * event before @t follows), pushing them as events. */
static void
advance_to (LucidAudit *self, guint64 t)
{
  for (guint i = 0; i < self->classes->len; i++)
    lucid_audit_window_advance (((ClassAudit *) self->classes->pdata[i])
        ->window, t);
  push_closed_as_events (self);
}

/* A SEGMENT without a flush (a non-flushing seek, a looping or
 * concatenating source) on a stream with counted events.  Time windows run
 * on stream time: when the new segment starts before the latest event
 * counted, its events would all be late, so the open windows close now,
 * partial, and the windows start afresh (as after a flush); when it starts
 * later, nothing earlier can follow, so the windows that end by its start
 * close, as at a GAP.  Count windows do not depend on time and go on. */
static void
segment_changed (LucidAudit *self, GstEvent *event)
{
  const GstSegment *segment;
  if (!self->classes || !self->counted
      || self->window_unit != LUCID_AUDIT_WINDOW_BY_TIME)
    return;
  gst_event_parse_segment (event, &segment);
  if (segment->format != GST_FORMAT_TIME)
    return;
  guint64 t0 = gst_segment_to_stream_time (segment, GST_FORMAT_TIME,
      segment->start);
  if (!GST_CLOCK_TIME_IS_VALID (t0))
    t0 = segment->time;
  GST_DEBUG_OBJECT (self, "segment change: stream time %" GST_TIME_FORMAT
      ", latest event %" GST_TIME_FORMAT, GST_TIME_ARGS (t0),
      GST_TIME_ARGS (self->max_t));
  if (t0 < self->max_t)
    finish_windows (self);
  else
    advance_to (self, t0);
}

/* A GAP [ts, ts + duration) says no data comes before its end: time
 * windows that end by then close now (travelling as events). */
static void
advance_windows (LucidAudit *self, GstEvent *gap)
{
  GstClockTime ts, duration;
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  if (!self->classes || self->window_unit != LUCID_AUDIT_WINDOW_BY_TIME)
    return;
  gst_event_parse_gap (gap, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  if (GST_CLOCK_TIME_IS_VALID (duration))
    ts += duration;
  guint64 t = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      ts);
  if (!GST_CLOCK_TIME_IS_VALID (t))
    t = ts;
  advance_to (self, t);
}

/* ---- buffers ------------------------------------------------------------ */

/* The prediction for class @klass from a result structure. */

/* An event that no annotation row matched, so it has no truth (and is
 * left out of the truth-based figures, or of every figure with
 * missing-truth=skip or without a group): said once per element (the
 * n-no-truth / n-no-group counters in each window, and each group's
 * n-no-truth, say how many), so a stream whose buffers carry no timestamp,
 * or whose times miss every range, does not go silently unaudited. */
static void
warn_unannotated (LucidAudit *self, GstClockTime pts, gboolean skipped)
{
  if (self->warned_unannotated)
    return;
  self->warned_unannotated = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("%s: no row of annotations file '%s' matches them", skipped
          ? "events are skipped" : "events have no ground truth",
          self->annotations_path),
      ("first at %s; a buffer without a timestamp only matches an item "
          "row or a whole-stream row", GST_CLOCK_TIME_IS_VALID (pts) ?
          "a timestamped buffer" : "a buffer without PTS"));
}

/* Keeps @label for warn_no_positive()'s message (at most 32 labels). */
static void
note_label (LucidAudit *self, const char *label)
{
  if (g_hash_table_size (self->labels_seen) < 32
      && !g_hash_table_contains (self->labels_seen, label))
    g_hash_table_add (self->labels_seen, g_strdup (label));
}

/* Whether result @r names @klass, as its label or in its labels; the
 * labels it names go to labels_seen (for warn_no_positive()). */
static gboolean
names_class (LucidAudit *self, const GstStructure *r, const char *klass)
{
  gboolean named = FALSE;
  const char *label = gst_structure_get_string (r, "label");
  if (label) {
    named = !strcmp (label, klass);
    note_label (self, label);
  }
  const GValue *labels = gst_structure_get_value (r, "labels");
  if (labels && GST_VALUE_HOLDS_ARRAY (labels)) {
    for (guint i = 0; i < gst_value_array_get_size (labels); i++) {
      const GValue *l = gst_value_array_get_value (labels, i);
      if (!G_VALUE_HOLDS_STRING (l) || !g_value_get_string (l))
        continue;
      named = named || !strcmp (g_value_get_string (l), klass);
      note_label (self, g_value_get_string (l));
    }
  }
  return named;
}

static gboolean
predicted (const GstStructure *r, const char *klass, double threshold)
{
  const char *label = gst_structure_get_string (r, "label");
  if (isnan (threshold))
    return label && !strcmp (label, klass);
  const GValue *labels = gst_structure_get_value (r, "labels");
  const GValue *scores = gst_structure_get_value (r, "scores");
  if (labels && scores && GST_VALUE_HOLDS_ARRAY (labels)
      && GST_VALUE_HOLDS_ARRAY (scores)) {
    guint n = MIN (gst_value_array_get_size (labels),
        gst_value_array_get_size (scores));
    for (guint i = 0; i < n; i++) {
      const GValue *l = gst_value_array_get_value (labels, i);
      const GValue *s = gst_value_array_get_value (scores, i);
      if (G_VALUE_HOLDS_STRING (l) && G_VALUE_HOLDS_DOUBLE (s)
          && !g_strcmp0 (g_value_get_string (l), klass))
        return g_value_get_double (s) >= threshold;
    }
  }
  double score;
  if (label && !strcmp (label, klass)
      && gst_structure_get_double (r, "score", &score))
    return score >= threshold;
  return FALSE;
}

/* The event's group key: the tag's pairs, overridden attribute by
 * attribute by the annotation's. */
static char *
merge_groups (const char *tag, const char *annotation, GError **error)
{
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) a = g_strsplit (annotation ? annotation : "", ";", -1);
  g_auto (GStrv) t = g_strsplit (tag ? tag : "", ";", -1);
  for (guint i = 0; a[i]; i++)
    if (*a[i])
      g_ptr_array_add (pairs, g_strdup (a[i]));
  for (guint i = 0; t[i]; i++) {
    g_strstrip (t[i]);
    const char *eq = strchr (t[i], '=');
    if (!*t[i])
      continue;
    gboolean overridden = FALSE;
    for (guint j = 0; eq && a[j] && !overridden; j++)
      overridden = !strncmp (a[j], t[i], eq - t[i] + 1);
    if (!overridden)
      g_ptr_array_add (pairs, g_strdup (t[i]));
  }
  if (pairs->len == 0)
    return g_strdup ("");
  return lucid_fairness_group_key ((const char *const *) pairs->pdata,
      pairs->len, error);
}

/* Whether result @s is one #LucidAudit:source names (any, when unset). */
static gboolean
result_matches (LucidAudit *self, const GstStructure *s)
{
  if (self->source == NULL || !*self->source)
    return TRUE;
  const char *element = gst_structure_get_string (s, "element");
  const char *model = gst_structure_get_string (s, "model-id");
  return (element && g_str_has_prefix (element, self->source))
      || !g_strcmp0 (model, self->source);
}

GstFlowReturn
lucid_audit_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  LucidAudit *self = LUCID_AUDIT (trans);
  gpointer state = NULL;
  const GstStructure *r = NULL, *s;

  /* Metas iterate in the order they were added (GStreamer keeps it, also
   * through copies): the last matching result is the nearest stage's. */
  while ((s = lucid_buffer_iterate_results (buf, &state)))
    if (gst_structure_has_field (s, "label") && result_matches (self, s))
      r = s;
  guint64 index = self->item_index++;
  if (!r) {
    self->n_no_result++;
    attach_current (self, buf);
    return GST_FLOW_OK;
  }

  /* Stream time of the result (its own pts wins, e.g. audio windows). */
  guint64 pts = GST_BUFFER_PTS (buf);
  gst_structure_get_uint64 (r, "pts", &pts);
  guint64 t = 0;
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    t = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pts);
    if (!GST_CLOCK_TIME_IS_VALID (t))
      t = pts;
  }

  const LucidAnnotation *ann = NULL;
  if (self->annotations) {
    const char *item = gst_structure_get_string (r, "item");
    g_autofree char *index_text = g_strdup_printf ("%" G_GUINT64_FORMAT,
        index);
    ann = lucid_annotations_lookup_item (self->annotations, self->stream,
        item ? item : index_text);
    if (!ann && GST_CLOCK_TIME_IS_VALID (pts))
      ann = lucid_annotations_lookup_time (self->annotations, self->stream, t);
    else if (!ann)              /* no timestamp: only a whole-stream row */
      ann = lucid_annotations_lookup_stream (self->annotations, self->stream);
  }
  const char *truth = ann ? ann->truth : NULL;
  if (!truth && self->missing_truth == LUCID_AUDIT_MISSING_TRUTH_SKIP) {
    self->n_no_truth++;
    if (self->annotations && !ann)
      warn_unannotated (self, pts, TRUE);
    attach_current (self, buf);
    return GST_FLOW_OK;
  }
  g_autoptr (GError) error = NULL;
  g_autofree char *key = merge_groups (self->tag_groups,
      ann ? ann->group_key : NULL, &error);
  if (!key) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("lucid-groups tag '%s': %s",
            self->tag_groups, error->message), (NULL));
    return GST_FLOW_ERROR;
  }
  if (!*key) {
    self->n_no_group++;
    if (self->annotations && !ann)
      warn_unannotated (self, pts, TRUE);
    attach_current (self, buf);
    return GST_FLOW_OK;
  }
  if (self->annotations && !ann)
    warn_unannotated (self, pts, FALSE);
  double weight = ann ? ann->weight : 1.0;

  for (guint i = 0; i < self->classes->len; i++) {
    ClassAudit *ca = self->classes->pdata[i];
    guint g;
    /* until a result names the class, or its one warning has gone out */
    if (!ca->named && !ca->warned_class)
      ca->named = names_class (self, r, ca->klass);
    if (!lucid_audit_window_try_ensure_group (ca->window, key, &g, &error)) {
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, ("%s",
              error->message), ("max-memory=%" G_GUINT64_FORMAT
              "; docs/audit.md, \"Cost\"", self->max_memory));
      return GST_FLOW_ERROR;
    }
    /* No truth: prediction-only, or with missing-truth=negative a truth
     * negative (skip returned above). */
    LucidFairnessTruth y_true = !truth ? LUCID_FAIRNESS_TRUTH_UNKNOWN
        : !strcmp (truth, ca->klass) ? LUCID_FAIRNESS_TRUTH_POSITIVE
        : LUCID_FAIRNESS_TRUTH_NEGATIVE;
    if (!truth && self->missing_truth == LUCID_AUDIT_MISSING_TRUTH_NEGATIVE)
      y_true = LUCID_FAIRNESS_TRUTH_NEGATIVE;
    lucid_audit_window_add_event (ca->window, g, t, y_true,
        predicted (r, ca->klass, self->threshold), weight);
  }
  if (!self->counted || t > self->max_t)
    self->max_t = t;
  self->counted = TRUE;
  if (self->error != GST_FLOW_OK)
    return self->error;
  for (guint i = 0; i < self->closed->len; i++)
    lucid_buffer_add_audit_window (buf, self->closed->pdata[i]);
  g_ptr_array_set_size (self->closed, 0);
  attach_current (self, buf);
  return GST_FLOW_OK;
}

/* Metas are added in transform_ip: the buffer must be writable, so the
 * element is never in passthrough mode. */

gboolean
lucid_audit_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  LucidAudit *self = LUCID_AUDIT (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:{
      const gchar *id = NULL;
      gst_event_parse_stream_start (event, &id);
      /* A window never spans two streams (its payload names one). */
      if (self->counted && g_strcmp0 (id, self->stream_id))
        finish_windows (self);
      g_free (self->stream_id);
      self->stream_id = g_strdup (id);
      g_clear_pointer (&self->tag_groups, g_free);
      self->item_index = 0;
      break;
    }
    case GST_EVENT_SEGMENT:
      segment_changed (self, event);
      break;
    case GST_EVENT_TAG: {
      GstTagList *tags;
      gchar *groups = NULL;
      gst_event_parse_tag (event, &tags);
      if (gst_tag_list_get_string (tags, LUCID_TAG_GROUPS, &groups)) {
        g_free (self->tag_groups);
        self->tag_groups = groups;
        GST_INFO_OBJECT (self, "groups from the tag: %s", groups);
      }
      break;
    }
    case GST_EVENT_EOS:
      finish_windows (self);
      break;
    case GST_EVENT_GAP:
      advance_windows (self, event);
      break;
    case GST_EVENT_FLUSH_STOP: {
      /* Forward FLUSH_STOP first: serialized events may follow it. */
      gboolean ret = parent_class ()
          ->sink_event (trans, event);
      finish_windows (self);
      self->item_index = 0;
      return ret;
    }
    default:
      break;
  }
  return parent_class ()->sink_event
      (trans, event);
}
