/* lucid-clip.c — CLIPModel's two towers, as transformers 5.24 computes them.
 *
 * Shapes (Hv / Ht = vision / text hidden size, P = (S/p)² patches,
 * D = projection_dim):
 *
 * VISION   cols  = im2col(pixels)                    [n·P × 3·p·p]
 *          patch = cols · Wpatchᵀ  (conv, no bias)   [n·P × Hv]
 *          h     = [class_embedding; patch] + pos    [n·(1+P) × Hv]
 *          h     = pre_layrnorm(h)
 *          h     = encoder layers (pre-LN, bidirectional)
 *          pool  = post_layernorm(h[CLS])            [n × Hv]  pooler_output
 *          emb   = pool · Wvisualᵀ (no bias)         [n × D]
 *
 * TEXT     h     = token_embedding[ids] + position_embedding[0..len)
 *          h     = encoder layers (pre-LN, CAUSAL: the backend attention's
 *                  causal flag), then final_layer_norm
 *          pool  = h[eos position]                   [n × Ht]  pooler_output
 *          emb   = pool · Wtextᵀ (no bias)           [n × D]
 *          eos position: argmax(ids) when eos_token_id == 2 (legacy
 *          configs), else the first position of eos_token_id (0 if none).
 *
 * logits_per_image = exp(logit_scale) · normalize(img) · normalize(txt)ᵀ.
 *
 * Sequences are packed (no padding), as in lucid-bert.c: a causal mask
 * makes every token of a CLIP text independent of the padding the
 * reference adds after it, so packing changes no result.
 *
 * A single tower (CLIPVisionModel[WithProjection], CLIPTextModel[With-
 * Projection]) binds only its own tensors: with the tower prefix
 * ("vision_model.") as save_pretrained writes them, or without it (which
 * transformers loads too); the projection when the weights hold it (and
 * must, when config.json's architectures says WithProjection); no
 * logit_scale.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-clip.h"

#include <math.h>
#include <string.h>

#include "lucid-encoder.h"
#include "lucid-error.h"

typedef struct {
  guint n_layers;
  LucidPrenormLayer *layers;
  LucidPrenormDims dims;
} Tower;

struct _LucidClip {
  char *dir;
  LucidClipConfig *cfg;
  gboolean has_text, has_vision;
  const char *tpre, *vpre; /* "text_model." / "vision_model." or "" */
  LucidSafetensors *st;
  LucidTokenizer *tok;
  LucidImageConfig *img_cfg;
  const LucidBackend *be;
  guint max_text_len;
  guint n_patches;

  /* text */
  Tower text;
  const float *tok_emb, *tpos; /* [V × Ht], [Pmax × Ht] */
  const float *final_g, *final_b;
  const float *text_proj; /* [D × Ht], NULL: CLIPTextModel */
  /* vision */
  Tower vision;
  const float *class_emb, *vpos; /* [Hv], [(1+P) × Hv] */
  const float *patch_w;          /* [Hv × 3·p·p] */
  LucidPackedLinear *patch_p;    /* patch_w packed once, or NULL */
  const float *pre_g, *pre_b, *post_g, *post_b;
  const float *visual_proj; /* [D × Hv], NULL: CLIPVisionModel */
  gboolean has_logit_scale;
  float logit_scale; /* the raw parameter */

  GMutex lock; /* one forward at a time */
  LucidEncoderScratch scr;
  float *h, *cols, *pool;
  gsize cap_h, cap_cols, cap_pool;
  gsize *lens;
  gsize cap_lens;
};

/* ------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------ */

#define SHAPE(...) ((const gint64[]){ __VA_ARGS__ })

static const float *
bind (LucidClip *c, const char *name, guint n_dims, const gint64 *shape,
      GError **error)
{
  if (lucid_safetensors_lookup (c->st, name) == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: tensor '%s' is missing (expected CLIPModel's names)",
                 lucid_safetensors_get_path (c->st), name);
    return NULL;
  }
  return lucid_safetensors_get_f32 (c->st, name, n_dims, shape, error);
}

