/* lucidaudit.c — streaming fairness audit over the predictions of upstream
 * Lucid stages (the figures themselves are computed by core: lucid-fairness,
 * lucid-aequitas, lucid-audit-window, lucid-audit-figures).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-lucidaudit
 * @title: lucidaudit
 * @see_also: lucidtextenc, lucidsink
 *
 * A pass-through transform that audits, as the stream flows, whether the
 * predictions of an upstream Lucid stage (the `label`/`score` of its
 * `lucid-result` meta) treat groups of people differently.  When several
 * stages left a result with a label on a buffer (`lucidtextenc !
 * lucidclassify`), the most recently added one is audited (the nearest
 * upstream stage), or the last one #LucidAudit:source names.  For every
 * buffer with a result it forms one event: the prediction (the label equal
 * to #LucidAudit:positive-label, or with #LucidAudit:threshold the positive
 * label's score at or above it), the ground truth and the groups.  An
 * event without ground truth still counts for the figures that read the
 * predictions only (selection rate, demographic / statistical parity,
 * disparate impact, Aequitas' ppr and pprev) and not for the others
 * (#LucidAudit:missing-truth; docs/audit.md, "Events without truth").
 *
 * Groups and truth come from a sidecar #LucidAudit:annotations file (CSV or
 * JSON Lines, rows keyed by item id, stream time range or stream; see
 * docs/audit.md) and from the `lucid-groups` tag, e.g.
 * `taginject tags="lucid-groups=\"gender=f;age=30-39\""`, which gives the
 * whole stream's attributes (an annotation row's attributes win).  The item
 * id of a buffer is its result's `item` field if it has one, else its index
 * in the stream (0, 1, 2 …); a row keyed by item is looked up first, then a
 * time range holding the buffer's stream time.
 *
 * Windows (#LucidAudit:window, cumulative, tumbling or sliding, by count of
 * events or by stream time) close as events arrive; for each closed window
 * the element computes per-group counts and rates with Wilson intervals for
 * every grouping (each attribute and each intersection by default) and the
 * between-group figures of #LucidAudit:convention, with Poisson-bootstrap
 * intervals when #LucidAudit:n-boot is above 0.  It then
 *
 * - attaches the window (a `lucid-audit-window` structure, see
 *   lucidauditmeta.h) as a LucidAuditMeta to the buffer that closed it;
 * - posts a `lucid-audit` element message: the same structure, named
 *   `lucid-audit`;
 * - posts a `lucid-audit-alert` element message for each
 *   #LucidAudit:alert rule and figure that holds: rule, metric, op,
 *   threshold, grouping, group (per-group figures), value (absent when
 *   infinite: value-text "inf"/"-inf"), lower, upper, new (the rule did not
 *   hold in the previous window), element, convention, class,
 *   window-index, start, end, partial, unit, stream-id, stream.
 *
 * With #LucidAudit:convention aequitas the window also carries #LucidAudit:tau,
 * the reference group of each disparity and Aequitas' fairness verdicts
 * (fair / unfair / undefined) per group and per grouping.
 *
 * Each window names its stream (`stream-id`, and #LucidAudit:stream when
 * set): a STREAM_START with another id closes the open windows as partial,
 * so a window never spans two streams and several streams can share one
 * lucidsink.  With `window-unit=time` a GAP event closes the windows that
 * end by the gap's end (they travel as custom events, as below); so does a
 * SEGMENT without a flush that starts later in stream time, while one that
 * starts before the latest event counted (a looping source, a non-flushing
 * seek back) closes the open windows as partial and starts afresh.
 * At EOS the open window closes as `partial` and travels downstream as a
 * serialized custom downstream event carrying the structure (there is no
 * buffer left to carry it), before EOS.  A flushing seek closes the open
 * window the same way (partial) right after FLUSH_STOP, then starts afresh.
 * Rows already produced are never taken back.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m filesrc location=reviews.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         labels="approve,reject" ! \
 *     lucidaudit annotations=reviews.csv positive-label=approve \
 *         alert="demographic_parity_ratio<0.8" window=tumbling \
 *         window-size=50 n-boot=200 ! \
 *     lucidsink location=audit.db
 * ]|
 * audits every 50 subtitles; `reviews.csv` holds `start,end,truth,gender`
 * rows in stream time.  `-m` prints the `lucid-audit` and
 * `lucid-audit-alert` messages.
 * |[
 * gst-launch-1.0 -m filesrc location=talk.srt ! subparse ! \
 *     taginject tags="lucid-groups=\"speaker=b\"" ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 labels="pos,neg" ! \
 *     lucidaudit positive-label=pos ! fakesink
 * ]|
 * counts one stream's selection rate with groups from a tag and no ground
 * truth: without truth an event counts for the figures that need none
 * (selection rate, demographic parity ...), and the truth-based ones are
 * NaN with reason "no-truth" (#LucidAudit:missing-truth).
 */

