/* test-visionenc-clip.c — CLIP zero-shot in lucidvisionenc and
 * lucidclassify, in GstHarness, with the tiny CLIP fixture and the goldens
 * of tools/make_clip_zero_shot_goldens.py (transformers' CLIPProcessor with
 * the PIL image processor + CLIPModel: logits_per_image.softmax(-1)).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lucid-check-goldens.h"
#include "lucid-check-util.h"
#include "lucid-safetensors.h"
#include "lucidmeta.h"

/* fp32 on CPU, DESIGN.md: max-abs error ≤ 1e-4·max(1, max|ref|); scores
 * and unit-norm embeddings are ≤ 1. */
#define TAU 1e-4

#define COLOURS "red,green,blue"
#define TEMPLATE "a photo of {}"


/* The index of the golden case whose input is @input. */
static guint
golden_index (Goldens *g, const gchar *input)
{
  JsonArray *cases = json_object_get_array_member (g->root, "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    if (g_strcmp0 (json_object_get_string_member (c, "input"), input) == 0)
      return i;
  }
  fail ("no golden case %s", input);
  return 0;
}

/* The reference score of @label in prompt set @set for case @i. */
static double
golden_score (Goldens *g, guint i, const gchar *set, const gchar *label)
{
  JsonObject *c = json_array_get_object_element (
      json_object_get_array_member (g->root, "cases"), i);
  JsonArray *scores = json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (c, "sets"),
                                     set),
      "scores");
  JsonArray *labels = json_object_get_array_member (
      json_object_get_object_member (
          json_object_get_object_member (g->root, "prompt_sets"), set),
      "labels");

  for (guint k = 0; k < json_array_get_length (labels); k++)
    if (g_strcmp0 (json_array_get_string_element (labels, k), label) == 0)
      return json_array_get_double_element (scores, k);
  fail ("no label %s in set %s", label, set);
  return NAN;
}

#define FRAME_CAPS                                                             \
  "video/x-raw, format=RGB, width=320, height=240, "                           \
  "framerate=25/1"

static const struct {
  const gchar *input;
  guint8 rgb[3];
} SOLID[] = {
  { "solid red 320x240", { 255, 0, 0 } },
  { "solid green 320x240", { 0, 255, 0 } },
  { "solid blue 320x240", { 0, 0, 255 } },
  { "solid white 320x240", { 255, 255, 255 } },
};

/* Checks that the labels/scores of result @s are the reference scores of
 * prompt set @set for case @i (every listed label, best first). */
static void
assert_scores_match (const GstStructure *s, Goldens *g, guint i,
                     const gchar *set, guint want_listed)
{
  const GValue *labels = gst_structure_get_value (s, "labels");
  const GValue *scores = gst_structure_get_value (s, "scores");
  double prev = INFINITY;

  fail_unless (labels != NULL && scores != NULL);
  fail_unless_equals_int (gst_value_array_get_size (labels), want_listed);
  for (guint k = 0; k < want_listed; k++) {
    const gchar *label
        = g_value_get_string (gst_value_array_get_value (labels, k));
    double got = g_value_get_double (gst_value_array_get_value (scores, k));
    double want = golden_score (g, i, set, label);

    fail_unless (fabs (got - want) <= TAU,
                 "case %u %s: %s scores %.8g, "
                 "reference %.8g",
                 i, set, label, got, want);
    fail_unless (got <= prev, "not best first");
    prev = got;
  }
}

/* A playing harness around @e (taken over) with model=@dir and @caps. */
static GstHarness *
model_harness (GstElement *e, const gchar *caps,
                                     const gchar *dir)
{
  GstHarness *h;

  fail_unless (e != NULL);
  g_object_set (e, "model", dir, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* A playing lucidvisionenc harness with the NULL-terminated properties,
 * fed FRAME_CAPS. */
static GstHarness *
new_visionenc_harness (const gchar *first, ...)
{
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  GstHarness *h;
  va_list args;

  fail_unless (e != NULL, "lucidvisionenc not found (GST_PLUGIN_PATH?)");
  va_start (args, first);
  h = lucid_check_harness_new_valist (e, FRAME_CAPS, first, args);
  va_end (args);
  return h;
}

/* A harness around lucidclassify @e (reference taken over), fed
 * application/x-test buffers. */
static GstHarness *
new_classify_harness (GstElement *e)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, "application/x-test");
  return h;
}