static gboolean
bind_layer (LucidClip *c, const char *tower, LucidPrenormLayer *L, guint l,
            gsize H, gsize I, GError **error)
{
  static const char *const qkv[3] = { "q_proj", "k_proj", "v_proj" };
  g_autofree char *pre = g_strdup_printf ("%sencoder.layers.%u.", tower, l);

  L->qkv_w = g_new (float, 3 * H * H);
  L->qkv_b = g_new (float, 3 * H);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *wn
        = g_strdup_printf ("%sself_attn.%s.weight", pre, qkv[i]);
    g_autofree char *bn = g_strdup_printf ("%sself_attn.%s.bias", pre, qkv[i]);
    const float *w = bind (c, wn, 2, SHAPE (H, H), error);
    const float *b = w ? bind (c, bn, 1, SHAPE (H), error) : NULL;

    if (b == NULL)
      return FALSE;
    memcpy (L->qkv_w + i * H * H, w, H * H * sizeof (float));
    memcpy (L->qkv_b + i * H, b, H * sizeof (float));
  }
#define LB(dst, suffix, nd, ...)                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    g_autofree char *n_ = g_strconcat (pre, (suffix), NULL);                   \
    if (((dst) = bind (c, n_, (nd), SHAPE (__VA_ARGS__), error)) == NULL)      \
      return FALSE;                                                            \
  }                                                                            \
  G_STMT_END
  LB (L->ln1_g, "layer_norm1.weight", 1, H);
  LB (L->ln1_b, "layer_norm1.bias", 1, H);
  LB (L->o_w, "self_attn.out_proj.weight", 2, H, H);
  LB (L->o_b, "self_attn.out_proj.bias", 1, H);
  LB (L->ln2_g, "layer_norm2.weight", 1, H);
  LB (L->ln2_b, "layer_norm2.bias", 1, H);
  LB (L->i_w, "mlp.fc1.weight", 2, I, H);
  LB (L->i_b, "mlp.fc1.bias", 1, I);
  LB (L->d_w, "mlp.fc2.weight", 2, H, I);
  LB (L->d_b, "mlp.fc2.bias", 1, H);
#undef LB
  lucid_prenorm_layer_pack (c->be, L, H, I);
  return TRUE;
}

static gboolean
bind_tower (LucidClip *c, Tower *t, const char *name, guint layers, gsize H,
            gsize I, guint heads, float eps, LucidActivation act,
            gboolean causal, GError **error)
{
  t->n_layers = layers;
  t->layers = g_new0 (LucidPrenormLayer, layers);
  t->dims.hidden = H;
  t->dims.intermediate = I;
  t->dims.heads = heads;
  t->dims.eps = eps;
  t->dims.act = act;
  t->dims.causal = causal;
  for (guint l = 0; l < layers; l++)
    if (!bind_layer (c, name, &t->layers[l], l, H, I, error))
      return FALSE;
  return TRUE;
}

#define TRY(expr)                                                              \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!(expr))                                                               \
      return FALSE;                                                            \
  }                                                                            \
  G_STMT_END

/* @prefix + @name, bound; @prefix "" or a tower's "text_model." */
static const float *
bind_pre (LucidClip *c, const char *prefix, const char *name, guint n_dims,
          const gint64 *shape, GError **error)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);

  return bind (c, full, n_dims, shape, error);
}

/* The tower prefix of a single tower's weights: @prefix when @probe is
 * stored under it, "" when it is stored bare, else @prefix (so that the
 * error names CLIPModel's name). A CLIPModel always uses the prefix. */
static const char *
tower_prefix (LucidClip *c, const char *prefix, const char *probe)
{
  g_autofree char *full = g_strconcat (prefix, probe, NULL);

  if (c->cfg->kind == LUCID_CLIP_KIND_MODEL
      || lucid_safetensors_lookup (c->st, full) != NULL
      || lucid_safetensors_lookup (c->st, probe) == NULL)
    return prefix;
  return "";
}

/* A projection: required in a CLIPModel and in a single tower whose
 * config.json declares a *WithProjection class, optional otherwise
 * (CLIPVisionModel / CLIPTextModel have none). */
static gboolean
bind_projection (LucidClip *c, const char *name, gint64 D, gint64 H,
                 const float **out, GError **error)
{
  *out = NULL;
  if (c->cfg->kind != LUCID_CLIP_KIND_MODEL && !c->cfg->declares_projection
      && lucid_safetensors_lookup (c->st, name) == NULL)
    return TRUE;
  if (c->cfg->kind != LUCID_CLIP_KIND_MODEL
      && lucid_safetensors_lookup (c->st, name) == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: tensor '%s' is missing, but %s/config.json's "
                 "architectures says the model has a projection",
                 lucid_safetensors_get_path (c->st), name, c->dir);
    return FALSE;
  }
  *out = bind (c, name, 2, SHAPE (D, H), error);
  return *out != NULL;
}

