/* lucid-parallel.c — one thread pool per process for the CPU backend.
 *
 * DESIGN.md: one Lucid pool sized to the cores drives the compute, and BLAS
 * runs single-threaded inside it, so nothing oversubscribes the cores. The
 * pool starts n−1 workers on first use; a job is a range split into one
 * chunk per thread, the caller running chunk 0.
 *
 * Between jobs a worker spins (polling the job counter with `pause`) for
 * LUCID_SPIN_US µs (default 200) before it sleeps on a condition variable,
 * and a caller spins on the count of unfinished chunks the same way before
 * it sleeps: waking a sleeping thread costs ~80 µs on a 2-vCPU VM (futex
 * wake-up + IPI to a halted vCPU), and a forward pass at batch 1 issues
 * ~40 jobs of 50–500 µs each (docs/BENCHMARKS.md). A pool left idle goes
 * to sleep after the spin, so an idle pipeline costs no CPU.
 *
 * Only one job runs at a time. A caller that finds the pool busy — another
 * streaming thread is in a forward pass — runs its range alone rather than
 * queue behind it: the cores are already busy, and a queue would couple the
 * latency of independent pipelines.
 *
 * Synchronisation: the job fields are written before pool.generation is
 * bumped (release) and read after it is seen (acquire); pool.pending is
 * atomic. pool.lock + the conditions only serve the sleeping side (bump and
 * broadcast under the lock; decrement-to-zero signals under the lock), so
 * no wake-up is lost. pool.busy (a separate atomic flag) is only taken with
 * a compare-and-swap, never waited on.
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
  gint64 spin_us;              /* spin this long before sleeping */
  guint64 generation;          /* bumped per job (atomic) */
  LucidRangeFunc func;
  gpointer data;
  gsize n, chunk;
  gint pending;                /* workers still running the job (atomic) */
  gint busy;                   /* a job is in flight (atomic) */
} pool;

/* One step of a spin-wait: a few `pause`s, then give the CPU to any other
 * runnable thread (sched_yield returns at once on an idle machine; on a
 * busy one a pure spin would take the CPU from the work we wait for). */
static inline void
cpu_relax (guint i)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
  if ((i & 15) == 15)
    g_thread_yield ();
}

/* Spins until *@gen differs from @seen or the spin budget is spent;
 * returns the generation last seen. */
static guint64
spin_for_generation (guint64 seen)
{
  gint64 deadline = 0;
  guint64 gen;
  for (guint i = 0;; i++) {
    gen = __atomic_load_n (&pool.generation, __ATOMIC_ACQUIRE);
    if (gen != seen)
      return gen;
    if ((i & 255) == 255) {
      const gint64 now = g_get_monotonic_time ();
      if (deadline == 0)
        deadline = now + pool.spin_us;
      else if (now >= deadline)
        return gen;
    }
    cpu_relax (i);
  }
}

static gpointer
worker_main (gpointer index_ptr)
{
  const guint index = GPOINTER_TO_UINT (index_ptr);
  guint64 seen = 0;

  for (;;) {
    guint64 gen = spin_for_generation (seen);
    gsize begin, end;

    if (gen == seen) {
      g_mutex_lock (&pool.lock);
      while ((gen = __atomic_load_n (&pool.generation, __ATOMIC_ACQUIRE))
          == seen)
        g_cond_wait (&pool.wake, &pool.lock);
      g_mutex_unlock (&pool.lock);
    }
    seen = gen;
    begin = MIN (pool.n, index * pool.chunk);
    end = MIN (pool.n, begin + pool.chunk);
    if (begin < end)
      pool.func (begin, end, pool.data);

    if (g_atomic_int_dec_and_test (&pool.pending)) {
      g_mutex_lock (&pool.lock);
      g_cond_signal (&pool.done);
      g_mutex_unlock (&pool.lock);
    }
  }
  return NULL;
}

static gpointer
start_pool (gpointer unused)
{
  const char *env = g_getenv ("LUCID_NUM_THREADS");
  const char *spin = g_getenv ("LUCID_SPIN_US");
  gint64 n = env != NULL ? g_ascii_strtoll (env, NULL, 10) : 0;
  gint64 us = spin != NULL ? g_ascii_strtoll (spin, NULL, 10) : 200;

  pool.n_threads = n > 0 ? (guint) MIN (n, 256) : g_get_num_processors ();
  pool.spin_us = CLAMP (us, 0, 100000);
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
  gint64 deadline = 0;

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

  pool.func = func;
  pool.data = data;
  pool.n = n;
  pool.chunk = chunk;
  g_atomic_int_set (&pool.pending, (gint) threads - 1);
  g_mutex_lock (&pool.lock);
  __atomic_add_fetch (&pool.generation, 1, __ATOMIC_RELEASE);
  g_cond_broadcast (&pool.wake);
  g_mutex_unlock (&pool.lock);

  func (0, MIN (chunk, n), data);

  for (guint i = 0; g_atomic_int_get (&pool.pending) > 0; i++) {
    if ((i & 255) == 255) {
      const gint64 now = g_get_monotonic_time ();
      if (deadline == 0)
        deadline = now + pool.spin_us;
      else if (now >= deadline)
        break;
    }
    cpu_relax (i);
  }
  if (g_atomic_int_get (&pool.pending) > 0) {
    g_mutex_lock (&pool.lock);
    while (g_atomic_int_get (&pool.pending) > 0)
      g_cond_wait (&pool.done, &pool.lock);
    g_mutex_unlock (&pool.lock);
  }
  g_atomic_int_set (&pool.busy, 0);
}
