/* lucid-blas.h — the one place liblucid reaches BLAS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Loads the BLAS library once per process (see lucid-blas.c for why it is
 * loaded at run time). Every entry point that leads to a GEMM (model loads)
 * calls it first; the error names the library and the loader's message. */
gboolean lucid_blas_init (GError **error);

/* Row-major C[m×n] = alpha · op(A) · op(B) + beta · C, op = transpose when
 * the flag is set. lucid_blas_init() must have succeeded. */
void lucid_blas_sgemm (gboolean trans_a, gboolean trans_b, gsize m, gsize n,
    gsize k, float alpha, const float *a, gsize lda, const float *b, gsize ldb,
    float beta, float *c, gsize ldc);

/* Threads BLAS may use for one call (no-op when the library cannot say). */
void lucid_blas_set_num_threads (int n);

/* "OpenBLAS 0.3.21 ... core SkylakeX (chosen by Lucid: ...)" — for logs,
 * provenance and benchmarks. Valid after a successful lucid_blas_init(). */
const char *lucid_blas_describe (void);

G_END_DECLS
