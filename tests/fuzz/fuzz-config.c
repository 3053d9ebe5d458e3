/* fuzz-config.c — libFuzzer target for config.json parsing (BERT's and
 * CLIP's parsers both run on every input; CLIP's reads CLIPModel configs
 * and single-tower ones, model_type clip_vision_model / clip_text_model).
 *
 * Any input must either give a configuration whose numbers are all inside
 * the bounds the forward pass relies on, or be refused with a LUCID_ERROR;
 * never crash, leak or read outside the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "lucid-error.h"
#include "lucid-clip.h"
#include "lucid-model-config.h"

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

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;

  check_clip (data, size);
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
