/* lucid-heads.c — linear probe, nearest centroid and zero-shot heads.
 *
 * The head file is user-supplied: every field of it is checked (kind,
 * labels JSON, activation/metric names, tensor presence, rank and shape,
 * label count = rows), and a file that fails any check is refused whole
 * with an error naming the file and the problem. tests/fuzz/fuzz-heads.c
 * feeds it arbitrary bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-heads.h"

#include <math.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-safetensors.h"

/* Bounds that keep L × D well inside memory and gsize arithmetic. */
#define MAX_LABELS 100000
#define MAX_DIM 65536
#define MAX_LABEL_BYTES 1024

typedef enum {
  SCORING_SOFTMAX,
  SCORING_SIGMOID,
  SCORING_NONE,
  SCORING_COSINE,
  SCORING_EUCLIDEAN,
} Scoring;

static const char *const scoring_names[] = {
  "softmax", "sigmoid", "none", "cosine", "euclidean",
};

struct _LucidHead {
  LucidHeadKind kind;
  Scoring scoring;
  guint n_labels, dim;
  char **labels;               /* [n_labels], NULL-terminated */
  float *rows;                 /* [n_labels × dim]: weights, centroids or
                                  prompt embeddings */
  float *bias;                 /* [n_labels] or NULL */
  double *row_norms;           /* [n_labels] (cosine scoring) */
  char *sha256;
};

const char *
lucid_head_kind_to_string (LucidHeadKind kind)
{
  switch (kind) {
    case LUCID_HEAD_LINEAR_PROBE:
      return "linear-probe";
    case LUCID_HEAD_NEAREST_CENTROID:
      return "nearest-centroid";
    case LUCID_HEAD_ZERO_SHOT:
      return "zero-shot";
  }
  return "unknown";
}

void
lucid_head_free (LucidHead *head)
{
  if (head == NULL)
    return;
  g_strfreev (head->labels);
  g_free (head->rows);
  g_free (head->bias);
  g_free (head->row_norms);
  g_free (head->sha256);
  g_free (head);
}

static void
compute_row_norms (LucidHead *head)
{
  head->row_norms = g_new (double, head->n_labels);
  for (guint i = 0; i < head->n_labels; i++) {
    const float *r = head->rows + (gsize) i * head->dim;
    double s = 0;

    for (guint j = 0; j < head->dim; j++)
      s += (double) r[j] * r[j];
    head->row_norms[i] = sqrt (s);
  }
}

/* "lucid.labels": a JSON array of distinct, non-empty strings. */
static char **
parse_labels (const char *json, const char *label, guint *n_out,
    GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;
  guint n;

  root = lucid_json_parse_data (json, strlen (json), "lucid.labels",
      &parse_error);
  if (root == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: __metadata__ \"lucid.labels\" is not valid JSON: %s", label,
        parse_error->message);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: __metadata__ \"lucid.labels\" must be a JSON array of strings",
        label);
    return NULL;
  }
  array = json_node_get_array (root);
  n = json_array_get_length (array);
  if (n == 0 || n > MAX_LABELS) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: __metadata__ \"lucid.labels\" has %u labels (1 to %u allowed)",
        label, n, MAX_LABELS);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    const char *s;

    if (!JSON_NODE_HOLDS_VALUE (node)
        || json_node_get_value_type (node) != G_TYPE_STRING) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: lucid.labels[%u] is not a string", label, i);
      return NULL;
    }
    s = json_node_get_string (node);
    if (s[0] == '\0' || strlen (s) > MAX_LABEL_BYTES) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: lucid.labels[%u] is empty or longer than %u bytes", label, i,
          MAX_LABEL_BYTES);
      return NULL;
    }
    if (g_hash_table_contains (seen, s)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: lucid.labels has \"%s\" twice", label, s);
      return NULL;
    }
    g_hash_table_add (seen, (gpointer) s);
    g_ptr_array_add (out, g_strdup (s));
  }
  g_ptr_array_add (out, NULL);
  *n_out = n;
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

/* Tensor @name as a float32 copy of shape [@rows, @cols] (@rows/@cols 0:
 * take from the file; must then be ≥ 1). */
static float *
get_matrix (LucidSafetensors *st, const char *name, const char *label,
    guint *rows, guint *cols, GError **error)
{
  const LucidSafetensor *t = lucid_safetensors_lookup (st, name);
  gint64 shape[2];
  const float *p;

  if (t == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: tensor '%s' is missing", label, name);
    return NULL;
  }
  if (t->n_dims != 2 || t->shape[0] < 1 || t->shape[0] > MAX_LABELS
      || t->shape[1] < 1 || t->shape[1] > MAX_DIM) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
        "%s: tensor '%s' must be [labels, dim] with 1 to %u labels and 1 to "
        "%u dims", label, name, MAX_LABELS, MAX_DIM);
    return NULL;
  }
  shape[0] = t->shape[0];
  shape[1] = t->shape[1];
  p = lucid_safetensors_get_f32 (st, name, 2, shape, error);
  if (p == NULL)
    return NULL;
  *rows = (guint) shape[0];
  *cols = (guint) shape[1];
  return g_memdup2 (p, (gsize) shape[0] * shape[1] * sizeof (float));
}

