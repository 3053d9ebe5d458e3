/* lucid-heads.h — classification heads over an embedding: a linear probe
 * or nearest centroids read from a safetensors file, or zero-shot prompt
 * embeddings.
 *
 * Head file format (a plain .safetensors file; write one with
 * safetensors.numpy.save_file or safetensors.torch.save_file):
 *
 *   __metadata__ (string → string, as safetensors requires)
 *     "lucid.head"        "linear-probe" | "nearest-centroid"   (required)
 *     "lucid.labels"      a JSON array of L distinct non-empty strings,
 *                         the name of each row, e.g. "[\"cat\", \"dog\"]"
 *                         (required)
 *     "lucid.activation"  linear-probe only: "softmax" (default),
 *                         "sigmoid" (independent labels) or "none" (raw
 *                         logits)
 *     "lucid.metric"      nearest-centroid only: "cosine" (default; score =
 *                         cosine similarity) or "euclidean" (score = minus
 *                         the Euclidean distance, so higher is nearer, as
 *                         sklearn's NearestCentroid picks the argmin)
 *   tensors (F32, F16, BF16 or F64; converted to float32)
 *     linear-probe:      "weight" [L, D] and optional "bias" [L]
 *                        (torch.nn.Linear(D, L).state_dict() as is);
 *                        logits = weight · e + bias
 *     nearest-centroid:  "centroids" [L, D]
 *   Other metadata keys and other tensors are ignored.
 *
 * Scores are computed in double and returned as double.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LUCID_HEAD_LINEAR_PROBE,
  LUCID_HEAD_NEAREST_CENTROID,
  LUCID_HEAD_ZERO_SHOT,        /* cosine similarity to prompt embeddings */
} LucidHeadKind;

/* "linear-probe", "nearest-centroid", "zero-shot". */
const char *lucid_head_kind_to_string (LucidHeadKind kind);

typedef struct _LucidHead LucidHead;

/* Reads a head file (format above). Errors name @path and the problem. */
LucidHead *lucid_head_load (const char *path, GError **error);
/* The same from @len bytes in memory (copied from as needed; @data may be
 * freed afterwards); @label names the source in errors. (The fuzzer's
 * entry point.) */
LucidHead *lucid_head_new_from_data (const guint8 *data, gsize len,
    const char *label, GError **error);
/* A zero-shot head: row i of @embeddings [n × dim] is the embedding of
 * @labels[i]; scores are cosine similarities. Copies both. */
LucidHead *lucid_head_new_zero_shot (const char *const *labels,
    const float *embeddings, guint n, guint dim);
void lucid_head_free (LucidHead *head);

/* A prompt ensemble, as in the CLIP paper and open_clip's zero-shot
 * classifier: @embeds holds @n_templates embeddings (@dim floats) per
 * label, label-major (row l·n_templates + t is template t of label l);
 * @out [n_labels × dim] gets each label's normalize(mean over templates of
 * normalize(row)), computed in double.  A zero row contributes zeros; a
 * zero mean stays zero. */
void lucid_zero_shot_ensemble (const float *embeds, guint n_labels,
    guint n_templates, guint dim, float *out);

LucidHeadKind lucid_head_get_kind (const LucidHead *head);
/* A short description of the scoring, e.g. "softmax", "cosine". */
const char *lucid_head_get_scoring (const LucidHead *head);
guint lucid_head_get_dim (const LucidHead *head);
guint lucid_head_get_num_labels (const LucidHead *head);
const char *lucid_head_get_label (const LucidHead *head, guint i);
/* Hex SHA-256 of the head file (NULL for zero-shot heads and heads from
 * memory). */
const char *lucid_head_get_sha256 (const LucidHead *head);

/* Scores @embedding (@dim floats) into @scores (num_labels doubles, higher
 * is better). A @dim other than the head's is LUCID_ERROR_SHAPE. */
gboolean lucid_head_score (const LucidHead *head, const float *embedding,
    guint dim, double *scores, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidHead, lucid_head_free)

G_END_DECLS
