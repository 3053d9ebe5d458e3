/* lucid-clip.c — CLIPModel's two towers, as transformers 5.24 computes them.
 *
 * Shapes (Hv / Ht = vision / text hidden size, P = (S/p)² patches,
 * D = projection_dim):
 *
 * VISION   cols  = im2col(pixels)                    [n·P × 3·p·p]
 *          patch = cols · Wpatchᵀ  (conv, no bias)   [n·P × Hv]
 *          h     = [class_embedding; patch] + pos    [n·(1+P) × Hv]
 *          h     = pre_layrnorm(h)
 *          h     = encoder layers (pre-LN, bidirectional)
 *          pool  = post_layernorm(h[CLS])            [n × Hv]  pooler_output
 *          emb   = pool · Wvisualᵀ (no bias)         [n × D]
 *
 * TEXT     h     = token_embedding[ids] + position_embedding[0..len)
 *          h     = encoder layers (pre-LN, CAUSAL: the backend attention's
 *                  causal flag), then final_layer_norm
 *          pool  = h[eos position]                   [n × Ht]  pooler_output
 *          emb   = pool · Wtextᵀ (no bias)           [n × D]
 *          eos position: argmax(ids) when eos_token_id == 2 (legacy
 *          configs), else the first position of eos_token_id (0 if none).
 *
 * logits_per_image = exp(logit_scale) · normalize(img) · normalize(txt)ᵀ.
 *
 * Sequences are packed (no padding), as in lucid-bert.c: a causal mask
 * makes every token of a CLIP text independent of the padding the
 * reference adds after it, so packing changes no result.
 *
 * A single tower (lucid-clip-load.c binds only its tensors) runs its own
 * half; the other half's entry point fails with LUCID_ERROR_UNSUPPORTED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-clip-private.h"

#include <math.h>
#include <string.h>

#include "lucid-error.h"

/* ------------------------------------------------------------------------
 * Forward
 * ------------------------------------------------------------------------ */

#define GROW(ptr, cap, need)                                                   \
  G_STMT_START                                                                 \
  {                                                                            \
    if ((need) > (cap)) {                                                      \
      (cap) = (need);                                                          \
      (ptr) = g_renew (__typeof__ (*(ptr)), (ptr), (cap));                     \
    }                                                                          \
  }                                                                            \
  G_STMT_END

/* "DIR is a CLIP text tower on its own …: it has no image tower". */
static void
set_no_tower_error (const LucidClip *c, const char *missing, GError **error)
{
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "%s is a CLIP %s tower on its own (model_type \"%s\"): it has "
               "no %s tower",
               c->dir, c->has_text ? "text" : "image",
               lucid_clip_kind_to_string (c->cfg->kind), missing);
}

/* @rows [n × H] → @out [n × D] = rows · Wᵀ (@w NULL: a copy of @rows,
 * D = H), L2-normalised when asked (in double, as a norm of float32
 * values should be). */
static void
project (LucidClip *c, const float *rows, gsize n, gsize H, const float *w,
         float *out, gboolean normalize)
{
  const gsize D = w != NULL ? c->cfg->projection_dim : H;

  if (w != NULL)
    c->be->linear (c->be, rows, w, NULL, out, n, D, H);
  else
    memcpy (out, rows, n * H * sizeof (float));
  if (!normalize)
    return;
  for (gsize i = 0; i < n; i++) {
    double ss = 0;
    float *v = out + i * D;

    for (gsize j = 0; j < D; j++)
      ss += (double)v[j] * v[j];
    if (ss > 0) {
      float inv = (float)(1.0 / sqrt (ss));
      for (gsize j = 0; j < D; j++)
        v[j] *= inv;
    }
  }
}

