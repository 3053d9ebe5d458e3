/* lucid-activation.h — GELU (the exact, erf form) for the CPU backend,
 * hand-vectorised per kernel like lucid-gemm.h's.
 *
 *   gelu(x) = x/2 · (1 + erf(x/√2))
 *
 * erf is Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 (the formula
 * of lucid-vecmath.h's lucid_erff and of PyTorch's own vectorised CPU erf),
 * evaluated with FMAs; AVX2 and AVX-512 take 1/(1 + p·|x|) from the
 * reciprocal estimate and one Newton step (~1 ulp) instead of a division,
 * which was most of the time of the compiler-vectorised loop. Every element
 * gets the same arithmetic whatever its position (the last few go through
 * masks or a padded buffer), so results do not depend on how a caller
 * splits the array over threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-gemm.h"

G_BEGIN_DECLS

/* x[n] ← gelu (x[n]) with @kernel's code; @kernel must be supported. */
void lucid_activation_gelu (LucidGemmKernel kernel, float *x, gsize n);

G_END_DECLS
