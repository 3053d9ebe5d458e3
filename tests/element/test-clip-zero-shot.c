/* test-clip-zero-shot.c — prompt ensembles (prompt-template="t1|t2|t3")
 * and single CLIP towers in lucidvisionenc and lucidclassify, in
 * GstHarness, against transformers' goldens
 * (tools/make_clip_zero_shot_goldens.py: CLIPModel with the CLIP paper's
 * template averaging; tools/make_clip_tower_fixtures.py:
 * CLIPVisionModelWithProjection / CLIPTextModelWithProjection).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lucid-check-goldens.h"
#include "lucid-check-util.h"
#include "lucid-safetensors.h"
#include "lucid-text-model.h"
#include "lucidmeta.h"

/* fp32 on CPU, DESIGN.md: max-abs error ≤ 1e-4·max(1, max|ref|); scores,
 * cosines and unit-norm embeddings are ≤ 1. */
#define TAU 1e-4

#define COLOURS "red,green,blue"
#define ENSEMBLE "colours-ensemble"

#define FRAME_CAPS                                                             \
  "video/x-raw, format=RGB, width=320, height=240, framerate=25/1"


static JsonObject *
golden_case (Goldens *g, guint i)
{
  return json_array_get_object_element (
      json_object_get_array_member (g->root, "cases"), i);
}

/* The index of the golden case whose input is @input. */
static guint
golden_index (Goldens *g, const gchar *input)
{
  JsonArray *cases = json_object_get_array_member (g->root, "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    if (g_strcmp0 (json_object_get_string_member (golden_case (g, i), "input"),
                   input)
        == 0)
      return i;
  fail ("no golden case %s", input);
  return 0;
}

static const struct {
  const gchar *input;
  guint8 rgb[3];
} SOLID[] = {
  { "solid red 320x240", { 255, 0, 0 } },
  { "solid green 320x240", { 0, 255, 0 } },
  { "solid blue 320x240", { 0, 0, 255 } },
  { "solid black 320x240", { 0, 0, 0 } },
};

/* Index of @label in COLOURS. */
static guint
colour_index (const gchar *label)
{
  static const gchar *const colours[] = { "red", "green", "blue" };

  for (guint k = 0; k < G_N_ELEMENTS (colours); k++)
    if (g_strcmp0 (colours[k], label) == 0)
      return k;
  fail ("unexpected label %s", label);
  return 0;
}

/* Checks every listed label's score of result @s against @want (indexed
 * as COLOURS), all three listed, best first; returns the scores by
 * COLOURS index in @got. */
static void
assert_colour_scores (const GstStructure *s, const float *want, double got[3],
                      const gchar *what)
{
  const GValue *labels = gst_structure_get_value (s, "labels");
  const GValue *scores = gst_structure_get_value (s, "scores");
  double prev = INFINITY;

  fail_unless (labels != NULL && scores != NULL);
  fail_unless_equals_int (gst_value_array_get_size (labels), 3);
  for (guint k = 0; k < 3; k++) {
    const gchar *label
        = g_value_get_string (gst_value_array_get_value (labels, k));
    double v = g_value_get_double (gst_value_array_get_value (scores, k));
    guint c = colour_index (label);

    fail_unless (fabs (v - want[c]) <= TAU, "%s: %s scores %.8g, ref %.8g",
                 what, label, v, (double)want[c]);
    fail_unless (v <= prev, "not best first");
    prev = v;
    if (got)
      got[c] = v;
  }
}

/* A playing harness over the gst-launch fragment @launch, fed FRAME_CAPS,
 * with its own bus (for warnings). */
static GstHarness *
new_launch_harness (const gchar *launch, GstBus **bus)
{
  GstHarness *h = gst_harness_new_parse (launch);

  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  return h;
}

static void
launch_harness_teardown (GstHarness *h, GstBus *bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* The start error of @factory with the NULL-terminated properties. */
static GError *
start_error (const gchar *factory, const gchar *first, ...)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GError *error;
  va_list args;

  fail_unless (e != NULL);
  va_start (args, first);
  g_object_set_valist (G_OBJECT (e), first, args);
  va_end (args);
  error = lucid_check_start_and_get_error (e);
  gst_object_unref (e);
  return error;
}

