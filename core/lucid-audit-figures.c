/* lucid-audit-figures.c — one window's report, as lucidaudit publishes it.
 *
 * For each grouping the window's fine cells are cut down to the grouping's
 * attributes (a cell without one of them is left out of the grouping); the
 * cut is kept as a map fine key → group key, so that each bootstrap
 * replicate is projected with one hash lookup per cell.  Between-group
 * figures are then the functions of lucid-fairness / lucid-aequitas on the
 * projected table without its too-small groups; their intervals evaluate
 * the same function on every replicate table
 * (lucid_audit_window_report_interval()).
 *
 * Cost per window close: O(cells × groupings) for the point figures, times
 * (1 + n_boot) with the bootstrap; Aequitas' disparities are one figure per
 * group and metric, so they cost ten times the groups per grouping.
 *
 * This file builds the report (groupings, per-group rates, Fairlearn and
 * AIF360 figures, intervals); the Aequitas convention's figures are
 * lucid-audit-figures-aequitas.c's, the figures' names per convention
 * lucid-audit-figure-names.c's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-figures.h"
#include "lucid-audit-figures-private.h"

#include "lucid-error.h"
#include "lucid-fairlearn-interval.h"
#include "lucid-inequality.h"

#include <math.h>
#include <string.h>

/* Aequitas metric → the fairness rate with the same counts ratio (for its
 * Wilson interval); -1: ppr, whose denominator is all groups' k (its Wilson
 * interval is that of the proportion pp / k). */
static const int aequitas_rate[LUCID_AEQUITAS_N_METRICS] = {
  -1, LUCID_FAIRNESS_SELECTION_RATE, LUCID_FAIRNESS_PPV, LUCID_FAIRNESS_FDR,
  LUCID_FAIRNESS_FOR, LUCID_FAIRNESS_FPR, LUCID_FAIRNESS_FNR,
  LUCID_FAIRNESS_TPR, LUCID_FAIRNESS_TNR, LUCID_FAIRNESS_NPV,
  LUCID_FAIRNESS_PREVALENCE, LUCID_FAIRNESS_ACCURACY,
};

/* ---- projection --------------------------------------------------------- */

/* The cut of @key to @attrs (sorted), or NULL when @key lacks one. */
static char *
cut_key (const char *key, char **attrs)
{
  g_auto (GStrv) pairs = g_strsplit (key, ";", -1);
  GString *cut = g_string_new (NULL);
  for (guint a = 0; attrs[a]; a++) {
    gsize len = strlen (attrs[a]);
    const char *found = NULL;
    for (guint p = 0; pairs[p] && !found; p++)
      if (!strncmp (pairs[p], attrs[a], len) && pairs[p][len] == '=')
        found = pairs[p];
    if (!found) {
      g_string_free (cut, TRUE);
      return NULL;
    }
    if (a)
      g_string_append_c (cut, ';');
    g_string_append (cut, found);
  }
  return g_string_free (cut, FALSE);
}

static void
cell_add (LucidFairnessCell *to, const LucidFairnessCell *from)
{
  to->tp += from->tp;
  to->fp += from->fp;
  to->tn += from->tn;
  to->fn += from->fn;
  to->n += from->n;
  to->pp_no_truth += from->pp_no_truth;
  to->pn_no_truth += from->pn_no_truth;
  to->n_no_truth += from->n_no_truth;
}

/* A figure's job: the grouping's cut map and what to compute. */
/* Aequitas' disparities go through AequitasJob below instead. */
typedef enum { JOB_FAIRLEARN, JOB_AIF360, JOB_INEQUALITY } JobKind;

typedef struct {
  JobKind kind;
  GHashTable *cut;              /* fine key → group key (only included groups) */
  const LucidAuditFiguresConfig *config;
  int figure;
} Job;

LucidFairnessCounts *
lucid_audit_counts_project (const LucidFairnessCounts *counts, GHashTable *cut)
{
  LucidFairnessCounts *out = lucid_fairness_counts_new ();
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  for (guint i = 0; i < keys->len; i++) {
    const char *to = g_hash_table_lookup (cut, keys->pdata[i]);
    if (to)
      cell_add (lucid_fairness_counts_ensure_group (out, to),
          lucid_fairness_counts_lookup (counts, keys->pdata[i]));
  }
  return out;
}

