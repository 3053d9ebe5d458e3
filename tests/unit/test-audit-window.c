/* test-audit-window.c — audit windows report the events the timing table of
 * lucid-audit-window.c says they hold, their running sums equal sums
 * recomputed from the events, and the Poisson bootstrap is reproducible and
 * covers a known demographic parity difference at about its nominal level.
 *
 * Expectations in the table tests are computed by hand from the table at the
 * top of core/lucid-audit-window.c; the random-stream tests recompute every
 * reported window from a log of the events with an independent model of the
 * bucket assignment.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "lucid-audit-window.h"
#include "lucid-error.h"

#define SEC G_GUINT64_CONSTANT (1000000000)

/* ---- collecting reports ------------------------------------------------- */

typedef struct {
  guint64 index, start, end, n_events, n_late;
  gboolean partial;
  LucidFairnessCell a, b;       /* cells of groups "g=a" and "g=b" */
  guint n_groups;
} Seen;

typedef struct {
  GArray *seen;                 /* Seen */
  /* optional: bootstrap interval of the DP difference at 95 % */
  gboolean want_interval;
  double lower, upper, point;
  guint n_valid;
} Collector;

static void
collect (const LucidAuditWindowReport * r, gpointer data)
{
  Collector *c = data;
  Seen s = { 0 };
  const LucidFairnessCell *cell;
  s.index = r->index;
  s.start = r->start;
  s.end = r->end;
  s.n_events = r->n_events;
  s.n_late = r->n_late;
  s.partial = r->partial;
  s.n_groups = lucid_fairness_counts_n_groups (r->counts);
  if ((cell = lucid_fairness_counts_lookup (r->counts, "g=a")))
    s.a = *cell;
  if ((cell = lucid_fairness_counts_lookup (r->counts, "g=b")))
    s.b = *cell;
  g_array_append_val (c->seen, s);
  if (c->want_interval) {
    c->point = lucid_fairlearn_figure (r->counts,
        LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
        LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE).value;
    lucid_audit_window_report_fairlearn_interval (r,
        LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
        LUCID_FAIRNESS_BETWEEN_GROUPS, LUCID_FAIRNESS_WORST_CASE, 0.95,
        &c->lower, &c->upper, &c->n_valid);
  }
}

static void
collector_init (Collector * c)
{
  memset (c, 0, sizeof *c);
  c->seen = g_array_new (FALSE, TRUE, sizeof (Seen));
}

static void
collector_clear (Collector * c)
{
  g_array_unref (c->seen);
}

static LucidAuditWindow *
make_window (LucidAuditWindowKind kind, LucidAuditWindowUnit unit,
    guint64 size, guint64 slide, Collector * c)
{
  LucidAuditWindowConfig config = { 0 };
  g_autoptr (GError) error = NULL;
  config.kind = kind;
  config.unit = unit;
  config.size = size;
  config.slide = slide;
  LucidAuditWindow *w = lucid_audit_window_new (&config, collect, c, NULL,
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (w);
  return w;
}

static void
feed (LucidAuditWindow * w, const char *group, guint64 ts, gboolean y_true,
    gboolean y_pred)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (lucid_audit_window_update (w, group, ts, y_true, y_pred,
          1.0, &error));
  g_assert_no_error (error);
}

static void
assert_seen (const Collector * c, guint i, guint64 start, guint64 end,
    guint64 n_events, gboolean partial)
{
  g_assert_cmpuint (i, <, c->seen->len);
  const Seen *s = &g_array_index (c->seen, Seen, i);
  g_assert_cmpuint (s->start, ==, start);
  g_assert_cmpuint (s->end, ==, end);
  g_assert_cmpuint (s->n_events, ==, n_events);
  g_assert_cmpint (s->partial, ==, partial);
}

static const Seen *
seen (const Collector * c, guint i)
{
  return &g_array_index (c->seen, Seen, i);
}

/* ---- count windows ------------------------------------------------------ */

/* Events 0..7 as (group, truth, prediction); the expectations below are the
 * per-group cells of index ranges of this list. */
static const struct {
  const char *g;
  gboolean t, p;
} events8[] = {
  {"g=a", 1, 1}, {"g=b", 0, 1}, {"g=a", 0, 0}, {"g=b", 1, 0},
  {"g=a", 1, 0}, {"g=a", 0, 1}, {"g=b", 1, 1}, {"g=b", 0, 0},
};

