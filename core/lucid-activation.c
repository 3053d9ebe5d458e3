/* lucid-activation.c — the exact GELU, per kernel (see lucid-activation.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-activation.h"
#include "lucid-vecmath.h"
#include "lucid-vecmath-x86.h"

#include <math.h>
#include <string.h>

/* A&S 7.1.26 */
#define ERF_P 0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 -0.284496736f
#define ERF_A3 1.421413741f
#define ERF_A4 -1.453152027f
#define ERF_A5 1.061405429f
#define SQRT1_2 0.70710678118654752f

static void
gelu_portable (float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + lucid_erff (x[i] * SQRT1_2));
}

#ifdef LUCID_VECMATH_X86

static inline __attribute__((always_inline, target ("avx2,fma"))) __m256
gelu_avx2_vec (__m256 x)
{
  const __m256 sign = _mm256_set1_ps (-0.0f);
  const __m256 z = _mm256_mul_ps (x, _mm256_set1_ps (SQRT1_2));
  const __m256 a = _mm256_andnot_ps (sign, z);
  const __m256 y = _mm256_fmadd_ps (_mm256_set1_ps (ERF_P), a,
      _mm256_set1_ps (1.0f));
  const __m256 t0 = _mm256_rcp_ps (y);
  /* t = 1/y: Newton's step t0 + t0·(1 − y·t0) twice from the 12-bit
   * estimate */
  __m256 t = _mm256_fmadd_ps (_mm256_fnmadd_ps (y, t0, _mm256_set1_ps (1.0f)),
      t0, t0);
  __m256 poly, e, erf;

  t = _mm256_fmadd_ps (_mm256_fnmadd_ps (y, t, _mm256_set1_ps (1.0f)), t, t);
  poly = _mm256_fmadd_ps (_mm256_set1_ps (ERF_A5), t, _mm256_set1_ps (ERF_A4));
  poly = _mm256_fmadd_ps (poly, t, _mm256_set1_ps (ERF_A3));
  poly = _mm256_fmadd_ps (poly, t, _mm256_set1_ps (ERF_A2));
  poly = _mm256_fmadd_ps (poly, t, _mm256_set1_ps (ERF_A1));
  poly = _mm256_mul_ps (poly, t);
  e = lucid_exp_avx2 (_mm256_mul_ps (_mm256_xor_ps (a, sign), a));
  erf = _mm256_fnmadd_ps (poly, e, _mm256_set1_ps (1.0f));
  erf = _mm256_or_ps (erf, _mm256_and_ps (z, sign));
  return _mm256_mul_ps (_mm256_mul_ps (_mm256_set1_ps (0.5f), x),
      _mm256_add_ps (_mm256_set1_ps (1.0f), erf));
}

__attribute__((target ("avx2,fma"))) static void
gelu_avx2 (float *x, gsize n)
{
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (x + i, gelu_avx2_vec (_mm256_loadu_ps (x + i)));
  if (i < n) {
    float buf[8] = { 0 };
    memcpy (buf, x + i, (n - i) * sizeof (float));
    _mm256_storeu_ps (buf, gelu_avx2_vec (_mm256_loadu_ps (buf)));
    memcpy (x + i, buf, (n - i) * sizeof (float));
  }
}

static inline __attribute__((always_inline, target ("avx512f"))) __m512
gelu_avx512_vec (__m512 x)
{
  const __m512i sign = _mm512_set1_epi32 ((int) 0x80000000u);
  const __m512 z = _mm512_mul_ps (x, _mm512_set1_ps (SQRT1_2));
  const __m512 a = _mm512_abs_ps (z);
  const __m512 y = _mm512_fmadd_ps (_mm512_set1_ps (ERF_P), a,
      _mm512_set1_ps (1.0f));
  const __m512 t0 = _mm512_rcp14_ps (y);
  /* t = 1/y: one Newton step t0 + t0·(1 − y·t0) from the 14-bit estimate */
  const __m512 t = _mm512_fmadd_ps (_mm512_fnmadd_ps (y, t0,
          _mm512_set1_ps (1.0f)), t0, t0);
  __m512 poly, e, erf;

  poly = _mm512_fmadd_ps (_mm512_set1_ps (ERF_A5), t, _mm512_set1_ps (ERF_A4));
  poly = _mm512_fmadd_ps (poly, t, _mm512_set1_ps (ERF_A3));
  poly = _mm512_fmadd_ps (poly, t, _mm512_set1_ps (ERF_A2));
  poly = _mm512_fmadd_ps (poly, t, _mm512_set1_ps (ERF_A1));
  poly = _mm512_mul_ps (poly, t);
  e = lucid_exp_avx512 (_mm512_mul_ps (_mm512_sub_ps (_mm512_setzero_ps (),
              a), a));
  erf = _mm512_fnmadd_ps (poly, e, _mm512_set1_ps (1.0f));
  /* copysign (erf, z): erf ≥ 0 here */
  erf = _mm512_castsi512_ps (_mm512_or_epi32 (_mm512_castps_si512 (erf),
          _mm512_and_epi32 (_mm512_castps_si512 (z), sign)));
  return _mm512_mul_ps (_mm512_mul_ps (_mm512_set1_ps (0.5f), x),
      _mm512_add_ps (_mm512_set1_ps (1.0f), erf));
}

__attribute__((target ("avx512f"))) static void
gelu_avx512 (float *x, gsize n)
{
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps (x + i, gelu_avx512_vec (_mm512_loadu_ps (x + i)));
  if (i < n) {
    const __mmask16 m = (__mmask16) ((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps (x + i, m,
        gelu_avx512_vec (_mm512_maskz_loadu_ps (m, x + i)));
  }
}

#endif /* LUCID_VECMATH_X86 */

void
lucid_activation_gelu (LucidGemmKernel kernel, float *x, gsize n)
{
  switch (kernel) {
#ifdef LUCID_VECMATH_X86
    case LUCID_GEMM_KERNEL_AVX512:
      gelu_avx512 (x, n);
      break;
    case LUCID_GEMM_KERNEL_AVX2:
      gelu_avx2 (x, n);
      break;
#endif
    default:
      gelu_portable (x, n);
      break;
  }
}
