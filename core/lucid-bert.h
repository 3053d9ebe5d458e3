/* lucid-bert.h — the BERT encoder: weights and one straight-line forward pass.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-backend.h"
#include "lucid-model-config.h"
#include "lucid-safetensors.h"

G_BEGIN_DECLS

typedef struct _LucidBert LucidBert;

/* Binds the weights of @st (which must outlive the result) to @config's
 * shapes. Accepts both `bert.`-prefixed names (BertFor* checkpoints) and bare
 * names (sentence-transformers). Missing or mis-shaped tensors are errors
 * naming the tensor; the optional heads (pooler, masked-LM, classifier) are
 * bound when present. */
LucidBert *lucid_bert_new (const LucidBertConfig *config, LucidSafetensors *st,
    const LucidBackend *backend, GError **error);
void lucid_bert_free (LucidBert *bert);

gboolean lucid_bert_has_pooler (const LucidBert *bert);
gboolean lucid_bert_has_mlm_head (const LucidBert *bert);
gboolean lucid_bert_has_classifier (const LucidBert *bert);

/* A packed batch: sequence s holds tokens [seq_offset[s], seq_offset[s+1]). */
typedef struct {
  guint n_seqs;
  const guint *seq_offset;     /* [n_seqs + 1] */
  const gint32 *ids;           /* [n_tokens] */
  const gint32 *type_ids;      /* [n_tokens] */
} LucidBertBatch;

/* Runs the encoder. Returns the last hidden states [n_tokens × hidden],
 * owned by @bert and valid until its next forward. When @attentions is not
 * NULL, attentions[layer] + attn_offset[s] receives sequence s's
 * probabilities (heads × len × len). */
const float *lucid_bert_forward (LucidBert *bert, const LucidBertBatch *batch,
    float *const *attentions, const gsize *attn_offset, GError **error);

/* BertPooler: out[hidden] = tanh(W · cls + b). */
void lucid_bert_pool (LucidBert *bert, const float *cls, float *out);
/* Classifier over a pooled vector: logits[num_labels]. */
void lucid_bert_classify (LucidBert *bert, const float *pooled, float *logits);
guint lucid_bert_get_num_labels (const LucidBert *bert);
/* Masked-LM log-probability of every vocabulary entry at one position:
 * logprobs[vocab_size] from that position's hidden state. */
void lucid_bert_mlm_logprobs (LucidBert *bert, const float *hidden,
    double *logprobs);

G_END_DECLS
