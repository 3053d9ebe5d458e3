/* test-activation.c — the exact (erf) GELU of the CPU backend against
 * double precision: lucid_erff (lucid-vecmath.h) against libm's double erf
 * over a dense range, and lucid_activation_gelu for every kernel this CPU
 * runs (and the backend's activation op) against the double GELU.
 *
 * Bounds: Abramowitz & Stegun 7.1.26 is within 1.5e-7 of erf; evaluating
 * it in fp32 (1 − poly·e^(−x²) near 0.7) adds up to ~6 units of 2^-24,
 * so |erf error| ≤ 5e-7, and
 * gelu(x) = x/2 · (1 + erf(x/√2)) inherits |x|/2 of that plus its own
 * rounding. DESIGN.md's tolerance for a whole forward pass is 1e-4.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-activation.h"
#include "lucid-backend.h"
#include "lucid-vecmath.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define ERF_BOUND 5e-7

/* x in [-10, 10] every 2^-11, plus a few special values */
static float *
dense_inputs (gsize *n)
{
  const gsize steps = 20 * 2048 + 1;
  float *x = g_new (float, steps + 6);
  for (gsize i = 0; i < steps; i++)
    x[i] = -10.0f + (float) i / 2048.0f;
  x[steps] = 1e-30f;
  x[steps + 1] = -1e-30f;
  x[steps + 2] = 30.0f;
  x[steps + 3] = -30.0f;
  x[steps + 4] = 1e-4f;
  x[steps + 5] = -3.3e-3f;
  *n = steps + 6;
  return x;
}

static void
test_erff (void)
{
  gsize n;
  g_autofree float *x = dense_inputs (&n);
  double worst = 0.0;

  for (gsize i = 0; i < n; i++) {
    const double ref = erf ((double) x[i]);
    const double err = fabs ((double) lucid_erff (x[i]) - ref);
    if (!(err <= ERF_BOUND))
      g_error ("lucid_erff (%.9g) = %.9g, erf = %.12g (error %.3g)", x[i],
          lucid_erff (x[i]), ref, err);
    worst = MAX (worst, err);
  }
  /* odd, and saturating */
  g_assert_cmpfloat (lucid_erff (0.0f), ==, 0.0f);
  g_assert_cmpfloat (lucid_erff (-2.5f), ==, -lucid_erff (2.5f));
  g_assert_cmpfloat (lucid_erff (INFINITY), ==, 1.0f);
  g_assert_cmpfloat (lucid_erff (-INFINITY), ==, -1.0f);
  g_test_message ("lucid_erff: max error %.3g over %zu points", worst, n);
}

static double
gelu_ref (double x)
{
  return 0.5 * x * (1.0 + erf (x / sqrt (2.0)));
}

static void
check_gelu (const char *what, const float *x, const float *y, gsize n)
{
  double worst = 0.0;
  for (gsize i = 0; i < n; i++) {
    const double ref = gelu_ref (x[i]);
    const double bound = 0.5 * fabs (x[i]) * ERF_BOUND
        + 4.0 * FLT_EPSILON * fabs (ref) + 1e-37;
    const double err = fabs ((double) y[i] - ref);
    if (!(err <= bound))
      g_error ("%s: gelu (%.9g) = %.9g, reference %.12g (error %.3g, bound "
          "%.3g)", what, x[i], y[i], ref, err, bound);
    worst = MAX (worst, err / MAX (1.0, fabs (ref)));
  }
  g_test_message ("%s: max error / max(1, |gelu|) %.3g", what, worst);
}

static void
test_gelu_kernel (gconstpointer data)
{
  const LucidGemmKernel kernel = GPOINTER_TO_INT (data);
  gsize n;
  g_autofree float *x = NULL, *y = NULL, *y1 = NULL;

  if (!lucid_gemm_kernel_supported (kernel)) {
    g_test_skip ("this CPU cannot run this kernel");
    return;
  }
  x = dense_inputs (&n);
  y = g_memdup2 (x, n * sizeof (float));
  lucid_activation_gelu (kernel, y, n);
  check_gelu (lucid_gemm_kernel_name (kernel), x, y, n);

  /* an element's result does not depend on where it sits (vector body or
   * tail): what makes the backend's results independent of threads */
  y1 = g_memdup2 (x, n * sizeof (float));
  for (gsize i = 0; i < n;) {
    const gsize len = MIN (n - i, 1 + i % 19);
    lucid_activation_gelu (kernel, y1 + i, len);
    i += len;
  }
  g_assert_cmpmem (y, n * sizeof (float), y1, n * sizeof (float));
  /* n = 0 touches nothing */
  lucid_activation_gelu (kernel, NULL, 0);
}

static void
test_backend_gelu (void)
{
  g_autoptr (GError) error = NULL;
  const LucidBackend *be = lucid_backend_cpu (&error);
  gsize n;
  g_autofree float *x = NULL, *y = NULL;

  g_assert_no_error (error);
  x = dense_inputs (&n);
  y = g_memdup2 (x, n * sizeof (float));
  be->activation (be, LUCID_ACT_GELU, y, n);
  check_gelu ("backend activation", x, y, n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/activation/erff-vs-double", test_erff);
  for (int k = 0; k < LUCID_GEMM_N_KERNELS; k++) {
    g_autofree char *path = g_strdup_printf ("/activation/gelu/%s",
        lucid_gemm_kernel_name ((LucidGemmKernel) k));
    g_test_add_data_func (path, GINT_TO_POINTER (k), test_gelu_kernel);
  }
  g_test_add_func ("/activation/backend-gelu", test_backend_gelu);
  return g_test_run ();
}
