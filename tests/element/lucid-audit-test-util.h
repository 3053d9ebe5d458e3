/* lucid-audit-test-util.h — what the lucidaudit golden tests
 * (test-audit-aequitas.c, test-audit-references.c) share: loading a golden
 * and its temporary directory, writing the golden's rows as an annotations
 * file, pushing them through a lucidaudit in a GstHarness as result metas,
 * and reading the window structures it attaches.
 *
 * Functions, not macros, so a failing check names the helper's line; they
 * use check's fail_unless, so call them from inside a test (or a checked
 * fixture) only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "lucidauditmeta.h"
#include "lucidmeta.h"

/* Makes a temporary directory from @tmp_template into *@tmp_dir and parses
 * $LUCID_FIXTURES_DIR/goldens/@golden_name into *@parser; returns the
 * golden's root object. */
static inline JsonObject *
lucid_audit_golden_load (const gchar *tmp_template, const gchar *golden_name,
    gchar **tmp_dir, JsonParser **parser)
{
  GError *error = NULL;
  *tmp_dir = g_dir_make_tmp (tmp_template, NULL);
  fail_unless (*tmp_dir != NULL);
  gchar *path = g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), "goldens",
      golden_name, NULL);
  *parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (*parser, path, &error), "%s: %s",
      path, error ? error->message : "");
  JsonObject *golden = json_node_get_object (json_parser_get_root (*parser));
  g_free (path);
  return golden;
}

