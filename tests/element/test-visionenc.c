/* test-visionenc.c — lucidvisionenc and lucidclassify in GstHarness, with
 * the tiny ViT fixture and the goldens of tools/make_vision_goldens.py
 * (transformers' ViTImageProcessorPil + ViTForImageClassification; numpy
 * for the heads).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lucid-check-util.h"
#include "lucidmeta.h"
#include "lucidresult.h"

/* fp32 on CPU, DESIGN.md: max-abs error ≤ 1e-4·max(1, max|ref|). */
#define TAU 1e-4

/* The golden case whose input is @input: its JSON object (owned by
 * *@parser). */
static JsonObject *
golden_case (const gchar *input, JsonParser **parser)
{
  gchar *path = lucid_check_fixture_path ("goldens/vision-tiny-vit.json");
  JsonArray *cases;

  *parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (*parser, path, NULL));
  g_free (path);
  cases = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (*parser)), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    if (g_strcmp0 (json_object_get_string_member (c, "input"), input) == 0)
      return c;
  }
  fail ("no golden case %s", input);
  return NULL;
}

static GstHarness *
new_harness (const gchar *model, const gchar *caps, const gchar *first, ...)
{
  GstElement *element = gst_element_factory_make ("lucidvisionenc", NULL);
  gchar *dir = lucid_check_fixture_path (model);
  GstHarness *h;
  va_list args;

  fail_unless (element != NULL, "lucidvisionenc not found (GST_PLUGIN_PATH?)");
  g_object_set (element, "model", dir, NULL);
  va_start (args, first);
  h = lucid_check_harness_new_valist (element, caps, first, args);
  va_end (args);
  g_free (dir);
  return h;
}

/* A @w × @h frame of @format (RGB or I420 here), filled with @rgb (RGB) or
 * mid-grey (other formats). */
static GstBuffer *
solid_frame (const gchar *format, guint w, guint h, const guint8 rgb[3],
             GstClockTime pts)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  gst_video_info_set_format (&info, gst_video_format_from_string (format), w,
                             h);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  if (GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_RGB) {
    for (guint y = 0; y < h; y++)
      for (guint x = 0; x < w; x++)
        memcpy (map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 3,
                rgb, 3);
  } else {
    memset (map.data, 128, map.size);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  return buf;
}

static guint
count_results (GstBuffer *buf)
{
  gpointer state = NULL;
  guint n = 0;

  while (lucid_buffer_iterate_results (buf, &state))
    n++;
  return n;
}

static const guint8 RED[3] = { 255, 0, 0 };

/* ------------------------------------------------------------------------ */

GST_START_TEST (test_caps)
{
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);

  fail_unless (
      lucid_check_accepts (e, "video/x-raw, format=RGB, width=4, height=4, "
                              "framerate=0/1"));
  fail_unless (
      lucid_check_accepts (e, "video/x-raw, format=I420, width=33, height=17, "
                              "framerate=25/1"));
  fail_unless (
      lucid_check_accepts (e, "video/x-raw, format=NV12, width=1, height=1, "
                              "framerate=25/1"));
  fail_if (lucid_check_accepts (e,
                                "video/x-raw, format=v210, width=48, height=4, "
                                "framerate=25/1"));
  fail_if (lucid_check_accepts (e, "video/x-raw(memory:GLMemory), format=RGBA, "
                                   "width=4, height=4, framerate=25/1"));
  fail_if (lucid_check_accepts (e, "audio/x-raw"));
  fail_if (lucid_check_accepts (e, "text/x-raw, format=utf8"));
  gst_object_unref (e);
}

GST_END_TEST;

/* A solid red 320×240 frame: the embedding and the head's labels and
 * scores of the reference, with provenance. */
