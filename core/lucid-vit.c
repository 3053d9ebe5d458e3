/* lucid-vit.c — Vision Transformer forward pass (ViTModel and
 * ViTForImageClassification, as transformers defines them).
 *
 * Shapes (n = images in the batch, C = channels, p×q = patch, gh×gw = patch
 * grid, P = gh·gw, L = 1 + P tokens per image, T = n·L, H = hidden,
 * I = intermediate, nh = heads, d = H / nh, K = C·p·q):
 *
 *   cols[n·P×K] = im2col(pixels)          one row per patch, columns (c, y, x)
 *                                         in the conv weight's order
 *   emb[n·P×H]  = cols · Wpatchᵀ + bpatch  the stride = kernel conv as a GEMM
 *   h[T×H]      = per image [cls ; emb] + pos[L×H]
 *   per layer (PRE-norm, unlike BERT):
 *     a         = LN_before(h)
 *     qkv[T×3H] = a · Wqkvᵀ + bqkv        (q, k, v packed at load time)
 *     ctx[T×H]  = attention per image      (L tokens, no mask)
 *     h         = h + ctx · Woᵀ + bo
 *     a         = LN_after(h)
 *     inter[T×I]= act(a · Wiᵀ + bi)
 *     h         = h + inter · Wdᵀ + bd
 *   h           = LN_final(h)              last_hidden_state
 *   cls[n×H]    = h[image·L]               what the classifier reads
 *   pooler      = tanh(cls · Wpᵀ + bp)     ViTModel with a pooling layer
 *   logits      = cls · Wcᵀ + bc           ViTForImageClassification
 *
 * The backend's layernorm normalises in place (LN(x + residual)); the
 * pre-norm layer needs the un-normalised stream kept for its residual, so the
 * stream is copied into the LN input first — one T×H copy per LayerNorm,
 * small next to the GEMMs. The image size must be config.json's: position
 * embeddings are not interpolated (transformers' interpolate_pos_encoding).
 *
 * Checkpoints use transformers' long-standing names
 * (`vit.encoder.layer.N.attention.attention.query.weight`, ...), which
 * transformers 5 still writes with save_pretrained. Weights are read in place
 * from the mapped safetensors file when they are F32; only Wqkv is copied.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-vit.h"
#include "lucid-encoder.h"
#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-model-config.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * config.json
 * ------------------------------------------------------------------------ */

void
lucid_vit_config_free (LucidVitConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->model_type);
  g_strfreev (config->id2label);
  g_free (config);
}

/* image_size / patch_size: an integer, or [height, width] as ViTConfig
 * also accepts. */
static gboolean
get_pair (JsonObject *obj, const char *key, guint *h, guint *w, gint64 max,
    const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  JsonArray *arr;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    if (!lucid_config_get_dim (obj, key, max, h, path, error))
      return FALSE;
    *w = *h;
    return TRUE;
  }
  arr = json_node_get_array (node);
  if (json_array_get_length (arr) != 2) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: \"%s\" must be an integer or [height, width]", path, key);
    return FALSE;
  }
  for (guint i = 0; i < 2; i++) {
    JsonNode *e = json_array_get_element (arr, i);
    gint64 v = 0;
    if (lucid_json_node_is_sane_int (e))
      v = json_node_get_int (e);
    if (v < 1 || v > max) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: \"%s\"[%u] must be an integer in [1, %" G_GINT64_FORMAT "]",
          path, key, i, max);
      return FALSE;
    }
    *(i == 0 ? h : w) = (guint) v;
  }
  return TRUE;
}

LucidVitConfig *
lucid_vit_config_load (const char *dir, GError **error)
{
  g_autofree char *path = NULL;
  gsize len;
  g_autofree char *data = lucid_config_read (dir, &path, &len, error);

  if (data == NULL)
    return NULL;
  return lucid_vit_config_new_from_data (data, len, path, error);
}

