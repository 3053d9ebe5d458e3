/* lucid-audit-window.c — windows over per-group confusion counts, and a
 * Poisson bootstrap kept as replicate count tables.
 *
 * THE MODEL
 *
 * The stream is cut into buckets of width `slide` (events or ns).  A bucket
 * is a small dense table: one LucidFairnessCell per group (groups get dense
 * indices, so a bucket is an array, not a hash table).  A window is a run of
 * buckets: a tumbling window is one bucket (slide = size), a sliding window
 * the last k = size / slide buckets, a cumulative window every bucket since
 * the start (or the last reset), reported once per bucket.  The buckets live
 * in a ring of k slots, and the window keeps a running sum: when a bucket
 * closes it is added to the sum, the window is reported, and the bucket that
 * leaves with the next slide is subtracted.  Each close costs O(groups)
 * (times 1 + n_boot), whatever k.  Counts n are integers and stay exact; the
 * weighted sums are doubles, where add-then-subtract leaves rounding residue,
 * so every k closes the sum is recomputed from the ring (amortised O(groups)
 * per close): the residue never spans more than 2k operations and with
 * integer weights below 2^53 there is none at all.
 *
 * TIMING (the same table is in docs/audit.md)
 *
 *   question               by count (unit = events)     by time (unit = ns)
 *   ---------------------  ---------------------------  ----------------------
 *   event's bucket         b = i / slide, i = ordinal   b = (t − origin)/slide,
 *                          since reset (0-based)        b-th bucket is
 *                                                       [origin+b·slide, +slide)
 *   bucket closes          right after its slide-th     when an event with
 *                          event is added               t ≥ its end arrives, or
 *                                                       advance(t ≥ its end)
 *   window reported at     each bucket close: window = the closed bucket plus
 *                          (sliding) the k − 1 before it, or (cumulative)
 *                          every bucket since reset
 *   reported [start, end)  end = end of the closed bucket; start = end − size
 *                          clamped to the stream start (0 events / origin);
 *                          cumulative: start of the first bucket since reset
 *   empty windows          never reported; a cumulative window is reported
 *                          only when its last bucket had events (else it
 *                          repeats the previous one); a gap of buckets
 *                          without events is skipped in O(k)
 *   out of order           impossible                   t in the open bucket:
 *                                                       counted normally.
 *                                                       t before it (late):
 *                                                       CLAMP counts it in the
 *                                                       open bucket, DROP
 *                                                       leaves it out; both
 *                                                       add to n_late of the
 *                                                       next report
 *   EOS: finish()          the open bucket, if it holds events, closes now:
 *                          its window is reported with partial = TRUE and the
 *                          nominal end; then reset()
 *   flush: reset()         buckets, sums and ordinals dropped unreported; the
 *                          next event starts bucket 0 (count) or opens its
 *                          own bucket (time); report index restarts at 0
 *
 *   Example: time, sliding, size 20 s, slide 10 s, origin 0.
 *
 *   input            open bucket  reported window             n  note
 *   ---------------  -----------  --------------------------  -  ----------
 *   event 3 s        [0, 10)      —                              opens b0
 *   event 12 s       [10, 20)     #0 [0, 10)                  1  start clamped
 *   event 11 s       [10, 20)     —                              < 12 s, not late
 *   event 45 s       [40, 50)     #1 [0, 20)                  3  b1 closes
 *                                 #2 [10, 30)                 2  b2 empty
 *                                 ([20, 40) is empty: skipped)
 *   event 38 s       [40, 50)     —                              late: n_late 1
 *   advance(50 s)    [50, 60)     #3 [30, 50)                 2  n_late 1
 *   event 51 s       [50, 60)     —
 *   finish()         —            #4 [40, 60) partial         3
 *
 *   (n with CLAMP; with DROP the late event is missing: #3 has 1, #4 2.)
 *
 * The Poisson bootstrap's replicate tables are kept in the same buckets
 * (Bucket.boot in lucid-audit-window-private.h); how, the generator of
 * the draws and the intervals over the replicates: lucid-audit-bootstrap.c
 * (its essay).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-audit-window.h"
#include "lucid-audit-window-private.h"

#include "lucid-error.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define MAX_SLOTS 65536
#define MAX_BOOT 100000

/* ---- buckets ------------------------------------------------------------ */