static gboolean
check_finite (const float *v, gsize n, const char *label, const char *name,
    GError **error)
{
  for (gsize i = 0; i < n; i++) {
    if (!isfinite (v[i])) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: tensor '%s' holds a non-finite value at index %" G_GSIZE_FORMAT,
          label, name, i);
      return FALSE;
    }
  }
  return TRUE;
}

static LucidHead *
head_from_safetensors (LucidSafetensors *st, const char *label,
    GError **error)
{
  g_autoptr (LucidHead) head = g_new0 (LucidHead, 1);
  GHashTable *meta = lucid_safetensors_get_metadata (st);
  const char *kind = g_hash_table_lookup (meta, "lucid.head");
  const char *labels = g_hash_table_lookup (meta, "lucid.labels");
  const char *matrix_name;
  guint rows = 0;

  if (kind == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: __metadata__ has no \"lucid.head\" (\"linear-probe\" or "
        "\"nearest-centroid\"): not a Lucid head file", label);
    return NULL;
  }
  if (strcmp (kind, "linear-probe") == 0) {
    const char *act = g_hash_table_lookup (meta, "lucid.activation");

    head->kind = LUCID_HEAD_LINEAR_PROBE;
    matrix_name = "weight";
    if (act == NULL || strcmp (act, "softmax") == 0)
      head->scoring = SCORING_SOFTMAX;
    else if (strcmp (act, "sigmoid") == 0)
      head->scoring = SCORING_SIGMOID;
    else if (strcmp (act, "none") == 0)
      head->scoring = SCORING_NONE;
    else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: \"lucid.activation\" is \"%s\"; expected \"softmax\", "
          "\"sigmoid\" or \"none\"", label, act);
      return NULL;
    }
  } else if (strcmp (kind, "nearest-centroid") == 0) {
    const char *metric = g_hash_table_lookup (meta, "lucid.metric");

    head->kind = LUCID_HEAD_NEAREST_CENTROID;
    matrix_name = "centroids";
    if (metric == NULL || strcmp (metric, "cosine") == 0)
      head->scoring = SCORING_COSINE;
    else if (strcmp (metric, "euclidean") == 0)
      head->scoring = SCORING_EUCLIDEAN;
    else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: \"lucid.metric\" is \"%s\"; expected \"cosine\" or "
          "\"euclidean\"", label, metric);
      return NULL;
    }
  } else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: \"lucid.head\" is \"%s\"; expected \"linear-probe\" or "
        "\"nearest-centroid\"", label, kind);
    return NULL;
  }

  if (labels == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: __metadata__ has no \"lucid.labels\" (a JSON array with one "
        "label per row)", label);
    return NULL;
  }
  head->labels = parse_labels (labels, label, &head->n_labels, error);
  if (head->labels == NULL)
    return NULL;

  head->rows = get_matrix (st, matrix_name, label, &rows, &head->dim, error);
  if (head->rows == NULL)
    return NULL;
  if (rows != head->n_labels) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
        "%s: tensor '%s' has %u rows but \"lucid.labels\" names %u labels",
        label, matrix_name, rows, head->n_labels);
    return NULL;
  }
  if (!check_finite (head->rows, (gsize) rows * head->dim, label,
          matrix_name, error))
    return NULL;

  if (head->kind == LUCID_HEAD_LINEAR_PROBE
      && lucid_safetensors_lookup (st, "bias") != NULL) {
    gint64 shape[1] = { head->n_labels };
    const float *b = lucid_safetensors_get_f32 (st, "bias", 1, shape, error);

    if (b == NULL)
      return NULL;
    head->bias = g_memdup2 (b, (gsize) head->n_labels * sizeof (float));
    if (!check_finite (head->bias, head->n_labels, label, "bias", error))
      return NULL;
  }
  if (head->scoring == SCORING_COSINE)
    compute_row_norms (head);
  return g_steal_pointer (&head);
}

LucidHead *
lucid_head_new_from_data (const guint8 *data, gsize len, const char *label,
    GError **error)
{
  g_autoptr (LucidSafetensors) st = NULL;

  st = lucid_safetensors_new_from_data (data, len, label, error);
  if (st == NULL)
    return NULL;
  return head_from_safetensors (st, label, error);
}

