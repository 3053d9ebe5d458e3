/* bench-audit.c — the cost of lucidaudit's core path (no GStreamer):
 *
 *   1. events/s through lucid_audit_window_add() (the hot path: a dense
 *      group index, no hashing) with n_boot = 0, for each window kind;
 *   2. the same through lucid_audit_window_update() (hash of the key per
 *      event, what a caller without cached indices pays);
 *   3. the Poisson bootstrap's cost per event for n_boot = 10, 100, 1000,
 *      with every event's truth known, and (lucid_audit_window_add_event)
 *      with a third of the events without truth (prediction-only);
 *   4. the cost of one window close with lucid_audit_figures_compute()
 *      (all groupings, Fairlearn figures, Wilson intervals) without and
 *      with bootstrap intervals.
 *
 * One thread.  Prints a Markdown table (docs/BENCHMARKS.md, "Audit").
 * Never run in CI; no timing assertions anywhere.
 *
 *   build/bench/bench-audit [EVENTS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lucid-audit-figures.h"
#include "lucid-audit-window.h"

#define N_GROUPS 12             /* gender {f,m} × age {3} × region {2} */

typedef struct {
  guint reports;
  const LucidAuditFiguresConfig *figures;  /* compute figures when set */
  double figure_seconds;
  guint n_figures;
} Sink;

static void
on_report (const LucidAuditWindowReport *r, gpointer data)
{
  Sink *s = data;
  s->reports++;
  if (s->figures) {
    gint64 t0 = g_get_monotonic_time ();
    LucidAuditFigures *f = lucid_audit_figures_compute (r, s->figures, NULL);
    s->figure_seconds += (g_get_monotonic_time () - t0) / 1e6;
    s->n_figures = f->figures->len;
    lucid_audit_figures_free (f);
  }
}

static const char *const keys[N_GROUPS] = {
  "age=<30;gender=f;region=n", "age=<30;gender=f;region=s",
  "age=<30;gender=m;region=n", "age=<30;gender=m;region=s",
  "age=30-49;gender=f;region=n", "age=30-49;gender=f;region=s",
  "age=30-49;gender=m;region=n", "age=30-49;gender=m;region=s",
  "age=50+;gender=f;region=n", "age=50+;gender=f;region=s",
  "age=50+;gender=m;region=n", "age=50+;gender=m;region=s",
};

/* A fixed pseudo-random event stream (xorshift), made before timing. */
typedef struct {
  guint8 group, y_true, y_pred;
} Event;

static Event *
make_events (guint64 n)
{
  Event *e = g_new (Event, n);
  guint64 x = 88172645463325252ULL;
  for (guint64 i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e[i].group = (guint8) (x % N_GROUPS);
    e[i].y_true = (x >> 20) & 1;
    e[i].y_pred = ((x >> 21) & 3) != 0;
  }
  return e;
}

/* The same stream with a third of the events' truth unknown. */
static Event *
make_mixed_events (const Event *ev, guint64 n)
{
  Event *e = g_memdup2 (ev, n * sizeof (Event));
  for (guint64 i = 0; i < n; i++)
    if (i % 3 == 2)
      e[i].y_true = LUCID_FAIRNESS_TRUTH_UNKNOWN;
  return e;
}

/* by_key: 0 window_add, 1 window_update (hashed key), 2 window_add_event */
static double
run_add (const LucidAuditWindowConfig *wc, const Event *ev, guint64 n,
    int by_key, Sink *sink)
{
  LucidAuditWindow *w = lucid_audit_window_new (wc, on_report, sink, NULL,
      NULL);
  guint idx[N_GROUPS];
  for (guint g = 0; g < N_GROUPS; g++)
    idx[g] = lucid_audit_window_ensure_group (w, keys[g]);
  gint64 t0 = g_get_monotonic_time ();
  if (by_key == 2) {
    for (guint64 i = 0; i < n; i++)
      lucid_audit_window_add_event (w, idx[ev[i].group], i, ev[i].y_true,
          ev[i].y_pred, 1.0);
  } else if (by_key) {
    for (guint64 i = 0; i < n; i++)
      lucid_audit_window_update (w, keys[ev[i].group], i, ev[i].y_true,
          ev[i].y_pred, 1.0, NULL);
  } else {
    for (guint64 i = 0; i < n; i++)
      lucid_audit_window_add (w, idx[ev[i].group], i, ev[i].y_true,
          ev[i].y_pred, 1.0);
  }
  double s = (g_get_monotonic_time () - t0) / 1e6;
  lucid_audit_window_free (w);
  return s;
}