static void
cell_add (LucidFairnessCell * into, const LucidFairnessCell * c)
{
  into->tp += c->tp;
  into->fp += c->fp;
  into->tn += c->tn;
  into->fn += c->fn;
  into->n += c->n;
  into->pp_no_truth += c->pp_no_truth;
  into->pn_no_truth += c->pn_no_truth;
  into->n_no_truth += c->n_no_truth;
}

static void
cell_sub (LucidFairnessCell * into, const LucidFairnessCell * c)
{
  into->tp -= c->tp;
  into->fp -= c->fp;
  into->tn -= c->tn;
  into->fn -= c->fn;
  into->n -= c->n;
  into->pp_no_truth -= c->pp_no_truth;
  into->pn_no_truth -= c->pn_no_truth;
  into->n_no_truth -= c->n_no_truth;
}

static void
bucket_clear (LucidAuditWindow * w, Bucket * b)
{
  if (b->cells != NULL)
    memset (b->cells, 0, w->groups_alloc * sizeof (LucidFairnessCell));
  if (b->boot)
    memset (b->boot, 0, (gsize) w->groups_alloc * w->config.n_boot
        * sizeof (LucidFairnessCell));
  b->n_events = 0;
}

static void
bucket_accumulate (LucidAuditWindow * w, Bucket * into, const Bucket * b,
    gboolean subtract)
{
  guint n = n_groups (w);
  gsize nb = (gsize) n * w->config.n_boot;
  void (*op) (LucidFairnessCell *, const LucidFairnessCell *) =
      subtract ? cell_sub : cell_add;
  for (guint g = 0; g < n; g++)
    op (&into->cells[g], &b->cells[g]);
  for (gsize i = 0; i < nb; i++)
    op (&into->boot[i], &b->boot[i]);
  into->n_events = subtract ? into->n_events - b->n_events
      : into->n_events + b->n_events;
}

/* Grows @b's tables from @old_alloc to @new_alloc groups; FALSE (and @b
 * still usable at its old size) when memory runs out.  A bucket grown
 * before a later one failed keeps its larger tables: they are zeroed past
 * old_alloc, and groups_alloc only moves once every bucket has grown. */
static gboolean
bucket_grow (LucidAuditWindow * w, Bucket * b, guint old_alloc,
    guint new_alloc)
{
  gsize nb = w->config.n_boot;
  LucidFairnessCell *cells = g_try_renew (LucidFairnessCell, b->cells,
      new_alloc);
  if (!cells)
    return FALSE;
  b->cells = cells;
  memset (b->cells + old_alloc, 0,
      (new_alloc - old_alloc) * sizeof (LucidFairnessCell));
  if (nb) {
    LucidFairnessCell *boot = g_try_renew (LucidFairnessCell, b->boot,
        (gsize) new_alloc * nb);
    if (!boot)
      return FALSE;
    b->boot = boot;
    memset (b->boot + old_alloc * nb, 0,
        (new_alloc - old_alloc) * nb * sizeof (LucidFairnessCell));
  }
  return TRUE;
}

/* ---- construction ------------------------------------------------------- */

