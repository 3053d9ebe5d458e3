/* test-image.c — image preprocessing against Pillow and transformers.
 *
 * Goldens come from tools/make_image_goldens.py (reference versions in
 * goldens/image-preprocess.json): PIL's Image.resize() alone for every
 * convolution filter, and transformers' PIL-based ViT and CLIP image
 * processors (use_fast=False). The resized 8-bit image must be identical;
 * pixel values within 1e-6 (they are in fact bit-identical).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-error.h"
#include "lucid-image.h"
#include "lucid-json.h"
#include "lucid-safetensors.h"

#include <math.h>
#include <string.h>

#define PIXEL_TOLERANCE 1e-6

typedef struct {
  JsonNode *root;
  JsonArray *cases;
  LucidSafetensors *tensors;
  char *dir;                   /* tests/fixtures/goldens */
} Golden;

static void
golden_clear (Golden *g)
{
  g_clear_pointer (&g->root, json_node_unref);
  g_clear_pointer (&g->tensors, lucid_safetensors_free);
  g_clear_pointer (&g->dir, g_free);
}

static void
golden_load (Golden *g)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *json_path = NULL, *st_path = NULL;
  g_autoptr (GError) err = NULL;
  JsonObject *obj;

  g_assert_nonnull (fixtures);
  g->dir = g_build_filename (fixtures, "goldens", NULL);
  json_path = g_build_filename (g->dir, "image-preprocess.json", NULL);
  g->root = lucid_json_parse_file (json_path, &err);
  g_assert_no_error (err);
  obj = json_node_get_object (g->root);
  g->cases = json_object_get_array_member (obj, "cases");
  st_path = g_build_filename (g->dir,
      json_object_get_string_member (obj, "tensors"), NULL);
  g->tensors = lucid_safetensors_open (st_path, &err);
  g_assert_no_error (err);
}

/* The U8 tensor @name, asserting its [h, w, 3] shape. */
static const guint8 *
golden_u8 (Golden *g, const char *name, guint w, guint h)
{
  const LucidSafetensor *t = lucid_safetensors_lookup (g->tensors, name);

  if (t == NULL)
    g_error ("golden tensor %s is missing", name);
  g_assert_cmpint (t->dtype, ==, LUCID_DTYPE_U8);
  g_assert_cmpuint (t->n_dims, ==, 3);
  g_assert_cmpint (t->shape[0], ==, h);
  g_assert_cmpint (t->shape[1], ==, w);
  g_assert_cmpint (t->shape[2], ==, 3);
  return t->data;
}

/* The "hash" pattern of make_image_goldens.py. */
static guint8 *
make_hash_pattern (guint w, guint h, guint32 seed)
{
  guint8 *img = g_malloc ((gsize) w * h * 3);

  for (guint32 y = 0; y < h; y++) {
    for (guint32 x = 0; x < w; x++) {
      guint32 n = x * 374761393u + y * 668265263u + seed * 2246822519u;
      guint8 *p = img + ((gsize) y * w + x) * 3;
      n = (n ^ (n >> 15)) * 2654435761u;
      n ^= n >> 13;
      p[0] = (guint8) ((x * 255 / (w - 1)) ^ (n & 31));
      p[1] = (guint8) (y * 255 / (h - 1));
      p[2] = (guint8) (n >> 24);
    }
  }
  return img;
}

/* The case's input image (owned by the caller). */
static guint8 *
case_input (Golden *g, JsonObject *c, guint w, guint h)
{
  const char *name = json_object_get_string_member (c, "input");

  if (json_object_has_member (c, "pattern")) {
    JsonObject *pat = json_object_get_object_member (c, "pattern");
    guint8 *img = make_hash_pattern (w, h,
        (guint32) json_object_get_int_member (pat, "seed"));
    g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
        img, (gsize) w * h * 3);
    g_assert_cmpstr (json_object_get_string_member (pat, "name"), ==, "hash");
    g_assert_cmpstr (sha, ==, json_object_get_string_member (pat, "sha256"));
    return img;
  } else {
    g_autofree char *tname = g_strdup_printf ("input.%s", name);
    return g_memdup2 (golden_u8 (g, tname, w, h), (gsize) w * h * 3);
  }
}

