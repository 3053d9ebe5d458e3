/* lucid-audit-figures-private.h — what the files of one window's report
 * share: lucid-audit-figures.c (groupings, per-group rates, Fairlearn and
 * AIF360 figures, bootstrap intervals), lucid-audit-figure-names.c (the
 * figures' names per convention) and lucid-audit-figures-aequitas.c
 * (Aequitas' disparities, references and verdicts).  Private to core/,
 * never installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-audit-figures.h"

G_BEGIN_DECLS

/* AIF360's inequality indices: the first three over the whole window, the
 * next three between the privileged and unprivileged sets, the last three
 * between the groups of each grouping. */
enum {
  INEQ_GE, INEQ_THEIL, INEQ_CV,
  INEQ_BETWEEN_GE, INEQ_BETWEEN_THEIL, INEQ_BETWEEN_CV,
  INEQ_ALL_GE, INEQ_ALL_THEIL, INEQ_ALL_CV,
  N_INEQ
};

/* The between-group figures' names, indexed by LucidFairlearnFigure,
 * LucidAif360Figure and the INEQ_ enum (lucid-audit-figure-names.c). */
G_GNUC_INTERNAL extern const char *const
    lucid_audit_fairlearn_names[LUCID_FAIRNESS_EQUAL_OPPORTUNITY_RATIO + 1];
G_GNUC_INTERNAL extern const char *const
    lucid_audit_aif360_names[LUCID_AIF360_EQUAL_OPPORTUNITY_DIFFERENCE + 1];
G_GNUC_INTERNAL extern const char *const lucid_audit_inequality_names[N_INEQ];

/* ppr and pprev: Aequitas metrics of the predictions alone. */
static inline gboolean
aequitas_prediction_only (int metric)
{
  return metric == LUCID_AEQUITAS_PPR || metric == LUCID_AEQUITAS_PPREV;
}

/* @counts cut down by @cut (fine key → group key; cells not in it are left
 * out): a new table of the groups. */
G_GNUC_INTERNAL LucidFairnessCounts *lucid_audit_counts_project (
    const LucidFairnessCounts *counts, GHashTable *cut);

/* Appends a figure (@group NULL: between groups) to @out->figures, its
 * interval NaN; returns it (owned by @out). */
G_GNUC_INTERNAL LucidAuditFigure *lucid_audit_figures_add (
    LucidAuditFigures *out, const char *grouping, const char *group,
    const char *metric, LucidFairnessValue v);

/* The Aequitas figures of one grouping (lucid-audit-figures-aequitas.c):
 * the disparities of the groups of @included (ppr, pprev) and
 * @included_truth (the others), their bootstrap intervals over @cut and
 * @cut_truth, the reference groups and the verdicts, into @out. */
G_GNUC_INTERNAL void lucid_audit_aequitas_between (
    const LucidAuditWindowReport *report,
    const LucidAuditFiguresConfig *config, const char *grouping,
    GHashTable *cut, GHashTable *cut_truth,
    const LucidFairnessCounts *included,
    const LucidFairnessCounts *included_truth, LucidAuditFigures *out);

G_END_DECLS