/* Empties and removes *@tmp_dir, drops *@parser. */
static inline void
lucid_audit_golden_unload (gchar **tmp_dir, JsonParser **parser)
{
  GDir *dir = g_dir_open (*tmp_dir, 0, NULL);
  const gchar *name;
  while ((name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename (*tmp_dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  g_dir_close (dir);
  g_rmdir (*tmp_dir);
  g_clear_pointer (tmp_dir, g_free);
  g_clear_object (parser);
}

/* ---- the golden's rows as annotations and results ----------------------- */

static inline const gchar *
lucid_audit_attribute_value (JsonObject *attrs, const gchar *name, guint row)
{
  JsonObject *a = json_object_get_object_member (attrs, name);
  gint64 code = json_array_get_int_element (json_object_get_array_member (a,
          "codes"), row);
  return json_array_get_string_element (json_object_get_array_member (a,
          "values"), code);
}

/* Writes @tmp_dir/rows.csv, item,truth,weight,<attributes>: row i is item
 * i (the buffer's index).  The weight is inputs.@weight_member of @golden,
 * integers if @integer_weights (Aequitas' repeat counts), else doubles. */
static inline gchar *
lucid_audit_write_annotations (JsonObject *golden, const gchar *tmp_dir,
    const gchar *weight_member, gboolean integer_weights, guint *n_rows)
{
  JsonObject *in = json_object_get_object_member (golden, "inputs");
  JsonObject *attrs = json_object_get_object_member (in, "attributes");
  JsonArray *yt = json_object_get_array_member (in, "y_true");
  JsonArray *w = json_object_get_array_member (in, weight_member);
  GList *names = json_object_get_members (attrs);
  GString *s = g_string_new ("item,truth,weight");
  for (GList * l = names; l; l = l->next)
    g_string_append_printf (s, ",%s", (gchar *) l->data);
  g_string_append_c (s, '\n');
  *n_rows = json_array_get_length (yt);
  for (guint i = 0; i < *n_rows; i++) {
    /* y_true null: no truth (an empty cell) */
    g_string_append_printf (s, "%u,%s,", i,
        json_array_get_null_element (yt, i) ? ""
        : json_array_get_int_element (yt, i) ? "pos" : "neg");
    if (integer_weights)
      g_string_append_printf (s, "%" G_GINT64_FORMAT,
          json_array_get_int_element (w, i));
    else
      g_string_append_printf (s, "%.17g", json_array_get_double_element (w,
              i));
    for (GList * l = names; l; l = l->next) {
      const gchar *v = lucid_audit_attribute_value (attrs, l->data, i);
      /* "<30", "50+": no comma or quote, safe unquoted in CSV. */
      fail_if (strpbrk (v, ",\"\n") != NULL);
      g_string_append_printf (s, ",%s", v);
    }
    g_string_append_c (s, '\n');
  }
  g_list_free (names);
  gchar *path = g_build_filename (tmp_dir, "rows.csv", NULL);
  fail_unless (g_file_set_contents (path, s->str, -1, NULL));
  g_string_free (s, TRUE);
  return path;
}

static inline GstBuffer *
lucid_audit_result_buffer (guint i, gboolean positive)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 1, NULL);
  GST_BUFFER_PTS (buf) = i * GST_MSECOND;
  lucid_buffer_add_result (buf, gst_structure_new ("lucid-result",
          "element", G_TYPE_STRING, "test", "kind", G_TYPE_STRING, "labels",
          "model-id", G_TYPE_STRING, "0", "model-dir", G_TYPE_STRING, "m",
          "label", G_TYPE_STRING, positive ? "pos" : "neg",
          "score", G_TYPE_DOUBLE, 1.0, NULL));
  return buf;
}

/* A harness around a lucidaudit named @name (NULL: any) reading the
 * annotations at @annotations, positive label "pos", convention
 * @convention (NULL: left alone), one cumulative window of @n rows, then
 * @props (gst_util_set_object_arg pairs, NULL-terminated). */
static inline GstHarness *
lucid_audit_harness_new (const gchar *name, const gchar *annotations,
    guint n, const gchar *convention, const gchar *const *props)
{
  GstElement *audit = gst_element_factory_make ("lucidaudit", name);
  fail_unless (audit != NULL);
  gchar *size = g_strdup_printf ("%u", n);
  g_object_set (audit, "annotations", annotations, NULL);
  gst_util_set_object_arg (G_OBJECT (audit), "positive-label", "pos");
  if (convention)
    gst_util_set_object_arg (G_OBJECT (audit), "convention", convention);
  gst_util_set_object_arg (G_OBJECT (audit), "window", "cumulative");
  gst_util_set_object_arg (G_OBJECT (audit), "window-size", size);
  for (guint i = 0; props[i]; i += 2)
    gst_util_set_object_arg (G_OBJECT (audit), props[i], props[i + 1]);
  g_free (size);

  GstHarness *h = gst_harness_new_with_element (audit, "sink", "src");
  gst_object_unref (audit);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  return h;
}

/* Pushes the @n rows of @golden (inputs.y_pred the labels) into @h and
 * returns the one output buffer that carries a window; fails unless
 * exactly one does. */
static inline GstBuffer *
lucid_audit_push_rows (GstHarness *h, JsonObject *golden, guint n)
{
  JsonArray *yp = json_object_get_array_member (json_object_get_object_member
      (golden, "inputs"), "y_pred");
  GstBuffer *closing = NULL;
  for (guint i = 0; i < n; i++) {
    fail_unless_equals_int (gst_harness_push (h, lucid_audit_result_buffer (i,
                json_array_get_int_element (yp, i) != 0)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    gpointer state = NULL;
    if (lucid_buffer_iterate_audit_windows (out, &state)) {
      fail_unless (closing == NULL, "more than one window");
      closing = out;
    } else {
      gst_buffer_unref (out);
    }
  }
  fail_unless (closing != NULL, "no window closed at the last row");
  return closing;
}

/* ---- reading a window --------------------------------------------------- */

static inline const GstStructure *
lucid_audit_window_of (GstBuffer *buf)
{
  gpointer state = NULL;
  return lucid_buffer_iterate_audit_windows (buf, &state);
}

/* The structure in array field @field of @w whose string fields match
 * (@k1 = @v1, @k2 = @v2, @k3 = @v3; a NULL value: the field is absent;
 * @k3 NULL: no third field). */
static inline const GstStructure *
lucid_audit_find (const GstStructure *w, const gchar *field, const gchar *k1,
    const gchar *v1, const gchar *k2, const gchar *v2, const gchar *k3,
    const gchar *v3)
{
  const GValue *array = gst_structure_get_value (w, field);
  fail_unless (array != NULL, "window has no %s", field);
  for (guint i = 0; i < gst_value_array_get_size (array); i++) {
    const GstStructure *s =
        gst_value_get_structure (gst_value_array_get_value (array, i));
    if (!g_strcmp0 (gst_structure_get_string (s, k1), v1)
        && !g_strcmp0 (gst_structure_get_string (s, k2), v2)
        && (!k3 || !g_strcmp0 (gst_structure_get_string (s, k3), v3)))
      return s;
  }
  return NULL;
}

/* The golden's partition @part's attributes joined with ";": the
 * window's grouping name. */
static inline gchar *
lucid_audit_grouping_of (JsonObject *part)
{
  JsonArray *attrs = json_object_get_array_member (part, "attributes");
  GString *s = g_string_new (NULL);
  for (guint a = 0; a < json_array_get_length (attrs); a++)
    g_string_append_printf (s, "%s%s", a ? ";" : "",
        json_array_get_string_element (attrs, a));
  return g_string_free (s, FALSE);
}

/* Expects @got to equal the golden's @want to 1e-9: NaN for null, and,
 * for the strings "inf" and "-inf", that infinity; @source names the
 * golden's maker in failures.  Counts the comparison in *@n_compared. */
static inline void
lucid_audit_expect_value (const gchar *what, double got, JsonNode *want,
    const gchar *source, guint *n_compared)
{
  if (JSON_NODE_HOLDS_NULL (want)) {
    fail_unless (isnan (got), "%s: got %.17g, %s has NaN", what, got, source);
  } else if (json_node_get_value_type (want) == G_TYPE_STRING) {
    double inf = !strcmp (json_node_get_string (want), "inf") ? INFINITY
        : -INFINITY;
    fail_unless (got == inf, "%s: got %.17g, %s %s", what, got, source,
        json_node_get_string (want));
  } else {
    double w = json_node_get_double (want);
    fail_unless (fabs (got - w) <= 1e-9, "%s: got %.17g, %s %.17g",
        what, got, source, w);
  }
  (*n_compared)++;
}