static LucidFairnessValue
job_eval (const LucidFairnessCounts *counts, gpointer data)
{
  Job *job = data;
  const LucidAuditFiguresConfig *c = job->config;

  if (job->kind == JOB_AIF360) {
    LucidFairnessCell u, p;
    if (!lucid_fairness_counts_sum_matching (counts,
            (const char *const *) c->unprivileged,
            g_strv_length (c->unprivileged), &u, NULL)
        || !lucid_fairness_counts_sum_matching (counts,
            (const char *const *) c->privileged,
            g_strv_length (c->privileged), &p, NULL))
      return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_UNDEFINED_INPUT};
    /* The set sizes that matter are those of the events the figure counts:
     * all of them for statistical parity and disparate impact, those with
     * truth for the odds and opportunity figures. */
    gboolean all_events = job->figure
        == LUCID_AIF360_STATISTICAL_PARITY_DIFFERENCE
        || job->figure == LUCID_AIF360_DISPARATE_IMPACT;
    guint64 nu = all_events ? lucid_fairness_cell_n_events (&u) : u.n;
    guint64 np = all_events ? lucid_fairness_cell_n_events (&p) : p.n;
    if (c->min_group_size && (nu < c->min_group_size
            || np < c->min_group_size))
      return (LucidFairnessValue) {NAN, LUCID_FAIRNESS_TOO_SMALL};
    return lucid_aif360_figure (&u, &p, job->figure);
  }

  if (job->kind == JOB_INEQUALITY && job->figure < INEQ_ALL_GE) {
    double alpha = job->figure % 3 == 1 ? 1.0
        : job->figure % 3 == 2 ? 2.0 : c->ge_alpha;
    LucidFairnessValue v;
    if (job->figure < INEQ_BETWEEN_GE) {
      LucidFairnessCell total;
      lucid_fairness_counts_total (counts, &total);
      v = lucid_aif360_generalized_entropy_index (&total, alpha);
    } else if (!lucid_aif360_between_group_generalized_entropy_index (counts,
            (const char *const *) c->unprivileged,
            g_strv_length (c->unprivileged),
            (const char *const *) c->privileged,
            g_strv_length (c->privileged), alpha, &v, NULL)) {
      v = (LucidFairnessValue) {NAN, LUCID_FAIRNESS_UNDEFINED_INPUT};
    }
    return job->figure % 3 == 2 ? lucid_aif360_cv_from_ge2 (v) : v;
  }

  g_autoptr (LucidFairnessCounts) proj =
      lucid_audit_counts_project (counts, job->cut);
  if (job->kind == JOB_INEQUALITY) {
    double alpha = job->figure == INEQ_ALL_THEIL ? 1.0
        : job->figure == INEQ_ALL_CV ? 2.0 : c->ge_alpha;
    LucidFairnessValue v =
        lucid_aif360_between_all_groups_generalized_entropy_index (proj,
        alpha);
    return job->figure == INEQ_ALL_CV ? lucid_aif360_cv_from_ge2 (v) : v;
  }
  return lucid_fairlearn_figure (proj, job->figure, c->method,
      c->aggregation);
}

/* ---- building the report ------------------------------------------------ */

static void
group_free (gpointer p)
{
  LucidAuditGroup *g = p;
  g_free (g->grouping);
  g_free (g->group);
  g_free (g);
}

static void
figure_free (gpointer p)
{
  LucidAuditFigure *f = p;
  g_free (f->grouping);
  g_free (f->group);
  g_free (f->metric);
  g_free (f);
}

static void
reference_free (gpointer p)
{
  LucidAuditReference *r = p;
  g_free (r->grouping);
  g_free (r->group);
  g_free (r);
}

static void
verdict_free (gpointer p)
{
  LucidAuditVerdict *v = p;
  g_free (v->grouping);
  g_free (v->group);
  g_free (v);
}

void
lucid_audit_figures_free (LucidAuditFigures *figures)
{
  if (!figures)
    return;
  g_ptr_array_unref (figures->groups);
  g_ptr_array_unref (figures->figures);
  g_ptr_array_unref (figures->references);
  g_ptr_array_unref (figures->verdicts);
  g_free (figures);
}