LucidVitConfig *
lucid_vit_config_new_from_data (const char *data, gsize len,
    const char *path, GError **error)
{
  g_autoptr (LucidVitConfig) cfg = g_new0 (LucidVitConfig, 1);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *s;

  root = lucid_config_parse (data, len, path, &obj, error);
  if (root == NULL)
    return NULL;

  s = lucid_config_get_model_type (obj, "vit", "a ViT vision model", path,
      error);
  if (s == NULL)
    return NULL;
  cfg->model_type = g_strdup (s);

  cfg->num_channels = 3;
  if (!get_pair (obj, "image_size", &cfg->image_height, &cfg->image_width,
          16384, path, error)
      || !get_pair (obj, "patch_size", &cfg->patch_height, &cfg->patch_width,
          4096, path, error)
      || (lucid_json_has (obj, "num_channels")
          && !lucid_config_get_dim (obj, "num_channels", 64,
              &cfg->num_channels, path, error))
      || !lucid_config_get_encoder_dims (obj, &cfg->hidden_size,
          &cfg->num_hidden_layers, &cfg->num_attention_heads,
          &cfg->intermediate_size, path, error)
      || !lucid_config_check_heads (cfg->hidden_size,
          cfg->num_attention_heads, path, error))
    return NULL;
  if (cfg->patch_height > cfg->image_height
      || cfg->patch_width > cfg->image_width) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: patch_size %u×%u is larger than image_size %u×%u", path,
        cfg->patch_height, cfg->patch_width, cfg->image_height,
        cfg->image_width);
    return NULL;
  }

  if (!lucid_config_get_eps (obj, "layer_norm_eps", 1e-12,
          &cfg->layer_norm_eps, path, error)
      || !lucid_config_get_activation (obj, "hidden_act", "gelu",
          &cfg->hidden_act, path, error))
    return NULL;

  cfg->qkv_bias = TRUE;
  if (lucid_json_has (obj, "qkv_bias")
      && !lucid_json_get_bool (obj, "qkv_bias", &cfg->qkv_bias, path, error))
    return NULL;

  cfg->pooler_output_size = cfg->hidden_size;
  if (lucid_json_has (obj, "pooler_output_size")
      && !JSON_NODE_HOLDS_NULL (json_object_get_member (obj,
              "pooler_output_size"))
      && !lucid_config_get_dim (obj, "pooler_output_size", 65536,
          &cfg->pooler_output_size, path, error))
    return NULL;
  s = lucid_json_has (obj, "pooler_act") ?
      lucid_json_get_string (obj, "pooler_act", path, error) : "tanh";
  if (s == NULL)
    return NULL;
  cfg->pooler_act_tanh = strcmp (s, "tanh") == 0;
  if (!cfg->pooler_act_tanh && !lucid_config_get_activation (obj,
          "pooler_act", NULL, &cfg->pooler_act, path, error))
    return NULL;

  if (!lucid_config_read_id2label (obj, path, &cfg->id2label,
          &cfg->num_labels, error)
      || !lucid_config_read_problem_type (obj, path, &cfg->problem_type,
          error))
    return NULL;
  return g_steal_pointer (&cfg);
}

guint
lucid_vit_config_get_num_patches (const LucidVitConfig *c)
{
  /* A conv with stride = kernel drops the remainder rows/columns. */
  return (c->image_height / c->patch_height) *
      (c->image_width / c->patch_width);
}

/* ------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------ */

typedef LucidPrenormLayer VitLayer;

struct _LucidVit {
  LucidVitConfig *cfg;
  LucidSafetensors *st;
  const LucidBackend *be;
  const char *prefix;          /* "vit." or "" (static strings) */
  guint n_patches, seq_len;

  const float *patch_w;        /* [H × C × p × q] = [H × K] */
  LucidPackedLinear *patch_p;  /* patch_w and patch_b packed, or NULL */
  const float *patch_b, *cls_token, *pos;  /* [H], [H], [L × H] */
  VitLayer *layers;
  const float *ln_g, *ln_b;    /* final layernorm */
  const float *pool_w, *pool_b;             /* optional */
  const float *cls_w, *cls_b;               /* optional */
  guint num_labels;

  /* scratch, grown on demand (capacity in images) */
  guint cap_images;
  LucidPrenormDims dims;
  LucidEncoderScratch scr;
  gsize *lens;                 /* [cap_images], every one seq_len */
  float *cols, *h;
  float *cls, *pooled, *logits;
};

/* Binds tensor @prefix + @name. Optional tensors return NULL without an
 * error when absent; a present tensor of the wrong shape is always an error. */
static const float *
bind (LucidVit *v, const char *prefix, const char *name, guint n_dims,
    const gint64 *shape, gboolean optional, GError **error)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);

  if (lucid_safetensors_lookup (v->st, full) == NULL) {
    if (!optional)
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
          "%s: tensor '%s' is missing", lucid_safetensors_get_path (v->st),
          full);
    return NULL;
  }
  return lucid_safetensors_get_f32 (v->st, full, n_dims, shape, error);
}