LucidHead *
lucid_head_load (const char *path, GError **error)
{
  g_autoptr (LucidSafetensors) st = NULL;
  LucidHead *head;

  g_return_val_if_fail (path != NULL, NULL);
  st = lucid_safetensors_open (path, error);
  if (st == NULL)
    return NULL;
  head = head_from_safetensors (st, path, error);
  if (head != NULL)
    head->sha256 = g_strdup (lucid_safetensors_get_sha256 (st));
  return head;
}

LucidHead *
lucid_head_new_zero_shot (const char *const *labels, const float *embeddings,
    guint n, guint dim)
{
  LucidHead *head;

  g_return_val_if_fail (labels != NULL && embeddings != NULL, NULL);
  g_return_val_if_fail (n > 0 && dim > 0, NULL);

  head = g_new0 (LucidHead, 1);
  head->kind = LUCID_HEAD_ZERO_SHOT;
  head->scoring = SCORING_COSINE;
  head->n_labels = n;
  head->dim = dim;
  head->labels = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    head->labels[i] = g_strdup (labels[i]);
  head->rows = g_memdup2 (embeddings, (gsize) n * dim * sizeof (float));
  compute_row_norms (head);
  return head;
}

LucidHeadKind
lucid_head_get_kind (const LucidHead *head)
{
  return head->kind;
}

const char *
lucid_head_get_scoring (const LucidHead *head)
{
  return scoring_names[head->scoring];
}

guint
lucid_head_get_dim (const LucidHead *head)
{
  return head->dim;
}

guint
lucid_head_get_num_labels (const LucidHead *head)
{
  return head->n_labels;
}

const char *
lucid_head_get_label (const LucidHead *head, guint i)
{
  return i < head->n_labels ? head->labels[i] : NULL;
}

const char *
lucid_head_get_sha256 (const LucidHead *head)
{
  return head->sha256;
}

gboolean
lucid_head_score (const LucidHead *head, const float *embedding, guint dim,
    double *scores, GError **error)
{
  double e_norm = 0;

  if (dim != head->dim) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
        "the %s head takes %u-value embeddings; this one has %u values",
        lucid_head_kind_to_string (head->kind), head->dim, dim);
    return FALSE;
  }
  if (head->scoring == SCORING_COSINE) {
    for (guint j = 0; j < dim; j++)
      e_norm += (double) embedding[j] * embedding[j];
    e_norm = sqrt (e_norm);
  }

  for (guint i = 0; i < head->n_labels; i++) {
    const float *r = head->rows + (gsize) i * dim;
    double acc = 0;

    if (head->scoring == SCORING_EUCLIDEAN) {
      for (guint j = 0; j < dim; j++) {
        double d = (double) embedding[j] - r[j];
        acc += d * d;
      }
      scores[i] = -sqrt (acc);
      continue;
    }
    for (guint j = 0; j < dim; j++)
      acc += (double) r[j] * embedding[j];
    if (head->scoring == SCORING_COSINE) {
      double denom = e_norm * head->row_norms[i];
      scores[i] = denom > 0 ? acc / denom : 0;
    } else {
      scores[i] = acc + (head->bias ? head->bias[i] : 0);
    }
  }

  if (head->scoring == SCORING_SOFTMAX) {
    double max = -INFINITY, sum = 0;

    for (guint i = 0; i < head->n_labels; i++)
      max = MAX (max, scores[i]);
    for (guint i = 0; i < head->n_labels; i++) {
      scores[i] = exp (scores[i] - max);
      sum += scores[i];
    }
    for (guint i = 0; i < head->n_labels; i++)
      scores[i] /= sum;
  } else if (head->scoring == SCORING_SIGMOID) {
    for (guint i = 0; i < head->n_labels; i++)
      scores[i] = 1.0 / (1.0 + exp (-scores[i]));
  }
  return TRUE;
}

void
lucid_zero_shot_ensemble (const float *embeds, guint n_labels,
    guint n_templates, guint dim, float *out)
{
  g_autofree double *mean = g_new (double, MAX (dim, 1));

  for (guint l = 0; l < n_labels; l++) {
    double ss = 0;

    memset (mean, 0, (gsize) dim * sizeof (double));
    for (guint t = 0; t < n_templates; t++) {
      const float *row = embeds + ((gsize) l * n_templates + t) * dim;
      double rs = 0;

      for (guint k = 0; k < dim; k++)
        rs += (double) row[k] * row[k];
      if (rs > 0) {
        rs = 1.0 / sqrt (rs);
        for (guint k = 0; k < dim; k++)
          mean[k] += row[k] * rs;
      }
    }
    /* The mean's 1/n_templates cancels in the normalisation. */
    for (guint k = 0; k < dim; k++)
      ss += mean[k] * mean[k];
    ss = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
    for (guint k = 0; k < dim; k++)
      out[(gsize) l * dim + k] = (float) (mean[k] * ss);
  }
}
