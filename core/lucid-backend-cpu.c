/* lucid-backend-cpu.c — the CPU backend: BLAS GEMMs and plain loops.
 *
 * GEMMs go to the system CBLAS (OpenBLAS on Debian, loaded by
 * lucid-blas.c). Everything else is a
 * straight loop over rows; LayerNorm accumulates in double so that small
 * hidden sizes match PyTorch's fp32 kernels to ~1e-6.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-backend.h"
#include "lucid-blas.h"
#include "lucid-vecmath.h"

#include <math.h>
#include <string.h>

static void
cpu_linear (const LucidBackend *be, const float *x, const float *w,
    const float *b, float *y, gsize m, gsize n, gsize k)
{
  if (m == 0 || n == 0)
    return;
  if (b != NULL) {
    for (gsize i = 0; i < m; i++)
      memcpy (y + i * n, b, n * sizeof (float));
  }
  lucid_blas_sgemm (FALSE, TRUE, m, n, k, 1.0f, x, k, w, k,
      b != NULL ? 1.0f : 0.0f, y, n);
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

LUCID_MULTIVERSION static void
cpu_layernorm (const LucidBackend *be, float *x, const float *residual,
    const float *gamma, const float *beta, gsize rows, gsize cols, float eps)
{
  for (gsize r = 0; r < rows; r++) {
    float *row = x + r * cols;
    double mean = 0, var = 0, inv;
    if (residual != NULL) {
      const float *res = residual + r * cols;
      for (gsize c = 0; c < cols; c++)
        row[c] += res[c];
    }
    for (gsize c = 0; c < cols; c++)
      mean += row[c];
    mean /= (double) cols;
    for (gsize c = 0; c < cols; c++) {
      double d = row[c] - mean;
      var += d * d;
    }
    var /= (double) cols;
    inv = 1.0 / sqrt (var + (double) eps);
    for (gsize c = 0; c < cols; c++)
      row[c] = (float) ((row[c] - mean) * inv) * gamma[c] + beta[c];
  }
}

LUCID_MULTIVERSION static void
cpu_activation (const LucidBackend *be, LucidActivation act, float *x, gsize n)
{
  switch (act) {
    case LUCID_ACT_GELU:
      for (gsize i = 0; i < n; i++)
        x[i] = 0.5f * x[i] * (1.0f + lucid_erff (x[i] * (float) M_SQRT1_2));
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
 * whose every entry is -inf become zeros. */
LUCID_MULTIVERSION static void
softmax_rows (float *s, gsize rows, gsize cols)
{
  for (gsize r = 0; r < rows; r++) {
    float *row = s + r * cols;
    float max = -INFINITY, sum = 0.0f;
    for (gsize c = 0; c < cols; c++)
      max = row[c] > max ? row[c] : max;
    if (max == -INFINITY) {
      memset (row, 0, cols * sizeof (float));
      continue;
    }
    for (gsize c = 0; c < cols; c++)
      row[c] = row[c] == -INFINITY ? 0.0f : lucid_expf (row[c] - max);
    for (gsize c = 0; c < cols; c++)
      sum += row[c];
    for (gsize c = 0; c < cols; c++)
      row[c] /= sum;
  }
}

static void
cpu_attention (const LucidBackend *be, const float *qkv, float *out,
    float *probs, gsize len, gsize heads, gsize head_dim, gboolean causal,
    float *scratch)
{
  const gsize hidden = heads * head_dim, stride = 3 * hidden;
  const float scale = 1.0f / sqrtf ((float) head_dim);

  for (gsize h = 0; h < heads; h++) {
    const float *q = qkv + h * head_dim;
    const float *k = qkv + hidden + h * head_dim;
    const float *v = qkv + 2 * hidden + h * head_dim;
    float *s = probs != NULL ? probs + h * len * len : scratch;

    /* S = scale · Q_h K_hᵀ */
    lucid_blas_sgemm (FALSE, TRUE, len, len, head_dim, scale, q, stride, k,
        stride, 0.0f, s, len);
    if (causal) {
      for (gsize i = 0; i < len; i++)
        for (gsize j = i + 1; j < len; j++)
          s[i * len + j] = -INFINITY;
    }
    softmax_rows (s, len, len);
    /* O_h = P V_h */
    lucid_blas_sgemm (FALSE, FALSE, len, head_dim, len, 1.0f, s, len, v,
        stride, 0.0f, out + h * head_dim, hidden);
  }
}

static const LucidBackend cpu_backend = {
  .name = "cpu",
  .linear = cpu_linear,
  .layernorm = cpu_layernorm,
  .activation = cpu_activation,
  .attention = cpu_attention,
};

const LucidBackend *
lucid_backend_cpu (GError **error)
{
  return lucid_blas_init (error) ? &cpu_backend : NULL;
}