/* ------------------------------------------------------------------------ */

/* labels= with a CLIP model: the projected, normalised embedding and
 * CLIPModel's softmax scores for every solid frame, with provenance. */
GST_START_TEST (test_visionenc_clip_zero_shot)
{
  Goldens g;
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  gchar *weights = lucid_check_fixture_path ("tiny-clip/model.safetensors");
  gchar *sha = lucid_check_sha256_of_file (weights);
  GstHarness *h
      = new_visionenc_harness ("model", dir, "labels", COLOURS,
                               "prompt-template", TEMPLATE, "top-k", 3, NULL);

  lucid_check_goldens_load (&g, "vision-tiny-clip");
  for (guint f = 0; f < G_N_ELEMENTS (SOLID); f++) {
    guint i = golden_index (&g, SOLID[f].input);
    gchar *name = g_strdup_printf ("case%u.embedding", i);
    const float *want = lucid_check_golden_f32 (&g, name, 16);
    const GstStructure *s;
    GstBuffer *out;
    float *emb;
    guint n;
    gint w = 0;

    fail_unless_equals_int (
        gst_harness_push (h, lucid_check_solid_frame (SOLID[f].rgb, f * 40 * GST_MSECOND)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    s = lucid_check_result_of (out, "lucidvisionenc");
    fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
    fail_unless_equals_string (gst_structure_get_string (s, "model-family"),
                               "clip");
    fail_unless_equals_string (gst_structure_get_string (s, "model-id"), sha);
    fail_unless_equals_string (gst_structure_get_string (s, "model-dir"), dir);
    fail_unless (gst_structure_get_int (s, "width", &w) && w == 320);
    assert_scores_match (s, &g, i, "colours", 3);
    fail_unless_equals_string (
        gst_structure_get_string (s, "label"),
        json_object_get_string_member (
            json_object_get_object_member (
                json_object_get_object_member (
                    json_array_get_object_element (
                        json_object_get_array_member (g.root, "cases"), i),
                    "sets"),
                "colours"),
            "label"));

    emb = lucid_check_vision_embedding (out, &n);
    fail_unless_equals_int (n, 16); /* projection_dim, not hidden 32 */
    for (guint k = 0; k < n; k++)
      fail_unless (fabs (emb[k] - want[k]) <= TAU, "%s [%u]: %g vs %g",
                   SOLID[f].input, k, emb[k], want[k]);
    g_free (emb);
    g_free (name);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  lucid_check_goldens_clear (&g);
  g_free (sha);
  g_free (weights);
  g_free (dir);
}

GST_END_TEST;

/* Without labels= a CLIP model gives embeddings only (kind embedding). */
GST_START_TEST (test_visionenc_clip_embedding_only)
{
  Goldens g;
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  GstHarness *h = new_visionenc_harness ("model", dir, NULL);
  guint i;
  const float *want;
  const GstStructure *s;
  GstBuffer *out;
  float *emb;
  guint n;

  lucid_check_goldens_load (&g, "vision-tiny-clip");
  i = golden_index (&g, "solid green 320x240");
  {
    gchar *name = g_strdup_printf ("case%u.embedding", i);
    want = lucid_check_golden_f32 (&g, name, 16);
    g_free (name);
  }
  fail_unless_equals_int (gst_harness_push (h, lucid_check_solid_frame (SOLID[1].rgb, 0)),
                          GST_FLOW_OK);
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, "lucidvisionenc");
  fail_unless_equals_string (gst_structure_get_string (s, "kind"), "embedding");
  fail_if (gst_structure_has_field (s, "labels"));
  emb = lucid_check_vision_embedding (out, &n);
  fail_unless_equals_int (n, 16);
  for (guint k = 0; k < n; k++)
    fail_unless (fabs (emb[k] - want[k]) <= TAU);
  g_free (emb);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  lucid_check_goldens_clear (&g);
  g_free (dir);
}

GST_END_TEST;

/* lucidclassify text-model=<CLIP> after lucidvisionenc with the same CLIP
 * model: the same labels and scores as lucidvisionenc labels= (both are
 * CLIPModel's softmax, checked against the reference too), scoring
 * clip-softmax, the CLIP model's provenance; a second prompt set and
 * template too. */
GST_START_TEST (test_classify_clip_equals_visionenc)
{
  Goldens g;
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  gchar *weights = lucid_check_fixture_path ("tiny-clip/model.safetensors");
  gchar *sha = lucid_check_sha256_of_file (weights);
  const struct {
    const gchar *set, *labels, *template;
  } sets[] = {
    { "colours", COLOURS, TEMPLATE },
    { "objects", "cat;dog;traffic light;crème brûlée",
      "a blurry photo of a {}." },
  };

  lucid_check_goldens_load (&g, "vision-tiny-clip");
  for (guint q = 0; q < G_N_ELEMENTS (sets); q++) {
    gchar *launch = g_strdup_printf (
        "lucidvisionenc model=\"%s\" labels=\"%s\" prompt-template=\"%s\" "
        "top-k=10 ! lucidclassify text-model=\"%s\" labels=\"%s\" "
        "prompt-template=\"%s\" top-k=10",
        dir, sets[q].labels, sets[q].template, dir, sets[q].labels,
        sets[q].template);
    GstHarness *h = gst_harness_new_parse (launch);
    GstBus *bus = gst_bus_new ();

    gst_element_set_bus (h->element, bus);
    gst_harness_set_src_caps_str (h, FRAME_CAPS);
    for (guint f = 0; f < G_N_ELEMENTS (SOLID); f++) {
      guint i = golden_index (&g, SOLID[f].input);
      guint n_labels = g_strcmp0 (sets[q].set, "colours") == 0 ? 3 : 4;
      const GstStructure *v, *c;
      const GValue *vl, *cl, *vs, *cs;
      GstBuffer *out;
      double ls = 0;

      fail_unless_equals_int (
          gst_harness_push (h, lucid_check_solid_frame (SOLID[f].rgb, f * GST_MSECOND)),
          GST_FLOW_OK);
      out = gst_harness_pull (h);
      v = lucid_check_result_of (out, "lucidvisionenc");
      c = lucid_check_result_of (out, "lucidclassify");
      assert_scores_match (v, &g, i, sets[q].set, n_labels);
      assert_scores_match (c, &g, i, sets[q].set, n_labels);
      vl = gst_structure_get_value (v, "labels");
      cl = gst_structure_get_value (c, "labels");
      vs = gst_structure_get_value (v, "scores");
      cs = gst_structure_get_value (c, "scores");
      for (guint k = 0; k < n_labels; k++) {
        double a = g_value_get_double (gst_value_array_get_value (vs, k));
        double b = g_value_get_double (gst_value_array_get_value (cs, k));

        fail_unless_equals_string (
            g_value_get_string (gst_value_array_get_value (vl, k)),
            g_value_get_string (gst_value_array_get_value (cl, k)));
        fail_unless (fabs (a - b) <= 1e-6, "visionenc %.9g, classify %.9g", a,
                     b);
      }
      fail_unless_equals_string (gst_structure_get_string (c, "scoring"),
                                 "clip-softmax");
      fail_unless (gst_structure_get_double (c, "logit-scale", &ls));
      fail_unless (
          fabs (ls - json_object_get_double_member (g.root, "logit_scale_exp"))
          <= 1e-5 * ls);
      fail_unless_equals_string (gst_structure_get_string (c, "model-family"),
                                 "clip");
      fail_unless_equals_string (gst_structure_get_string (c, "model-id"), sha);
      fail_unless_equals_string (gst_structure_get_string (c, "model-dir"),
                                 dir);
      fail_unless_equals_string (gst_structure_get_string (c, "input-model-id"),
                                 sha);
      gst_buffer_unref (out);
    }
    /* The same model on both sides: no "another model" warning. */
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    g_free (launch);
  }
  lucid_check_goldens_clear (&g);
  g_free (sha);
  g_free (weights);
  g_free (dir);
}

GST_END_TEST;

/* An embedding of CLIP's projection size from another model (or another
 * tensor id) gets plain cosines against the CLIP prompt embeddings
 * (scoring cosine, no logit scale) and the "another model" warning. */
GST_START_TEST (test_classify_clip_other_embedding)
{
  Goldens g;
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  const float *prompts;
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstBuffer *buf, *out;
  GstMessage *warning;
  const GstStructure *s;
  const GValue *labels, *scores;
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[1] = { 16 };
  float v[16];
  double vn = 0;

  lucid_check_goldens_load (&g, "vision-tiny-clip");
  {
    gint64 shape[2] = { 3, 16 };
    GError *err = NULL;
    prompts = lucid_safetensors_get_f32 (g.st, "colours.text_embeds", 2, shape,
                                         &err);
    fail_unless (prompts != NULL);
  }
  for (guint k = 0; k < 16; k++) {
    v[k] = (float)k - 7.5f;
    vn += (double)v[k] * v[k];
  }
  g_object_set (e, "text-model", dir, "labels", COLOURS, "prompt-template",
                TEMPLATE, "top-k", 3, NULL);
  h = new_classify_harness (e);
  gst_element_set_bus (h->element, bus);
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  tensors[0] = lucid_tensor_new_f32 (
      g_quark_from_string ("lucid-vision-embedding"), v, 1, dims);
  lucid_buffer_add_tensor_meta (buf, "another-model", 1, tensors);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, "lucidclassify");
  fail_unless_equals_string (gst_structure_get_string (s, "scoring"), "cosine");
  fail_if (gst_structure_has_field (s, "logit-scale"));
  labels = gst_structure_get_value (s, "labels");
  scores = gst_structure_get_value (s, "scores");
  for (guint k = 0; k < 3; k++) {
    const gchar *label
        = g_value_get_string (gst_value_array_get_value (labels, k));
    guint row = g_str_equal (label, "red")     ? 0
                : g_str_equal (label, "green") ? 1
                                               : 2;
    double dot = 0;

    for (guint j = 0; j < 16; j++)
      dot += (double)v[j] * prompts[row * 16 + j];
    fail_unless (
        fabs (g_value_get_double (gst_value_array_get_value (scores, k))
              - dot / sqrt (vn))
            <= TAU,
        "%s", label);
  }
  warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL, "no warning about another model");
  gst_message_unref (warning);
  gst_buffer_unref (out);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  lucid_check_goldens_clear (&g);
  g_free (dir);
}

