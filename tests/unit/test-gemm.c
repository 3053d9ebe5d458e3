/* test-gemm.c — Lucid's packed-weight sgemm (lucid-gemm.c) against a naive
 * double-precision reference, for every kernel this CPU runs, and the CPU
 * backend's packed Linear against its BLAS Linear.
 *
 * Shapes are chosen around the tiles (AVX-512 12×32, AVX2 6×16, portable
 * 6×8): M, N, K of 1, just under / over a tile, and not multiples of it.
 * The bound is the forward error bound of a sum in fp32,
 * |y − ref| ≤ 2·k·ε·Σ|x·w| + ε·|b| (plus a denormal-size floor), so it holds
 * for any summation order and with or without FMA.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-backend.h"
#include "lucid-gemm.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef struct {
  gsize m, n, k;
} Shape;

static const Shape shapes[] = {
  { 1, 1, 1 }, { 1, 37, 1 }, { 5, 3, 1 }, { 1, 384, 384 }, { 2, 2, 2 },
  { 13, 33, 17 }, { 12, 32, 8 }, { 6, 16, 5 }, { 7, 17, 9 }, { 11, 31, 3 },
  { 25, 100, 300 }, { 37, 65, 129 }, { 3, 1, 70 }, { 49, 8, 33 },
  { 130, 70, 40 }, { 24, 96, 1536 }, { 300, 45, 600 },
  /* k just past one slice of KC_MAX (768) and three unequal slices */
  { 14, 33, 769 }, { 9, 40, 1700 },
};

static float
rnd (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return (float) ((*state >> 8) / (double) (1u << 24) * 2.0 - 1.0);
}

static float *
random_matrix (gsize count, guint32 seed)
{
  float *a = g_new (float, MAX (count, 1));
  for (gsize i = 0; i < count; i++)
    a[i] = rnd (&seed);
  return a;
}

/* Checks y (row stride ldy) against X·Wᵀ + b in double. */
static void
check_against_reference (const char *what, const float *x, const float *w,
    const float *b, const float *y, gsize ldy, gsize m, gsize n, gsize k)
{
  for (gsize i = 0; i < m; i++) {
    for (gsize j = 0; j < n; j++) {
      double ref = b != NULL ? b[j] : 0.0, mag = 0.0, bound;
      for (gsize q = 0; q < k; q++) {
        ref += (double) x[i * k + q] * w[j * k + q];
        mag += fabs ((double) x[i * k + q] * w[j * k + q]);
      }
      bound = 2.0 * (k + 1) * FLT_EPSILON * mag
          + FLT_EPSILON * (b != NULL ? fabs (b[j]) : 0.0) + 1e-30;
      if (!(fabs (y[i * ldy + j] - ref) <= bound))
        g_error ("%s %zux%zux%zu: y[%zu][%zu] = %.9g, reference %.9g "
            "(bound %.3g)", what, m, n, k, i, j, y[i * ldy + j], ref, bound);
    }
  }
}

static void
test_kernel (gconstpointer data)
{
  const LucidGemmKernel kernel = GPOINTER_TO_INT (data);

  if (!lucid_gemm_kernel_supported (kernel)) {
    g_test_skip ("this CPU cannot run this kernel");
    return;
  }
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++) {
    const gsize m = shapes[s].m, n = shapes[s].n, k = shapes[s].k;
    float *x = random_matrix (m * k, 1 + s);
    float *w = random_matrix (n * k, 100 + s);
    float *b = random_matrix (n, 200 + s);

    for (int with_bias = 0; with_bias < 2; with_bias++) {
      LucidGemmPacked *p = lucid_gemm_pack (kernel, w, with_bias ? b : NULL,
          n, k);
      const gsize panels = lucid_gemm_packed_get_n_panels (p);
      const gsize ldy = n + 3;           /* a row stride wider than n */
      float *y = g_new (float, m * ldy);
      float *y2 = g_new (float, m * ldy);

      g_assert_cmpuint (lucid_gemm_packed_get_kernel (p), ==, kernel);
      g_assert_cmpuint (panels * lucid_gemm_packed_get_panel_width (p), >=, n);
      /* sentinels: nothing may be written past column n */
      for (gsize i = 0; i < m * ldy; i++)
        y[i] = y2[i] = 12345.0f;
      lucid_gemm_run (p, x, k, m, y, ldy, 0, panels);
      check_against_reference (lucid_gemm_kernel_name (kernel), x, w,
          with_bias ? b : NULL, y, ldy, m, n, k);
      for (gsize i = 0; i < m; i++)
        for (gsize j = n; j < ldy; j++)
          g_assert_cmpfloat (y[i * ldy + j], ==, 12345.0f);

      /* Split into panel ranges (what threads do) and into row ranges:
       * bit-identical to the whole call. */
      for (gsize j = 0; j < panels; j++)
        lucid_gemm_run (p, x, k, m / 2, y2, ldy, j, j + 1);
      lucid_gemm_run (p, x + (m / 2) * k, k, m - m / 2, y2 + (m / 2) * ldy,
          ldy, 0, panels);
      g_assert_cmpmem (y, m * ldy * sizeof (float), y2,
          m * ldy * sizeof (float));

      g_free (y);
      g_free (y2);
      lucid_gemm_packed_free (p);
    }
    g_free (x);
    g_free (w);
    g_free (b);
  }
}

