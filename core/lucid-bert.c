/* lucid-bert.c — BERT encoder forward pass.
 *
 * Shapes (T = tokens in the packed batch, H = hidden, I = intermediate,
 * nh = heads, d = H / nh, V = vocabulary):
 *
 *   h[T×H]   = LN(word[ids] + pos[position in its sequence] + type[type_ids])
 *   per layer:
 *     qkv[T×3H] = h · Wqkvᵀ + bqkv          (q, k, v packed at load time)
 *     ctx[T×H]  = attention per sequence   (no padding: sequences are packed)
 *     h         = LN(ctx · Woᵀ + bo + h)
 *     inter[T×I]= act(h · Wiᵀ + bi)
 *     h         = LN(inter · Wdᵀ + bd + h)
 *
 * Sequences are packed one after another, so the GEMMs see every real token
 * once and attention runs per sequence: a batch of short and long texts does
 * no padding work. Weights are read in place from the mapped safetensors file
 * when they are F32 (see lucid_safetensors_get_f32); only Wqkv is copied.
 * A backend with pack_linear (the CPU backend) gets the four Linear layers
 * of every layer packed once here, into its GEMM's panel layout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-bert.h"
#include "lucid-error.h"

#include <math.h>
#include <string.h>

typedef struct {
  float *qkv_w;                /* [3H × H] owned */
  float *qkv_b;                /* [3H] owned */
  const float *o_w, *o_b, *ln1_g, *ln1_b;
  const float *i_w, *i_b, *d_w, *d_b, *ln2_g, *ln2_b;
  /* the four Linear layers packed once by the backend, or NULL */
  LucidPackedLinear *qkv_p, *o_p, *i_p, *d_p;
} BertLayer;

struct _LucidBert {
  const LucidBertConfig *cfg;  /* borrowed */
  LucidSafetensors *st;        /* borrowed */
  const LucidBackend *be;
  char *prefix;                /* "bert." or "" */

  const float *word, *pos, *type, *emb_ln_g, *emb_ln_b;
  BertLayer *layers;
  const float *pool_w, *pool_b;                     /* optional */
  const float *mlm_w, *mlm_b, *mlm_ln_g, *mlm_ln_b; /* optional */
  const float *mlm_dec, *mlm_bias;
  const float *cls_w, *cls_b;                       /* optional */
  guint num_labels;

  /* scratch, grown on demand */
  gsize cap_tokens, cap_len, cap_seqs;
  float *h, *tmp, *qkv, *ctx, *inter, *att; /* att: only without attention_batch */
  gsize *seq_off;                               /* [cap_seqs + 1] */
  float *mlm_tmp, *mlm_logits;
};

/* Binds tensor `prefix + name` (or, for the LayerNorm gamma/beta spellings of
 * old checkpoints, its alias). Optional tensors return NULL silently when
 * absent; a present tensor of the wrong shape is always an error. */
static const float *
bind (LucidBert *b, const char *name, guint n_dims, gint64 d0, gint64 d1,
    gboolean optional, GError **error)
{
  const gint64 shape[2] = { d0, d1 };
  g_autofree char *full = g_strconcat (b->prefix, name, NULL);

  if (lucid_safetensors_lookup (b->st, full) == NULL) {
    g_autofree char *alias = NULL;
    g_autofree char *stem = NULL;
    if (g_str_has_suffix (full, "LayerNorm.weight")) {
      stem = g_strndup (full, strlen (full) - strlen ("weight"));
      alias = g_strconcat (stem, "gamma", NULL);
    } else if (g_str_has_suffix (full, "LayerNorm.bias")) {
      stem = g_strndup (full, strlen (full) - strlen ("bias"));
      alias = g_strconcat (stem, "beta", NULL);
    }
    if (alias != NULL && lucid_safetensors_lookup (b->st, alias) != NULL) {
      g_free (full);
      full = g_steal_pointer (&alias);
    } else if (optional) {
      return NULL;
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
          "%s: tensor '%s' is missing", lucid_safetensors_get_path (b->st),
          full);
      return NULL;
    }
  }
  return lucid_safetensors_get_f32 (b->st, full, n_dims, shape, error);
}

#define BIND(dst, name, nd, d0, d1) \
  G_STMT_START { \
    (dst) = bind (b, (name), (nd), (d0), (d1), FALSE, error); \
    if ((dst) == NULL) \
      return NULL; \
  } G_STMT_END