#define SHAPE(...) ((const gint64[]) { __VA_ARGS__ })

static gboolean
bind_layer (LucidVit *v, guint l, GError **error)
{
  const gint64 H = v->cfg->hidden_size, I = v->cfg->intermediate_size;
  VitLayer *L = &v->layers[l];
  const char *qkv_names[3] = { "query", "key", "value" };
  g_autofree char *pre = g_strdup_printf ("%sencoder.layer.%u.", v->prefix, l);

  L->qkv_w = g_new (float, 3 * H * H);
  L->qkv_b = g_new0 (float, 3 * H);
  for (int i = 0; i < 3; i++) {
    g_autofree char *wn = g_strdup_printf ("attention.attention.%s.weight",
        qkv_names[i]);
    g_autofree char *bn = g_strdup_printf ("attention.attention.%s.bias",
        qkv_names[i]);
    const float *w = bind (v, pre, wn, 2, SHAPE (H, H), FALSE, error);
    if (w == NULL)
      return FALSE;
    memcpy (L->qkv_w + i * H * H, w, H * H * sizeof (float));
    if (v->cfg->qkv_bias) {
      const float *bias = bind (v, pre, bn, 1, SHAPE (H), FALSE, error);
      if (bias == NULL)
        return FALSE;
      memcpy (L->qkv_b + i * H, bias, H * sizeof (float));
    }
  }
#define LAYER_BIND(dst, suffix, nd, ...) \
  G_STMT_START { \
    (dst) = bind (v, pre, (suffix), (nd), SHAPE (__VA_ARGS__), FALSE, error); \
    if ((dst) == NULL) \
      return FALSE; \
  } G_STMT_END
  LAYER_BIND (L->ln1_g, "layernorm_before.weight", 1, H);
  LAYER_BIND (L->ln1_b, "layernorm_before.bias", 1, H);
  LAYER_BIND (L->o_w, "attention.output.dense.weight", 2, H, H);
  LAYER_BIND (L->o_b, "attention.output.dense.bias", 1, H);
  LAYER_BIND (L->ln2_g, "layernorm_after.weight", 1, H);
  LAYER_BIND (L->ln2_b, "layernorm_after.bias", 1, H);
  LAYER_BIND (L->i_w, "intermediate.dense.weight", 2, I, H);
  LAYER_BIND (L->i_b, "intermediate.dense.bias", 1, I);
  LAYER_BIND (L->d_w, "output.dense.weight", 2, H, I);
  LAYER_BIND (L->d_b, "output.dense.bias", 1, H);
#undef LAYER_BIND
  lucid_prenorm_layer_pack (v->be, L, H, I);
  return TRUE;
}

/* The pooler lives inside the ViTModel (prefix), the classifier outside. */
static gboolean
bind_heads (LucidVit *v, GError **error)
{
  const gint64 H = v->cfg->hidden_size, PO = v->cfg->pooler_output_size;
  const gint64 NL = v->cfg->num_labels;
  GError *err = NULL;

  v->pool_w = bind (v, v->prefix, "pooler.dense.weight", 2, SHAPE (PO, H),
      TRUE, &err);
  if (err == NULL && v->pool_w != NULL)
    v->pool_b = bind (v, v->prefix, "pooler.dense.bias", 1, SHAPE (PO), FALSE,
        &err);

  if (err == NULL && lucid_safetensors_lookup (v->st, "classifier.weight")) {
    if (NL == 0) {
      g_set_error (&err, LUCID_ERROR, LUCID_ERROR_MISSING,
          "%s: the weights have a classifier but config.json has no "
          "\"id2label\"", lucid_safetensors_get_path (v->st));
    } else {
      v->cls_w = bind (v, "", "classifier.weight", 2, SHAPE (NL, H), FALSE,
          &err);
      if (err == NULL)
        v->cls_b = bind (v, "", "classifier.bias", 1, SHAPE (NL), FALSE,
            &err);
      v->num_labels = v->cfg->num_labels;
    }
  }
  if (err != NULL) {
    g_propagate_error (error, err);
    return FALSE;
  }
  return TRUE;
}