#include "lucid-build-config.h"

#include "lucidaudit-private.h"

#include <math.h>

#include "lucidauditmeta.h"
#include "lucidelements.h"

GST_DEBUG_CATEGORY (lucid_audit_debug);

enum
{
  PROP_0,
  PROP_ANNOTATIONS,
  PROP_ANNOTATIONS_FORMAT,
  PROP_MALFORMED,
  PROP_STREAM,
  PROP_POSITIVE_LABEL,
  PROP_THRESHOLD,
  PROP_MISSING_TRUTH,
  PROP_WINDOW,
  PROP_WINDOW_UNIT,
  PROP_WINDOW_SIZE,
  PROP_WINDOW_SLIDE,
  PROP_CONVENTION,
  PROP_METHOD,
  PROP_AGGREGATION,
  PROP_GROUPINGS,
  PROP_PRIVILEGED,
  PROP_UNPRIVILEGED,
  PROP_REFERENCE,
  PROP_REFERENCE_GROUP,
  PROP_MIN_GROUP_SIZE,
  PROP_N_BOOT,
  PROP_SEED,
  PROP_CONFIDENCE,
  PROP_ALERT,
  PROP_GE_ALPHA,
  PROP_TAU,
  PROP_SOURCE,
  PROP_ATTACH_CURRENT,
  PROP_MAX_MEMORY,
  PROP_LATE,
};

/* One audit per positive class (one-vs-rest when several are given). */
#define DEFAULT_THRESHOLD NAN
/* Intervals for every figure by default (docs/audit.md, "Cost"). */
#define DEFAULT_N_BOOT 200
/* Count and replicate tables per positive class: 1 GiB holds about 40000
 * groups of the default cumulative window with n-boot=200 (docs/audit.md,
 * "Cost"); a sliding window of 65536 slides with n-boot=100000 would need
 * 420 GB for a single group. */
#define DEFAULT_MAX_MEMORY (G_GUINT64_CONSTANT (1) << 30)

G_DEFINE_TYPE_WITH_CODE (LucidAudit, lucid_audit, GST_TYPE_BASE_TRANSFORM,
    GST_DEBUG_CATEGORY_INIT (lucid_audit_debug, "lucidaudit", 0,
        "Lucid streaming fairness audit"));
