/* lucid-attention.c — fused attention: Q·Kᵀ, softmax and P·V per block of
 * query rows, never a whole probability matrix unless asked for.
 *
 * Per (sequence, head), with MR × NR the kernel's register tile (AVX-512
 * 12 × 32, AVX2 6 × 16, portable 6 × 8):
 *
 *   pack K_hᵀ in panels of NR keys (panel j: head_dim rows of NR floats,
 *     zero past the last key) and V_h in panels of NR columns (len rows of
 *     NR floats, zero past head_dim): the tiles read both front to back;
 *   for each block of MR query rows:
 *     S[MR × keys] = scale · Q_block · K_hᵀ    (tile over each key panel,
 *                                               Q broadcast from qkv itself)
 *     each row: masked keys → −inf, softmax (vectorised exp; −inf → 0),
 *               copied to the caller's probabilities when asked for
 *     O_block[MR × head_dim] = P · V_h         (tile over each V panel,
 *                                               P broadcast from S)
 *
 * so the scores of one block (MR × len floats) are all the memory the
 * probabilities take, and the packed K and V (2 · len · head_dim floats)
 * stay in L2 while every block passes over them. Causal attention stops
 * each block at its last row's key. The tile is one routine for both
 * products: C[mr × NR] = scale · A[mr × k] · B[k × NR], A read by rows
 * with any stride, B packed NR wide; every C element is one FMA chain over
 * k in order, so a block's result does not depend on which thread runs it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-attention.h"
#include "lucid-scratch.h"
#include "lucid-vecmath.h"
#include "lucid-vecmath-x86.h"

#include <math.h>
#include <string.h>

#ifdef LUCID_VECMATH_X86
#define LUCID_ATT_X86 1
#endif

/* C[mr × cols] (row stride ldc) = diag (scale) · A[mr × k] (row stride
 * lda) · B[k × NR] (packed, row stride NR, 64-byte aligned); cols ≤ NR,
 * scale[mr]. */
typedef void (*TileFunc) (int mr, gsize k, const float *a, gsize lda,
    const float *bp, float *c, gsize ldc, gsize cols, const float *scale);
/* row[0 … n) ← exp (row[0 … n) − max) in place, returning the sum: the
 * softmax before its division, which the P·V tile applies to its output
 * (and the probabilities, when asked for, get on their own). −inf entries
 * become exactly 0; a row of only −inf becomes zeros (sum 0). n ≥ 1. */
typedef float (*SoftmaxFunc) (float *row, gsize n);

typedef struct {
  gsize mr, nr;
  TileFunc tile;
  SoftmaxFunc softmax;
} KernelInfo;


#define MAX_MR 12

/* ---- portable: GCC/clang vector extensions, 6 × 8 ---------------------- */

#define PORT_MR 6
#define PORT_NR 8
typedef float v4sf __attribute__((vector_size (16)));

static inline __attribute__((always_inline)) void
att_tile_portable_mr (const int mr, gsize k, const float *a, gsize lda,
    const float *bp, float *c, gsize ldc, gsize cols, const float *scale)
{
  v4sf c0[PORT_MR], c1[PORT_MR], b0, b1;
  float t[PORT_NR];

#pragma GCC unroll 6
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = (v4sf) { 0, 0, 0, 0 };
  for (gsize p = 0; p < k; p++) {
    memcpy (&b0, bp, sizeof b0);
    memcpy (&b1, bp + 4, sizeof b1);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      const float x = a[i * lda + p];
      c0[i] += x * b0;
      c1[i] += x * b1;
    }
    bp += PORT_NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    const v4sf s0 = c0[i] * scale[i], s1 = c1[i] * scale[i];
    if (cols == PORT_NR) {
      memcpy (c + i * ldc, &s0, sizeof s0);
      memcpy (c + i * ldc + 4, &s1, sizeof s1);
    } else {
      memcpy (t, &s0, sizeof s0);
      memcpy (t + 4, &s1, sizeof s1);
      memcpy (c + i * ldc, t, cols * sizeof (float));
    }
  }
}

