/* lucid-vision-model.c — family dispatch for vision model directories.
 *
 * Every family-specific line is in a `switch (model->family)` below; the
 * rest (preprocessing, logits to scores, output bookkeeping) is shared.
 *
 * CLIP zero-shot follows CLIPModel exactly: the prompts are embedded once by
 * the text tower (text_projection, L2-normalised), each frame by the image
 * tower (visual_projection, L2-normalised: that is the embedding the
 * elements attach), logits = exp(logit_scale) · cosine (logits_per_image)
 * and scores = their softmax, accumulated in double.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-vision-model.h"

#include <math.h>
#include <string.h>

#include "lucid-clip.h"
#include "lucid-error.h"
#include "lucid-heads.h"
#include "lucid-json.h"
#include "lucid-model-config.h"
#include "lucid-safetensors.h"
#include "lucid-vit.h"

/* Largest frame side analysed: 16K video (lucid-image.c itself allows
 * 65535, but a frame that large is a mistake, not a stream). */
#define MAX_FRAME_SIDE 16384

struct _LucidVisionModel {
  char *dir;
  LucidVisionFamily family;
  const LucidImageConfig *image_config; /* owned_image_config or CLIP's */
  LucidImageConfig *owned_image_config;
  guint input_width, input_height, channels;
  guint embedding_dim;

  /* Family state: exactly one is set. */
  LucidVit *vit;
  LucidClip *clip;

  /* Zero-shot labels (families with a text tower): each label's prompt
   * embedding (the normalised mean of its templates' normalised text
   * embeddings). */
  GPtrArray *prompts;          /* char*: the labels, NULL when none */
  float *prompt_embeds;        /* [prompts->len × embedding_dim], unit norm */
  gboolean normalize;          /* L2-normalise image embeddings (CLIP with
                                  a projection) */

  /* Output of the last encode. */
  float *embeddings;           /* [capacity × embedding_dim] */
  float *logits;               /* [capacity × num_scores] */
  float *scores;
  guint capacity;              /* images */
  gsize scores_capacity;       /* floats in logits and scores */
};

const char *
lucid_vision_family_to_string (LucidVisionFamily family)
{
  switch (family) {
    case LUCID_VISION_FAMILY_VIT:
      return "vit";
    case LUCID_VISION_FAMILY_CLIP:
      return "clip";
  }
  return "unknown";
}

/* The family config.json's model_type names; errors say what the directory
 * is when it is not a vision model. */
static gboolean
detect_family (const char *dir, LucidVisionFamily *family, GError **error)
{
  static const char *const text_types[] = {
    "bert", "roberta", "distilbert", "albert", "electra", "xlm-roberta",
    "mpnet", "deberta", "deberta-v2", "gpt2", "t5", "clip_text_model",
  };
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *type;
  gsize len;

  data = lucid_config_read (dir, &path, &len, error);
  if (data == NULL)
    return FALSE;
  root = lucid_config_parse (data, len, path, &obj, error);
  if (root == NULL)
    return FALSE;
  if (!lucid_json_has (obj, "model_type")) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: missing key 'model_type' (a vision model says \"vit\" or "
        "\"clip\")", path);
    return FALSE;
  }
  type = lucid_json_get_string (obj, "model_type", path, error);
  if (type == NULL)
    return FALSE;

  if (strcmp (type, "vit") == 0) {
    *family = LUCID_VISION_FAMILY_VIT;
    return TRUE;
  }
  /* A whole CLIPModel, or its image tower alone
   * (CLIPVisionModel[WithProjection]). */
  if (strcmp (type, "clip") == 0 || strcmp (type, "clip_vision_model") == 0) {
    *family = LUCID_VISION_FAMILY_CLIP;
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (text_types); i++) {
    if (strcmp (type, text_types[i]) == 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: model_type \"%s\" is a text model; a vision element needs a "
          "vision model (model_type \"vit\", \"clip\" or "
          "\"clip_vision_model\")", path, type);
      return FALSE;
    }
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
      "%s: model_type \"%s\" is not a vision model Lucid runs (expected "
      "\"vit\", \"clip\" or \"clip_vision_model\")", path, type);
  return FALSE;
}

