/* lucid-backend-cpu.c — the CPU backend: GEMMs and plain loops.
 *
 * Every operation is split over the process's thread pool (lucid-parallel.c)
 * and BLAS runs single-threaded inside it: linear layers by output-feature
 * slices (packed weights: by panels), attention by head, LayerNorm by rows,
 * activations by elements. Splitting never changes how an output element is
 * accumulated, so results do not depend on the number of threads.
 *
 * Linear layers whose weights the model packed (pack_linear, done once at
 * load) run on Lucid's own sgemm (lucid-gemm.c) with the activation fused
 * into the same job; `linear` and attention's products go to the system
 * CBLAS (OpenBLAS on Debian, loaded by lucid-blas.c). Everything else is a
 * straight loop over rows; LayerNorm accumulates in double so that small
 * hidden sizes match PyTorch's fp32 kernels to ~1e-6.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-backend.h"
#include "lucid-activation.h"
#include "lucid-attention.h"
#include "lucid-blas.h"
#include "lucid-gemm.h"
#include "lucid-parallel.h"
#include "lucid-vecmath.h"

#include <math.h>
#include <string.h>

typedef struct {
  const float *x, *w, *b;
  float *y;
  gsize m, n, k;
} LinearJob;

/* Output features [begin, end): each thread packs only its slice of W. */
static void
linear_range (gsize begin, gsize end, gpointer data)
{
  const LinearJob *j = data;
  const gsize cols = end - begin;
  if (j->b != NULL) {
    for (gsize i = 0; i < j->m; i++)
      memcpy (j->y + i * j->n + begin, j->b + begin, cols * sizeof (float));
  }
  lucid_blas_sgemm (FALSE, TRUE, j->m, cols, j->k, 1.0f, j->x, j->k,
      j->w + begin * j->k, j->k, j->b != NULL ? 1.0f : 0.0f, j->y + begin,
      j->n);
}

static void
cpu_linear (const LucidBackend *be, const float *x, const float *w,
    const float *b, float *y, gsize m, gsize n, gsize k)
{
  LinearJob job = { x, w, b, y, m, n, k };
  if (m == 0 || n == 0)
    return;
  /* slices of 64 features keep the BLAS kernels on full register tiles */
  lucid_parallel_for (n, 64, linear_range, &job);
}

/* The element-wise loops are compiled for AVX-512, AVX2 and the baseline,
 * and the loader picks the best the CPU has (GCC/clang function
 * multi-versioning); they are branch-free so each clone vectorizes. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define LUCID_MULTIVERSION __attribute__((target_clones ("avx512f", "avx2", "default")))
#endif
#endif
#ifndef LUCID_MULTIVERSION
#define LUCID_MULTIVERSION
#endif

/* The double sums keep 8 partial sums (one AVX-512 register of doubles)
 * so they vectorize; a serial vaddsd chain was most of this function. */
#define LN_LANES 8

LUCID_MULTIVERSION static void
layernorm_rows (float *x, const float *residual, const float *gamma,
    const float *beta, gsize rows, gsize cols, float eps)
{
  for (gsize r = 0; r < rows; r++) {
    float *row = x + r * cols;
    double lane[LN_LANES];
    double mean = 0, var = 0, inv;
    gsize c;
    if (residual != NULL) {
      const float *res = residual + r * cols;
      for (c = 0; c < cols; c++)
        row[c] += res[c];
    }
    for (int k = 0; k < LN_LANES; k++)
      lane[k] = 0.0;
    for (c = 0; c + LN_LANES <= cols; c += LN_LANES)
      for (int k = 0; k < LN_LANES; k++)
        lane[k] += row[c + k];
    for (int k = 0; k < LN_LANES; k++)
      mean += lane[k];
    for (; c < cols; c++)
      mean += row[c];
    mean /= (double) cols;
    for (int k = 0; k < LN_LANES; k++)
      lane[k] = 0.0;
    for (c = 0; c + LN_LANES <= cols; c += LN_LANES)
      for (int k = 0; k < LN_LANES; k++) {
        const double d = row[c + k] - mean;
        lane[k] += d * d;
      }
    for (int k = 0; k < LN_LANES; k++)
      var += lane[k];
    for (; c < cols; c++) {
      const double d = row[c] - mean;
      var += d * d;
    }
    var /= (double) cols;
    inv = 1.0 / sqrt (var + (double) eps);
    for (c = 0; c < cols; c++)
      row[c] = (float) ((row[c] - mean) * inv) * gamma[c] + beta[c];
  }
}

/* The kernel of the hand-vectorised element-wise code (the exact GELU):
 * the one the GEMM packs for, or with LUCID_GEMM_KERNEL=blas the best. */