static void
att_tile_portable (int mr, gsize k, const float *a, gsize lda, const float *bp,
    float *c, gsize ldc, gsize cols, const float *scale)
{
  switch (mr) {
#define CASE(M) case M: att_tile_portable_mr (M, k, a, lda, bp, c, ldc, cols, scale); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

/* lucid_expf (lucid-vecmath.h), 0 below LUCID_EXP_FLUSH; plain C the compiler
 * vectorizes for the baseline. */
static float
softmax_portable (float *row, gsize n)
{
  float max = -INFINITY, sum = 0.0f;

  for (gsize c = 0; c < n; c++)
    max = row[c] > max ? row[c] : max;
  if (max == -INFINITY) {
    memset (row, 0, n * sizeof (float));
    return 0.0f;
  }
  for (gsize c = 0; c < n; c++) {
    const float x = row[c] - max;
    const float e = x < LUCID_EXP_FLUSH ? 0.0f : lucid_expf (x);
    row[c] = e;
    sum += e;
  }
  return sum;
}

#ifdef LUCID_ATT_X86

/* ---- AVX2 + FMA: 6 × 16 ------------------------------------------------ */

#define AVX2_MR 6
#define AVX2_NR 16

static inline __attribute__((always_inline, target ("avx2,fma"))) void
att_tile_avx2_mr (const int mr, gsize k, const float *a, gsize lda,
    const float *bp, float *c, gsize ldc, gsize cols, const float *scale)
{
  __m256 c0[AVX2_MR], c1[AVX2_MR];
  float t[AVX2_NR];

#pragma GCC unroll 6
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = _mm256_setzero_ps ();
  for (gsize p = 0; p < k; p++) {
    const __m256 b0 = _mm256_load_ps (bp), b1 = _mm256_load_ps (bp + 8);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      const __m256 x = _mm256_broadcast_ss (a + i * lda + p);
      c0[i] = _mm256_fmadd_ps (x, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps (x, b1, c1[i]);
    }
    bp += AVX2_NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    const __m256 sc = _mm256_set1_ps (scale[i]);
    if (cols == AVX2_NR) {
      _mm256_storeu_ps (c + i * ldc, _mm256_mul_ps (c0[i], sc));
      _mm256_storeu_ps (c + i * ldc + 8, _mm256_mul_ps (c1[i], sc));
    } else {
      _mm256_storeu_ps (t, _mm256_mul_ps (c0[i], sc));
      _mm256_storeu_ps (t + 8, _mm256_mul_ps (c1[i], sc));
      memcpy (c + i * ldc, t, cols * sizeof (float));
    }
  }
}

__attribute__((target ("avx2,fma"))) static void
att_tile_avx2 (int mr, gsize k, const float *a, gsize lda, const float *bp,
    float *c, gsize ldc, gsize cols, const float *scale)
{
  switch (mr) {
#define CASE(M) case M: att_tile_avx2_mr (M, k, a, lda, bp, c, ldc, cols, scale); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

static inline __attribute__((always_inline, target ("avx2,fma"))) float
hmax_avx2 (__m256 v)
{
  __m128 m = _mm_max_ps (_mm256_castps256_ps128 (v),
      _mm256_extractf128_ps (v, 1));
  m = _mm_max_ps (m, _mm_movehl_ps (m, m));
  m = _mm_max_ss (m, _mm_movehdup_ps (m));
  return _mm_cvtss_f32 (m);
}

static inline __attribute__((always_inline, target ("avx2,fma"))) float
hsum_avx2 (__m256 v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v),
      _mm256_extractf128_ps (v, 1));
  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

/* The last n % 8 entries go through an 8-float buffer padded with −inf. */
__attribute__((target ("avx2,fma"))) static float
softmax_avx2 (float *row, gsize n)
{
  const gsize body = n & ~(gsize) 7, tail = n - body;
  float buf[8];
  __m256 vmax0 = _mm256_set1_ps (-INFINITY), vmax1 = vmax0;
  __m256 vsum0 = _mm256_setzero_ps (), vsum1 = vsum0, vm;
  gsize c = 0;
  float max;

  for (int i = 0; i < 8; i++)
    buf[i] = i < (int) tail ? row[body + i] : -INFINITY;
  /* two accumulators: a max or an add waits 4 cycles for the previous */
  for (; c + 16 <= body; c += 16) {
    vmax0 = _mm256_max_ps (vmax0, _mm256_loadu_ps (row + c));
    vmax1 = _mm256_max_ps (vmax1, _mm256_loadu_ps (row + c + 8));
  }
  if (c < body)
    vmax0 = _mm256_max_ps (vmax0, _mm256_loadu_ps (row + c));
  vmax1 = _mm256_max_ps (vmax1, _mm256_loadu_ps (buf));
  max = hmax_avx2 (_mm256_max_ps (vmax0, vmax1));
  if (max == -INFINITY) {
    memset (row, 0, n * sizeof (float));
    return 0.0f;
  }
  vm = _mm256_set1_ps (max);
  for (c = 0; c + 16 <= body; c += 16) {
    const __m256 e0 = lucid_exp_avx2 (_mm256_sub_ps (_mm256_loadu_ps (row + c), vm));
    const __m256 e1 = lucid_exp_avx2 (_mm256_sub_ps (_mm256_loadu_ps (row + c + 8),
            vm));
    _mm256_storeu_ps (row + c, e0);
    _mm256_storeu_ps (row + c + 8, e1);
    vsum0 = _mm256_add_ps (vsum0, e0);
    vsum1 = _mm256_add_ps (vsum1, e1);
  }
  if (c < body) {
    const __m256 e = lucid_exp_avx2 (_mm256_sub_ps (_mm256_loadu_ps (row + c), vm));
    _mm256_storeu_ps (row + c, e);
    vsum0 = _mm256_add_ps (vsum0, e);
  }
  if (tail > 0) {
    const __m256 e = lucid_exp_avx2 (_mm256_sub_ps (_mm256_loadu_ps (buf), vm));
    _mm256_storeu_ps (buf, e);
    vsum1 = _mm256_add_ps (vsum1, e);
    memcpy (row + body, buf, tail * sizeof (float));
  }
  return hsum_avx2 (_mm256_add_ps (vsum0, vsum1));
}

/* ---- AVX-512F: 12 × 32 ------------------------------------------------- */

#define AVX512_MR 12
#define AVX512_NR 32

static inline __attribute__((always_inline, target ("avx512f"))) void
att_tile_avx512_mr (const int mr, gsize k, const float *a, gsize lda,
    const float *bp, float *c, gsize ldc, gsize cols, const float *scale)
{
  __m512 c0[AVX512_MR], c1[AVX512_MR];

#pragma GCC unroll 12
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = _mm512_setzero_ps ();
  for (gsize p = 0; p < k; p++) {
    const __m512 b0 = _mm512_load_ps (bp), b1 = _mm512_load_ps (bp + 16);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 x = _mm512_set1_ps (a[i * lda + p]);
      c0[i] = _mm512_fmadd_ps (x, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps (x, b1, c1[i]);
    }
    bp += AVX512_NR;
  }
  if (cols == AVX512_NR) {
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 sc = _mm512_set1_ps (scale[i]);
      _mm512_storeu_ps (c + i * ldc, _mm512_mul_ps (c0[i], sc));
      _mm512_storeu_ps (c + i * ldc + 16, _mm512_mul_ps (c1[i], sc));
    }
  } else {
    /* masked stores: nothing written past the last column */
    const __mmask16 m0 = cols >= 16 ? 0xffff : (__mmask16) ((1u << cols) - 1);
    const __mmask16 m1 = cols <= 16 ? 0 :
        (__mmask16) ((1u << (cols - 16)) - 1);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 sc = _mm512_set1_ps (scale[i]);
      _mm512_mask_storeu_ps (c + i * ldc, m0, _mm512_mul_ps (c0[i], sc));
      _mm512_mask_storeu_ps (c + i * ldc + 16, m1, _mm512_mul_ps (c1[i],
              sc));
    }
  }
}

__attribute__((target ("avx512f"))) static void
att_tile_avx512 (int mr, gsize k, const float *a, gsize lda, const float *bp,
    float *c, gsize ldc, gsize cols, const float *scale)
{
  switch (mr) {
#define CASE(M) case M: att_tile_avx512_mr (M, k, a, lda, bp, c, ldc, cols, scale); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
      CASE (7) CASE (8) CASE (9) CASE (10) CASE (11) CASE (12)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

/* The last n % 16 entries are read and written with masks. */
__attribute__((target ("avx512f"))) static float
softmax_avx512 (float *row, gsize n)
{
  const gsize body = n & ~(gsize) 31;
  const __m512 ninf = _mm512_set1_ps (-INFINITY);
  __m512 vmax0 = ninf, vmax1 = ninf, vsum0 = _mm512_setzero_ps (),
      vsum1 = vsum0, vm, x, e;
  __mmask16 m;
  gsize c;
  float max;

  /* two accumulators: a max or an add waits 4 cycles for the previous */
  for (c = 0; c < body; c += 32) {
    vmax0 = _mm512_max_ps (vmax0, _mm512_loadu_ps (row + c));
    vmax1 = _mm512_max_ps (vmax1, _mm512_loadu_ps (row + c + 16));
  }
  for (; c < n; c += 16) {
    m = n - c >= 16 ? 0xffff : (__mmask16) ((1u << (n - c)) - 1);
    vmax0 = _mm512_max_ps (vmax0, _mm512_mask_loadu_ps (ninf, m, row + c));
  }
  max = _mm512_reduce_max_ps (_mm512_max_ps (vmax0, vmax1));
  if (max == -INFINITY) {
    memset (row, 0, n * sizeof (float));
    return 0.0f;
  }
  vm = _mm512_set1_ps (max);
  for (c = 0; c < body; c += 32) {
    const __m512 e0 = lucid_exp_avx512 (_mm512_sub_ps (_mm512_loadu_ps (row + c),
            vm));
    const __m512 e1 = lucid_exp_avx512 (_mm512_sub_ps (_mm512_loadu_ps (row + c
                + 16), vm));
    _mm512_storeu_ps (row + c, e0);
    _mm512_storeu_ps (row + c + 16, e1);
    vsum0 = _mm512_add_ps (vsum0, e0);
    vsum1 = _mm512_add_ps (vsum1, e1);
  }
  /* the tail's masked-off lanes load −inf: exp gives 0 */
  for (; c < n; c += 16) {
    m = n - c >= 16 ? 0xffff : (__mmask16) ((1u << (n - c)) - 1);
    x = _mm512_mask_loadu_ps (ninf, m, row + c);
    e = lucid_exp_avx512 (_mm512_sub_ps (x, vm));
    _mm512_mask_storeu_ps (row + c, m, e);
    vsum0 = _mm512_add_ps (vsum0, e);
  }
  return _mm512_reduce_add_ps (_mm512_add_ps (vsum0, vsum1));
}

#endif /* LUCID_ATT_X86 */

static const KernelInfo kernels[LUCID_GEMM_N_KERNELS] = {
  [LUCID_GEMM_KERNEL_PORTABLE] = { PORT_MR, PORT_NR, att_tile_portable,
      softmax_portable },
#ifdef LUCID_ATT_X86
  [LUCID_GEMM_KERNEL_AVX2] = { AVX2_MR, AVX2_NR, att_tile_avx2, softmax_avx2 },
  [LUCID_GEMM_KERNEL_AVX512] = { AVX512_MR, AVX512_NR, att_tile_avx512,
      softmax_avx512 },
#endif
};

G_STATIC_ASSERT (PORT_MR <= MAX_MR);
#ifdef LUCID_ATT_X86
G_STATIC_ASSERT (AVX2_MR <= MAX_MR && AVX512_MR <= MAX_MR);
#endif

/* ---- per-thread scratch ------------------------------------------------ */

static GPrivate scratch_key = G_PRIVATE_INIT (lucid_scratch_free);

/* ---- one (sequence, head) ---------------------------------------------- */

typedef struct {
  const float *q, *k, *v;      /* row i at + i · ld */
  gsize ld, len, d;
  float scale;
  gboolean causal;
  const guint8 *key_mask;      /* NULL or [len] */
  float *out;                  /* row i at + i · ld_out */
  gsize ld_out;
  float *probs;                /* NULL or [len × len] */
} Head;

static void
attention_head (const KernelInfo *ki, const Head *hd)
{
  const gsize mr = ki->mr, nr = ki->nr, len = hd->len, d = hd->d;
  const gsize kpanels = (len + nr - 1) / nr, lds = kpanels * nr;
  const gsize vpanels = (d + nr - 1) / nr;
  float *kt, *vp, *s, scale[MAX_MR];

  for (gsize r = 0; r < mr; r++)
    scale[r] = hd->scale;
  kt = lucid_scratch_get (&scratch_key,
                          kpanels * d * nr + vpanels * len * nr + mr * lds);
  vp = kt + kpanels * d * nr;
  s = vp + vpanels * len * nr;

  /* K_hᵀ: panel j, row p, column c = K[j·NR + c][p]; zeros past len */
  for (gsize j = 0; j < len; j++) {
    const float *row = hd->k + j * hd->ld;
    float *dst = kt + (j / nr) * d * nr + j % nr;
    for (gsize p = 0; p < d; p++)
      dst[p * nr] = row[p];
  }
  for (gsize j = len; j < lds; j++) {
    float *dst = kt + (j / nr) * d * nr + j % nr;
    for (gsize p = 0; p < d; p++)
      dst[p * nr] = 0.0f;
  }
  /* V_h: panel c, row j = V[j][c·NR …]; zeros past head_dim */
  for (gsize c = 0; c < vpanels; c++) {
    const gsize cols = MIN (nr, d - c * nr);
    float *panel = vp + c * len * nr;
    for (gsize j = 0; j < len; j++) {
      memcpy (panel + j * nr, hd->v + j * hd->ld + c * nr,
          cols * sizeof (float));
      if (cols < nr)
        memset (panel + j * nr + cols, 0, (nr - cols) * sizeof (float));
    }
  }

  for (gsize i0 = 0; i0 < len; i0 += mr) {
    const gsize rows = MIN (mr, len - i0);
    /* keys any row of the block attends to */
    const gsize keys = hd->causal ? i0 + rows : len;
    float inv[MAX_MR];

    for (gsize j = 0; j < (keys + nr - 1) / nr; j++)
      ki->tile ((int) rows, d, hd->q + i0 * hd->ld, hd->ld, kt + j * d * nr,
          s + j * nr, lds, nr, scale);
    for (gsize r = 0; r < rows; r++) {
      float *row = s + r * lds;
      const gsize n = hd->causal ? i0 + r + 1 : len;
      float sum;

      if (hd->key_mask != NULL)
        for (gsize j = 0; j < n; j++)
          if (hd->key_mask[j] == 0)
            row[j] = -INFINITY;
      sum = ki->softmax (row, n);
      inv[r] = sum > 0.0f ? 1.0f / sum : 0.0f;
      /* causal: the keys after this row that later rows of the block see */
      for (gsize j = n; j < keys; j++)
        row[j] = 0.0f;
      if (hd->probs != NULL) {
        float *p = hd->probs + (i0 + r) * len;
        for (gsize j = 0; j < keys; j++)
          p[j] = row[j] * inv[r];
        memset (p + keys, 0, (len - keys) * sizeof (float));
      }
    }
    /* O = diag (1 / sum) · E · V: the softmax's division on the output */
    for (gsize c = 0; c < vpanels; c++)
      ki->tile ((int) rows, keys, s, lds, vp + c * len * nr,
          hd->out + i0 * hd->ld_out + c * nr, hd->ld_out, MIN (nr,
              d - c * nr), inv);
  }
}

/* ---- the batch --------------------------------------------------------- */

static double
head_cost (gsize len, gsize d, gboolean causal)
{
  const double keys = causal ? (len + 1) / 2.0 : (double) len;
  /* two products of len × keys × d, the softmax, the packing */
  return (double) len * (keys * (2.0 * d + 8.0) + 2.0 * d);
}

double
lucid_attention_batch_cost (const LucidAttentionBatch *b)
{
  double cost = 0.0;
  for (gsize s = 0; s < b->n_seqs; s++)
    cost += b->heads * head_cost (b->seq_offset[s + 1] - b->seq_offset[s],
        b->head_dim, b->causal);
  return cost;
}

void
lucid_attention_run (LucidGemmKernel kernel, const LucidAttentionBatch *b,
    gsize part_begin, gsize part_end, gsize n_parts)
{
  const KernelInfo *ki;
  const gsize d = b->head_dim, hidden = b->heads * d;
  const double total = lucid_attention_batch_cost (b);
  double done = 0.0;
  gsize poff = 0;

  g_return_if_fail (kernel < LUCID_GEMM_N_KERNELS);
  g_return_if_fail (lucid_gemm_kernel_supported (kernel));
  g_return_if_fail (part_begin <= part_end && part_end <= n_parts);
  ki = &kernels[kernel];

  for (gsize s = 0; s < b->n_seqs; s++) {
    const gsize off = b->seq_offset[s], len = b->seq_offset[s + 1] - off;
    const double cost = head_cost (len, d, b->causal);
    float *probs = NULL;

    if (b->probs != NULL)
      probs = b->probs + (b->probs_offset != NULL ? b->probs_offset[s] : poff);
    poff += b->heads * len * len;
    for (gsize h = 0; h < b->heads; h++) {
      /* the part whose share of the total cost holds this block's middle */
      const gsize part = n_parts <= 1 || total <= 0.0 ? 0 :
          MIN (n_parts - 1, (gsize) ((done + cost / 2.0) / total * n_parts));
      done += cost;
      if (len == 0 || part < part_begin || part >= part_end)
        continue;
      {
        const float *row0 = b->qkv + off * 3 * hidden;
        const Head hd = {
          .q = row0 + h * d,
          .k = row0 + hidden + h * d,
          .v = row0 + 2 * hidden + h * d,
          .ld = 3 * hidden,
          .len = len,
          .d = d,
          .scale = 1.0f / sqrtf ((float) d),
          .causal = b->causal,
          .key_mask = b->key_mask != NULL ? b->key_mask + off : NULL,
          .out = b->out + off * hidden + h * d,
          .ld_out = hidden,
          .probs = probs != NULL ? probs + h * len * len : NULL,
        };
        attention_head (ki, &hd);
      }
    }
  }
}