LucidAuditFigure *
lucid_audit_figures_add (LucidAuditFigures *out, const char *grouping,
    const char *group, const char *metric, LucidFairnessValue v)
{
  LucidAuditFigure *f = g_new0 (LucidAuditFigure, 1);
  f->grouping = g_strdup (grouping);
  f->group = g_strdup (group);
  f->metric = g_strdup (metric);
  f->value = v.value;
  f->reason = v.reason;
  f->lower = f->upper = NAN;
  f->per_group = group != NULL;
  g_ptr_array_add (out->figures, f);
  return f;
}

/* A between-group figure that is NaN because the groups it would compare
 * were left out as too small says so. */
static void
mark_too_small (LucidAuditFigure *f, guint n_too_small, guint n_included)
{
  if (isnan (f->value) && n_too_small > 0 && n_included < 2)
    f->reason = LUCID_FAIRNESS_TOO_SMALL;
}

/* A truth-based between-group figure over a grouping whose groups all
 * lack truth (tag-only groups, no annotations): the projection to the
 * groups with truth is empty, which the library functions call an empty
 * group; the reason is the missing truth, as for the per-group rates. */
static void
mark_no_truth (LucidAuditFigure *f, guint n_with_truth, guint n_with_events)
{
  if (isnan (f->value) && f->reason == LUCID_FAIRNESS_EMPTY_GROUP
      && n_with_truth == 0 && n_with_events > 0)
    f->reason = LUCID_FAIRNESS_NO_TRUTH;
}

/* Figures folded at the value parity gives (Fairlearn's max − min and
 * min / max, AIF360's average absolute odds difference, the between-group
 * inequality indices): their range, for the basic bootstrap interval.
 * FALSE for signed figures (AIF360's differences and disparate impact,
 * the whole-window indices), which keep the percentile interval. */
static gboolean
folded_range (const Job *job, double *min, double *max)
{
  switch (job->kind) {
    case JOB_FAIRLEARN:
      *min = 0.0;
      *max = 1.0;
      return TRUE;
    case JOB_AIF360:
      *min = 0.0;
      *max = 1.0;
      return job->figure == LUCID_AIF360_AVERAGE_ABS_ODDS_DIFFERENCE;
    case JOB_INEQUALITY:
      *min = 0.0;
      *max = INFINITY;
      return job->figure >= INEQ_BETWEEN_GE;
  }
  return FALSE;
}

/* Fairlearn's figures: the simultaneous interval of
 * lucid-fairlearn-interval.h, from the level-quantile of the replicates'
 * deviations T* (a one-sided quantile: the upper bound of a two-sided
 * interval at 2·level − 1).  FALSE where it does not apply. */
typedef struct {
  Job *job;
  LucidFairlearnDeviation *deviation;
} DeviationJob;

static LucidFairnessValue
deviation_eval (const LucidFairnessCounts *counts, gpointer data)
{
  DeviationJob *dj = data;
  g_autoptr (LucidFairnessCounts) proj =
      lucid_audit_counts_project (counts, dj->job->cut);
  return (LucidFairnessValue) {
  lucid_fairlearn_deviation_of (dj->deviation, proj), LUCID_FAIRNESS_OK};
}

static gboolean
add_fairlearn_interval (const LucidAuditWindowReport *report,
    LucidAuditFigure *f, Job *job)
{
  const LucidAuditFiguresConfig *c = job->config;
  double unused, quantile;
  if (!isfinite (f->value) || c->level <= 0.5)
    return FALSE;
  g_autoptr (LucidFairnessCounts) point =
      lucid_audit_counts_project (report->counts, job->cut);
  g_autoptr (LucidFairlearnDeviation) deviation =
      lucid_fairlearn_deviation_new (point, job->figure, c->method,
      c->aggregation);
  if (!deviation)
    return FALSE;
  DeviationJob dj = { job, deviation };
  if (lucid_audit_window_report_interval (report, deviation_eval, &dj,
          2.0 * c->level - 1.0, &unused, &quantile, &f->n_boot_valid))
    lucid_fairlearn_deviation_interval (deviation, f->value, quantile,
        &f->lower, &f->upper);
  return TRUE;
}

static void
add_interval (const LucidAuditWindowReport *report, LucidAuditFigure *f,
    Job *job)
{
  double min, max;
  if (report->n_boot == 0 || isnan (f->value))
    return;
  if (job->kind == JOB_FAIRLEARN && add_fairlearn_interval (report, f, job))
    return;
  if (!lucid_audit_window_report_interval (report, job_eval, job,
          job->config->level, &f->lower, &f->upper, &f->n_boot_valid))
    return;
  if (isfinite (f->value) && folded_range (job, &min, &max))
    lucid_audit_basic_interval (f->value, f->lower, f->upper, min, max,
        &f->lower, &f->upper);
}