static LucidGemmKernel
elementwise_kernel (void)
{
  LucidGemmKernel k;
  return lucid_gemm_kernel_for_process (&k) ? k : lucid_gemm_kernel_best ();
}

LUCID_MULTIVERSION static void
activation_range (LucidActivation act, float *x, gsize n)
{
  switch (act) {
    case LUCID_ACT_GELU:
      lucid_activation_gelu (elementwise_kernel (), x, n);
      break;
    case LUCID_ACT_GELU_TANH:
      for (gsize i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf (0.7978845608028654f
                * (v + 0.044715f * v * v * v)));
      }
      break;
    case LUCID_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case LUCID_ACT_SILU:
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] / (1.0f + lucid_expf (-x[i]));
      break;
    case LUCID_ACT_QUICK_GELU:
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] / (1.0f + lucid_expf (-1.702f * x[i]));
      break;
  }
}

/* Row-wise softmax in place; -inf entries (masked) get exactly 0, and rows
 * whose every entry is -inf become zeros. The max and the sum keep 16
 * partial results (one vector register) so they vectorize too; a serial
 * vmaxss/vaddss chain was most of this function's time. */
#define SOFTMAX_LANES 16

LUCID_MULTIVERSION static void
softmax_rows (float *s, gsize rows, gsize cols)
{
  for (gsize r = 0; r < rows; r++) {
    float *row = s + r * cols;
    float lane[SOFTMAX_LANES];
    float max = -INFINITY, sum = 0.0f, inv;
    gsize c = 0;

    for (int k = 0; k < SOFTMAX_LANES; k++)
      lane[k] = -INFINITY;
    for (; c + SOFTMAX_LANES <= cols; c += SOFTMAX_LANES)
      for (int k = 0; k < SOFTMAX_LANES; k++)
        lane[k] = row[c + k] > lane[k] ? row[c + k] : lane[k];
    for (int k = 0; k < SOFTMAX_LANES; k++)
      max = lane[k] > max ? lane[k] : max;
    for (; c < cols; c++)
      max = row[c] > max ? row[c] : max;
    if (max == -INFINITY) {
      memset (row, 0, cols * sizeof (float));
      continue;
    }
    for (c = 0; c < cols; c++)
      row[c] = row[c] == -INFINITY ? 0.0f : lucid_expf (row[c] - max);
    for (int k = 0; k < SOFTMAX_LANES; k++)
      lane[k] = 0.0f;
    for (c = 0; c + SOFTMAX_LANES <= cols; c += SOFTMAX_LANES)
      for (int k = 0; k < SOFTMAX_LANES; k++)
        lane[k] += row[c + k];
    for (int k = 0; k < SOFTMAX_LANES; k++)
      sum += lane[k];
    for (; c < cols; c++)
      sum += row[c];
    inv = 1.0f / sum;
    for (c = 0; c < cols; c++)
      row[c] *= inv;
  }
}

typedef struct {
  float *x;
  const float *residual, *gamma, *beta;
  gsize cols;
  float eps;
} LayerNormJob;

static void
layernorm_range (gsize begin, gsize end, gpointer data)
{
  const LayerNormJob *j = data;
  layernorm_rows (j->x + begin * j->cols,
      j->residual != NULL ? j->residual + begin * j->cols : NULL, j->gamma,
      j->beta, end - begin, j->cols, j->eps);
}

static void
cpu_layernorm (const LucidBackend *be, float *x, const float *residual,
    const float *gamma, const float *beta, gsize rows, gsize cols, float eps)
{
  LayerNormJob job = { x, residual, gamma, beta, cols, eps };
  /* 64 rows (~25k elements, ~20 µs): below that a pool job costs more
   * than it saves */
  lucid_parallel_for (rows, 64, layernorm_range, &job);
}

typedef struct {
  LucidActivation act;
  float *x;
} ActivationJob;

static void
activation_job_range (gsize begin, gsize end, gpointer data)
{
  const ActivationJob *j = data;
  activation_range (j->act, j->x + begin, end - begin);
}

static void
cpu_activation (const LucidBackend *be, LucidActivation act, float *x, gsize n)
{
  ActivationJob job = { act, x };
  lucid_parallel_for (n, 16384, activation_job_range, &job);
}

/* ---- Linear layers over weights packed once (lucid-gemm.c) ------------ */

struct _LucidPackedLinear {
  LucidGemmPacked *gemm;
};

