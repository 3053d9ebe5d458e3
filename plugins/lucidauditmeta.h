/* lucidauditmeta.h — how audit windows travel from lucidaudit downstream.
 *
 * A closed window is one GstStructure named "lucid-audit-window" (contract
 * below).  It rides on the buffer that closed the window as a GstCustomMeta
 * named LucidAuditMeta; a window closed without a buffer (EOS, a flushing
 * seek) travels as a serialized custom downstream event carrying the same
 * structure.  lucidsink turns either into audit log rows.
 *
 * With #LucidAudit:attach-current (default on), every later buffer also
 * carries the last closed window of each class in the same meta, as a
 * structure named "lucid-audit-current" with the same fields: "the
 * current figures" for a consumer that looks at any buffer.
 * lucid_buffer_iterate_audit_windows() skips those (so lucidsink logs a
 * window once); lucid_buffer_iterate_audit_current() returns them.
 *
 * "lucid-audit-window" fields:
 *   element      string   the lucidaudit instance
 *   convention   string   fairlearn | aif360 | aequitas
 *   class        string   the positive label of this one-vs-rest audit
 *   window       string   cumulative | tumbling | sliding
 *   unit         string   count | time
 *   index        guint64  0, 1, 2 … since the stream started or was flushed
 *   start, end   guint64  [start, end) in events or stream-time ns
 *   partial      gboolean closed by EOS or a flush before its end
 *   n-events     guint64  events counted in the window
 *   n-late       guint64  time windows: late events since the last report
 *   n-boot       guint    bootstrap replicates behind the intervals
 *   level        double   interval level
 *   min-group-size guint64
 *   groups       GstValueArray of "lucid-audit-group" structures:
 *                  grouping, group (strings), n (guint64: events with
 *                  truth), tp, fp, tn, fn (double, weighted, events with
 *                  truth), n-no-truth (guint64: events without truth),
 *                  pp-no-truth, pn-no-truth (double, weighted: their
 *                  predicted positives / negatives), too-small (gboolean:
 *                  0 < n + n-no-truth < min-group-size, left out of the
 *                  prediction-only figures), too-small-truth (gboolean:
 *                  0 < n < min-group-size, left out of the truth-based
 *                  ones)
 *   figures      GstValueArray of "lucid-audit-figure" structures:
 *                  grouping, metric, reason (strings), group (string, per-group
 *                  figures only), value, lower, upper (double; NaN or
 *                  inf when undefined, see reason; null in JSON), n-boot-valid (guint)
 *   n-no-truth, n-no-group guint64  events left out so far, since start
 *                         (no truth with missing-truth=skip / no group)
 *   stream-id    string   the STREAM_START id of the window's stream (absent
 *                         when none was seen); a window never spans two
 *   stream       string   lucidaudit's stream property (absent when unset)
 *   alerts       GstValueArray of "lucid-audit-alert" structures (the same
 *                  fields as the bus message of that name, see
 *                  docs/audit.md, "The lucid-audit-alert message")
 *   Aequitas convention only:
 *   tau          double   fair iff tau <= disparity <= 1/tau
 *   references   GstValueArray of "lucid-audit-reference" structures:
 *                  grouping, metric ("ppr_disparity", ...), group (the
 *                  reference group's key)
 *   verdicts     GstValueArray of "lucid-audit-verdict" structures:
 *                  grouping, group (absent: the grouping as a whole),
 *                  parity (Aequitas' name, "Statistical Parity", ...),
 *                  verdict ("fair" | "unfair" | "undefined")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define LUCID_AUDIT_META_NAME "LucidAuditMeta"
#define LUCID_AUDIT_WINDOW_STRUCTURE "lucid-audit-window"
#define LUCID_AUDIT_ALERT_STRUCTURE "lucid-audit-alert"
#define LUCID_AUDIT_CURRENT_STRUCTURE "lucid-audit-current"

/* Registers the custom meta; idempotent. */
void lucid_audit_meta_init (void);

/* Attaches a copy of @window to @buffer (writable). */
void lucid_buffer_add_audit_window (GstBuffer * buffer,
    const GstStructure * window);

/* Attaches a copy of @window renamed "lucid-audit-current". */
void lucid_buffer_add_audit_current (GstBuffer * buffer,
    const GstStructure * window);
/* Iterates the audit windows closed on @buffer (not the "current" copies):
 * start with *state = NULL. */
const GstStructure *lucid_buffer_iterate_audit_windows (GstBuffer * buffer,
    gpointer * state);
/* Iterates the "lucid-audit-current" structures on @buffer. */
const GstStructure *lucid_buffer_iterate_audit_current (GstBuffer * buffer,
    gpointer * state);

G_END_DECLS
