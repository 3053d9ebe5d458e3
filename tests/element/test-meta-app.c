/* test-meta-app.c — an application reads what Lucid's elements attach
 * through libgstlucidmeta-1.0 alone: this program links the metadata
 * library, never the plugin module (tests/meson.build), loads lucidtextenc
 * from GST_PLUGIN_PATH as gst-launch-1.0 would, and reads the tensor and
 * result metas at an appsink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <math.h>
#include <string.h>

#include "lucid-check-util.h"
#include "lucidmeta.h"

/* Number of cues in an .srt file: its "-->" lines. */
static guint
count_cues (const gchar *path)
{
  gchar *contents;
  guint n = 0;

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL), "%s", path);
  for (const gchar *p = contents; (p = strstr (p, "-->")) != NULL; p += 3)
    n++;
  g_free (contents);
  return n;
}

GST_START_TEST (test_app_reads_metas_without_the_plugin_module)
{
  const gchar *src = g_getenv ("LUCID_SOURCE_ROOT");
  gchar *srt, *model, *desc, *weights, *sha;
  GstElement *pipeline, *sink;
  GError *error = NULL;
  guint n_cues, n_buffers = 0;

  fail_unless (src != NULL, "LUCID_SOURCE_ROOT is not set");
  srt = g_build_filename (src, "tests", "data", "talk.srt", NULL);
  model = lucid_check_fixture_path ("tiny-bert-st");
  weights = g_build_filename (model, "model.safetensors", NULL);
  sha = lucid_check_sha256_of_file (weights);
  n_cues = count_cues (srt);
  fail_unless (n_cues > 0);

  desc = g_strdup_printf ("filesrc location=\"%s\" ! subparse ! "
                          "lucidtextenc model=\"%s\" ! "
                          "appsink name=sink sync=false", srt, model);
  pipeline = gst_parse_launch (desc, &error);
  fail_unless (pipeline != NULL && error == NULL, "%s: %s", desc,
               error ? error->message : "?");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
                          GST_STATE_CHANGE_ASYNC);

  for (;;) {
    GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstBuffer *buffer;
    LucidTensorMeta *tmeta;
    const GstStructure *result;
    gpointer state = NULL;
    GstMapInfo map;
    double norm = 0;

    if (sample == NULL)
      break;
    buffer = gst_sample_get_buffer (sample);

    /* The tensor meta, typed, through the library's API. */
    tmeta = lucid_buffer_iterate_tensor_metas (buffer, &state);
    fail_unless (tmeta != NULL, "buffer %u has no LucidTensorMeta", n_buffers);
    fail_unless_equals_string (tmeta->model_id, sha);
    fail_unless_equals_int (tmeta->num_tensors, 1);
    fail_unless_equals_int (tmeta->tensors[0]->data_type,
                            LUCID_TENSOR_DATA_TYPE_FLOAT32);
    fail_unless_equals_int (tmeta->tensors[0]->num_dims, 1);
    fail_unless_equals_int (tmeta->tensors[0]->dims[0], 32);
    fail_unless (lucid_buffer_iterate_tensor_metas (buffer, &state) == NULL);
    fail_unless (gst_buffer_map (tmeta->tensors[0]->data, &map, GST_MAP_READ));
    fail_unless_equals_int (map.size, 32 * sizeof (float));
    for (guint i = 0; i < 32; i++)
      norm += (double)((const float *)map.data)[i]
              * ((const float *)map.data)[i];
    gst_buffer_unmap (tmeta->tensors[0]->data, &map);
    /* tiny-bert-st's modules.json has a Normalize module. */
    fail_unless (fabs (sqrt (norm) - 1.0) < 1e-5, "|e| = %g", sqrt (norm));

    /* The result structure, by its registered name. */
    state = NULL;
    result = lucid_buffer_iterate_results (buffer, &state);
    fail_unless (result != NULL, "buffer %u has no result meta", n_buffers);
    fail_unless (gst_structure_has_name (result, LUCID_RESULT_STRUCTURE_NAME));
    fail_unless_equals_string (gst_structure_get_string (result, "kind"),
                               "embedding");
    fail_unless_equals_string (gst_structure_get_string (result, "model-id"),
                               sha);
    fail_unless (gst_structure_get_string (result, "text") != NULL);
    n_buffers++;
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)),
               "the pipeline stopped before EOS");
  fail_unless_equals_int (n_buffers, n_cues);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (sha);
  g_free (weights);
  g_free (model);
  g_free (srt);
}

GST_END_TEST;

static Suite *
lucid_meta_app_suite (void)
{
  Suite *s = suite_create ("lucid-meta-app");
  TCase *tc = tcase_create ("app");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_app_reads_metas_without_the_plugin_module);
  return s;
}

GST_CHECK_MAIN (lucid_meta_app);
