/* lucid-text-model.c — a text model directory: tokenizer + BERT + heads.
 *
 * Which files decide what (DESIGN.md, "Models"):
 *   pooling    the caller's option, else 1_Pooling/config.json (named by
 *              modules.json), else mean over real tokens — what
 *              sentence-transformers does for a plain model;
 *   normalise  a Normalize entry in modules.json;
 *   max length the caller's option, else sentence_bert_config.json
 *              max_seq_length, else the tokenizer's sane model_max_length,
 *              else max_position_embeddings; never more than the latter.
 *
 * A batch is tokenized, packed (no padding) and run through one forward pass;
 * per-sequence results point into buffers the model reuses across calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-text-model.h"
#include "lucid-bert.h"
#include "lucid-error.h"
#include "lucid-model-config.h"
#include "lucid-safetensors.h"

#include <math.h>
#include <string.h>

struct _LucidTextModel {
  char *dir;
  LucidBertConfig *cfg;
  LucidSentenceConfig st_cfg;
  LucidTokenizer *tok;
  LucidSafetensors *weights;
  LucidBert *bert;
  guint n_layers;
  char **fallback_labels;      /* "LABEL_i" when id2label is absent */

  /* Outputs of the last run, reused across calls. */
  GPtrArray *encodings;        /* LucidEncoding* */
  GArray *seq_offset;          /* guint */
  GArray *ids, *type_ids;      /* gint32 */
  GArray *emb, *logits, *pooled; /* float */
  float **attn;                /* [n_layers] */
  gsize attn_cap;              /* floats per layer buffer */
  GArray *attn_offset;         /* gsize */
};

static const char *pooling_names[] = {
  "default", "cls", "mean", "max", "pooler"
};

const char *
lucid_pooling_to_string (LucidPooling pooling)
{
  if ((guint) pooling < G_N_ELEMENTS (pooling_names))
    return pooling_names[pooling];
  return "invalid";
}

gboolean
lucid_pooling_from_string (const char *s, LucidPooling *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (pooling_names); i++) {
    if (g_strcmp0 (s, pooling_names[i]) == 0) {
      *out = (LucidPooling) i;
      return TRUE;
    }
  }
  return FALSE;
}

void
lucid_text_model_free (LucidTextModel *m)
{
  if (m == NULL)
    return;
  lucid_bert_free (m->bert);
  lucid_safetensors_free (m->weights);
  lucid_tokenizer_free (m->tok);
  lucid_bert_config_free (m->cfg);
  g_strfreev (m->fallback_labels);
  g_clear_pointer (&m->encodings, g_ptr_array_unref);
  g_clear_pointer (&m->seq_offset, g_array_unref);
  g_clear_pointer (&m->ids, g_array_unref);
  g_clear_pointer (&m->type_ids, g_array_unref);
  g_clear_pointer (&m->emb, g_array_unref);
  g_clear_pointer (&m->logits, g_array_unref);
  g_clear_pointer (&m->pooled, g_array_unref);
  g_clear_pointer (&m->attn_offset, g_array_unref);
  if (m->attn != NULL) {
    for (guint l = 0; l < m->n_layers; l++)
      g_free (m->attn[l]);
    g_free (m->attn);
  }
  g_free (m->dir);
  g_free (m);
}

LucidTextModel *
lucid_text_model_load (const char *dir, GError **error)
{
  g_autoptr (LucidTextModel) m = NULL;
  const LucidBackend *backend;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: model directory does not exist or is not a directory", dir);
    return NULL;
  }
  m = g_new0 (LucidTextModel, 1);
  m->dir = g_strdup (dir);
  m->cfg = lucid_bert_config_load (dir, error);
  if (m->cfg == NULL)
    return NULL;
  m->n_layers = m->cfg->num_hidden_layers;
  if (!lucid_sentence_config_load (dir, &m->st_cfg, error))
    return NULL;
  m->tok = lucid_tokenizer_load (dir, error);
  if (m->tok == NULL)
    return NULL;
  if (lucid_tokenizer_get_vocab_size (m->tok) > m->cfg->vocab_size) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: the tokenizer has %u tokens but config.json vocab_size is %u",
        dir, lucid_tokenizer_get_vocab_size (m->tok), m->cfg->vocab_size);
    return NULL;
  }

  m->weights = lucid_safetensors_open_model (dir, error);
  if (m->weights == NULL)
    return NULL;
  backend = lucid_backend_cpu (error);
  if (backend == NULL)
    return NULL;
  m->bert = lucid_bert_new (m->cfg, m->weights, backend, error);
  if (m->bert == NULL)
    return NULL;

  m->encodings = g_ptr_array_new_with_free_func (
      (GDestroyNotify) lucid_encoding_free);
  m->seq_offset = g_array_new (FALSE, FALSE, sizeof (guint));
  m->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  m->type_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  m->emb = g_array_new (FALSE, FALSE, sizeof (float));
  m->logits = g_array_new (FALSE, FALSE, sizeof (float));
  m->pooled = g_array_new (FALSE, FALSE, sizeof (float));
  m->attn_offset = g_array_new (FALSE, FALSE, sizeof (gsize));
  m->attn = g_new0 (float *, m->n_layers);
  return g_steal_pointer (&m);
}

