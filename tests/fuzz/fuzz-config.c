/* fuzz-config.c — libFuzzer target for a model directory's JSON
 * configuration: config.json (BERT's, CLIP's and ViT's parsers all run on
 * every input; CLIP's reads CLIPModel configs and single-tower ones,
 * model_type clip_vision_model / clip_text_model) and
 * preprocessor_config.json (the image processor's, on the same input).
 *
 * Any input must either give a configuration whose numbers are all inside
 * the bounds the forward pass relies on, or be refused with a LUCID_ERROR;
 * never crash, leak or read outside the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include <math.h>

#include "lucid-error.h"
#include "lucid-clip.h"
#include "lucid-image.h"
#include "lucid-model-config.h"
#include "lucid-vit.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* CLIP: every size the forward pass divides or allocates by is sane. */
static void
check_clip (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  LucidClipConfig *c = lucid_clip_config_new_from_data ((const char *) data,
      size, "fuzz/config.json", &error);

  if (c == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_error_free (error);
    return;
  }
  if (error != NULL || (guint) c->kind > LUCID_CLIP_KIND_TEXT
      || c->text.hidden_size == 0
      || c->text.num_attention_heads == 0
      || c->text.hidden_size % c->text.num_attention_heads != 0
      || c->text.vocab_size == 0 || c->text.max_position_embeddings == 0
      || c->vision.hidden_size == 0 || c->vision.num_attention_heads == 0
      || c->vision.hidden_size % c->vision.num_attention_heads != 0
      || c->vision.patch_size == 0
      || c->vision.patch_size > c->vision.image_size
      || c->projection_dim == 0 || !(c->text.layer_norm_eps > 0.0f)
      || !(c->vision.layer_norm_eps > 0.0f))
    abort ();
  lucid_clip_config_free (c);
}

/* Refused inputs must say so with a LUCID_ERROR. */
static void
check_refusal (GError *error)
{
  if (error == NULL || error->domain != LUCID_ERROR)
    abort ();
  g_error_free (error);
}

/* ViT: the sizes the patch grid and the forward pass divide by. */
static void
check_vit (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  LucidVitConfig *c = lucid_vit_config_new_from_data ((const char *) data,
      size, "fuzz/config.json", &error);

  if (c == NULL) {
    check_refusal (error);
    return;
  }
  if (error != NULL || c->hidden_size == 0 || c->num_attention_heads == 0
      || c->hidden_size % c->num_attention_heads != 0
      || c->num_hidden_layers == 0 || c->intermediate_size == 0
      || c->num_channels == 0 || c->patch_height == 0 || c->patch_width == 0
      || c->patch_height > c->image_height
      || c->patch_width > c->image_width
      || lucid_vit_config_get_num_patches (c) == 0
      || c->pooler_output_size == 0 || !(c->layer_norm_eps > 0.0f)
      || (guint) c->problem_type > LUCID_PROBLEM_REGRESSION)
    abort ();
  for (guint i = 0; i < c->num_labels; i++)
    if (c->id2label[i] == NULL)
      abort ();
  lucid_vit_config_free (c);
}

/* preprocessor_config.json: the sizes a frame is resized and cropped to
 * are positive, the normalisation divides by a finite non-zero std. */
static void
check_image (const uint8_t *data, size_t size)
{
  static const guint frames[][2] = { { 1, 1 }, { 640, 480 }, { 17, 4096 } };
  GError *error = NULL;
  LucidImageConfig *c = lucid_image_config_new_from_data (
      (const char *) data, size, "fuzz/preprocessor_config.json", &error);

  if (c == NULL) {
    check_refusal (error);
    return;
  }
  if (error != NULL || c->image_processor_type == NULL
      || (c->do_resize && (c->shortest_edge > 0) == (c->resize_width > 0))
      || (c->do_resize && c->shortest_edge == 0
          && (c->resize_width == 0 || c->resize_height == 0))
      || (c->do_center_crop && (c->crop_width == 0 || c->crop_height == 0))
      || (c->do_rescale && !isfinite (c->rescale_factor)))
    abort ();
  if (c->do_normalize)
    for (guint ch = 0; ch < 3; ch++)
      if (!isfinite (c->image_mean[ch]) || !isfinite (c->image_std[ch])
          || (float) c->image_std[ch] == 0.0f)
        abort ();
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++) {
    guint w, h;

    lucid_image_config_get_output_size (c, frames[i][0], frames[i][1], &w,
        &h);
    if (w == 0 || h == 0)
      abort ();
  }
  lucid_image_config_free (c);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;

  check_clip (data, size);
  check_vit (data, size);
  check_image (data, size);
  LucidBertConfig *cfg = lucid_bert_config_new_from_data ((const char *) data,
      size, "fuzz/config.json", &error);

  if (cfg == NULL) {
    if (error == NULL || error->domain != LUCID_ERROR)
      abort ();
    g_error_free (error);
    return 0;
  }
  if (error != NULL || cfg->hidden_size == 0 || cfg->num_attention_heads == 0
      || cfg->hidden_size % cfg->num_attention_heads != 0
      || cfg->num_hidden_layers == 0 || cfg->vocab_size == 0
      || cfg->max_position_embeddings == 0 || cfg->type_vocab_size == 0
      || !(cfg->layer_norm_eps > 0.0f))
    abort ();
  for (guint i = 0; i < cfg->num_labels; i++) {
    if (cfg->id2label[i] == NULL)
      abort ();
  }
  lucid_bert_config_free (cfg);
  return 0;
}
