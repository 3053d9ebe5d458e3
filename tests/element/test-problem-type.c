/* test-problem-type.c — a classification head's scores follow config.json's
 * "problem_type" as transformers' ImageClassificationPipeline and
 * TextClassificationPipeline do (sigmoid for multi_label_classification,
 * softmax otherwise), through lucidvisionenc (ViT) and lucidtextenc (BERT),
 * against the goldens of tools/make_problem_type_fixtures.py; results say
 * which function made their scores.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "lucid-check-util.h"
#include "lucid-error.h"
#include "lucid-scores.h"
#include "lucid-vit.h"
#include "lucidmeta.h"

#define TAU 1e-4

static JsonArray *
golden_cases (JsonParser **parser)
{
  gchar *path = lucid_check_fixture_path ("goldens/problem-type.json");

  *parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (*parser, path, NULL), "%s", path);
  g_free (path);
  return json_object_get_array_member (
      json_node_get_object (json_parser_get_root (*parser)), "cases");
}

static GstBuffer *
solid_rgb (const gchar *colour)
{
  guint8 rgb[3] = { 0, 0, 0 };
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  if (strcmp (colour, "red") == 0)
    rgb[0] = 255;
  else if (strcmp (colour, "green") == 0)
    rgb[1] = 255;
  else
    rgb[2] = 255;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 320, 240);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint y = 0; y < 240; y++)
    for (guint x = 0; x < 320; x++)
      memcpy (map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 3,
              rgb, 3);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 0;
  return buf;
}

/* The result of @element (model=<fixtures>/@model, all labels listed) on
 * @buffer with @caps: its labels and scores checked against golden @c. */
static void
check_case (const gchar *element, const gchar *caps, GstBuffer *buffer,
            JsonObject *c)
{
  GstElement *e = gst_element_factory_make (element, NULL);
  gchar *dir
      = lucid_check_fixture_path (json_object_get_string_member (c, "model"));
  JsonArray *labels = json_object_get_array_member (c, "labels");
  JsonArray *scores = json_object_get_array_member (c, "scores");
  guint n = json_array_get_length (labels);
  const GstStructure *s;
  const GValue *got_labels, *got_scores;
  GstHarness *h;
  GstBuffer *out;

  fail_unless (e != NULL, "%s not found (GST_PLUGIN_PATH?)", element);
  g_object_set (e, "model", dir, "top-k", n, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, element);
  fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
  fail_unless_equals_string (gst_structure_get_string (s, "scoring"),
                             json_object_get_string_member (c, "function"));
  got_labels = gst_structure_get_value (s, "labels");
  got_scores = gst_structure_get_value (s, "scores");
  fail_unless_equals_int (gst_value_array_get_size (got_labels), n);
  for (guint i = 0; i < n; i++) {
    double want = json_array_get_double_element (scores, i);
    double got = g_value_get_double (gst_value_array_get_value (got_scores, i));

    fail_unless_equals_string (
        g_value_get_string (gst_value_array_get_value (got_labels, i)),
        json_array_get_string_element (labels, i));
    fail_unless (fabs (got - want) <= TAU, "%s %s: score %u %g vs %g", element,
                 json_object_get_string_member (c, "model"), i, got, want);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (dir);
}

/* ViTForImageClassification: softmax without problem_type, per-label
 * sigmoid with multi_label_classification. */
GST_START_TEST (test_vit_head_matches_pipeline)
{
  JsonParser *parser;
  JsonArray *cases = golden_cases (&parser);
  guint n_sigmoid = 0, n_checked = 0;

  for (guint i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);

    if (!json_object_has_member (c, "solid"))
      continue;
    check_case ("lucidvisionenc",
                "video/x-raw, format=RGB, width=320, height=240, "
                "framerate=25/1",
                solid_rgb (json_object_get_string_member (c, "solid")), c);
    n_sigmoid
        += strcmp (json_object_get_string_member (c, "function"), "sigmoid")
           == 0;
    n_checked++;
  }
  fail_unless (n_checked >= 6 && n_sigmoid >= 3, "%u cases, %u sigmoid",
               n_checked, n_sigmoid);
  g_object_unref (parser);
}

GST_END_TEST;

