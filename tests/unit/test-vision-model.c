/* test-vision-model.c — the family-agnostic vision wrapper, frame to
 * embedding and scores, against transformers: ViTImageProcessorPil +
 * ViTForImageClassification on the goldens of tools/make_vision_goldens.py,
 * CLIPProcessor (PIL) + CLIPModel zero-shot on those of
 * tools/make_clip_zero_shot_goldens.py; and its errors for directories it
 * cannot run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-error.h"
#include "lucid-safetensors.h"
#include "lucid-test-util.h"
#include "lucid-vision-model.h"

#include <glib/gstdio.h>

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), name, NULL);
}

static const float *
golden_f32 (LucidSafetensors *st, guint i, const char *what, gint64 n)
{
  g_autofree char *name = g_strdup_printf ("case%u.%s", i, what);
  g_autoptr (GError) err = NULL;
  gint64 shape[1] = { n };
  const float *p = lucid_safetensors_get_f32 (st, name, 1, shape, &err);
  g_assert_no_error (err);
  return p;
}

/* Every golden frame (odd sizes, 1×1, solid 320×240) preprocessed by the
 * wrapper and encoded as one batch: embeddings and softmax scores within
 * the fp32 tolerance, the same top label. */
static void
test_frames_match_reference (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = lucid_test_load_golden ("vision-tiny-vit.json", &parser);
  JsonArray *cases = json_object_get_array_member (root, "cases");
  guint n = json_array_get_length (cases);
  g_autofree char *dir = fixture ("tiny-vit");
  g_autofree char *st_path = fixture ("goldens/vision-tiny-vit.safetensors");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidSafetensors) st = lucid_safetensors_open (st_path, &err);
  g_autoptr (LucidVisionModel) model = NULL;
  g_autofree float *pixels = NULL;
  LucidVisionOutput out;
  gsize per;
  guint dim;

  g_assert_no_error (err);
  model = lucid_vision_model_load (dir, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_vision_model_get_family (model), ==,
      LUCID_VISION_FAMILY_VIT);
  g_assert_cmpstr (lucid_vision_family_to_string (
          lucid_vision_model_get_family (model)), ==, "vit");
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
      LUCID_VISION_SCORES_HEAD);
  g_assert_cmpuint (lucid_vision_model_get_num_scores (model), ==, 3);
  g_assert_cmpstr (lucid_vision_model_get_score_label (model, 1), ==, "dog");
  g_assert_false (lucid_vision_model_has_text_tower (model));
  g_assert_cmpuint (strlen (lucid_vision_model_get_sha256 (model)), ==, 64);
  dim = lucid_vision_model_get_embedding_dim (model);
  g_assert_cmpuint (dim, ==, 32);
  per = lucid_vision_model_get_pixels_per_image (model);
  g_assert_cmpuint (per, ==, 3 * 32 * 32);

  pixels = g_new (float, per * n);
  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    guint w, h;
    g_autofree guint8 *rgb = lucid_test_golden_frame (c, st, i, &w, &h);

    g_assert_true (lucid_vision_model_preprocess_rgb8 (model, rgb, w, h,
            (gsize) w * 3, pixels + per * i, &err));
    g_assert_no_error (err);
  }
  g_assert_true (lucid_vision_model_encode (model, pixels, n, &out, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (out.n_images, ==, n);
  g_assert_cmpuint (out.embedding_dim, ==, dim);
  g_assert_cmpuint (out.num_scores, ==, 3);

  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    const float *scores = out.scores + (gsize) i * 3;
    guint best = 0;
    double e1, e2;

    e1 = lucid_test_assert_close (out.embeddings + (gsize) i * dim,
        golden_f32 (st, i, "embedding", dim), dim, "embedding", i);
    e2 = lucid_test_assert_close (scores, golden_f32 (st, i, "probs", 3), 3,
        "probs", i);
    for (guint k = 1; k < 3; k++)
      if (scores[k] > scores[best])
        best = k;
    g_assert_cmpstr (lucid_vision_model_get_score_label (model, best), ==,
        json_object_get_string_member (c, "label"));
    g_test_message ("%s: embedding max-abs %.2g, probs %.2g",
        json_object_get_string_member (c, "input"), e1, e2);
  }
}

