/* test-clip-zero-shot.c — CLIP beyond the whole CLIPModel: single towers
 * (CLIPVisionModel[WithProjection], CLIPTextModel[WithProjection], as
 * transformers 5.24's save_pretrained writes them, and without the tower
 * prefix) against tools/make_clip_tower_fixtures.py's goldens, and prompt
 * ensembles (several templates per label) against
 * tools/make_clip_zero_shot_goldens.py's CLIPModel goldens.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-clip.h"
#include "lucid-error.h"
#include "lucid-heads.h"
#include "lucid-safetensors.h"
#include "lucid-test-util.h"
#include "lucid-vision-model.h"

#include <glib/gstdio.h>

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), name, NULL);
}

static LucidSafetensors *
open_golden (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autoptr (GError) err = NULL;
  LucidSafetensors *st = lucid_safetensors_open (path, &err);

  g_assert_no_error (err);
  return st;
}

static const float *
golden (LucidSafetensors *st, const char *name, guint n_dims,
        const gint64 *shape)
{
  g_autoptr (GError) err = NULL;
  const float *p = lucid_safetensors_get_f32 (st, name, n_dims, shape, &err);

  g_assert_no_error (err);
  return p;
}

/* All golden frames of @doc, preprocessed with @cfg: [n × 3·32·32]. */
static float *
golden_pixels (JsonObject *doc, LucidSafetensors *st,
               const LucidImageConfig *cfg, guint *n_out)
{
  JsonArray *cases = json_object_get_array_member (doc, "cases");
  const guint n = json_array_get_length (cases);
  const gsize per = 3 * 32 * 32;
  float *pixels = g_new (float, per *n);

  for (guint i = 0; i < n; i++) {
    g_autoptr (GError) err = NULL;
    guint w, h;
    g_autofree guint8 *rgb = lucid_test_golden_frame (
        json_array_get_object_element (cases, i), st, i, &w, &h);

    g_assert_true (lucid_image_preprocess_rgb8 (cfg, rgb, w, h, (gsize)w * 3,
                                                pixels + per * i, &err));
    g_assert_no_error (err);
  }
  *n_out = n;
  return pixels;
}

static void
normalize (float *v, guint n)
{
  double ss = 0;

  for (guint k = 0; k < n; k++)
    ss += (double)v[k] * v[k];
  for (guint k = 0; k < n; k++)
    v[k] = (float)(v[k] / sqrt (ss));
}

