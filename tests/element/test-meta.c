/* test-meta.c — LucidTensorMeta, result metas and the lucid-groups tag
 * (plugins/lucidmeta.h) survive what GStreamer does to buffers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "lucidmeta.h"

static const float values_a[4] = { 0.25f, -1.0f, 3.5f, 0.0f };
static const float values_b[2] = { 7.0f, 8.0f };

/* A buffer with one tensor meta (model "model-a", float32 [4]). */
static GstBuffer *
buffer_with_tensor_meta (gsize size)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[1] = { 4 };

  gst_buffer_memset (buffer, 0, 0x42, size);
  tensors[0] = lucid_tensor_new_f32 (g_quark_from_static_string ("emb-a"),
                                     values_a, 1, dims);
  fail_unless (tensors[0] != NULL);
  fail_unless (lucid_buffer_add_tensor_meta (buffer, "model-a", 1, tensors)
               != NULL);
  return buffer;
}

/* Asserts that @buffer carries exactly the metas buffer_with_tensor_meta()
 * adds; returns its meta. */
static LucidTensorMeta *
check_tensor_meta (GstBuffer *buffer)
{
  gpointer state = NULL;
  LucidTensorMeta *tmeta = lucid_buffer_iterate_tensor_metas (buffer, &state);
  LucidTensor *tensor;
  GstMapInfo map;

  fail_unless (tmeta != NULL, "the tensor meta was lost");
  fail_unless (lucid_buffer_iterate_tensor_metas (buffer, &state) == NULL,
               "more than one tensor meta");
  fail_unless_equals_string (tmeta->model_id, "model-a");
  fail_unless_equals_int (tmeta->num_tensors, 1);
  tensor = tmeta->tensors[0];
  fail_unless_equals_string (g_quark_to_string (tensor->id), "emb-a");
  fail_unless_equals_int (tensor->data_type, LUCID_TENSOR_DATA_TYPE_FLOAT32);
  fail_unless_equals_int (tensor->dims_order, LUCID_TENSOR_DIM_ORDER_ROW_MAJOR);
  fail_unless_equals_int (tensor->layout, LUCID_TENSOR_LAYOUT_CONTIGUOUS);
  fail_unless_equals_int (tensor->num_dims, 1);
  fail_unless_equals_int (tensor->dims[0], 4);
  fail_unless (gst_buffer_map (tensor->data, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, sizeof (values_a));
  fail_unless (memcmp (map.data, values_a, sizeof (values_a)) == 0);
  gst_buffer_unmap (tensor->data, &map);
  return tmeta;
}

GST_START_TEST (test_data_type_enum_matches_upstream)
{
  /* GstTensorDataType values (gsttensor.h, 1.26 + 1.28 additions). */
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_INT4, 0);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_UINT4, 5);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_FLOAT16, 10);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_FLOAT32, 11);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_BFLOAT16, 13);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_STRING, 14);
  fail_unless_equals_int (LUCID_TENSOR_DATA_TYPE_FLOAT8E5M2FNUZ, 21);
  fail_unless_equals_int (LUCID_TENSOR_DIM_ORDER_COL_MAJOR, 1);
}

GST_END_TEST;

GST_START_TEST (test_meta_init_is_idempotent)
{
  const GstMetaInfo *info = LUCID_TENSOR_META_INFO;

  lucid_meta_init ();
  lucid_meta_init ();
  fail_unless (info == LUCID_TENSOR_META_INFO);
  fail_unless (gst_meta_get_info ("LucidTensorMeta") == info);
  fail_unless_equals_string (g_type_name (LUCID_TENSOR_META_API_TYPE),
                             "LucidTensorMetaAPI");
  /* No tags: no element may drop it for being memory or video specific. */
  fail_unless (gst_meta_api_type_get_tags (LUCID_TENSOR_META_API_TYPE) == NULL);
  fail_unless (gst_meta_get_info (LUCID_RESULT_META_NAME) != NULL);
  fail_unless (
      gst_meta_info_is_custom (gst_meta_get_info (LUCID_RESULT_META_NAME)));
}

GST_END_TEST;

