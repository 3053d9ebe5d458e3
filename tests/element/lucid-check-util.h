/* lucid-check-util.h — what the element tests share: fixture paths,
 * harnesses built from a property list, caps acceptance, and the errors an
 * element posts on its bus.
 *
 * Functions, not macros, so a failing check names the helper's line; they
 * use check's fail_unless, so call them from inside a test only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <stdarg.h>

#include "lucidmeta.h"

/* $LUCID_FIXTURES_DIR/@name, newly allocated. */
static inline gchar *
lucid_check_fixture_path (const gchar *name)
{
  const gchar *dir = g_getenv ("LUCID_FIXTURES_DIR");

  fail_unless (dir != NULL, "LUCID_FIXTURES_DIR is not set");
  return g_build_filename (dir, name, NULL);
}

/* The hex SHA-256 of the file at @path: the model-id Lucid records. */
static inline gchar *
lucid_check_sha256_of_file (const gchar *path)
{
  gchar *contents;
  gsize len;
  gchar *sum;

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)contents,
                                     len);
  g_free (contents);
  return sum;
}

/* A playing harness around @element (reference taken over) after setting
 * the NULL-terminated property list @first_property, @args on it; its
 * source caps are @caps. */
static inline GstHarness *
lucid_check_harness_new_valist (GstElement *element, const gchar *caps,
                                const gchar *first_property, va_list args)
{
  GstHarness *h;

  if (first_property)
    g_object_set_valist (G_OBJECT (element), first_property, args);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Whether @element's sink pad accepts @caps_string. */
static inline gboolean
lucid_check_accepts (GstElement *element, const gchar *caps_string)
{
  GstPad *pad = gst_element_get_static_pad (element, "sink");
  GstCaps *caps = gst_caps_from_string (caps_string);
  gboolean ret = gst_pad_query_accept_caps (pad, caps);

  gst_caps_unref (caps);
  gst_object_unref (pad);
  return ret;
}

/* Sets @element to PAUSED, expects failure, returns the bus error. */
static inline GError *
lucid_check_start_and_get_error (GstElement *element)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;

  gst_element_set_bus (element, bus);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error on the bus");
  gst_message_parse_error (message, &error, NULL);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  return error;
}

/* Pushes @buffer into @h, expects GST_FLOW_ERROR, returns the bus error. */
static inline GError *
lucid_check_push_and_get_error (GstHarness *h, GstBuffer *buffer)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_ERROR);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error on the bus");
  gst_message_parse_error (message, &error, NULL);
  gst_message_unref (message);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  return error;
}

/* The first result on @buf whose element name starts with @element_prefix
 * (fails the test when there is none). */
static inline const GstStructure *
lucid_check_result_of (GstBuffer *buf, const gchar *element_prefix)
{
  gpointer state = NULL;
  const GstStructure *s;

  while ((s = lucid_buffer_iterate_results (buf, &state)))
    if (g_str_has_prefix (gst_structure_get_string (s, "element"),
                          element_prefix))
      return s;
  fail ("no result of %s", element_prefix);
  return NULL;
}

/* A copy of the float32 [*n] "lucid-vision-embedding" that the first
 * tensor meta on @buf carries as its only tensor. */
static inline float *
lucid_check_vision_embedding (GstBuffer *buf, guint *n)
{
  gpointer state = NULL;
  LucidTensorMeta *meta = lucid_buffer_iterate_tensor_metas (buf, &state);
  LucidTensor *t;
  GstMapInfo map;
  float *out;

  fail_unless (meta != NULL, "no tensor meta");
  fail_unless_equals_int (meta->num_tensors, 1);
  t = meta->tensors[0];
  fail_unless_equals_string (g_quark_to_string (t->id),
                             "lucid-vision-embedding");
  fail_unless_equals_int (t->data_type, LUCID_TENSOR_DATA_TYPE_FLOAT32);
  fail_unless_equals_int (t->num_dims, 1);
  *n = t->dims[0];
  fail_unless (gst_buffer_map (t->data, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, *n * sizeof (float));
  out = g_memdup2 (map.data, map.size);
  gst_buffer_unmap (t->data, &map);
  return out;
}
