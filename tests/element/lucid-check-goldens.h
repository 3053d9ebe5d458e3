/* lucid-check-goldens.h — golden files (a JSON case list + a safetensors
 * file of reference tensors, tests/fixtures/goldens/NAME.{json,safetensors})
 * and synthetic frames, shared by the vision element tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "lucid-check-util.h"
#include "lucid-safetensors.h"

typedef struct {
  JsonParser *parser;
  JsonObject *root;
  LucidSafetensors *st;
} Goldens;

/* Loads goldens/@name.json and goldens/@name.safetensors. */
static inline void
lucid_check_goldens_load (Goldens *g, const gchar *name)
{
  gchar *json = g_strdup_printf ("goldens/%s.json", name);
  gchar *tensors = g_strdup_printf ("goldens/%s.safetensors", name);
  gchar *path = lucid_check_fixture_path (json);
  gchar *st = lucid_check_fixture_path (tensors);
  GError *err = NULL;

  g->parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (g->parser, path, NULL), "%s", path);
  g->root = json_node_get_object (json_parser_get_root (g->parser));
  g->st = lucid_safetensors_open (st, &err);
  fail_unless (g->st != NULL, "%s", err ? err->message : "");
  g_free (json);
  g_free (tensors);
  g_free (path);
  g_free (st);
}

static inline void
lucid_check_goldens_clear (Goldens *g)
{
  lucid_safetensors_free (g->st);
  g_object_unref (g->parser);
}

/* The float32 golden tensor @name of @n values. */
static inline const float *
lucid_check_golden_f32 (Goldens *g, const gchar *name, gint64 n)
{
  gint64 shape[1] = { n };
  GError *err = NULL;
  const float *p = lucid_safetensors_get_f32 (g->st, name, 1, shape, &err);

  fail_unless (p != NULL, "%s: %s", name, err ? err->message : "");
  return p;
}

/* A solid @rgb 320×240 RGB frame, as videotestsrc pattern=red gives. */
static inline GstBuffer *
lucid_check_solid_frame (const guint8 rgb[3], GstClockTime pts)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 320, 240);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint y = 0; y < 240; y++)
    for (guint x = 0; x < 320; x++)
      memcpy (map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 3,
              rgb, 3);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  return buf;
}