const char *
lucid_text_model_get_dir (const LucidTextModel *m)
{
  return m->dir;
}

const char *
lucid_text_model_get_sha256 (LucidTextModel *m)
{
  return lucid_safetensors_get_sha256 (m->weights);
}

const char *
lucid_text_model_get_config_json (const LucidTextModel *m)
{
  return m->cfg->json;
}

const LucidTokenizer *
lucid_text_model_get_tokenizer (const LucidTextModel *m)
{
  return m->tok;
}

guint
lucid_text_model_get_hidden_size (const LucidTextModel *m)
{
  return m->cfg->hidden_size;
}

guint
lucid_text_model_get_num_layers (const LucidTextModel *m)
{
  return m->cfg->num_hidden_layers;
}

guint
lucid_text_model_get_num_heads (const LucidTextModel *m)
{
  return m->cfg->num_attention_heads;
}

LucidPooling
lucid_text_model_get_default_pooling (const LucidTextModel *m)
{
  if (m->st_cfg.present && m->st_cfg.pooling != LUCID_POOLING_DEFAULT)
    return m->st_cfg.pooling;
  return LUCID_POOLING_MEAN;
}

gboolean
lucid_text_model_get_normalize (const LucidTextModel *m)
{
  return m->st_cfg.normalize;
}

guint
lucid_text_model_get_num_labels (const LucidTextModel *m)
{
  return lucid_bert_get_num_labels (m->bert);
}

const char *
lucid_text_model_get_label (const LucidTextModel *m, guint i)
{
  g_return_val_if_fail (i < lucid_bert_get_num_labels (m->bert), NULL);
  return m->cfg->id2label[i];
}

LucidScoreFunction
lucid_text_model_get_score_function (const LucidTextModel *m)
{
  return lucid_problem_type_score_function (m->cfg->problem_type,
      lucid_bert_get_num_labels (m->bert));
}

gboolean
lucid_text_model_has_mlm_head (const LucidTextModel *m)
{
  return lucid_bert_has_mlm_head (m->bert);
}

guint
lucid_text_model_resolve_max_length (const LucidTextModel *m, guint override)
{
  guint cap = m->cfg->max_position_embeddings, n;
  if (override > 0)
    n = override;
  else if (m->st_cfg.max_seq_length > 0)
    n = m->st_cfg.max_seq_length;
  else if (lucid_tokenizer_get_model_max_length (m->tok) > 0)
    n = lucid_tokenizer_get_model_max_length (m->tok);
  else
    n = cap;
  return MIN (n, cap);
}

static void
pool_sequence (LucidTextModel *m, LucidPooling pooling, const float *h,
    gsize len, float *out)
{
  const gsize H = m->cfg->hidden_size;

  switch (pooling) {
    case LUCID_POOLING_CLS:
      memcpy (out, h, H * sizeof (float));
      break;
    case LUCID_POOLING_POOLER:
      lucid_bert_pool (m->bert, h, out);
      break;
    case LUCID_POOLING_MAX:
      for (gsize i = 0; i < H; i++) {
        float v = h[i];
        for (gsize t = 1; t < len; t++)
          v = MAX (v, h[t * H + i]);
        out[i] = v;
      }
      break;
    case LUCID_POOLING_DEFAULT:
    case LUCID_POOLING_MEAN:
    default:{
      /* accumulate in double; divide by the token count (or its square
       * root for sentence-transformers' mean_sqrt_len mode) */
      double div = m->st_cfg.pooling_sqrt_len
          && pooling == m->st_cfg.pooling ? sqrt ((double) len) : (double) len;
      for (gsize i = 0; i < H; i++) {
        double acc = 0.0;
        for (gsize t = 0; t < len; t++)
          acc += h[t * H + i];
        out[i] = (float) (acc / div);
      }
      break;
    }
  }
}