static void
assert_error_has (GError *err, gint code, const char *needle)
{
  g_assert_error (err, LUCID_ERROR, code);
  g_test_message ("%s", err->message);
  if (strstr (err->message, needle) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", err->message, needle);
}

/* ------------------------------------------------------------------------
 * Single towers
 * ------------------------------------------------------------------------ */

/* CLIPVisionModelWithProjection (prefixed) and CLIPVisionModel (bare
 * names): image_embeds / pooler_output of every golden frame. */
static void
test_vision_towers (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *doc = lucid_test_load_golden ("clip-towers.json", &parser);
  g_autoptr (LucidSafetensors) st
      = open_golden ("goldens/clip-towers.safetensors");
  g_autofree char *dir = fixture ("tiny-clip-vision");
  g_autofree char *bare_dir = fixture ("tiny-clip-vision-bare");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidClip) clip = lucid_clip_load (dir, NULL, &err);
  g_autoptr (LucidClip) bare = NULL;
  g_autofree float *pixels = NULL, *embeds = NULL, *pooled = NULL;
  g_autofree float *bare_embeds = NULL;
  float text[16];
  const char *texts[] = { "a photo of red" };
  guint n;

  g_assert_no_error (err);
  bare = lucid_clip_load (bare_dir, NULL, &err);
  g_assert_no_error (err);

  g_assert_cmpint (lucid_clip_get_kind (clip), ==, LUCID_CLIP_KIND_VISION);
  g_assert_true (lucid_clip_has_vision (clip));
  g_assert_false (lucid_clip_has_text (clip));
  g_assert_true (lucid_clip_has_visual_projection (clip));
  g_assert_cmpuint (lucid_clip_get_image_embedding_dim (clip), ==, 16);
  g_assert_cmpuint (lucid_clip_get_text_embedding_dim (clip), ==, 0);
  g_assert_cmpfloat (lucid_clip_get_logit_scale (clip), ==, 0.0f);
  g_assert_null (lucid_clip_get_tokenizer (clip));
  g_assert_false (lucid_clip_has_visual_projection (bare));
  g_assert_cmpuint (lucid_clip_get_image_embedding_dim (bare), ==, 32);

  pixels = golden_pixels (doc, st, lucid_clip_get_image_config (clip), &n);
  embeds = g_new (float, (gsize)n * 16);
  pooled = g_new (float, (gsize)n * 32);
  bare_embeds = g_new (float, (gsize)n * 32);
  g_assert_true (
      lucid_clip_encode_images (clip, pixels, n, embeds, FALSE, pooled, &err));
  g_assert_no_error (err);
  g_assert_true (lucid_clip_encode_images (bare, pixels, n, bare_embeds, FALSE,
                                           NULL, &err));
  g_assert_no_error (err);
  for (guint i = 0; i < n; i++) {
    g_autofree char *ie = g_strdup_printf ("vision.case%u.image_embeds", i);
    g_autofree char *po
        = g_strdup_printf ("vision-bare.case%u.pooler_output", i);
    const float *want_po = golden (st, po, 1, (gint64[]){ 32 });
    double e1, e2, e3;

    e1 = lucid_test_assert_close (embeds + i * 16,
                                  golden (st, ie, 1, (gint64[]){ 16 }), 16,
                                  "image_embeds", i);
    e2 = lucid_test_assert_close (pooled + i * 32, want_po, 32, "pooled", i);
    e3 = lucid_test_assert_close (bare_embeds + i * 32, want_po, 32,
                                  "bare pooler_output", i);
    g_test_message ("case %u: image_embeds %.2g, pooled %.2g, bare %.2g", i, e1,
                    e2, e3);
  }

  /* No text tower: a clear error, not a crash. */
  g_assert_false (
      lucid_clip_encode_texts (clip, texts, 1, text, TRUE, NULL, &err));
  assert_error_has (err, LUCID_ERROR_UNSUPPORTED, "has no text tower");
}

/* CLIPTextModelWithProjection (prefixed) and CLIPTextModel (bare names):
 * the tokenizer's ids, text_embeds and pooler_output. */