static gboolean
bind_layer (LucidBert *b, guint l, GError **error)
{
  const gint64 H = b->cfg->hidden_size, I = b->cfg->intermediate_size;
  BertLayer *L = &b->layers[l];
  const char *qkv_names[3] = { "query", "key", "value" };
  g_autofree char *pre = g_strdup_printf ("encoder.layer.%u.", l);

  L->qkv_w = g_new (float, 3 * H * H);
  L->qkv_b = g_new (float, 3 * H);
  for (int i = 0; i < 3; i++) {
    g_autofree char *wn = g_strdup_printf ("%sattention.self.%s.weight", pre,
        qkv_names[i]);
    g_autofree char *bn = g_strdup_printf ("%sattention.self.%s.bias", pre,
        qkv_names[i]);
    const float *w = bind (b, wn, 2, H, H, FALSE, error);
    const float *bias = w ? bind (b, bn, 1, H, 0, FALSE, error) : NULL;
    if (bias == NULL)
      return FALSE;
    memcpy (L->qkv_w + i * H * H, w, H * H * sizeof (float));
    memcpy (L->qkv_b + i * H, bias, H * sizeof (float));
  }
#define LAYER_BIND(dst, suffix, nd, d0, d1) \
  G_STMT_START { \
    g_autofree char *n_ = g_strconcat (pre, (suffix), NULL); \
    (dst) = bind (b, n_, (nd), (d0), (d1), FALSE, error); \
    if ((dst) == NULL) \
      return FALSE; \
  } G_STMT_END
  LAYER_BIND (L->o_w, "attention.output.dense.weight", 2, H, H);
  LAYER_BIND (L->o_b, "attention.output.dense.bias", 1, H, 0);
  LAYER_BIND (L->ln1_g, "attention.output.LayerNorm.weight", 1, H, 0);
  LAYER_BIND (L->ln1_b, "attention.output.LayerNorm.bias", 1, H, 0);
  LAYER_BIND (L->i_w, "intermediate.dense.weight", 2, I, H);
  LAYER_BIND (L->i_b, "intermediate.dense.bias", 1, I, 0);
  LAYER_BIND (L->d_w, "output.dense.weight", 2, H, I);
  LAYER_BIND (L->d_b, "output.dense.bias", 1, H, 0);
  LAYER_BIND (L->ln2_g, "output.LayerNorm.weight", 1, H, 0);
  LAYER_BIND (L->ln2_b, "output.LayerNorm.bias", 1, H, 0);
#undef LAYER_BIND
  if (b->be->pack_linear != NULL) {
    const LucidBackend *be = b->be;
    L->qkv_p = be->pack_linear (be, L->qkv_w, L->qkv_b, 3 * H, H);
    L->o_p = be->pack_linear (be, L->o_w, L->o_b, H, H);
    L->i_p = be->pack_linear (be, L->i_w, L->i_b, I, H);
    L->d_p = be->pack_linear (be, L->d_w, L->d_b, H, I);
  }
  return TRUE;
}

/* The optional heads live outside the `bert.` prefix (cls.*, classifier.*). */
static const float *
bind_head (LucidBert *b, const char *name, guint nd, gint64 d0, gint64 d1,
    GError **error)
{
  char *saved = b->prefix;
  const float *p;
  b->prefix = (char *) "";
  p = bind (b, name, nd, d0, d1, TRUE, error);
  b->prefix = saved;
  return p;
}