static gboolean
bind_text (LucidClip *c, GError **error)
{
  const LucidClipTextConfig *tc = &c->cfg->text;
  const gint64 Ht = tc->hidden_size, D = c->cfg->projection_dim;
  const char *pre;

  pre = c->tpre
      = tower_prefix (c, "text_model.", "embeddings.token_embedding.weight");
  TRY ((c->tok_emb = bind_pre (c, pre, "embeddings.token_embedding.weight", 2,
                               SHAPE (tc->vocab_size, Ht), error)));
  TRY ((c->tpos = bind_pre (c, pre, "embeddings.position_embedding.weight", 2,
                            SHAPE (tc->max_position_embeddings, Ht), error)));
  TRY (bind_tower (c, &c->text, pre, tc->num_hidden_layers, Ht,
                   tc->intermediate_size, tc->num_attention_heads,
                   tc->layer_norm_eps, tc->hidden_act, TRUE, error));
  TRY ((c->final_g
        = bind_pre (c, pre, "final_layer_norm.weight", 1, SHAPE (Ht), error)));
  TRY ((c->final_b
        = bind_pre (c, pre, "final_layer_norm.bias", 1, SHAPE (Ht), error)));
  return bind_projection (c, "text_projection.weight", D, Ht, &c->text_proj,
                          error);
}

static gboolean
bind_vision (LucidClip *c, GError **error)
{
  const LucidClipVisionConfig *vc = &c->cfg->vision;
  const gint64 Hv = vc->hidden_size, D = c->cfg->projection_dim;
  const gint64 p = vc->patch_size;
  const char *pre;

  pre = c->vpre = tower_prefix (c, "vision_model.", "embeddings.class_embedding");
  TRY ((c->class_emb
        = bind_pre (c, pre, "embeddings.class_embedding", 1, SHAPE (Hv), error)));
  TRY ((c->patch_w = bind_pre (c, pre, "embeddings.patch_embedding.weight", 4,
                               SHAPE (Hv, vc->num_channels, p, p), error)));
  c->patch_p = lucid_encoder_pack (c->be, c->patch_w, NULL, Hv,
                                   (gsize)vc->num_channels * p * p);
  TRY ((c->vpos = bind_pre (c, pre, "embeddings.position_embedding.weight", 2,
                            SHAPE (1 + c->n_patches, Hv), error)));
  TRY ((c->pre_g = bind_pre (c, pre, "pre_layrnorm.weight", 1, SHAPE (Hv),
                             error)));
  TRY ((c->pre_b
        = bind_pre (c, pre, "pre_layrnorm.bias", 1, SHAPE (Hv), error)));
  TRY (bind_tower (c, &c->vision, pre, vc->num_hidden_layers, Hv,
                   vc->intermediate_size, vc->num_attention_heads,
                   vc->layer_norm_eps, vc->hidden_act, FALSE, error));
  TRY ((c->post_g = bind_pre (c, pre, "post_layernorm.weight", 1, SHAPE (Hv),
                              error)));
  TRY ((c->post_b
        = bind_pre (c, pre, "post_layernorm.bias", 1, SHAPE (Hv), error)));
  return bind_projection (c, "visual_projection.weight", D, Hv,
                          &c->visual_proj, error);
}

static gboolean
bind_all (LucidClip *c, GError **error)
{
  const float *scale;

  if (c->has_text && !bind_text (c, error))
    return FALSE;
  if (c->has_vision && !bind_vision (c, error))
    return FALSE;
  if (c->cfg->kind != LUCID_CLIP_KIND_MODEL)
    return TRUE; /* single towers have no logit_scale */
  TRY ((scale = bind (c, "logit_scale", 0, NULL, error)));
  c->logit_scale = scale[0];
  c->has_logit_scale = TRUE;
  if (!isfinite (c->logit_scale)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: logit_scale is not a finite number",
                 lucid_safetensors_get_path (c->st));
    return FALSE;
  }
  return TRUE;
}
#undef TRY