LucidVisionModel *
lucid_vision_model_load (const char *dir, GError **error)
{
  g_autoptr (LucidVisionModel) model = NULL;
  guint out_w = 0, out_h = 0;

  g_return_val_if_fail (dir != NULL, NULL);

  model = g_new0 (LucidVisionModel, 1);
  model->dir = g_strdup (dir);
  if (!detect_family (dir, &model->family, error))
    return NULL;

  switch (model->family) {
    case LUCID_VISION_FAMILY_VIT: {
      const LucidVitConfig *cfg;

      model->vit = lucid_vit_load (dir, NULL, error);
      if (model->vit == NULL)
        return NULL;
      cfg = lucid_vit_get_config (model->vit);
      model->input_width = cfg->image_width;
      model->input_height = cfg->image_height;
      model->channels = cfg->num_channels;
      model->embedding_dim = cfg->hidden_size;
      break;
    }
    case LUCID_VISION_FAMILY_CLIP: {
      const LucidClipConfig *cfg;

      /* Reads preprocessor_config.json too, and checks that it gives the
       * vision tower's image_size. */
      /* The tokenizer is read only when labels= needs it (set_zero_shot):
       * embeddings need none. */
      model->clip = lucid_clip_load_parts (dir, NULL,
          LUCID_CLIP_LOAD_IMAGE_CONFIG, error);
      if (model->clip == NULL)
        return NULL;
      cfg = lucid_clip_get_config (model->clip);
      model->input_width = model->input_height =
          lucid_clip_get_image_size (model->clip);
      model->channels = cfg->vision.num_channels;
      /* Projected features, L2-normalised; a CLIPVisionModel (no
       * projection) gives its pooler_output as it is. */
      model->embedding_dim =
          lucid_clip_get_image_embedding_dim (model->clip);
      model->normalize = lucid_clip_has_visual_projection (model->clip);
      model->image_config = lucid_clip_get_image_config (model->clip);
      break;
    }
  }

  if (model->channels != 3) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s/config.json: num_channels is %u; video frames give 3 (RGB)",
        dir, model->channels);
    return NULL;
  }

  if (model->image_config == NULL) {
    model->owned_image_config = lucid_image_config_load (dir, error);
    if (model->owned_image_config == NULL)
      return NULL;
    model->image_config = model->owned_image_config;
  }

  /* A config whose output size does not depend on the frame (resize to
   * height × width, or a centre crop) must produce the encoder's size. */
  if (model->image_config->do_center_crop
      || (model->image_config->do_resize
          && model->image_config->shortest_edge == 0)) {
    lucid_image_config_get_output_size (model->image_config,
        model->input_width, model->input_height, &out_w, &out_h);
    if (out_w != model->input_width || out_h != model->input_height) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s/preprocessor_config.json produces %u×%u images but "
          "config.json's image_size is %u×%u", dir, out_w, out_h,
          model->input_width, model->input_height);
      return NULL;
    }
  }
  return g_steal_pointer (&model);
}

void
lucid_vision_model_free (LucidVisionModel *model)
{
  if (model == NULL)
    return;
  g_clear_pointer (&model->vit, lucid_vit_free);
  g_clear_pointer (&model->clip, lucid_clip_free);
  g_clear_pointer (&model->owned_image_config, lucid_image_config_free);
  g_clear_pointer (&model->prompts, g_ptr_array_unref);
  g_free (model->prompt_embeds);
  g_free (model->embeddings);
  g_free (model->logits);
  g_free (model->scores);
  g_free (model->dir);
  g_free (model);
}

LucidVisionFamily
lucid_vision_model_get_family (const LucidVisionModel *model)
{
  return model->family;
}

const char *
lucid_vision_model_get_dir (const LucidVisionModel *model)
{
  return model->dir;
}

const char *
lucid_vision_model_get_sha256 (LucidVisionModel *model)
{
  switch (model->family) {
    case LUCID_VISION_FAMILY_VIT:
      return lucid_safetensors_get_sha256 (lucid_vit_get_weights (model->vit));
    case LUCID_VISION_FAMILY_CLIP:
      return lucid_safetensors_get_sha256 (
          lucid_clip_get_weights (model->clip));
  }
  return NULL;
}

