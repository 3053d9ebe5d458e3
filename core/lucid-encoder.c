/* lucid-encoder.c — a pre-LayerNorm encoder layer over packed sequences and
 * the patch embedding's im2col (see lucid-encoder.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-encoder.h"

#include <string.h>

LucidPackedLinear *
lucid_encoder_pack (const LucidBackend *be, const float *w, const float *b,
                    gsize n, gsize k)
{
  if (be->pack_linear == NULL || be->linear_packed == NULL)
    return NULL;
  return be->pack_linear (be, w, b, n, k);
}

void
lucid_encoder_free_packed (const LucidBackend *be, LucidPackedLinear *p)
{
  if (p != NULL && be->free_packed != NULL)
    be->free_packed (be, p);
}

void
lucid_encoder_linear (const LucidBackend *be, const float *x,
                      const LucidPackedLinear *p, const float *w,
                      const float *b, float *y, gsize m, gsize n, gsize k,
                      const LucidActivation *act)
{
  if (p != NULL) {
    be->linear_packed (be, x, p, y, m, act);
    return;
  }
  be->linear (be, x, w, b, y, m, n, k);
  if (act != NULL)
    be->activation (be, *act, y, m * n);
}

void
lucid_prenorm_layer_pack (const LucidBackend *be, LucidPrenormLayer *L,
                          gsize H, gsize I)
{
  L->qkv_p = lucid_encoder_pack (be, L->qkv_w, L->qkv_b, 3 * H, H);
  L->o_p = lucid_encoder_pack (be, L->o_w, L->o_b, H, H);
  L->i_p = lucid_encoder_pack (be, L->i_w, L->i_b, I, H);
  L->d_p = lucid_encoder_pack (be, L->d_w, L->d_b, H, I);
}

void
lucid_prenorm_layer_clear (const LucidBackend *be, LucidPrenormLayer *layer)
{
  LucidPackedLinear **packed[4]
      = { &layer->qkv_p, &layer->o_p, &layer->i_p, &layer->d_p };

  g_clear_pointer (&layer->qkv_w, g_free);
  g_clear_pointer (&layer->qkv_b, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (packed); i++) {
    lucid_encoder_free_packed (be, *packed[i]);
    *packed[i] = NULL;
  }
}

void
lucid_encoder_scratch_reserve (LucidEncoderScratch *s,
                               const LucidPrenormDims *d, gsize tokens,
                               gsize max_len)
{
  const gsize H = d->hidden, I = d->intermediate;

  /* @max_len: the len × len matrices of a backend without attention_batch
   * are sized by lucid_prenorm_layer_forward, when it needs them */
  (void) max_len;
  if (tokens > s->cap_tokens) {
    s->cap_tokens = tokens;
    s->a = g_renew (float, s->a, tokens *H);
    s->tmp = g_renew (float, s->tmp, tokens *H);
    s->ctx = g_renew (float, s->ctx, tokens *H);
    s->qkv = g_renew (float, s->qkv, tokens * 3 * H);
    s->inter = g_renew (float, s->inter, tokens *I);
  }
}

void
lucid_encoder_scratch_clear (LucidEncoderScratch *s)
{
  g_free (s->a);
  g_free (s->tmp);
  g_free (s->qkv);
  g_free (s->ctx);
  g_free (s->inter);
  g_free (s->att);
  g_free (s->offsets);
  memset (s, 0, sizeof *s);
}

/* dst = LN(src): the backend normalises in place, the residual stream must
 * stay as it is. */
static void
layernorm_copy (const LucidBackend *be, const LucidPrenormDims *d, float *dst,
                const float *src, const float *g, const float *b, gsize rows)
{
  memcpy (dst, src, rows * d->hidden * sizeof (float));
  be->layernorm (be, dst, NULL, g, b, rows, d->hidden, d->eps);
}

static void
add_inplace (float *x, const float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] += y[i];
}

void
lucid_prenorm_layer_forward (const LucidBackend *be,
                             const LucidPrenormLayer *Ly,
                             const LucidPrenormDims *d, float *h,
                             const gsize *lens, gsize n_seqs, float *probs,
                             LucidEncoderScratch *s)
{
  const gsize H = d->hidden, I = d->intermediate, nh = d->heads;
  gsize T = 0, off = 0, poff = 0;

  for (gsize i = 0; i < n_seqs; i++)
    T += lens[i];

  layernorm_copy (be, d, s->a, h, Ly->ln1_g, Ly->ln1_b, T);
  lucid_encoder_linear (be, s->a, Ly->qkv_p, Ly->qkv_w, Ly->qkv_b, s->qkv, T,
                        3 * H, H, NULL);
  if (be->attention_batch != NULL) {
    /* all sequences and heads in one call: the backend spreads them over
     * its threads */
    if (s->offsets == NULL || n_seqs > s->cap_seqs) {
      s->cap_seqs = MAX (n_seqs, s->cap_seqs * 3 / 2);
      s->offsets = g_renew (gsize, s->offsets, s->cap_seqs + 1);
    }
    s->offsets[0] = 0;
    for (gsize i = 0; i < n_seqs; i++)
      s->offsets[i + 1] = s->offsets[i] + lens[i];
    be->attention_batch (be, s->qkv, s->ctx, s->offsets, n_seqs, nh, H / nh,
                         d->causal, NULL, probs, NULL);
  } else {
    gsize max_len = 0;
    for (gsize i = 0; i < n_seqs; i++)
      max_len = MAX (max_len, lens[i]);
    if (nh * max_len * max_len > s->cap_att) {
      s->cap_att = nh * max_len * max_len;
      s->att = g_renew (float, s->att, s->cap_att);
    }
    for (gsize i = 0; i < n_seqs; i++) {
      const gsize len = lens[i];

      be->attention (be, s->qkv + off * 3 * H, s->ctx + off * H,
                     probs != NULL ? probs + poff : NULL, len, nh, H / nh,
                     d->causal, s->att);
      off += len;
      poff += nh * len * len;
    }
  }
  lucid_encoder_linear (be, s->ctx, Ly->o_p, Ly->o_w, Ly->o_b, s->tmp, T, H, H,
                        NULL);
  add_inplace (h, s->tmp, T * H);

  layernorm_copy (be, d, s->a, h, Ly->ln2_g, Ly->ln2_b, T);
  lucid_encoder_linear (be, s->a, Ly->i_p, Ly->i_w, Ly->i_b, s->inter, T, I, H,
                        &d->act);
  lucid_encoder_linear (be, s->inter, Ly->d_p, Ly->d_w, Ly->d_b, s->tmp, T, H,
                        I, NULL);
  add_inplace (h, s->tmp, T * H);
}

void
lucid_patch_im2col (const float *pixels, gsize n, gsize C, gsize IH, gsize IW,
                    gsize p, gsize q, float *cols)
{
  const gsize gh = IH / p, gw = IW / q;
  float *dst = cols;

  for (gsize img = 0; img < n; img++) {
    const float *src = pixels + img * C * IH * IW;
    for (gsize py = 0; py < gh; py++) {
      for (gsize px = 0; px < gw; px++) {
        for (gsize ch = 0; ch < C; ch++) {
          for (gsize y = 0; y < p; y++) {
            memcpy (dst, src + (ch * IH + py * p + y) * IW + px * q,
                    q * sizeof (float));
            dst += q;
          }
        }
      }
    }
  }
}
