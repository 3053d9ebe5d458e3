/* lucid-scores.c — logits to scores, as transformers' pipelines do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-scores.h"

#include <math.h>

LucidScoreFunction
lucid_problem_type_score_function (LucidProblemType type, guint num_labels)
{
  /* The order of transformers' pipelines' postprocess(): regression first,
   * then multi-label or a single output, then softmax. */
  if (type == LUCID_PROBLEM_REGRESSION)
    return LUCID_SCORE_IDENTITY;
  if (type == LUCID_PROBLEM_MULTI_LABEL || num_labels == 1)
    return LUCID_SCORE_SIGMOID;
  return LUCID_SCORE_SOFTMAX;
}

const char *
lucid_score_function_to_string (LucidScoreFunction fn)
{
  switch (fn) {
    case LUCID_SCORE_SIGMOID:
      return "sigmoid";
    case LUCID_SCORE_IDENTITY:
      return "identity";
    case LUCID_SCORE_SOFTMAX:
      break;
  }
  return "softmax";
}

void
lucid_score_function_apply (LucidScoreFunction fn, const float *logits, guint n,
                            double *out)
{
  double max = -INFINITY, sum = 0;

  switch (fn) {
    case LUCID_SCORE_IDENTITY:
      for (guint i = 0; i < n; i++)
        out[i] = logits[i];
      return;
    case LUCID_SCORE_SIGMOID:
      for (guint i = 0; i < n; i++)
        out[i] = 1.0 / (1.0 + exp (-(double)logits[i]));
      return;
    case LUCID_SCORE_SOFTMAX:
      break;
  }
  for (guint i = 0; i < n; i++)
    max = MAX (max, (double)logits[i]);
  for (guint i = 0; i < n; i++) {
    out[i] = exp ((double)logits[i] - max);
    sum += out[i];
  }
  for (guint i = 0; i < n; i++)
    out[i] /= sum;
}