static gboolean load_tokenizer (LucidClip *c, const char *dir,
                                GError **error);
static gboolean load_image_config (LucidClip *c, const char *dir,
                                   GError **error);

LucidClip *
lucid_clip_load (const char *dir, const LucidBackend *backend, GError **error)
{
  g_autoptr (LucidClip) c = NULL;
  g_autofree char *weights = NULL;
  const LucidClipVisionConfig *vc;

  g_return_val_if_fail (dir != NULL, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: model directory does not exist or is not a directory",
                 dir);
    return NULL;
  }
  c = g_new0 (LucidClip, 1);
  g_mutex_init (&c->lock);
  c->dir = g_strdup (dir);
  if ((c->cfg = lucid_clip_config_load (dir, error)) == NULL)
    return NULL;
  c->has_text = c->cfg->kind != LUCID_CLIP_KIND_VISION;
  c->has_vision = c->cfg->kind != LUCID_CLIP_KIND_TEXT;
  vc = &c->cfg->vision;
  c->n_patches
      = (vc->image_size / vc->patch_size) * (vc->image_size / vc->patch_size);

  weights = g_build_filename (dir, "model.safetensors", NULL);
  if (!g_file_test (weights, G_FILE_TEST_EXISTS)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: missing (Lucid reads safetensors only; convert pickled "
                 "PyTorch weights with tools/fetch-model.py --convert)",
                 weights);
    return NULL;
  }
  if ((c->st = lucid_safetensors_open (weights, error)) == NULL)
    return NULL;
  c->be = backend != NULL ? backend : lucid_backend_cpu (error);
  if (c->be == NULL || !bind_all (c, error))
    return NULL;

  if (c->has_text && !load_tokenizer (c, dir, error))
    return NULL;
  if (c->has_vision && !load_image_config (c, dir, error))
    return NULL;
  return g_steal_pointer (&c);
}

static gboolean
load_tokenizer (LucidClip *c, const char *dir, GError **error)
{
  guint tok_max;

  if ((c->tok = lucid_tokenizer_load (dir, error)) == NULL)
    return FALSE;
  if (lucid_tokenizer_get_vocab_size (c->tok) > c->cfg->text.vocab_size) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: the tokenizer has %u tokens, more than text_config.vocab_size "
        "%u",
        dir, lucid_tokenizer_get_vocab_size (c->tok), c->cfg->text.vocab_size);
    return FALSE;
  }
  c->max_text_len = c->cfg->text.max_position_embeddings;
  tok_max = lucid_tokenizer_get_model_max_length (c->tok);
  if (tok_max > 0 && tok_max < c->max_text_len)
    c->max_text_len = tok_max;
  return TRUE;
}

static gboolean
load_image_config (LucidClip *c, const char *dir, GError **error)
{
  const LucidClipVisionConfig *vc = &c->cfg->vision;
  guint out_w, out_h;

  if ((c->img_cfg = lucid_image_config_load (dir, error)) == NULL)
    return FALSE;
  lucid_image_config_get_output_size (c->img_cfg, 4 * vc->image_size,
                                      3 * vc->image_size, &out_w, &out_h);
  if (out_w != vc->image_size || out_h != vc->image_size) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s/preprocessor_config.json: it gives %u×%u pixel values, the "
        "vision tower takes %u×%u (vision_config.image_size)",
        dir, out_w, out_h, vc->image_size, vc->image_size);
    return FALSE;
  }
  return TRUE;
}

static void
tower_clear (const LucidBackend *be, Tower *t)
{
  for (guint l = 0; t->layers != NULL && l < t->n_layers; l++)
    lucid_prenorm_layer_clear (be, &t->layers[l]);
  g_free (t->layers);
}

void
lucid_clip_free (LucidClip *c)
{
  if (c == NULL)
    return;
  tower_clear (c->be, &c->text);
  tower_clear (c->be, &c->vision);
  if (c->patch_p != NULL)
    lucid_encoder_free_packed (c->be, c->patch_p);
  lucid_encoder_scratch_clear (&c->scr);
  g_free (c->h);
  g_free (c->cols);
  g_free (c->pool);
  g_free (c->lens);
  lucid_tokenizer_free (c->tok);
  lucid_image_config_free (c->img_cfg);
  lucid_safetensors_free (c->st);
  lucid_clip_config_free (c->cfg);
  g_free (c->dir);
  g_mutex_clear (&c->lock);
  g_free (c);
}