const LucidImageConfig *
lucid_vision_model_get_image_config (const LucidVisionModel *model)
{
  return model->image_config;
}

guint
lucid_vision_model_get_embedding_dim (const LucidVisionModel *model)
{
  return model->embedding_dim;
}

void
lucid_vision_model_get_input_size (const LucidVisionModel *model,
    guint *width, guint *height)
{
  *width = model->input_width;
  *height = model->input_height;
}

gsize
lucid_vision_model_get_pixels_per_image (const LucidVisionModel *model)
{
  return (gsize) model->channels * model->input_width * model->input_height;
}

guint
lucid_vision_model_get_num_head_labels (const LucidVisionModel *model)
{
  switch (model->family) {
    case LUCID_VISION_FAMILY_VIT:
      return lucid_vit_has_classifier (model->vit) ?
          lucid_vit_get_num_labels (model->vit) : 0;
    case LUCID_VISION_FAMILY_CLIP:
      break;                    /* CLIP has no classification head */
  }
  return 0;
}

const char *
lucid_vision_model_get_head_label (const LucidVisionModel *model, guint i)
{
  switch (model->family) {
    case LUCID_VISION_FAMILY_VIT:
      return lucid_vit_get_label (model->vit, i);
    case LUCID_VISION_FAMILY_CLIP:
      break;
  }
  return NULL;
}

gboolean
lucid_vision_model_has_text_tower (const LucidVisionModel *model)
{
  return model->family == LUCID_VISION_FAMILY_CLIP
      && lucid_clip_has_text (model->clip);
}

gboolean
lucid_vision_model_set_prompts (LucidVisionModel *model,
    const char *const *prompts, guint n, GError **error)
{
  return lucid_vision_model_set_zero_shot (model, prompts, n, prompts, 1,
      error);
}

gboolean
lucid_vision_model_set_zero_shot (LucidVisionModel *model,
    const char *const *labels, guint n_labels, const char *const *prompts,
    guint n_templates, GError **error)
{
  const guint n = n_labels * n_templates;

  g_clear_pointer (&model->prompts, g_ptr_array_unref);
  g_clear_pointer (&model->prompt_embeds, g_free);
  if (n_labels == 0)
    return TRUE;
  if (n_templates == 0 || n / n_templates != n_labels) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "zero-shot labels need at least one prompt template each");
    return FALSE;
  }
  if (model->family == LUCID_VISION_FAMILY_CLIP
      && !lucid_clip_has_visual_projection (model->clip)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "labels= needs a text tower; %s is a CLIPVisionModel on its own and "
        "has no visual_projection, so its embeddings are not in CLIP's "
        "image-text space: zero-shot labels need a CLIPModel (or "
        "CLIPVisionModelWithProjection + lucidclassify text-model=)",
        model->dir);
    return FALSE;
  }
  if (model->family == LUCID_VISION_FAMILY_CLIP
      && !lucid_clip_has_text (model->clip)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "labels= needs a text tower; %s is a CLIP image tower on its own "
        "(model_type \"clip_vision_model\"): label its embeddings with "
        "lucidclassify text-model=DIR labels=…, DIR a CLIP text tower "
        "(CLIPTextModelWithProjection) or CLIPModel", model->dir);
    return FALSE;
  }
  if (!lucid_vision_model_has_text_tower (model)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "labels= needs a CLIP model; %s is a %s model (it has no text tower "
        "to embed the prompts; use its classification head, or lucidclassify "
        "with a text model)", model->dir,
        model->family == LUCID_VISION_FAMILY_VIT ? "ViT" :
        lucid_vision_family_to_string (model->family));
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    if (prompts[i] == NULL || prompts[i][0] == '\0') {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "zero-shot prompt %u is empty", i);
      return FALSE;
    }
  }
  for (guint i = 0; i < n_labels; i++) {
    if (labels[i] == NULL || labels[i][0] == '\0') {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "zero-shot label %u is empty", i);
      return FALSE;
    }
  }

  switch (model->family) {
    case LUCID_VISION_FAMILY_CLIP: {
      const gsize dim = model->embedding_dim;
      g_autofree float *embeds = g_new (float, (gsize) n * dim);

      /* Once, here: the text tower never runs per frame. A CLIPModel has
       * both projections, so text and image embeddings share dim. */
      if (!lucid_clip_encode_texts (model->clip, prompts, n, embeds, TRUE,
              NULL, error))
        return FALSE;
      if (n_templates > 1) {
        g_autofree float *mean = g_new (float, (gsize) n_labels * dim);

        lucid_zero_shot_ensemble (embeds, n_labels, n_templates, dim, mean);
        g_clear_pointer (&embeds, g_free);
        embeds = g_steal_pointer (&mean);
      }
      model->prompt_embeds = g_steal_pointer (&embeds);
      break;
    }
    case LUCID_VISION_FAMILY_VIT:
      g_assert_not_reached ();
  }
  model->prompts = g_ptr_array_new_full (n_labels, g_free);
  for (guint i = 0; i < n_labels; i++)
    g_ptr_array_add (model->prompts, g_strdup (labels[i]));
  return TRUE;
}

