/* lucid-audit-figures.h — everything lucidaudit reports about one window:
 * per-group counts and rates with Wilson intervals, and the between-group
 * figures of the chosen convention with bootstrap intervals.
 *
 * Groupings: each is a set of attributes ("gender", "age;gender"); a group
 * of a grouping is a cut of the window's fine cells (see
 * lucid_fairness_counts_project()), where a cell that lacks one of the
 * attributes is left out of that grouping (events carry the attributes they
 * have).  By default every non-empty subset of the attributes seen is a
 * grouping, i.e. every intersection (at most 4 attributes; with more, each
 * attribute alone and all of them together).
 *
 * Events without truth count for the prediction-only figures (selection
 * rate, demographic parity, statistical parity difference, disparate
 * impact, Aequitas' ppr and pprev and their disparities) and not for the
 * others, which see the events with truth only (lucid-fairness.h).
 *
 * A group with events but fewer than min_group_size of them is "too small":
 * its rates are NaN with reason TOO_SMALL, it is left out of every
 * between-group figure (Fairlearn, Aequitas), and an AIF360 group set below
 * the minimum makes the AIF360 figures NaN/TOO_SMALL.  "Events" are those
 * the figure counts: all of them for a prediction-only figure, those with
 * truth for the others (too_small, too_small_truth).
 *
 * Aequitas convention: per group Aequitas' twelve metrics, the ten
 * disparities against the reference group of each grouping (with bootstrap
 * intervals), the reference groups, and Fairness' determinations with
 * tau = config->tau (0: 0.8, i.e. fair within 0.8–1.25): fifteen parities
 * per group and per grouping.  The groups compared are the included ones
 * (events, not too small), so a too-small group has no verdict.
 *
 * AIF360 convention: besides the rates, the inequality indices of
 * lucid-inequality.h — generalized entropy index (α = ge_alpha), Theil index
 * and coefficient of variation over the whole window (grouping ""), between
 * the privileged and unprivileged sets (grouping "", when both are given),
 * and between all groups of each grouping.  The between-all versions leave
 * too-small groups out like the other between-group figures.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-aequitas.h"
#include "lucid-audit-window.h"
#include "lucid-fairness.h"

G_BEGIN_DECLS

typedef enum {
  LUCID_AUDIT_CONVENTION_FAIRLEARN,
  LUCID_AUDIT_CONVENTION_AIF360,
  LUCID_AUDIT_CONVENTION_AEQUITAS,
} LucidAuditConvention;

typedef struct {
  LucidAuditConvention convention;
  LucidFairnessMethod method;             /* Fairlearn */
  LucidFairnessAggregation aggregation;   /* Fairlearn equalized odds */
  /* NULL-terminated; each "attr" or "attr;attr"; NULL/empty: all subsets. */
  char **groupings;
  /* AIF360 group sets: conditions ("gender=m", "age=50+;region=n"), ORed. */
  char **privileged;
  char **unprivileged;
  LucidAequitasReference reference;       /* Aequitas */
  char *reference_group;                  /* REF_GIVEN: a group key */
  double tau;                             /* Aequitas' test, 0: 0.8 */
  guint64 min_group_size;                 /* 0: no minimum */
  double ge_alpha;                        /* AIF360 generalized entropy α */
  double level;                           /* interval level, e.g. 0.95 */
} LucidAuditFiguresConfig;

typedef struct {
  char *grouping;               /* "age;gender" */
  char *group;                  /* "age=30-39;gender=f" */
  guint64 n;                    /* events in the window with truth */
  double tp, fp, tn, fn;        /* weighted, events with truth */
  guint64 n_no_truth;           /* events in the window without truth */
  double pp_no_truth, pn_no_truth;      /* weighted, their predictions */
  /* Events (n + n_no_truth), or events with truth (n), above 0 but below
   * min_group_size: the prediction-only figures (selection rate, ppr,
   * pprev, demographic parity ...), or the truth-based ones, leave the
   * group out. */
  gboolean too_small, too_small_truth;
} LucidAuditGroup;

