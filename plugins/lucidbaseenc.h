/* lucidbaseenc.h — LucidBaseEnc, the abstract base of Lucid's encoders.
 *
 * Owns what every encoder shares (DL Streamer's base-inference pattern): the
 * model, device, batch-size, max-latency and interval properties, loading
 * and unloading the model with the element's state, and the batching
 * machinery, and the provenance of what subclasses attach (element name,
 * model id and directory on every tensor meta and result). Subclasses add
 * caps, their own properties, and three vfuncs.
 * See lucidbaseenc.c for the threading model and lock order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define LUCID_TYPE_BASE_ENC (lucid_base_enc_get_type ())
G_DECLARE_DERIVABLE_TYPE (LucidBaseEnc, lucid_base_enc, LUCID, BASE_ENC,
                          GstBaseTransform)

/**
 * LucidBaseEncClass:
 * @load: required. Called in start (READY→PAUSED) from the state-change
 *   thread, before any data flows, once lucid_base_enc_get_model_dir()
 *   names an existing directory and the device is supported. Returns FALSE
 *   and sets @error (message naming the file and the problem) when the model
 *   cannot be used; the base posts it as a RESOURCE error and the state
 *   change fails.
 * @unload: optional. Called in stop (PAUSED→READY) after streaming stopped,
 *   only when @load succeeded. Frees what @load made.
 * @process: required. Called with @n (1 ≤ n ≤ batch-size) writable buffers
 *   in stream order, with the sink pad's STREAM_LOCK held — from upstream's
 *   streaming thread or from the max-latency timer thread, never both at
 *   once, so the model needs no lock of its own. Attach metas only: never
 *   change data, timestamps or flags, never replace or unref the buffers.
 *   Returns FALSE and sets @error to fail the stream (STREAM/FAILED).
 */
struct _LucidBaseEncClass {
  GstBaseTransformClass parent_class;

  gboolean (*load) (LucidBaseEnc *enc, GError **error);
  void (*unload) (LucidBaseEnc *enc);
  gboolean (*process) (LucidBaseEnc *enc, GstBuffer **buffers, guint n,
                       GError **error);

  /*< private >*/
  gpointer _lucid_reserved[GST_PADDING];
};

/* The model directory in use: set from the model property at start, valid
 * from @load until after @unload returns. NULL outside that window. */
const gchar *lucid_base_enc_get_model_dir (LucidBaseEnc *enc);

/* The batch size in use (snapshot taken at start). */
guint lucid_base_enc_get_batch_size (LucidBaseEnc *enc);

/* The loaded model's id (hex SHA-256 of its weights): @load sets it (the
 * string is copied), the base forgets it when the model is unloaded. */
void lucid_base_enc_set_model_id (LucidBaseEnc *enc, const gchar *model_id);
const gchar *lucid_base_enc_get_model_id (LucidBaseEnc *enc);

/* For @process: attaches @embedding (@dim float32 values, copied) to
 * @buffer as a new LucidTensorMeta of the model id, holding one tensor
 * @tensor_id, and returns a new lucid-result carrying this element's name,
 * @kind, the model id and directory, @family and tensor-index 0. The caller
 * adds its own fields and attaches it with lucid_buffer_add_result(). */
GstStructure *lucid_base_enc_attach_embedding (
    LucidBaseEnc *enc, GstBuffer *buffer, GQuark tensor_id,
    const float *embedding, guint dim, const gchar *kind, const gchar *family);

G_END_DECLS