/* One frame at a time gives the batch's numbers (no cross-talk). */
static void
test_batch_equals_single (void)
{
  g_autofree char *dir = fixture ("tiny-vit");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  guint8 rgb[2][5 * 4 * 3];
  g_autofree float *pixels = NULL;
  g_autofree float *batch = NULL;
  LucidVisionOutput out;
  gsize per;

  g_assert_no_error (err);
  per = lucid_vision_model_get_pixels_per_image (model);
  for (guint i = 0; i < sizeof rgb[0]; i++) {
    rgb[0][i] = (guint8) (i * 7);
    rgb[1][i] = (guint8) (255 - i * 3);
  }
  pixels = g_new (float, 2 * per);
  for (guint i = 0; i < 2; i++)
    g_assert_true (lucid_vision_model_preprocess_rgb8 (model, rgb[i], 5, 4,
            15, pixels + i * per, &err));
  g_assert_true (lucid_vision_model_encode (model, pixels, 2, &out, &err));
  batch = g_memdup2 (out.embeddings, 2 * 32 * sizeof (float));
  for (guint i = 0; i < 2; i++) {
    g_assert_true (lucid_vision_model_encode (model, pixels + i * per, 1,
            &out, &err));
    lucid_test_assert_close (out.embeddings, batch + i * 32, 32, "single", i);
  }
}

static void
assert_load_fails (const char *dir, const char *needle)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);

  g_assert_null (model);
  g_assert_nonnull (err);
  g_test_message ("%s", err->message);
  if (strstr (err->message, needle) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", err->message, needle);
}

static void
test_bad_directories (void)
{
  g_autofree char *bert = fixture ("tiny-bert");
  g_autofree char *vit = fixture ("tiny-vit");
  g_autofree char *no_pre = lucid_test_copy_dir (vit, "preprocessor_config.json");
  g_autofree char *bad_pre = lucid_test_copy_dir (vit, NULL);
  g_autofree char *pre_path = g_build_filename (bad_pre,
      "preprocessor_config.json", NULL);
  g_autofree char *clip = lucid_test_copy_dir (vit, NULL);
  g_autofree char *clip_cfg = g_build_filename (clip, "config.json", NULL);
  g_autofree char *tiny_clip = fixture ("tiny-clip");
  g_autofree char *clip_no_pre = lucid_test_copy_dir (tiny_clip,
      "preprocessor_config.json");
  g_autofree char *clip_no_tok = lucid_test_copy_dir (tiny_clip, "tokenizer.json");
  g_autofree char *clip_text = lucid_test_copy_dir (tiny_clip, NULL);
  g_autofree char *clip_text_cfg = g_build_filename (clip_text, "config.json",
      NULL);
  g_autofree char *want = NULL;
  g_autoptr (GError) err = NULL;

  assert_load_fails (bert, "is a text model");
  assert_load_fails (no_pre, "preprocessor_config.json");
  assert_load_fails ("/nonexistent/vision-model", "config.json");

  /* A fixed resize to a size the encoder does not take. */
  g_assert_true (g_file_set_contents (pre_path,
          "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": "
          "{\"height\": 48, \"width\": 48}, \"image_mean\": [0.5,0.5,0.5], "
          "\"image_std\": [0.5,0.5,0.5]}", -1, &err));
  assert_load_fails (bad_pre, "produces 48×48 images");

  /* A CLIP image-tower config over ViT weights: the tensor named (CLIP's
   * name; the tower is tested in test-clip-zero-shot.c). */
  g_assert_true (g_file_set_contents (clip_cfg,
          "{\"model_type\": \"clip_vision_model\"}", -1, &err));
  assert_load_fails (clip, "model.safetensors: tensor "
      "'vision_model.embeddings.class_embedding' is missing");
  /* A CLIP config over ViT weights: the weights file and a tensor named. */
  g_assert_true (g_file_set_contents (clip_cfg,
          "{\"model_type\": \"clip\"}", -1, &err));
  assert_load_fails (clip, "model.safetensors");

  /* CLIP directories missing a file the family needs. */
  want = g_build_filename (clip_no_pre, "preprocessor_config.json", NULL);
  assert_load_fails (clip_no_pre, want);
  g_free (want);
  /* Without tokenizer.json a CLIPModel still gives image embeddings (no
   * prompts to tokenize); labels= is what needs it, and the message names
   * CLIP's file (not BERT's vocab.txt). */
  {
    static const char *const labels[] = { "red", "blue" };
    g_autoptr (LucidVisionModel) m = lucid_vision_model_load (clip_no_tok,
        &err);

    g_assert_no_error (err);
    g_assert_nonnull (m);
    g_assert_false (lucid_vision_model_set_zero_shot (m, labels, 2, labels, 1,
            &err));
    want = g_strdup_printf ("%s: no tokenizer.json; CLIP's text tower",
        clip_no_tok);
    g_assert_nonnull (err);
    if (strstr (err->message, want) == NULL
        || strstr (err->message, "vocab.txt") != NULL)
      g_error ("error \"%s\" does not contain \"%s\"", err->message, want);
    g_clear_error (&err);
  }
  /* A CLIP text tower on its own is a text model. */
  g_assert_true (g_file_set_contents (clip_text_cfg,
          "{\"model_type\": \"clip_text_model\"}", -1, &err));
  assert_load_fails (clip_text, "model_type \"clip_text_model\" is a text "
      "model");

  lucid_test_remove_dir (no_pre);
  lucid_test_remove_dir (bad_pre);
  lucid_test_remove_dir (clip);
  lucid_test_remove_dir (clip_no_pre);
  lucid_test_remove_dir (clip_no_tok);
  lucid_test_remove_dir (clip_text);
}