gboolean
lucid_clip_encode_images (LucidClip *c, const float *pixels, guint n,
                          float *embeds, gboolean normalize, float *pooled,
                          GError **error)
{
  const LucidClipVisionConfig *vc = &c->cfg->vision;
  const LucidBackend *be = c->be;
  const gsize H = vc->hidden_size, P = c->n_patches, L = 1 + P;
  const gsize S = vc->image_size, p = vc->patch_size;
  const gsize K = (gsize)vc->num_channels * p * p, T = (gsize)n * L;

  if (n == 0 || pixels == NULL || embeds == NULL) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "lucid_clip_encode_images: needs at least one image and an output");
    return FALSE;
  }
  if (!c->has_vision) {
    set_no_tower_error (c, "image", error);
    return FALSE;
  }
  g_mutex_lock (&c->lock);
  lucid_encoder_scratch_reserve (&c->scr, &c->vision.dims, T, L);
  GROW (c->h, c->cap_h, T * H);
  GROW (c->cols, c->cap_cols, (gsize)n * P * K);
  GROW (c->pool, c->cap_pool, (gsize)n * H);
  GROW (c->lens, c->cap_lens, (gsize)n);

  /* Patch embedding: a conv without bias, as one GEMM. */
  lucid_patch_im2col (pixels, n, vc->num_channels, S, S, p, p, c->cols);
  lucid_encoder_linear (be, c->cols, c->patch_p, c->patch_w, NULL, c->scr.tmp,
                        (gsize)n * P, H, K, NULL);
  for (gsize img = 0; img < n; img++) {
    float *rows = c->h + img * L * H;
    const float *emb = c->scr.tmp + img * P * H;

    for (gsize i = 0; i < H; i++)
      rows[i] = c->class_emb[i] + c->vpos[i];
    for (gsize t = 1; t < L; t++)
      for (gsize i = 0; i < H; i++)
        rows[t * H + i] = emb[(t - 1) * H + i] + c->vpos[t * H + i];
    c->lens[img] = L;
  }
  be->layernorm (be, c->h, NULL, c->pre_g, c->pre_b, T, H, vc->layer_norm_eps);
  for (guint l = 0; l < c->vision.n_layers; l++)
    lucid_prenorm_layer_forward (be, &c->vision.layers[l], &c->vision.dims,
                                 c->h, c->lens, n, NULL, &c->scr);

  for (gsize img = 0; img < n; img++)
    memcpy (c->pool + img * H, c->h + img * L * H, H * sizeof (float));
  be->layernorm (be, c->pool, NULL, c->post_g, c->post_b, n, H,
                 vc->layer_norm_eps);
  if (pooled != NULL)
    memcpy (pooled, c->pool, (gsize)n * H * sizeof (float));
  project (c, c->pool, n, H, c->visual_proj, embeds, normalize);
  g_mutex_unlock (&c->lock);
  return TRUE;
}

/* transformers' CLIPTextTransformer pooling position. */
static gsize
eos_position (const LucidClipTextConfig *tc, const gint32 *ids, gsize len)
{
  gsize best = 0;

  if (tc->eos_token_id == 2) {
    for (gsize i = 1; i < len; i++)
      if (ids[i] > ids[best])
        best = i;
    return best;
  }
  for (gsize i = 0; i < len; i++)
    if (ids[i] == tc->eos_token_id)
      return i;
  return 0;
}