LucidVisionScores
lucid_vision_model_get_scores_kind (const LucidVisionModel *model)
{
  if (model->prompts != NULL && model->prompts->len > 0)
    return LUCID_VISION_SCORES_PROMPTS;
  if (lucid_vision_model_get_num_head_labels (model) > 0)
    return LUCID_VISION_SCORES_HEAD;
  return LUCID_VISION_SCORES_NONE;
}

guint
lucid_vision_model_get_num_scores (const LucidVisionModel *model)
{
  switch (lucid_vision_model_get_scores_kind (model)) {
    case LUCID_VISION_SCORES_PROMPTS:
      return model->prompts->len;
    case LUCID_VISION_SCORES_HEAD:
      return lucid_vision_model_get_num_head_labels (model);
    case LUCID_VISION_SCORES_NONE:
      break;
  }
  return 0;
}

const char *
lucid_vision_model_get_score_label (const LucidVisionModel *model, guint i)
{
  switch (lucid_vision_model_get_scores_kind (model)) {
    case LUCID_VISION_SCORES_PROMPTS:
      return i < model->prompts->len ? g_ptr_array_index (model->prompts, i)
          : NULL;
    case LUCID_VISION_SCORES_HEAD:
      return lucid_vision_model_get_head_label (model, i);
    case LUCID_VISION_SCORES_NONE:
      break;
  }
  return NULL;
}

gboolean
lucid_vision_model_check_frame_size (const LucidVisionModel *model,
    guint width, guint height, GError **error)
{
  guint out_w, out_h, rw, rh;

  if (width == 0 || height == 0 || width > MAX_FRAME_SIDE
      || height > MAX_FRAME_SIDE) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: a %u×%u frame cannot be analysed (each side must be 1 to %u "
        "pixels)", model->dir, width, height, MAX_FRAME_SIDE);
    return FALSE;
  }
  /* Any resized size is fine: with a crop only the part the crop keeps is
   * computed (lucid_image_preprocess_rgb8), without one the resized size
   * is the model's input size (checked below). */
  lucid_image_config_get_resized_size (model->image_config, width, height,
      &rw, &rh);
  if (rw == 0 || rh == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s/preprocessor_config.json resizes a %u×%u frame to %u×%u, which "
        "cannot be analysed", model->dir, width, height, rw, rh);
    return FALSE;
  }
  lucid_image_config_get_output_size (model->image_config, width, height,
      &out_w, &out_h);
  if (out_w != model->input_width || out_h != model->input_height) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s/preprocessor_config.json turns a %u×%u frame into %u×%u pixel "
        "values, but the model takes %u×%u (config.json image_size); "
        "set do_center_crop or a fixed size", model->dir, width, height,
        out_w, out_h, model->input_width, model->input_height);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_vision_model_preprocess_rgb8 (const LucidVisionModel *model,
    const guint8 *rgb, guint width, guint height, gsize stride,
    float *pixels, GError **error)
{
  if (!lucid_vision_model_check_frame_size (model, width, height, error))
    return FALSE;
  return lucid_image_preprocess_rgb8 (model->image_config, rgb, width, height,
      stride, pixels, error);
}