static gboolean
bind_heads (LucidBert *b, GError **error)
{
  const gint64 H = b->cfg->hidden_size, V = b->cfg->vocab_size;
  GError *err = NULL;

  b->pool_w = bind (b, "pooler.dense.weight", 2, H, H, TRUE, &err);
  if (err == NULL && b->pool_w != NULL)
    b->pool_b = bind (b, "pooler.dense.bias", 1, H, 0, FALSE, &err);

  if (err == NULL)
    b->mlm_w = bind_head (b, "cls.predictions.transform.dense.weight", 2, H, H,
        &err);
  if (err == NULL && b->mlm_w != NULL) {
    const char *names[] = { "cls.predictions.transform.dense.bias",
      "cls.predictions.transform.LayerNorm.weight",
      "cls.predictions.transform.LayerNorm.bias"
    };
    const float **dst[] = { &b->mlm_b, &b->mlm_ln_g, &b->mlm_ln_b };
    for (int i = 0; i < 3 && err == NULL; i++) {
      *dst[i] = bind_head (b, names[i], 1, H, 0, &err);
      if (err == NULL && *dst[i] == NULL)
        g_set_error (&err, LUCID_ERROR, LUCID_ERROR_MISSING,
            "%s: masked-LM head is incomplete: tensor '%s' is missing",
            lucid_safetensors_get_path (b->st), names[i]);
    }
    /* The decoder is tied to the word embeddings unless stored. */
    if (err == NULL)
      b->mlm_dec = bind_head (b, "cls.predictions.decoder.weight", 2, V, H,
          &err);
    if (err == NULL && b->mlm_dec == NULL)
      b->mlm_dec = b->word;
    if (err == NULL)
      b->mlm_bias = bind_head (b, "cls.predictions.bias", 1, V, 0, &err);
    if (err == NULL && b->mlm_bias == NULL)
      b->mlm_bias = bind_head (b, "cls.predictions.decoder.bias", 1, V, 0,
          &err);
    if (err == NULL && b->mlm_bias == NULL)
      g_set_error (&err, LUCID_ERROR, LUCID_ERROR_MISSING,
          "%s: masked-LM head has no output bias (cls.predictions.bias)",
          lucid_safetensors_get_path (b->st));
  }

  if (err == NULL && b->cfg->num_labels > 0) {
    b->cls_w = bind_head (b, "classifier.weight", 2, b->cfg->num_labels, H,
        &err);
    if (err == NULL && b->cls_w != NULL) {
      b->cls_b = bind_head (b, "classifier.bias", 1, b->cfg->num_labels, 0,
          &err);
      if (err == NULL && b->cls_b == NULL)
        g_set_error (&err, LUCID_ERROR, LUCID_ERROR_MISSING,
            "%s: tensor 'classifier.bias' is missing",
            lucid_safetensors_get_path (b->st));
      if (err == NULL && b->pool_w == NULL)
        g_set_error (&err, LUCID_ERROR, LUCID_ERROR_MISSING,
            "%s: a classifier needs the pooler (pooler.dense.weight)",
            lucid_safetensors_get_path (b->st));
      b->num_labels = b->cfg->num_labels;
    }
  }
  if (err != NULL) {
    g_propagate_error (error, err);
    return FALSE;
  }
  return TRUE;
}

LucidBert *
lucid_bert_new (const LucidBertConfig *config, LucidSafetensors *st,
    const LucidBackend *backend, GError **error)
{
  LucidBert *b = g_new0 (LucidBert, 1);
  const gint64 H = config->hidden_size;

  b->cfg = config;
  b->st = st;
  b->be = backend;
  if (lucid_safetensors_lookup (st, "bert.embeddings.word_embeddings.weight"))
    b->prefix = g_strdup ("bert.");
  else if (lucid_safetensors_lookup (st, "embeddings.word_embeddings.weight"))
    b->prefix = g_strdup ("");
  else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: no BERT weights found (neither 'bert.embeddings.word_embeddings."
        "weight' nor 'embeddings.word_embeddings.weight')",
        lucid_safetensors_get_path (st));
    lucid_bert_free (b);
    return NULL;
  }
  b->layers = g_new0 (BertLayer, config->num_hidden_layers);

#define TRY(expr) G_STMT_START { if (!(expr)) goto fail; } G_STMT_END
  TRY ((b->word = bind (b, "embeddings.word_embeddings.weight", 2,
              config->vocab_size, H, FALSE, error)));
  TRY ((b->pos = bind (b, "embeddings.position_embeddings.weight", 2,
              config->max_position_embeddings, H, FALSE, error)));
  TRY ((b->type = bind (b, "embeddings.token_type_embeddings.weight", 2,
              config->type_vocab_size, H, FALSE, error)));
  TRY ((b->emb_ln_g = bind (b, "embeddings.LayerNorm.weight", 1, H, 0, FALSE,
              error)));
  TRY ((b->emb_ln_b = bind (b, "embeddings.LayerNorm.bias", 1, H, 0, FALSE,
              error)));
  for (guint l = 0; l < config->num_hidden_layers; l++)
    TRY (bind_layer (b, l, error));
  TRY (bind_heads (b, error));
#undef TRY
  return b;

fail:
  lucid_bert_free (b);
  return NULL;
}

void
lucid_bert_free (LucidBert *b)
{
  if (b == NULL)
    return;
  if (b->layers != NULL) {
    for (guint l = 0; l < b->cfg->num_hidden_layers; l++) {
      BertLayer *L = &b->layers[l];
      g_free (L->qkv_w);
      g_free (L->qkv_b);
      if (b->be->free_packed != NULL) {
        b->be->free_packed (b->be, L->qkv_p);
        b->be->free_packed (b->be, L->o_p);
        b->be->free_packed (b->be, L->i_p);
        b->be->free_packed (b->be, L->d_p);
      }
    }
  }
  g_free (b->layers);
  g_free (b->prefix);
  g_free (b->h);
  g_free (b->tmp);
  g_free (b->qkv);
  g_free (b->ctx);
  g_free (b->inter);
  g_free (b->att);
  g_free (b->seq_off);
  g_free (b->mlm_tmp);
  g_free (b->mlm_logits);
  g_free (b);
}