static void
assert_message_has (GError *error, const gchar *needle)
{
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, needle) != NULL,
               "\"%s\" does not contain \"%s\"", error->message, needle);
  g_error_free (error);
}

/* ------------------------------------------------------------------------ */
/* Prompt ensembles                                                          */

/* prompt-template with three '|'-separated templates: lucidvisionenc's
 * scores are CLIPModel's with each label's template embeddings averaged,
 * and so are lucidclassify text-model=<the same CLIP>'s (clip-softmax);
 * white space around the '|' changes nothing. */
GST_START_TEST (test_ensemble_visionenc_and_classify)
{
  Goldens g;
  gchar *dir = lucid_check_fixture_path ("tiny-clip");
  const gchar *tpl;
  gchar *spaced, *launch;
  GstHarness *h;
  GstBus *bus;

  lucid_check_goldens_load (&g, "vision-tiny-clip");
  tpl = json_object_get_string_member (
      json_object_get_object_member (
          json_object_get_object_member (g.root, "ensembles"), ENSEMBLE),
      "prompt_template");
  fail_unless (strchr (tpl, '|') != NULL);
  {
    gchar **parts = g_strsplit (tpl, "|", -1);
    spaced = g_strjoinv ("  |  ", parts);
    g_strfreev (parts);
  }
  launch = g_strdup_printf (
      "lucidvisionenc model=\"%s\" labels=\"" COLOURS "\" "
      "prompt-template=\"%s\" ! lucidclassify text-model=\"%s\" "
      "labels=\"" COLOURS "\" prompt-template=\" %s \"",
      dir, tpl, dir, spaced);
  h = new_launch_harness (launch, &bus);
  for (guint f = 0; f < G_N_ELEMENTS (SOLID); f++) {
    guint i = golden_index (&g, SOLID[f].input);
    gchar *name = g_strdup_printf ("case%u." ENSEMBLE ".probs", i);
    const float *want = lucid_check_golden_f32 (&g, name, 3);
    const GstStructure *v, *c;
    double vs[3], cs[3];
    GstBuffer *out;

    fail_unless_equals_int (
        gst_harness_push (h, lucid_check_solid_frame (SOLID[f].rgb, f * GST_MSECOND)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    v = lucid_check_result_of (out, "lucidvisionenc");
    c = lucid_check_result_of (out, "lucidclassify");
    assert_colour_scores (v, want, vs, SOLID[f].input);
    assert_colour_scores (c, want, cs, SOLID[f].input);
    for (guint k = 0; k < 3; k++)
      fail_unless (fabs (vs[k] - cs[k]) <= 1e-6, "%.9g vs %.9g", vs[k], cs[k]);
    fail_unless_equals_string (gst_structure_get_string (v, "label"),
                               json_object_get_string_member (
                                   json_object_get_object_member (
                                       json_object_get_object_member (
                                           golden_case (&g, i), "ensembles"),
                                       ENSEMBLE),
                                   "label"));
    fail_unless_equals_string (gst_structure_get_string (c, "scoring"),
                               "clip-softmax");
    gst_buffer_unref (out);
    g_free (name);
  }
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  launch_harness_teardown (h, bus);
  lucid_check_goldens_clear (&g);
  g_free (launch);
  g_free (spaced);
  g_free (dir);
}

GST_END_TEST;

/* Bad ensembles: an empty template, or one without "{}", named. */
GST_START_TEST (test_ensemble_bad_templates)
{
  gchar *dir = lucid_check_fixture_path ("tiny-clip");

  assert_message_has (start_error ("lucidvisionenc", "model", dir, "labels",
                                   COLOURS, "prompt-template",
                                   "a photo of {}.||the colour {}", NULL),
                      "template 2 of 3 is empty");
  assert_message_has (start_error ("lucidvisionenc", "model", dir, "labels",
                                   COLOURS, "prompt-template",
                                   "a photo of {}.|a drawing", NULL),
                      "template 2 of 2 (\"a drawing\") must contain \"{}\"");
  assert_message_has (start_error ("lucidclassify", "text-model", dir, "labels",
                                   COLOURS, "prompt-template", "{} and {}|a {}",
                                   NULL),
                      "template 1 of 2 (\"{} and {}\")");
  g_free (dir);
}

GST_END_TEST;

/* text-model= a model that is neither BERT nor CLIP: the message names
 * the file, the model_type found and every kind that is accepted. */
GST_START_TEST (test_classify_text_model_not_text)
{
  gchar *dir = lucid_check_fixture_path ("tiny-vit");
  GError *error = start_error ("lucidclassify", "text-model", dir, "labels",
                               COLOURS, NULL);

  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "config.json has model_type \"vit\"")
                   != NULL,
               "%s", error->message);
  fail_unless (strstr (error->message, "\"bert\"") != NULL
                   && strstr (error->message, "\"clip\"") != NULL
                   && strstr (error->message, "\"clip_text_model\"") != NULL,
               "%s", error->message);
  g_error_free (error);
  g_free (dir);
}

