/* lucid-audit-bootstrap.c — the Poisson bootstrap of the audit windows:
 * the draws of each event's replicate multiplicities, and the intervals
 * over a closed window's replicate tables (which live in the windows'
 * buckets, lucid-audit-window.c).
 *
 * THE POISSON BOOTSTRAP
 *
 * Resampling n events with replacement gives each event a Multinomial
 * count, which for large n is close to independent Poisson(1) counts; the
 * Poisson bootstrap (Hanley & MacGibbon 2006; Chamandy et al. 2012) uses
 * those, so each replicate can be updated in one pass without knowing n.
 * Replicate r of a window is a counts table like the window's own, in which
 * event e entered with multiplicity k(e, r) ~ Poisson(1): weight·k in its
 * confusion cell (or, for an event without truth, its PP' / PN' sum) and k
 * in the matching count (n or n_no_truth).  The tables are kept per bucket,
 * like the point counts, so sliding windows subtract expired replicates
 * exactly as they subtract expired counts.  Cost: n_boot draws per event,
 * each one weighted add and one count add whether the event has truth or
 * not (O(n_boot), independent of the stream length and of the window);
 * state: (k + 1) buckets × groups × (1 + n_boot) cells of 64 bytes (the
 * four confusion sums and their count, the two no-truth sums and theirs:
 * a count is what tells an empty group from a zero-weight one).
 *
 * k(e, r) is a pure function of (seed, e, r), e the event's ordinal since
 * reset: two splitmix64 finalisers hash the triple to a 64-bit x, and k is
 * the number of Poisson(1) CDF values F(0), F(1), … whose floor(F·2^64) is
 * ≤ x (the inverse CDF; eight branch-free comparisons, a loop beyond).  So the intervals do not depend on how events
 * were batched or when windows closed, and the same seed gives the same
 * intervals.
 *
 * From the window's replicate tables, the percentile bounds of any
 * between-group figure over the replicates (each computed by lucid-fairness
 * exactly as for the point estimate; NaN replicates, e.g. one where a group
 * drew no events, are left out and counted).  lucid-audit-figures turns
 * them into the basic bootstrap interval for AIF360's figures folded at
 * parity (lucid_audit_basic_interval()) and keeps the percentile interval
 * for signed ones; Fairlearn's differences and ratios get the simultaneous
 * interval of lucid-fairlearn-interval.c from the same replicates.
 * docs/audit.md says which figure gets which.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-window.h"
#include "lucid-audit-window-private.h"

#include <math.h>
#include <stdlib.h>

/* ---- the Poisson(1) draws ---------------------------------------------- */

guint64 lucid_audit_poisson_thr[POISSON_TABLE];

void
lucid_audit_poisson_table_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    double p = exp (-1.0), c = 0.0;
    for (guint k = 0; k < POISSON_TABLE; k++) {
      c += p;
      /* c < 1 maps below 2^64 exactly; c rounded up to 1 saturates */
      lucid_audit_poisson_thr[k] = c < 1.0 ? (guint64) ldexp (c, 64)
          : G_MAXUINT64;
      p /= (double) (k + 1);
    }
    g_once_init_leave (&done, 1);
  }
}

guint
lucid_audit_poisson_draw (guint64 seed, guint64 ordinal, guint replicate)
{
  lucid_audit_poisson_table_init ();
  return poisson_from_key (event_key (seed, ordinal), replicate);
}

/* ---- bootstrap intervals ------------------------------------------------ */