GST_START_TEST (test_tensor_meta_survives_buffer_copy)
{
  GstBuffer *buffer = buffer_with_tensor_meta (16);
  GstBuffer *copy = gst_buffer_copy (buffer);
  LucidTensorMeta *orig = check_tensor_meta (buffer);
  LucidTensorMeta *dup = check_tensor_meta (copy);

  /* A real copy: its own structs, sharing the data buffer. */
  fail_unless (orig != dup);
  fail_unless (orig->tensors != dup->tensors);
  fail_unless (orig->tensors[0] != dup->tensors[0]);
  fail_unless (orig->model_id != dup->model_id);
  fail_unless (orig->tensors[0]->data == dup->tensors[0]->data);
  ASSERT_MINI_OBJECT_REFCOUNT (orig->tensors[0]->data, "tensor data", 2);

  /* Each copy frees its own; the data buffer goes with the last. */
  gst_buffer_unref (buffer);
  ASSERT_MINI_OBJECT_REFCOUNT (dup->tensors[0]->data, "tensor data", 1);
  check_tensor_meta (copy);
  gst_buffer_unref (copy);
}

GST_END_TEST;

GST_START_TEST (test_tensor_meta_survives_make_writable)
{
  GstBuffer *buffer = buffer_with_tensor_meta (16);
  GstBuffer *writable;

  gst_buffer_ref (buffer); /* shared: make_writable must copy */
  writable = gst_buffer_make_writable (buffer);
  fail_unless (writable != buffer);
  check_tensor_meta (writable);
  check_tensor_meta (buffer);
  gst_buffer_unref (writable);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_tensor_meta_survives_region_copy)
{
  GstBuffer *buffer = buffer_with_tensor_meta (16);
  GstBuffer *region
      = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_ALL, 4, 8);

  /* As upstream's GstTensorMeta: the part keeps the meta of the whole. */
  check_tensor_meta (region);
  gst_buffer_unref (region);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_two_stages_metas_coexist)
{
  GstBuffer *buffer = buffer_with_tensor_meta (8);
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  gsize dims[2] = { 1, 2 };
  LucidTensorMeta *meta_a, *meta_b;
  gpointer state = NULL;
  GstBuffer *copy;

  tensors[0] = lucid_tensor_new_f32 (g_quark_from_static_string ("emb-b"),
                                     values_b, 2, dims);
  meta_b = lucid_buffer_add_tensor_meta (buffer, "model-b", 1, tensors);
  fail_unless (meta_b != NULL);

  copy = gst_buffer_copy (buffer);
  for (guint round = 0; round < 2; round++) {
    GstBuffer *b = round == 0 ? buffer : copy;

    state = NULL;
    meta_a = lucid_buffer_iterate_tensor_metas (b, &state);
    meta_b = lucid_buffer_iterate_tensor_metas (b, &state);
    fail_unless (meta_a != NULL && meta_b != NULL);
    fail_unless (lucid_buffer_iterate_tensor_metas (b, &state) == NULL);
    fail_unless (meta_a != meta_b);
    /* Each stage's meta is intact, whatever the order. */
    if (g_strcmp0 (meta_a->model_id, "model-b") == 0) {
      LucidTensorMeta *tmp = meta_a;
      meta_a = meta_b;
      meta_b = tmp;
    }
    fail_unless_equals_string (meta_a->model_id, "model-a");
    fail_unless_equals_string (meta_b->model_id, "model-b");
    fail_unless_equals_int (meta_b->tensors[0]->num_dims, 2);
    fail_unless_equals_int (meta_b->tensors[0]->dims[1], 2);
    fail_unless_equals_int (meta_a->tensors[0]->dims[0], 4);
  }
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

/* g_critical() from the plugin (no log domain) while the tests run with
 * G_DEBUG=fatal-criticals: count them instead of aborting. */
static guint n_criticals;

static void
count_critical (const gchar *domain, GLogLevelFlags level, const gchar *message,
                gpointer user_data)
{
  n_criticals++;
}

GST_START_TEST (test_tensor_new_simple_checks_size)
{
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  guint handler
      = g_log_set_handler (NULL, G_LOG_LEVEL_CRITICAL, count_critical, NULL);
  GstBuffer *small = gst_buffer_new_allocate (NULL, 7, NULL);
  GstBuffer *exact = gst_buffer_new_allocate (NULL, 2, NULL);
  gsize dims[2] = { 2, 1 };
  LucidTensor *tensor = NULL;

  /* 2 float32 need 8 bytes. */
  n_criticals = 0;
  tensor = lucid_tensor_new_simple (0, LUCID_TENSOR_DATA_TYPE_FLOAT32, small,
                                    LUCID_TENSOR_DIM_ORDER_ROW_MAJOR, 2, dims);
  g_log_remove_handler (NULL, handler);
  g_log_set_always_fatal (fatal);
  fail_unless (tensor == NULL);
  fail_unless_equals_int (n_criticals, 1);

  /* 2×1 int4 fit in one byte: 2 bytes are plenty. */
  tensor = lucid_tensor_new_simple (0, LUCID_TENSOR_DATA_TYPE_INT4, exact,
                                    LUCID_TENSOR_DIM_ORDER_COL_MAJOR, 2, dims);
  fail_unless (tensor != NULL);
  fail_unless (tensor->data == exact);
  fail_unless_equals_int (tensor->dims_order, LUCID_TENSOR_DIM_ORDER_COL_MAJOR);
  lucid_tensor_free (tensor);
}

GST_END_TEST;

static GstStructure *
make_result (const gchar *label, gdouble score)
{
  return gst_structure_new (LUCID_RESULT_STRUCTURE_NAME, "element",
                            G_TYPE_STRING, "lucidtextenc0", "kind",
                            G_TYPE_STRING, "labels", "label", G_TYPE_STRING,
                            label, "score", G_TYPE_DOUBLE, score, NULL);
}

/* Asserts @buffer has the two results result_metas_are_copied adds. */
static void
check_results (GstBuffer *buffer)
{
  gpointer state = NULL;
  const GstStructure *s;
  guint n = 0;
  gboolean seen_a = FALSE, seen_b = FALSE;

  while ((s = lucid_buffer_iterate_results (buffer, &state)) != NULL) {
    const gchar *label = gst_structure_get_string (s, "label");
    gdouble score = 0;

    n++;
    fail_unless (gst_structure_has_name (s, LUCID_RESULT_STRUCTURE_NAME));
    fail_unless_equals_string (gst_structure_get_string (s, "kind"), "labels");
    fail_unless (gst_structure_get_double (s, "score", &score));
    if (g_strcmp0 (label, "a") == 0) {
      seen_a = TRUE;
      fail_unless_equals_float (score, 0.75);
    } else if (g_strcmp0 (label, "b") == 0) {
      seen_b = TRUE;
      fail_unless_equals_float (score, 0.25);
    }
  }
  fail_unless_equals_int (n, 2);
  fail_unless (seen_a && seen_b);
}

GST_START_TEST (test_result_metas_are_copied)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 4, NULL);
  GstBuffer *copy, *writable;
  gpointer state = NULL;
  const GstStructure *orig, *dup;

  lucid_buffer_add_result (buffer, make_result ("a", 0.75));
  lucid_buffer_add_result (buffer, make_result ("b", 0.25));
  check_results (buffer);

  copy = gst_buffer_copy (buffer);
  check_results (copy);
  orig = lucid_buffer_iterate_results (buffer, &state);
  state = NULL;
  dup = lucid_buffer_iterate_results (copy, &state);
  fail_unless (orig != dup, "the copy shares the structure");

  gst_buffer_ref (copy);
  writable = gst_buffer_make_writable (copy);
  fail_unless (writable != copy);
  check_results (writable);

  /* make_writable took the extra ref. */
  gst_buffer_unref (writable);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_results_and_tensors_are_independent)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 4, NULL);
  gpointer state = NULL;

  /* A buffer with results only has no tensor meta, and vice versa. */
  lucid_buffer_add_result (buffer, make_result ("a", 0.5));
  fail_unless (lucid_buffer_iterate_tensor_metas (buffer, &state) == NULL);
  gst_buffer_unref (buffer);

  buffer = buffer_with_tensor_meta (4);
  state = NULL;
  fail_unless (lucid_buffer_iterate_results (buffer, &state) == NULL);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

