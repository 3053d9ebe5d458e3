/* test-textenc.c — lucidtextenc end to end, with the tiny fixture models
 * (tests/fixtures/tiny-bert, tiny-bert-st) and their goldens
 * (tests/fixtures/goldens/text-*.{json,safetensors}, made by
 * tools/make_fixtures.py with transformers / sentence-transformers; see
 * tests/fixtures/README.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lucid-check-util.h"
#include "lucidmeta.h"
#include "lucidtextenc.h"

/* fp32 on CPU, DESIGN.md: max-abs error ≤ 1e-4·max(1, max|ref|). */
#define TAU 1e-4

/* ------------------------------------------------------------------------ */
/* Goldens                                                                   */

typedef struct {
  JsonParser *json;
  gchar *tensors; /* the .safetensors file */
  gsize tensors_len;
  JsonObject *header;
  gsize data_start;
} Golden;

static Golden *
golden_load (const gchar *model)
{
  gchar *name = g_strdup_printf ("goldens/text-%s.json", model);
  gchar *path = lucid_check_fixture_path (name);
  Golden *g = g_new0 (Golden, 1);
  GError *error = NULL;
  JsonParser *header_parser;
  guint64 header_len;

  g->json = json_parser_new ();
  fail_unless (json_parser_load_from_file (g->json, path, &error), "%s: %s",
               path, error ? error->message : "?");
  g_free (path);
  g_free (name);

  name = g_strdup_printf ("goldens/text-%s.safetensors", model);
  path = lucid_check_fixture_path (name);
  fail_unless (g_file_get_contents (path, &g->tensors, &g->tensors_len, &error),
               "%s", error ? error->message : "?");
  fail_unless (g->tensors_len >= 8);
  header_len = GUINT64_FROM_LE (*(guint64 *)g->tensors);
  fail_unless (header_len <= g->tensors_len - 8);
  header_parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (header_parser, g->tensors + 8,
                                           header_len, NULL));
  g->header = json_object_ref (
      json_node_get_object (json_parser_get_root (header_parser)));
  g_object_unref (header_parser);
  g->data_start = 8 + header_len;
  g_free (path);
  g_free (name);
  return g;
}

static void
golden_free (Golden *g)
{
  json_object_unref (g->header);
  g_object_unref (g->json);
  g_free (g->tensors);
  g_free (g);
}

static JsonObject *
golden_case (Golden *g, guint i)
{
  JsonObject *root = json_node_get_object (json_parser_get_root (g->json));
  JsonArray *cases = json_object_get_array_member (root, "cases");

  fail_unless (i < json_array_get_length (cases));
  return json_array_get_object_element (cases, i);
}

static const gchar *
golden_text (Golden *g, guint i)
{
  return json_object_get_string_member (golden_case (g, i), "text");
}

/* Float32 values of tensor "case<i>.<what>"; *n set to their count. */
static const float *
golden_tensor (Golden *g, guint i, const gchar *what, gsize *n)
{
  gchar *name = g_strdup_printf ("case%u.%s", i, what);
  JsonObject *info;
  JsonArray *offsets;
  gsize start, end;

  fail_unless (json_object_has_member (g->header, name), "no %s", name);
  info = json_object_get_object_member (g->header, name);
  fail_unless_equals_string (json_object_get_string_member (info, "dtype"),
                             "F32");
  offsets = json_object_get_array_member (info, "data_offsets");
  start = json_array_get_int_element (offsets, 0);
  end = json_array_get_int_element (offsets, 1);
  fail_unless (start <= end && g->data_start + end <= g->tensors_len);
  g_free (name);
  *n = (end - start) / sizeof (float);
  return (const float *)(g->tensors + g->data_start + start);
}

