/* lucid-scores.h — how a classification head's logits become scores.
 *
 * Hugging Face configs say it with "problem_type" (PretrainedConfig), and
 * transformers' ImageClassificationPipeline and TextClassificationPipeline
 * pick the function from it and the number of labels; Lucid picks the same
 * one so that its scores are the pipelines' scores.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* config.json's "problem_type" (PretrainedConfig): how a classification
 * head's logits become scores. */
typedef enum {
  LUCID_PROBLEM_UNSET = 0,
  LUCID_PROBLEM_SINGLE_LABEL, /* "single_label_classification" */
  LUCID_PROBLEM_MULTI_LABEL,  /* "multi_label_classification" */
  LUCID_PROBLEM_REGRESSION,   /* "regression" */
} LucidProblemType;

/* What turns one row of head logits into scores. */
typedef enum {
  LUCID_SCORE_SOFTMAX = 0, /* exclusive labels: the scores sum to 1 */
  LUCID_SCORE_SIGMOID,     /* independent labels, each in (0, 1) */
  LUCID_SCORE_IDENTITY,    /* regression: the raw logits */
} LucidScoreFunction;

/* The scoring transformers' ImageClassificationPipeline and
 * TextClassificationPipeline apply by default to a head of @num_labels
 * outputs: regression → identity; multi-label or one label → sigmoid;
 * otherwise softmax. */
LucidScoreFunction lucid_problem_type_score_function (LucidProblemType type,
                                                      guint num_labels);
/* "softmax", "sigmoid" or "identity": the name results record. */
const char *lucid_score_function_to_string (LucidScoreFunction fn);
/* Applies @fn to @n logits, in double. */
void lucid_score_function_apply (LucidScoreFunction fn, const float *logits,
                                 guint n, double *out);

G_END_DECLS
