/* lucid-audit-window-private.h — what lucid-audit-window.c (the windows
 * and their buckets) and lucid-audit-bootstrap.c (the Poisson draws and
 * the intervals over the replicate tables) share: the window's state and
 * the generator of the draws, inline because the window's event loop calls
 * it n_boot times per event.  Private to core/, never installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucid-audit-window.h"

G_BEGIN_DECLS

typedef struct {
  LucidFairnessCell *cells;     /* [groups_alloc] */
  LucidFairnessCell *boot;      /* [groups_alloc][n_boot]; NULL if n_boot 0 */
  guint64 n_events;
} Bucket;

struct _LucidAuditWindow {
  LucidAuditWindowConfig config;
  LucidAuditWindowFunc func;
  gpointer user_data;
  GDestroyNotify notify;

  GHashTable *group_index;      /* key (owned by keys) → index + 1 */
  GPtrArray *keys;              /* owned strings, by index */
  guint groups_alloc;           /* cells allocated per bucket */
  gsize max_bytes;              /* limit of the tables' bytes; 0: none */

  guint n_slots;                /* ring length: k (sliding) or 1 */
  Bucket *ring;                 /* [n_slots]; bucket b lives in b % n_slots */
  Bucket sum;                   /* closed buckets still in the window */
  guint closes_since_resync;

  LucidFairnessCounts *view;    /* the report's counts */
  GPtrArray *view_cells;        /* LucidFairnessCell * into view, by index */
  LucidFairnessCounts *boot_view;       /* one replicate at a time */
  GPtrArray *boot_view_cells;

  gboolean started;             /* time: a bucket is open */
  guint64 bucket;               /* the open bucket's number */
  guint64 first_bucket;         /* cumulative windows start here */
  guint64 ordinal;              /* events since reset */
  guint64 n_reports;
  guint64 n_late;               /* since the previous report */
  guint64 n_draws;
  gboolean in_callback;
};

static inline guint
n_groups (const LucidAuditWindow * w)
{
  return w->keys->len;
}

/* ---- the Poisson(1) generator ------------------------------------------- */

static inline guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
event_key (guint64 seed, guint64 ordinal)
{
  return mix64 (mix64 (seed ^ G_GUINT64_CONSTANT (0x6a09e667f3bcc909))
      + ordinal * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

/* Poisson(1) CDF thresholds on 64-bit integers: k = #{j : x ≥ thr[j]}. */
#define POISSON_TABLE 20
G_GNUC_INTERNAL extern guint64 lucid_audit_poisson_thr[POISSON_TABLE];

/* Fills lucid_audit_poisson_thr, once per process (thread-safe). */
G_GNUC_INTERNAL void lucid_audit_poisson_table_init (void);

static inline guint
poisson_from_key (guint64 ekey, guint replicate)
{
  guint64 x = mix64 (ekey + (replicate + G_GUINT64_CONSTANT (1))
      * G_GUINT64_CONSTANT (0xd1b54a32d192ed69));
  const guint64 *poisson_thr = lucid_audit_poisson_thr;
  /* branch-free for k < 8 (all but 1e-5 of the draws) */
  guint k = (x >= poisson_thr[0]) + (x >= poisson_thr[1])
      + (x >= poisson_thr[2]) + (x >= poisson_thr[3])
      + (x >= poisson_thr[4]) + (x >= poisson_thr[5])
      + (x >= poisson_thr[6]) + (x >= poisson_thr[7]);
  if (G_UNLIKELY (k == 8))
    while (k < POISSON_TABLE && x >= poisson_thr[k])
      k++;
  return k;
}

G_END_DECLS