GST_START_TEST (test_red_frame_matches_reference)
{
  JsonParser *parser;
  JsonObject *c = golden_case ("solid red 320x240", &parser);
  GstHarness *h = new_harness ("tiny-vit",
                               "video/x-raw, format=RGB, "
                               "width=320, height=240, framerate=25/1",
                               "top-k", 2, NULL);
  gchar *weights = lucid_check_fixture_path ("tiny-vit/model.safetensors");
  gchar *sha = lucid_check_sha256_of_file (weights);
  const GstStructure *s;
  const GValue *labels;
  GstBuffer *out;
  float *emb;
  guint n;
  double score;
  gint w = 0, hgt = 0;

  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("RGB", 320, 240, RED, 0)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (count_results (out), 1);
  s = lucid_check_result_of (out, "lucidvisionenc");
  fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
  fail_unless_equals_string (gst_structure_get_string (s, "model-family"),
                             "vit");
  fail_unless_equals_string (gst_structure_get_string (s, "model-id"), sha);
  fail_unless_equals_string (gst_structure_get_string (s, "label"),
                             json_object_get_string_member (c, "label"));
  fail_unless (gst_structure_get_double (s, "score", &score));
  fail_unless (fabs (score - json_object_get_double_member (c, "score")) <= TAU,
               "score %g vs reference %g", score,
               json_object_get_double_member (c, "score"));
  labels = gst_structure_get_value (s, "labels");
  fail_unless_equals_int (gst_value_array_get_size (labels), 2);
  fail_unless (gst_structure_get_int (s, "width", &w)
               && gst_structure_get_int (s, "height", &hgt));
  fail_unless_equals_int (w, 320);
  fail_unless_equals_int (hgt, 240);
  emb = lucid_check_vision_embedding (out, &n);
  fail_unless_equals_int (n, 32);
  g_free (emb);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (sha);
  g_free (weights);
  g_object_unref (parser);
}

GST_END_TEST;