static void
test_text_towers (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *doc = lucid_test_load_golden ("clip-towers.json", &parser);
  g_autoptr (LucidSafetensors) st
      = open_golden ("goldens/clip-towers.safetensors");
  g_autofree char *dir = fixture ("tiny-clip-text");
  g_autofree char *bare_dir = fixture ("tiny-clip-text-bare");
  JsonArray *texts_j = json_object_get_array_member (doc, "texts");
  JsonArray *ids_j = json_object_get_array_member (doc, "ids");
  const guint n = json_array_get_length (texts_j);
  g_autofree const char **texts = g_new0 (const char *, n);
  g_autofree float *embeds = g_new (float, (gsize)n * 16);
  g_autofree float *bare_embeds = g_new (float, (gsize)n * 32);
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidClip) clip = lucid_clip_load (dir, NULL, &err);
  g_autoptr (LucidClip) bare = NULL;
  float pixels[3 * 32 * 32] = { 0 }, image[16];
  double e1, e2;

  g_assert_no_error (err);
  bare = lucid_clip_load (bare_dir, NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_clip_get_kind (clip), ==, LUCID_CLIP_KIND_TEXT);
  g_assert_false (lucid_clip_has_vision (clip));
  g_assert_true (lucid_clip_has_text_projection (clip));
  g_assert_false (lucid_clip_has_text_projection (bare));
  g_assert_cmpuint (lucid_clip_get_text_embedding_dim (clip), ==, 16);
  g_assert_cmpuint (lucid_clip_get_text_embedding_dim (bare), ==, 32);
  g_assert_null (lucid_clip_get_image_config (clip));
  g_assert_cmpfloat (lucid_clip_get_logit_scale (clip), ==, 0.0f);

  for (guint i = 0; i < n; i++) {
    JsonArray *want = json_array_get_array_element (ids_j, i);
    g_autoptr (LucidEncoding) enc = NULL;

    texts[i] = json_array_get_string_element (texts_j, i);
    enc = lucid_tokenizer_encode (lucid_clip_get_tokenizer (clip), texts[i],
                                  NULL, lucid_clip_get_max_text_length (clip));
    g_assert_cmpuint (enc->n, ==, json_array_get_length (want));
    for (guint k = 0; k < enc->n; k++)
      g_assert_cmpint (enc->ids[k], ==, json_array_get_int_element (want, k));
  }
  g_assert_true (
      lucid_clip_encode_texts (clip, texts, n, embeds, FALSE, NULL, &err));
  g_assert_no_error (err);
  g_assert_true (
      lucid_clip_encode_texts (bare, texts, n, bare_embeds, FALSE, NULL, &err));
  g_assert_no_error (err);
  e1 = lucid_test_assert_close (
      embeds, golden (st, "text.text_embeds", 2, (gint64[]){ n, 16 }),
      (gint64)n * 16, "text_embeds", 0);
  e2 = lucid_test_assert_close (
      bare_embeds,
      golden (st, "text-bare.pooler_output", 2, (gint64[]){ n, 32 }),
      (gint64)n * 32, "pooler_output", 0);
  g_test_message ("text_embeds max-abs %.2g, bare pooler_output %.2g", e1, e2);

  g_assert_false (
      lucid_clip_encode_images (clip, pixels, 1, image, TRUE, NULL, &err));
  assert_error_has (err, LUCID_ERROR_UNSUPPORTED, "has no image tower");
}

/* The vision wrapper on image towers: CLIPVisionModelWithProjection gives
 * the same unit-norm embedding as the CLIPModel it was cut from,
 * CLIPVisionModel its pooler_output as is; labels= is refused naming the
 * directory and the way out; and a text tower's cosines to those
 * embeddings (lucidclassify's zero-shot head) match transformers. */
