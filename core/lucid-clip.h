/* lucid-clip.h — CLIP (Hugging Face CLIPModel): image and text towers,
 * projections and logit scale, for zero-shot labelling.
 *
 * A CLIP model directory holds config.json (model_type "clip"),
 * model.safetensors (CLIPModel's tensor names), tokenizer.json (byte-level
 * BPE, see lucid-tokenizer.h) and preprocessor_config.json
 * (CLIPImageProcessor, see lucid-image.h).  lucid_clip_load() reads all
 * four.  Outputs match transformers' CLIPModel.get_image_features() /
 * get_text_features() (the projected embeddings), optionally
 * L2-normalised; logits_per_image = exp(logit_scale) · cosine.
 *
 * Single towers load too, as transformers 5.24's save_pretrained writes
 * them: model_type "clip_vision_model" (CLIPVisionModel, or
 * CLIPVisionModelWithProjection when the weights hold
 * visual_projection.weight; config.json is the vision config itself, with
 * projection_dim at the top) needs preprocessor_config.json but no
 * tokenizer; model_type "clip_text_model" (CLIPTextModel, or
 * CLIPTextModelWithProjection with text_projection.weight) needs the
 * tokenizer but no preprocessor config.  Tensor names are CLIPModel's
 * ("vision_model.…", "text_model.…"); a single tower's may also lack that
 * prefix (transformers loads both).  A single tower has no logit_scale.
 *
 * Thread safety: a LucidClip may be used from several threads; its forward
 * passes are serialised by an internal lock (they share scratch space).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-backend.h"
#include "lucid-image.h"
#include "lucid-model-config.h"
#include "lucid-safetensors.h"
#include "lucid-tokenizer.h"

G_BEGIN_DECLS

/* config.json "text_config" (keys of "text_config_dict" override it, as in
 * transformers); absent keys take CLIPTextConfig's defaults
 * (transformers 5.24: vocab 49408, hidden 512, intermediate 2048, 12
 * layers, 8 heads, 77 positions, quick_gelu, eps 1e-5, pad 1, bos 49406,
 * eos 49407). */
typedef struct {
  guint vocab_size;
  guint hidden_size;
  guint intermediate_size;
  guint num_hidden_layers;
  guint num_attention_heads;
  guint max_position_embeddings;
  LucidActivation hidden_act;
  float layer_norm_eps;
  gint64 bos_token_id, eos_token_id, pad_token_id; /* -1 when null */
} LucidClipTextConfig;

/* config.json "vision_config" (+ "vision_config_dict"); defaults of
 * CLIPVisionConfig (hidden 768, intermediate 3072, 12 layers, 12 heads, 3
 * channels, image 224, patch 32, quick_gelu, eps 1e-5). */
typedef struct {
  guint hidden_size;
  guint intermediate_size;
  guint num_hidden_layers;
  guint num_attention_heads;
  guint num_channels;
  guint image_size; /* square */
  guint patch_size;
  LucidActivation hidden_act;
  float layer_norm_eps;
} LucidClipVisionConfig;

/* Which checkpoint a directory holds (config.json model_type). */
typedef enum {
  LUCID_CLIP_KIND_MODEL,  /* "clip": CLIPModel, both towers + logit_scale */
  LUCID_CLIP_KIND_VISION, /* "clip_vision_model": the image tower alone */
  LUCID_CLIP_KIND_TEXT,   /* "clip_text_model": the text tower alone */
} LucidClipKind;

/* "clip", "clip_vision_model", "clip_text_model". */
const char *lucid_clip_kind_to_string (LucidClipKind kind);

typedef struct {
  LucidClipKind kind;
  /* The absent tower's section holds the defaults (and is unused). */
  LucidClipTextConfig text;
  LucidClipVisionConfig vision;
  guint projection_dim; /* default 512 */
  /* A single tower whose "architectures" names CLIPVisionModelWithProjection
   * or CLIPTextModelWithProjection: its weights must hold the projection. */
  gboolean declares_projection;
  float logit_scale_init_value; /* default 2.6592 (the weights' logit_scale
                                 * is what counts) */
} LucidClipConfig;