static void
assert_bytes_equal (const guint8 *got, const guint8 *ref, guint w, guint h,
    guint case_i)
{
  for (gsize i = 0; i < (gsize) w * h * 3; i++) {
    if (got[i] != ref[i])
      g_error ("case %u: resized byte differs at (x %" G_GSIZE_FORMAT ", y %"
          G_GSIZE_FORMAT ", channel %" G_GSIZE_FORMAT "): got %u, PIL %u",
          case_i, i / 3 % w, i / 3 / w, i % 3, got[i], ref[i]);
  }
}

/* Every case: PIL's resize bit-exact, with the input rows padded (a
 * GStreamer stride) so stride handling is exercised too; process cases then
 * run the whole processor and compare pixel values. */
static void
test_image_matches_reference (void)
{
  Golden g = { 0 };
  double worst = 0.0;
  guint n_resize = 0, n_process = 0, n_cropped = 0;

  golden_load (&g);
  for (guint i = 0; i < json_array_get_length (g.cases); i++) {
    JsonObject *c = json_array_get_object_element (g.cases, i);
    guint w = (guint) json_object_get_int_member (c, "width");
    guint h = (guint) json_object_get_int_member (c, "height");
    guint rw = (guint) json_object_get_int_member (c, "resized_width");
    guint rh = (guint) json_object_get_int_member (c, "resized_height");
    const char *kind = json_object_get_string_member (c, "kind");
    g_autofree char *rname = g_strdup_printf ("case%u.resized", i);
    /* Resized images over 16 KiB (extreme aspect ratios) are not stored:
     * their pixel values are the check. */
    gboolean stored = !json_object_has_member (c, "resized_stored")
        || json_object_get_boolean_member (c, "resized_stored");
    const guint8 *ref = stored ? golden_u8 (&g, rname, rw, rh) : NULL;
    g_autofree guint8 *input = case_input (&g, c, w, h);
    gsize stride = (gsize) w * 3 + 5;
    g_autofree guint8 *padded = g_malloc0 (stride * h);
    g_autofree guint8 *got = NULL;
    g_autoptr (GError) err = NULL;
    LucidResample resample;

    for (guint y = 0; y < h; y++)
      memcpy (padded + y * stride, input + (gsize) y * w * 3, (gsize) w * 3);

    if (g_str_equal (kind, "resize")) {
      resample = (LucidResample) json_object_get_int_member (c, "resample");
      n_resize++;
    } else {
      g_autofree char *cfg_path = g_build_filename (g.dir,
          json_object_get_string_member (c, "config"), NULL);
      g_autoptr (LucidImageConfig) cfg = lucid_image_config_load_file (
          cfg_path, &err);
      g_autofree char *pname = g_strdup_printf ("case%u.pixel_values", i);
      const LucidSafetensor *t = lucid_safetensors_lookup (g.tensors, pname);
      const float *ref_px;
      g_autofree float *px = NULL;
      guint rw2, rh2, ow, oh;

      g_assert_no_error (err);
      g_assert_nonnull (t);
      resample = cfg->resample;
      lucid_image_config_get_resized_size (cfg, w, h, &rw2, &rh2);
      g_assert_cmpuint (rw2, ==, rw);
      g_assert_cmpuint (rh2, ==, rh);
      lucid_image_config_get_output_size (cfg, w, h, &ow, &oh);
      ref_px = lucid_safetensors_get_f32 (g.tensors, pname, 3,
          (const gint64[]) { 3, oh, ow }, &err);
      g_assert_no_error (err);
      px = g_new (float, (gsize) 3 * oh * ow);
      g_assert_true (lucid_image_preprocess_rgb8 (cfg, padded, w, h, stride,
              px, &err));
      g_assert_no_error (err);
      for (gsize k = 0; k < (gsize) 3 * oh * ow; k++) {
        double e = fabs ((double) px[k] - ref_px[k]);
        if (!(e <= PIXEL_TOLERANCE))
          g_error ("case %u (%s): pixel value %" G_GSIZE_FORMAT " is %.9g, "
              "transformers %.9g", i,
              json_object_get_string_member (c, "description"), k, px[k],
              ref_px[k]);
        worst = MAX (worst, e);
      }
      n_process++;
      if (rw > ow || rh > oh)
        n_cropped++;
    }

    if (!stored)
      continue;
    got = g_malloc ((gsize) rw * rh * 3);
    g_assert_true (lucid_image_resize_rgb8 (padded, w, h, stride, got, rw,
            rh, (gsize) rw * 3, resample, &err));
    g_assert_no_error (err);
    assert_bytes_equal (got, ref, rw, rh, i);
  }
  g_test_message ("%u resize cases bit-exact; %u processor cases (%u where "
      "the crop cuts the resized image), max-abs pixel error %.3g",
      n_resize, n_process, n_cropped, worst);
  g_assert_cmpuint (n_resize, >=, 16);  /* incl. vertical-first shapes */
  g_assert_cmpuint (n_process, >=, 5);
  /* incl. 2000x2 -> 24000x24 and a vertical-first shape (300x3000). */
  g_assert_cmpuint (n_cropped, >=, 7);
  golden_clear (&g);
}

