/* lucid-audit-alert.h — alert expressions of lucidaudit's `alert` property.
 *
 * Grammar (whitespace allowed between tokens):
 *
 *   rules  := rule ( ( ',' | ';' | '||' ) rule )*
 *   rule   := metric [ '[' group ']' ] op number
 *   metric := [a-z_][a-z0-9_]*      a figure name (lucid_audit_figure_known())
 *   group  := a group key, "gender=f" or "age=30-39;gender=f" (canonicalised)
 *   op     := '<' | '<=' | '>' | '>=' | '==' | '!='
 *   number := a finite decimal number ("0.8", "-0.1", "1e-3")
 *
 * e.g. "demographic_parity_ratio<0.8, tpr[gender=f] < 0.5".  Each rule is an
 * alert of its own.  A rule holds when its figure's value compares true with
 * the threshold; a NaN figure never holds (there is nothing to compare).  A
 * per-group metric without [group] holds when any group's value does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LUCID_AUDIT_OP_LT,
  LUCID_AUDIT_OP_LE,
  LUCID_AUDIT_OP_GT,
  LUCID_AUDIT_OP_GE,
  LUCID_AUDIT_OP_EQ,
  LUCID_AUDIT_OP_NE,
} LucidAuditOp;

typedef struct {
  char *metric;
  char *group;                  /* canonical key, NULL: the figure / any group */
  LucidAuditOp op;
  double threshold;
  char *text;                   /* the rule, normalised: "metric[group]<0.8" */
} LucidAuditAlertRule;

/* Parses @text into a GPtrArray of LucidAuditAlertRule (free with
 * g_ptr_array_unref).  An empty or blank @text gives an empty array.  Errors
 * (LUCID_ERROR_INVALID_ARGUMENT) quote the text and give the 1-based column
 * of the problem and what was expected there. */
GPtrArray *lucid_audit_alert_parse (const char *text, GError ** error);

/* TRUE when @value satisfies the rule; never for NaN. */
gboolean lucid_audit_alert_holds (const LucidAuditAlertRule * rule,
    double value);

const char *lucid_audit_op_text (LucidAuditOp op);

G_END_DECLS
