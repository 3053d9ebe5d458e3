/* lucidresult.c — top-k labels and scores into a lucid-result structure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidresult.h"

#include <stdlib.h>

typedef struct {
  guint index;
  double score;
} Ranked;

static gint
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *ra = a, *rb = b;

  if (ra->score != rb->score)
    return ra->score < rb->score ? 1 : -1;
  return ra->index < rb->index ? -1 : (ra->index > rb->index);
}

void
lucid_result_set_top_k (GstStructure *s, const double *scores,
                        const gchar *const *names, guint n, guint top_k,
                        double threshold)
{
  g_autofree Ranked *ranked = g_new (Ranked, MAX (n, 1));
  GValue labels = G_VALUE_INIT, values = G_VALUE_INIT;
  guint listed = 0;

  for (guint i = 0; i < n; i++) {
    ranked[i].index = i;
    ranked[i].score = scores[i];
  }
  qsort (ranked, n, sizeof (Ranked), compare_ranked);

  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&values, GST_TYPE_ARRAY);
  for (guint i = 0; i < n && listed < top_k; i++) {
    GValue v = G_VALUE_INIT;
    const gchar *name = names[ranked[i].index];

    if (!(ranked[i].score >= threshold))
      break;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, name);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, ranked[i].score);
    gst_value_array_append_and_take_value (&values, &v);
    if (listed == 0)
      gst_structure_set (s, "label", G_TYPE_STRING, name, "score",
                         G_TYPE_DOUBLE, ranked[i].score, NULL);
    listed++;
  }
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &values);
}
