/* lucidaudit-private.h — what lucidaudit.c (the GObject: properties,
 * class) and lucidaudit-stream.c (start/stop, buffers, events, windows)
 * share: the instance structure and the streaming functions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucidaudit.h"

#include "lucid-annotations.h"
#include "lucid-audit-window.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (lucid_audit_debug);
#define GST_CAT_DEFAULT lucid_audit_debug

typedef struct
{
  LucidAudit *self;
  char *klass;
  LucidAuditWindow *window;
  GstStructure *last;           /* the last window closed, for attach-current */
  gboolean named;               /* a result named the class (label/labels) */
  gboolean warned_class;        /* warn_no_positive() posted its warning */
} ClassAudit;

struct _LucidAudit
{
  GstBaseTransform parent;

  /* properties (object lock) */
  gchar *annotations_path;
  LucidAnnotationsFormat annotations_format;
  LucidAnnotationsPolicy malformed;
  gchar *stream;
  gchar *source; /* element name prefix or model-id; NULL: the last */
  gboolean attach_current;
  gchar *positive_label;
  gdouble threshold;
  LucidAuditMissingTruth missing_truth;
  LucidAuditWindowKind window_kind;
  LucidAuditWindowUnit window_unit;
  guint64 window_size, window_slide;
  LucidAuditConvention convention;
  LucidFairnessMethod method;
  LucidFairnessAggregation aggregation;
  gchar *groupings, *privileged, *unprivileged;
  LucidAequitasReference reference;
  gchar *reference_group;
  guint min_group_size;
  guint n_boot;
  guint64 seed;
  gdouble confidence;
  gdouble ge_alpha;
  gdouble tau;
  gchar *alert;
  guint64 max_memory;           /* bytes per class window; 0: no limit */
  LucidAuditLatePolicy late;

  /* streaming state (streaming thread; set up in start()) */
  LucidAnnotations *annotations;
  GPtrArray *rules;             /* LucidAuditAlertRule */
  GPtrArray *classes;           /* ClassAudit */
  LucidAuditFiguresConfig config;
  char **config_strv[3];        /* owned vectors inside config */
  gchar *tag_groups;            /* the lucid-groups tag of the stream */
  gchar *stream_id;             /* of the last STREAM_START */
  gboolean counted;             /* events in the windows since a reset */
  guint64 max_t;                /* latest stream time counted since then */
  guint64 item_index;
  guint64 n_no_truth, n_no_group, n_no_result;
  gboolean warned_reference;    /* warn_reference() posted its warning */
  gboolean warned_unannotated;  /* warn_unannotated() posted its warning */
  gboolean warned_unmatched;    /* warn_unmatched() posted its warning */
  GHashTable *labels_seen;      /* labels results named (at most 32) */
  GHashTable *breached;         /* rule text + group → TRUE while held */
  GPtrArray *closed;            /* GstStructure windows closed by this call */
  GstFlowReturn error;          /* set by the window callback */
};

/* lucidaudit-stream.c: the GstBaseTransform vfuncs, and the cleanup that
 * stop(), start()'s error paths and finalize share. */
G_GNUC_INTERNAL gboolean lucid_audit_start (GstBaseTransform * trans);
G_GNUC_INTERNAL gboolean lucid_audit_stop (GstBaseTransform * trans);
G_GNUC_INTERNAL GstFlowReturn lucid_audit_transform_ip (GstBaseTransform *
    trans, GstBuffer * buf);
G_GNUC_INTERNAL gboolean lucid_audit_sink_event (GstBaseTransform * trans,
    GstEvent * event);
G_GNUC_INTERNAL void lucid_audit_clear_state (LucidAudit * self);

G_END_DECLS