const LucidClipConfig *
lucid_clip_get_config (const LucidClip *c)
{
  return c->cfg;
}

LucidClipKind
lucid_clip_get_kind (const LucidClip *c)
{
  return c->cfg->kind;
}

const char *
lucid_clip_get_dir (const LucidClip *c)
{
  return c->dir;
}

gboolean
lucid_clip_has_vision (const LucidClip *c)
{
  return c->has_vision;
}

gboolean
lucid_clip_has_text (const LucidClip *c)
{
  return c->has_text;
}

gboolean
lucid_clip_has_visual_projection (const LucidClip *c)
{
  return c->visual_proj != NULL;
}

gboolean
lucid_clip_has_text_projection (const LucidClip *c)
{
  return c->text_proj != NULL;
}

guint
lucid_clip_get_projection_dim (const LucidClip *c)
{
  return c->cfg->projection_dim;
}

guint
lucid_clip_get_image_embedding_dim (const LucidClip *c)
{
  if (!c->has_vision)
    return 0;
  return c->visual_proj ? c->cfg->projection_dim : c->cfg->vision.hidden_size;
}

guint
lucid_clip_get_text_embedding_dim (const LucidClip *c)
{
  if (!c->has_text)
    return 0;
  return c->text_proj ? c->cfg->projection_dim : c->cfg->text.hidden_size;
}

float
lucid_clip_get_logit_scale (const LucidClip *c)
{
  return c->has_logit_scale ? expf (c->logit_scale) : 0.0f;
}

const LucidImageConfig *
lucid_clip_get_image_config (const LucidClip *c)
{
  return c->img_cfg;
}

guint
lucid_clip_get_image_size (const LucidClip *c)
{
  return c->cfg->vision.image_size;
}

const LucidTokenizer *
lucid_clip_get_tokenizer (const LucidClip *c)
{
  return c->tok;
}

guint
lucid_clip_get_max_text_length (const LucidClip *c)
{
  return c->max_text_len;
}

LucidSafetensors *
lucid_clip_get_weights (const LucidClip *c)
{
  return c->st;
}

/* ------------------------------------------------------------------------
 * Forward
 * ------------------------------------------------------------------------ */

#define GROW(ptr, cap, need)                                                   \
  G_STMT_START                                                                 \
  {                                                                            \
    if ((need) > (cap)) {                                                      \
      (cap) = (need);                                                          \
      (ptr) = g_renew (__typeof__ (*(ptr)), (ptr), (cap));                     \
    }                                                                          \
  }                                                                            \
  G_STMT_END

/* @rows [n × H] → @out [n × D] = rows · Wᵀ (@w NULL: a copy of @rows,
 * D = H), L2-normalised when asked (in double, as a norm of float32
 * values should be). */
static void
project (LucidClip *c, const float *rows, gsize n, gsize H, const float *w,
         float *out, gboolean normalize)
{
  const gsize D = w != NULL ? c->cfg->projection_dim : H;

  if (w != NULL)
    c->be->linear (c->be, rows, w, NULL, out, n, D, H);
  else
    memcpy (out, rows, n * H * sizeof (float));
  if (!normalize)
    return;
  for (gsize i = 0; i < n; i++) {
    double ss = 0;
    float *v = out + i * D;

    for (gsize j = 0; j < D; j++)
      ss += (double)v[j] * v[j];
    if (ss > 0) {
      float inv = (float)(1.0 / sqrt (ss));
      for (gsize j = 0; j < D; j++)
        v[j] *= inv;
    }
  }
}