/* interval=3: frames 0, 3, 6 carry metas; the others none, untouched. */
GST_START_TEST (test_interval)
{
  GstHarness *h = new_harness ("tiny-vit",
                               "video/x-raw, format=I420, width=33, "
                               "height=17, framerate=25/1",
                               "interval", 3, NULL);

  for (guint i = 0; i < 7; i++) {
    GstBuffer *in = solid_frame ("I420", 33, 17, RED, i * 40 * GST_MSECOND);
    GstBuffer *out;
    gpointer state = NULL;
    gboolean analysed = i % 3 == 0;

    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * 40 * GST_MSECOND);
    fail_unless_equals_int (count_results (out), analysed ? 1 : 0);
    fail_unless_equals_int (
        lucid_buffer_iterate_tensor_metas (out, &state) != NULL, analysed);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* batch-size=3 gives each frame the embedding it gets alone. */
GST_START_TEST (test_batch_equals_single)
{
  const gchar *caps = "video/x-raw, format=RGB, width=9, height=7, "
                      "framerate=25/1";
  const guint8 colours[3][3] = { { 255, 0, 0 }, { 0, 200, 30 }, { 9, 9, 250 } };
  float *single[3];
  GstHarness *h = new_harness ("tiny-vit", caps, NULL);

  for (guint i = 0; i < 3; i++) {
    GstBuffer *out;
    guint n;

    gst_harness_push (h, solid_frame ("RGB", 9, 7, colours[i], i));
    out = gst_harness_pull (h);
    single[i] = lucid_check_vision_embedding (out, &n);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);

  h = new_harness ("tiny-vit", caps, "batch-size", 3, NULL);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (
        gst_harness_push (h, solid_frame ("RGB", 9, 7, colours[i], i)),
        GST_FLOW_OK);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *out = gst_harness_pull (h);
    guint n;
    float *e = lucid_check_vision_embedding (out, &n);

    for (guint k = 0; k < n; k++)
      fail_unless (fabs (e[k] - single[i][k]) <= TAU, "frame %u [%u]", i, k);
    g_free (e);
    g_free (single[i]);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* New caps mid-stream (size and format): the next frame is analysed at its
 * own size. */
GST_START_TEST (test_caps_change)
{
  GstHarness *h = new_harness ("tiny-vit",
                               "video/x-raw, format=RGB, width=8, height=8, "
                               "framerate=25/1",
                               NULL);
  GstBuffer *out;
  gint w = 0, hgt = 0;

  gst_harness_push (h, solid_frame ("RGB", 8, 8, RED, 0));
  out = gst_harness_pull (h);
  fail_unless (
      gst_structure_get_int (lucid_check_result_of (out, "lucidvisionenc"), "width", &w));
  fail_unless_equals_int (w, 8);
  gst_buffer_unref (out);

  gst_harness_set_src_caps_str (h, "video/x-raw, format=I420, width=16, "
                                   "height=12, framerate=25/1");
  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("I420", 16, 12, RED, 1)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (
      gst_structure_get_int (lucid_check_result_of (out, "lucidvisionenc"), "width", &w)
      && gst_structure_get_int (lucid_check_result_of (out, "lucidvisionenc"), "height",
                                &hgt));
  fail_unless_equals_int (w, 16);
  fail_unless_equals_int (hgt, 12);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* New caps while a batch is held (batch-size 3, no max-latency): the held
 * frames are analysed with the caps they came with — same embeddings as
 * one at a time — before the new caps apply to the next batch. */
GST_START_TEST (test_caps_change_with_held_batch)
{
  const gchar *rgb_caps = "video/x-raw, format=RGB, width=8, height=8, "
                          "framerate=25/1";
  const guint8 colours[2][3] = { { 255, 0, 0 }, { 0, 200, 30 } };
  float *single[2];
  GstHarness *h = new_harness ("tiny-vit", rgb_caps, NULL);
  gint w = 0, hgt = 0;

  for (guint i = 0; i < 2; i++) {
    GstBuffer *out;
    guint n;

    gst_harness_push (h, solid_frame ("RGB", 8, 8, colours[i], i));
    out = gst_harness_pull (h);
    single[i] = lucid_check_vision_embedding (out, &n);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);

  h = new_harness ("tiny-vit", rgb_caps, "batch-size", 3, "max-latency",
                   (guint64)0, NULL);
  for (guint i = 0; i < 2; i++)
    fail_unless_equals_int (
        gst_harness_push (h, solid_frame ("RGB", 8, 8, colours[i], i)),
        GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL, "the batch is not full");

  gst_harness_set_src_caps_str (h, "video/x-raw, format=I420, width=16, "
                                   "height=12, framerate=25/1");
  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_try_pull (h);
    guint n;
    float *e;

    fail_unless (out != NULL, "held frame %u not pushed before the caps", i);
    fail_unless (
        gst_structure_get_int (lucid_check_result_of (out, "lucidvisionenc"), "width", &w));
    fail_unless_equals_int (w, 8);
    e = lucid_check_vision_embedding (out, &n);
    for (guint k = 0; k < n; k++)
      fail_unless (fabs (e[k] - single[i][k]) <= TAU, "frame %u [%u]", i, k);
    g_free (e);
    g_free (single[i]);
    gst_buffer_unref (out);
  }

  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (
        gst_harness_push (h, solid_frame ("I420", 16, 12, RED, 2 + i)),
        GST_FLOW_OK);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *out = gst_harness_pull (h);
    const GstStructure *s = lucid_check_result_of (out, "lucidvisionenc");

    fail_unless (gst_structure_get_int (s, "width", &w)
                 && gst_structure_get_int (s, "height", &hgt));
    fail_unless_equals_int (w, 16);
    fail_unless_equals_int (hgt, 12);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
expect_start_error (const gchar *model, const gchar *needle,
                    const gchar *labels)
{
  GstElement *e = gst_element_factory_make ("lucidvisionenc", NULL);
  GError *error;

  g_object_set (e, "model", model, "labels", labels, NULL);
  error = lucid_check_start_and_get_error (e);
  fail_unless (strstr (error->message, needle) != NULL, "\"%s\" lacks \"%s\"",
               error->message, needle);
  g_error_free (error);
  gst_object_unref (e);
}

GST_START_TEST (test_bad_models)
{
  gchar *bert = lucid_check_fixture_path ("tiny-bert");
  gchar *vit = lucid_check_fixture_path ("tiny-vit");
  gchar *tmp = g_dir_make_tmp ("lucid-visionenc-XXXXXX", NULL);
  const gchar *names[] = { "config.json", "model.safetensors" };
  gchar *want;

  expect_start_error (bert, "is a text model", NULL);
  want = g_strdup_printf ("labels= needs a CLIP model; %s is a ViT model", vit);
  expect_start_error (vit, want, "cat, dog");
  g_free (want);

  /* No preprocessor_config.json. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *from = g_build_filename (vit, names[i], NULL);
    gchar *to = g_build_filename (tmp, names[i], NULL);
    gchar *data;
    gsize len;

    fail_unless (g_file_get_contents (from, &data, &len, NULL));
    fail_unless (g_file_set_contents (to, data, len, NULL));
    g_free (data);
    g_free (from);
    g_free (to);
  }
  expect_start_error (tmp, "preprocessor_config.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *p = g_build_filename (tmp, names[i], NULL);
    g_unlink (p);
    g_free (p);
  }
  g_rmdir (tmp);
  g_free (tmp);
  g_free (bert);
  g_free (vit);
}

GST_END_TEST;

/* A copy of tiny-vit whose processor resizes by the shortest edge without
 * a crop: square frames fit the model, 320×240 ones do not. Returns the
 * directory; remove_model_copy() removes it. */
static gchar *
shortest_edge_model_copy (void)
{
  const gchar *names[] = { "config.json", "model.safetensors" };
  gchar *vit = lucid_check_fixture_path ("tiny-vit");
  gchar *tmp = g_dir_make_tmp ("lucid-visionenc-XXXXXX", NULL);
  gchar *pp = g_build_filename (tmp, "preprocessor_config.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *from = g_build_filename (vit, names[i], NULL);
    gchar *to = g_build_filename (tmp, names[i], NULL);
    gchar *data;
    gsize len;

    fail_unless (g_file_get_contents (from, &data, &len, NULL));
    fail_unless (g_file_set_contents (to, data, len, NULL));
    g_free (data);
    g_free (from);
    g_free (to);
  }
  fail_unless (g_file_set_contents (
      pp,
      "{\"image_processor_type\": \"ViTImageProcessor\", "
      "\"size\": {\"shortest_edge\": 32}, "
      "\"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}",
      -1, NULL));
  g_free (pp);
  g_free (vit);
  return tmp;
}

static void
remove_model_copy (gchar *dir)
{
  const gchar *names[]
      = { "config.json", "model.safetensors", "preprocessor_config.json" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *p = g_build_filename (dir, names[i], NULL);
    g_unlink (p);
    g_free (p);
  }
  g_rmdir (dir);
  g_free (dir);
}

/* Caps of a size the model cannot take, mid-stream: set_caps posts an
 * error naming the processor file and the sizes, and every later frame is
 * refused with NOT_NEGOTIATED, never analysed nor pushed: neither one a
 * pushing pad sends (it resends the refused caps first) nor one that gets
 * to the chain function anyway, skipped by interval or to analyse,
 * although the source pad still has the earlier 8×8 caps. */
GST_START_TEST (test_frame_after_refused_caps_is_refused)
{
  gchar *model = shortest_edge_model_copy ();
  GstElement *element = gst_element_factory_make ("lucidvisionenc", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstPad *sinkpad;
  GstMessage *msg;
  GError *error = NULL;
  GstBuffer *out;
  GstCaps *caps;

  g_object_set (element, "model", model, "interval", 2, NULL);
  gst_element_set_bus (element, bus);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  sinkpad = gst_element_get_static_pad (h->element, "sink");
  gst_harness_set_src_caps_str (h, "video/x-raw, format=RGB, width=8, "
                                   "height=8, framerate=25/1");
  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("RGB", 8, 8, RED, 0)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (lucid_check_result_of (out, "lucidvisionenc") != NULL);
  gst_buffer_unref (out);

  caps = gst_caps_from_string ("video/x-raw, format=RGB, width=320, "
                               "height=240, framerate=25/1");
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "set_caps posted no error");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "preprocessor_config.json turns a "
                                       "320×240 frame into 42×32")
                   != NULL,
               "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);

  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("RGB", 320, 240, RED, 1)),
      GST_FLOW_NOT_NEGOTIATED);
  for (guint i = 0; i < 2; i++)
    fail_unless_equals_int (
        gst_pad_chain (sinkpad, solid_frame ("RGB", 320, 240, RED, 2 + i)),
        GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  fail_unless (gst_harness_try_pull (h) == NULL, "a frame got out");

  gst_object_unref (sinkpad);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  remove_model_copy (model);
}

GST_END_TEST;

/* A buffer smaller than its caps say: a stream error naming the sizes. */
GST_START_TEST (test_short_buffer)
{
  GstHarness *h = new_harness ("tiny-vit",
                               "video/x-raw, format=RGB, "
                               "width=16, height=16, framerate=25/1",
                               NULL);
  GError *error = lucid_check_push_and_get_error (
      h, gst_buffer_new_allocate (NULL, 100, NULL));

  fail_unless (strstr (error->message, "100 bytes") != NULL, "%s",
               error->message);
  fail_unless (strstr (error->message, "768 bytes expected") != NULL, "%s",
               error->message);
  g_error_free (error);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* lucidclassify                                                             */

/* The encoder and nearest centroids: a red frame is "red" with the
 * reference cosine; a frame the interval skips passes without results. */
GST_START_TEST (test_classify_centroids_after_encoder)
{
  JsonParser *parser;
  JsonObject *c = golden_case ("solid red 320x240", &parser);
  JsonObject *want = json_object_get_object_member (
      json_object_get_object_member (c, "heads"), "centroids");
  gchar *model = lucid_check_fixture_path ("tiny-vit");
  gchar *head = lucid_check_fixture_path ("heads/centroids.safetensors");
  gchar *launch = g_strdup_printf (
      "lucidvisionenc model=\"%s\" interval=2 ! lucidclassify head=\"%s\" "
      "top-k=1",
      model, head);
  GstHarness *h = gst_harness_new_parse (launch);
  gchar *sha = lucid_check_sha256_of_file (head);
  const GstStructure *s;
  GstBuffer *out;
  double score;

  gst_harness_set_src_caps_str (h, "video/x-raw, format=RGB, width=320, "
                                   "height=240, framerate=25/1");
  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("RGB", 320, 240, RED, 0)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (count_results (out), 2);
  s = lucid_check_result_of (out, "lucidclassify");
  fail_unless_equals_string (gst_structure_get_string (s, "label"),
                             json_object_get_string_member (want, "label"));
  fail_unless (gst_structure_get_double (s, "score", &score));
  fail_unless (
      fabs (score - json_object_get_double_member (want, "score")) <= TAU,
      "cosine %g vs %g", score, json_object_get_double_member (want, "score"));
  fail_unless_equals_string (gst_structure_get_string (s, "model-id"), sha);
  fail_unless_equals_string (gst_structure_get_string (s, "model-dir"), head);
  fail_unless_equals_string (gst_structure_get_string (s, "model-family"),
                             "nearest-centroid");
  fail_unless_equals_string (gst_structure_get_string (s, "input-tensor"),
                             "lucid-vision-embedding");
  fail_unless_equals_string (
      gst_structure_get_string (s, "input-model-id"),
      gst_structure_get_string (lucid_check_result_of (out, "lucidvisionenc"), "model-id"));
  gst_buffer_unref (out);

  fail_unless_equals_int (
      gst_harness_push (h, solid_frame ("RGB", 320, 240, RED, 1)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (count_results (out), 0);
  gst_buffer_unref (out);

  gst_harness_teardown (h);
  g_free (sha);
  g_free (launch);
  g_free (head);
  g_free (model);
  g_object_unref (parser);
}

GST_END_TEST;

/* threshold drops labels below it: softmax probabilities of 4 labels
 * cannot all reach 0.9. */
GST_START_TEST (test_classify_threshold)
{
  gchar *model = lucid_check_fixture_path ("tiny-vit");
  gchar *head = lucid_check_fixture_path ("heads/probe.safetensors");
  gchar *launch = g_strdup_printf (
      "lucidvisionenc model=\"%s\" ! lucidclassify head=\"%s\" top-k=4 "
      "threshold=0.9",
      model, head);
  GstHarness *h = gst_harness_new_parse (launch);
  const GstStructure *s;
  GstBuffer *out;

  gst_harness_set_src_caps_str (h, "video/x-raw, format=RGB, width=8, "
                                   "height=8, framerate=25/1");
  gst_harness_push (h, solid_frame ("RGB", 8, 8, RED, 0));
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, "lucidclassify");
  fail_unless_equals_int (
      gst_value_array_get_size (gst_structure_get_value (s, "labels")), 0);
  fail_if (gst_structure_has_field (s, "label"));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (launch);
  g_free (head);
  g_free (model);
}

GST_END_TEST;

/* A harness around lucidclassify with head=<fixtures>/@head and the
 * NULL-terminated properties, fed application/x-test buffers. */
static GstHarness *
classify_harness (const gchar *head, const gchar *first, ...)
{
  GstElement *element = gst_element_factory_make ("lucidclassify", NULL);
  gchar *path = lucid_check_fixture_path (head);
  GstHarness *h;
  va_list args;

  g_object_set (element, "head", path, NULL);
  va_start (args, first);
  h = lucid_check_harness_new_valist (element, "application/x-test", first,
                                      args);
  va_end (args);
  g_free (path);
  return h;
}

/* Adds a tensor meta of model @model_id holding one float32 [@n] tensor
 * @id to @buf. */
static void
add_embedding (GstBuffer *buf, const gchar *id, const gchar *model_id,
               const float *values, gsize n)
{
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[1] = { n };

  tensors[0] = lucid_tensor_new_f32 (g_quark_from_string (id), values, 1, dims);
  lucid_buffer_add_tensor_meta (buf, model_id, 1, tensors);
}

/* tensor= picks an embedding by id when a buffer carries several: the
 * 32-value head reads "big" although "small" was added after it (and would
 * be the default choice, failing on its size). */
GST_START_TEST (test_classify_tensor_by_id)
{
  GstHarness *h
      = classify_harness ("heads/probe.safetensors", "tensor", "big", NULL);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  float v32[32], v5[5] = { 0 };
  const GstStructure *s;
  GstBuffer *out;

  for (guint i = 0; i < 32; i++)
    v32[i] = (float)i / 32;
  add_embedding (buf, "big", "model-a", v32, 32);
  add_embedding (buf, "small", "model-b", v5, 5);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  s = lucid_check_result_of (out, "lucidclassify");
  fail_unless_equals_string (gst_structure_get_string (s, "input-tensor"),
                             "big");
  fail_unless_equals_string (gst_structure_get_string (s, "input-model-id"),
                             "model-a");
  fail_unless (gst_structure_has_field (s, "label"));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The warnings posted on @h's bus so far, their messages joined by '\n'. */
static gchar *
pop_warnings (GstBus *bus, guint *n)
{
  GString *all = g_string_new (NULL);
  GstMessage *msg;

  *n = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    g_string_append_printf (all, "%s\n", err->message);
    g_error_free (err);
    gst_message_unref (msg);
    (*n)++;
  }
  return g_string_free (all, FALSE);
}

/* tensor= naming no tensor the buffers carry: one warning (not one per
 * buffer) naming the id wanted and the ids present; no rows. */
GST_START_TEST (test_classify_warns_tensor_not_found)
{
  GstHarness *h
      = classify_harness ("heads/probe.safetensors", "tensor", "nope", NULL);
  GstBus *bus = gst_bus_new ();
  float v32[32] = { 0 };
  gchar *warnings;
  guint n;

  gst_element_set_bus (h->element, bus);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
    GstBuffer *out;

    add_embedding (buf, "lucid-vision-embedding", "model-a", v32, 32);
    add_embedding (buf, "other", "model-b", v32, 32);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless_equals_int (count_results (out), 0);
    gst_buffer_unref (out);
  }
  warnings = pop_warnings (bus, &n);
  fail_unless_equals_int (n, 1);
  fail_unless (strstr (warnings, "No tensor nope") != NULL
                   && strstr (warnings, "lucid-vision-embedding, other")
                          != NULL,
               "%s", warnings);
  g_free (warnings);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* No encoder upstream: buffers pass, and at EOS one warning says that
 * none carried an embedding. A stream that had embeddings gets none. */
GST_START_TEST (test_classify_warns_no_embedding_at_eos)
{
  GstHarness *h = classify_harness ("heads/probe.safetensors", NULL);
  GstBus *bus = gst_bus_new ();
  float v32[32] = { 0 };
  GstBuffer *buf;
  gchar *warnings;
  guint n;

  gst_element_set_bus (h->element, bus);
  for (guint i = 0; i < 2; i++) {
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_new_allocate (NULL, 4, NULL)),
        GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  warnings = pop_warnings (bus, &n);
  fail_unless_equals_int (n, 1);
  fail_unless (strstr (warnings, "None of the 2 buffers carried an embedding")
                   != NULL,
               "%s", warnings);
  g_free (warnings);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);

  h = classify_harness ("heads/probe.safetensors", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  add_embedding (buf, "lucid-vision-embedding", "model-a", v32, 32);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  warnings = pop_warnings (bus, &n);
  fail_unless_equals_int (n, 0);
  g_free (warnings);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An embedding of the wrong size: a stream error naming the head file. */
GST_START_TEST (test_classify_wrong_dim)
{
  gchar *head = lucid_check_fixture_path ("heads/probe.safetensors");
  GstHarness *h = classify_harness ("heads/probe.safetensors", NULL);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  float values[5] = { 1, 2, 3, 4, 5 };
  GError *error;

  add_embedding (buf, "x", "m", values, 5);
  error = lucid_check_push_and_get_error (h, buf);
  fail_unless (strstr (error->message, head) != NULL, "%s", error->message);
  fail_unless (strstr (error->message, "32-value") != NULL, "%s",
               error->message);
  g_error_free (error);
  gst_harness_teardown (h);
  g_free (head);
}

GST_END_TEST;

/* A tensor with a dimension of size 0 (allowed by lucid_tensor_new_f32):
 * a stream error saying the embedding is empty, not a division by zero. */
GST_START_TEST (test_classify_empty_embedding)
{
  GstHarness *h = classify_harness ("heads/probe.safetensors", NULL);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[2] = { 0, 4 };
  GError *error;

  tensors[0] = lucid_tensor_new_f32 (g_quark_from_string ("x"), NULL, 2, dims);
  fail_unless (tensors[0] != NULL);
  lucid_buffer_add_tensor_meta (buf, "m", 1, tensors);
  error = lucid_check_push_and_get_error (h, buf);
  fail_unless (strstr (error->message, "is empty") != NULL, "%s",
               error->message);
  fail_unless (strstr (error->message, "32-value") != NULL, "%s",
               error->message);
  g_error_free (error);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An embedding with a NaN or an infinity: a stream error naming the value
 * and its index, no result. */
GST_START_TEST (test_classify_non_finite_embedding)
{
  const float bad[2] = { NAN, INFINITY };

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++) {
    GstHarness *h = classify_harness ("heads/probe.safetensors", NULL);
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);
    float v[32] = { 0 };
    GError *error;

    v[7] = bad[k];
    add_embedding (buf, "x", "m", v, 32);
    error = lucid_check_push_and_get_error (h, buf);
    fail_unless (strstr (error->message, "non-finite value") != NULL, "%s",
                 error->message);
    fail_unless (strstr (error->message, "at index 7") != NULL, "%s",
                 error->message);
    g_error_free (error);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The result's top-k with NaN scores (lucidresult.c): NaN sorts after
 * every number and is never listed, so the real scores are listed best
 * first wherever the NaNs were (a NaN first used to empty the list). */
GST_START_TEST (test_result_top_k_with_nan)
{
  const gchar *names[5] = { "a", "b", "c", "d", "e" };
  const double scores[5] = { NAN, 0.2, NAN, 0.9, 0.5 };
  const gchar *want[3] = { "d", "e", "b" };
  GstStructure *s = gst_structure_new_empty ("t");
  const GValue *labels;
  double best;

  lucid_result_set_top_k (s, scores, names, 5, 5, -INFINITY);
  labels = gst_structure_get_value (s, "labels");
  fail_unless_equals_int (gst_value_array_get_size (labels), 3);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_string (
        g_value_get_string (gst_value_array_get_value (labels, i)), want[i]);
  fail_unless_equals_string (gst_structure_get_string (s, "label"), "d");
  fail_unless (gst_structure_get_double (s, "score", &best));
  fail_unless (best == 0.9);
  gst_structure_free (s);

  /* Only NaNs: nothing listed, no label. */
  s = gst_structure_new_empty ("t");
  lucid_result_set_top_k (s, (const double[]){ NAN, NAN }, names, 2, 3,
                          -INFINITY);
  fail_unless_equals_int (
      gst_value_array_get_size (gst_structure_get_value (s, "labels")), 0);
  fail_if (gst_structure_has_field (s, "label"));
  gst_structure_free (s);
}

GST_END_TEST;

/* Empty strings count as unset: head="" with text-model= and labels= is a
 * zero-shot setup, text-model="" next to head= is a head setup, and
 * tensor="" picks the first tensor like no tensor= at all. */
GST_START_TEST (test_classify_empty_string_properties)
{
  gchar *bert = lucid_check_fixture_path ("tiny-bert");
  gchar *head = lucid_check_fixture_path ("heads/probe.safetensors");
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  GstHarness *h;
  GstBuffer *buf, *out;
  float v[32] = { 0 };

  g_object_set (e, "head", "", "text-model", bert, "labels", "cat, dog", NULL);
  fail_unless (gst_element_set_state (e, GST_STATE_PAUSED)
               != GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (e, GST_STATE_NULL);
  g_object_set (e, "head", head, "text-model", "", "labels", "", NULL);
  fail_unless (gst_element_set_state (e, GST_STATE_PAUSED)
               != GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);

  h = classify_harness ("heads/probe.safetensors", "tensor", "", NULL);
  buf = gst_buffer_new_allocate (NULL, 4, NULL);
  add_embedding (buf, "x", "m", v, 32);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_string (
      gst_structure_get_string (lucid_check_result_of (out, "lucidclassify"),
                                "input-tensor"),
      "x");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (head);
  g_free (bert);
}

GST_END_TEST;

GST_START_TEST (test_classify_bad_settings)
{
  GstElement *e = gst_element_factory_make ("lucidclassify", NULL);
  GError *error = lucid_check_start_and_get_error (e);

  fail_unless (strstr (error->message, "neither") != NULL, "%s",
               error->message);
  g_error_free (error);

  g_object_set (e, "head", "/nonexistent/head.safetensors", NULL);
  error = lucid_check_start_and_get_error (e);
  fail_unless (strstr (error->message, "/nonexistent/head.safetensors") != NULL,
               "%s", error->message);
  g_error_free (error);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
lucid_vision_enc_suite (void)
{
  Suite *s = suite_create ("lucidvisionenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_caps);
  tcase_add_test (tc, test_red_frame_matches_reference);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_batch_equals_single);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_caps_change_with_held_batch);
  tcase_add_test (tc, test_bad_models);
  tcase_add_test (tc, test_short_buffer);
  tcase_add_test (tc, test_frame_after_refused_caps_is_refused);
  tcase_add_test (tc, test_classify_centroids_after_encoder);
  tcase_add_test (tc, test_classify_threshold);
  tcase_add_test (tc, test_classify_tensor_by_id);
  tcase_add_test (tc, test_classify_warns_tensor_not_found);
  tcase_add_test (tc, test_classify_warns_no_embedding_at_eos);
  tcase_add_test (tc, test_classify_wrong_dim);
  tcase_add_test (tc, test_classify_bad_settings);
  tcase_add_test (tc, test_classify_empty_embedding);
  tcase_add_test (tc, test_classify_non_finite_embedding);
  tcase_add_test (tc, test_result_top_k_with_nan);
  tcase_add_test (tc, test_classify_empty_string_properties);
  return s;
}

GST_CHECK_MAIN (lucid_vision_enc);
