/* lucid-scratch.c — per-thread scratch buffers (lucid-scratch.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-scratch.h"

typedef struct {
  gsize cap;
  float *data;
} Scratch;

void
lucid_scratch_free (gpointer data)
{
  Scratch *s = data;

  g_aligned_free (s->data);
  g_free (s);
}

float *
lucid_scratch_get (GPrivate *key, gsize floats)
{
  Scratch *s = g_private_get (key);

  if (s == NULL) {
    s = g_new0 (Scratch, 1);
    g_private_set (key, s);
  }
  if (s->cap < floats) {
    g_aligned_free (s->data);
    s->cap = MAX (floats, s->cap * 3 / 2);
    s->data = g_aligned_alloc (s->cap, sizeof (float), 64);
  }
  return s->data;
}