/* BertForSequenceClassification, likewise. */
GST_START_TEST (test_bert_head_matches_pipeline)
{
  JsonParser *parser;
  JsonArray *cases = golden_cases (&parser);
  guint n_sigmoid = 0, n_checked = 0;

  for (guint i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    const gchar *text;

    if (!json_object_has_member (c, "text"))
      continue;
    text = json_object_get_string_member (c, "text");
    check_case ("lucidtextenc", "text/x-raw, format=utf8",
                gst_buffer_new_memdup (text, strlen (text)), c);
    n_sigmoid
        += strcmp (json_object_get_string_member (c, "function"), "sigmoid")
           == 0;
    n_checked++;
  }
  fail_unless (n_checked >= 6 && n_sigmoid >= 3, "%u cases, %u sigmoid",
               n_checked, n_sigmoid);
  g_object_unref (parser);
}

GST_END_TEST;

/* A problem_type transformers does not know is refused, naming the file
 * and the value. */
GST_START_TEST (test_unknown_problem_type_refused)
{
  static const gchar json[]
      = "{\"model_type\": \"vit\", \"hidden_size\": 32, "
        "\"num_hidden_layers\": 1, \"num_attention_heads\": 4, "
        "\"intermediate_size\": 64, \"image_size\": 32, \"patch_size\": 8, "
        "\"problem_type\": \"ranking\"}";
  GError *error = NULL;
  LucidVitConfig *cfg = lucid_vit_config_new_from_data (
      json, strlen (json), "dir/config.json", &error);

  fail_unless (cfg == NULL);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "dir/config.json") != NULL
                   && strstr (error->message, "\"ranking\"") != NULL
                   && strstr (error->message, "multi_label_classification")
                          != NULL,
               "%s", error->message);
  g_error_free (error);
}

GST_END_TEST;

/* The choice itself, case by case, as postprocess() of transformers 5.24's
 * Image/TextClassificationPipeline makes it (regression first, then
 * multi-label or one output, then softmax), and what each function does
 * to logits. */
GST_START_TEST (test_score_function_choice)
{
  static const struct {
    LucidProblemType type;
    guint num_labels;
    LucidScoreFunction want;
  } cases[] = {
    { LUCID_PROBLEM_UNSET, 3, LUCID_SCORE_SOFTMAX },
    { LUCID_PROBLEM_UNSET, 1, LUCID_SCORE_SIGMOID },
    { LUCID_PROBLEM_SINGLE_LABEL, 2, LUCID_SCORE_SOFTMAX },
    { LUCID_PROBLEM_MULTI_LABEL, 5, LUCID_SCORE_SIGMOID },
    { LUCID_PROBLEM_REGRESSION, 1, LUCID_SCORE_IDENTITY },
    { LUCID_PROBLEM_REGRESSION, 3, LUCID_SCORE_IDENTITY },
  };
  const float logits[3] = { 2.0f, -1.0f, 0.0f };
  double out[3];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_int (
        lucid_problem_type_score_function (cases[i].type, cases[i].num_labels),
        cases[i].want);

  lucid_score_function_apply (LUCID_SCORE_SIGMOID, logits, 3, out);
  fail_unless (fabs (out[0] - 1 / (1 + exp (-2.0))) < 1e-12
               && fabs (out[2] - 0.5) < 1e-12);
  lucid_score_function_apply (LUCID_SCORE_IDENTITY, logits, 3, out);
  fail_unless (out[0] == 2.0 && out[1] == -1.0 && out[2] == 0.0);
  lucid_score_function_apply (LUCID_SCORE_SOFTMAX, logits, 3, out);
  fail_unless (fabs (out[0] + out[1] + out[2] - 1) < 1e-12
               && fabs (out[0] / out[2] - exp (2.0)) < 1e-9);
  fail_unless_equals_string (
      lucid_score_function_to_string (LUCID_SCORE_IDENTITY), "identity");
}

GST_END_TEST;

static Suite *
problem_type_suite (void)
{
  Suite *s = suite_create ("problem-type");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_vit_head_matches_pipeline);
  tcase_add_test (tc, test_bert_head_matches_pipeline);
  tcase_add_test (tc, test_unknown_problem_type_refused);
  tcase_add_test (tc, test_score_function_choice);
  return s;
}

GST_CHECK_MAIN (problem_type);