/* The tiny ViT fixture's config: what make_vit_fixtures.py saved. */
static void
test_image_config_tiny_vit (void)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *dir = g_build_filename (fixtures, "tiny-vit", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidImageConfig) cfg = lucid_image_config_load (dir, &err);
  guint w, h;

  g_assert_no_error (err);
  g_assert_cmpstr (cfg->image_processor_type, ==, "ViTImageProcessor");
  g_assert_true (cfg->do_resize);
  g_assert_false (cfg->do_center_crop);  /* absent: ViT's default */
  g_assert_cmpint (cfg->resample, ==, LUCID_RESAMPLE_BILINEAR);
  g_assert_cmpuint (cfg->shortest_edge, ==, 0);
  lucid_image_config_get_output_size (cfg, 640, 480, &w, &h);
  g_assert_cmpuint (w, ==, 32);
  g_assert_cmpuint (h, ==, 32);
  g_assert_cmpfloat (cfg->image_std[2], ==, 0.5);
}

/* Older CLIP configs say "size": 224, "crop_size": 224; absent keys take
 * CLIPImageProcessor's defaults. */
static void
test_image_config_legacy_clip (void)
{
  const char *json = "{\"feature_extractor_type\": \"CLIPFeatureExtractor\","
      " \"size\": 224, \"crop_size\": 224, \"image_mean\": 0.5,"
      " \"image_std\": [0.25, 0.5, 1]}";
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidImageConfig) cfg = lucid_image_config_new_from_data (json,
      strlen (json), "clip/preprocessor_config.json", &err);
  guint w, h;

  g_assert_no_error (err);
  g_assert_cmpstr (cfg->image_processor_type, ==, "CLIPImageProcessor");
  g_assert_cmpuint (cfg->shortest_edge, ==, 224);
  g_assert_true (cfg->do_center_crop);
  g_assert_cmpint (cfg->resample, ==, LUCID_RESAMPLE_BICUBIC);
  g_assert_cmpfloat (cfg->image_mean[1], ==, 0.5);
  g_assert_cmpfloat (cfg->image_std[0], ==, 0.25);
  /* 640x480: short side 480 → 224, long side int(224 * 640 / 480) = 298. */
  lucid_image_config_get_resized_size (cfg, 640, 480, &w, &h);
  g_assert_cmpuint (w, ==, 298);
  g_assert_cmpuint (h, ==, 224);
  lucid_image_config_get_output_size (cfg, 640, 480, &w, &h);
  g_assert_cmpuint (w, ==, 224);
  g_assert_cmpuint (h, ==, 224);
}