static void
l2_normalize (float *v, gsize n)
{
  double ss = 0.0;
  for (gsize i = 0; i < n; i++)
    ss += (double) v[i] * v[i];
  /* torch.nn.functional.normalize: divide by max(norm, 1e-12) */
  ss = MAX (sqrt (ss), 1e-12);
  for (gsize i = 0; i < n; i++)
    v[i] = (float) (v[i] / ss);
}

/* Tokenizes @texts into m->encodings and the packed id arrays. */
static void
pack_texts (LucidTextModel *m, const char *const *texts, guint n,
    guint max_length)
{
  guint total = 0;

  g_ptr_array_set_size (m->encodings, 0);
  g_array_set_size (m->seq_offset, 0);
  g_array_set_size (m->ids, 0);
  g_array_set_size (m->type_ids, 0);
  g_array_append_val (m->seq_offset, total);
  for (guint s = 0; s < n; s++) {
    LucidEncoding *enc = lucid_tokenizer_encode (m->tok, texts[s], NULL,
        max_length);
    g_ptr_array_add (m->encodings, enc);
    g_array_append_vals (m->ids, enc->ids, enc->n);
    g_array_append_vals (m->type_ids, enc->type_ids, enc->n);
    total += enc->n;
    g_array_append_val (m->seq_offset, total);
  }
}

static void
reserve_attentions (LucidTextModel *m, guint n)
{
  const gsize nh = m->cfg->num_attention_heads;
  const guint *off = (const guint *) m->seq_offset->data;
  gsize total = 0;

  g_array_set_size (m->attn_offset, 0);
  for (guint s = 0; s < n; s++) {
    gsize len = off[s + 1] - off[s];
    g_array_append_val (m->attn_offset, total);
    total += nh * len * len;
  }
  g_array_append_val (m->attn_offset, total);
  if (total > m->attn_cap) {
    for (guint l = 0; l < m->n_layers; l++)
      m->attn[l] = g_renew (float, m->attn[l], total);
    m->attn_cap = total;
  }
}

gboolean
lucid_text_model_run (LucidTextModel *m, const char *const *texts, guint n,
    const LucidTextOptions *opts, gboolean want_attentions,
    LucidTextOutput *out, GError **error)
{
  const gsize H = m->cfg->hidden_size;
  const guint L = lucid_bert_get_num_labels (m->bert);
  LucidPooling pooling = opts && opts->pooling != LUCID_POOLING_DEFAULT ?
      opts->pooling : lucid_text_model_get_default_pooling (m);
  guint max_length =
      lucid_text_model_resolve_max_length (m, opts ? opts->max_length : 0);
  LucidBertBatch batch;
  const guint *off;
  const float *hidden;

  if (pooling == LUCID_POOLING_POOLER && !lucid_bert_has_pooler (m->bert)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: pooling \"pooler\" needs pooler.dense.* weights, which this "
        "model does not have", m->dir);
    return FALSE;
  }
  pack_texts (m, texts, n, max_length);
  off = (const guint *) m->seq_offset->data;
  batch.n_seqs = n;
  batch.seq_offset = off;
  batch.ids = (const gint32 *) m->ids->data;
  batch.type_ids = (const gint32 *) m->type_ids->data;
  if (want_attentions)
    reserve_attentions (m, n);

  hidden = lucid_bert_forward (m->bert, &batch,
      want_attentions ? m->attn : NULL,
      want_attentions ? (const gsize *) m->attn_offset->data : NULL, error);
  if (hidden == NULL)
    return FALSE;

  g_array_set_size (m->emb, n * H);
  g_array_set_size (m->logits, n * L);
  g_array_set_size (m->pooled, H);
  for (guint s = 0; s < n; s++) {
    const float *h = hidden + (gsize) off[s] * H;
    gsize len = off[s + 1] - off[s];
    float *e = &g_array_index (m->emb, float, s * H);
    pool_sequence (m, pooling, h, len, e);
    if (lucid_text_model_get_normalize (m))
      l2_normalize (e, H);
    if (L > 0) {
      float *pooled = (float *) m->pooled->data;
      lucid_bert_pool (m->bert, h, pooled);
      lucid_bert_classify (m->bert, pooled,
          &g_array_index (m->logits, float, s * L));
    }
  }

  memset (out, 0, sizeof *out);
  out->n_seqs = n;
  out->hidden_size = H;
  out->embeddings = (const float *) m->emb->data;
  out->logits = L > 0 ? (const float *) m->logits->data : NULL;
  out->num_labels = L;
  out->hidden_states = hidden;
  out->seq_offset = off;
  out->encodings = (LucidEncoding **) m->encodings->pdata;
  if (want_attentions) {
    out->attentions = (const float *const *) m->attn;
    out->attn_offset = (const gsize *) m->attn_offset->data;
  }
  return TRUE;
}