/* Reads DIR/config.json; its model_type must be one of the three kinds
 * above. Errors name the file and the key. */
LucidClipConfig *lucid_clip_config_load (const char *dir, GError **error);
/* Parses config.json text held in memory; @path names it in errors. */
LucidClipConfig *lucid_clip_config_new_from_data (const char *data, gsize len,
                                                  const char *path,
                                                  GError **error);
void lucid_clip_config_free (LucidClipConfig *config);

/* The family probe: TRUE when DIR/config.json is a JSON object whose
 * "model_type" is "clip", "clip_vision_model" or "clip_text_model", the
 * kind then in *@kind (may be NULL).  Reads only that file; never fails
 * (anything unreadable is "not CLIP"). */
gboolean lucid_clip_dir_is_clip (const char *dir, LucidClipKind *kind);

typedef struct _LucidClip LucidClip;

/* Loads config.json, model.safetensors (F32, or F16/BF16 converted),
 * tokenizer.json (+ tokenizer_config.json; a text tower's) and
 * preprocessor_config.json (an image tower's) from @dir onto @backend
 * (NULL: the CPU backend).  Missing files, tensors or shapes that disagree
 * with config.json are errors naming the file and the tensor. */
LucidClip *lucid_clip_load (const char *dir, const LucidBackend *backend,
                            GError **error);

/* Which of the side files lucid_clip_load_parts() reads at load time. */
typedef enum {
  LUCID_CLIP_LOAD_TOKENIZER = 1 << 0,    /* a text tower's tokenizer.json */
  LUCID_CLIP_LOAD_IMAGE_CONFIG = 1 << 1, /* an image tower's
                                            preprocessor_config.json */
  LUCID_CLIP_LOAD_ALL = 3,
} LucidClipLoadParts;

/* lucid_clip_load() reading only the side files in @parts: an image-only
 * use (embeddings) needs no tokenizer, a prompt-only use (lucidclassify
 * text-model=) no preprocessor_config.json. Without LOAD_TOKENIZER the
 * tokenizer is read by lucid_clip_load_tokenizer() or the first
 * lucid_clip_encode_texts(); without LOAD_IMAGE_CONFIG
 * lucid_clip_get_image_config() returns NULL. */
LucidClip *lucid_clip_load_parts (const char *dir, const LucidBackend *backend,
                                  LucidClipLoadParts parts, GError **error);
/* Reads the text tower's tokenizer.json unless already read; errors name
 * the file ("DIR: no tokenizer.json; CLIP's text tower needs …"). Not
 * thread-safe against encode_texts(): call it before sharing @clip. */
gboolean lucid_clip_load_tokenizer (LucidClip *clip, GError **error);
void lucid_clip_free (LucidClip *clip);

const LucidClipConfig *lucid_clip_get_config (const LucidClip *clip);
LucidClipKind lucid_clip_get_kind (const LucidClip *clip);
const char *lucid_clip_get_dir (const LucidClip *clip);
/* Which towers and projections the directory holds. */
gboolean lucid_clip_has_vision (const LucidClip *clip);
gboolean lucid_clip_has_text (const LucidClip *clip);
gboolean lucid_clip_has_visual_projection (const LucidClip *clip);
gboolean lucid_clip_has_text_projection (const LucidClip *clip);
/* config.json's projection_dim. */
guint lucid_clip_get_projection_dim (const LucidClip *clip);
/* Length of the embeddings encode_images / encode_texts write:
 * projection_dim with the tower's projection, else the tower's hidden size
 * (CLIPVisionModel / CLIPTextModel give their pooler_output); 0 without
 * the tower. */