/* labels= prompts on a ViT: the clear error the element shows. */
static void
test_prompts_need_clip (void)
{
  g_autofree char *dir = fixture ("tiny-vit");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  const char *prompts[] = { "a cat", "a dog" };
  g_autofree char *want = g_strdup_printf (
      "labels= needs a CLIP model; %s is a ViT model", dir);

  g_assert_no_error (err);
  g_assert_false (lucid_vision_model_set_prompts (model, prompts, 2, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED);
  g_assert_true (g_str_has_prefix (err->message, want));
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
      LUCID_VISION_SCORES_HEAD);
  g_clear_error (&err);
  g_assert_true (lucid_vision_model_set_prompts (model, NULL, 0, &err));
}

static void
test_frame_sizes (void)
{
  g_autofree char *dir = fixture ("tiny-vit");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);

  g_assert_true (lucid_vision_model_check_frame_size (model, 1, 1, &err));
  g_assert_true (lucid_vision_model_check_frame_size (model, 4095, 3, &err));
  g_assert_false (lucid_vision_model_check_frame_size (model, 0, 8, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (err->message, "0×8"));
  g_clear_error (&err);
  g_assert_false (lucid_vision_model_check_frame_size (model, 20000, 8,
          &err));
  g_assert_nonnull (strstr (err->message, "20000×8"));
}

/* Extreme aspect ratios through a shortest-edge resize and a crop (CLIP):
 * 2000×2 resizes to 32000×32 and 16384×1 to 524288×32, as Pillow would
 * (transformers computes the whole resized image); Lucid computes only
 * the crop (bit-exact against transformers in test-image.c), so the frames
 * are accepted and preprocessed. */
static void
test_frame_sizes_extreme_aspect (void)
{
  g_autofree char *dir = fixture ("tiny-clip");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  const guint sizes[][2] = { { 2000, 2 }, { 2, 2000 }, { 16384, 1 },
                             { 1, 16384 } };
  g_autofree float *pixels = g_new (float, 3 * 32 * 32);

  g_assert_no_error (err);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    guint w = sizes[i][0], h = sizes[i][1];
    g_autofree guint8 *rgb = g_malloc ((gsize) w * h * 3);

    for (gsize k = 0; k < (gsize) w * h * 3; k++)
      rgb[k] = (guint8) (k * 7);
    g_assert_true (lucid_vision_model_check_frame_size (model, w, h, &err));
    g_assert_no_error (err);
    g_assert_true (lucid_vision_model_preprocess_rgb8 (model, rgb, w, h,
            (gsize) w * 3, pixels, &err));
    g_assert_no_error (err);
  }
  g_assert_false (lucid_vision_model_check_frame_size (model, 16385, 1,
          &err));
  g_assert_nonnull (strstr (err->message, "16385×1"));
}


/* Hex SHA-256 of the file at @path. */
static char *
sha256_of_file (const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) err = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, &err));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data,
      len);
}

/* The prompts of golden prompt set @set as a NULL-terminated array (owned
 * by the parser's tree except the array itself). */
static const char **
golden_prompts (JsonObject *root, const char *set, guint *n)
{
  JsonObject *sets = json_object_get_object_member (root, "prompt_sets");
  JsonArray *prompts = json_object_get_array_member (
      json_object_get_object_member (sets, set), "prompts");
  const char **out;

  *n = json_array_get_length (prompts);
  out = g_new0 (const char *, *n + 1);
  for (guint i = 0; i < *n; i++)
    out[i] = json_array_get_string_element (prompts, i);
  return out;
}

