/* lucid-vision-model.h — a vision model directory, whatever its family,
 * ready to turn RGB frames into embeddings and labelled scores.
 *
 * This is the one interface the vision elements use: they never call a
 * family's forward pass directly. A LucidVisionModel owns
 *
 *   - the family's encoder (ViT: core/lucid-vit.h; CLIP: core/lucid-clip.h),
 *   - the preprocessing of preprocessor_config.json (core/lucid-image.h),
 *     from 8-bit RGB of any size,
 *   - what turns the encoder's output into scores: the classification head
 *     (ViTForImageClassification: softmax of the logits — sigmoid with
 *     problem_type multi_label_classification or one label — id2label
 *     names)
 *     or, for families with a text tower (CLIP), zero-shot prompts set with
 *     lucid_vision_model_set_prompts(): softmax(exp(logit_scale) · cosine),
 *     CLIPModel's logits_per_image.softmax(-1).
 *
 * Adding a family means: a LUCID_VISION_FAMILY_* value, a branch in the
 * family dispatch of lucid-vision-model.c (load, embedding size, input
 * size, encode, set_prompts), nothing in the elements.
 *
 * Not thread-safe: it owns the scratch memory of its forward passes. Use one
 * per streaming thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-image.h"
#include "lucid-scores.h"

G_BEGIN_DECLS

typedef enum {
  LUCID_VISION_FAMILY_VIT,     /* ViTModel / ViTForImageClassification */
  LUCID_VISION_FAMILY_CLIP,    /* CLIPModel (model_type "clip"), or its image
                                  tower alone (model_type
                                  "clip_vision_model": CLIPVisionModel
                                  [WithProjection]; no text tower) */
} LucidVisionFamily;

/* "vit", "clip". */
const char *lucid_vision_family_to_string (LucidVisionFamily family);

/* Where a result's scores come from. */
typedef enum {
  LUCID_VISION_SCORES_NONE,    /* embedding only */
  LUCID_VISION_SCORES_HEAD,    /* the classification head (see
                                  get_score_function) */
  LUCID_VISION_SCORES_PROMPTS, /* softmax of logit_scale · cosine to the
                                  prompt embeddings (CLIP zero-shot) */
} LucidVisionScores;

typedef struct _LucidVisionModel LucidVisionModel;

/* Reads DIR/config.json to tell the family, then loads the family's weights
 * and DIR/preprocessor_config.json (CLIPModel: also tokenizer.json). Errors
 * name the file and the problem: a text-only model ("model_type \"bert\"
 * is a text model", also "clip_text_model"), a missing or malformed
 * preprocessor_config.json, a family this build cannot run. */
LucidVisionModel *lucid_vision_model_load (const char *dir, GError **error);
void lucid_vision_model_free (LucidVisionModel *model);

LucidVisionFamily lucid_vision_model_get_family (const LucidVisionModel *model);
const char *lucid_vision_model_get_dir (const LucidVisionModel *model);
/* Hex SHA-256 of model.safetensors (provenance). */
const char *lucid_vision_model_get_sha256 (LucidVisionModel *model);
const LucidImageConfig *lucid_vision_model_get_image_config (
    const LucidVisionModel *model);

/* Values per image embedding: ViT's hidden size (the CLS token after the
 * final LayerNorm, what the classifier reads); CLIP's projection_dim (the
 * image features after visual_projection, L2-normalised), or for a
 * CLIPVisionModel without projection its hidden size (pooler_output, as
 * is). */
guint lucid_vision_model_get_embedding_dim (const LucidVisionModel *model);
/* The pixel-value size the encoder takes (config.json image_size). */
void lucid_vision_model_get_input_size (const LucidVisionModel *model,
    guint *width, guint *height);
/* Floats per preprocessed image: channels × input height × input width. */
gsize lucid_vision_model_get_pixels_per_image (const LucidVisionModel *model);

/* The classification head: 0 labels when the model has none. */
guint lucid_vision_model_get_num_head_labels (const LucidVisionModel *model);
const char *lucid_vision_model_get_head_label (const LucidVisionModel *model,
    guint i);