/* Pushes one buffer with metas through @description (appsrc name=src …
 * appsink name=sink…) and returns what each appsink got. */
static void
run_pipeline (const gchar *description, const gchar **sink_names, GstBuffer *in,
              GstBuffer **out)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *src;
  GstFlowReturn flow;

  fail_unless (pipeline != NULL, "%s", error ? error->message : "?");
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
                          GST_STATE_CHANGE_ASYNC);

  g_signal_emit_by_name (src, "push-buffer", in, &flow);
  fail_unless_equals_int (flow, GST_FLOW_OK);
  g_signal_emit_by_name (src, "end-of-stream", &flow);

  for (guint i = 0; sink_names[i] != NULL; i++) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), sink_names[i]);
    GstSample *sample = NULL;

    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "%s got nothing", sink_names[i]);
    out[i] = gst_buffer_ref (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
    gst_object_unref (sink);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_tensor_meta_survives_tee_and_queue)
{
  const gchar *sinks[] = { "a", "b", NULL };
  GstBuffer *in = buffer_with_tensor_meta (16);
  GstBuffer *out[2] = { NULL, NULL };

  lucid_buffer_add_result (in, make_result ("a", 0.75));
  lucid_buffer_add_result (in, make_result ("b", 0.25));
  run_pipeline ("appsrc name=src caps=text/x-raw,format=utf8 format=time ! "
                "tee name=t  t. ! queue ! appsink name=a sync=false  "
                "t. ! queue ! appsink name=b sync=false",
                sinks, in, out);

  for (guint i = 0; i < 2; i++) {
    check_tensor_meta (out[i]);
    check_results (out[i]);
    gst_buffer_unref (out[i]);
  }
  gst_buffer_unref (in);
}

