/* lucid-vit.h — the Vision Transformer (ViTModel / ViTForImageClassification).
 *
 * Input is pixel values already resized, rescaled and normalised as the
 * model's preprocessor_config.json says (NCHW float32, what transformers'
 * image processor returns as `pixel_values`); preprocessing is not here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-backend.h"
#include "lucid-model-config.h"
#include "lucid-safetensors.h"

G_BEGIN_DECLS

/* config.json of model_type "vit". Absent optional keys take ViTConfig's
 * defaults (num_channels 3, qkv_bias true, layer_norm_eps 1e-12, hidden_act
 * "gelu", pooler_output_size = hidden_size, pooler_act "tanh"); the
 * architecture sizes are required. */
typedef struct {
  char *model_type;            /* "vit" */
  guint image_height, image_width;  /* image_size: int or [h, w] */
  guint patch_height, patch_width;  /* patch_size: int or [h, w] */
  guint num_channels;
  guint hidden_size;
  guint num_hidden_layers;
  guint num_attention_heads;
  guint intermediate_size;
  float layer_norm_eps;
  LucidActivation hidden_act;
  gboolean qkv_bias;
  guint pooler_output_size;
  gboolean pooler_act_tanh;    /* TRUE: tanh; else pooler_act below */
  LucidActivation pooler_act;
  guint num_labels;            /* size of id2label (0 when absent) */
  char **id2label;             /* [num_labels], NULL-terminated */
  LucidProblemType problem_type;  /* how the head's logits become scores */
} LucidVitConfig;

/* Reads DIR/config.json; errors name the file and the key. */
LucidVitConfig *lucid_vit_config_load (const char *dir, GError **error);
/* Parses config.json text held in memory; @path names it in errors. */
LucidVitConfig *lucid_vit_config_new_from_data (const char *data, gsize len,
    const char *path, GError **error);
void lucid_vit_config_free (LucidVitConfig *config);

/* Patches per image (grid_h × grid_w) and tokens per image (1 + patches). */
guint lucid_vit_config_get_num_patches (const LucidVitConfig *config);

typedef struct _LucidVit LucidVit;

/* Loads DIR/config.json and DIR/model.safetensors onto @backend (NULL: the
 * CPU backend). Accepts `vit.`-prefixed names (ViTForImageClassification)
 * and bare names (ViTModel). Missing or mis-shaped tensors are errors naming
 * the tensor; the pooler (ViTModel with add_pooling_layer) and the
 * classifier (ViTForImageClassification) are bound when present. */
LucidVit *lucid_vit_load (const char *dir, const LucidBackend *backend,
    GError **error);
void lucid_vit_free (LucidVit *vit);

const LucidVitConfig *lucid_vit_get_config (const LucidVit *vit);
/* The weights file (for provenance: path, SHA-256). */
LucidSafetensors *lucid_vit_get_weights (const LucidVit *vit);
/* Tokens per image: 1 (CLS) + number of patches. */
guint lucid_vit_get_seq_len (const LucidVit *vit);
gboolean lucid_vit_has_pooler (const LucidVit *vit);
gboolean lucid_vit_has_classifier (const LucidVit *vit);
/* 0 without a classifier. */
guint lucid_vit_get_num_labels (const LucidVit *vit);
/* id2label[i], or NULL when out of range. */
const char *lucid_vit_get_label (const LucidVit *vit, guint i);

/* Outputs of one forward call: owned by the LucidVit and valid until its next
 * forward. L = seq_len, H = hidden_size. */
typedef struct {
  guint n_images;
  const float *hidden_states;  /* [n × L × H] last_hidden_state (after the
                                  final layernorm) */
  const float *cls;            /* [n × H] row 0 of each image's hidden states:
                                  the pooled CLS output the classifier reads */
  const float *pooler;         /* [n × pooler_output_size], NULL without one */
  const float *logits;         /* [n × num_labels], NULL without a classifier */
} LucidVitOutput;

/* Runs @n_images images at @pixels [n × C × image_height × image_width]
 * (NCHW float32) as one batch. When @attentions is not NULL,
 * attentions[layer] receives [n × heads × L × L] softmax probabilities. */
gboolean lucid_vit_forward (LucidVit *vit, const float *pixels,
    guint n_images, float *const *attentions, LucidVitOutput *out,
    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidVitConfig, lucid_vit_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidVit, lucid_vit_free)

G_END_DECLS