static gboolean
check_config (LucidAuditWindowConfig * c, guint * n_slots, GError ** error)
{
  if (c->kind == LUCID_AUDIT_WINDOW_TUMBLING && c->slide == 0)
    c->slide = c->size;
  if (c->slide == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "audit window: slide (the bucket width) must be > 0");
    return FALSE;
  }
  *n_slots = 1;
  switch (c->kind) {
    case LUCID_AUDIT_WINDOW_CUMULATIVE:
      break;
    case LUCID_AUDIT_WINDOW_TUMBLING:
      if (c->slide != c->size) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
            "audit window: a tumbling window's slide (%" G_GUINT64_FORMAT
            ") must equal its size (%" G_GUINT64_FORMAT ") or be 0",
            c->slide, c->size);
        return FALSE;
      }
      break;
    case LUCID_AUDIT_WINDOW_SLIDING:
      if (c->size == 0 || c->size % c->slide != 0
          || c->size / c->slide > MAX_SLOTS) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
            "audit window: a sliding window's size (%" G_GUINT64_FORMAT
            ") must be a non-zero multiple of its slide (%" G_GUINT64_FORMAT
            "), at most %d slides", c->size, c->slide, MAX_SLOTS);
        return FALSE;
      }
      *n_slots = (guint) (c->size / c->slide);
      break;
    default:
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "audit window: unknown kind %d", (int) c->kind);
      return FALSE;
  }
  if (c->unit != LUCID_AUDIT_WINDOW_BY_COUNT
      && c->unit != LUCID_AUDIT_WINDOW_BY_TIME) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "audit window: unknown unit %d", (int) c->unit);
    return FALSE;
  }
  if (c->n_boot > MAX_BOOT) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "audit window: n-boot %u is above the limit %d", c->n_boot, MAX_BOOT);
    return FALSE;
  }
  return TRUE;
}

LucidAuditWindow *
lucid_audit_window_new (const LucidAuditWindowConfig * config,
    LucidAuditWindowFunc func, gpointer user_data, GDestroyNotify notify,
    GError ** error)
{
  LucidAuditWindowConfig c = *config;
  guint n_slots;

  g_return_val_if_fail (func != NULL, NULL);
  if (!check_config (&c, &n_slots, error))
    return NULL;
  lucid_audit_poisson_table_init ();

  LucidAuditWindow *w = g_new0 (LucidAuditWindow, 1);
  w->config = c;
  w->func = func;
  w->user_data = user_data;
  w->notify = notify;
  w->keys = g_ptr_array_new_with_free_func (g_free);
  w->group_index = g_hash_table_new (g_str_hash, g_str_equal);
  w->n_slots = n_slots;
  w->ring = g_new0 (Bucket, n_slots);
  w->view = lucid_fairness_counts_new ();
  w->view_cells = g_ptr_array_new ();
  lucid_audit_window_reset (w);
  return w;
}

void
lucid_audit_window_free (LucidAuditWindow * w)
{
  if (!w)
    return;
  for (guint i = 0; i < w->n_slots; i++) {
    g_free (w->ring[i].cells);
    g_free (w->ring[i].boot);
  }
  g_free (w->ring);
  g_free (w->sum.cells);
  g_free (w->sum.boot);
  lucid_fairness_counts_free (w->view);
  g_ptr_array_unref (w->view_cells);
  lucid_fairness_counts_free (w->boot_view);
  if (w->boot_view_cells)
    g_ptr_array_unref (w->boot_view_cells);
  g_hash_table_unref (w->group_index);
  g_ptr_array_unref (w->keys);
  if (w->notify)
    w->notify (w->user_data);
  g_free (w);
}

/* One group's cells: a table per bucket (the @n_slots of the ring and the
 * sum of the closed ones), each with the point and @n_boot replicates. At most
 * 65537 × 100001 × 64 bytes: no overflow in 64 bits. */
static gsize
group_bytes (guint n_slots, guint n_boot)
{
  return (gsize) ((guint64) (n_slots + 1) * (1 + (guint64) n_boot)
      * sizeof (LucidFairnessCell));
}

gsize
lucid_audit_window_group_bytes (const LucidAuditWindowConfig * config,
    GError ** error)
{
  LucidAuditWindowConfig c = *config;
  guint n_slots;
  if (!check_config (&c, &n_slots, error))
    return 0;
  return group_bytes (n_slots, c.n_boot);
}

void
lucid_audit_window_set_max_bytes (LucidAuditWindow * w, gsize max_bytes)
{
  w->max_bytes = max_bytes;
}

