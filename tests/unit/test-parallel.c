/* test-parallel.c — the compute pool and the run-time BLAS loader.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-blas.h"
#include "lucid-parallel.h"

#include <string.h>

typedef struct {
  gint *hits;
} Visit;

static void
visit_range (gsize begin, gsize end, gpointer data)
{
  Visit *v = data;
  for (gsize i = begin; i < end; i++)
    g_atomic_int_inc (&v->hits[i]);
}

/* Every index of the range is visited exactly once, for sizes around the
 * grain and the thread count. */
static void
test_every_index_once (void)
{
  const gsize sizes[] = { 0, 1, 2, 3, 63, 64, 65, 127, 1000, 4097 };
  const gsize grains[] = { 1, 7, 64 };

  for (gsize a = 0; a < G_N_ELEMENTS (sizes); a++) {
    for (gsize b = 0; b < G_N_ELEMENTS (grains); b++) {
      Visit v = { g_new0 (gint, MAX (sizes[a], 1)) };
      lucid_parallel_for (sizes[a], grains[b], visit_range, &v);
      for (gsize i = 0; i < sizes[a]; i++) {
        if (v.hits[i] != 1)
          g_error ("n=%zu grain=%zu: index %zu visited %d times", sizes[a],
              grains[b], i, v.hits[i]);
      }
      g_free (v.hits);
    }
  }
}

static gpointer
hammer (gpointer data)
{
  for (int r = 0; r < 200; r++) {
    Visit v = { g_new0 (gint, 512) };
    lucid_parallel_for (512, 8, visit_range, &v);
    for (gsize i = 0; i < 512; i++)
      g_assert_cmpint (v.hits[i], ==, 1);
    g_free (v.hits);
  }
  return NULL;
}

/* Two callers at once (two pipelines): the one that finds the pool busy
 * runs alone; both complete correctly and nothing deadlocks. */
static void
test_concurrent_callers (void)
{
  GThread *a = g_thread_new ("caller-a", hammer, NULL);
  GThread *b = g_thread_new ("caller-b", hammer, NULL);
  g_thread_join (a);
  g_thread_join (b);
}

static void
test_thread_count_from_environment (void)
{
  /* LUCID_NUM_THREADS is read once, when the pool starts: run in a
   * subprocess so this process's pool is not the one under test. */
  if (g_test_subprocess ()) {
    g_print ("threads=%u\n", lucid_parallel_get_n_threads ());
    return;
  }
  g_setenv ("LUCID_NUM_THREADS", "3", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("threads=3\n");
  g_unsetenv ("LUCID_NUM_THREADS");
}

static void
test_blas_loads_and_multiplies (void)
{
  g_autoptr (GError) err = NULL;
  /* [2×3]·[2×3]ᵀ */
  const float a[] = { 1, 2, 3, 4, 5, 6 };
  const float b[] = { 1, 0, 1, 0, 1, 0 };
  float c[4] = { 0 };

  g_assert_true (lucid_blas_init (&err));
  g_assert_no_error (err);
  lucid_blas_sgemm (FALSE, TRUE, 2, 2, 3, 1.0f, a, 3, b, 3, 0.0f, c, 2);
  g_assert_cmpfloat (c[0], ==, 4.0f);
  g_assert_cmpfloat (c[1], ==, 2.0f);
  g_assert_cmpfloat (c[2], ==, 10.0f);
  g_assert_cmpfloat (c[3], ==, 5.0f);
  g_assert_nonnull (strstr (lucid_blas_describe (), "core"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/parallel/every-index-once", test_every_index_once);
  g_test_add_func ("/parallel/concurrent-callers", test_concurrent_callers);
  g_test_add_func ("/parallel/thread-count-from-environment",
      test_thread_count_from_environment);
  g_test_add_func ("/blas/loads-and-multiplies",
      test_blas_loads_and_multiplies);
  return g_test_run ();
}