GST_END_TEST;

/* A ViT's 32-value embedding into a CLIP zero-shot head of 16: a stream
 * error naming the sizes. */
GST_START_TEST (test_classify_clip_wrong_dim)
{
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  GstHarness *h;
  GstBuffer *buf;
  GError *error;
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[1] = { 32 };
  float v[32] = { 1 };

  g_object_set (e, "text-model", dir, "labels", COLOURS, NULL);
  h = new_classify_harness (e);
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  tensors[0] = lucid_tensor_new_f32 (
      g_quark_from_string ("lucid-vision-embedding"), v, 1, dims);
  lucid_buffer_add_tensor_meta (buf, "vit", 1, tensors);
  error = lucid_check_push_and_get_error (h, buf);
  fail_unless (strstr (error->message, "16-value embeddings; this one has 32")
                   != NULL,
               "%s", error->message);
  g_error_free (error);
  gst_harness_teardown (h);
  g_free (dir);
}

GST_END_TEST;

/* A CLIP text-model missing its tokenizer: the start error names it. */
GST_START_TEST (test_classify_clip_bad_dir)
{
  GError *err = NULL;
  gchar *tmp = g_dir_make_tmp ("lucid-clip-XXXXXX", &err);
  gchar *src = lucid_check_fixture_path ("tiny-clip");
  const gchar *copy[]
      = { "config.json", "model.safetensors", "preprocessor_config.json" };
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  GError *error;

  fail_unless (tmp != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (copy); i++) {
    gchar *from = g_build_filename (src, copy[i], NULL);
    gchar *to = g_build_filename (tmp, copy[i], NULL);
    gchar *data;
    gsize len;

    fail_unless (g_file_get_contents (from, &data, &len, NULL));
    fail_unless (g_file_set_contents (to, data, len, NULL));
    g_free (data);
    g_free (from);
    g_free (to);
  }
  g_object_set (e, "text-model", tmp, "labels", COLOURS, NULL);
  error = lucid_check_start_and_get_error (e);
  fail_unless (strstr (error->message, "no tokenizer.json") != NULL, "%s",
               error->message);
  fail_unless (strstr (error->message, tmp) != NULL, "%s", error->message);
  g_error_free (error);
  gst_object_unref (e);
  for (guint i = 0; i < G_N_ELEMENTS (copy); i++) {
    gchar *p = g_build_filename (tmp, copy[i], NULL);
    g_unlink (p);
    g_free (p);
  }
  g_rmdir (tmp);
  g_free (tmp);
  g_free (src);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Copies of tiny-clip with a file left out or replaced                      */

static const gchar *const CLIP_FILES[]
    = { "config.json", "model.safetensors", "preprocessor_config.json",
        "tokenizer.json", "tokenizer_config.json" };

/* A temporary copy of tiny-clip without @skip (NULL: none), its
 * preprocessor_config.json replaced by @preprocessor when not NULL. */
static gchar *
clip_copy (const gchar *skip, const gchar *preprocessor)
{
  gchar *src = lucid_check_fixture_path ("tiny-clip");
  gchar *tmp = g_dir_make_tmp ("lucid-clip-copy-XXXXXX", NULL);

  fail_unless (tmp != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (CLIP_FILES); i++) {
    gchar *from = g_build_filename (src, CLIP_FILES[i], NULL);
    gchar *to = g_build_filename (tmp, CLIP_FILES[i], NULL);
    gchar *data;
    gsize len;

    if (g_strcmp0 (skip, CLIP_FILES[i]) != 0) {
      fail_unless (g_file_get_contents (from, &data, &len, NULL));
      if (preprocessor != NULL
          && strcmp (CLIP_FILES[i], "preprocessor_config.json") == 0)
        fail_unless (g_file_set_contents (to, preprocessor, -1, NULL));
      else
        fail_unless (g_file_set_contents (to, data, len, NULL));
      g_free (data);
    }
    g_free (from);
    g_free (to);
  }
  g_free (src);
  return tmp;
}

static void
clip_copy_remove (gchar *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (CLIP_FILES); i++) {
    gchar *p = g_build_filename (dir, CLIP_FILES[i], NULL);
    g_unlink (p);
    g_free (p);
  }
  g_rmdir (dir);
  g_free (dir);
}