gboolean
lucid_audit_window_try_ensure_group (LucidAuditWindow * w, const char *key,
    guint * index_out, GError ** error)
{
  gpointer found = g_hash_table_lookup (w->group_index, key);
  if (found) {
    *index_out = GPOINTER_TO_UINT (found) - 1;
    return TRUE;
  }

  guint index = n_groups (w);
  if (index == w->groups_alloc) {
    gsize per_group = group_bytes (w->n_slots, w->config.n_boot);
    guint grown = MAX (4, 2 * w->groups_alloc);
    if (w->max_bytes && grown > w->max_bytes / per_group)
      grown = (guint) MIN (w->max_bytes / per_group, G_MAXUINT);
    if (grown <= w->groups_alloc) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "audit window: group %u ('%s') does not fit in the memory limit "
          "of %" G_GSIZE_FORMAT " bytes: each group takes %" G_GSIZE_FORMAT
          " bytes (%u buckets x (1 + %u bootstrap replicates) x %"
          G_GSIZE_FORMAT " bytes)", index + 1, key, w->max_bytes, per_group,
          w->n_slots + 1, w->config.n_boot, sizeof (LucidFairnessCell));
      return FALSE;
    }
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < w->n_slots; i++)
      ok = bucket_grow (w, &w->ring[i], w->groups_alloc, grown);
    if (ok)
      ok = bucket_grow (w, &w->sum, w->groups_alloc, grown);
    if (!ok) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "audit window: out of memory growing the count and replicate "
          "tables to %u groups (%" G_GSIZE_FORMAT " bytes per group: %u "
          "buckets x (1 + %u bootstrap replicates) x %" G_GSIZE_FORMAT
          " bytes); lower n-boot or the number of slides in a window",
          grown, per_group, w->n_slots + 1, w->config.n_boot,
          sizeof (LucidFairnessCell));
      return FALSE;
    }
    w->groups_alloc = grown;
  }
  char *owned = g_strdup (key);
  g_ptr_array_add (w->keys, owned);
  g_hash_table_insert (w->group_index, owned, GUINT_TO_POINTER (index + 1));
  g_ptr_array_add (w->view_cells,
      lucid_fairness_counts_ensure_group (w->view, key));
  if (w->boot_view)
    g_ptr_array_add (w->boot_view_cells,
        lucid_fairness_counts_ensure_group (w->boot_view, key));
  *index_out = index;
  return TRUE;
}

guint
lucid_audit_window_ensure_group (LucidAuditWindow * w, const char *key)
{
  guint index;
  if (!lucid_audit_window_try_ensure_group (w, key, &index, NULL))
    return G_MAXUINT;
  return index;
}

/* ---- closing windows ---------------------------------------------------- */

static void
bucket_bounds (const LucidAuditWindow * w, guint64 bucket, guint64 * start,
    guint64 * end)
{
  const LucidAuditWindowConfig *c = &w->config;
  guint64 origin = c->unit == LUCID_AUDIT_WINDOW_BY_TIME ? c->origin : 0;
  *end = origin + (bucket + 1) * c->slide;
  if (c->kind == LUCID_AUDIT_WINDOW_CUMULATIVE)
    *start = origin + w->first_bucket * c->slide;
  else
    *start = *end - origin > c->size ? *end - c->size : origin;
}

/* Reports the window held in w->sum (the open bucket already added). */
static void
report (LucidAuditWindow * w, gboolean partial)
{
  LucidAuditWindowReport r = { 0 };
  for (guint g = 0; g < n_groups (w); g++)
    *(LucidFairnessCell *) w->view_cells->pdata[g] = w->sum.cells[g];
  r.index = w->n_reports++;
  bucket_bounds (w, w->bucket, &r.start, &r.end);
  r.partial = partial;
  r.n_events = w->sum.n_events;
  r.n_late = w->n_late;
  r.counts = w->view;
  r.n_boot = w->config.n_boot;
  r.window = w;
  w->n_late = 0;
  w->in_callback = TRUE;
  w->func (&r, w->user_data);
  w->in_callback = FALSE;
}

static void
clear_all (LucidAuditWindow * w)
{
  for (guint i = 0; i < w->n_slots; i++)
    bucket_clear (w, &w->ring[i]);
  bucket_clear (w, &w->sum);
  w->closes_since_resync = 0;
}

