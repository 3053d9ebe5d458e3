/* lucid-backend.h — the small set of operations an encoder's forward pass needs.
 *
 * Forward functions (lucid-bert.c, later ViT/CLIP/AST) are written once over
 * this vtable; the CPU backend (lucid-backend-cpu.c) implements it with BLAS
 * for GEMM and plain loops elsewhere, the CUDA backend (kernels/) with cuBLAS
 * and its own kernels. All matrices are row-major float32; pointers are
 * backend memory (host memory for the CPU backend).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-model-config.h"

G_BEGIN_DECLS

typedef struct _LucidBackend LucidBackend;

/* A Linear layer's weight and bias in the backend's own layout, made once
 * when a model loads and owned by that model (free_packed). */
typedef struct _LucidPackedLinear LucidPackedLinear;

struct _LucidBackend {
  const char *name;

  /* Y[m×n] = X[m×k] · W[n×k]ᵀ + b[n] (b may be NULL): a PyTorch Linear. */
  void (*linear) (const LucidBackend *be, const float *x, const float *w,
      const float *b, float *y, gsize m, gsize n, gsize k);

  /* x[rows×cols] ← LayerNorm(x + residual) · gamma + beta; residual may be
   * NULL. Statistics in double for fidelity with the reference. */
  void (*layernorm) (const LucidBackend *be, float *x, const float *residual,
      const float *gamma, const float *beta, gsize rows, gsize cols, float eps);

  /* x[n] ← act(x[n]) */
  void (*activation) (const LucidBackend *be, LucidActivation act, float *x,
      gsize n);

  /* Multi-head attention of one sequence.
   * qkv: [len × 3·hidden] rows holding q | k | v, head h at columns h·d.
   * out: [len × hidden]. probs (optional, may be NULL): [heads × len × len]
   * receives the softmax probabilities. causal: mask j > i (CLIP text).
   * scratch: at least heads × len × len floats (used when probs is NULL;
   * heads may run on different threads). */
  void (*attention) (const LucidBackend *be, const float *qkv, float *out,
      float *probs, gsize len, gsize heads, gsize head_dim, gboolean causal,
      float *scratch);

  /* Optional (NULL, or pack_linear returning NULL, means "use linear"):
   * pack W[n×k] and b[n] (b may be NULL) once, then
   * Y[m×n] = act(X[m×k] · Wᵀ + b) from the packed form, act applied when
   * @act is not NULL. W and b are copied: the caller may unmap them. */
  LucidPackedLinear *(*pack_linear) (const LucidBackend *be, const float *w,
      const float *b, gsize n, gsize k);
  void (*linear_packed) (const LucidBackend *be, const float *x,
      const LucidPackedLinear *w, float *y, gsize m,
      const LucidActivation *act);
  void (*free_packed) (const LucidBackend *be, LucidPackedLinear *w);
};

/* The process-wide CPU backend, or NULL with an error when its BLAS
 * library cannot be loaded. */
const LucidBackend *lucid_backend_cpu (GError **error);

G_END_DECLS