/* Each bad config is refused with an error naming the file and the key. */
static void
test_image_config_errors_name_file_and_key (void)
{
  static const struct {
    const char *json;
    int code;
    const char *key;
  } bad[] = {
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"image_std\": [0.5, 0.5, 0.5]}", LUCID_ERROR_MISSING, "image_mean" },
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"image_mean\": [0.5, 0.5], \"image_std\": 0.5}", LUCID_ERROR_FORMAT,
      "image_mean" },
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"resample\": 7, \"do_normalize\": false}", LUCID_ERROR_FORMAT,
      "resample" },
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"resample\": 0, \"do_normalize\": false}", LUCID_ERROR_UNSUPPORTED,
      "resample" },
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"resample\": \"bicubic\", \"do_normalize\": false}",
      LUCID_ERROR_FORMAT, "resample" },
    { "{\"image_processor_type\": \"DetrImageProcessor\"}",
      LUCID_ERROR_UNSUPPORTED, "image_processor_type" },
    { "{\"do_resize\": true}", LUCID_ERROR_MISSING, "image_processor_type" },
    { "{\"image_processor_type\": \"ViTImageProcessor\","
      " \"do_normalize\": false}", LUCID_ERROR_MISSING, "size" },
    { "{\"image_processor_type\": \"ViTImageProcessor\","
      " \"size\": {\"height\": 0, \"width\": 32}, \"do_normalize\": false}",
      LUCID_ERROR_FORMAT, "height" },
    { "{\"image_processor_type\": \"CLIPImageProcessor\","
      " \"size\": {\"shortest_edge\": 24}, \"do_normalize\": false}",
      LUCID_ERROR_MISSING, "crop_size" },
    { "{\"image_processor_type\": \"ViTImageProcessor\", \"size\": 32,"
      " \"image_mean\": 0.5, \"image_std\": [0.5, 0, 0.5]}",
      LUCID_ERROR_FORMAT, "image_std" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (LucidImageConfig) cfg = lucid_image_config_new_from_data (
        bad[i].json, strlen (bad[i].json), "m/preprocessor_config.json", &err);

    g_assert_null (cfg);
    g_assert_error (err, LUCID_ERROR, bad[i].code);
    if (!g_str_has_prefix (err->message, "m/preprocessor_config.json")
        || strstr (err->message, bad[i].key) == NULL)
      g_error ("bad config %u: \"%s\" does not name the file and '%s'", i,
          err->message, bad[i].key);
  }
}

static void
test_image_config_missing_file (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidImageConfig) cfg = lucid_image_config_load (
      "/nonexistent-lucid-model", &err);

  g_assert_null (cfg);
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (err->message,
          "/nonexistent-lucid-model/preprocessor_config.json"));
}

/* Bad arguments are errors, not crashes. */
static void
test_image_resize_refuses_bad_arguments (void)
{
  guint8 src[12] = { 0 }, dst[12];
  g_autoptr (GError) err = NULL;

  g_assert_false (lucid_image_resize_rgb8 (src, 0, 1, 3, dst, 1, 1, 3,
          LUCID_RESAMPLE_BILINEAR, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_false (lucid_image_resize_rgb8 (src, 2, 2, 6, dst, 1, 1, 3,
          LUCID_RESAMPLE_NEAREST, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_false (lucid_image_resize_rgb8 (src, 2, 2, 5, dst, 1, 1, 3,
          LUCID_RESAMPLE_BILINEAR, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/matches-reference", test_image_matches_reference);
  g_test_add_func ("/image/config/tiny-vit", test_image_config_tiny_vit);
  g_test_add_func ("/image/config/legacy-clip",
      test_image_config_legacy_clip);
  g_test_add_func ("/image/config/errors-name-file-and-key",
      test_image_config_errors_name_file_and_key);
  g_test_add_func ("/image/config/missing-file",
      test_image_config_missing_file);
  g_test_add_func ("/image/resize/refuses-bad-arguments",
      test_image_resize_refuses_bad_arguments);
  return g_test_run ();
}