/* Whether the model has a text tower (a whole CLIPModel), so zero-shot
 * prompts can be set. */
gboolean lucid_vision_model_has_text_tower (const LucidVisionModel *model);
/* Embeds @n prompts once with the text tower (CLIP: text_projection,
 * L2-normalised; texts longer than the text tower's positions are
 * truncated, <eos> kept); from then on encode() scores them instead of the
 * head. A family without a text tower fails with LUCID_ERROR_UNSUPPORTED:
 * "labels= needs a CLIP model; DIR is a ViT model"; an empty prompt with
 * LUCID_ERROR_INVALID_ARGUMENT. @n = 0 clears the prompts. */
gboolean lucid_vision_model_set_prompts (LucidVisionModel *model,
    const char *const *prompts, guint n, GError **error);
/* Zero-shot labels with a prompt ensemble: @prompts holds @n_templates
 * prompts per label, label-major (prompt l·n_templates + t is template t
 * of label l). Each label's text embedding is the normalised mean of its
 * prompts' normalised embeddings (lucid_zero_shot_ensemble(), the CLIP
 * paper's recipe); scores are then named by @labels. With @n_templates 1
 * this is set_prompts() with the scores named by @labels. A CLIP image
 * tower on its own fails with LUCID_ERROR_UNSUPPORTED ("labels= needs a
 * text tower; DIR is a CLIP image tower on its own …"). @n_labels = 0
 * clears the prompts. */
gboolean lucid_vision_model_set_zero_shot (LucidVisionModel *model,
    const char *const *labels, guint n_labels, const char *const *prompts,
    guint n_templates, GError **error);
/* What encode() scores: prompts when set, else the head, else nothing. */
LucidVisionScores lucid_vision_model_get_scores_kind (
    const LucidVisionModel *model);
/* How encode() turns logits into scores: softmax for prompts (CLIP's
 * logits_per_image.softmax(-1)); for the head what config.json's
 * problem_type and the number of labels say (sigmoid for
 * multi_label_classification or one label, identity for regression, else
 * softmax: transformers' ImageClassificationPipeline default). */
LucidScoreFunction lucid_vision_model_get_score_function (
    const LucidVisionModel *model);
/* Number of scores per image, and the name of score @i (prompt or head
 * label). */
guint lucid_vision_model_get_num_scores (const LucidVisionModel *model);
const char *lucid_vision_model_get_score_label (const LucidVisionModel *model,
    guint i);

/* Checks that frames of @width × @height preprocess to the encoder's input
 * size (a config that resizes by shortest edge without a centre crop gives
 * other sizes for other aspect ratios) and are not degenerate. Errors name
 * preprocessor_config.json and both sizes. */
gboolean lucid_vision_model_check_frame_size (const LucidVisionModel *model,
    guint width, guint height, GError **error);

/* Preprocesses one RGB8 image (@width × @height, rows @stride bytes apart)
 * into @pixels (lucid_vision_model_get_pixels_per_image() floats, NCHW).
 * Thread-safe (touches only @pixels). */
gboolean lucid_vision_model_preprocess_rgb8 (const LucidVisionModel *model,
    const guint8 *rgb, guint width, guint height, gsize stride,
    float *pixels, GError **error);

/* Output of lucid_vision_model_encode(): owned by the model, valid until its
 * next encode. */
typedef struct {
  guint n_images;
  guint embedding_dim;
  const float *embeddings;     /* [n × embedding_dim] */
  LucidVisionScores scores_kind;
  guint num_scores;            /* 0 with LUCID_VISION_SCORES_NONE */
  const float *logits;         /* [n × num_scores]: head logits, or
                                  exp(logit_scale) · cosine for prompts */
  const float *scores;         /* [n × num_scores]: score_function (logits) */
  LucidScoreFunction score_function;
} LucidVisionOutput;

/* Encodes @n_images preprocessed images (@pixels: n × pixels_per_image) as
 * one batch. */
gboolean lucid_vision_model_encode (LucidVisionModel *model,
    const float *pixels, guint n_images, LucidVisionOutput *out,
    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidVisionModel, lucid_vision_model_free)

G_END_DECLS