gboolean
lucid_clip_encode_token_ids (LucidClip *c, const gint32 *ids,
                             const gsize *offsets, guint n, float *embeds,
                             gboolean normalize, float *pooled, GError **error)
{
  const LucidClipTextConfig *tc = &c->cfg->text;
  const LucidBackend *be = c->be;
  const gsize H = tc->hidden_size;
  gsize T, max_len = 0;

  if (n == 0 || ids == NULL || offsets == NULL || embeds == NULL) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "lucid_clip_encode_token_ids: needs at least one sequence and an "
        "output");
    return FALSE;
  }
  if (!c->has_text) {
    set_no_tower_error (c, "text", error);
    return FALSE;
  }
  for (guint s = 0; s < n; s++) {
    const gsize len = offsets[s + 1] - offsets[s];

    if (offsets[s + 1] <= offsets[s] || len > tc->max_position_embeddings) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "CLIP text: sequence %u has %" G_GSIZE_FORMAT
                   " tokens (1 to %u "
                   "allowed)",
                   s, offsets[s + 1] > offsets[s] ? len : 0,
                   tc->max_position_embeddings);
      return FALSE;
    }
    for (gsize i = offsets[s]; i < offsets[s + 1]; i++) {
      if (ids[i] < 0 || (guint)ids[i] >= tc->vocab_size) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                     "CLIP text: token id %d is outside the vocabulary (%u)",
                     ids[i], tc->vocab_size);
        return FALSE;
      }
    }
    max_len = MAX (max_len, len);
  }
  T = offsets[n] - offsets[0];

  g_mutex_lock (&c->lock);
  lucid_encoder_scratch_reserve (&c->scr, &c->text.dims, T, max_len);
  GROW (c->h, c->cap_h, T * H);
  GROW (c->pool, c->cap_pool, (gsize)n * H);
  GROW (c->lens, c->cap_lens, (gsize)n);
  for (guint s = 0; s < n; s++) {
    const gsize base = offsets[s] - offsets[0];

    c->lens[s] = offsets[s + 1] - offsets[s];
    for (gsize t = 0; t < c->lens[s]; t++) {
      float *row = c->h + (base + t) * H;
      const float *te = c->tok_emb + (gsize)ids[offsets[s] + t] * H;
      const float *pe = c->tpos + t * H;

      for (gsize i = 0; i < H; i++)
        row[i] = te[i] + pe[i];
    }
  }
  for (guint l = 0; l < c->text.n_layers; l++)
    lucid_prenorm_layer_forward (be, &c->text.layers[l], &c->text.dims, c->h,
                                 c->lens, n, NULL, &c->scr);
  /* final_layer_norm is per row: only the pooled rows need it. */
  for (guint s = 0; s < n; s++) {
    const gsize base = offsets[s] - offsets[0];
    const gsize pos = eos_position (tc, ids + offsets[s], c->lens[s]);

    memcpy (c->pool + s * H, c->h + (base + pos) * H, H * sizeof (float));
  }
  be->layernorm (be, c->pool, NULL, c->final_g, c->final_b, n, H,
                 tc->layer_norm_eps);
  if (pooled != NULL)
    memcpy (pooled, c->pool, (gsize)n * H * sizeof (float));
  project (c, c->pool, n, H, c->text_proj, embeds, normalize);
  g_mutex_unlock (&c->lock);
  return TRUE;
}

gboolean
lucid_clip_encode_texts (LucidClip *c, const char *const *texts, guint n,
                         float *embeds, gboolean normalize, float *pooled,
                         GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree gsize *offsets = NULL;

  if (n == 0 || texts == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "lucid_clip_encode_texts: needs at least one text");
    return FALSE;
  }
  if (!c->has_text) {
    set_no_tower_error (c, "text", error);
    return FALSE;
  }
  if (!lucid_clip_load_tokenizer (c, error))
    return FALSE;
  offsets = g_new (gsize, n + 1);
  offsets[0] = 0;
  for (guint i = 0; i < n; i++) {
    g_autoptr (LucidEncoding) enc = lucid_tokenizer_encode (
        c->tok, texts[i] ? texts[i] : "", NULL, c->max_text_len);

    g_array_append_vals (ids, enc->ids, enc->n);
    offsets[i + 1] = ids->len;
  }
  return lucid_clip_encode_token_ids (c, (const gint32 *)ids->data, offsets, n,
                                      embeds, normalize, pooled, error);
}

void
lucid_clip_logits (const LucidClip *c, const float *img, guint ni,
                   const float *txt, guint nt, float *logits)
{
  const gsize D = c->cfg->projection_dim;
  const double scale = exp ((double)c->logit_scale);
  g_autofree double *tn = g_new (double, MAX (nt, 1));

  for (guint j = 0; j < nt; j++) {
    double ss = 0;

    for (gsize k = 0; k < D; k++)
      ss += (double)txt[j * D + k] * txt[j * D + k];
    tn[j] = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
  }
  for (guint i = 0; i < ni; i++) {
    double ss = 0, in;

    for (gsize k = 0; k < D; k++)
      ss += (double)img[i * D + k] * img[i * D + k];
    in = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
    for (guint j = 0; j < nt; j++) {
      double dot = 0;

      for (gsize k = 0; k < D; k++)
        dot += (double)img[i * D + k] * txt[j * D + k];
      logits[(gsize)i * nt + j] = (float)(scale * dot * in * tn[j]);
    }
  }
}