static int
double_compare (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* numpy.percentile's default ("linear"): position q·(n − 1). */
static double
percentile (const double *sorted, guint n, double q)
{
  double h = q * (n - 1);
  guint lo = (guint) floor (h);
  double frac = h - lo;
  if (lo + 1 >= n || frac == 0.0)
    return sorted[MIN (lo, n - 1)];
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void
lucid_audit_basic_interval (double estimate, double q_lower, double q_upper,
    double min, double max, double *lower, double *upper)
{
  if (isnan (estimate) || isnan (q_lower) || isnan (q_upper)) {
    *lower = *upper = NAN;
    return;
  }
  *lower = CLAMP (2.0 * estimate - q_upper, min, max);
  *upper = CLAMP (2.0 * estimate - q_lower, min, max);
}

gboolean
lucid_audit_window_report_interval (const LucidAuditWindowReport * report,
    LucidAuditFigureFunc figure, gpointer user_data, double level,
    double *lower, double *upper, guint * n_valid)
{
  LucidAuditWindow *w = report->window;
  guint n_boot = report->n_boot, n = 0;

  *lower = *upper = NAN;
  if (n_valid)
    *n_valid = 0;
  g_return_val_if_fail (w != NULL && w->in_callback, FALSE);
  g_return_val_if_fail (level > 0.0 && level < 1.0, FALSE);
  if (n_boot == 0)
    return FALSE;

  if (!w->boot_view) {
    w->boot_view = lucid_fairness_counts_new ();
    w->boot_view_cells = g_ptr_array_new ();
    for (guint g = 0; g < n_groups (w); g++)
      g_ptr_array_add (w->boot_view_cells,
          lucid_fairness_counts_ensure_group (w->boot_view,
              w->keys->pdata[g]));
  }

  g_autofree double *values = g_new (double, n_boot);
  for (guint r = 0; r < n_boot; r++) {
    for (guint g = 0; g < n_groups (w); g++)
      *(LucidFairnessCell *) w->boot_view_cells->pdata[g] =
          w->sum.boot[(gsize) g * n_boot + r];
    LucidFairnessValue v = figure (w->boot_view, user_data);
    if (!isnan (v.value))
      values[n++] = v.value;
  }
  if (n_valid)
    *n_valid = n;
  if (n == 0)
    return FALSE;
  qsort (values, n, sizeof (double), double_compare);
  *lower = percentile (values, n, (1.0 - level) / 2.0);
  *upper = percentile (values, n, (1.0 + level) / 2.0);
  return TRUE;
}

gboolean
lucid_audit_window_report_intervals (const LucidAuditWindowReport * report,
    LucidAuditFiguresFunc func, gpointer user_data, guint n_figures,
    double level, double *lower, double *upper, guint * n_valid)
{
  LucidAuditWindow *w = report->window;
  guint n_boot = report->n_boot;

  for (guint f = 0; f < n_figures; f++) {
    lower[f] = upper[f] = NAN;
    if (n_valid)
      n_valid[f] = 0;
  }
  g_return_val_if_fail (w != NULL && w->in_callback, FALSE);
  g_return_val_if_fail (level > 0.0 && level < 1.0, FALSE);
  if (n_boot == 0 || n_figures == 0)
    return FALSE;

  if (!w->boot_view) {
    w->boot_view = lucid_fairness_counts_new ();
    w->boot_view_cells = g_ptr_array_new ();
    for (guint g = 0; g < n_groups (w); g++)
      g_ptr_array_add (w->boot_view_cells,
          lucid_fairness_counts_ensure_group (w->boot_view,
              w->keys->pdata[g]));
  }

  /* values[f · n_boot + k]: the k-th non-NaN replicate value of figure f. */
  g_autofree double *values = g_new (double, (gsize) n_figures * n_boot);
  g_autofree guint *count = g_new0 (guint, n_figures);
  g_autofree double *out = g_new (double, n_figures);
  for (guint r = 0; r < n_boot; r++) {
    for (guint g = 0; g < n_groups (w); g++)
      *(LucidFairnessCell *) w->boot_view_cells->pdata[g] =
          w->sum.boot[(gsize) g * n_boot + r];
    for (guint f = 0; f < n_figures; f++)
      out[f] = NAN;
    func (w->boot_view, out, user_data);
    for (guint f = 0; f < n_figures; f++)
      if (!isnan (out[f]))
        values[(gsize) f * n_boot + count[f]++] = out[f];
  }
  for (guint f = 0; f < n_figures; f++) {
    double *v = values + (gsize) f * n_boot;
    if (n_valid)
      n_valid[f] = count[f];
    if (count[f] == 0)
      continue;
    qsort (v, count[f], sizeof (double), double_compare);
    lower[f] = percentile (v, count[f], (1.0 - level) / 2.0);
    upper[f] = percentile (v, count[f], (1.0 + level) / 2.0);
  }
  return TRUE;
}

typedef struct {
  LucidFairlearnFigure figure;
  LucidFairnessMethod method;
  LucidFairnessAggregation aggregation;
} FairlearnSpec;

static LucidFairnessValue
fairlearn_figure_func (const LucidFairnessCounts * counts, gpointer data)
{
  const FairlearnSpec *s = data;
  return lucid_fairlearn_figure (counts, s->figure, s->method,
      s->aggregation);
}

gboolean
lucid_audit_window_report_fairlearn_interval (const LucidAuditWindowReport *
    report, LucidFairlearnFigure figure, LucidFairnessMethod method,
    LucidFairnessAggregation aggregation, double level, double *lower,
    double *upper, guint * n_valid)
{
  FairlearnSpec spec = { figure, method, aggregation };
  return lucid_audit_window_report_interval (report, fairlearn_figure_func,
      &spec, level, lower, upper, n_valid);
}
