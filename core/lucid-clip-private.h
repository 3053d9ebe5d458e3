/* lucid-clip-private.h — the LucidClip struct, shared by lucid-clip-load.c
 * (weights, tokenizer, preprocessor config, accessors) and lucid-clip.c
 * (the forward passes). Not installed; nothing else includes it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-clip.h"
#include "lucid-encoder.h"

typedef struct {
  guint n_layers;
  LucidPrenormLayer *layers;
  LucidPrenormDims dims;
} Tower;

struct _LucidClip {
  char *dir;
  LucidClipConfig *cfg;
  gboolean has_text, has_vision;
  LucidSafetensors *st;
  LucidTokenizer *tok;
  LucidImageConfig *img_cfg;
  const LucidBackend *be;
  guint max_text_len;
  guint n_patches;

  /* text */
  Tower text;
  const float *tok_emb, *tpos; /* [V × Ht], [Pmax × Ht] */
  const float *final_g, *final_b;
  const float *text_proj; /* [D × Ht], NULL: CLIPTextModel */
  /* vision */
  Tower vision;
  const float *class_emb, *vpos; /* [Hv], [(1+P) × Hv] */
  const float *patch_w;          /* [Hv × 3·p·p] */
  LucidPackedLinear *patch_p;    /* patch_w packed once, or NULL */
  const float *pre_g, *pre_b, *post_g, *post_b;
  const float *visual_proj; /* [D × Hv], NULL: CLIPVisionModel */
  gboolean has_logit_scale;
  float logit_scale; /* the raw parameter */

  GMutex lock; /* one forward at a time */
  LucidEncoderScratch scr;
  float *h, *cols, *pool;
  gsize cap_h, cap_cols, cap_pool;
  gsize *lens;
  gsize cap_lens;
};