static void
assert_close (const float *got, const float *ref, gsize n, const gchar *what)
{
  double max_ref = 1, max_err = 0;

  for (gsize i = 0; i < n; i++) {
    max_ref = MAX (max_ref, fabs (ref[i]));
    max_err = MAX (max_err, fabs ((double)got[i] - ref[i]));
  }
  fail_unless (max_err <= TAU * max_ref, "%s: max error %g > %g", what, max_err,
               TAU * max_ref);
}

/* ------------------------------------------------------------------------ */
/* Element helpers                                                           */

/* A playing harness around lucidtextenc with model=<fixtures>/@model and the
 * NULL-terminated properties; caps text/x-raw,format=@format. */
static GstHarness *
new_harness (const gchar *model, const gchar *format,
             const gchar *first_property, ...)
{
  GstElement *element = gst_element_factory_make ("lucidtextenc", NULL);
  gchar *dir = lucid_check_fixture_path (model);
  gchar *caps = g_strdup_printf ("text/x-raw, format=%s", format);
  GstHarness *h;
  va_list args;

  fail_unless (element != NULL, "lucidtextenc not found (GST_PLUGIN_PATH?)");
  g_object_set (element, "model", dir, NULL);
  va_start (args, first_property);
  h = lucid_check_harness_new_valist (element, caps, first_property, args);
  va_end (args);
  g_free (caps);
  g_free (dir);
  return h;
}

static GstBuffer *
text_buffer (const gchar *text, gssize len)
{
  if (len < 0)
    len = strlen (text);
  /* gst_buffer_new_memdup() refuses 0 bytes. */
  return len == 0 ? gst_buffer_new () : gst_buffer_new_memdup (text, len);
}

/* Pushes @text and returns what comes out (one buffer). */
static GstBuffer *
analyse (GstHarness *h, const gchar *text, gssize len)
{
  fail_unless_equals_int (gst_harness_push (h, text_buffer (text, len)),
                          GST_FLOW_OK);
  return gst_harness_pull (h);
}

static const GstStructure *
the_result (GstBuffer *buffer)
{
  gpointer state = NULL;
  const GstStructure *s = lucid_buffer_iterate_results (buffer, &state);

  fail_unless (s != NULL, "no result");
  fail_unless (lucid_buffer_iterate_results (buffer, &state) == NULL,
               "more than one result");
  fail_unless (gst_structure_has_name (s, LUCID_RESULT_STRUCTURE_NAME));
  return s;
}

/* The embedding of the single tensor meta: float32 [hidden]. */
static const float *
the_embedding (GstBuffer *buffer, guint hidden, GstMapInfo *map)
{
  gpointer state = NULL;
  LucidTensorMeta *tmeta = lucid_buffer_iterate_tensor_metas (buffer, &state);
  LucidTensor *tensor;

  fail_unless (tmeta != NULL, "no tensor meta");
  fail_unless (lucid_buffer_iterate_tensor_metas (buffer, &state) == NULL);
  fail_unless_equals_int (tmeta->num_tensors, 1);
  tensor = tmeta->tensors[0];
  fail_unless_equals_string (g_quark_to_string (tensor->id),
                             "lucid-text-embedding");
  fail_unless_equals_int (tensor->data_type, LUCID_TENSOR_DATA_TYPE_FLOAT32);
  fail_unless_equals_int (tensor->num_dims, 1);
  fail_unless_equals_int (tensor->dims[0], hidden);
  fail_unless (gst_buffer_map (tensor->data, map, GST_MAP_READ));
  fail_unless_equals_int (map->size, hidden * sizeof (float));
  return (const float *)map->data;
}

static void
unmap_embedding (GstBuffer *buffer, GstMapInfo *map)
{
  gpointer state = NULL;
  LucidTensorMeta *tmeta = lucid_buffer_iterate_tensor_metas (buffer, &state);

  gst_buffer_unmap (tmeta->tensors[0]->data, map);
}

/* ------------------------------------------------------------------------ */
/* Tests without a model                                                     */