static void
test_vision_model_on_towers (void)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (JsonParser) zs_parser = NULL;
  JsonObject *doc = lucid_test_load_golden ("clip-towers.json", &parser);
  JsonObject *zs = lucid_test_load_golden ("vision-tiny-clip.json", &zs_parser);
  g_autoptr (LucidSafetensors) st
      = open_golden ("goldens/clip-towers.safetensors");
  g_autoptr (LucidSafetensors) zs_st
      = open_golden ("goldens/vision-tiny-clip.safetensors");
  g_autofree char *dir = fixture ("tiny-clip-vision");
  g_autofree char *bare_dir = fixture ("tiny-clip-vision-bare");
  g_autofree char *text_dir = fixture ("tiny-clip-text");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  g_autoptr (LucidVisionModel) bare = NULL;
  g_autoptr (LucidClip) text = NULL;
  g_autoptr (LucidHead) head = NULL;
  g_autofree float *pixels = NULL, *bare_out = NULL;
  g_autofree char *want = NULL;
  JsonArray *labels_j = json_object_get_array_member (doc, "labels");
  const char *labels[3], *prompts[3];
  float text_embeds[3 * 16];
  LucidVisionOutput out;
  guint n;

  g_assert_no_error (err);
  bare = lucid_vision_model_load (bare_dir, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_vision_model_get_family (model), ==,
                   LUCID_VISION_FAMILY_CLIP);
  g_assert_false (lucid_vision_model_has_text_tower (model));
  g_assert_cmpuint (lucid_vision_model_get_embedding_dim (model), ==, 16);
  g_assert_cmpuint (lucid_vision_model_get_embedding_dim (bare), ==, 32);
  g_assert_cmpuint (strlen (lucid_vision_model_get_sha256 (model)), ==, 64);

  pixels = golden_pixels (doc, st, lucid_vision_model_get_image_config (model),
                          &n);
  g_assert_true (lucid_vision_model_encode (bare, pixels, n, &out, &err));
  g_assert_no_error (err);
  bare_out = g_memdup2 (out.embeddings, (gsize)n * 32 * sizeof (float));
  g_assert_true (lucid_vision_model_encode (model, pixels, n, &out, &err));
  g_assert_no_error (err);
  g_assert_cmpint (out.scores_kind, ==, LUCID_VISION_SCORES_NONE);

  /* The text tower's prompts, as lucidclassify embeds them. */
  g_assert_cmpuint (json_array_get_length (labels_j), ==, 3);
  text = lucid_clip_load (text_dir, NULL, &err);
  g_assert_no_error (err);
  for (guint l = 0; l < 3; l++) {
    labels[l] = json_array_get_string_element (labels_j, l);
    prompts[l] = json_array_get_string_element (
        json_object_get_array_member (doc, "texts"), l);
  }
  g_assert_true (lucid_clip_encode_texts (text, prompts, 3, text_embeds, TRUE,
                                          NULL, &err));
  g_assert_no_error (err);
  head = lucid_head_new_zero_shot (labels, text_embeds, 3, 16);

  for (guint i = 0; i < n; i++) {
    g_autofree char *ie = g_strdup_printf ("vision.case%u.image_embeds", i);
    g_autofree char *po
        = g_strdup_printf ("vision-bare.case%u.pooler_output", i);
    g_autofree char *full = g_strdup_printf ("case%u.embedding", i);
    float want_emb[16], cos[3];
    double scores[3];

    memcpy (want_emb, golden (st, ie, 1, (gint64[]){ 16 }), sizeof want_emb);
    normalize (want_emb, 16);
    lucid_test_assert_close (out.embeddings + i * 16, want_emb, 16,
                             "normalised image_embeds", i);
    /* The same frames through the whole CLIPModel. */
    lucid_test_assert_close (out.embeddings + i * 16,
                             golden (zs_st, full, 1, (gint64[]){ 16 }), 16,
                             "CLIPModel embedding", i);
    lucid_test_assert_close (bare_out + i * 32,
                             golden (st, po, 1, (gint64[]){ 32 }), 32,
                             "bare pooler_output", i);

    g_assert_true (
        lucid_head_score (head, out.embeddings + i * 16, 16, scores, &err));
    g_assert_no_error (err);
    for (guint l = 0; l < 3; l++)
      cos[l] = (float)scores[l];
    lucid_test_assert_close (
        cos, golden (st, "split.cosines", 2, (gint64[]){ n, 3 }) + i * 3, 3,
        "split cosines", i);
  }
  g_assert_cmpuint (
      n, ==,
      json_array_get_length (json_object_get_array_member (zs, "cases")));

  want = g_strdup_printf ("labels= needs a text tower; %s is a CLIP image "
                          "tower on its own",
                          dir);
  g_assert_false (lucid_vision_model_set_prompts (model, prompts, 3, &err));
  assert_error_has (err, LUCID_ERROR_UNSUPPORTED, want);
  g_assert_true (strstr (err->message, "lucidclassify text-model=") != NULL);
  g_clear_error (&err);
  /* Without visual_projection there is no shared space to label in. */
  g_assert_false (lucid_vision_model_set_prompts (bare, prompts, 3, &err));
  assert_error_has (err, LUCID_ERROR_UNSUPPORTED, "has no visual_projection");
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
                   LUCID_VISION_SCORES_NONE);
}

static void
assert_clip_load_fails (const char *dir, const char *needle)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidClip) clip = lucid_clip_load (dir, NULL, &err);

  g_assert_null (clip);
  g_assert_nonnull (err);
  g_test_message ("%s", err->message);
  if (strstr (err->message, needle) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", err->message, needle);
}