/* The embedding lucidvisionenc model=@dir gives a solid red @w × @h frame
 * (copied; n values in *@n). */
static float *
clip_embedding_of (const gchar *dir, guint w, guint h, guint *n)
{
  static const guint8 red[3] = { 255, 0, 0 };
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  gchar *caps = g_strdup_printf ("video/x-raw, format=RGB, width=%u, "
                                 "height=%u, framerate=25/1", w, h);
  GstHarness *h_ = model_harness (e, caps, dir);
  GstVideoInfo info;
  GstBuffer *buf, *out;
  GstMapInfo map;
  float *emb;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, w, h);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      memcpy (map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 3,
              red, 3);
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_int (gst_harness_push (h_, buf), GST_FLOW_OK);
  out = gst_harness_pull (h_);
  emb = lucid_check_vision_embedding (out, n);
  gst_buffer_unref (out);
  gst_harness_teardown (h_);
  g_free (caps);
  return emb;
}

/* A CLIP processor that resizes by the shortest edge without a centre
 * crop loads (no probe frame at start); a square frame gives the same
 * embedding as the fixture with its crop, and a 64×48 frame is refused
 * at caps time naming both sizes, as docs/vision.md says. */
GST_START_TEST (test_clip_shortest_edge_without_crop)
{
  gchar *dir = clip_copy (
      NULL, "{\"image_processor_type\": \"CLIPImageProcessor\", "
            "\"do_center_crop\": false, \"size\": {\"shortest_edge\": 32}, "
            "\"resample\": 3, \"image_mean\": [0.48145466, 0.4578275, "
            "0.40821073], \"image_std\": [0.26862954, 0.26130258, "
            "0.27577711]}");
  gchar *orig = lucid_check_fixture_path ("tiny-clip");
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  GstBus *bus = gst_bus_new ();
  float *a, *b;
  guint na, nb;
  GstHarness *h;
  GstMessage *msg;
  GError *error = NULL;

  a = clip_embedding_of (dir, 64, 64, &na);
  b = clip_embedding_of (orig, 64, 64, &nb);
  fail_unless_equals_int (na, nb);
  for (guint k = 0; k < na; k++)
    fail_unless (fabs (a[k] - b[k]) <= 1e-6, "%u: %g vs %g", k, a[k], b[k]);
  g_free (a);
  g_free (b);

  g_object_set (e, "model", dir, NULL);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, "video/x-raw, format=RGB, width=64, "
                                   "height=48, framerate=25/1");
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "set_caps posted no error");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "preprocessor_config.json turns a "
                                       "64×48 frame into 42×32 pixel values")
                       != NULL
                   && strstr (error->message, "takes 32×32") != NULL,
               "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (orig);
  clip_copy_remove (dir);
}