static LucidPackedLinear *
cpu_pack_linear (const LucidBackend *be, const float *w, const float *b,
    gsize n, gsize k)
{
  LucidPackedLinear *p;
  LucidGemmKernel kernel;

  /* LUCID_GEMM_KERNEL=blas: the caller keeps using linear (BLAS) */
  if (!lucid_gemm_kernel_for_process (&kernel) || n == 0 || k == 0)
    return NULL;
  p = g_new (LucidPackedLinear, 1);
  p->gemm = lucid_gemm_pack (kernel, w, b, n, k);
  return p;
}

static void
cpu_free_packed (const LucidBackend *be, LucidPackedLinear *p)
{
  if (p == NULL)
    return;
  lucid_gemm_packed_free (p->gemm);
  g_free (p);
}

typedef struct {
  const float *x;
  const LucidGemmPacked *w;
  float *y;
  gsize m;
  const LucidActivation *act;
} PackedJob;

/* Panels [begin, end): the GEMM, then the activation on the same columns
 * while they are still in cache (one pool job instead of two). */
static void
packed_range (gsize begin, gsize end, gpointer data)
{
  const PackedJob *j = data;
  const gsize n = lucid_gemm_packed_get_n (j->w);
  const gsize k = lucid_gemm_packed_get_k (j->w);
  const gsize nr = lucid_gemm_packed_get_panel_width (j->w);

  lucid_gemm_run (j->w, j->x, k, j->m, j->y, n, begin, end);
  if (j->act != NULL) {
    const gsize c0 = begin * nr, c1 = MIN (n, end * nr);
    for (gsize i = 0; i < j->m; i++)
      activation_range (*j->act, j->y + i * n + c0, c1 - c0);
  }
}

/* Below this many FLOPs a Linear runs on the calling thread: waking a
 * worker costs more than it saves (docs/BENCHMARKS.md). */
#define PARALLEL_MIN_FLOPS 2e6

static void
cpu_linear_packed (const LucidBackend *be, const float *x,
    const LucidPackedLinear *w, float *y, gsize m, const LucidActivation *act)
{
  PackedJob job = { x, w->gemm, y, m, act };
  const gsize panels = lucid_gemm_packed_get_n_panels (w->gemm);
  const double flops = 2.0 * (double) m * lucid_gemm_packed_get_n (w->gemm)
      * lucid_gemm_packed_get_k (w->gemm);

  if (m == 0)
    return;
  lucid_parallel_for (panels, flops < PARALLEL_MIN_FLOPS ? panels : 1,
      packed_range, &job);
}

/* ---- attention ---------------------------------------------------------
 *
 * With a packing kernel (every LUCID_GEMM_KERNEL but blas) attention runs
 * on the fused kernel of lucid-attention.c, its (sequence, head) blocks
 * split over the pool by cost. LUCID_GEMM_KERNEL=blas keeps the path from
 * before it, the comparison the benches time: per head, S = Q·Kᵀ on BLAS
 * into a len × len matrix, softmax_rows, O = P·V on BLAS. */

typedef struct {
  const float *qkv;
  float *out, *probs, *scratch;
  gsize len, heads, head_dim;
  gboolean causal;
  const guint8 *key_mask;      /* NULL or [len] */
} AttentionJob;

/* Heads [begin, end) of one sequence; each head has its own len × len
 * block of @probs or @scratch, so heads run on different threads. */
static void
attention_range (gsize begin, gsize end, gpointer data)
{
  const AttentionJob *j = data;
  const gsize len = j->len, d = j->head_dim;
  const gsize hidden = j->heads * d, stride = 3 * hidden;
  const float scale = 1.0f / sqrtf ((float) d);

  for (gsize h = begin; h < end; h++) {
    const float *q = j->qkv + h * d;
    const float *k = j->qkv + hidden + h * d;
    const float *v = j->qkv + 2 * hidden + h * d;
    float *s = (j->probs != NULL ? j->probs : j->scratch) + h * len * len;

    /* S = scale · Q_h K_hᵀ */
    lucid_blas_sgemm (FALSE, TRUE, len, len, d, scale, q, stride, k, stride,
        0.0f, s, len);
    if (j->causal) {
      for (gsize i = 0; i < len; i++)
        for (gsize c = i + 1; c < len; c++)
          s[i * len + c] = -INFINITY;
    }
    if (j->key_mask != NULL) {
      for (gsize c = 0; c < len; c++)
        if (j->key_mask[c] == 0)
          for (gsize i = 0; i < len; i++)
            s[i * len + c] = -INFINITY;
    }
    softmax_rows (s, len, len);
    /* O_h = P V_h */
    lucid_blas_sgemm (FALSE, FALSE, len, d, len, 1.0f, s, len, v, stride,
        0.0f, j->out + h * d, hidden);
  }
}

