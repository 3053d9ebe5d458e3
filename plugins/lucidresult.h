/* lucidresult.h — building lucid-result structures (see lucidmeta.h for
 * their fields), shared by every element that produces one: the
 * provenance fields, the top-k labels and scores, and the zero-shot label
 * and prompt-template properties.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A new lucid-result structure with its provenance fields, in this order:
 * `element`, `kind`, `model-id`, `model-dir`, `model-family`. The caller
 * adds the rest and hands it to lucid_buffer_add_result(). */
GstStructure *lucid_result_new (const gchar *element, const gchar *kind,
                                const gchar *model_id, const gchar *model_dir,
                                const gchar *model_family);

/* The default of every labelling element's top-k property. */
#define LUCID_RESULT_DEFAULT_TOP_K 3

/* The spec of that top-k property (labels listed per result, 1 to
 * G_MAXUINT, default LUCID_RESULT_DEFAULT_TOP_K) with @flags. */
GParamSpec *lucid_result_param_spec_top_k (GParamFlags flags);

/* Sets `labels` and `scores` (GstValueArrays, best first, ties by index) to
 * the at most @top_k of the @n scores that are ≥ @threshold (use -INFINITY
 * for none; NaN scores are never listed, the others are whatever their
 * position), and `label`/`score` to the first of them when there is one.
 * @names[i] names score i. */
void lucid_result_set_top_k (GstStructure *s, const double *scores,
                             const gchar *const *names, guint n, guint top_k,
                             double threshold);

/* The labels of a `labels` property value: split at ',' and ';', each
 * stripped of white space, empty ones dropped. @labels may be NULL. Never
 * returns NULL (an empty array when there is no label); gchar*, owned. */
GPtrArray *lucid_result_parse_labels (const gchar *labels);

/* lucid_result_parse_labels(), refusing (LUCID_ERROR_INVALID_ARGUMENT, the
 * message naming @property, e.g. "labels", and its value) a non-empty
 * @labels that gives no label (",,;", "  ") and a label listed twice (after
 * stripping: "a, a"). Returns NULL on error, else as
 * lucid_result_parse_labels(). Elements should parse user-given label lists
 * with this one. */
GPtrArray *lucid_result_parse_labels_checked (const gchar *labels,
                                              const gchar *property,
                                              GError **error);

/* The prompt of each of @labels: @template with its "{}" replaced by the
 * label. Fails (LUCID_ERROR_INVALID_ARGUMENT, naming the template) unless
 * @template holds "{}" exactly once — checked even when @labels is empty.
 * gchar*, owned. */
GPtrArray *lucid_result_label_prompts (const GPtrArray *labels,
                                       const gchar *template, GError **error);

/* The separator of several templates in a prompt-template value (a prompt
 * ensemble): "a photo of {}.|a drawing of {}.". */
#define LUCID_RESULT_TEMPLATE_SEPARATOR '|'

/* A prompt ensemble: @templates holds one or more templates separated by
 * '|' (white space around each is ignored), each holding "{}" exactly
 * once. Returns the prompts label-major — prompt l·T + t is template t
 * with label l — and T in *@n_templates. Fails
 * (LUCID_ERROR_INVALID_ARGUMENT, naming the template) on an empty template
 * or one without exactly one "{}" — checked even when @labels is empty.
 * gchar*, owned. */
GPtrArray *lucid_result_label_prompt_ensemble (const GPtrArray *labels,
                                               const gchar *templates,
                                               guint *n_templates,
                                               GError **error);

G_END_DECLS