GST_ELEMENT_REGISTER_DEFINE (lucidaudit, "lucidaudit", GST_RANK_NONE,
    LUCID_TYPE_AUDIT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- enums -------------------------------------------------------------- */

#define DEFINE_ENUM(fn, Name, ...)                                          \
  static GType fn (void)                                                    \
  {                                                                         \
    static gsize type = 0;                                                  \
    static const GEnumValue values[] = { __VA_ARGS__, {0, NULL, NULL} };    \
    if (g_once_init_enter (&type))                                          \
      g_once_init_leave (&type, g_enum_register_static (Name, values));     \
    return type;                                                            \
  }

DEFINE_ENUM (format_type, "LucidAuditAnnotationsFormat",
    {LUCID_ANNOTATIONS_FORMAT_AUTO, "by extension, else by content", "auto"},
    {LUCID_ANNOTATIONS_FORMAT_CSV, "CSV with a header row", "csv"},
    {LUCID_ANNOTATIONS_FORMAT_JSONL, "JSON Lines", "jsonl"})
DEFINE_ENUM (malformed_type, "LucidAuditMalformed",
    {LUCID_ANNOTATIONS_SKIP, "warn (file:line) and skip the line", "skip"},
    {LUCID_ANNOTATIONS_FATAL, "fail with an error naming file:line", "fatal"})
DEFINE_ENUM (missing_truth_type, "LucidAuditMissingTruth",
    {LUCID_AUDIT_MISSING_TRUTH_PREDICTION_ONLY,
          "count it in the figures that need no truth (selection rate, "
          "demographic/statistical parity, disparate impact, ppr, pprev), "
          "leave it out of the others", "prediction-only"},
    {LUCID_AUDIT_MISSING_TRUTH_SKIP, "leave the event out of every figure",
        "skip"},
    {LUCID_AUDIT_MISSING_TRUTH_NEGATIVE,
        "count it as truth negative (truth-based figures then mean nothing)",
        "negative"})
DEFINE_ENUM (window_type, "LucidAuditWindowKind",
    {LUCID_AUDIT_WINDOW_CUMULATIVE, "everything so far, reported every slide",
        "cumulative"},
    {LUCID_AUDIT_WINDOW_TUMBLING, "consecutive windows of window-size",
        "tumbling"},
    {LUCID_AUDIT_WINDOW_SLIDING, "window-size wide, one every window-slide",
        "sliding"})
DEFINE_ENUM (late_type, "LucidAuditLate",
    {LUCID_AUDIT_LATE_CLAMP, "count it in the open bucket", "clamp"},
    {LUCID_AUDIT_LATE_DROP, "leave it out of every window", "drop"})
DEFINE_ENUM (unit_type, "LucidAuditWindowUnit",
    {LUCID_AUDIT_WINDOW_BY_COUNT, "events", "count"},
    {LUCID_AUDIT_WINDOW_BY_TIME, "stream time, ns", "time"})
DEFINE_ENUM (convention_type, "LucidAuditConvention",
    {LUCID_AUDIT_CONVENTION_FAIRLEARN, "Fairlearn (MetricFrame)", "fairlearn"},
    {LUCID_AUDIT_CONVENTION_AIF360, "AIF360 (ClassificationMetric)", "aif360"},
    {LUCID_AUDIT_CONVENTION_AEQUITAS, "Aequitas (Group, Bias)", "aequitas"})
/* The value names are Fairlearn's own spellings (method="to_overall"), so
 * that both parse: GStreamer reads an enum by name, then by nick. */
DEFINE_ENUM (method_type, "LucidAuditMethod",
    {LUCID_FAIRNESS_BETWEEN_GROUPS, "between_groups", "between-groups"},
    {LUCID_FAIRNESS_TO_OVERALL, "to_overall", "to-overall"})
DEFINE_ENUM (aggregation_type, "LucidAuditAggregation",
    {LUCID_FAIRNESS_WORST_CASE, "worst case", "worst-case"},
    {LUCID_FAIRNESS_MEAN, "mean", "mean"})
DEFINE_ENUM (reference_type, "LucidAuditReference",
    {LUCID_AEQUITAS_REF_MAJORITY, "the largest group", "majority"},
    {LUCID_AEQUITAS_REF_MIN_METRIC, "the group with the smallest metric",
        "min-metric"},
    {LUCID_AEQUITAS_REF_GIVEN, "reference-group", "given"})

/* ---- properties --------------------------------------------------------- */

static void
lucid_audit_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  LucidAudit *self = LUCID_AUDIT (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
#define STR(P, f) case P: g_free (self->f); self->f = g_value_dup_string (value); break
      STR (PROP_ANNOTATIONS, annotations_path);
      STR (PROP_STREAM, stream);
      STR (PROP_POSITIVE_LABEL, positive_label);
      STR (PROP_GROUPINGS, groupings);
      STR (PROP_PRIVILEGED, privileged);
      STR (PROP_UNPRIVILEGED, unprivileged);
      STR (PROP_REFERENCE_GROUP, reference_group);
      STR (PROP_ALERT, alert);
      STR (PROP_SOURCE, source);
#undef STR
    case PROP_ANNOTATIONS_FORMAT:
      self->annotations_format = g_value_get_enum (value);
      break;
    case PROP_ATTACH_CURRENT:
      self->attach_current = g_value_get_boolean (value);
      break;
    case PROP_MALFORMED:
      self->malformed = g_value_get_enum (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      if (self->threshold < 0)
        self->threshold = NAN;
      break;
    case PROP_MISSING_TRUTH:
      self->missing_truth = g_value_get_enum (value);
      break;
    case PROP_WINDOW:
      self->window_kind = g_value_get_enum (value);
      break;
    case PROP_WINDOW_UNIT:
      self->window_unit = g_value_get_enum (value);
      break;
    case PROP_WINDOW_SIZE:
      self->window_size = g_value_get_uint64 (value);
      break;
    case PROP_WINDOW_SLIDE:
      self->window_slide = g_value_get_uint64 (value);
      break;
    case PROP_CONVENTION:
      self->convention = g_value_get_enum (value);
      break;
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      break;
    case PROP_AGGREGATION:
      self->aggregation = g_value_get_enum (value);
      break;
    case PROP_REFERENCE:
      self->reference = g_value_get_enum (value);
      break;
    case PROP_MIN_GROUP_SIZE:
      self->min_group_size = g_value_get_uint (value);
      break;
    case PROP_N_BOOT:
      self->n_boot = g_value_get_uint (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint64 (value);
      break;
    case PROP_CONFIDENCE:
      self->confidence = g_value_get_double (value);
      break;
    case PROP_GE_ALPHA:
      self->ge_alpha = g_value_get_double (value);
      break;
    case PROP_TAU:
      self->tau = g_value_get_double (value);
      break;
    case PROP_MAX_MEMORY:
      self->max_memory = g_value_get_uint64 (value);
      break;
    case PROP_LATE:
      self->late = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_audit_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  LucidAudit *self = LUCID_AUDIT (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
#define STR(P, f) case P: g_value_set_string (value, self->f); break
      STR (PROP_ANNOTATIONS, annotations_path);
      STR (PROP_STREAM, stream);
      STR (PROP_POSITIVE_LABEL, positive_label);
      STR (PROP_GROUPINGS, groupings);
      STR (PROP_PRIVILEGED, privileged);
      STR (PROP_UNPRIVILEGED, unprivileged);
      STR (PROP_REFERENCE_GROUP, reference_group);
      STR (PROP_ALERT, alert);
      STR (PROP_SOURCE, source);
#undef STR
    case PROP_ANNOTATIONS_FORMAT:
      g_value_set_enum (value, self->annotations_format);
      break;
    case PROP_ATTACH_CURRENT:
      g_value_set_boolean (value, self->attach_current);
      break;
    case PROP_MALFORMED:
      g_value_set_enum (value, self->malformed);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, isnan (self->threshold) ? -1.0
          : self->threshold);
      break;
    case PROP_MISSING_TRUTH:
      g_value_set_enum (value, self->missing_truth);
      break;
    case PROP_WINDOW:
      g_value_set_enum (value, self->window_kind);
      break;
    case PROP_WINDOW_UNIT:
      g_value_set_enum (value, self->window_unit);
      break;
    case PROP_WINDOW_SIZE:
      g_value_set_uint64 (value, self->window_size);
      break;
    case PROP_WINDOW_SLIDE:
      g_value_set_uint64 (value, self->window_slide);
      break;
    case PROP_CONVENTION:
      g_value_set_enum (value, self->convention);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_AGGREGATION:
      g_value_set_enum (value, self->aggregation);
      break;
    case PROP_REFERENCE:
      g_value_set_enum (value, self->reference);
      break;
    case PROP_MIN_GROUP_SIZE:
      g_value_set_uint (value, self->min_group_size);
      break;
    case PROP_N_BOOT:
      g_value_set_uint (value, self->n_boot);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, self->seed);
      break;
    case PROP_CONFIDENCE:
      g_value_set_double (value, self->confidence);
      break;
    case PROP_GE_ALPHA:
      g_value_set_double (value, self->ge_alpha);
      break;
    case PROP_TAU:
      g_value_set_double (value, self->tau);
      break;
    case PROP_MAX_MEMORY:
      g_value_set_uint64 (value, self->max_memory);
      break;
    case PROP_LATE:
      g_value_set_enum (value, self->late);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_audit_finalize (GObject *object)
{
  LucidAudit *self = LUCID_AUDIT (object);
  lucid_audit_clear_state (self);
  g_free (self->annotations_path);
  g_free (self->stream);
  g_free (self->source);
  g_free (self->positive_label);
  g_free (self->groupings);
  g_free (self->privileged);
  g_free (self->unprivileged);
  g_free (self->reference_group);
  g_free (self->alert);
  G_OBJECT_CLASS (lucid_audit_parent_class)->finalize (object);
}

static void
lucid_audit_init (LucidAudit *self)
{
  self->threshold = DEFAULT_THRESHOLD;
  self->window_kind = LUCID_AUDIT_WINDOW_CUMULATIVE;
  self->window_unit = LUCID_AUDIT_WINDOW_BY_COUNT;
  self->window_size = 100;
  self->confidence = 0.95;
  self->ge_alpha = 2.0;
  self->tau = 0.8;
  self->missing_truth = LUCID_AUDIT_MISSING_TRUTH_PREDICTION_ONLY;
  self->attach_current = TRUE;
  self->n_boot = DEFAULT_N_BOOT;
  self->max_memory = DEFAULT_MAX_MEMORY;
  self->late = LUCID_AUDIT_LATE_CLAMP;
  /* Never passthrough: windows are attached as metas. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

static void
lucid_audit_class_init (LucidAuditClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = lucid_audit_set_property;
  gobject_class->get_property = lucid_audit_get_property;
  gobject_class->finalize = lucid_audit_finalize;

  g_object_class_install_property (gobject_class, PROP_ANNOTATIONS,
      g_param_spec_string ("annotations", "Annotations",
          "Sidecar file (CSV or JSON Lines) of group attributes and ground "
          "truth, rows keyed by item, stream time range or stream "
          "(columns: stream,start,end,item,truth,weight,groups + one per "
          "attribute; docs/audit.md)", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_ANNOTATIONS_FORMAT,
      g_param_spec_enum ("annotations-format", "Annotations format",
          "Format of the annotations file", format_type (),
          LUCID_ANNOTATIONS_FORMAT_AUTO, RW));
  g_object_class_install_property (gobject_class, PROP_MALFORMED,
      g_param_spec_enum ("malformed", "Malformed lines",
          "What a malformed annotations line does: a warning naming "
          "file:line and the line is skipped, or an error", malformed_type (),
          LUCID_ANNOTATIONS_SKIP, RW));
  g_object_class_install_property (gobject_class, PROP_STREAM,
      g_param_spec_string ("stream", "Stream",
          "This stream's name in the annotations file's 'stream' column "
          "(rows without a stream apply to every stream)", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_ATTACH_CURRENT,
      g_param_spec_boolean ("attach-current", "Attach current",
          "Attach the last closed window of each class to every later "
          "buffer too, as a lucid-audit-current structure in the audit meta "
          "(the current figures; a copy per buffer and class)", TRUE, RW));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Which lucid-result on a buffer is audited: the most recently "
          "added one with a label whose element name starts with this, or "
          "whose model-id equals it; NULL: the most recently added one "
          "with a label (the nearest upstream stage)", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_POSITIVE_LABEL,
      g_param_spec_string ("positive-label", "Positive label",
          "The label counted as a positive prediction and positive truth; "
          "several, comma-separated, audit each one-vs-rest (required; a "
          "label no result carries, or no annotation truth equals, is a "
          "warning)",
          NULL, RW));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Predict positive when the positive label's score (from the "
          "result's labels/scores, or score when label is positive) is at "
          "least this; -1: the top-1 label decides", -1.0, G_MAXDOUBLE, -1.0,
          RW));
  g_object_class_install_property (gobject_class, PROP_MISSING_TRUTH,
      g_param_spec_enum ("missing-truth", "Missing truth",
          "Events without ground truth: counted by the figures that need "
          "no truth only (prediction-only, default), left out of every "
          "figure (skip), or counted as truth negative (negative)",
          missing_truth_type (), LUCID_AUDIT_MISSING_TRUTH_PREDICTION_ONLY,
          RW));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_enum ("window", "Window", "Kind of audit window",
          window_type (), LUCID_AUDIT_WINDOW_CUMULATIVE, RW));
  g_object_class_install_property (gobject_class, PROP_WINDOW_UNIT,
      g_param_spec_enum ("window-unit", "Window unit",
          "Windows by count of events or by stream time (ns)", unit_type (),
          LUCID_AUDIT_WINDOW_BY_COUNT, RW));
  g_object_class_install_property (gobject_class, PROP_WINDOW_SIZE,
      g_param_spec_uint64 ("window-size", "Window size",
          "Window length in events or ns (cumulative: the report interval "
          "unless window-slide is set)", 1, G_MAXUINT64, 100, RW));
  g_object_class_install_property (gobject_class, PROP_WINDOW_SLIDE,
      g_param_spec_uint64 ("window-slide", "Window slide",
          "Sliding: the interval between windows (window-size must be a "
          "multiple); cumulative: the report interval; 0: window-size",
          0, G_MAXUINT64, 0, RW));
  g_object_class_install_property (gobject_class, PROP_LATE,
      g_param_spec_enum ("late", "Late events",
          "window-unit=time: an event older than the open bucket is counted "
          "in the open bucket (clamp) or left out of every window (drop); "
          "both add to the next window's n-late", late_type (),
          LUCID_AUDIT_LATE_CLAMP, RW));
  g_object_class_install_property (gobject_class, PROP_CONVENTION,
      g_param_spec_enum ("convention", "Convention",
          "Whose definitions and NaN/zero conventions the figures follow",
          convention_type (), LUCID_AUDIT_CONVENTION_FAIRLEARN, RW));
  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method",
          "Fairlearn: differences and ratios between groups (between-groups "
          "or Fairlearn's between_groups) or each group to the overall "
          "(to-overall or to_overall)",
          method_type (), LUCID_FAIRNESS_BETWEEN_GROUPS, RW));
  g_object_class_install_property (gobject_class, PROP_AGGREGATION,
      g_param_spec_enum ("aggregation", "Aggregation",
          "Fairlearn equalized odds: worst case or mean of TPR and FPR",
          aggregation_type (), LUCID_FAIRNESS_WORST_CASE, RW));
  g_object_class_install_property (gobject_class, PROP_GROUPINGS,
      g_param_spec_string ("groupings", "Groupings",
          "Comma-separated groupings, attributes of an intersection joined "
          "by '+', e.g. \"gender,age,gender+age\" (a typo: a warning "
          "once; attribute=value: an error); unset: with up to 4 attributes "
          "every attribute and every intersection, with more each attribute "
          "alone and all of them together", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_PRIVILEGED,
      g_param_spec_string ("privileged", "Privileged groups",
          "AIF360: comma-separated conditions (ORed), each "
          "attr=value[;attr=value], e.g. \"gender=m\" (bad syntax: an "
          "error at start; matching no group: a warning once)", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_UNPRIVILEGED,
      g_param_spec_string ("unprivileged", "Unprivileged groups",
          "AIF360: as privileged", NULL, RW));
  g_object_class_install_property (gobject_class, PROP_REFERENCE,
      g_param_spec_enum ("reference", "Reference group",
          "Aequitas: how the reference group of the disparities is chosen",
          reference_type (), LUCID_AEQUITAS_REF_MAJORITY, RW));
  g_object_class_install_property (gobject_class, PROP_REFERENCE_GROUP,
      g_param_spec_string ("reference-group", "Reference group key",
          "Aequitas, reference=given: the reference group, e.g. \"gender=m\"",
          NULL, RW));
  g_object_class_install_property (gobject_class, PROP_MIN_GROUP_SIZE,
      g_param_spec_uint ("min-group-size", "Minimum group size",
          "Groups with fewer events in a window are reported as too small "
          "(NaN rates) and left out of between-group figures", 0,
          G_MAXUINT, 0, RW));
  g_object_class_install_property (gobject_class, PROP_N_BOOT,
      g_param_spec_uint ("n-boot", "Bootstrap replicates",
          "Poisson-bootstrap replicates for the intervals of between-group "
          "figures and disparities (0: none; cost about 3.5-7 ns per "
          "replicate per event, 200: about 0.7-1.4 us per event)", 0, 100000,
          DEFAULT_N_BOOT, RW));
  g_object_class_install_property (gobject_class, PROP_MAX_MEMORY,
      g_param_spec_uint64 ("max-memory", "Maximum memory",
          "Bytes the count and bootstrap replicate tables of one positive "
          "class may take: each group takes (window-size / window-slide + 1) "
          "x (1 + n-boot) x 64 bytes (sliding; 2 x ... otherwise).  A "
          "configuration whose first group does not fit is refused at "
          "start; a later group that does not fit stops the stream with an "
          "error (0: no limit)", 0, G_MAXUINT64, DEFAULT_MAX_MEMORY, RW));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Bootstrap seed: the same seed and stream give the same intervals",
          0, G_MAXUINT64, 0, RW));
  g_object_class_install_property (gobject_class, PROP_CONFIDENCE,
      g_param_spec_double ("confidence", "Confidence",
          "Level of the Wilson and bootstrap intervals", 0.5, 0.9999, 0.95,
          RW));
  g_object_class_install_property (gobject_class, PROP_GE_ALPHA,
      g_param_spec_double ("gei-alpha", "Generalized entropy alpha",
          "AIF360: the alpha of the generalized entropy indices (the Theil "
          "index is alpha 1, the coefficient of variation uses alpha 2)",
          -G_MAXDOUBLE, G_MAXDOUBLE, 2.0, RW));
  g_object_class_install_property (gobject_class, PROP_TAU,
      g_param_spec_double ("tau", "Fairness threshold",
          "Aequitas: a disparity is fair when tau <= disparity <= 1/tau "
          "(0.8: within 0.8-1.25); the window's verdicts follow it",
          0.01, 1.0, 0.8, RW));
  g_object_class_install_property (gobject_class, PROP_ALERT,
      g_param_spec_string ("alert", "Alert",
          "Rules that post lucid-audit-alert messages when they hold, e.g. "
          "\"demographic_parity_ratio<0.8, tpr[gender=f]<0.5\" "
          "(separated by ',', ';' or '||'; a NaN figure never alerts)",
          NULL, RW));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Lucid fairness audit", "Filter/Analyzer",
      "Streaming fairness figures per group (Fairlearn, AIF360, Aequitas "
      "conventions) over windows, with intervals and bus alerts",
      "Lucid developers");

  trans_class->start = GST_DEBUG_FUNCPTR (lucid_audit_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (lucid_audit_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (lucid_audit_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (lucid_audit_sink_event);
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (format_type (), 0);
  gst_type_mark_as_plugin_api (malformed_type (), 0);
  gst_type_mark_as_plugin_api (missing_truth_type (), 0);
  gst_type_mark_as_plugin_api (window_type (), 0);
  gst_type_mark_as_plugin_api (unit_type (), 0);
  gst_type_mark_as_plugin_api (late_type (), 0);
  gst_type_mark_as_plugin_api (convention_type (), 0);
  gst_type_mark_as_plugin_api (method_type (), 0);
  gst_type_mark_as_plugin_api (aggregation_type (), 0);
  gst_type_mark_as_plugin_api (reference_type (), 0);
  lucid_audit_meta_init ();
}