static int
strcmp_indirect (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The attributes seen in @counts, sorted. */
static GPtrArray *
attributes_seen (const LucidFairnessCounts *counts)
{
  g_autoptr (GHashTable) set = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (counts);
  for (guint i = 0; i < keys->len; i++) {
    g_auto (GStrv) pairs = g_strsplit (keys->pdata[i], ";", -1);
    for (guint p = 0; pairs[p]; p++) {
      char *eq = strchr (pairs[p], '=');
      if (eq)
        g_hash_table_add (set, g_strndup (pairs[p], eq - pairs[p]));
    }
  }
  GPtrArray *attrs = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &k, NULL)) {
    g_ptr_array_add (attrs, g_strdup (k));
  }
  g_ptr_array_sort (attrs, strcmp_indirect);
  return attrs;
}

/* Every grouping as a sorted NULL-terminated attribute vector. */
static GPtrArray *
groupings_of (const LucidFairnessCounts *counts,
    const LucidAuditFiguresConfig *config, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (config->groupings && config->groupings[0]) {
    for (guint i = 0; config->groupings[i]; i++) {
      char **attrs = g_strsplit_set (config->groupings[i], ";,", -1);
      guint n = 0;
      for (guint a = 0; attrs[a]; a++) {
        g_strstrip (attrs[a]);
        if (*attrs[a])
          attrs[n++] = attrs[a];
        else
          g_free (attrs[a]);
      }
      attrs[n] = NULL;
      if (n == 0) {
        g_strfreev (attrs);
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
            "grouping '%s' names no attribute", config->groupings[i]);
        g_ptr_array_unref (out);
        return NULL;
      }
      qsort (attrs, n, sizeof (char *), strcmp_indirect);
      g_ptr_array_add (out, attrs);
    }
    return out;
  }
  g_autoptr (GPtrArray) seen = attributes_seen (counts);
  guint k = seen->len;
  if (k <= 4) {
    /* Every non-empty subset, by size then in key order. */
    for (guint size = 1; size <= k; size++)
      for (guint mask = 1; mask < (1u << k); mask++) {
        if ((guint) __builtin_popcount (mask) != size)
          continue;
        char **attrs = g_new0 (char *, size + 1);
        guint n = 0;
        for (guint a = 0; a < k; a++)
          if (mask & (1u << a))
            attrs[n++] = g_strdup (seen->pdata[a]);
        g_ptr_array_add (out, attrs);
      }
  } else {
    for (guint a = 0; a < k; a++) {
      char **attrs = g_new0 (char *, 2);
      attrs[0] = g_strdup (seen->pdata[a]);
      g_ptr_array_add (out, attrs);
    }
    char **all = g_new0 (char *, k + 1);
    for (guint a = 0; a < k; a++)
      all[a] = g_strdup (seen->pdata[a]);
    g_ptr_array_add (out, all);
  }
  return out;
}

/* The fine cells of @cut_all whose group in @all has enough events —
 * every event (@truth FALSE) or those with truth (@truth TRUE) — to be
 * included: at least one, and at least min_group_size. */
static GHashTable *
included_cut (GHashTable *cut_all, const LucidFairnessCounts *all,
    guint64 min_group_size, gboolean truth)
{
  GHashTable *cut = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, cut_all);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (all, v);
    guint64 n = truth ? c->n : lucid_fairness_cell_n_events (c);
    if (n > 0 && n >= min_group_size)
      g_hash_table_insert (cut, k, v);
  }
  return cut;
}

/* Fairlearn's demographic parity figures read the predictions only. */
static gboolean
fairlearn_prediction_only (int figure)
{
  return figure == LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE
      || figure == LUCID_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO;
}

/* Each per-group figure and between-group figure counts either every event
 * of its groups (selection rate, demographic parity, Aequitas' ppr and
 * pprev) or only those with truth (everything else).  So a grouping has
 * two sets of included groups, one per kind of figure: a group is too
 * small for a kind when it has events of that kind but fewer than
 * min_group_size (too_small, too_small_truth), and is left out of that
 * kind's figures only. */