static gboolean
bind_all (LucidVit *v, GError **error)
{
  const LucidVitConfig *c = v->cfg;
  const gint64 H = c->hidden_size;
  const gint64 L = v->seq_len;

  if (lucid_safetensors_lookup (v->st, "vit.embeddings.cls_token"))
    v->prefix = "vit.";
  else if (lucid_safetensors_lookup (v->st, "embeddings.cls_token"))
    v->prefix = "";
  else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: no ViT weights found (neither 'vit.embeddings.cls_token' nor "
        "'embeddings.cls_token')", lucid_safetensors_get_path (v->st));
    return FALSE;
  }
  v->layers = g_new0 (VitLayer, c->num_hidden_layers);

#define TRY(expr) G_STMT_START { if (!(expr)) return FALSE; } G_STMT_END
  TRY ((v->cls_token = bind (v, v->prefix, "embeddings.cls_token", 3,
              SHAPE (1, 1, H), FALSE, error)));
  TRY ((v->pos = bind (v, v->prefix, "embeddings.position_embeddings", 3,
              SHAPE (1, L, H), FALSE, error)));
  TRY ((v->patch_w = bind (v, v->prefix,
              "embeddings.patch_embeddings.projection.weight", 4,
              SHAPE (H, c->num_channels, c->patch_height, c->patch_width),
              FALSE, error)));
  TRY ((v->patch_b = bind (v, v->prefix,
              "embeddings.patch_embeddings.projection.bias", 1, SHAPE (H),
              FALSE, error)));
  v->patch_p = lucid_encoder_pack (v->be, v->patch_w, v->patch_b, H,
      (gsize) c->num_channels * c->patch_height * c->patch_width);
  for (guint l = 0; l < c->num_hidden_layers; l++)
    TRY (bind_layer (v, l, error));
  TRY ((v->ln_g = bind (v, v->prefix, "layernorm.weight", 1, SHAPE (H), FALSE,
              error)));
  TRY ((v->ln_b = bind (v, v->prefix, "layernorm.bias", 1, SHAPE (H), FALSE,
              error)));
  TRY (bind_heads (v, error));
#undef TRY
  return TRUE;
}

LucidVit *
lucid_vit_load (const char *dir, const LucidBackend *backend, GError **error)
{
  g_autoptr (LucidVit) v = NULL;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: model directory does not exist or is not a directory", dir);
    return NULL;
  }
  v = g_new0 (LucidVit, 1);
  v->cfg = lucid_vit_config_load (dir, error);
  if (v->cfg == NULL)
    return NULL;
  v->n_patches = lucid_vit_config_get_num_patches (v->cfg);
  v->seq_len = 1 + v->n_patches;

  v->st = lucid_safetensors_open_model (dir, error);
  if (v->st == NULL)
    return NULL;
  v->be = backend != NULL ? backend : lucid_backend_cpu (error);
  if (v->be == NULL)
    return NULL;
  if (!bind_all (v, error))
    return NULL;
  return g_steal_pointer (&v);
}

void
lucid_vit_free (LucidVit *v)
{
  if (v == NULL)
    return;
  if (v->layers != NULL) {
    for (guint l = 0; l < v->cfg->num_hidden_layers; l++)
      lucid_prenorm_layer_clear (v->be, &v->layers[l]);
  }
  if (v->patch_p != NULL)
    lucid_encoder_free_packed (v->be, v->patch_p);
  g_free (v->layers);
  g_free (v->cols);
  g_free (v->h);
  g_free (v->lens);
  lucid_encoder_scratch_clear (&v->scr);
  g_free (v->cls);
  g_free (v->pooled);
  g_free (v->logits);
  lucid_safetensors_free (v->st);
  lucid_vit_config_free (v->cfg);
  g_free (v);
}

const LucidVitConfig *
lucid_vit_get_config (const LucidVit *v)
{
  return v->cfg;
}

LucidSafetensors *
lucid_vit_get_weights (const LucidVit *v)
{
  return v->st;
}

guint
lucid_vit_get_seq_len (const LucidVit *v)
{
  return v->seq_len;
}

gboolean
lucid_vit_has_pooler (const LucidVit *v)
{
  return v->pool_w != NULL;
}

gboolean
lucid_vit_has_classifier (const LucidVit *v)
{
  return v->cls_w != NULL;
}

guint
lucid_vit_get_num_labels (const LucidVit *v)
{
  return v->num_labels;
}