static void
test_count_tumbling (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 3, 0, &c);
  for (guint i = 0; i < 8; i++) {
    feed (w, events8[i].g, 0, events8[i].t, events8[i].p);
    /* a window closes right after its 3rd event, not on the 4th */
    g_assert_cmpuint (c.seen->len, ==, (i + 1) / 3);
  }
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 3);
  assert_seen (&c, 0, 0, 3, 3, FALSE);
  assert_seen (&c, 1, 3, 6, 3, FALSE);
  assert_seen (&c, 2, 6, 9, 2, TRUE);   /* nominal end, partial */
  /* [0,3): a = TP + TN, b = FP */
  g_assert_cmpfloat (seen (&c, 0)->a.tp, ==, 1);
  g_assert_cmpfloat (seen (&c, 0)->a.tn, ==, 1);
  g_assert_cmpuint (seen (&c, 0)->a.n, ==, 2);
  g_assert_cmpfloat (seen (&c, 0)->b.fp, ==, 1);
  g_assert_cmpuint (seen (&c, 0)->b.n, ==, 1);
  /* [3,6): a = FN + FP, b = FN; the report lists both groups */
  g_assert_cmpfloat (seen (&c, 1)->a.fn, ==, 1);
  g_assert_cmpfloat (seen (&c, 1)->a.fp, ==, 1);
  g_assert_cmpfloat (seen (&c, 1)->b.fn, ==, 1);
  g_assert_cmpfloat (seen (&c, 1)->b.tp, ==, 0);
  /* [6,9) partial: only b, TP + TN; a is present with n == 0 */
  g_assert_cmpuint (seen (&c, 2)->a.n, ==, 0);
  g_assert_cmpuint (seen (&c, 2)->n_groups, ==, 2);
  g_assert_cmpfloat (seen (&c, 2)->b.tp, ==, 1);
  g_assert_cmpfloat (seen (&c, 2)->b.tn, ==, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (seen (&c, i)->index, ==, i);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_count_sliding (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_SLIDING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 4, 2, &c);
  for (guint i = 0; i < 7; i++)
    feed (w, events8[i].g, 0, events8[i].t, events8[i].p);
  g_assert_cmpuint (c.seen->len, ==, 3);
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 4);
  assert_seen (&c, 0, 0, 2, 2, FALSE);  /* start clamped to 0 */
  assert_seen (&c, 1, 0, 4, 4, FALSE);
  assert_seen (&c, 2, 2, 6, 4, FALSE);
  assert_seen (&c, 3, 4, 8, 3, TRUE);   /* events 4, 5, 6 */
  /* [2,6): a = TN (2), FN (4), FP (5); b = FN (3) */
  g_assert_cmpfloat (seen (&c, 2)->a.tn, ==, 1);
  g_assert_cmpfloat (seen (&c, 2)->a.fn, ==, 1);
  g_assert_cmpfloat (seen (&c, 2)->a.fp, ==, 1);
  g_assert_cmpfloat (seen (&c, 2)->a.tp, ==, 0);
  g_assert_cmpuint (seen (&c, 2)->b.n, ==, 1);
  /* [4,8) partial: a = FN, FP; b = TP */
  g_assert_cmpuint (seen (&c, 3)->a.n, ==, 2);
  g_assert_cmpfloat (seen (&c, 3)->b.tp, ==, 1);
  g_assert_cmpuint (seen (&c, 3)->b.n, ==, 1);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_count_cumulative (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_CUMULATIVE,
      LUCID_AUDIT_WINDOW_BY_COUNT, 0, 3, &c);
  for (guint i = 0; i < 7; i++)
    feed (w, events8[i].g, 0, events8[i].t, events8[i].p);
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 3);
  assert_seen (&c, 0, 0, 3, 3, FALSE);
  assert_seen (&c, 1, 0, 6, 6, FALSE);
  assert_seen (&c, 2, 0, 9, 7, TRUE);
  g_assert_cmpuint (seen (&c, 2)->a.n, ==, 4);
  g_assert_cmpuint (seen (&c, 2)->b.n, ==, 3);
  /* finish() reset the window: the next stream starts at event 0 again */
  feed (w, "g=a", 0, 1, 1);
  lucid_audit_window_finish (w);
  assert_seen (&c, 3, 0, 3, 1, TRUE);
  g_assert_cmpuint (seen (&c, 3)->index, ==, 0);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

/* ---- time windows ------------------------------------------------------- */

