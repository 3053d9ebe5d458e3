/* lucid-text-model.h — a BERT-family text model directory, ready to run.
 *
 * Loads config.json, model.safetensors, the tokenizer files and the
 * sentence-transformers files (modules.json, 1_Pooling/config.json,
 * sentence_bert_config.json) of a Hugging Face style directory, and answers
 * embedding, classification and masked-LM pseudo-log-likelihood requests.
 *
 * A LucidTextModel is not thread-safe: it owns the scratch memory of its
 * forward passes. Use one per streaming thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-scores.h"
#include "lucid-tokenizer.h"

G_BEGIN_DECLS

typedef enum {
  LUCID_POOLING_DEFAULT = 0,   /* what the model directory says (see .c) */
  LUCID_POOLING_CLS,
  LUCID_POOLING_MEAN,
  LUCID_POOLING_MAX,
  LUCID_POOLING_POOLER,        /* BertPooler: tanh(W·h_cls + b) */
} LucidPooling;

const char *lucid_pooling_to_string (LucidPooling pooling);
/* Accepts "default", "cls", "mean", "max", "pooler". */
gboolean lucid_pooling_from_string (const char *s, LucidPooling *out);

typedef struct _LucidTextModel LucidTextModel;

LucidTextModel *lucid_text_model_load (const char *dir, GError **error);
void lucid_text_model_free (LucidTextModel *model);

const char *lucid_text_model_get_dir (const LucidTextModel *model);
/* Hex SHA-256 of model.safetensors. */
const char *lucid_text_model_get_sha256 (LucidTextModel *model);
/* The bytes of config.json as read. */
const char *lucid_text_model_get_config_json (const LucidTextModel *model);
const LucidTokenizer *lucid_text_model_get_tokenizer (const LucidTextModel *model);
guint lucid_text_model_get_hidden_size (const LucidTextModel *model);
guint lucid_text_model_get_num_layers (const LucidTextModel *model);
guint lucid_text_model_get_num_heads (const LucidTextModel *model);
LucidPooling lucid_text_model_get_default_pooling (const LucidTextModel *model);
gboolean lucid_text_model_get_normalize (const LucidTextModel *model);

/* Classification head (BertForSequenceClassification): 0 when absent. */
guint lucid_text_model_get_num_labels (const LucidTextModel *model);
/* id2label[i], or "LABEL_i" when config.json has none. */
const char *lucid_text_model_get_label (const LucidTextModel *model, guint i);
/* How the head's logits become scores (config.json problem_type and the
 * number of labels, as transformers' TextClassificationPipeline decides). */
LucidScoreFunction lucid_text_model_get_score_function (
    const LucidTextModel *model);
gboolean lucid_text_model_has_mlm_head (const LucidTextModel *model);

/* Maximum tokens per sequence: @override when > 0 (capped at
 * max_position_embeddings), else sentence_bert_config.json max_seq_length,
 * else the tokenizer's sane model_max_length, else max_position_embeddings. */
guint lucid_text_model_resolve_max_length (const LucidTextModel *model, guint override);

typedef struct {
  LucidPooling pooling;      /* LUCID_POOLING_DEFAULT: the model's */
  guint max_length;          /* 0: resolve_max_length (model, 0) */
} LucidTextOptions;

/* Per-sequence output of lucid_text_model_run(). Arrays are owned by the
 * model and valid until its next call. */
typedef struct {
  guint n_seqs;
  guint hidden_size;
  const float *embeddings;      /* [n_seqs × hidden]: pooled, L2-normalised
                                 * when the model says so */
  const float *logits;          /* [n_seqs × num_labels] or NULL (no head) */
  guint num_labels;
  const float *hidden_states;   /* last layer, packed [n_tokens × hidden] */
  const guint *seq_offset;      /* [n_seqs + 1] token offset of each sequence */
  LucidEncoding **encodings;    /* [n_seqs] owned by the model */
  /* Per-layer attention probabilities, only when requested:
   * attentions[layer] is packed per sequence, heads × len × len each, at
   * float offset attn_offset[seq]. */
  const float *const *attentions;
  const gsize *attn_offset;     /* [n_seqs + 1] */
} LucidTextOutput;

/* Tokenizes and encodes @n texts as one packed batch. */
gboolean lucid_text_model_run (LucidTextModel *model, const char *const *texts,
    guint n, const LucidTextOptions *opts, gboolean want_attentions,
    LucidTextOutput *out, GError **error);

/* Masked-LM pseudo-log-likelihood of @text: for each real token t, mask it and
 * add log P(t | rest). Returns FALSE when the model has no MLM head. */
gboolean lucid_text_model_pll (LucidTextModel *model, const char *text,
    const LucidTextOptions *opts, double *pll, guint *n_scored, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidTextModel, lucid_text_model_free)

G_END_DECLS