gboolean
lucid_bert_has_pooler (const LucidBert *b)
{
  return b->pool_w != NULL;
}

gboolean
lucid_bert_has_mlm_head (const LucidBert *b)
{
  return b->mlm_w != NULL;
}

gboolean
lucid_bert_has_classifier (const LucidBert *b)
{
  return b->cls_w != NULL;
}

guint
lucid_bert_get_num_labels (const LucidBert *b)
{
  return b->num_labels;
}

/* y = act(x · wᵀ + bias) through the packed weight when there is one. */
static void
linear (const LucidBackend *be, const float *x, const LucidPackedLinear *p,
    const float *w, const float *bias, float *y, gsize m, gsize n, gsize k,
    const LucidActivation *act)
{
  if (p != NULL) {
    be->linear_packed (be, x, p, y, m, act);
    return;
  }
  be->linear (be, x, w, bias, y, m, n, k);
  if (act != NULL)
    be->activation (be, *act, y, m * n);
}

static void
reserve (LucidBert *b, gsize tokens, gsize max_len, gsize n_seqs)
{
  const gsize H = b->cfg->hidden_size, I = b->cfg->intermediate_size;
  if (tokens > b->cap_tokens) {
    b->cap_tokens = MAX (tokens, b->cap_tokens * 3 / 2);
    b->h = g_renew (float, b->h, b->cap_tokens * H);
    b->tmp = g_renew (float, b->tmp, b->cap_tokens * H);
    b->ctx = g_renew (float, b->ctx, b->cap_tokens * H);
    b->qkv = g_renew (float, b->qkv, b->cap_tokens * 3 * H);
    b->inter = g_renew (float, b->inter, b->cap_tokens * I);
  }
  if (n_seqs > b->cap_seqs || b->seq_off == NULL) {
    b->cap_seqs = MAX (n_seqs, b->cap_seqs * 3 / 2);
    b->seq_off = g_renew (gsize, b->seq_off, b->cap_seqs + 1);
  }
  /* the backend's batched attention needs no len × len scratch */
  if (b->be->attention_batch == NULL && max_len > b->cap_len) {
    b->cap_len = max_len;
    b->att = g_renew (float, b->att,
        max_len * max_len * b->cfg->num_attention_heads);
  }
}

static gboolean
check_batch (LucidBert *b, const LucidBertBatch *batch, gsize *max_len,
    GError **error)
{
  const LucidBertConfig *c = b->cfg;
  *max_len = 0;
  for (guint s = 0; s < batch->n_seqs; s++) {
    gsize len = batch->seq_offset[s + 1] - batch->seq_offset[s];
    if (batch->seq_offset[s + 1] < batch->seq_offset[s]
        || len > c->max_position_embeddings) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "sequence %u has %zu tokens; the model takes at most %u", s, len,
          c->max_position_embeddings);
      return FALSE;
    }
    *max_len = MAX (*max_len, len);
  }
  for (guint t = 0; t < batch->seq_offset[batch->n_seqs]; t++) {
    if (batch->ids[t] < 0 || (guint) batch->ids[t] >= c->vocab_size
        || batch->type_ids[t] < 0
        || (guint) batch->type_ids[t] >= c->type_vocab_size) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "token %u: id %d / type %d outside the model's vocabulary (%u) or "
          "type vocabulary (%u)", t, batch->ids[t], batch->type_ids[t],
          c->vocab_size, c->type_vocab_size);
      return FALSE;
    }
  }
  return TRUE;
}