/* The example table at the top of lucid-audit-window.c, row by row. */
static void
run_time_example (LucidAuditLatePolicy late)
{
  Collector c;
  LucidAuditWindowConfig config = {
    .kind = LUCID_AUDIT_WINDOW_SLIDING,.unit = LUCID_AUDIT_WINDOW_BY_TIME,
    .size = 20 * SEC,.slide = 10 * SEC,.late = late,
  };
  gboolean clamp = late == LUCID_AUDIT_LATE_CLAMP;
  collector_init (&c);
  LucidAuditWindow *w = lucid_audit_window_new (&config, collect, &c, NULL,
      NULL);

  feed (w, "g=a", 3 * SEC, 1, 1);
  g_assert_cmpuint (c.seen->len, ==, 0);
  feed (w, "g=b", 12 * SEC, 0, 1);
  g_assert_cmpuint (c.seen->len, ==, 1);
  assert_seen (&c, 0, 0, 10 * SEC, 1, FALSE);
  feed (w, "g=a", 11 * SEC, 0, 0);      /* earlier, same bucket: not late */
  feed (w, "g=a", 45 * SEC, 1, 0);
  g_assert_cmpuint (c.seen->len, ==, 3);
  assert_seen (&c, 1, 0, 20 * SEC, 3, FALSE);
  assert_seen (&c, 2, 10 * SEC, 30 * SEC, 2, FALSE);
  g_assert_cmpuint (seen (&c, 2)->n_late, ==, 0);
  feed (w, "g=b", 38 * SEC, 1, 1);      /* late */
  g_assert_cmpuint (c.seen->len, ==, 3);
  lucid_audit_window_advance (w, 50 * SEC);
  g_assert_cmpuint (c.seen->len, ==, 4);
  assert_seen (&c, 3, 30 * SEC, 50 * SEC, clamp ? 2 : 1, FALSE);
  g_assert_cmpuint (seen (&c, 3)->n_late, ==, 1);
  g_assert_cmpfloat (seen (&c, 3)->b.tp, ==, clamp ? 1 : 0);
  feed (w, "g=a", 51 * SEC, 1, 1);
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 5);
  assert_seen (&c, 4, 40 * SEC, 60 * SEC, clamp ? 3 : 2, TRUE);
  g_assert_cmpuint (seen (&c, 4)->n_late, ==, 0);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_time_sliding_clamp (void)
{
  run_time_example (LUCID_AUDIT_LATE_CLAMP);
}

static void
test_time_sliding_drop (void)
{
  run_time_example (LUCID_AUDIT_LATE_DROP);
}

static void
test_time_tumbling (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_TIME, 10 * SEC, 10 * SEC, &c);
  feed (w, "g=a", 0, 1, 1);
  feed (w, "g=a", 10 * SEC - 1, 1, 1);  /* last ns of [0,10) */
  g_assert_cmpuint (c.seen->len, ==, 0);
  feed (w, "g=b", 10 * SEC, 1, 1);      /* first ns of [10,20): closes */
  assert_seen (&c, 0, 0, 10 * SEC, 2, FALSE);
  feed (w, "g=b", 29 * SEC, 0, 0);      /* [10,20) closes, [20,30) open */
  assert_seen (&c, 1, 10 * SEC, 20 * SEC, 1, FALSE);
  lucid_audit_window_advance (w, 30 * SEC - 1);   /* not yet */
  g_assert_cmpuint (c.seen->len, ==, 2);
  lucid_audit_window_advance (w, 30 * SEC);
  assert_seen (&c, 2, 20 * SEC, 30 * SEC, 1, FALSE);
  /* a gap: [30,40) … [90,100) are empty and not reported */
  feed (w, "g=a", 105 * SEC, 0, 1);
  g_assert_cmpuint (c.seen->len, ==, 3);
  /* flush: the open [100,110) is dropped unreported */
  lucid_audit_window_reset (w);
  feed (w, "g=a", 7 * SEC, 1, 0);       /* after reset: not late */
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 4);
  assert_seen (&c, 3, 0, 10 * SEC, 1, TRUE);
  g_assert_cmpuint (seen (&c, 3)->index, ==, 0);
  g_assert_cmpuint (seen (&c, 3)->n_late, ==, 0);
  g_assert_cmpfloat (seen (&c, 3)->a.fn, ==, 1);
  /* finish with nothing open reports nothing */
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 4);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