static void
compute_grouping (const LucidAuditWindowReport *report,
    const LucidAuditFiguresConfig *config, char **attrs,
    LucidAuditFigures *out)
{
  g_autofree char *grouping = g_strjoinv (";", attrs);
  g_autoptr (GHashTable) cut_all = g_hash_table_new_full (g_str_hash,
      g_str_equal, NULL, g_free);
  g_autoptr (GPtrArray) fine = lucid_fairness_counts_keys (report->counts);
  for (guint i = 0; i < fine->len; i++) {
    char *to = cut_key (fine->pdata[i], attrs);
    if (to)
      g_hash_table_insert (cut_all, fine->pdata[i], to);
  }
  g_autoptr (LucidFairnessCounts) all =
      lucid_audit_counts_project (report->counts, cut_all);

  /* Included groups, per kind of figure. */
  guint64 m = config->min_group_size;
  g_autoptr (GHashTable) cut = included_cut (cut_all, all, m, FALSE);
  g_autoptr (GHashTable) cut_truth = included_cut (cut_all, all, m, TRUE);
  g_autoptr (LucidFairnessCounts) included =
      lucid_audit_counts_project (report->counts, cut);
  g_autoptr (LucidFairnessCounts) included_truth =
      lucid_audit_counts_project (report->counts, cut_truth);

  /* Per group: counts and rates with Wilson intervals. */
  g_autoptr (GPtrArray) keys = lucid_fairness_counts_keys (all);
  guint n_too_small = 0, n_included = 0;
  guint n_too_small_truth = 0, n_included_truth = 0;
  for (guint i = 0; i < keys->len; i++) {
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (all,
        keys->pdata[i]);
    guint64 n_all = lucid_fairness_cell_n_events (c);
    if (n_all > 0 && n_all < m)
      n_too_small++;
    else if (n_all > 0)
      n_included++;
    if (c->n > 0 && c->n < m)
      n_too_small_truth++;
    else if (c->n > 0)
      n_included_truth++;
  }
  double k_all = lucid_aequitas_k (included);
  for (guint i = 0; i < keys->len; i++) {
    const char *key = keys->pdata[i];
    const LucidFairnessCell *c = lucid_fairness_counts_lookup (all, key);
    if (lucid_fairness_cell_n_events (c) == 0)
      continue;
    LucidAuditGroup *g = g_new0 (LucidAuditGroup, 1);
    g->grouping = g_strdup (grouping);
    g->group = g_strdup (key);
    g->n = c->n;
    g->tp = c->tp;
    g->fp = c->fp;
    g->tn = c->tn;
    g->fn = c->fn;
    g->n_no_truth = c->n_no_truth;
    g->pp_no_truth = c->pp_no_truth;
    g->pn_no_truth = c->pn_no_truth;
    g->too_small = lucid_fairness_cell_n_events (c) < m;
    g->too_small_truth = c->n > 0 && c->n < m;
    g_ptr_array_add (out->groups, g);

    int n_metrics = config->convention == LUCID_AUDIT_CONVENTION_AEQUITAS
        ? LUCID_AEQUITAS_N_METRICS : LUCID_FAIRNESS_N_RATES;
    for (int mi = 0; mi < n_metrics; mi++) {
      LucidFairnessValue val;
      const char *name;
      int rate;
      gboolean too_small;
      if (config->convention == LUCID_AUDIT_CONVENTION_AEQUITAS) {
        name = lucid_aequitas_metric_name (mi);
        rate = aequitas_rate[mi];
        val = lucid_aequitas_metric (c, k_all, mi);
        too_small = aequitas_prediction_only (mi) ? g->too_small
            : g->too_small_truth;
      } else {
        name = lucid_fairness_rate_name (mi);
        rate = mi;
        val = lucid_fairness_rate (c, mi,
            config->convention == LUCID_AUDIT_CONVENTION_AIF360
            ? LUCID_FAIRNESS_AIF360 : LUCID_FAIRNESS_FAIRLEARN);
        too_small = lucid_fairness_rate_is_prediction_only (mi)
            ? g->too_small : g->too_small_truth;
      }
      if (too_small)
        val = (LucidFairnessValue) {NAN, LUCID_FAIRNESS_TOO_SMALL};
      LucidAuditFigure *f = lucid_audit_figures_add (out, grouping, key, name,
          val);
      if (!too_small && rate >= 0) {
        LucidFairnessReason unused;
        lucid_fairness_wilson (c, rate, config->level, &f->lower, &f->upper,
            &unused);
      } else if (!too_small && !isnan (val.value)) {
        /* ppr: the group's share of the k predicted positives */
        lucid_fairness_wilson_ratio (lucid_fairness_cell_predicted_positive
            (c), k_all, config->level, &f->lower, &f->upper);
      }
    }
  }

  /* Between groups. */
  if (config->convention == LUCID_AUDIT_CONVENTION_FAIRLEARN) {
    for (int fig = 0; fig < (int) G_N_ELEMENTS (lucid_audit_fairlearn_names);
        fig++) {
      gboolean all_events = fairlearn_prediction_only (fig);
      Job job = { JOB_FAIRLEARN, all_events ? cut : cut_truth, config, fig };
      LucidAuditFigure *f = lucid_audit_figures_add (out, grouping, NULL,
          lucid_audit_fairlearn_names[fig], lucid_fairlearn_figure (all_events
              ? included : included_truth, fig, config->method,
              config->aggregation));
      if (all_events) {
        mark_too_small (f, n_too_small, n_included);
      } else {
        mark_too_small (f, n_too_small_truth, n_included_truth);
        mark_no_truth (f, n_too_small_truth + n_included_truth,
            n_too_small + n_included);
      }
      add_interval (report, f, &job);
    }
  } else if (config->convention == LUCID_AUDIT_CONVENTION_AIF360) {
    for (int fig = INEQ_ALL_GE; fig < N_INEQ; fig++) {
      Job job = { JOB_INEQUALITY, cut_truth, config, fig };
      LucidAuditFigure *f = lucid_audit_figures_add (out, grouping, NULL,
          lucid_audit_inequality_names[fig], job_eval (report->counts, &job));
      mark_too_small (f, n_too_small_truth, n_included_truth);
      mark_no_truth (f, n_too_small_truth + n_included_truth,
          n_too_small + n_included);
      add_interval (report, f, &job);
    }
  } else if (config->convention == LUCID_AUDIT_CONVENTION_AEQUITAS) {
    lucid_audit_aequitas_between (report, config, grouping, cut, cut_truth,
        included, included_truth, out);
  }
}