GST_END_TEST;

/* The ensemble with a BERT text model: each label's row is the normalised
 * mean of its prompts' normalised embeddings, label-major (the prompts'
 * embeddings are the text model's, checked against transformers in
 * tests/unit/test-text-model.c; the averaging and its order are what this
 * checks, by hand in double here). */
GST_START_TEST (test_ensemble_bert_text_model)
{
  static const gchar *const labels[] = { "food", "weather" };
  static const gchar *const templates[]
      = { "this is about {}.", "a talk on {}", "{}!" };
  gchar *dir = lucid_check_fixture_path ("tiny-bert");
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  const gchar *prompts[6];
  GError *err = NULL;
  LucidTextModel *model = lucid_text_model_load (dir, &err);
  LucidTextOptions opts = { LUCID_POOLING_DEFAULT, 0 };
  LucidTextOutput out;
  double rows[2][32] = { { 0 } }, want[2];
  float emb[32];
  GstBuffer *buf, *res;
  GstHarness *h;
  const GstStructure *s;
  const GValue *ls, *ss;

  fail_unless (model != NULL, "%s", err ? err->message : "");
  for (guint l = 0; l < 2; l++)
    for (guint t = 0; t < 3; t++) {
      gchar **parts = g_strsplit (templates[t], "{}", 2);
      gchar *p = g_strconcat (parts[0], labels[l], parts[1], NULL);

      prompts[l * 3 + t] = g_intern_string (p);
      g_free (p);
      g_strfreev (parts);
    }
  fail_unless (
      lucid_text_model_run (model, prompts, 6, &opts, FALSE, &out, &err));
  fail_unless_equals_int (out.hidden_size, 32);
  for (guint l = 0; l < 2; l++) {
    double n = 0;

    for (guint t = 0; t < 3; t++) {
      const float *v = out.embeddings + (l * 3 + t) * 32;
      double vn = 0;

      for (guint k = 0; k < 32; k++)
        vn += (double)v[k] * v[k];
      for (guint k = 0; k < 32; k++)
        rows[l][k] += v[k] / sqrt (vn);
    }
    for (guint k = 0; k < 32; k++)
      n += rows[l][k] * rows[l][k];
    for (guint k = 0; k < 32; k++)
      rows[l][k] /= sqrt (n);
  }
  /* An embedding between the two labels, nearer the second. */
  for (guint k = 0; k < 32; k++)
    emb[k] = (float)(0.3 * rows[0][k] + 0.7 * rows[1][k] + 0.01 * (k % 3));
  for (guint l = 0; l < 2; l++) {
    double dot = 0, en = 0;

    for (guint k = 0; k < 32; k++) {
      dot += emb[k] * rows[l][k];
      en += (double)emb[k] * emb[k];
    }
    want[l] = dot / sqrt (en);
  }

  g_object_set (e, "text-model", dir, "labels", "food;weather",
                "prompt-template", "this is about {}.|a talk on {}|{}!", NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, "application/x-test");
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  {
    LucidTensor **tensors = g_new (LucidTensor *, 1);
    gsize dims[1] = { 32 };

    tensors[0] = lucid_tensor_new_f32 (
        g_quark_from_string ("lucid-text-embedding"), emb, 1, dims);
    lucid_buffer_add_tensor_meta (buf, lucid_text_model_get_sha256 (model), 1,
                                  tensors);
  }
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  res = gst_harness_pull (h);
  s = lucid_check_result_of (res, "lucidclassify");
  fail_unless_equals_string (gst_structure_get_string (s, "scoring"), "cosine");
  ls = gst_structure_get_value (s, "labels");
  ss = gst_structure_get_value (s, "scores");
  fail_unless_equals_int (gst_value_array_get_size (ls), 2);
  fail_unless_equals_string (
      g_value_get_string (gst_value_array_get_value (ls, 0)), "weather");
  for (guint k = 0; k < 2; k++) {
    guint l = k == 0 ? 1 : 0;
    double got = g_value_get_double (gst_value_array_get_value (ss, k));

    fail_unless (fabs (got - want[l]) <= 1e-6, "%s: %.9g, want %.9g", labels[l],
                 got, want[l]);
  }
  gst_buffer_unref (res);
  gst_harness_teardown (h);
  lucid_text_model_free (model);
  g_free (dir);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Single towers                                                             */

/* lucidvisionenc on a CLIPVisionModelWithProjection directory: the
 * normalised image_embeds (= the CLIPModel's embedding), kind embedding,
 * the tower's own provenance. */
GST_START_TEST (test_vision_tower_embedding)
{
  Goldens g, zs;
  gchar *dir = lucid_check_fixture_path ("tiny-clip-vision");
  gchar *weights
      = lucid_check_fixture_path ("tiny-clip-vision/model.safetensors");
  gchar *sha = lucid_check_sha256_of_file (weights);
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  GstHarness *h;

  lucid_check_goldens_load (&g, "clip-towers");
  lucid_check_goldens_load (&zs, "vision-tiny-clip");
  g_object_set (e, "model", dir, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  for (guint f = 0; f < G_N_ELEMENTS (SOLID); f++) {
    guint i = golden_index (&g, SOLID[f].input);
    gchar *ie = g_strdup_printf ("vision.case%u.image_embeds", i);
    gchar *full = g_strdup_printf ("case%u.embedding",
                                   golden_index (&zs, SOLID[f].input));
    const float *raw = lucid_check_golden_f32 (&g, ie, 16);
    const float *whole = lucid_check_golden_f32 (&zs, full, 16);
    const GstStructure *s;
    GstBuffer *out;
    double norm = 0;
    float *emb;
    guint n;

    for (guint k = 0; k < 16; k++)
      norm += (double)raw[k] * raw[k];
    norm = sqrt (norm);
    fail_unless_equals_int (
        gst_harness_push (h, lucid_check_solid_frame (SOLID[f].rgb, f * GST_MSECOND)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    s = lucid_check_result_of (out, "lucidvisionenc");
    fail_unless_equals_string (gst_structure_get_string (s, "kind"),
                               "embedding");
    fail_unless_equals_string (gst_structure_get_string (s, "model-family"),
                               "clip");
    fail_unless_equals_string (gst_structure_get_string (s, "model-id"), sha);
    emb = lucid_check_vision_embedding (out, &n);
    fail_unless_equals_int (n, 16);
    for (guint k = 0; k < n; k++) {
      fail_unless (fabs (emb[k] - raw[k] / norm) <= TAU, "%s [%u]: %g vs %g",
                   SOLID[f].input, k, emb[k], raw[k] / norm);
      fail_unless (fabs (emb[k] - whole[k]) <= TAU);
    }
    g_free (emb);
    g_free (ie);
    g_free (full);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  lucid_check_goldens_clear (&g);
  lucid_check_goldens_clear (&zs);
  g_free (sha);
  g_free (weights);
  g_free (dir);
}

GST_END_TEST;

/* lucidvisionenc model=<image tower> ! lucidclassify text-model=<text
 * tower>: the cosines transformers gives for the two towers (scoring
 * cosine: single towers have no logit_scale), the text tower's
 * provenance, family clip, and no "another model" warning. */
GST_START_TEST (test_split_towers_classify)
{
  Goldens g;
  gchar *vdir = lucid_check_fixture_path ("tiny-clip-vision");
  gchar *tdir = lucid_check_fixture_path ("tiny-clip-text");
  gchar *weights
      = lucid_check_fixture_path ("tiny-clip-text/model.safetensors");
  gchar *sha = lucid_check_sha256_of_file (weights);
  gchar *launch = g_strdup_printf (
      "lucidvisionenc model=\"%s\" ! lucidclassify text-model=\"%s\" "
      "labels=\"" COLOURS "\" prompt-template=\"a photo of {}\"",
      vdir, tdir);
  GstBus *bus;
  GstHarness *h = new_launch_harness (launch, &bus);
  const float *cosines;
  gint64 shape[2];
  guint n_cases;

  lucid_check_goldens_load (&g, "clip-towers");
  n_cases
      = json_array_get_length (json_object_get_array_member (g.root, "cases"));
  shape[0] = n_cases;
  shape[1] = 3;
  cosines = lucid_safetensors_get_f32 (g.st, "split.cosines", 2, shape, NULL);
  fail_unless (cosines != NULL);
  for (guint f = 0; f < G_N_ELEMENTS (SOLID); f++) {
    guint i = golden_index (&g, SOLID[f].input);
    const GstStructure *c;
    GstBuffer *out;

    fail_unless_equals_int (
        gst_harness_push (h, lucid_check_solid_frame (SOLID[f].rgb, f * GST_MSECOND)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    c = lucid_check_result_of (out, "lucidclassify");
    assert_colour_scores (c, cosines + i * 3, NULL, SOLID[f].input);
    fail_unless_equals_string (
        gst_structure_get_string (c, "label"),
        json_object_get_string_member (
            json_object_get_object_member (golden_case (&g, i), "split"),
            "label"));
    fail_unless_equals_string (gst_structure_get_string (c, "scoring"),
                               "cosine");
    fail_if (gst_structure_has_field (c, "logit-scale"));
    fail_unless_equals_string (gst_structure_get_string (c, "model-family"),
                               "clip");
    fail_unless_equals_string (gst_structure_get_string (c, "model-id"), sha);
    fail_unless_equals_string (gst_structure_get_string (c, "model-dir"), tdir);
    gst_buffer_unref (out);
  }
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  launch_harness_teardown (h, bus);
  lucid_check_goldens_clear (&g);
  g_free (launch);
  g_free (sha);
  g_free (weights);
  g_free (tdir);
  g_free (vdir);
}

GST_END_TEST;

/* Towers that cannot do what is asked: clear start errors naming them. */
GST_START_TEST (test_tower_errors)
{
  gchar *vision = lucid_check_fixture_path ("tiny-clip-vision");
  gchar *vbare = lucid_check_fixture_path ("tiny-clip-vision-bare");
  gchar *text = lucid_check_fixture_path ("tiny-clip-text");
  gchar *tbare = lucid_check_fixture_path ("tiny-clip-text-bare");
  gchar *want = g_strdup_printf (
      "labels= needs a text tower; %s is a CLIP image tower on its own",
      vision);

  assert_message_has (
      start_error ("lucidvisionenc", "model", vision, "labels", COLOURS, NULL),
      want);
  assert_message_has (
      start_error ("lucidvisionenc", "model", vbare, "labels", COLOURS, NULL),
      "has no visual_projection");
  assert_message_has (start_error ("lucidvisionenc", "model", text, NULL),
                      "\"clip_text_model\" is a text model");
  assert_message_has (start_error ("lucidclassify", "text-model", tbare,
                                   "labels", COLOURS, NULL),
                      "is a CLIPTextModel without text_projection");
  assert_message_has (start_error ("lucidclassify", "text-model", vision,
                                   "labels", COLOURS, NULL),
                      "is a CLIP image tower on its own");
  g_free (want);
  g_free (vision);
  g_free (vbare);
  g_free (text);
  g_free (tbare);
}

GST_END_TEST;

static Suite *
lucid_clip_zero_shot_suite (void)
{
  Suite *s = suite_create ("clip-zero-shot");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_ensemble_visionenc_and_classify);
  tcase_add_test (tc, test_ensemble_bad_templates);
  tcase_add_test (tc, test_ensemble_bert_text_model);
  tcase_add_test (tc, test_vision_tower_embedding);
  tcase_add_test (tc, test_split_towers_classify);
  tcase_add_test (tc, test_tower_errors);
  tcase_add_test (tc, test_classify_text_model_not_text);
  return s;
}

GST_CHECK_MAIN (lucid_clip_zero_shot);