guint lucid_clip_get_image_embedding_dim (const LucidClip *clip);
guint lucid_clip_get_text_embedding_dim (const LucidClip *clip);
/* exp(logit_scale) from the weights: the factor logits_per_image applies to
 * cosine similarities (100 for OpenAI's CLIP); 0 for a single tower,
 * which has none. */
float lucid_clip_get_logit_scale (const LucidClip *clip);
/* preprocessor_config.json: turns RGB frames into the pixel values that
 * lucid_clip_encode_images() takes (lucid_image_preprocess_rgb8()); NULL
 * without an image tower. */
const LucidImageConfig *lucid_clip_get_image_config (const LucidClip *clip);
/* The pixel-value size the vision tower takes (vision_config.image_size):
 * lucid_image_config_get_output_size() must give this. */
guint lucid_clip_get_image_size (const LucidClip *clip);
const LucidTokenizer *lucid_clip_get_tokenizer (const LucidClip *clip);
/* Texts are truncated to this many tokens, <bos> and <eos> included:
 * max_position_embeddings, or tokenizer_config.json's model_max_length
 * when that is sane and smaller. */
guint lucid_clip_get_max_text_length (const LucidClip *clip);
/* The weights file (provenance: path, SHA-256). */
LucidSafetensors *lucid_clip_get_weights (const LucidClip *clip);

/* Image embeddings of @n_images images @pixels [n × 3 × S × S] (NCHW
 * float32, S = lucid_clip_get_image_size()) into @embeds [n ×
 * image_embedding_dim]: visual_projection(post_layernorm(CLS)) (without
 * the projection: post_layernorm(CLS)), L2-normalised when @normalize.
 * @pooled (may be NULL) receives [n × vision hidden] post_layernorm(CLS)
 * (the vision pooler_output).  LUCID_ERROR_UNSUPPORTED without an image
 * tower. */
gboolean lucid_clip_encode_images (LucidClip *clip, const float *pixels,
                                   guint n_images, float *embeds,
                                   gboolean normalize, float *pooled,
                                   GError **error);

/* Text embeddings of @n_texts UTF-8 @texts (tokenized with the model's
 * tokenizer, truncated to lucid_clip_get_max_text_length()) into @embeds
 * [n × text_embedding_dim]: text_projection of the final-layer-normed
 * hidden state at the EOS position (without the projection: that hidden
 * state), L2-normalised when @normalize.  @pooled (may be NULL): [n × text
 * hidden] (the text pooler_output).  LUCID_ERROR_UNSUPPORTED without a
 * text tower. */
gboolean lucid_clip_encode_texts (LucidClip *clip, const char *const *texts,
                                  guint n_texts, float *embeds,
                                  gboolean normalize, float *pooled,
                                  GError **error);

/* The same from token ids: sequence i is ids[offsets[i] .. offsets[i+1])
 * (@offsets has n + 1 entries), run as given (no special tokens added).
 * EOS pooling as transformers' CLIPTextTransformer: when
 * text_config.eos_token_id is 2 (configs before transformers PR #24773)
 * the position of the highest id (first on ties), else the first position
 * of eos_token_id (position 0 when absent).  Ids outside the vocabulary and
 * sequences longer than max_position_embeddings (or empty) are errors. */
gboolean lucid_clip_encode_token_ids (LucidClip *clip, const gint32 *ids,
                                      const gsize *offsets, guint n_seqs,
                                      float *embeds, gboolean normalize,
                                      float *pooled, GError **error);

/* logits[i × n_texts + j] = exp(logit_scale) · cos(image i, text j) for
 * projected embeddings from encode_* (normalised or not: they are
 * normalised here).  Needs a whole CLIPModel (a logit scale). */
void lucid_clip_logits (const LucidClip *clip, const float *image_embeds,
                        guint n_images, const float *text_embeds, guint n_texts,
                        float *logits);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidClipConfig, lucid_clip_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidClip, lucid_clip_free)

G_END_DECLS
