/* fuzz-heads.c — libFuzzer target for head files (core/lucid-heads.h).
 *
 * The input is a whole head file. lucid_head_new_from_data() must accept it
 * or refuse it with a LUCID_ERROR, never crash or read outside it. When it
 * accepts, the head's invariants are checked (labels named, non-empty and
 * distinct) and an embedding of the right size is scored: every score
 * finite, probabilities in [0, 1] summing to 1 for softmax; an embedding of
 * the wrong size is refused.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-heads.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  LucidHead *head;
  guint n, dim;
  float *e;
  double *scores, sum = 0;

  head = lucid_head_new_from_data (data, size, "fuzz", &error);
  if (head == NULL) {
    check (error != NULL && error->domain == LUCID_ERROR);
    g_error_free (error);
    return 0;
  }
  check (error == NULL);
  n = lucid_head_get_num_labels (head);
  dim = lucid_head_get_dim (head);
  check (n >= 1 && dim >= 1);
  check (lucid_head_get_label (head, n) == NULL);
  for (guint i = 0; i < n; i++) {
    const char *l = lucid_head_get_label (head, i);

    check (l != NULL && l[0] != '\0');
    for (guint j = 0; j < i; j++)
      check (strcmp (l, lucid_head_get_label (head, j)) != 0);
  }

  e = g_new (float, dim + 1);
  scores = g_new (double, n);
  for (guint j = 0; j <= dim; j++)
    e[j] = (float)((j % 7) - 3) * 0.25f;
  check (lucid_head_score (head, e, dim, scores, &error));
  for (guint i = 0; i < n; i++) {
    /* Finite float32 weights times a finite embedding stay finite in
     * double, so no score is NaN. */
    check (!isnan (scores[i]));
    if (strcmp (lucid_head_get_scoring (head), "softmax") == 0
        || strcmp (lucid_head_get_scoring (head), "sigmoid") == 0)
      check (scores[i] >= 0 && scores[i] <= 1);
    if (strcmp (lucid_head_get_scoring (head), "cosine") == 0)
      check (scores[i] >= -1 - 1e-9 && scores[i] <= 1 + 1e-9);
    sum += scores[i];
  }
  if (strcmp (lucid_head_get_scoring (head), "softmax") == 0)
    check (fabs (sum - 1) < 1e-9);
  check (!lucid_head_score (head, e, dim + 1, scores, &error));
  check (error != NULL && error->code == LUCID_ERROR_SHAPE);
  g_error_free (error);

  g_free (scores);
  g_free (e);
  lucid_head_free (head);
  return 0;
}
