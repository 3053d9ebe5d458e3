/* lucidresult.c — building lucid-result structures.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidresult.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lucidmeta.h"
#include "lucid-error.h"

GstStructure *
lucid_result_new (const gchar *element, const gchar *kind,
                  const gchar *model_id, const gchar *model_dir,
                  const gchar *model_family)
{
  return gst_structure_new (LUCID_RESULT_STRUCTURE_NAME, "element",
                            G_TYPE_STRING, element, "kind", G_TYPE_STRING, kind,
                            "model-id", G_TYPE_STRING, model_id, "model-dir",
                            G_TYPE_STRING, model_dir, "model-family",
                            G_TYPE_STRING, model_family, NULL);
}

GParamSpec *
lucid_result_param_spec_top_k (GParamFlags flags)
{
  return g_param_spec_uint ("top-k", "Top k",
                            "Labels listed per result, best first (capped at "
                            "the number of labels)",
                            1, G_MAXUINT, LUCID_RESULT_DEFAULT_TOP_K, flags);
}

typedef struct {
  guint index;
  double score;
} Ranked;

/* Best first, ties by index, NaN after every number: a total order (a NaN
 * compared with < and > alone would make qsort's order undefined, and a
 * NaN sorted first used to end the list before any real score). */
static gint
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *ra = a, *rb = b;
  gboolean na = isnan (ra->score), nb = isnan (rb->score);

  if (na != nb)
    return na ? 1 : -1;
  if (!na && ra->score != rb->score)
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

    /* NaNs sort last: a NaN ends the list like a score below threshold;
     * NaN is never listed. */
    if (isnan (ranked[i].score) || !(ranked[i].score >= threshold))
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

GPtrArray *
lucid_result_parse_labels (const gchar *labels)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) parts = NULL;

  if (labels == NULL)
    return out;
  parts = g_strsplit_set (labels, ",;", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    g_strstrip (parts[i]);
    if (parts[i][0] != '\0')
      g_ptr_array_add (out, g_strdup (parts[i]));
  }
  return out;
}

GPtrArray *
lucid_result_parse_labels_checked (const gchar *labels, const gchar *property,
                                   GError **error)
{
  g_autoptr (GPtrArray) out = lucid_result_parse_labels (labels);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (labels != NULL && labels[0] != '\0' && out->len == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "%s=\"%s\" names no label (labels are separated by ',' or "
                 "';'; leave %s unset for none)",
                 property, labels, property);
    return NULL;
  }
  for (guint i = 0; i < out->len; i++) {
    if (!g_hash_table_add (seen, out->pdata[i])) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "%s=\"%s\" lists the label \"%s\" more than once "
                   "(scores would be split between the copies)",
                   property, labels, (const gchar *)out->pdata[i]);
      return NULL;
    }
  }
  return g_steal_pointer (&out);
}

GPtrArray *
lucid_result_label_prompts (const GPtrArray *labels, const gchar *template,
                            GError **error)
{
  const gchar *hole = template ? strstr (template, "{}") : NULL;
  GPtrArray *prompts;

  if (hole == NULL || strstr (hole + 2, "{}") != NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "prompt-template \"%s\" must contain \"{}\" exactly once "
                 "(where each label goes)",
                 template ? template : "");
    return NULL;
  }
  prompts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < labels->len; i++)
    g_ptr_array_add (
        prompts, g_strdup_printf ("%.*s%s%s", (int)(hole - template), template,
                                  (const gchar *)labels->pdata[i], hole + 2));
  return prompts;
}

GPtrArray *
lucid_result_label_prompt_ensemble (const GPtrArray *labels,
                                    const gchar *templates, guint *n_templates,
                                    GError **error)
{
  const gchar sep[2] = { LUCID_RESULT_TEMPLATE_SEPARATOR, '\0' };
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) per_template
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  GPtrArray *prompts;
  guint n;

  if (templates == NULL || strchr (templates, sep[0]) == NULL) {
    prompts = lucid_result_label_prompts (labels, templates, error);
    *n_templates = 1;
    return prompts;
  }
  parts = g_strsplit (templates, sep, -1);
  n = g_strv_length (parts);
  for (guint t = 0; t < n; t++) {
    g_autoptr (GError) local = NULL;
    GPtrArray *p;

    g_strstrip (parts[t]);
    if (parts[t][0] == '\0') {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "prompt-template \"%s\": template %u of %u is empty "
                   "(templates are separated by '%c')",
                   templates, t + 1, n, sep[0]);
      return NULL;
    }
    p = lucid_result_label_prompts (labels, parts[t], &local);
    if (p == NULL) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "prompt-template \"%s\": template %u of %u (\"%s\") "
                   "must contain \"{}\" exactly once (where each label goes)",
                   templates, t + 1, n, parts[t]);
      return NULL;
    }
    g_ptr_array_add (per_template, p);
  }
  prompts = g_ptr_array_new_with_free_func (g_free);
  for (guint l = 0; l < labels->len; l++)
    for (guint t = 0; t < n; t++)
      g_ptr_array_add (prompts, g_strdup (g_ptr_array_index (
                                    (GPtrArray *)per_template->pdata[t], l)));
  *n_templates = n;
  return prompts;
}