LucidAuditFigures *
lucid_audit_figures_compute (const LucidAuditWindowReport *report,
    const LucidAuditFiguresConfig *config, GError **error)
{
  g_autoptr (GPtrArray) groupings = groupings_of (report->counts, config,
      error);
  if (!groupings)
    return NULL;
  g_autoptr (LucidAuditFigures) out = g_new0 (LucidAuditFigures, 1);
  out->groups = g_ptr_array_new_with_free_func (group_free);
  out->figures = g_ptr_array_new_with_free_func (figure_free);
  out->references = g_ptr_array_new_with_free_func (reference_free);
  out->verdicts = g_ptr_array_new_with_free_func (verdict_free);

  for (guint i = 0; i < groupings->len; i++)
    compute_grouping (report, config, groupings->pdata[i], out);

  if (config->convention == LUCID_AUDIT_CONVENTION_AIF360) {
    gboolean sets = config->privileged && config->privileged[0]
        && config->unprivileged && config->unprivileged[0];
    LucidFairnessCell total;
    lucid_fairness_counts_total (report->counts, &total);
    for (int fig = INEQ_GE; fig < INEQ_ALL_GE; fig++) {
      if (fig >= INEQ_BETWEEN_GE && !sets)
        break;
      Job job = { JOB_INEQUALITY, NULL, config, fig };
      LucidAuditFigure *f = lucid_audit_figures_add (out, "", NULL,
          lucid_audit_inequality_names[fig], job_eval (report->counts, &job));
      mark_no_truth (f, total.n > 0, lucid_fairness_cell_n_events (&total)
          > 0);
      add_interval (report, f, &job);
    }
  }
  if (config->convention == LUCID_AUDIT_CONVENTION_AIF360
      && config->privileged && config->privileged[0]
      && config->unprivileged && config->unprivileged[0]) {
    for (int fig = 0; fig < (int) G_N_ELEMENTS (lucid_audit_aif360_names);
        fig++) {
      Job job = { JOB_AIF360, NULL, config, fig };
      LucidAuditFigure *f = lucid_audit_figures_add (out, "", NULL,
          lucid_audit_aif360_names[fig], job_eval (report->counts, &job));
      add_interval (report, f, &job);
    }
  }
  return g_steal_pointer (&out);
}
