/* lucid-audit-window.h — cumulative, tumbling and sliding windows over
 * per-group confusion counts, by event count or by time, with a Poisson
 * bootstrap kept as replicate count tables.
 *
 * The essay and the timing table are at the top of lucid-audit-window.c,
 * the bootstrap's at the top of lucid-audit-bootstrap.c; docs/audit.md
 * ("Audit windows", "Intervals") says the same for users.
 *
 * Threading: a LucidAuditWindow is not locked; one thread feeds it and the
 * report callback runs on that thread, inside the call that closed the
 * window.  The callback must not feed, advance, finish or reset the window
 * that called it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-fairness.h"

G_BEGIN_DECLS

typedef enum {
  LUCID_AUDIT_WINDOW_CUMULATIVE,        /* everything since start/reset */
  LUCID_AUDIT_WINDOW_TUMBLING,  /* consecutive, non-overlapping */
  LUCID_AUDIT_WINDOW_SLIDING,   /* size wide, one every slide */
} LucidAuditWindowKind;

typedef enum {
  LUCID_AUDIT_WINDOW_BY_COUNT,  /* size, slide, start, end in events */
  LUCID_AUDIT_WINDOW_BY_TIME,   /* size, slide, start, end in ns */
} LucidAuditWindowUnit;

/* What happens to an event older than the open bucket (time windows). */
typedef enum {
  LUCID_AUDIT_LATE_CLAMP,       /* count it in the open bucket */
  LUCID_AUDIT_LATE_DROP,        /* leave it out of every window */
} LucidAuditLatePolicy;

typedef struct {
  LucidAuditWindowKind kind;
  LucidAuditWindowUnit unit;
  /* Window length.  Sliding: a multiple of slide, at most 65536 slides.
   * Tumbling: the length (slide 0 or equal to it).  Cumulative: unused. */
  guint64 size;
  /* Bucket width = the interval between reports.  Must be > 0 except for a
   * tumbling window, where 0 means size. */
  guint64 slide;
  /* Time windows: buckets are [origin + m·slide, origin + (m+1)·slide). */
  guint64 origin;
  LucidAuditLatePolicy late;
  /* Bootstrap replicates (0 = no bootstrap at all), at most 100000. */
  guint n_boot;
  guint64 seed;
} LucidAuditWindowConfig;

typedef struct _LucidAuditWindow LucidAuditWindow;

/* One closed window, valid only during the callback. */
typedef struct {
  guint64 index;                /* 0, 1, 2 … windows reported since reset */
  guint64 start, end;           /* [start, end), in the window's unit */
  gboolean partial;             /* closed by finish() before its end */
  guint64 n_events;             /* events in the window, with truth or not */
  guint64 n_late;               /* late events since the previous report */
  /* Every group seen since creation; a group without events in this window
   * has n == 0 (the Fairlearn figures skip it).  Owned by the window. */
  const LucidFairnessCounts *counts;
  guint n_boot;
  /*< private > */
  LucidAuditWindow *window;
} LucidAuditWindowReport;

typedef void (*LucidAuditWindowFunc) (const LucidAuditWindowReport * report,
    gpointer user_data);

LucidAuditWindow *lucid_audit_window_new (const LucidAuditWindowConfig *
    config, LucidAuditWindowFunc func, gpointer user_data,
    GDestroyNotify notify, GError ** error);
void lucid_audit_window_free (LucidAuditWindow * window);

/* Bytes of count and replicate tables one group takes in a window of
 * @config: (buckets in the ring + the running sum) × (1 + n_boot) × the
 * size of a LucidFairnessCell; 0 (with @error set) for an invalid
 * @config.  Every group costs this in every window, so callers can refuse
 * a configuration before any event (lucidaudit's max-memory). */
gsize lucid_audit_window_group_bytes (const LucidAuditWindowConfig * config,
    GError ** error);

/* Caps the bytes of the window's count and replicate tables
 * (lucid_audit_window_state_bytes()) at @max_bytes (0: no cap, the
 * default): a group that would take them above it is refused. */
void lucid_audit_window_set_max_bytes (LucidAuditWindow * window,
    gsize max_bytes);

/* The dense index of group @key (a canonical key) in *@index, created when
 * absent.  Indices are stable for the window's life, reset included.
 * Creating a group grows every bucket's tables; FALSE with @error set
 * (and the window unchanged) when that would pass the cap of
 * lucid_audit_window_set_max_bytes() or memory runs out — never an
 * abort. */
gboolean lucid_audit_window_try_ensure_group (LucidAuditWindow * window,
    const char *key, guint * index, GError ** error);

/* The same, returning the index; G_MAXUINT where try_ensure_group() fails
 * (which lucid_audit_window_add() then refuses with a critical).  For
 * callers with a small, known set of groups and no cap. */
guint lucid_audit_window_ensure_group (LucidAuditWindow * window,
    const char *key);

/* One event of group @group (an index from ensure_group()).  @timestamp is
 * in ns for time windows and ignored for count windows.  The hot path:
 * @weight must be finite and ≥ 0, not checked.  Cost: O(1) plus O(n_boot);
 * may close windows (calls the callback). */
void lucid_audit_window_add (LucidAuditWindow * window, guint group,
    guint64 timestamp, gboolean y_true, gboolean y_pred, double weight);