/* Closes the open bucket, reports its window, and opens the next one. */
static void
close_open_bucket (LucidAuditWindow * w)
{
  Bucket *open = &w->ring[w->bucket % w->n_slots];
  gboolean had_events = open->n_events > 0;

  bucket_accumulate (w, &w->sum, open, FALSE);
  if (w->sum.n_events > 0
      && (w->config.kind != LUCID_AUDIT_WINDOW_CUMULATIVE || had_events))
    report (w, FALSE);

  if (w->config.kind == LUCID_AUDIT_WINDOW_CUMULATIVE) {
    bucket_clear (w, open);
  } else {
    /* The slot of bucket b + 1 holds bucket b + 1 − k, which leaves now. */
    Bucket *leaving = &w->ring[(w->bucket + 1) % w->n_slots];
    bucket_accumulate (w, &w->sum, leaving, TRUE);
    bucket_clear (w, leaving);
    if (++w->closes_since_resync >= w->n_slots) {
      bucket_clear (w, &w->sum);
      for (guint i = 0; i < w->n_slots; i++)
        bucket_accumulate (w, &w->sum, &w->ring[i], FALSE);
      w->closes_since_resync = 0;
    }
  }
  w->bucket++;
}

/* Closes buckets until @target is the open one.  Once the window holds no
 * event, every window up to @target would be empty (or, cumulative, a
 * repeat): jump. */
static void
advance_to (LucidAuditWindow * w, guint64 target)
{
  while (w->bucket < target) {
    close_open_bucket (w);
    if (w->bucket < target && (w->sum.n_events == 0
            || w->config.kind == LUCID_AUDIT_WINDOW_CUMULATIVE)) {
      if (w->config.kind != LUCID_AUDIT_WINDOW_CUMULATIVE)
        clear_all (w);          /* drops rounding residue too */
      w->bucket = target;
    }
  }
}

/* ---- feeding ------------------------------------------------------------ */

void
lucid_audit_window_add (LucidAuditWindow * w, guint group, guint64 timestamp,
    gboolean y_true, gboolean y_pred, double weight)
{
  lucid_audit_window_add_event (w, group, timestamp, y_true
      ? LUCID_FAIRNESS_TRUTH_POSITIVE : LUCID_FAIRNESS_TRUTH_NEGATIVE, y_pred,
      weight);
}

void
lucid_audit_window_add_event (LucidAuditWindow * w, guint group,
    guint64 timestamp, LucidFairnessTruth truth, gboolean y_pred,
    double weight)
{
  const LucidAuditWindowConfig *c = &w->config;

  g_return_if_fail (group < n_groups (w));
  g_return_if_fail (!w->in_callback);
  /* every event takes an ordinal, a dropped late one too */
  guint64 ordinal = w->ordinal++;

  if (c->unit == LUCID_AUDIT_WINDOW_BY_TIME) {
    guint64 b = timestamp >= c->origin ? (timestamp - c->origin) / c->slide
        : 0;
    gboolean late = timestamp < c->origin || (w->started && b < w->bucket);
    if (late) {
      w->n_late++;
      if (c->late == LUCID_AUDIT_LATE_DROP)
        return;
    }
    if (!w->started) {
      w->started = TRUE;
      w->bucket = w->first_bucket = b;
    } else if (b > w->bucket) {
      advance_to (w, b);
    }
  }

  Bucket *open = &w->ring[w->bucket % w->n_slots];
  lucid_fairness_cell_add_event (&open->cells[group], truth, y_pred, weight);
  open->n_events++;

  guint n_boot = c->n_boot;
  if (n_boot) {
    guint64 ekey = event_key (c->seed, ordinal);
    LucidFairnessCell *rep = open->boot + (gsize) group * n_boot;
    /* The one weighted sum and the one count this event goes to: the
     * replicate loop is the same for events with and without truth. */
    gsize offset, count;
    switch (truth) {
      case LUCID_FAIRNESS_TRUTH_POSITIVE:
        offset = y_pred ? offsetof (LucidFairnessCell, tp)
            : offsetof (LucidFairnessCell, fn);
        count = offsetof (LucidFairnessCell, n);
        break;
      case LUCID_FAIRNESS_TRUTH_NEGATIVE:
        offset = y_pred ? offsetof (LucidFairnessCell, fp)
            : offsetof (LucidFairnessCell, tn);
        count = offsetof (LucidFairnessCell, n);
        break;
      default:
        offset = y_pred ? offsetof (LucidFairnessCell, pp_no_truth)
            : offsetof (LucidFairnessCell, pn_no_truth);
        count = offsetof (LucidFairnessCell, n_no_truth);
        break;
    }
    /* no branch on k: it is 0 for 37 % of the draws, unpredictably */
    for (guint r = 0; r < n_boot; r++) {
      guint k = poisson_from_key (ekey, r);
      *(double *) ((char *) &rep[r] + offset) += k * weight;
      *(guint64 *) ((char *) &rep[r] + count) += k;
    }
    w->n_draws += n_boot;
  }

  if (c->unit == LUCID_AUDIT_WINDOW_BY_COUNT && open->n_events == c->slide)
    close_open_bucket (w);
}

