/* lucid-encoder.h — the pieces every pre-LayerNorm transformer encoder of
 * Lucid shares (ViT, CLIP's vision and text towers): one encoder layer over
 * packed sequences, its scratch space, and the patch embedding's im2col.
 *
 *   h ← h + Wo · Attention(LN1(h)),  h ← h + W2 · act(W1 · LN2(h))
 *
 * Sequences of a batch sit one after the other in h[T × H] (T = Σ lens);
 * every GEMM sees each token once, attention runs per sequence.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-backend.h"

G_BEGIN_DECLS

/* Weights of one pre-LN layer. qkv_w / qkv_b are owned (the q, k, v
 * projections stacked into one [3H × H] GEMM); the others point into the
 * mapped weights file. The *_p are the four Linear layers packed once by a
 * backend with pack_linear (lucid_prenorm_layer_pack), or NULL: the layer
 * then calls the backend's plain linear. */
typedef struct {
  float *qkv_w;               /* [3H × H] owned */
  float *qkv_b;               /* [3H] owned */
  const float *ln1_g, *ln1_b; /* [H] before attention */
  const float *o_w, *o_b;     /* [H × H], [H] */
  const float *ln2_g, *ln2_b; /* [H] before the MLP */
  const float *i_w, *i_b;     /* [I × H], [I] */
  const float *d_w, *d_b;     /* [H × I], [H] */
  LucidPackedLinear *qkv_p, *o_p, *i_p, *d_p; /* owned, or NULL */
} LucidPrenormLayer;

/* Packs the layer's four Linear layers when @be has pack_linear (hidden
 * @H, intermediate @I); a NULL from pack_linear keeps that one unpacked. */
void lucid_prenorm_layer_pack (const LucidBackend *be, LucidPrenormLayer *layer,
                               gsize H, gsize I);
/* Frees what the layer owns, its packed weights through @be. */
void lucid_prenorm_layer_clear (const LucidBackend *be,
                                LucidPrenormLayer *layer);

/* Packs W[n×k], b[n] (b may be NULL) when @be can; NULL otherwise. */
LucidPackedLinear *lucid_encoder_pack (const LucidBackend *be, const float *w,
                                       const float *b, gsize n, gsize k);
void lucid_encoder_free_packed (const LucidBackend *be, LucidPackedLinear *p);

/* y[m×n] = act(x[m×k] · wᵀ + b) through @p when it is not NULL, else
 * through the backend's linear on @w / @b; @act may be NULL. */
void lucid_encoder_linear (const LucidBackend *be, const float *x,
                           const LucidPackedLinear *p, const float *w,
                           const float *b, float *y, gsize m, gsize n, gsize k,
                           const LucidActivation *act);

typedef struct {
  gsize hidden, intermediate, heads;
  float eps;
  LucidActivation act;
  gboolean causal; /* CLIP's text tower */
} LucidPrenormDims;

/* Scratch of one forward pass, grown on demand. */
typedef struct {
  float *a, *tmp, *qkv, *ctx, *inter;
  float *att;     /* len × len matrices: only without attention_batch */
  gsize *offsets; /* [cap_seqs + 1]: token offsets for attention_batch */
  gsize cap_tokens, cap_att, cap_seqs;
} LucidEncoderScratch;

/* Room for @tokens packed tokens and sequences up to @max_len long. */
void lucid_encoder_scratch_reserve (LucidEncoderScratch *s,
                                    const LucidPrenormDims *d, gsize tokens,
                                    gsize max_len);
void lucid_encoder_scratch_clear (LucidEncoderScratch *s);

/* One layer, in place on @h [Σ lens × hidden]. @probs (may be NULL)
 * receives each sequence's [heads × len × len] softmax probabilities, one
 * block after the other. */
void lucid_prenorm_layer_forward (const LucidBackend *be,
                                  const LucidPrenormLayer *layer,
                                  const LucidPrenormDims *d, float *h,
                                  const gsize *lens, gsize n_seqs, float *probs,
                                  LucidEncoderScratch *s);

/* cols[(img·P + patch) × K], K = C·p·q: each patch's pixels in a conv
 * weight's (channel, row, column) order, so a conv with kernel = stride =
 * patch is cols · Wᵀ. @pixels [n × C × ih × iw]; remainder rows and
 * columns are dropped, as by the conv. */
void lucid_patch_im2col (const float *pixels, gsize n, gsize channels, gsize ih,
                         gsize iw, gsize p, gsize q, float *cols);

G_END_DECLS