LucidScoreFunction
lucid_vision_model_get_score_function (const LucidVisionModel *model)
{
  if (lucid_vision_model_get_scores_kind (model) == LUCID_VISION_SCORES_HEAD)
    return lucid_problem_type_score_function (lucid_vit_get_config
        (model->vit)->problem_type, lucid_vision_model_get_num_head_labels
        (model));
  return LUCID_SCORE_SOFTMAX;
}

/* @fn over each row of @logits, accumulated in double. */
static void
score_rows (LucidScoreFunction fn, const float *logits, guint rows,
    guint cols, float *out)
{
  g_autofree double *row = g_new (double, cols);

  for (guint r = 0; r < rows; r++) {
    lucid_score_function_apply (fn, logits + (gsize) r * cols, cols, row);
    for (guint c = 0; c < cols; c++)
      out[(gsize) r * cols + c] = (float) row[c];
  }
}

/* Grows the output arrays to @n images of @num_scores scores. */
static void
ensure_capacity (LucidVisionModel *model, guint n, guint num_scores)
{
  gsize n_scores = (gsize) n * num_scores;

  if (n > model->capacity) {
    model->capacity = n;
    model->embeddings = g_renew (float, model->embeddings,
        (gsize) n * model->embedding_dim);
  }
  if (n_scores > model->scores_capacity) {
    model->scores_capacity = n_scores;
    model->logits = g_renew (float, model->logits, n_scores);
    model->scores = g_renew (float, model->scores, n_scores);
  }
}

gboolean
lucid_vision_model_encode (LucidVisionModel *model, const float *pixels,
    guint n_images, LucidVisionOutput *out, GError **error)
{
  LucidVisionScores kind = lucid_vision_model_get_scores_kind (model);
  guint num_scores = lucid_vision_model_get_num_scores (model);
  guint dim = model->embedding_dim;

  g_return_val_if_fail (pixels != NULL && n_images > 0, FALSE);
  ensure_capacity (model, n_images, num_scores);

  switch (model->family) {
    case LUCID_VISION_FAMILY_VIT: {
      LucidVitOutput vo;

      if (!lucid_vit_forward (model->vit, pixels, n_images, NULL, &vo, error))
        return FALSE;
      memcpy (model->embeddings, vo.cls, (gsize) n_images * dim *
          sizeof (float));
      if (kind == LUCID_VISION_SCORES_HEAD) {
        if (vo.logits == NULL) {
          g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
              "%s: the classification head returned no logits", model->dir);
          return FALSE;
        }
        memcpy (model->logits, vo.logits, (gsize) n_images * num_scores *
            sizeof (float));
      }
      break;
    }
    case LUCID_VISION_FAMILY_CLIP:
      /* get_image_features () / its norm: the embedding elements attach. */
      if (!lucid_clip_encode_images (model->clip, pixels, n_images,
              model->embeddings, model->normalize, NULL, error))
        return FALSE;
      /* logits_per_image = exp (logit_scale) · cos (image, prompt). */
      if (kind == LUCID_VISION_SCORES_PROMPTS)
        lucid_clip_logits (model->clip, model->embeddings, n_images,
            model->prompt_embeds, num_scores, model->logits);
      break;
  }

  if (num_scores > 0)
    score_rows (lucid_vision_model_get_score_function (model), model->logits,
        n_images, num_scores, model->scores);

  out->n_images = n_images;
  out->embedding_dim = dim;
  out->embeddings = model->embeddings;
  out->scores_kind = kind;
  out->num_scores = num_scores;
  out->logits = num_scores > 0 ? model->logits : NULL;
  out->scores = num_scores > 0 ? model->scores : NULL;
  out->score_function = lucid_vision_model_get_score_function (model);
  return TRUE;
}
