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

  /* Optional (NULL means "call attention per sequence"): multi-head
   * attention of every sequence of a packed batch in one call, so the
   * backend can spread (sequence, head) blocks over its threads.
   * qkv: [T × 3·hidden] (T = seq_offset[n_seqs]), out: [T × hidden],
   * seq_offset: [n_seqs + 1] token offsets. causal as above. key_mask
   * (optional): [T], 0 for a key (padding) no query may attend to; a query
   * with every key masked gets zeros. probs (optional): sequence s's
   * [heads × len × len] probabilities at probs + probs_offset[s], or, when
   * probs_offset is NULL, one block after the other. The backend needs no
   * scratch from the caller. */
  void (*attention_batch) (const LucidBackend *be, const float *qkv,
      float *out, const gsize *seq_offset, gsize n_seqs, gsize heads,
      gsize head_dim, gboolean causal, const guint8 *key_mask, float *probs,
      const gsize *probs_offset);

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
