/* lucidaudit.h — lucidaudit, the streaming fairness audit element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

#include "lucid-audit-alert.h"
#include "lucid-audit-figures.h"

G_BEGIN_DECLS

#define LUCID_TYPE_AUDIT (lucid_audit_get_type ())
G_DECLARE_FINAL_TYPE (LucidAudit, lucid_audit, LUCID, AUDIT, GstBaseTransform)

/* What an event without ground truth counts as. */
typedef enum {
  LUCID_AUDIT_MISSING_TRUTH_SKIP,       /* not counted at all (n-no-truth) */
  LUCID_AUDIT_MISSING_TRUTH_NEGATIVE,   /* truth negative: prediction-only
                                         * figures stay exact, truth-based
                                         * ones are meaningless */
  LUCID_AUDIT_MISSING_TRUTH_PREDICTION_ONLY,    /* default: counted by the
                                                 * prediction-only figures,
                                                 * not by the truth-based */
} LucidAuditMissingTruth;

/* lucidaudit-report.c: a closed window's figures as the
 * "lucid-audit-window" structure of lucidauditmeta.h (without alerts), and
 * the alerts of @rules that hold in it, each a "lucid-audit-alert"
 * structure appended to @alerts. */
GstStructure *lucid_audit_window_structure (const LucidAuditWindowReport *
    report, const LucidAuditFigures * figures,
    const LucidAuditFiguresConfig * config, const char *element,
    const char *klass, const char *window, const char *unit);
void lucid_audit_find_alerts (const LucidAuditFigures * figures,
    const GPtrArray * rules, const GstStructure * window, GPtrArray * alerts);

G_END_DECLS