/* Towers missing what they need: errors name the file. */
static void
test_bad_towers (void)
{
  g_autofree char *vision = fixture ("tiny-clip-vision");
  g_autofree char *bare = fixture ("tiny-clip-vision-bare");
  g_autofree char *text = fixture ("tiny-clip-text");
  g_autofree char *no_pre = lucid_test_copy_dir (vision, "preprocessor_config.json");
  g_autofree char *no_tok = lucid_test_copy_dir (text, "tokenizer.json");
  g_autofree char *claims = lucid_test_copy_dir (bare, NULL);
  g_autofree char *cfg = g_build_filename (claims, "config.json", NULL);
  g_autofree char *cfg_text = NULL, *want = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) vm = NULL;
  gsize len;

  want = g_build_filename (no_pre, "preprocessor_config.json", NULL);
  assert_clip_load_fails (no_pre, want);
  g_free (want);
  want = g_strdup_printf ("%s: no tokenizer.json", no_tok);
  assert_clip_load_fails (no_tok, want);

  /* config.json says WithProjection, the weights have none. */
  g_assert_true (g_file_get_contents (cfg, &cfg_text, &len, &err));
  {
    g_autoptr (GString) s = g_string_new (cfg_text);
    g_string_replace (s, "\"CLIPVisionModel\"",
                      "\"CLIPVisionModelWithProjection\"", 1);
    g_assert_true (g_file_set_contents (cfg, s->str, -1, &err));
  }
  assert_clip_load_fails (claims, "'visual_projection.weight' is missing, "
                                  "but");

  /* A text tower is not a vision model. */
  vm = lucid_vision_model_load (text, &err);
  g_assert_null (vm);
  assert_error_has (err, LUCID_ERROR_UNSUPPORTED,
                    "model_type \"clip_text_model\" is a text model");

  lucid_test_remove_dir (no_pre);
  lucid_test_remove_dir (no_tok);
  lucid_test_remove_dir (claims);
}

/* ------------------------------------------------------------------------
 * Prompt ensembles
 * ------------------------------------------------------------------------ */

/* A hand-made case: normalize(mean(normalize(rows))). */
static void
test_ensemble_arithmetic (void)
{
  /* label 0: (3, 4) and (0, 2) → (0.6, 0.8), (0, 1) → mean (0.3, 0.9);
   * label 1: (1, 0) and a zero row (contributes nothing) → (1, 0). */
  const float rows[] = { 3, 4, 0, 2, 1, 0, 0, 0 };
  float out[4];

  lucid_zero_shot_ensemble (rows, 2, 2, 2, out);
  g_assert_cmpfloat_with_epsilon (out[0], 0.3 / sqrt (0.9), 1e-7);
  g_assert_cmpfloat_with_epsilon (out[1], 0.9 / sqrt (0.9), 1e-7);
  g_assert_cmpfloat (out[2], ==, 1.0f);
  g_assert_cmpfloat (out[3], ==, 0.0f);
}

/* The labels × templates prompts of ensemble @name, label-major. */
static const char **
ensemble_prompts (JsonObject *ens, guint *n_labels, guint *n_templates,
                  const char ***labels)
{
  JsonArray *l = json_object_get_array_member (ens, "labels");
  JsonArray *t = json_object_get_array_member (ens, "templates");
  JsonArray *p = json_object_get_array_member (ens, "prompts");
  const char **prompts = g_new0 (const char *, json_array_get_length (p));

  *n_labels = json_array_get_length (l);
  *n_templates = json_array_get_length (t);
  *labels = g_new0 (const char *, *n_labels);
  g_assert_cmpuint (json_array_get_length (p), ==, *n_labels * *n_templates);
  for (guint i = 0; i < *n_labels; i++)
    (*labels)[i] = json_array_get_string_element (l, i);
  for (guint i = 0; i < json_array_get_length (p); i++)
    prompts[i] = json_array_get_string_element (p, i);
  return prompts;
}

/* Every golden ensemble on every golden frame: the averaged text
 * embeddings, CLIPModel's logits and softmax, within tolerance. */