gboolean
lucid_clip_encode_images (LucidClip *c, const float *pixels, guint n,
                          float *embeds, gboolean normalize, float *pooled,
                          GError **error)
{
  const LucidClipVisionConfig *vc = &c->cfg->vision;
  const LucidBackend *be = c->be;
  const gsize H = vc->hidden_size, P = c->n_patches, L = 1 + P;
  const gsize S = vc->image_size, p = vc->patch_size;
  const gsize K = (gsize)vc->num_channels * p * p, T = (gsize)n * L;

  if (n == 0 || pixels == NULL || embeds == NULL) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "lucid_clip_encode_images: needs at least one image and an output");
    return FALSE;
  }
  if (!c->has_vision) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s is a CLIP text tower on its own (model_type \"%s\"): it "
                 "has no image tower",
                 c->dir, lucid_clip_kind_to_string (c->cfg->kind));
    return FALSE;
  }
  g_mutex_lock (&c->lock);
  lucid_encoder_scratch_reserve (&c->scr, &c->vision.dims, T, L);
  GROW (c->h, c->cap_h, T * H);
  GROW (c->cols, c->cap_cols, (gsize)n * P * K);
  GROW (c->pool, c->cap_pool, (gsize)n * H);
  GROW (c->lens, c->cap_lens, (gsize)n);

  /* Patch embedding: a conv without bias, as one GEMM. */
  lucid_patch_im2col (pixels, n, vc->num_channels, S, S, p, p, c->cols);
  lucid_encoder_linear (be, c->cols, c->patch_p, c->patch_w, NULL, c->scr.tmp,
                        (gsize)n * P, H, K, NULL);
  for (gsize img = 0; img < n; img++) {
    float *rows = c->h + img * L * H;
    const float *emb = c->scr.tmp + img * P * H;

    for (gsize i = 0; i < H; i++)
      rows[i] = c->class_emb[i] + c->vpos[i];
    for (gsize t = 1; t < L; t++)
      for (gsize i = 0; i < H; i++)
        rows[t * H + i] = emb[(t - 1) * H + i] + c->vpos[t * H + i];
    c->lens[img] = L;
  }
  be->layernorm (be, c->h, NULL, c->pre_g, c->pre_b, T, H, vc->layer_norm_eps);
  for (guint l = 0; l < c->vision.n_layers; l++)
    lucid_prenorm_layer_forward (be, &c->vision.layers[l], &c->vision.dims,
                                 c->h, c->lens, n, NULL, &c->scr);

  for (gsize img = 0; img < n; img++)
    memcpy (c->pool + img * H, c->h + img * L * H, H * sizeof (float));
  be->layernorm (be, c->pool, NULL, c->post_g, c->post_b, n, H,
                 vc->layer_norm_eps);
  if (pooled != NULL)
    memcpy (pooled, c->pool, (gsize)n * H * sizeof (float));
  project (c, c->pool, n, H, c->visual_proj, embeds, normalize);
  g_mutex_unlock (&c->lock);
  return TRUE;
}

/* transformers' CLIPTextTransformer pooling position. */
static gsize
eos_position (const LucidClipTextConfig *tc, const gint32 *ids, gsize len)
{
  gsize best = 0;

  if (tc->eos_token_id == 2) {
    for (gsize i = 1; i < len; i++)
      if (ids[i] > ids[best])
        best = i;
    return best;
  }
  for (gsize i = 0; i < len; i++)
    if (ids[i] == tc->eos_token_id)
      return i;
  return 0;
}