/* The BLAS path's len × len matrices (when probabilities are not asked
 * for): per calling thread, kept between calls, freed at thread exit. */
static void
blas_scratch_free (gpointer data)
{
  GArray *a = data;
  g_array_unref (a);
}

static GPrivate blas_scratch_key = G_PRIVATE_INIT (blas_scratch_free);

static float *
blas_attention_scratch (gsize floats)
{
  GArray *a = g_private_get (&blas_scratch_key);
  if (a == NULL) {
    a = g_array_new (FALSE, FALSE, sizeof (float));
    g_private_set (&blas_scratch_key, a);
  }
  if (a->len < floats)
    g_array_set_size (a, floats);
  return (float *) a->data;
}

typedef struct {
  LucidGemmKernel kernel;
  const LucidAttentionBatch *batch;
  gsize n_parts;
} FusedAttentionJob;

static void
fused_attention_range (gsize begin, gsize end, gpointer data)
{
  const FusedAttentionJob *j = data;
  lucid_attention_run (j->kernel, j->batch, begin, end, j->n_parts);
}

/* Below this many multiply-adds attention runs on the calling thread. */
#define ATTENTION_PARALLEL_MIN_COST 5e5

static void
cpu_attention_batch (const LucidBackend *be, const float *qkv, float *out,
    const gsize *seq_offset, gsize n_seqs, gsize heads, gsize head_dim,
    gboolean causal, const guint8 *key_mask, float *probs,
    const gsize *probs_offset)
{
  const LucidAttentionBatch batch = { qkv, out, seq_offset, n_seqs, heads,
    head_dim, causal, key_mask, probs, probs_offset
  };
  FusedAttentionJob job = { LUCID_GEMM_KERNEL_PORTABLE, &batch, 1 };

  if (n_seqs == 0 || heads == 0 || head_dim == 0)
    return;
  if (!lucid_gemm_kernel_for_process (&job.kernel)) {
    /* LUCID_GEMM_KERNEL=blas: the BLAS path, one sequence at a time */
    gsize max_len = 0, poff = 0;
    float *scratch = NULL;

    for (gsize s = 0; s < n_seqs; s++)
      max_len = MAX (max_len, seq_offset[s + 1] - seq_offset[s]);
    if (probs == NULL)
      scratch = blas_attention_scratch (heads * max_len * max_len);
    for (gsize s = 0; s < n_seqs; s++) {
      const gsize len = seq_offset[s + 1] - seq_offset[s];
      AttentionJob aj = { qkv + seq_offset[s] * 3 * heads * head_dim,
        out + seq_offset[s] * heads * head_dim, NULL, scratch, len, heads,
        head_dim, causal,
        key_mask != NULL ? key_mask + seq_offset[s] : NULL
      };
      if (probs != NULL)
        aj.probs = probs + (probs_offset != NULL ? probs_offset[s] : poff);
      poff += heads * len * len;
      if (len > 0)
        lucid_parallel_for (heads, 1, attention_range, &aj);
    }
    return;
  }
  if (lucid_attention_batch_cost (&batch) >= ATTENTION_PARALLEL_MIN_COST)
    job.n_parts = lucid_parallel_get_n_threads ();
  if (job.n_parts <= 1)
    lucid_attention_run (job.kernel, &batch, 0, 1, 1);
  else
    lucid_parallel_for (job.n_parts, 1, fused_attention_range, &job);
}

static void
cpu_attention (const LucidBackend *be, const float *qkv, float *out,
    float *probs, gsize len, gsize heads, gsize head_dim, gboolean causal,
    float *scratch)
{
  LucidGemmKernel kernel;

  if (lucid_gemm_kernel_for_process (&kernel)) {
    const gsize seq_offset[2] = { 0, len };
    cpu_attention_batch (be, qkv, out, seq_offset, 1, heads, head_dim,
        causal, NULL, probs, NULL);
  } else {
    AttentionJob job = { qkv, out, probs, scratch, len, heads, head_dim,
      causal, NULL
    };
    lucid_parallel_for (heads, 1, attention_range, &job);
  }
}

static const LucidBackend cpu_backend = {
  .name = "cpu",
  .linear = cpu_linear,
  .layernorm = cpu_layernorm,
  .activation = cpu_activation,
  .attention = cpu_attention,
  .attention_batch = cpu_attention_batch,
  .pack_linear = cpu_pack_linear,
  .linear_packed = cpu_linear_packed,
  .free_packed = cpu_free_packed,
};

const LucidBackend *
lucid_backend_cpu (GError **error)
{
  return lucid_blas_init (error) ? &cpu_backend : NULL;
}