static void
test_ensembles_match_reference (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *doc = lucid_test_load_golden ("vision-tiny-clip.json", &parser);
  JsonObject *ensembles = json_object_get_object_member (doc, "ensembles");
  JsonArray *cases = json_object_get_array_member (doc, "cases");
  g_autoptr (LucidSafetensors) st
      = open_golden ("goldens/vision-tiny-clip.safetensors");
  g_autofree char *dir = fixture ("tiny-clip");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  g_autoptr (LucidClip) clip = NULL;
  g_autoptr (GList) names = json_object_get_members (ensembles);
  g_autofree float *pixels = NULL;
  guint n;

  g_assert_no_error (err);
  clip = lucid_clip_load (dir, NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (g_list_length (names), >=, 2);
  pixels = golden_pixels (doc, st, lucid_vision_model_get_image_config (model),
                          &n);

  for (GList *it = names; it != NULL; it = it->next) {
    const char *name = it->data;
    JsonObject *ens = json_object_get_object_member (ensembles, name);
    guint n_labels, n_templates;
    g_autofree const char **labels = NULL;
    g_autofree const char **prompts
        = ensemble_prompts (ens, &n_labels, &n_templates, &labels);
    g_autofree float *te = g_new (float, (gsize)n_labels *n_templates * 16);
    g_autofree float *mean = g_new (float, (gsize)n_labels * 16);
    g_autofree char *te_name = g_strdup_printf ("%s.text_embeds", name);
    LucidVisionOutput out;

    g_assert_cmpuint (n_templates, >, 1);
    g_assert_true (lucid_clip_encode_texts (
        clip, prompts, n_labels * n_templates, te, TRUE, NULL, &err));
    g_assert_no_error (err);
    lucid_zero_shot_ensemble (te, n_labels, n_templates, 16, mean);
    lucid_test_assert_close (
        mean, golden (st, te_name, 2, (gint64[]){ n_labels, 16 }),
        (gint64)n_labels * 16, te_name, 0);

    g_assert_true (lucid_vision_model_set_zero_shot (
        model, labels, n_labels, prompts, n_templates, &err));
    g_assert_no_error (err);
    g_assert_cmpuint (lucid_vision_model_get_num_scores (model), ==, n_labels);
    for (guint l = 0; l < n_labels; l++)
      g_assert_cmpstr (lucid_vision_model_get_score_label (model, l), ==,
                       labels[l]);
    g_assert_true (lucid_vision_model_encode (model, pixels, n, &out, &err));
    g_assert_no_error (err);
    for (guint i = 0; i < n; i++) {
      JsonObject *want = json_object_get_object_member (
          json_object_get_object_member (
              json_array_get_object_element (cases, i), "ensembles"),
          name);
      g_autofree char *lg = g_strdup_printf ("case%u.%s.logits", i, name);
      g_autofree char *pr = g_strdup_printf ("case%u.%s.probs", i, name);
      const float *scores = out.scores + (gsize)i * n_labels;
      double e1, e2;
      guint best = 0;

      e1 = lucid_test_assert_close (out.logits + (gsize)i * n_labels,
                                    golden (st, lg, 1, (gint64[]){ n_labels }),
                                    n_labels, lg, i);
      e2 = lucid_test_assert_close (
          scores, golden (st, pr, 1, (gint64[]){ n_labels }), n_labels, pr, i);
      for (guint l = 1; l < n_labels; l++)
        if (scores[l] > scores[best])
          best = l;
      g_assert_cmpstr (labels[best], ==,
                       json_object_get_string_member (want, "label"));
      g_test_message ("%s case %u: logits %.2g, probs %.2g", name, i, e1, e2);
    }
  }

  /* Each label needs its templates. */
  {
    const char *one[] = { "red" };
    g_assert_false (
        lucid_vision_model_set_zero_shot (model, one, 1, one, 0, &err));
    assert_error_has (err, LUCID_ERROR_INVALID_ARGUMENT, "template");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clip-zero-shot/towers/vision", test_vision_towers);
  g_test_add_func ("/clip-zero-shot/towers/text", test_text_towers);
  g_test_add_func ("/clip-zero-shot/towers/vision-model",
                   test_vision_model_on_towers);
  g_test_add_func ("/clip-zero-shot/towers/bad", test_bad_towers);
  g_test_add_func ("/clip-zero-shot/ensemble/arithmetic",
                   test_ensemble_arithmetic);
  g_test_add_func ("/clip-zero-shot/ensemble/matches-reference",
                   test_ensembles_match_reference);
  return g_test_run ();
}