gboolean
lucid_clip_encode_token_ids (LucidClip *c, const gint32 *ids,
                             const gsize *offsets, guint n, float *embeds,
                             gboolean normalize, float *pooled, GError **error)
{
  const LucidClipTextConfig *tc = &c->cfg->text;
  const LucidBackend *be = c->be;
  const gsize H = tc->hidden_size;
  gsize T, max_len = 0;

  if (n == 0 || ids == NULL || offsets == NULL || embeds == NULL) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "lucid_clip_encode_token_ids: needs at least one sequence and an "
        "output");
    return FALSE;
  }
  if (!c->has_text) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s is a CLIP image tower on its own (model_type \"%s\"): it "
                 "has no text tower",
                 c->dir, lucid_clip_kind_to_string (c->cfg->kind));
    return FALSE;
  }
  for (guint s = 0; s < n; s++) {
    const gsize len = offsets[s + 1] - offsets[s];

    if (offsets[s + 1] <= offsets[s] || len > tc->max_position_embeddings) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "CLIP text: sequence %u has %" G_GSIZE_FORMAT
                   " tokens (1 to %u "
                   "allowed)",
                   s, offsets[s + 1] > offsets[s] ? len : 0,
                   tc->max_position_embeddings);
      return FALSE;
    }
    for (gsize i = offsets[s]; i < offsets[s + 1]; i++) {
      if (ids[i] < 0 || (guint)ids[i] >= tc->vocab_size) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                     "CLIP text: token id %d is outside the vocabulary (%u)",
                     ids[i], tc->vocab_size);
        return FALSE;
      }
    }
    max_len = MAX (max_len, len);
  }
  T = offsets[n] - offsets[0];

  g_mutex_lock (&c->lock);
  lucid_encoder_scratch_reserve (&c->scr, &c->text.dims, T, max_len);
  GROW (c->h, c->cap_h, T * H);
  GROW (c->pool, c->cap_pool, (gsize)n * H);
  GROW (c->lens, c->cap_lens, (gsize)n);
  for (guint s = 0; s < n; s++) {
    const gsize base = offsets[s] - offsets[0];

    c->lens[s] = offsets[s + 1] - offsets[s];
    for (gsize t = 0; t < c->lens[s]; t++) {
      float *row = c->h + (base + t) * H;
      const float *te = c->tok_emb + (gsize)ids[offsets[s] + t] * H;
      const float *pe = c->tpos + t * H;

      for (gsize i = 0; i < H; i++)
        row[i] = te[i] + pe[i];
    }
  }
  for (guint l = 0; l < c->text.n_layers; l++)
    lucid_prenorm_layer_forward (be, &c->text.layers[l], &c->text.dims, c->h,
                                 c->lens, n, NULL, &c->scr);
  /* final_layer_norm is per row: only the pooled rows need it. */
  for (guint s = 0; s < n; s++) {
    const gsize base = offsets[s] - offsets[0];
    const gsize pos = eos_position (tc, ids + offsets[s], c->lens[s]);

    memcpy (c->pool + s * H, c->h + (base + pos) * H, H * sizeof (float));
  }
  be->layernorm (be, c->pool, NULL, c->final_g, c->final_b, n, H,
                 tc->layer_norm_eps);
  if (pooled != NULL)
    memcpy (pooled, c->pool, (gsize)n * H * sizeof (float));
  project (c, c->pool, n, H, c->text_proj, embeds, normalize);
  g_mutex_unlock (&c->lock);
  return TRUE;
}

gboolean
lucid_clip_encode_texts (LucidClip *c, const char *const *texts, guint n,
                         float *embeds, gboolean normalize, float *pooled,
                         GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree gsize *offsets = NULL;

  if (n == 0 || texts == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "lucid_clip_encode_texts: needs at least one text");
    return FALSE;
  }
  if (c->tok == NULL) /* the error of a tower without text */
    return lucid_clip_encode_token_ids (c, (const gint32[]){ 0 },
                                        (const gsize[]){ 0, 1 }, 1, embeds,
                                        normalize, pooled, error);
  offsets = g_new (gsize, n + 1);
  offsets[0] = 0;
  for (guint i = 0; i < n; i++) {
    g_autoptr (LucidEncoding) enc = lucid_tokenizer_encode (
        c->tok, texts[i] ? texts[i] : "", NULL, c->max_text_len);

    g_array_append_vals (ids, enc->ids, enc->n);
    offsets[i + 1] = ids->len;
  }
  return lucid_clip_encode_token_ids (c, (const gint32 *)ids->data, offsets, n,
                                      embeds, normalize, pooled, error);
}

void
lucid_clip_logits (const LucidClip *c, const float *img, guint ni,
                   const float *txt, guint nt, float *logits)
{
  const gsize D = c->cfg->projection_dim;
  const double scale = exp ((double)c->logit_scale);
  g_autofree double *tn = g_new (double, MAX (nt, 1));

  for (guint j = 0; j < nt; j++) {
    double ss = 0;

    for (gsize k = 0; k < D; k++)
      ss += (double)txt[j * D + k] * txt[j * D + k];
    tn[j] = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
  }
  for (guint i = 0; i < ni; i++) {
    double ss = 0, in;

    for (gsize k = 0; k < D; k++)
      ss += (double)img[i * D + k] * img[i * D + k];
    in = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
    for (guint j = 0; j < nt; j++) {
      double dot = 0;

      for (gsize k = 0; k < D; k++)
        dot += (double)img[i * D + k] * txt[j * D + k];
      logits[(gsize)i * nt + j] = (float)(scale * dot * in * tn[j]);
    }
  }
}