GST_START_TEST (test_caps_accepted_and_refused)
{
  GstElement *element = gst_element_factory_make ("lucidtextenc", NULL);

  fail_unless (element != NULL);
  fail_unless (lucid_check_accepts (element, "text/x-raw, format=utf8"));
  fail_unless (
      lucid_check_accepts (element, "text/x-raw, format=pango-markup"));
  fail_if (lucid_check_accepts (element, "text/x-raw, format=dvd"));
  fail_if (lucid_check_accepts (element,
                                "video/x-raw, format=RGB, width=4, height=4"));
  fail_if (lucid_check_accepts (element, "audio/x-raw"));
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_properties_readable)
{
  GstElement *element = gst_element_factory_make ("lucidtextenc", NULL);
  gchar *model = NULL, *labels = NULL, *device = NULL;
  guint max_length = 1, top_k = 0, batch_size = 0, interval = 0;
  gint pooling = -1, output = -1;
  guint64 max_latency = 1;

  g_object_get (element, "model", &model, "labels", &labels, "device", &device,
                "max-length", &max_length, "top-k", &top_k, "pooling", &pooling,
                "output", &output, "batch-size", &batch_size, "interval",
                &interval, "max-latency", &max_latency, NULL);
  fail_unless (model == NULL);
  fail_unless (labels == NULL);
  fail_unless_equals_string (device, "cpu");
  fail_unless_equals_int (max_length, 0);
  fail_unless_equals_int (top_k, 3);
  fail_unless_equals_int (pooling, 0); /* default */
  fail_unless_equals_int (output, LUCID_TEXT_ENC_OUTPUT_AUTO);
  fail_unless_equals_int (batch_size, 1);
  fail_unless_equals_int (interval, 1);
  fail_unless_equals_uint64 (max_latency, 0);
  g_free (device);

  /* As gst-launch-1.0 sets them. */
  gst_util_set_object_arg (G_OBJECT (element), "pooling", "cls");
  gst_util_set_object_arg (G_OBJECT (element), "output", "pll");
  gst_util_set_object_arg (G_OBJECT (element), "labels", "a,b");
  gst_util_set_object_arg (G_OBJECT (element), "top-k", "5");
  gst_util_set_object_arg (G_OBJECT (element), "max-length", "16");
  g_object_get (element, "labels", &labels, "max-length", &max_length, "top-k",
                &top_k, "pooling", &pooling, "output", &output, NULL);
  fail_unless_equals_string (labels, "a,b");
  fail_unless_equals_int (max_length, 16);
  fail_unless_equals_int (top_k, 5);
  fail_unless_equals_int (pooling, 1); /* cls */
  fail_unless_equals_int (output, LUCID_TEXT_ENC_OUTPUT_PLL);
  g_free (labels);
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_missing_model_dir_is_named_on_the_bus)
{
  GstElement *element = gst_element_factory_make ("lucidtextenc", NULL);
  GError *error;

  g_object_set (element, "model", "/nonexistent/models/tiny-bert", NULL);
  error = lucid_check_start_and_get_error (element);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND),
      "%s", error->message);
  fail_unless (strstr (error->message, "/nonexistent/models/tiny-bert") != NULL,
               "%s", error->message);
  g_error_free (error);
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_markup_stripping)
{
  static const struct {
    const gchar *in, *out;
  } cases[] = {
    { "<b>Hello</b> &amp; bye", "Hello & bye" },
    { "<span foreground=\"red\">a &lt; b</span>", "a < b" },
    { "plain text", "plain text" },
    { "&#233;t&#xE9;", "\xc3\xa9t\xc3\xa9" },
    /* Not well-formed: the lenient path. */
    { "Fish & chips <3", "Fish & chips <3" },
    { "<i>AT&T</i> &amp; co", "AT&T & co" },
    { "a &nbsp;b", "a \xc2\xa0"
                   "b" },
    { "<b>unclosed", "unclosed" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *out = lucid_text_enc_strip_markup (cases[i].in);

    fail_unless_equals_string (out, cases[i].out);
    fail_unless (g_utf8_validate (out, -1, NULL));
    g_free (out);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Tests with the fixture models                                             */

GST_START_TEST (test_embedding_matches_reference)
{
  static const guint cases[] = { 0, 1, 2, 3, 7, 13 };
  Golden *g = golden_load ("tiny-bert-st");
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", NULL);
  gchar *dir = lucid_check_fixture_path ("tiny-bert-st");
  gchar *weights = g_build_filename (dir, "model.safetensors", NULL);
  gchar *sha = lucid_check_sha256_of_file (weights);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    const gchar *text = golden_text (g, cases[c]);
    GstBuffer *out = analyse (h, text, -1);
    const GstStructure *s = the_result (out);
    const float *ref, *got;
    GstMapInfo map;
    guint tensor_index = 99;
    gsize n;

    /* The buffer itself passes unchanged. */
    fail_unless (gst_buffer_memcmp (out, 0, text, strlen (text)) == 0);
    fail_unless_equals_string (gst_structure_get_string (s, "kind"),
                               "embedding");
    fail_unless (g_str_has_prefix (gst_structure_get_string (s, "element"),
                                   "lucidtextenc"));
    fail_unless_equals_string (gst_structure_get_string (s, "model-id"), sha);
    fail_unless_equals_string (gst_structure_get_string (s, "model-dir"), dir);
    fail_unless_equals_string (gst_structure_get_string (s, "model-family"),
                               "bert");
    fail_unless (gst_structure_get_uint (s, "tensor-index", &tensor_index));
    fail_unless_equals_int (tensor_index, 0);
    fail_unless_equals_string (gst_structure_get_string (s, "text"), text);
    fail_if (gst_structure_has_field (s, "label"));
    {
      /* The settings the model directory resolved to, for provenance:
       * 1_Pooling (mean), the Normalize module, sentence_bert_config.json's
       * max_seq_length (16). */
      gboolean normalized = FALSE;
      guint max_length = 0;

      fail_unless_equals_string (gst_structure_get_string (s, "pooling"),
                                 "mean");
      fail_unless (gst_structure_get_boolean (s, "normalized", &normalized));
      fail_unless (normalized);
      fail_unless (gst_structure_get_uint (s, "max-length", &max_length));
      fail_unless_equals_int (max_length, 16);
    }

    ref = golden_tensor (g, cases[c], "emb.st", &n);
    fail_unless_equals_int (n, 32);
    got = the_embedding (out, 32, &map);
    assert_close (got, ref, n, text);
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }

  g_free (sha);
  g_free (weights);
  g_free (dir);
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

GST_START_TEST (test_batch_matches_reference_per_buffer)
{
  Golden *g = golden_load ("tiny-bert-st");
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", "batch-size", 3, NULL);

  /* Different lengths in one packed batch. */
  for (guint c = 0; c < 3; c++) {
    const gchar *text = golden_text (g, c == 2 ? 8 : c);

    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, -1)),
                            GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  for (guint c = 0; c < 3; c++) {
    guint i = c == 2 ? 8 : c;
    GstBuffer *out = gst_harness_pull (h);
    GstMapInfo map;
    gsize n;
    const float *ref = golden_tensor (g, i, "emb.st", &n);

    fail_unless_equals_string (
        gst_structure_get_string (the_result (out), "text"),
        golden_text (g, i));
    assert_close (the_embedding (out, 32, &map), ref, n, golden_text (g, i));
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

/* Waits (up to 10 s; no timing assert) for @n buffers at the harness. */
static gboolean
wait_for_buffers (GstHarness *h, guint n)
{
  for (guint i = 0; i < 1000; i++) {
    if (gst_harness_buffers_received (h) >= n)
      return TRUE;
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  return gst_harness_buffers_received (h) >= n;
}

/* A live stream that goes quiet: with batch-size=8 a lone cue would wait
 * for seven more forever; max-latency sends the partial batch on, and the
 * results are the same as unbatched. */
GST_START_TEST (test_max_latency_flushes_partial_batch)
{
  Golden *g = golden_load ("tiny-bert-st");
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", "batch-size", 8,
                               "max-latency", (guint64)(50 * GST_MSECOND),
                               NULL);
  static const guint cases[] = { 0, 3, 7 };

  /* One cue, then nothing: it must leave on its own. */
  fail_unless_equals_int (
      gst_harness_push (h, text_buffer (golden_text (g, cases[0]), -1)),
      GST_FLOW_OK);
  fail_unless (wait_for_buffers (h, 1), "a lone cue never left the batch");
  /* Then two more together: the timer rearms. */
  for (guint c = 1; c < 3; c++)
    fail_unless_equals_int (
        gst_harness_push (h, text_buffer (golden_text (g, cases[c]), -1)),
        GST_FLOW_OK);
  fail_unless (wait_for_buffers (h, 3), "the second partial batch never left");

  for (guint c = 0; c < 3; c++) {
    GstBuffer *out = gst_harness_pull (h);
    GstMapInfo map;
    gsize n;
    const float *ref = golden_tensor (g, cases[c], "emb.st", &n);

    fail_unless_equals_string (
        gst_structure_get_string (the_result (out), "text"),
        golden_text (g, cases[c]));
    assert_close (the_embedding (out, 32, &map), ref, n,
                  golden_text (g, cases[c]));
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

GST_START_TEST (test_empty_text_still_gives_one_result)
{
  Golden *g = golden_load ("tiny-bert-st");
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", NULL);
  gsize n;
  const float *ref = golden_tensor (g, 6, "emb.st", &n);

  fail_unless_equals_string (golden_text (g, 6), "");
  /* An empty buffer, and a C string's lone NUL. */
  for (guint round = 0; round < 2; round++) {
    GstBuffer *out = analyse (h, "", round);
    const GstStructure *s = the_result (out);
    GstMapInfo map;

    fail_unless_equals_string (gst_structure_get_string (s, "kind"),
                               "embedding");
    fail_unless_equals_string (gst_structure_get_string (s, "text"), "");
    assert_close (the_embedding (out, 32, &map), ref, n, "empty text");
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }

  /* Whitespace only: still exactly one result. */
  {
    GstBuffer *out = analyse (h, "  \t ", -1);
    GstMapInfo map;

    the_result (out);
    the_embedding (out, 32, &map);
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

static void
softmax3 (const float *logits, double *p)
{
  double m = MAX (logits[0], MAX (logits[1], logits[2])), sum = 0;

  for (guint i = 0; i < 3; i++)
    sum += (p[i] = exp (logits[i] - m));
  for (guint i = 0; i < 3; i++)
    p[i] /= sum;
}

GST_START_TEST (test_classification_head_labels)
{
  Golden *g = golden_load ("tiny-bert");
  GstHarness *h = new_harness ("tiny-bert", "utf8", NULL);

  for (guint c = 0; c < 16; c++) {
    const gchar *text = golden_text (g, c);
    const gchar *golden_label
        = json_object_get_string_member (golden_case (g, c), "label");
    GstBuffer *out = analyse (h, text, -1);
    const GstStructure *s = the_result (out);
    const GValue *labels, *scores;
    gsize n;
    const float *logits = golden_tensor (g, c, "logits", &n);
    const float *mean = golden_tensor (g, c, "emb.mean", &n);
    double p[3], score = -1, sum = 0, prev = 2;
    GstMapInfo map;

    fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
    fail_unless_equals_string (gst_structure_get_string (s, "label"),
                               golden_label);
    softmax3 (logits, p);
    fail_unless (gst_structure_get_double (s, "score", &score));
    fail_unless (fabs (score - MAX (p[0], MAX (p[1], p[2]))) <= TAU,
                 "%s: score %g", text, score);

    labels = gst_structure_get_value (s, "labels");
    scores = gst_structure_get_value (s, "scores");
    fail_unless (GST_VALUE_HOLDS_ARRAY (labels));
    fail_unless (GST_VALUE_HOLDS_ARRAY (scores));
    fail_unless_equals_int (gst_value_array_get_size (labels), 3);
    fail_unless_equals_int (gst_value_array_get_size (scores), 3);
    fail_unless_equals_string (
        g_value_get_string (gst_value_array_get_value (labels, 0)),
        golden_label);
    for (guint i = 0; i < 3; i++) {
      double v = g_value_get_double (gst_value_array_get_value (scores, i));

      fail_unless (v <= prev, "scores not sorted");
      prev = v;
      sum += v;
    }
    fail_unless (fabs (sum - 1) <= 1e-6, "softmax sums to %g", sum);

    /* No sentence-transformers files: mean pooling. */
    assert_close (the_embedding (out, 32, &map), mean, 32, text);
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);

  /* top-k caps the lists. */
  h = new_harness ("tiny-bert", "utf8", "top-k", 2, NULL);
  {
    GstBuffer *out = analyse (h, "hello world", -1);
    const GstStructure *s = the_result (out);

    fail_unless_equals_int (
        gst_value_array_get_size (gst_structure_get_value (s, "labels")), 2);
    fail_unless_equals_int (
        gst_value_array_get_size (gst_structure_get_value (s, "scores")), 2);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

/* The embedding of @text with output=embedding, copied. */
static float *
embed (const gchar *model, const gchar *text)
{
  GstHarness *h
      = new_harness (model, "utf8", "output", 1 /* embedding */, NULL);
  GstBuffer *out = analyse (h, text, -1);
  GstMapInfo map;
  float *copy = g_memdup2 (the_embedding (out, 32, &map), 32 * sizeof (float));

  unmap_embedding (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return copy;
}

static double
cosine (const float *a, const float *b)
{
  double dot = 0, na = 0, nb = 0;

  for (guint i = 0; i < 32; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / sqrt (na * nb);
}

GST_START_TEST (test_zero_shot_labels)
{
  static const gchar *prompts[] = { "sports", "politics", "weather" };
  const gchar *text = "The film was terrible and sad.";
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", "labels",
                               " sports, politics;weather ", NULL);
  GstBuffer *out = analyse (h, text, -1);
  const GstStructure *s = the_result (out);
  const GValue *labels, *scores;
  float *text_emb = embed ("tiny-bert-st", text);
  const gchar *label;
  double score, prev = 2;

  fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
  label = gst_structure_get_string (s, "label");
  fail_unless (g_strv_contains (prompts, label), "label %s", label);
  fail_unless (gst_structure_get_double (s, "score", &score));

  labels = gst_structure_get_value (s, "labels");
  scores = gst_structure_get_value (s, "scores");
  fail_unless_equals_int (gst_value_array_get_size (labels), 3);
  for (guint i = 0; i < 3; i++) {
    const gchar *name
        = g_value_get_string (gst_value_array_get_value (labels, i));
    double v = g_value_get_double (gst_value_array_get_value (scores, i));
    float *prompt_emb;

    fail_unless (g_strv_contains (prompts, name), "label %s", name);
    fail_unless (v <= prev && v >= -1 - 1e-6 && v <= 1 + 1e-6);
    prev = v;
    /* The score is the cosine of the two embeddings, each computed by the
     * same model and pooling. */
    prompt_emb = embed ("tiny-bert-st", name);
    fail_unless (fabs (v - cosine (text_emb, prompt_emb)) <= 1e-5,
                 "%s: %g vs %g", name, v, cosine (text_emb, prompt_emb));
    g_free (prompt_emb);
  }
  g_free (text_emb);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_pll_matches_reference)
{
  Golden *g = golden_load ("tiny-bert");
  GstHarness *h
      = new_harness ("tiny-bert", "utf8", "output", 3 /* pll */, NULL);

  for (guint c = 0; c < 3; c++) {
    JsonObject *gc = golden_case (g, c);
    double ref = json_object_get_double_member (gc, "pll");
    guint ref_n = json_object_get_int_member (gc, "pll_n");
    GstBuffer *out = analyse (h, golden_text (g, c), -1);
    const GstStructure *s = the_result (out);
    double pll = 0;
    guint n = 0;
    GstMapInfo map;

    fail_unless_equals_string (gst_structure_get_string (s, "kind"), "pll");
    fail_unless (gst_structure_get_double (s, "pll", &pll));
    fail_unless (gst_structure_get_uint (s, "pll-tokens", &n));
    fail_unless (isfinite (pll) && pll < 0, "pll %g", pll);
    fail_unless_equals_int (n, ref_n);
    fail_unless (fabs (pll - ref) <= 1e-3 * MAX (1, fabs (ref)),
                 "%s: pll %g, reference %g", golden_text (g, c), pll, ref);
    /* The embedding rides along. */
    the_embedding (out, 32, &map);
    unmap_embedding (out, &map);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_free (g);
}

GST_END_TEST;

static float *
embed_with_format (const gchar *format, const gchar *text, gchar **analysed)
{
  GstHarness *h = new_harness ("tiny-bert-st", format, NULL);
  GstBuffer *out = analyse (h, text, -1);
  GstMapInfo map;
  float *copy = g_memdup2 (the_embedding (out, 32, &map), 32 * sizeof (float));

  /* The markup stays in the buffer; only the model sees it stripped. */
  fail_unless (gst_buffer_memcmp (out, 0, text, strlen (text)) == 0);
  *analysed = g_strdup (gst_structure_get_string (the_result (out), "text"));
  unmap_embedding (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return copy;
}

GST_START_TEST (test_pango_markup_is_stripped)
{
  gchar *markup_text, *plain_text;
  float *markup = embed_with_format ("pango-markup", "<b>Hello</b> &amp; bye",
                                     &markup_text);
  float *plain = embed_with_format ("utf8", "Hello & bye", &plain_text);
  float *raw;
  gchar *raw_text;

  fail_unless_equals_string (markup_text, "Hello & bye");
  fail_unless_equals_string (plain_text, "Hello & bye");
  for (guint i = 0; i < 32; i++)
    fail_unless (fabs (markup[i] - plain[i]) <= 1e-6, "dim %u differs", i);

  /* The same bytes as utf8 are not stripped: a different embedding. */
  raw = embed_with_format ("utf8", "<b>Hello</b> &amp; bye", &raw_text);
  fail_unless_equals_string (raw_text, "<b>Hello</b> &amp; bye");
  fail_unless (cosine (raw, plain) < 0.999999);

  g_free (markup_text);
  g_free (plain_text);
  g_free (raw_text);
  g_free (markup);
  g_free (plain);
  g_free (raw);
}

GST_END_TEST;

GST_START_TEST (test_invalid_utf8_repaired_with_one_warning)
{
  static const gchar bad1[] = "caf\xe9 au lait";
  static const gchar bad2[] = "\xff\xfe ok";
  GstHarness *h = new_harness ("tiny-bert-st", "utf8", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GstBuffer *out;
  const gchar *text;
  GError *error = NULL;

  gst_element_set_bus (h->element, bus);

  out = analyse (h, bad1, sizeof (bad1) - 1);
  fail_unless (gst_buffer_memcmp (out, 0, bad1, sizeof (bad1) - 1) == 0,
               "the buffer was changed");
  text = gst_structure_get_string (the_result (out), "text");
  fail_unless (g_utf8_validate (text, -1, NULL));
  fail_unless_equals_string (text, "caf\xef\xbf\xbd au lait");
  gst_buffer_unref (out);

  out = analyse (h, bad2, sizeof (bad2) - 1);
  text = gst_structure_get_string (the_result (out), "text");
  fail_unless_equals_string (text, "\xef\xbf\xbd\xef\xbf\xbd ok");
  gst_buffer_unref (out);

  /* One warning for the stream, not one per buffer. */
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (message != NULL, "no warning");
  gst_message_parse_warning (message, &error, NULL);
  fail_unless (strstr (error->message, "UTF-8") != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (message);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_unusable_output_fails_at_start)
{
  gchar *dir = lucid_check_fixture_path ("tiny-bert-st");
  GstElement *element;
  GError *error;

  /* No masked-LM head. */
  element = gst_element_factory_make ("lucidtextenc", NULL);
  g_object_set (element, "model", dir, NULL);
  gst_util_set_object_arg (G_OBJECT (element), "output", "pll");
  error = lucid_check_start_and_get_error (element);
  fail_unless (strstr (error->message, dir) != NULL, "%s", error->message);
  fail_unless (strstr (error->message, "pll") != NULL, "%s", error->message);
  g_error_free (error);
  gst_object_unref (element);

  /* No head and no labels= to give labels from. */
  element = gst_element_factory_make ("lucidtextenc", NULL);
  g_object_set (element, "model", dir, NULL);
  gst_util_set_object_arg (G_OBJECT (element), "output", "labels");
  error = lucid_check_start_and_get_error (element);
  fail_unless (strstr (error->message, "labels") != NULL, "%s", error->message);
  g_error_free (error);
  gst_object_unref (element);
  g_free (dir);
}

GST_END_TEST;

/* Runs the tests that need the fixtures only when they are there. */
static gboolean
have_fixtures (void)
{
  const gchar *names[]
      = { "tiny-bert/model.safetensors", "tiny-bert-st/model.safetensors",
          "goldens/text-tiny-bert.json", "goldens/text-tiny-bert-st.json",
          NULL };

  const gchar *dir = g_getenv ("LUCID_FIXTURES_DIR");

  /* No fail_unless here: check's messaging only exists inside tests. */
  if (dir == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++) {
    gchar *path = g_build_filename (dir, names[i], NULL);
    gboolean ok = g_file_test (path, G_FILE_TEST_IS_REGULAR);

    g_free (path);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static Suite *
lucid_text_enc_suite (void)
{
  Suite *s = suite_create ("lucidtextenc");
  TCase *tc = tcase_create ("general");
  TCase *tc_models = tcase_create ("models");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_accepted_and_refused);
  tcase_add_test (tc, test_properties_readable);
  tcase_add_test (tc, test_missing_model_dir_is_named_on_the_bus);
  tcase_add_test (tc, test_markup_stripping);

  if (!have_fixtures ()) {
    g_printerr ("tests/fixtures missing (run tools/make_fixtures.py): "
                "skipping the model tests\n");
    return s;
  }
  suite_add_tcase (s, tc_models);
  tcase_set_timeout (tc_models, 120);
  tcase_add_test (tc_models, test_embedding_matches_reference);
  tcase_add_test (tc_models, test_batch_matches_reference_per_buffer);
  tcase_add_test (tc_models, test_max_latency_flushes_partial_batch);
  tcase_add_test (tc_models, test_empty_text_still_gives_one_result);
  tcase_add_test (tc_models, test_classification_head_labels);
  tcase_add_test (tc_models, test_zero_shot_labels);
  tcase_add_test (tc_models, test_pll_matches_reference);
  tcase_add_test (tc_models, test_pango_markup_is_stripped);
  tcase_add_test (tc_models, test_invalid_utf8_repaired_with_one_warning);
  tcase_add_test (tc_models, test_unusable_output_fails_at_start);
  return s;
}

GST_CHECK_MAIN (lucid_text_enc);
