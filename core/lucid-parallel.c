/* lucid-parallel.c — one thread pool per process for the CPU backend.
 *
 * DESIGN.md: one Lucid pool sized to the cores drives the compute, and BLAS
 * runs single-threaded inside it, so nothing oversubscribes the cores. The
 * pool starts n−1 workers on first use; a job is a range split into one
 * chunk per thread, the caller running chunk 0. Workers sleep on a condition
 * variable between jobs (a forward pass issues a few dozen jobs, so the
 * ~10 µs wake-up is noise next to the GEMMs).
 *
 * Only one job runs at a time. A caller that finds the pool busy — another
 * streaming thread is in a forward pass — runs its range alone rather than
 * queue behind it: the cores are already busy, and a queue would couple the
 * latency of independent pipelines.
 *
 * Locks: pool.lock guards the job fields and counters; pool.busy (a separate
 * atomic flag) is only taken with a compare-and-swap, never waited on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-parallel.h"
#include "lucid-blas.h"

#include <stdlib.h>

static struct {
  GMutex lock;
  GCond wake, done;
  guint n_threads;             /* workers + caller */
  guint64 generation;          /* bumped per job */
  LucidRangeFunc func;
  gpointer data;
  gsize n, chunk;
  guint pending;               /* workers still running the job */
  gint busy;                   /* a job is in flight (atomic) */
} pool;

static gpointer
worker_main (gpointer index_ptr)
{
  const guint index = GPOINTER_TO_UINT (index_ptr);
  guint64 seen = 0;

  g_mutex_lock (&pool.lock);
  for (;;) {
    LucidRangeFunc func;
    gpointer data;
    gsize begin, end;

    while (pool.generation == seen)
      g_cond_wait (&pool.wake, &pool.lock);
    seen = pool.generation;
    func = pool.func;
    data = pool.data;
    begin = MIN (pool.n, index * pool.chunk);
    end = MIN (pool.n, begin + pool.chunk);
    g_mutex_unlock (&pool.lock);

    if (begin < end)
      func (begin, end, data);

    g_mutex_lock (&pool.lock);
    if (--pool.pending == 0)
      g_cond_signal (&pool.done);
  }
  return NULL;
}

static gpointer
start_pool (gpointer unused)
{
  const char *env = g_getenv ("LUCID_NUM_THREADS");
  gint64 n = env != NULL ? g_ascii_strtoll (env, NULL, 10) : 0;

  pool.n_threads = n > 0 ? (guint) MIN (n, 256) : g_get_num_processors ();
  /* BLAS runs inside the pool's chunks: one thread each (also with a pool
   * of one, or LUCID_NUM_THREADS=1 would still use every core). */
  lucid_blas_set_num_threads (1);
  for (guint i = 1; i < pool.n_threads; i++) {
    GThread *t = g_thread_new ("lucid-compute", worker_main,
        GUINT_TO_POINTER (i));
    g_thread_unref (t);        /* workers live as long as the process */
  }
  return NULL;
}

guint
lucid_parallel_get_n_threads (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, start_pool, NULL);
  return pool.n_threads;
}

void
lucid_parallel_for (gsize n, gsize grain, LucidRangeFunc func, gpointer data)
{
  const guint threads = lucid_parallel_get_n_threads ();
  gsize chunk;

  grain = MAX (grain, 1);
  if (threads <= 1 || n <= grain
      || !g_atomic_int_compare_and_exchange (&pool.busy, 0, 1)) {
    if (n > 0)
      func (0, n, data);
    return;
  }
  /* one chunk per thread, rounded up to a multiple of the grain */
  chunk = (n + threads - 1) / threads;
  chunk = (chunk + grain - 1) / grain * grain;

  g_mutex_lock (&pool.lock);
  pool.func = func;
  pool.data = data;
  pool.n = n;
  pool.chunk = chunk;
  pool.pending = threads - 1;
  pool.generation++;
  g_cond_broadcast (&pool.wake);
  g_mutex_unlock (&pool.lock);

  func (0, MIN (chunk, n), data);

  g_mutex_lock (&pool.lock);
  while (pool.pending > 0)
    g_cond_wait (&pool.done, &pool.lock);
  g_mutex_unlock (&pool.lock);
  g_atomic_int_set (&pool.busy, 0);
}
