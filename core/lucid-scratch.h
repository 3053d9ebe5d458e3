/* lucid-scratch.h — per-thread scratch buffers for the CPU kernels (GEMM,
 * attention): 64-byte aligned, grown on demand, freed when the thread
 * exits. Each user owns its own key, so two kernels never share a buffer:
 *
 *   static GPrivate my_scratch = G_PRIVATE_INIT (lucid_scratch_free);
 *   float *buf = lucid_scratch_get (&my_scratch, n_floats);
 *
 * The buffer stays valid until the next lucid_scratch_get() on the same key
 * in the same thread. Not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL float *lucid_scratch_get (GPrivate *key, gsize floats);
G_GNUC_INTERNAL void lucid_scratch_free (gpointer data);

G_END_DECLS
