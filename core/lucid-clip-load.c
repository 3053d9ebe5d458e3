/* lucid-clip-load.c — a CLIP directory onto a backend: config, weights
 * (a CLIPModel's both towers, or one tower alone), tokenizer and image
 * preprocessor config; the accessors. The forward passes are in
 * lucid-clip.c (its header comment has the shapes).
 *
 * Single towers (CLIPVisionModel[WithProjection], CLIPTextModel[With-
 * Projection]) bind only their own tensors: with the tower prefix
 * ("vision_model.") as save_pretrained writes them, or without it (which
 * transformers loads too); the projection when the weights hold it (and
 * must, when config.json's architectures says WithProjection); no
 * logit_scale.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-clip-private.h"

#include <math.h>
#include <string.h>

#include "lucid-error.h"

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

  pre = tower_prefix (c, "text_model.", "embeddings.token_embedding.weight");
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

  pre = tower_prefix (c, "vision_model.", "embeddings.class_embedding");
  TRY ((c->class_emb = bind_pre (c, pre, "embeddings.class_embedding", 1,
                                 SHAPE (Hv), error)));
  TRY ((c->patch_w = bind_pre (c, pre, "embeddings.patch_embedding.weight", 4,
                               SHAPE (Hv, vc->num_channels, p, p), error)));
  c->patch_p = lucid_encoder_pack (c->be, c->patch_w, NULL, Hv,
                                   (gsize)vc->num_channels * p * p);
  TRY ((c->vpos = bind_pre (c, pre, "embeddings.position_embedding.weight", 2,
                            SHAPE (1 + c->n_patches, Hv), error)));
  TRY ((c->pre_g
        = bind_pre (c, pre, "pre_layrnorm.weight", 1, SHAPE (Hv), error)));
  TRY ((c->pre_b
        = bind_pre (c, pre, "pre_layrnorm.bias", 1, SHAPE (Hv), error)));
  TRY (bind_tower (c, &c->vision, pre, vc->num_hidden_layers, Hv,
                   vc->intermediate_size, vc->num_attention_heads,
                   vc->layer_norm_eps, vc->hidden_act, FALSE, error));
  TRY ((c->post_g
        = bind_pre (c, pre, "post_layernorm.weight", 1, SHAPE (Hv), error)));
  TRY ((c->post_b
        = bind_pre (c, pre, "post_layernorm.bias", 1, SHAPE (Hv), error)));
  return bind_projection (c, "visual_projection.weight", D, Hv, &c->visual_proj,
                          error);
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

static gboolean load_tokenizer (LucidClip *c, const char *dir, GError **error);
static gboolean load_image_config (LucidClip *c, const char *dir,
                                   GError **error);

LucidClip *
lucid_clip_load (const char *dir, const LucidBackend *backend, GError **error)
{
  return lucid_clip_load_parts (dir, backend, LUCID_CLIP_LOAD_ALL, error);
}

LucidClip *
lucid_clip_load_parts (const char *dir, const LucidBackend *backend,
                       LucidClipLoadParts parts, GError **error)
{
  g_autoptr (LucidClip) c = NULL;
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

  if ((c->st = lucid_safetensors_open_model (dir, error)) == NULL)
    return NULL;
  c->be = backend != NULL ? backend : lucid_backend_cpu (error);
  if (c->be == NULL || !bind_all (c, error))
    return NULL;

  c->max_text_len = c->cfg->text.max_position_embeddings;
  if ((parts & LUCID_CLIP_LOAD_TOKENIZER) && c->has_text
      && !load_tokenizer (c, dir, error))
    return NULL;
  if ((parts & LUCID_CLIP_LOAD_IMAGE_CONFIG) && c->has_vision
      && !load_image_config (c, dir, error))
    return NULL;
  return g_steal_pointer (&c);
}

gboolean
lucid_clip_load_tokenizer (LucidClip *c, GError **error)
{
  g_return_val_if_fail (c != NULL, FALSE);
  if (c->tok != NULL)
    return TRUE;
  if (!c->has_text) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: a CLIP image tower on its own has no text tower to "
                 "tokenize for",
                 c->dir);
    return FALSE;
  }
  return load_tokenizer (c, c->dir, error);
}

static gboolean
load_tokenizer (LucidClip *c, const char *dir, GError **error)
{
  g_autofree char *json = g_build_filename (dir, "tokenizer.json", NULL);
  guint tok_max;

  /* The generic loader would also look for a WordPiece vocab.txt, which
   * means nothing for CLIP: name the file CLIP needs. */
  if (!g_file_test (json, G_FILE_TEST_EXISTS)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: no tokenizer.json; CLIP's text tower needs its BPE "
                 "tokenizer (tokenizer.json, as transformers saves it) to "
                 "embed prompts",
                 dir);
    return FALSE;
  }
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
  /* Only a size that does not depend on the frame (a centre crop, or a
   * fixed height × width resize) can be checked here; a shortest-edge
   * resize without a crop gives the tower's size for some aspect ratios
   * only (square frames, for a square tower), and
   * lucid_vision_model_check_frame_size() checks each frame size at caps
   * time, naming both sizes. */
  if (!c->img_cfg->do_center_crop
      && !(c->img_cfg->do_resize && c->img_cfg->shortest_edge == 0))
    return TRUE;
  lucid_image_config_get_output_size (c->img_cfg, vc->image_size,
                                      vc->image_size, &out_w, &out_h);
  if (out_w != vc->image_size || out_h != vc->image_size) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s/preprocessor_config.json: it gives %u×%u pixel values for any "
        "frame, the vision tower takes %u×%u (vision_config.image_size)",
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