/* CLIP zero-shot, every golden frame (odd sizes, 1×1, solid 320×240, the
 * PNGs) as one batch, for each prompt set: the L2-normalised projected
 * embedding, exp(logit_scale)·cos and the softmax scores of
 * CLIPModel(...).logits_per_image.softmax(-1) within the fp32 tolerance,
 * the same top label; provenance (family, weights' SHA-256). */
static void
test_clip_zero_shot_matches_reference (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = lucid_test_load_golden ("vision-tiny-clip.json", &parser);
  JsonArray *cases = json_object_get_array_member (root, "cases");
  guint n = json_array_get_length (cases);
  g_autofree char *dir = fixture ("tiny-clip");
  g_autofree char *weights = fixture ("tiny-clip/model.safetensors");
  g_autofree char *sha = sha256_of_file (weights);
  g_autofree char *st_path = fixture ("goldens/vision-tiny-clip.safetensors");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidSafetensors) st = lucid_safetensors_open (st_path, &err);
  g_autoptr (LucidVisionModel) model = NULL;
  g_autofree float *pixels = NULL;
  const char *sets[] = { "colours", "objects" };
  LucidVisionOutput out;
  guint w, h, dim;
  gsize per;

  g_assert_no_error (err);
  model = lucid_vision_model_load (dir, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_vision_model_get_family (model), ==,
      LUCID_VISION_FAMILY_CLIP);
  g_assert_cmpstr (lucid_vision_family_to_string (
          lucid_vision_model_get_family (model)), ==, "clip");
  g_assert_cmpstr (lucid_vision_model_get_sha256 (model), ==, sha);
  g_assert_true (lucid_vision_model_has_text_tower (model));
  g_assert_cmpuint (lucid_vision_model_get_num_head_labels (model), ==, 0);
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
      LUCID_VISION_SCORES_NONE);
  dim = lucid_vision_model_get_embedding_dim (model);
  g_assert_cmpuint (dim, ==, 16);     /* projection_dim, not hidden 32 */
  lucid_vision_model_get_input_size (model, &w, &h);
  g_assert_cmpuint (w, ==, 32);
  g_assert_cmpuint (h, ==, 32);
  per = lucid_vision_model_get_pixels_per_image (model);
  g_assert_cmpuint (per, ==, 3 * 32 * 32);

  pixels = g_new (float, per * n);
  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    g_autofree guint8 *rgb = lucid_test_golden_frame (c, st, i, &w, &h);

    g_assert_true (lucid_vision_model_preprocess_rgb8 (model, rgb, w, h,
            (gsize) w * 3, pixels + per * i, &err));
    g_assert_no_error (err);
  }

  /* No prompts: embeddings only. */
  g_assert_true (lucid_vision_model_encode (model, pixels, n, &out, &err));
  g_assert_no_error (err);
  g_assert_cmpint (out.scores_kind, ==, LUCID_VISION_SCORES_NONE);
  g_assert_cmpuint (out.num_scores, ==, 0);
  g_assert_null (out.scores);
  for (guint i = 0; i < n; i++) {
    double norm = 0;

    lucid_test_assert_close (out.embeddings + (gsize) i * dim,
        golden_f32 (st, i, "embedding", dim), dim, "embedding", i);
    for (guint k = 0; k < dim; k++)
      norm += (double) out.embeddings[(gsize) i * dim + k]
          * out.embeddings[(gsize) i * dim + k];
    g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-5);
  }

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++) {
    guint n_prompts;
    g_autofree const char **prompts = golden_prompts (root, sets[s],
        &n_prompts);

    g_assert_true (lucid_vision_model_set_prompts (model, prompts, n_prompts,
            &err));
    g_assert_no_error (err);
    g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
        LUCID_VISION_SCORES_PROMPTS);
    g_assert_cmpuint (lucid_vision_model_get_num_scores (model), ==,
        n_prompts);
    g_assert_cmpstr (lucid_vision_model_get_score_label (model, 1), ==,
        prompts[1]);
    g_assert_true (lucid_vision_model_encode (model, pixels, n, &out, &err));
    g_assert_no_error (err);
    g_assert_cmpuint (out.num_scores, ==, n_prompts);

    for (guint i = 0; i < n; i++) {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonObject *want = json_object_get_object_member (
          json_object_get_object_member (c, "sets"), sets[s]);
      g_autofree char *what_l = g_strdup_printf ("%s.logits", sets[s]);
      g_autofree char *what_p = g_strdup_printf ("%s.probs", sets[s]);
      const float *scores = out.scores + (gsize) i * n_prompts;
      double e1, e2, sum = 0;
      guint best = 0;

      e1 = lucid_test_assert_close (out.logits + (gsize) i * n_prompts,
          golden_f32 (st, i, what_l, n_prompts), n_prompts, what_l, i);
      e2 = lucid_test_assert_close (scores,
          golden_f32 (st, i, what_p, n_prompts), n_prompts, what_p, i);
      for (guint k = 0; k < n_prompts; k++) {
        sum += scores[k];
        if (scores[k] > scores[best])
          best = k;
      }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (scores[best],
          json_object_get_double_member (want, "score"), 1e-4);
      g_test_message ("%s / %s: logits max-abs %.2g, scores %.2g",
          json_object_get_string_member (c, "input"), sets[s], e1, e2);
    }
  }

  /* Clearing the prompts goes back to embeddings only. */
  g_assert_true (lucid_vision_model_set_prompts (model, NULL, 0, &err));
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
      LUCID_VISION_SCORES_NONE);
}