const float *
lucid_bert_forward (LucidBert *b, const LucidBertBatch *batch,
    float *const *attentions, const gsize *attn_offset, GError **error)
{
  const LucidBertConfig *c = b->cfg;
  const LucidBackend *be = b->be;
  const gsize H = c->hidden_size, I = c->intermediate_size;
  const gsize nh = c->num_attention_heads, d = H / nh;
  const gsize T = batch->seq_offset[batch->n_seqs];
  gsize max_len;

  if (!check_batch (b, batch, &max_len, error))
    return NULL;
  reserve (b, MAX (T, 1), MAX (max_len, 1), batch->n_seqs);
  for (guint s = 0; s <= batch->n_seqs; s++)
    b->seq_off[s] = batch->seq_offset[s];

  /* Embeddings. */
  for (guint s = 0; s < batch->n_seqs; s++) {
    for (guint t = batch->seq_offset[s]; t < batch->seq_offset[s + 1]; t++) {
      const float *w = b->word + (gsize) batch->ids[t] * H;
      const float *p = b->pos + (gsize) (t - batch->seq_offset[s]) * H;
      const float *ty = b->type + (gsize) batch->type_ids[t] * H;
      float *row = b->h + (gsize) t * H;
      for (gsize i = 0; i < H; i++)
        row[i] = w[i] + p[i] + ty[i];
    }
  }
  be->layernorm (be, b->h, NULL, b->emb_ln_g, b->emb_ln_b, T, H,
      c->layer_norm_eps);

  for (guint l = 0; l < c->num_hidden_layers; l++) {
    const BertLayer *L = &b->layers[l];
    float *swap;

    linear (be, b->h, L->qkv_p, L->qkv_w, L->qkv_b, b->qkv, T, 3 * H, H, NULL);
    if (be->attention_batch != NULL) {
      /* all sequences and heads in one call: the backend spreads them
       * over its threads */
      be->attention_batch (be, b->qkv, b->ctx, b->seq_off, batch->n_seqs,
          nh, d, FALSE, NULL, attentions != NULL ? attentions[l] : NULL,
          attn_offset);
    } else {
      for (guint s = 0; s < batch->n_seqs; s++) {
        const gsize off = batch->seq_offset[s];
        const gsize len = batch->seq_offset[s + 1] - off;
        float *probs = attentions != NULL ? attentions[l] + attn_offset[s]
            : NULL;
        if (len == 0)
          continue;
        be->attention (be, b->qkv + off * 3 * H, b->ctx + off * H, probs,
            len, nh, d, FALSE, b->att);
      }
    }
    linear (be, b->ctx, L->o_p, L->o_w, L->o_b, b->tmp, T, H, H, NULL);
    be->layernorm (be, b->tmp, b->h, L->ln1_g, L->ln1_b, T, H,
        c->layer_norm_eps);
    swap = b->h, b->h = b->tmp, b->tmp = swap;

    linear (be, b->h, L->i_p, L->i_w, L->i_b, b->inter, T, I, H,
        &c->hidden_act);
    linear (be, b->inter, L->d_p, L->d_w, L->d_b, b->tmp, T, H, I, NULL);
    be->layernorm (be, b->tmp, b->h, L->ln2_g, L->ln2_b, T, H,
        c->layer_norm_eps);
    swap = b->h, b->h = b->tmp, b->tmp = swap;
  }
  return b->h;
}

void
lucid_bert_pool (LucidBert *b, const float *cls, float *out)
{
  const gsize H = b->cfg->hidden_size;
  g_return_if_fail (b->pool_w != NULL);
  b->be->linear (b->be, cls, b->pool_w, b->pool_b, out, 1, H, H);
  for (gsize i = 0; i < H; i++)
    out[i] = tanhf (out[i]);
}

void
lucid_bert_classify (LucidBert *b, const float *pooled, float *logits)
{
  g_return_if_fail (b->cls_w != NULL);
  b->be->linear (b->be, pooled, b->cls_w, b->cls_b, logits, 1, b->num_labels,
      b->cfg->hidden_size);
}

void
lucid_bert_mlm_logprobs (LucidBert *b, const float *hidden, double *logprobs)
{
  const gsize H = b->cfg->hidden_size, V = b->cfg->vocab_size;
  double max = -INFINITY, sum = 0.0, lse;

  g_return_if_fail (b->mlm_w != NULL);
  if (b->mlm_tmp == NULL) {
    b->mlm_tmp = g_new (float, H);
    b->mlm_logits = g_new (float, V);
  }
  b->be->linear (b->be, hidden, b->mlm_w, b->mlm_b, b->mlm_tmp, 1, H, H);
  b->be->activation (b->be, b->cfg->hidden_act, b->mlm_tmp, H);
  b->be->layernorm (b->be, b->mlm_tmp, NULL, b->mlm_ln_g, b->mlm_ln_b, 1, H,
      b->cfg->layer_norm_eps);
  b->be->linear (b->be, b->mlm_tmp, b->mlm_dec, b->mlm_bias, b->mlm_logits, 1,
      V, H);
  for (gsize v = 0; v < V; v++)
    max = MAX (max, (double) b->mlm_logits[v]);
  for (gsize v = 0; v < V; v++)
    sum += exp ((double) b->mlm_logits[v] - max);
  lse = max + log (sum);
  for (gsize v = 0; v < V; v++)
    logprobs[v] = (double) b->mlm_logits[v] - lse;
}