gboolean
lucid_audit_window_update (LucidAuditWindow * w, const char *group,
    guint64 timestamp, gboolean y_true, gboolean y_pred, double weight,
    GError ** error)
{
  return lucid_audit_window_update_event (w, group, timestamp, y_true
      ? LUCID_FAIRNESS_TRUTH_POSITIVE : LUCID_FAIRNESS_TRUTH_NEGATIVE, y_pred,
      weight, error);
}

gboolean
lucid_audit_window_update_event (LucidAuditWindow * w, const char *group,
    guint64 timestamp, LucidFairnessTruth truth, gboolean y_pred,
    double weight, GError ** error)
{
  if (!(weight >= 0.0 && weight < INFINITY)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': sample weight %g is not a finite number >= 0", group,
        weight);
    return FALSE;
  }
  if (w->config.unit == LUCID_AUDIT_WINDOW_BY_TIME
      && timestamp == G_MAXUINT64) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': event without a timestamp in a time window", group);
    return FALSE;
  }
  if (truth > LUCID_FAIRNESS_TRUTH_UNKNOWN) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "group '%s': truth %d is neither negative (0), positive (1) nor "
        "unknown (2)", group, (int) truth);
    return FALSE;
  }
  guint index;
  if (!lucid_audit_window_try_ensure_group (w, group, &index, error))
    return FALSE;
  lucid_audit_window_add_event (w, index, timestamp, truth, y_pred, weight);
  return TRUE;
}

void
lucid_audit_window_advance (LucidAuditWindow * w, guint64 timestamp)
{
  const LucidAuditWindowConfig *c = &w->config;
  g_return_if_fail (!w->in_callback);
  if (c->unit != LUCID_AUDIT_WINDOW_BY_TIME || !w->started
      || timestamp < c->origin)
    return;
  advance_to (w, (timestamp - c->origin) / c->slide);
}

void
lucid_audit_window_finish (LucidAuditWindow * w)
{
  g_return_if_fail (!w->in_callback);
  if (w->started) {
    Bucket *open = &w->ring[w->bucket % w->n_slots];
    if (open->n_events > 0) {
      bucket_accumulate (w, &w->sum, open, FALSE);
      report (w, TRUE);
    }
  }
  lucid_audit_window_reset (w);
}

void
lucid_audit_window_reset (LucidAuditWindow * w)
{
  g_return_if_fail (!w->in_callback);
  clear_all (w);
  w->started = w->config.unit == LUCID_AUDIT_WINDOW_BY_COUNT;
  w->bucket = w->first_bucket = 0;
  w->ordinal = 0;
  w->n_reports = 0;
  w->n_late = 0;
}

guint64
lucid_audit_window_n_draws (const LucidAuditWindow * w)
{
  return w->n_draws;
}

gsize
lucid_audit_window_state_bytes (const LucidAuditWindow * w)
{
  return (gsize) (w->n_slots + 1) * w->groups_alloc
      * (1 + (gsize) w->config.n_boot) * sizeof (LucidFairnessCell);
}