int
main (int argc, char **argv)
{
  guint64 n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 20000000;
  g_autofree Event *ev = make_events (n);
  printf ("# lucidaudit core path, one thread, %" G_GUINT64_FORMAT
      " events, %d groups\n\n", n, N_GROUPS);
  printf ("| path | window | n_boot | events/s | ns/event |\n");
  printf ("|---|---|---:|---:|---:|\n");

  static const struct {
    const char *name;
    LucidAuditWindowKind kind;
    guint64 size, slide;
  } kinds[] = {
    {"cumulative, report every 10000", LUCID_AUDIT_WINDOW_CUMULATIVE, 0, 10000},
    {"tumbling 10000", LUCID_AUDIT_WINDOW_TUMBLING, 10000, 10000},
    {"sliding 100000 / 10000", LUCID_AUDIT_WINDOW_SLIDING, 100000, 10000},
  };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    for (int by_key = 0; by_key < 2; by_key++) {
      LucidAuditWindowConfig wc = { kinds[k].kind,
        LUCID_AUDIT_WINDOW_BY_COUNT, kinds[k].size, kinds[k].slide, 0,
        LUCID_AUDIT_LATE_CLAMP, 0, 1
      };
      Sink sink = { 0 };
      double best = INFINITY;
      for (int rep = 0; rep < 3; rep++)
        best = MIN (best, run_add (&wc, ev, n, by_key, &sink));
      printf ("| %s | %s | 0 | %.3g M | %.2f |\n",
          by_key ? "window_update (by key)" : "window_add (index)",
          kinds[k].name, n / best / 1e6, best / n * 1e9);
    }
  }

  static const guint boots[] = { 10, 100, 1000 };
  for (guint b = 0; b < G_N_ELEMENTS (boots); b++) {
    guint64 nb = MIN (n, 20000000 / boots[b]);
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_SLIDING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 100000, 10000, 0, LUCID_AUDIT_LATE_CLAMP,
      boots[b], 1
    };
    Sink sink = { 0 };
    double s = run_add (&wc, ev, nb, FALSE, &sink);
    printf ("| window_add (index) | sliding 100000 / 10000 | %u | %.3g M "
        "| %.1f |\n", boots[b], nb / s / 1e6, s / nb * 1e9);
  }
  /* A third of the events without truth: the same work per event (one
   * weighted add and one count add per replicate), whatever the truth. */
  g_autofree Event *mixed = make_mixed_events (ev, n);
  static const guint mixed_boots[] = { 0, 100 };
  for (guint b = 0; b < G_N_ELEMENTS (mixed_boots); b++) {
    guint64 nb = MIN (n, mixed_boots[b] ? 20000000 / mixed_boots[b] : n);
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_SLIDING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 100000, 10000, 0, LUCID_AUDIT_LATE_CLAMP,
      mixed_boots[b], 1
    };
    Sink sink = { 0 };
    double best = INFINITY;
    for (int rep = 0; rep < (mixed_boots[b] ? 1 : 3); rep++)
      best = MIN (best, run_add (&wc, mixed, nb, 2, &sink));
    printf ("| window_add_event, 1/3 without truth | sliding 100000 / 10000 "
        "| %u | %.3g M | %.1f |\n", mixed_boots[b], nb / best / 1e6,
        best / nb * 1e9);
  }

  printf ("\n| window close: lucid_audit_figures_compute | n_boot | figures "
      "| ms per close |\n|---|---:|---:|---:|\n");
  static const guint close_boots[] = { 0, 200 };
  static const LucidAuditConvention conventions[] = {
    LUCID_AUDIT_CONVENTION_FAIRLEARN, LUCID_AUDIT_CONVENTION_AIF360,
    LUCID_AUDIT_CONVENTION_AEQUITAS,
  };
  char *priv[] = { (char *) "gender=m", NULL };
  char *unpriv[] = { (char *) "gender=f", NULL };
  for (guint cv = 0; cv < G_N_ELEMENTS (conventions); cv++)
  for (guint b = 0; b < G_N_ELEMENTS (close_boots); b++) {
    LucidAuditFiguresConfig fc = { 0 };
    fc.convention = conventions[cv];
    fc.level = 0.95;
    fc.ge_alpha = 2.0;
    fc.privileged = priv;
    fc.unprivileged = unpriv;
    LucidAuditWindowConfig wc = { LUCID_AUDIT_WINDOW_TUMBLING,
      LUCID_AUDIT_WINDOW_BY_COUNT, 10000, 10000, 0, LUCID_AUDIT_LATE_CLAMP,
      close_boots[b], 1
    };
    Sink sink = { 0 };
    sink.figures = &fc;
    run_add (&wc, ev, MIN (n, 200000), FALSE, &sink);
    printf ("| %s, 7 groupings of 3 attributes, 12 cells | %u | %u "
        "| %.3f |\n", lucid_audit_convention_name (conventions[cv]),
        close_boots[b], sink.n_figures,
        sink.figure_seconds / sink.reports * 1e3);
  }
  return 0;
}