/* The backend's packed Linear (with the fused activation) agrees with its
 * BLAS Linear followed by the activation. */
static void
test_backend_packed_linear (void)
{
  g_autoptr (GError) error = NULL;
  const LucidBackend *be = lucid_backend_cpu (&error);
  const Shape cases[] = { { 1, 384, 384 }, { 32, 1536, 384 }, { 45, 70, 129 },
    { 3, 2, 384 }
  };
  const LucidActivation gelu = LUCID_ACT_GELU;

  g_assert_no_error (error);
  g_assert_nonnull (be->pack_linear);
  for (gsize s = 0; s < G_N_ELEMENTS (cases); s++) {
    const gsize m = cases[s].m, n = cases[s].n, k = cases[s].k;
    float *x = random_matrix (m * k, 7 + s);
    float *w = random_matrix (n * k, 70 + s);
    float *b = random_matrix (n, 700 + s);
    float *y = g_new (float, m * n), *ref = g_new (float, m * n);
    LucidPackedLinear *p = be->pack_linear (be, w, b, n, k);

    if (p == NULL) {
      /* LUCID_GEMM_KERNEL=blas: nothing to compare */
      g_test_message ("packing is off (LUCID_GEMM_KERNEL=blas)");
    } else {
      for (int act = 0; act < 2; act++) {
        double max_err = 0.0, max_ref = 0.0;
        be->linear (be, x, w, b, ref, m, n, k);
        if (act)
          be->activation (be, gelu, ref, m * n);
        be->linear_packed (be, x, p, y, m, act ? &gelu : NULL);
        for (gsize i = 0; i < m * n; i++) {
          max_err = MAX (max_err, fabs ((double) y[i] - ref[i]));
          max_ref = MAX (max_ref, fabs ((double) ref[i]));
        }
        /* DESIGN.md's fp32 tolerance */
        g_assert_cmpfloat (max_err, <=, 1e-4 * MAX (1.0, max_ref) * 0.1);
      }
      be->free_packed (be, p);
    }
    g_free (x);
    g_free (w);
    g_free (b);
    g_free (y);
    g_free (ref);
  }
}

/* LUCID_GEMM_KERNEL chooses the kernel ("blas": none); decided once per
 * process, so each value runs in a subprocess. */
static void
test_kernel_from_environment (void)
{
  const char *values[] = { "portable", "blas", "no-such-kernel" };

  if (g_test_subprocess ()) {
    LucidGemmKernel k = LUCID_GEMM_N_KERNELS;
    /* the unknown name warns (checked below), and must not abort */
    g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    if (lucid_gemm_kernel_for_process (&k))
      g_print ("kernel=%s\n", lucid_gemm_kernel_name (k));
    else
      g_print ("kernel=none\n");
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree char *want = g_strdup_printf ("kernel=%s\n", i == 0 ?
        "portable" : i == 1 ? "none" :
        lucid_gemm_kernel_name (lucid_gemm_kernel_best ()));
    g_setenv ("LUCID_GEMM_KERNEL", values[i], TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed ();
    g_test_trap_assert_stdout (want);
    if (i == 2)
      g_test_trap_assert_stderr ("*unknown kernel*");
  }
  g_unsetenv ("LUCID_GEMM_KERNEL");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int k = 0; k < LUCID_GEMM_N_KERNELS; k++) {
    g_autofree char *path = g_strdup_printf ("/gemm/kernel/%s",
        lucid_gemm_kernel_name ((LucidGemmKernel) k));
    g_test_add_data_func (path, GINT_TO_POINTER (k), test_kernel);
  }
  g_test_add_func ("/gemm/backend-packed-linear", test_backend_packed_linear);
  g_test_add_func ("/gemm/kernel-from-environment",
      test_kernel_from_environment);
  return g_test_run ();
}