GST_END_TEST;

/* A CLIPModel without tokenizer.json gives embeddings (nothing to
 * tokenize); labels= is refused naming tokenizer.json, not vocab.txt. And
 * lucidclassify text-model= a CLIPModel without preprocessor_config.json
 * works (it embeds prompts only). */
GST_START_TEST (test_clip_files_needed_only_when_used)
{
  gchar *no_tok = clip_copy ("tokenizer.json", NULL);
  gchar *no_pre = clip_copy ("preprocessor_config.json", NULL);
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  GError *error;
  float *emb, v[16];
  guint n;
  GstHarness *h;
  GstBuffer *buf, *out;
  LucidTensor **tensors;
  gsize dims[1] = { 16 };
  const GstStructure *s;

  emb = clip_embedding_of (no_tok, 32, 32, &n);
  fail_unless_equals_int (n, 16);
  g_free (emb);

  g_object_set (e, "model", no_tok, "labels", COLOURS, NULL);
  error = lucid_check_start_and_get_error (e);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "no tokenizer.json; CLIP's text tower")
                       != NULL
                   && strstr (error->message, "vocab.txt") == NULL,
               "%s", error->message);
  g_error_free (error);
  gst_object_unref (e);

  e = gst_element_factory_make ("lucidclassify", NULL);
  g_object_set (e, "text-model", no_pre, "labels", COLOURS, NULL);
  h = new_classify_harness (e);
  for (guint k = 0; k < 16; k++)
    v[k] = k == 0 ? 1.0f : 0.0f;
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  tensors = g_new (LucidTensor *, 1);
  tensors[0] = lucid_tensor_new_f32 (
      g_quark_from_static_string ("lucid-vision-embedding"), v, 1, dims);
  lucid_buffer_add_tensor_meta (buf, "some-model", 1, tensors);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, "lucidclassify");
  fail_unless_equals_string (gst_structure_get_string (s, "scoring"),
                             "cosine");
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  clip_copy_remove (no_tok);
  clip_copy_remove (no_pre);
}

GST_END_TEST;

static Suite *
lucid_vision_enc_clip_suite (void)
{
  Suite *s = suite_create ("lucidvisionenc-clip");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_visionenc_clip_zero_shot);
  tcase_add_test (tc, test_visionenc_clip_embedding_only);
  tcase_add_test (tc, test_classify_clip_equals_visionenc);
  tcase_add_test (tc, test_classify_clip_other_embedding);
  tcase_add_test (tc, test_classify_clip_wrong_dim);
  tcase_add_test (tc, test_classify_clip_bad_dir);
  tcase_add_test (tc, test_clip_shortest_edge_without_crop);
  tcase_add_test (tc, test_clip_files_needed_only_when_used);
  return s;
}

GST_CHECK_MAIN (lucid_vision_enc_clip);
