/* lucidsink-private.h — what the files of lucidsink share: the instance
 * structure, the debug category, and the functions that one file calls in
 * another (hidden: not exported by the plugin). lucidsink.c is the element;
 * lucidsink-rows.c maps results to rows; lucidsink-provenance.c describes
 * the run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "lucidsink.h"
#include "lucid-store.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (lucid_sink_debug);
#define GST_CAT_DEFAULT lucid_sink_debug

struct _LucidSink {
  GstBaseSink parent;

  /* Properties, with GST_OBJECT_LOCK; read once in start(). */
  gchar *location;
  gboolean store_embeddings;
  guint commit_interval;
  gchar *run_label;
  gchar *pipeline_description;
  gchar *audit_signing_key;       /* NULL: unsigned checkpoints */
  guint audit_checkpoint_entries; /* 0: the store's default */

  /* unlock() cancels it to release a render() blocked on a full store
   * queue; unlock_stop() resets it. */
  GCancellable *cancellable;

  /* Set in start(), cleared in stop(); between them used only by the
   * streaming thread (start/stop run while streaming is stopped). */
  LucidStore *store;
  gboolean with_embeddings;
  gint64 run_id;
  gboolean run_ended;     /* end_run(eos) done and no data since */
  gboolean failed;        /* an error about the store was posted */
  GHashTable *models;     /* "dir\nsha256" → gint64* models.id */
  gchar *stream_start_id; /* of the current stream */
  gchar *caps;            /* current caps, serialized */
  gint64 stream_row;      /* streams.id of this stream, 0 if none yet */
  guint64 n_rows;
  guint64 n_buffers_without_results;
  gboolean warned_malformed;
};

/* Functions of one file that the others call. */

/* lucidsink-rows.c */
G_GNUC_INTERNAL JsonNode *lucid_sink_gvalue_to_json (const GValue *v);
G_GNUC_INTERNAL JsonNode *lucid_sink_json_string_or_null (const gchar *s);
G_GNUC_INTERNAL void lucid_sink_post_store_error (LucidSink *self,
                                                  const GError *error);
G_GNUC_INTERNAL GstFlowReturn lucid_sink_store_result (LucidSink *self,
                                                       const GstStructure *s,
                                                       GstBuffer *buf);

/* lucidsink-audit.c: a lucid-audit-window structure (lucidauditmeta.h)
 * as audit log entries; @buf is NULL for a window carried by an event. */
G_GNUC_INTERNAL GstFlowReturn lucid_sink_store_audit_window (LucidSink *self,
                                                             const GstStructure *w,
                                                             GstBuffer *buf);

/* lucidsink-provenance.c */
G_GNUC_INTERNAL gchar *lucid_sink_pipeline_settings_to_json (LucidSink *self);
G_GNUC_INTERNAL gchar *lucid_sink_read_command_line (void);
G_GNUC_INTERNAL gchar *lucid_sink_gst_version_text (void);

G_END_DECLS
