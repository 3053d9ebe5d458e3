/* lucid-vecmath-x86.h — exp for AVX2+FMA and AVX-512F registers, for the
 * CPU backend's hand-vectorised kernels (lucid-attention.c,
 * lucid-activation.c).
 *
 * The exp of lucid-vecmath.h — Cody–Waite reduction x = n·ln2 + r, Cephes'
 * degree-6 polynomial for e^r, times 2^n — with FMAs, and exactly 0 below
 * LUCID_EXP_FLUSH (e^-87 ≈ 1.6e-38: the softmax's masked −inf entries
 * become 0, and nothing else that small matters next to a row's maximum,
 * which contributes 1). NaN stays NaN. Relative error ~2 ulp.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define LUCID_EXP_FLUSH -87.0f

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LUCID_VECMATH_X86 1
#include <immintrin.h>

#define EXP_LOG2E 1.44269504088896341f
#define EXP_C1 0.693359375f
#define EXP_C2 -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

static inline __attribute__((always_inline, target ("avx2,fma"))) __m256
lucid_exp_avx2 (__m256 x)
{
  const __m256 under = _mm256_cmp_ps (x, _mm256_set1_ps (LUCID_EXP_FLUSH),
      _CMP_LT_OQ);
  __m256 n, r, p, pow2n;

  /* max/min return their second operand when one is NaN: NaN stays */
  x = _mm256_max_ps (_mm256_set1_ps (LUCID_EXP_FLUSH), x);
  x = _mm256_min_ps (_mm256_set1_ps (88.0f), x);
  n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (EXP_LOG2E)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (EXP_C1), x);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (EXP_C2), r);
  p = _mm256_set1_ps (EXP_P0);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (EXP_P1));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (EXP_P2));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (EXP_P3));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (EXP_P4));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (EXP_P5));
  p = _mm256_fmadd_ps (p, _mm256_mul_ps (r, r), r);
  p = _mm256_add_ps (p, _mm256_set1_ps (1.0f));
  /* n ∈ [−126, 127]: 2^n is a normal float built from its exponent bits */
  pow2n = _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_add_epi32
          (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)), 23));
  return _mm256_andnot_ps (under, _mm256_mul_ps (p, pow2n));
}

static inline __attribute__((always_inline, target ("avx512f"))) __m512
lucid_exp_avx512 (__m512 x)
{
  const __mmask16 under = _mm512_cmp_ps_mask (x, _mm512_set1_ps (LUCID_EXP_FLUSH),
      _CMP_LT_OQ);
  __m512 n, r, p;

  /* no clamping: scalef takes any n (the lanes below LUCID_EXP_FLUSH are zeroed
   * anyway; softmax never passes x > 0) */
  n = _mm512_roundscale_ps (_mm512_mul_ps (x, _mm512_set1_ps (EXP_LOG2E)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (EXP_C1), x);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (EXP_C2), r);
  p = _mm512_set1_ps (EXP_P0);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (EXP_P1));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (EXP_P2));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (EXP_P3));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (EXP_P4));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (EXP_P5));
  p = _mm512_fmadd_ps (p, _mm512_mul_ps (r, r), r);
  p = _mm512_add_ps (p, _mm512_set1_ps (1.0f));
  return _mm512_maskz_mov_ps ((__mmask16) ~under, _mm512_scalef_ps (p, n));
}

#endif