/* A gap of 10^18 empty buckets costs at most k closes, not 10^18. */
static void
test_time_gap (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_SLIDING,
      LUCID_AUDIT_WINDOW_BY_TIME, 3, 1, &c);
  feed (w, "g=a", 0, 0, 1);
  feed (w, "g=a", G_GUINT64_CONSTANT (1000000000000000000), 0, 1);
  g_assert_cmpuint (c.seen->len, ==, 3);        /* [0,1) [0,2) [0,3) */
  assert_seen (&c, 2, 0, 3, 1, FALSE);
  lucid_audit_window_finish (w);
  assert_seen (&c, 3, G_GUINT64_CONSTANT (1000000000000000000) - 2,
      G_GUINT64_CONSTANT (1000000000000000001), 1, TRUE);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_time_cumulative (void)
{
  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_CUMULATIVE,
      LUCID_AUDIT_WINDOW_BY_TIME, 0, 10 * SEC, &c);
  feed (w, "g=a", 25 * SEC, 1, 1);      /* first bucket [20,30) */
  feed (w, "g=a", 27 * SEC, 0, 1);
  feed (w, "g=b", 31 * SEC, 1, 1);
  feed (w, "g=b", 75 * SEC, 1, 0);      /* [40,70) add nothing: no reports */
  lucid_audit_window_finish (w);
  g_assert_cmpuint (c.seen->len, ==, 3);
  assert_seen (&c, 0, 20 * SEC, 30 * SEC, 2, FALSE);
  assert_seen (&c, 1, 20 * SEC, 40 * SEC, 3, FALSE);
  assert_seen (&c, 2, 20 * SEC, 80 * SEC, 4, TRUE);
  g_assert_cmpfloat (seen (&c, 2)->b.fn, ==, 1);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_origin (void)
{
  Collector c;
  LucidAuditWindowConfig config = {
    .kind = LUCID_AUDIT_WINDOW_TUMBLING,.unit = LUCID_AUDIT_WINDOW_BY_TIME,
    .size = 10,.origin = 5,
  };
  collector_init (&c);
  LucidAuditWindow *w = lucid_audit_window_new (&config, collect, &c, NULL,
      NULL);
  feed (w, "g=a", 3, 1, 1);     /* before the origin: late, clamped */
  feed (w, "g=a", 14, 1, 1);
  feed (w, "g=a", 15, 1, 1);
  assert_seen (&c, 0, 5, 15, 2, FALSE);
  g_assert_cmpuint (seen (&c, 0)->n_late, ==, 1);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

static void
test_bad_config (void)
{
  const struct {
    LucidAuditWindowKind kind;
    guint64 size, slide;
    guint n_boot;
  } bad[] = {
    {LUCID_AUDIT_WINDOW_TUMBLING, 0, 0, 0},
    {LUCID_AUDIT_WINDOW_TUMBLING, 10, 5, 0},
    {LUCID_AUDIT_WINDOW_SLIDING, 10, 3, 0},
    {LUCID_AUDIT_WINDOW_SLIDING, 0, 3, 0},
    {LUCID_AUDIT_WINDOW_SLIDING, 1000000, 1, 0},
    {LUCID_AUDIT_WINDOW_CUMULATIVE, 0, 0, 0},
    {LUCID_AUDIT_WINDOW_CUMULATIVE, 0, 1, 1000000},
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    LucidAuditWindowConfig config = {.kind = bad[i].kind,.size = bad[i].size,
      .slide = bad[i].slide,.n_boot = bad[i].n_boot
    };
    g_autoptr (GError) error = NULL;
    Collector c;
    g_assert_null (lucid_audit_window_new (&config, collect, &c, NULL,
            &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  }

  Collector c;
  collector_init (&c);
  LucidAuditWindow *w = make_window (LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_TIME, 10, 0, &c);
  g_autoptr (GError) error = NULL;
  g_assert_false (lucid_audit_window_update (w, "g=a", 1, 1, 1, NAN,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lucid_audit_window_update (w, "g=a", G_MAXUINT64, 1, 1, 1,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  lucid_audit_window_free (w);
  collector_clear (&c);
}

/* ---- random streams against recomputation ------------------------------- */

typedef struct {
  guint group;
  guint64 bucket;               /* effective bucket (after clamping) */
  guint64 ordinal;
  LucidFairnessTruth t;         /* a fifth of the events have no truth */
  gboolean p;
  double weight;
} LogEvent;

typedef struct {
  GArray *log;                  /* LogEvent */
  const LucidAuditWindowConfig *config;
  guint n_groups;
  char **keys;
  gboolean exact;
  guint n_reports;
  GArray *ends;                 /* guint64 end of each report */
} Recompute;

static void
recompute_check (const LucidAuditWindowReport * r, gpointer data)
{
  Recompute *rc = data;
  const LucidAuditWindowConfig *c = rc->config;
  gboolean by_time = c->unit == LUCID_AUDIT_WINDOW_BY_TIME;
  g_autofree LucidFairnessCell *want = g_new0 (LucidFairnessCell,
      rc->n_groups);
  guint64 n = 0;

  g_assert_cmpuint (r->index, ==, rc->n_reports);
  rc->n_reports++;
  g_array_append_val (rc->ends, r->end);
  for (guint i = 0; i < rc->log->len; i++) {
    const LogEvent *e = &g_array_index (rc->log, LogEvent, i);
    guint64 pos = by_time ? e->bucket * c->slide : e->ordinal;
    if (pos < r->start || pos >= r->end)
      continue;
    lucid_fairness_cell_add_event (&want[e->group], e->t, e->p, e->weight);
    n++;
  }
  g_assert_cmpuint (r->n_events, ==, n);
  g_assert_cmpuint (n, >, 0);
  for (guint g = 0; g < rc->n_groups; g++) {
    const LucidFairnessCell *got = lucid_fairness_counts_lookup (r->counts,
        rc->keys[g]);
    if (!got) {
      g_assert_cmpuint (want[g].n + want[g].n_no_truth, ==, 0);
      continue;
    }
    g_assert_cmpuint (got->n, ==, want[g].n);
    g_assert_cmpuint (got->n_no_truth, ==, want[g].n_no_truth);
    if (rc->exact) {
      g_assert_cmpfloat (got->tp, ==, want[g].tp);
      g_assert_cmpfloat (got->fp, ==, want[g].fp);
      g_assert_cmpfloat (got->tn, ==, want[g].tn);
      g_assert_cmpfloat (got->fn, ==, want[g].fn);
      g_assert_cmpfloat (got->pp_no_truth, ==, want[g].pp_no_truth);
      g_assert_cmpfloat (got->pn_no_truth, ==, want[g].pn_no_truth);
    } else {
      g_assert_cmpfloat_with_epsilon (got->tp, want[g].tp, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->fp, want[g].fp, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->tn, want[g].tn, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->fn, want[g].fn, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->pp_no_truth, want[g].pp_no_truth,
          1e-9);
      g_assert_cmpfloat_with_epsilon (got->pn_no_truth, want[g].pn_no_truth,
          1e-9);
    }
  }
}

static void
run_random_stream (GRand * rand, LucidAuditWindowKind kind,
    LucidAuditWindowUnit unit, gboolean exact)
{
  LucidAuditWindowConfig config = {.kind = kind,.unit = unit };
  char *keys[] = { "g=0", "g=1", "g=2", "g=3", "g=4", "g=5", "g=6" };
  Recompute rc = {.config = &config,.n_groups = G_N_ELEMENTS (keys),
    .keys = keys,.exact = exact
  };
  guint64 k = (guint64) g_rand_int_range (rand, 1, 6);
  config.slide = (guint64) g_rand_int_range (rand, 1, 8);
  config.size = kind == LUCID_AUDIT_WINDOW_SLIDING ? k * config.slide
      : config.slide;
  config.n_boot = g_rand_int_range (rand, 0, 3);
  rc.log = g_array_new (FALSE, FALSE, sizeof (LogEvent));
  rc.ends = g_array_new (FALSE, FALSE, sizeof (guint64));

  g_autoptr (GError) error = NULL;
  LucidAuditWindow *w = lucid_audit_window_new (&config, recompute_check,
      &rc, NULL, &error);
  g_assert_no_error (error);

  guint n_events = g_rand_int_range (rand, 1, 300);
  guint64 t = 0, max_bucket = 0;
  for (guint i = 0; i < n_events; i++) {
    LogEvent e;
    /* groups appear over time, so the tables grow mid-stream */
    e.group = g_rand_int_range (rand, 0, MIN (rc.n_groups, 1 + i / 20));
    e.t = g_rand_int_range (rand, 0, 5) == 0 ? LUCID_FAIRNESS_TRUTH_UNKNOWN
        : g_rand_boolean (rand) ? LUCID_FAIRNESS_TRUTH_POSITIVE
        : LUCID_FAIRNESS_TRUTH_NEGATIVE;
    e.p = g_rand_boolean (rand);
    e.weight = exact ? g_rand_int_range (rand, 0, 4)
        : g_rand_double_range (rand, 0.0, 2.0);
    e.ordinal = i;
    /* time: mostly small steps, sometimes a gap, sometimes late */
    double u = g_rand_double (rand);
    guint64 ts = t;
    if (u < 0.05)
      ts = t + (guint64) g_rand_int_range (rand, 0, 60);
    else if (u < 0.10)
      ts = t > 10 ? t - (guint64) g_rand_int_range (rand, 0, 10) : t;
    else
      ts = t + (guint64) g_rand_int_range (rand, 0, 3);
    t = MAX (t, ts);
    /* the independent model of CLAMP: never before the newest bucket */
    max_bucket = MAX (max_bucket, ts / config.slide);
    e.bucket = max_bucket;
    g_array_append_val (rc.log, e);
    lucid_audit_window_add_event (w, lucid_audit_window_ensure_group (w,
            keys[e.group]), ts, e.t, e.p, e.weight);
  }
  lucid_audit_window_finish (w);

  /* Every non-empty window was reported, and no other: enumerate the
   * candidate ends (every bucket end from the first to the last bucket) and
   * decide each one from the log. */
  gboolean by_time = unit == LUCID_AUDIT_WINDOW_BY_TIME;
  guint64 first_b = by_time ? g_array_index (rc.log, LogEvent, 0).bucket : 0;
  guint64 last_b = by_time ? max_bucket : (n_events - 1) / config.slide;
  guint expected = 0;
  for (guint64 b = first_b; b <= last_b; b++) {
    guint64 end = (b + 1) * config.slide;
    guint64 start = kind == LUCID_AUDIT_WINDOW_CUMULATIVE
        ? first_b * config.slide : (end > config.size ? end - config.size : 0);
    guint64 in_window = 0, in_last = 0;
    for (guint i = 0; i < rc.log->len; i++) {
      const LogEvent *e = &g_array_index (rc.log, LogEvent, i);
      guint64 pos = by_time ? e->bucket * config.slide : e->ordinal;
      in_window += pos >= start && pos < end;
      in_last += pos >= end - config.slide && pos < end;
    }
    gboolean reported = kind == LUCID_AUDIT_WINDOW_CUMULATIVE ? in_last > 0
        : in_window > 0;
    if (reported) {
      g_assert_cmpuint (expected, <, rc.ends->len);
      g_assert_cmpuint (g_array_index (rc.ends, guint64, expected), ==, end);
      expected++;
    }
  }
  g_assert_cmpuint (expected, ==, rc.ends->len);

  lucid_audit_window_free (w);
  g_array_unref (rc.log);
  g_array_unref (rc.ends);
}

static void
test_random_streams (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261129);
  const LucidAuditWindowKind kinds[] = { LUCID_AUDIT_WINDOW_CUMULATIVE,
    LUCID_AUDIT_WINDOW_TUMBLING, LUCID_AUDIT_WINDOW_SLIDING
  };
  for (guint round = 0; round < 150; round++)
    for (guint k = 0; k < 3; k++)
      for (guint unit = 0; unit < 2; unit++)
        run_random_stream (rand, kinds[k], (LucidAuditWindowUnit) unit,
            round % 2 == 0);
}

/* ---- the Poisson bootstrap ---------------------------------------------- */

static void
test_poisson_draws (void)
{
  const guint n = 1000000;
  double sum = 0, sum2 = 0;
  guint zeros = 0;
  for (guint i = 0; i < n; i++) {
    guint k = lucid_audit_poisson_draw (7, i / 100, i % 100);
    sum += k;
    sum2 += (double) k * k;
    zeros += k == 0;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  /* standard errors: mean 0.001, P(0) 0.0005, variance ~0.0017 */
  g_assert_cmpfloat (fabs (mean - 1.0), <, 0.005);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.01);
  g_assert_cmpfloat (fabs ((double) zeros / n - exp (-1.0)), <, 0.003);
  /* no correlation between neighbouring events, replicates or seeds
   * (sd of a correlation estimate over 1e6 pairs: 0.001) */
  const struct {
    guint64 ds, di;
    guint dr;
  } steps[] = { {0, 1, 0}, {0, 0, 1}, {1, 0, 0} };
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++) {
    double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (guint i = 0; i < n; i++) {
      double x = lucid_audit_poisson_draw (7, i / 100, i % 100);
      double y = lucid_audit_poisson_draw (7 + steps[s].ds,
          i / 100 + steps[s].di, i % 100 + steps[s].dr);
      sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
    }
    double cov = sxy / n - sx / n * sy / n;
    double corr = cov / sqrt ((sxx / n - sx / n * sx / n)
        * (syy / n - sy / n * sy / n));
    g_assert_cmpfloat (fabs (corr), <, 0.005);
  }
  /* a pure function of (seed, ordinal, replicate) */
  g_assert_cmpuint (lucid_audit_poisson_draw (7, 123, 4), ==,
      lucid_audit_poisson_draw (7, 123, 4));
}

/* Synthetic stream: groups a and b half and half, selection probability
 * pa and pb, truth independent.  Demographic parity difference = |pa − pb|. */
static void
feed_synthetic (LucidAuditWindow * w, GRand * rand, guint n, double pa,
    double pb)
{
  guint a = lucid_audit_window_ensure_group (w, "g=a");
  guint b = lucid_audit_window_ensure_group (w, "g=b");
  for (guint i = 0; i < n; i++) {
    gboolean in_a = g_rand_boolean (rand);
    gboolean pred = g_rand_double (rand) < (in_a ? pa : pb);
    lucid_audit_window_add (w, in_a ? a : b, i, g_rand_boolean (rand), pred,
        1.0);
  }
}

static void
bootstrap_interval (LucidAuditWindowKind kind, guint64 slide, guint64 seed,
    guint32 data_seed, Collector * c)
{
  LucidAuditWindowConfig config = {.kind = kind,
    .unit = LUCID_AUDIT_WINDOW_BY_COUNT,.size = slide,.slide = slide,
    .n_boot = 200,.seed = seed
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (data_seed);
  collector_init (c);
  c->want_interval = TRUE;
  LucidAuditWindow *w = lucid_audit_window_new (&config, collect, c, NULL,
      NULL);
  feed_synthetic (w, rand, 1000, 0.5, 0.3);
  g_assert_cmpuint (lucid_audit_window_n_draws (w), ==, 1000 * 200);
  lucid_audit_window_free (w);
}

static void
test_bootstrap_reproducible (void)
{
  Collector one, two, other, cumul;
  bootstrap_interval (LUCID_AUDIT_WINDOW_TUMBLING, 1000, 42, 1, &one);
  bootstrap_interval (LUCID_AUDIT_WINDOW_TUMBLING, 1000, 42, 1, &two);
  bootstrap_interval (LUCID_AUDIT_WINDOW_TUMBLING, 1000, 43, 1, &other);
  /* the same events reached through four cumulative buckets */
  bootstrap_interval (LUCID_AUDIT_WINDOW_CUMULATIVE, 250, 42, 1, &cumul);

  g_assert_cmpuint (one.n_valid, ==, 200);
  g_assert_true (one.lower < one.point && one.point < one.upper);
  g_assert_cmpfloat (one.lower, ==, two.lower);
  g_assert_cmpfloat (one.upper, ==, two.upper);
  g_assert_cmpfloat (one.lower, ==, cumul.lower);
  g_assert_cmpfloat (one.upper, ==, cumul.upper);
  g_assert_cmpfloat (one.point, ==, other.point);
  g_assert_true (one.lower != other.lower || one.upper != other.upper);
  collector_clear (&one);
  collector_clear (&two);
  collector_clear (&other);
  collector_clear (&cumul);
}

/* Replicate r of the window is Σ draw(seed, e, r) · weight over its events:
 * check one cell of every replicate against the public draw function. */
typedef struct {
  GArray *tp_a;                 /* double, one per replicate */
  GArray *pp_a;                 /* pp_no_truth of g=a, one per replicate */
  GArray *n_no_truth_a;         /* guint64 */
} ReplicateProbe;

static LucidFairnessValue
probe_figure (const LucidFairnessCounts * counts, gpointer data)
{
  ReplicateProbe *p = data;
  const LucidFairnessCell *a = lucid_fairness_counts_lookup (counts, "g=a");
  double tp = a->tp;
  g_array_append_val (p->tp_a, tp);
  g_array_append_val (p->pp_a, a->pp_no_truth);
  g_array_append_val (p->n_no_truth_a, a->n_no_truth);
  return (LucidFairnessValue) {
  tp, LUCID_FAIRNESS_OK};
}

typedef struct {
  ReplicateProbe probe;
  guint n_reports;
} ProbeRun;

static void
probe_report (const LucidAuditWindowReport * r, gpointer data)
{
  ProbeRun *run = data;
  double lo, hi;
  if (run->n_reports++ == 2)    /* the third window: events 4..11 */
    g_assert_true (lucid_audit_window_report_interval (r, probe_figure,
            &run->probe, 0.9, &lo, &hi, NULL));
}

static void
test_bootstrap_replicates (void)
{
  /* sliding 8 events by 4: the second window holds events 4..11 and has
   * subtracted the replicates of events 0..3 */
  LucidAuditWindowConfig config = {.kind = LUCID_AUDIT_WINDOW_SLIDING,
    .unit = LUCID_AUDIT_WINDOW_BY_COUNT,.size = 8,.slide = 4,.n_boot = 16,
    .seed = 99
  };
  ProbeRun run = { {g_array_new (FALSE, FALSE, sizeof (double)),
          g_array_new (FALSE, FALSE, sizeof (double)),
      g_array_new (FALSE, FALSE, sizeof (guint64))}, 0 };
  LucidAuditWindow *w = lucid_audit_window_new (&config, probe_report, &run,
      NULL, NULL);
  const double weights[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0.5 };
  /* events 5, 7 and 10 have no truth: they go to the replicates'
   * pp_no_truth / pn_no_truth and n_no_truth with the same draws */
  for (guint i = 0; i < 12; i++)
    g_assert_true (lucid_audit_window_update_event (w, i % 3 ? "g=a" : "g=b",
            0, i == 5 || i == 7 || i == 10 ? LUCID_FAIRNESS_TRUTH_UNKNOWN
            : LUCID_FAIRNESS_TRUTH_POSITIVE, i % 2 == 0 || i == 7,
            weights[i], NULL));
  g_assert_cmpuint (run.probe.tp_a->len, ==, 16);
  for (guint r = 0; r < 16; r++) {
    double want = 0, want_pp = 0;
    guint64 want_n = 0;
    for (guint i = 4; i < 12; i++) {
      gboolean no_truth = i == 5 || i == 7 || i == 10;
      guint k = lucid_audit_poisson_draw (99, i, r);
      if (i % 3 && i % 2 == 0 && !no_truth)
        want += k * weights[i];
      if (i % 3 && no_truth) {
        want_n += k;
        if (i % 2 == 0 || i == 7)
          want_pp += k * weights[i];
      }
    }
    g_assert_cmpfloat (g_array_index (run.probe.tp_a, double, r), ==, want);
    g_assert_cmpfloat (g_array_index (run.probe.pp_a, double, r), ==,
        want_pp);
    g_assert_cmpuint (g_array_index (run.probe.n_no_truth_a, guint64, r), ==,
        want_n);
  }
  lucid_audit_window_free (w);
  g_array_unref (run.probe.tp_a);
  g_array_unref (run.probe.pp_a);
  g_array_unref (run.probe.n_no_truth_a);
}

static void
test_no_bootstrap (void)
{
  Collector c;
  LucidAuditWindowConfig config = {.kind = LUCID_AUDIT_WINDOW_TUMBLING,
    .unit = LUCID_AUDIT_WINDOW_BY_COUNT,.size = 100
  };
  LucidAuditWindowConfig boot = config;
  boot.n_boot = 10;
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  collector_init (&c);
  c.want_interval = TRUE;
  LucidAuditWindow *w = lucid_audit_window_new (&config, collect, &c, NULL,
      NULL);
  LucidAuditWindow *wb = lucid_audit_window_new (&boot, collect, &c, NULL,
      NULL);
  feed_synthetic (w, rand, 1000, 0.5, 0.3);
  g_assert_cmpuint (lucid_audit_window_n_draws (w), ==, 0);
  g_assert_cmpuint (c.seen->len, ==, 10);
  g_assert_true (isnan (c.lower) && isnan (c.upper));
  g_assert_cmpuint (c.n_valid, ==, 0);
  g_assert_false (isnan (c.point));
  lucid_audit_window_ensure_group (wb, "g=a");
  lucid_audit_window_ensure_group (wb, "g=b");
  g_assert_cmpuint (lucid_audit_window_state_bytes (wb), ==,
      11 * lucid_audit_window_state_bytes (w));
  lucid_audit_window_free (w);
  lucid_audit_window_free (wb);
  collector_clear (&c);
}

/* 200 streams of 1000 events with a true demographic parity difference of
 * 0.2; the 95 % percentile intervals (200 replicates) should cover it in
 * about 95 % of them.  The streams are seeded, so the outcome is fixed; the
 * band [0.90, 0.99] is what a correct bootstrap passes with room to spare
 * (binomial sd ~1.5 % at 200 streams) and a broken one (intervals of the
 * wrong width, or centred on the wrong figure) does not. */
static void
test_bootstrap_coverage (void)
{
  const guint n_streams = 200;
  const double truth = 0.2;
  guint covered = 0;
  g_autoptr (GRand) rand = g_rand_new_with_seed (31337);
  double width = 0;

  for (guint s = 0; s < n_streams; s++) {
    Collector c;
    LucidAuditWindowConfig config = {.kind = LUCID_AUDIT_WINDOW_CUMULATIVE,
      .unit = LUCID_AUDIT_WINDOW_BY_COUNT,.slide = 1000,.n_boot = 200,
      .seed = 1000 + s
    };
    collector_init (&c);
    c.want_interval = TRUE;
    LucidAuditWindow *w = lucid_audit_window_new (&config, collect, &c, NULL,
        NULL);
    feed_synthetic (w, rand, 1000, 0.55, 0.35);
    g_assert_cmpuint (c.seen->len, ==, 1);
    g_assert_cmpuint (c.n_valid, ==, 200);
    covered += c.lower <= truth && truth <= c.upper;
    width += c.upper - c.lower;
    lucid_audit_window_free (w);
    collector_clear (&c);
  }
  double coverage = (double) covered / n_streams;
  g_test_message ("coverage %.3f, mean width %.4f", coverage,
      width / n_streams);
  /* sd of the difference ≈ sqrt(2·(.55·.45 + .35·.65)/1000) ≈ 0.031: a
   * 95 % interval is about 0.12 wide */
  g_assert_cmpfloat (width / n_streams, >, 0.10);
  g_assert_cmpfloat (width / n_streams, <, 0.14);
  g_assert_cmpfloat (coverage, >=, 0.90);
  g_assert_cmpfloat (coverage, <=, 0.99);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit-window/count/tumbling", test_count_tumbling);
  g_test_add_func ("/audit-window/count/sliding", test_count_sliding);
  g_test_add_func ("/audit-window/count/cumulative", test_count_cumulative);
  g_test_add_func ("/audit-window/time/sliding-clamp",
      test_time_sliding_clamp);
  g_test_add_func ("/audit-window/time/sliding-drop", test_time_sliding_drop);
  g_test_add_func ("/audit-window/time/tumbling", test_time_tumbling);
  g_test_add_func ("/audit-window/time/cumulative", test_time_cumulative);
  g_test_add_func ("/audit-window/time/gap", test_time_gap);
  g_test_add_func ("/audit-window/time/origin", test_origin);
  g_test_add_func ("/audit-window/bad-config", test_bad_config);
  g_test_add_func ("/audit-window/random-streams", test_random_streams);
  g_test_add_func ("/audit-window/bootstrap/poisson", test_poisson_draws);
  g_test_add_func ("/audit-window/bootstrap/reproducible",
      test_bootstrap_reproducible);
  g_test_add_func ("/audit-window/bootstrap/replicates",
      test_bootstrap_replicates);
  g_test_add_func ("/audit-window/bootstrap/none", test_no_bootstrap);
  g_test_add_func ("/audit-window/bootstrap/coverage",
      test_bootstrap_coverage);
  return g_test_run ();
}
