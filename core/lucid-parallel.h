/* lucid-parallel.h — the process's one compute thread pool.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs @func over [0, @n) split into contiguous chunks of at least @grain
 * items, on the calling thread and the pool's workers; returns when all
 * chunks are done. When the pool is busy with another caller's job (two
 * elements in one pipeline), the whole range runs on the calling thread
 * instead: never more compute threads than cores, never a wait for a pool. */
typedef void (*LucidRangeFunc) (gsize begin, gsize end, gpointer data);
void lucid_parallel_for (gsize n, gsize grain, LucidRangeFunc func,
    gpointer data);

/* Threads a job can use (workers + the caller): $LUCID_NUM_THREADS when set
 * to a positive number, else the number of processors. */
guint lucid_parallel_get_n_threads (void);

G_END_DECLS