/* CLIP: one frame at a time gives the batch's embeddings and scores. */
static void
test_clip_batch_equals_single (void)
{
  g_autofree char *dir = fixture ("tiny-clip");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  const char *prompts[] = { "a photo of a cat", "a photo of a dog",
    "a photo of a car" };
  guint8 rgb[3][9 * 5 * 3];
  g_autofree float *pixels = NULL;
  g_autofree float *batch = NULL;
  g_autofree float *batch_scores = NULL;
  LucidVisionOutput out;
  gsize per;

  g_assert_no_error (err);
  g_assert_true (lucid_vision_model_set_prompts (model, prompts, 3, &err));
  per = lucid_vision_model_get_pixels_per_image (model);
  for (guint i = 0; i < sizeof rgb[0]; i++) {
    rgb[0][i] = (guint8) (i * 7);
    rgb[1][i] = (guint8) (255 - i * 3);
    rgb[2][i] = (guint8) (i * i);
  }
  pixels = g_new (float, 3 * per);
  for (guint i = 0; i < 3; i++)
    g_assert_true (lucid_vision_model_preprocess_rgb8 (model, rgb[i], 9, 5,
            27, pixels + i * per, &err));
  g_assert_true (lucid_vision_model_encode (model, pixels, 3, &out, &err));
  batch = g_memdup2 (out.embeddings, 3 * 16 * sizeof (float));
  batch_scores = g_memdup2 (out.scores, 3 * 3 * sizeof (float));
  for (guint i = 0; i < 3; i++) {
    g_assert_true (lucid_vision_model_encode (model, pixels + i * per, 1,
            &out, &err));
    lucid_test_assert_close (out.embeddings, batch + i * 16, 16, "single", i);
    lucid_test_assert_close (out.scores, batch_scores + i * 3, 3, "scores",
        i);
  }
}

/* CLIP prompts: empty ones are refused, and a refused set leaves none. */
static void
test_clip_bad_prompts (void)
{
  g_autofree char *dir = fixture ("tiny-clip");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVisionModel) model = lucid_vision_model_load (dir, &err);
  const char *prompts[] = { "a cat", "" };

  g_assert_no_error (err);
  g_assert_false (lucid_vision_model_set_prompts (model, prompts, 2, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message, "prompt 1 is empty"));
  g_assert_cmpint (lucid_vision_model_get_scores_kind (model), ==,
      LUCID_VISION_SCORES_NONE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vision-model/frames-match-reference",
      test_frames_match_reference);
  g_test_add_func ("/vision-model/batch-equals-single",
      test_batch_equals_single);
  g_test_add_func ("/vision-model/bad-directories", test_bad_directories);
  g_test_add_func ("/vision-model/prompts-need-clip", test_prompts_need_clip);
  g_test_add_func ("/vision-model/frame-sizes", test_frame_sizes);
  g_test_add_func ("/vision-model/frame-sizes-extreme-aspect",
      test_frame_sizes_extreme_aspect);
  g_test_add_func ("/vision-model/clip/zero-shot-matches-reference",
      test_clip_zero_shot_matches_reference);
  g_test_add_func ("/vision-model/clip/batch-equals-single",
      test_clip_batch_equals_single);
  g_test_add_func ("/vision-model/clip/bad-prompts", test_clip_bad_prompts);
  return g_test_run ();
}
