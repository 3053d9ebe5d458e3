/* lucid-gemm.h — Lucid's own sgemm for Linear layers, over weights packed
 * once.
 *
 * Y[m×n] = X[m×k] · W[n×k]ᵀ + b[n]: W (and b) are packed when the model
 * loads into panels of NR output features, each panel k rows of NR floats
 * (zero-padded past n), so a call never repacks the weights (OpenBLAS's
 * cblas_sgemm repacks them on every call). The micro-kernel for the CPU is
 * chosen at run time: AVX-512 (12×32 tile), AVX2+FMA (6×16) or portable C
 * vector code (6×8). A packed weight is built for one kernel and only that
 * kernel runs it. See docs/architecture.md, "GEMM".
 *
 * Every output element is one sequential sum over k in the same order
 * whatever the split into panels, rows or threads, so results do not depend
 * on the number of threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LUCID_GEMM_KERNEL_PORTABLE,  /* C vector extensions, any CPU */
  LUCID_GEMM_KERNEL_AVX2,      /* AVX2 + FMA */
  LUCID_GEMM_KERNEL_AVX512,    /* AVX-512F */
  LUCID_GEMM_N_KERNELS
} LucidGemmKernel;

typedef struct _LucidGemmPacked LucidGemmPacked;

/* Whether this CPU (and this build) can run @kernel. */
gboolean lucid_gemm_kernel_supported (LucidGemmKernel kernel);
/* The fastest supported kernel. */
LucidGemmKernel lucid_gemm_kernel_best (void);
/* "avx512", "avx2", "portable". */
const char *lucid_gemm_kernel_name (LucidGemmKernel kernel);
/* Parses a kernel name; FALSE when unknown. */
gboolean lucid_gemm_kernel_from_name (const char *name, LucidGemmKernel *out);

/* The kernel this process packs for: $LUCID_GEMM_KERNEL (avx512, avx2,
 * portable) when set and supported (a warning otherwise), else the best.
 * FALSE when $LUCID_GEMM_KERNEL is "blas": packing is off, and Linear
 * layers go to BLAS. Decided once per process. */
gboolean lucid_gemm_kernel_for_process (LucidGemmKernel *kernel);

/* Packs W[n×k] (row-major, a PyTorch Linear weight) and the optional bias
 * b[n] for @kernel, which must be supported. n, k ≥ 1. */
LucidGemmPacked *lucid_gemm_pack (LucidGemmKernel kernel, const float *w,
    const float *b, gsize n, gsize k);
void lucid_gemm_packed_free (LucidGemmPacked *p);

gsize lucid_gemm_packed_get_n (const LucidGemmPacked *p);
gsize lucid_gemm_packed_get_k (const LucidGemmPacked *p);
/* Output features per panel (NR) and the number of panels (⌈n / NR⌉). */
gsize lucid_gemm_packed_get_panel_width (const LucidGemmPacked *p);
gsize lucid_gemm_packed_get_n_panels (const LucidGemmPacked *p);
LucidGemmKernel lucid_gemm_packed_get_kernel (const LucidGemmPacked *p);

/* Columns of panels [panel_begin, panel_end) of Y = X · Wᵀ + b: X is
 * [m × k] with row stride @ldx, Y has row stride @ldy. Calls for disjoint
 * panel ranges may run on different threads at once. */
void lucid_gemm_run (const LucidGemmPacked *p, const float *x, gsize ldx,
    gsize m, float *y, gsize ldy, gsize panel_begin, gsize panel_end);

G_END_DECLS
