/* lucidresult.h — top-k labels and scores into a lucid-result structure,
 * shared by the vision encoder and lucidclassify.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Sets `labels` and `scores` (GstValueArrays, best first, ties by index) to
 * the at most @top_k of the @n scores that are ≥ @threshold (use -INFINITY
 * for none), and `label`/`score` to the first of them when there is one.
 * @names[i] names score i. */
void lucid_result_set_top_k (GstStructure *s, const double *scores,
                             const gchar *const *names, guint n, guint top_k,
                             double threshold);

G_END_DECLS