/* Masked copies per forward pass in lucid_text_model_pll: bounded so a
 * 512-token text costs at most ~4k tokens of scratch per pass. */
#define PLL_MAX_TOKENS_PER_PASS 4096

gboolean
lucid_text_model_pll (LucidTextModel *m, const char *text,
    const LucidTextOptions *opts, double *pll, guint *n_scored,
    GError **error)
{
  const gsize H = m->cfg->hidden_size, V = m->cfg->vocab_size;
  const gint32 mask_id = lucid_tokenizer_get_mask_id (m->tok);
  guint max_length =
      lucid_text_model_resolve_max_length (m, opts ? opts->max_length : 0);
  g_autoptr (LucidEncoding) enc = NULL;
  g_autoptr (GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree double *logprobs = NULL;
  g_autofree gint32 *ids = NULL;
  g_autofree gint32 *types = NULL;
  g_autofree guint *offsets = NULL;
  guint per_pass;
  double sum = 0.0;

  if (!lucid_bert_has_mlm_head (m->bert)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: pseudo-log-likelihood needs a masked-LM head (cls.predictions.*),"
        " which this model does not have", m->dir);
    return FALSE;
  }
  if (mask_id < 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: the tokenizer defines no [MASK] token", m->dir);
    return FALSE;
  }

  enc = lucid_tokenizer_encode (m->tok, text, NULL, max_length);
  for (guint t = 0; t < enc->n; t++) {
    if (!enc->special_mask[t])
      g_array_append_val (positions, t);
  }
  *pll = 0.0;
  *n_scored = positions->len;
  if (positions->len == 0)
    return TRUE;

  per_pass = MAX (1u, PLL_MAX_TOKENS_PER_PASS / MAX (enc->n, 1u));
  per_pass = MIN (per_pass, positions->len);
  ids = g_new (gint32, (gsize) per_pass * enc->n);
  types = g_new (gint32, (gsize) per_pass * enc->n);
  offsets = g_new (guint, per_pass + 1);
  logprobs = g_new (double, V);

  for (guint first = 0; first < positions->len; first += per_pass) {
    guint k = MIN (per_pass, positions->len - first);
    LucidBertBatch batch = { k, offsets, ids, types };
    const float *hidden;

    for (guint c = 0; c < k; c++) {
      guint pos = g_array_index (positions, guint, first + c);
      memcpy (ids + (gsize) c * enc->n, enc->ids, enc->n * sizeof (gint32));
      memcpy (types + (gsize) c * enc->n, enc->type_ids,
          enc->n * sizeof (gint32));
      ids[(gsize) c * enc->n + pos] = mask_id;
      offsets[c] = c * enc->n;
    }
    offsets[k] = k * enc->n;
    hidden = lucid_bert_forward (m->bert, &batch, NULL, NULL, error);
    if (hidden == NULL)
      return FALSE;
    for (guint c = 0; c < k; c++) {
      guint pos = g_array_index (positions, guint, first + c);
      lucid_bert_mlm_logprobs (m->bert,
          hidden + ((gsize) c * enc->n + pos) * H, logprobs);
      sum += logprobs[enc->ids[pos]];
    }
  }
  *pll = sum;
  return TRUE;
}