GST_END_TEST;

GST_START_TEST (test_tensor_meta_survives_videoconvert)
{
  const gchar *sinks[] = { "sink", NULL };
  GstElementFactory *factory = gst_element_factory_find ("videoconvert");
  GstBuffer *in, *out[1] = { NULL };

  if (factory == NULL) {
    GST_WARNING ("videoconvert not installed: skipping");
    return;
  }
  gst_object_unref (factory);

  /* RGB → I420 makes videoconvert allocate a new buffer and copy metas
   * through GstBaseTransform's transform_meta: ours has no tags, so it is
   * copied with our transform function. */
  in = buffer_with_tensor_meta (4 * 2 * 3);
  lucid_buffer_add_result (in, make_result ("a", 0.75));
  lucid_buffer_add_result (in, make_result ("b", 0.25));
  run_pipeline ("appsrc name=src format=time caps=video/x-raw,format=RGB,"
                "width=4,height=2,framerate=0/1 ! videoconvert ! "
                "video/x-raw,format=I420 ! appsink name=sink sync=false",
                sinks, in, out);
  fail_unless (out[0] != in);
  fail_unless (gst_buffer_get_size (out[0]) != gst_buffer_get_size (in),
               "videoconvert did not convert");
  check_tensor_meta (out[0]);
  check_results (out[0]);
  gst_buffer_unref (out[0]);
  gst_buffer_unref (in);
}

GST_END_TEST;

GST_START_TEST (test_groups_tag_is_registered)
{
  GstTagList *list, *other, *merged;
  gchar *value = NULL;

  lucid_meta_init ();
  fail_unless (gst_tag_exists (LUCID_TAG_GROUPS));
  fail_unless (gst_tag_get_type (LUCID_TAG_GROUPS) == G_TYPE_STRING);
  fail_unless_equals_int (gst_tag_get_flag (LUCID_TAG_GROUPS),
                          GST_TAG_FLAG_META);
  fail_if (gst_tag_is_fixed (LUCID_TAG_GROUPS));

  /* What taginject tags="lucid-groups=\"gender=f;age=30-39\"" builds. */
  list = gst_tag_list_new_from_string (
      "taglist, lucid-groups=(string)\"gender=f;age=30-39\"");
  fail_unless (list != NULL);
  fail_unless (gst_tag_list_get_string (list, LUCID_TAG_GROUPS, &value));
  fail_unless_equals_string (value, "gender=f;age=30-39");
  g_free (value);

  /* Merging keeps the tag (unregistered names would be dropped) and, for
   * several values, the first one. */
  other = gst_tag_list_new (LUCID_TAG_GROUPS, "gender=m", NULL);
  merged = gst_tag_list_merge (list, other, GST_TAG_MERGE_APPEND);
  fail_unless (gst_tag_list_get_string (merged, LUCID_TAG_GROUPS, &value));
  fail_unless_equals_string (value, "gender=f;age=30-39");
  g_free (value);
  fail_unless_equals_int (gst_tag_list_get_tag_size (merged, LUCID_TAG_GROUPS),
                          2);

  gst_tag_list_unref (merged);
  gst_tag_list_unref (other);
  gst_tag_list_unref (list);
}

GST_END_TEST;

static Suite *
lucid_meta_suite (void)
{
  Suite *s = suite_create ("lucidmeta");
  TCase *tc = tcase_create ("general");

  lucid_meta_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_data_type_enum_matches_upstream);
  tcase_add_test (tc, test_meta_init_is_idempotent);
  tcase_add_test (tc, test_tensor_meta_survives_buffer_copy);
  tcase_add_test (tc, test_tensor_meta_survives_make_writable);
  tcase_add_test (tc, test_tensor_meta_survives_region_copy);
  tcase_add_test (tc, test_two_stages_metas_coexist);
  tcase_add_test (tc, test_tensor_new_simple_checks_size);
  tcase_add_test (tc, test_result_metas_are_copied);
  tcase_add_test (tc, test_results_and_tensors_are_independent);
  tcase_add_test (tc, test_tensor_meta_survives_tee_and_queue);
  tcase_add_test (tc, test_tensor_meta_survives_videoconvert);
  tcase_add_test (tc, test_groups_tag_is_registered);
  return s;
}

GST_CHECK_MAIN (lucid_meta);