const char *
lucid_vit_get_label (const LucidVit *v, guint i)
{
  return i < v->cfg->num_labels ? v->cfg->id2label[i] : NULL;
}

/* ------------------------------------------------------------------------
 * Forward
 * ------------------------------------------------------------------------ */

static void
reserve (LucidVit *v, guint n)
{
  const LucidVitConfig *c = v->cfg;
  const gsize H = c->hidden_size, L = v->seq_len;
  const gsize K = (gsize) c->num_channels * c->patch_height * c->patch_width;
  const gsize T = (gsize) n * L;

  if (n <= v->cap_images)
    return;
  v->cap_images = n;
  v->dims.hidden = H;
  v->dims.intermediate = c->intermediate_size;
  v->dims.heads = c->num_attention_heads;
  v->dims.eps = c->layer_norm_eps;
  v->dims.act = c->hidden_act;
  v->dims.causal = FALSE;
  lucid_encoder_scratch_reserve (&v->scr, &v->dims, T, L);
  v->lens = g_renew (gsize, v->lens, n);
  for (guint i = 0; i < n; i++)
    v->lens[i] = L;
  v->cols = g_renew (float, v->cols, (gsize) n * v->n_patches * K);
  v->h = g_renew (float, v->h, T * H);
  v->cls = g_renew (float, v->cls, (gsize) n * H);
  v->pooled = g_renew (float, v->pooled,
      (gsize) n * MAX (c->pooler_output_size, 1));
  v->logits = g_renew (float, v->logits, (gsize) n * MAX (v->num_labels, 1));
}

gboolean
lucid_vit_forward (LucidVit *v, const float *pixels, guint n,
    float *const *attentions, LucidVitOutput *out, GError **error)
{
  const LucidVitConfig *c = v->cfg;
  const LucidBackend *be = v->be;
  const gsize H = c->hidden_size;
  const gsize L = v->seq_len, P = v->n_patches;
  const gsize K = (gsize) c->num_channels * c->patch_height * c->patch_width;
  const gsize T = (gsize) n * L;

  if (n == 0 || pixels == NULL || out == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "lucid_vit_forward: needs at least one image and an output");
    return FALSE;
  }
  reserve (v, n);

  /* Patch embedding (conv, kernel = stride = patch) as one GEMM. */
  lucid_patch_im2col (pixels, n, c->num_channels, c->image_height,
      c->image_width, c->patch_height, c->patch_width, v->cols);
  lucid_encoder_linear (be, v->cols, v->patch_p, v->patch_w, v->patch_b,
      v->scr.tmp, (gsize) n * P, H, K, NULL);
  for (gsize img = 0; img < n; img++) {
    float *rows = v->h + img * L * H;
    const float *emb = v->scr.tmp + img * P * H;
    for (gsize i = 0; i < H; i++)
      rows[i] = v->cls_token[i] + v->pos[i];
    for (gsize t = 1; t < L; t++)
      for (gsize i = 0; i < H; i++)
        rows[t * H + i] = emb[(t - 1) * H + i] + v->pos[t * H + i];
  }

  for (guint l = 0; l < c->num_hidden_layers; l++)
    lucid_prenorm_layer_forward (be, &v->layers[l], &v->dims, v->h, v->lens,
        n, attentions != NULL ? attentions[l] : NULL, &v->scr);
  be->layernorm (be, v->h, NULL, v->ln_g, v->ln_b, T, H, c->layer_norm_eps);

  for (gsize img = 0; img < n; img++)
    memcpy (v->cls + img * H, v->h + img * L * H, H * sizeof (float));

  memset (out, 0, sizeof *out);
  out->n_images = n;
  out->hidden_states = v->h;
  out->cls = v->cls;
  if (v->pool_w != NULL) {
    const gsize PO = c->pooler_output_size;
    be->linear (be, v->cls, v->pool_w, v->pool_b, v->pooled, n, PO, H);
    if (c->pooler_act_tanh) {
      for (gsize i = 0; i < n * PO; i++)
        v->pooled[i] = tanhf (v->pooled[i]);
    } else {
      be->activation (be, c->pooler_act, v->pooled, n * PO);
    }
    out->pooler = v->pooled;
  }
  if (v->cls_w != NULL) {
    be->linear (be, v->cls, v->cls_w, v->cls_b, v->logits, n, v->num_labels,
        H);
    out->logits = v->logits;
  }
  return TRUE;
}