typedef struct {
  char *grouping;               /* the grouping; AIF360 set figures: "" */
  char *group;                  /* per-group figure: the group; between: NULL */
  char *metric;                 /* "tpr", "demographic_parity_ratio", "ppr_disparity" */
  double value;                 /* NaN/inf as the reference library has it */
  LucidFairnessReason reason;
  double lower, upper;          /* Wilson (rates) or bootstrap; NaN when none */
  guint n_boot_valid;           /* bootstrap replicates behind the interval */
  gboolean per_group;
} LucidAuditFigure;

/* Aequitas convention: the reference group of one disparity metric in one
 * grouping (it differs per metric only with REF_MIN_METRIC). */
typedef struct {
  char *grouping;
  LucidAequitasMetric metric;   /* one of the ten disparity metrics */
  char *group;                  /* the reference group's key */
} LucidAuditReference;

/* Aequitas convention: one of Fairness' determinations (tau = config->tau)
 * for a group (Fairness.get_group_value_fairness) or, with group NULL, for
 * the grouping as a whole (get_group_attribute_fairness). */
typedef struct {
  char *grouping;
  char *group;                  /* NULL: the whole grouping (attribute) */
  LucidAequitasParity parity;
  LucidAequitasVerdict verdict;
} LucidAuditVerdict;

typedef struct {
  GPtrArray *groups;            /* LucidAuditGroup*, by grouping then key */
  GPtrArray *figures;           /* LucidAuditFigure* */
  /* Aequitas only (empty otherwise), by grouping; a grouping without
   * disparities (reference=given not among its groups) has none. */
  GPtrArray *references;        /* LucidAuditReference* */
  GPtrArray *verdicts;          /* LucidAuditVerdict*: per group, then the
                                 * grouping's, each in parity order */
} LucidAuditFigures;

/* Computes the figures of @report (call inside the window callback).  Fails
 * on an unusable configuration (e.g. a grouping naming no attribute). */
LucidAuditFigures *lucid_audit_figures_compute (const LucidAuditWindowReport
    * report, const LucidAuditFiguresConfig * config, GError ** error);
void lucid_audit_figures_free (LucidAuditFigures * figures);

/* lucid-audit-figures-check.c.  The syntax of @config: each grouping
 * names attributes (no '='), each AIF360 condition and the reference
 * group are attribute=value pairs joined by ';'.  FALSE with @error naming
 * the entry otherwise (a check done once, before any event; figures_compute
 * would otherwise make every set figure NaN). */
gboolean lucid_audit_figures_config_check (const LucidAuditFiguresConfig *
    config, GError ** error);

/* What in @config matches none of the groups the window has seen (its
 * counts' keys, since creation): a grouping attribute no group has, an
 * AIF360 condition (convention aif360) no group satisfies.  NULL when all
 * match (or no group was seen yet); else a new text naming each, then the
 * groups (at most 12) — for a warning: such a grouping reports no group,
 * such a set figure is NaN empty-group, which looks like no data. */
char *lucid_audit_figures_unmatched (const LucidAuditWindowReport * report,
    const LucidAuditFiguresConfig * config);

/* Names an alert may use (lucid-audit-alert.h). */
gboolean lucid_audit_figure_known (const char *metric);
gboolean lucid_audit_figure_is_per_group (const char *metric);
char *lucid_audit_figure_names_text (void);
/* Whether @convention's windows ever report @metric, and the names they
 * report ("a, b, ..."; new string): an alert on another name never fires. */
gboolean lucid_audit_figure_in_convention (const char *metric,
    LucidAuditConvention convention);
char *lucid_audit_convention_figure_names_text (LucidAuditConvention
    convention);

/* "fairlearn" | "aif360" | "aequitas". */
const char *lucid_audit_convention_name (LucidAuditConvention convention);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidAuditFigures, lucid_audit_figures_free)

G_END_DECLS
