/* lucid-vecmath.h — exp and erf that compilers vectorize.
 *
 * libm's expf/erff are scalar calls, so the loops that apply them to every
 * element of an activation or attention matrix cannot be vectorized, and on
 * MiniLM they cost as much as the GEMMs. These inline versions are
 * branch-free (GCC and clang turn the loops into AVX-512/AVX2 code where the
 * caller is compiled for it):
 *
 *   lucid_expf: Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-6
 *               polynomial for e^r (Cephes' coefficients), scaled by 2^n
 *               through the exponent bits. Relative error ~2 ulp on
 *               [-87, 88]; below -87 it returns ~1e-38, not 0 (callers that
 *               need an exact 0 for -inf handle it, see softmax_rows).
 *   lucid_erff: Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 — the
 *               formula PyTorch's own vectorized CPU erf uses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float
lucid_expf (float x)
{
  float n, r, p, scale;
  int32_t bits;

  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  /* round to nearest by the 1.5·2^23 trick: floorf() is a libm call on
   * baseline x86-64 and would stop the vectorizer */
  n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  bits = ((int32_t) n + 127) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float
lucid_erff (float x)
{
  const float a = fabsf (x);
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  const float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f)
          * t - 0.284496736f) * t + 0.254829592f) * t;
  return copysignf (1.0f - poly * lucid_expf (-a * a), x);
}