/* One event whose truth may be unknown: with LUCID_FAIRNESS_TRUTH_UNKNOWN
 * it counts for the prediction-only figures (PP' / PN' of its cell, and in
 * every bootstrap replicate alike) and not for the truth-based ones.  The
 * cost is that of lucid_audit_window_add(), whatever the truth.  @truth
 * must be one of the three values (not checked: the hot path;
 * lucid_audit_window_update_event() checks). */
void lucid_audit_window_add_event (LucidAuditWindow * window, guint group,
    guint64 timestamp, LucidFairnessTruth truth, gboolean y_pred,
    double weight);

/* The same by key, with the weight checked (fails and changes nothing). */
gboolean lucid_audit_window_update (LucidAuditWindow * window,
    const char *group, guint64 timestamp, gboolean y_true, gboolean y_pred,
    double weight, GError ** error);
gboolean lucid_audit_window_update_event (LucidAuditWindow * window,
    const char *group, guint64 timestamp, LucidFairnessTruth truth,
    gboolean y_pred, double weight, GError ** error);

/* Time windows: no event older than @timestamp will come (a watermark, e.g.
 * a GStreamer gap or position); closes every bucket that ends at or before
 * it.  No-op for count windows. */
void lucid_audit_window_advance (LucidAuditWindow * window,
    guint64 timestamp);

/* End of stream: reports the open bucket's window with partial = TRUE if it
 * holds events, then resets. */
void lucid_audit_window_finish (LucidAuditWindow * window);

/* Flush: drops every bucket, sum and event ordinal without reporting.  The
 * next event starts a fresh stream (count 0; time: its own bucket).  Groups
 * are kept. */
void lucid_audit_window_reset (LucidAuditWindow * window);

/* Diagnostics: Poisson draws made since creation (0 forever with
 * n_boot = 0), and the bytes of count and replicate tables held. */
guint64 lucid_audit_window_n_draws (const LucidAuditWindow * window);
gsize lucid_audit_window_state_bytes (const LucidAuditWindow * window);

/* ---- bootstrap intervals ------------------------------------------------ */

/* A figure of a counts table: e.g. a projection followed by
 * lucid_fairlearn_figure(), or sum_matching() and lucid_aif360_figure(). */
typedef LucidFairnessValue (*LucidAuditFigureFunc) (const LucidFairnessCounts
    * counts, gpointer user_data);

/* Percentile interval at @level (0 < level < 1) of @figure over the report's
 * n_boot replicate tables: the (1 − level)/2 and (1 + level)/2 quantiles of
 * the non-NaN replicate values, interpolated linearly as numpy.percentile
 * does.  *n_valid (may be NULL) gets the number of non-NaN replicates.
 * FALSE with NaN bounds when n_boot is 0 or no replicate is finite. */
gboolean lucid_audit_window_report_interval (const LucidAuditWindowReport *
    report, LucidAuditFigureFunc figure, gpointer user_data, double level,
    double *lower, double *upper, guint * n_valid);

/* Many figures in one pass over the replicates: @func fills @out[0 ..
 * n_figures) with the figures of one replicate table (NaN where a figure
 * is undefined).  Each figure's interval is then computed as
 * lucid_audit_window_report_interval() does, into lower[i], upper[i] and
 * n_valid[i] (may be NULL).  For figures that share work per replicate
 * (one projection, many groups and metrics).  FALSE when n_boot is 0. */
typedef void (*LucidAuditFiguresFunc) (const LucidFairnessCounts * counts,
    double *out, gpointer user_data);
gboolean lucid_audit_window_report_intervals (const LucidAuditWindowReport *
    report, LucidAuditFiguresFunc func, gpointer user_data, guint n_figures,
    double level, double *lower, double *upper, guint * n_valid);

/* The basic (reverse-percentile) bootstrap interval from the replicates'
 * percentile bounds @q_lower, @q_upper and the point @estimate:
 * [2·estimate − q_upper, 2·estimate − q_lower], clipped to the figure's
 * range [@min, @max].  For figures folded at a boundary where parity lies
 * (max − min ≥ 0, min / max ≤ 1): their replicates all sit on one side of
 * the estimate's sampling error, so a percentile interval excludes 0 / 1
 * at parity, while the basic interval reflects that bias back.  NaN in,
 * NaN out.  Fairlearn's differences and ratios use the simultaneous
 * interval of lucid-fairlearn-interval.h instead and fall back to this
 * one only where that is undefined; AIF360's folded figures use this. */
void lucid_audit_basic_interval (double estimate, double q_lower,
    double q_upper, double min, double max, double *lower, double *upper);

/* The same for a Fairlearn figure over the report's groups as they are. */
gboolean lucid_audit_window_report_fairlearn_interval (const
    LucidAuditWindowReport * report, LucidFairlearnFigure figure,
    LucidFairnessMethod method, LucidFairnessAggregation aggregation,
    double level, double *lower, double *upper, guint * n_valid);

/* The Poisson(1) draw for (@seed, event @ordinal, @replicate): what the
 * window adds, times the weight, to that replicate.  Exposed for tests and
 * for tools that reproduce an interval outside Lucid. */
guint lucid_audit_poisson_draw (guint64 seed, guint64 ordinal,
    guint replicate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidAuditWindow, lucid_audit_window_free)

G_END_DECLS
