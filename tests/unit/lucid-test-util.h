/* lucid-test-util.h — what several unit tests share: the reference
 * tolerance of DESIGN.md, and the reading and checking of golden numbers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "lucid-safetensors.h"

/* DESIGN.md, fp32 on CPU: max-abs error ≤ τ·max(1, max|ref|). */
#define LUCID_TEST_TAU_FP32 1e-4

/* Asserts @got is within the fp32 tolerance of @ref (n values) and returns
 * the max-abs error; the failure names @what, the case and the worst index. */
static inline double
lucid_test_assert_close (const float *got, const float *ref, gint64 n,
    const char *what, guint case_i)
{
  double max_ref = 1.0, max_err = 0.0;
  gint64 worst = 0;
  for (gint64 i = 0; i < n; i++)
    max_ref = MAX (max_ref, fabs (ref[i]));
  for (gint64 i = 0; i < n; i++) {
    double e = fabs ((double) got[i] - ref[i]);
    if (!(e <= max_err)) {      /* also catches NaN */
      max_err = e;
      worst = i;
    }
  }
  if (!(max_err <= LUCID_TEST_TAU_FP32 * max_ref))
    g_error ("case %u %s: max-abs error %.3g at [%" G_GINT64_FORMAT
        "] (got %.7g, ref %.7g) exceeds %.3g", case_i, what, max_err, worst,
        got[worst], ref[worst], LUCID_TEST_TAU_FP32 * max_ref);
  return max_err;
}

/* A number in a golden JSON file: null = NaN, "inf"/"-inf" = ±inf. */
static inline double
lucid_test_golden_number (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return NAN;
  if (json_node_get_value_type (node) == G_TYPE_STRING) {
    const char *s = json_node_get_string (node);
    if (strcmp (s, "inf") == 0)
      return INFINITY;
    if (strcmp (s, "-inf") == 0)
      return -INFINITY;
    g_error ("unexpected golden string '%s'", s);
  }
  return json_node_get_double (node);
}

/* Parses $LUCID_FIXTURES_DIR/goldens/@name (asserting success); the caller
 * unrefs the parser, which owns the returned object. */
static inline JsonObject *
lucid_test_load_golden (const char *name, JsonParser **parser)
{
  const char *dir = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, "goldens", name, NULL);
  *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (*parser, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (*parser));
}

/* The golden file @name parsed once per test program: the first call loads
 * it into *@parser (see lucid_test_load_golden; the caller unrefs it at the
 * end), later calls return the same object. */
static inline JsonObject *
lucid_test_golden_once (const char *name, JsonParser **parser)
{
  if (*parser == NULL)
    return lucid_test_load_golden (name, parser);
  return json_node_get_object (json_parser_get_root (*parser));
}

/* Asserts that @got is the golden number @node (lucid_test_golden_number):
 * within @tol absolute, NaN exactly where the golden is NaN, the same
 * infinity where it is infinite. Returns the golden value. */
static inline double
lucid_test_assert_golden_number (const char *what, double got, JsonNode *node,
    double tol)
{
  double want = lucid_test_golden_number (node);

  if (isnan (want)) {
    if (!isnan (got))
      g_error ("%s: want NaN, got %.17g", what, got);
    return want;
  }
  if (isinf (want)) {
    if (got != want)
      g_error ("%s: want %g, got %.17g", what, want, got);
    return want;
  }
  if (!(fabs (got - want) <= tol))
    g_error ("%s: want %.17g, got %.17g (diff %.3g)", what, want, got,
        fabs (got - want));
  return want;
}

/* "@name=value" for row @row of a golden "attributes" object, where each
 * attribute holds "values" and the per-row "codes" into them. */
static inline char *
lucid_test_golden_attribute (JsonObject *attrs, const char *name, guint row)
{
  JsonObject *a = json_object_get_object_member (attrs, name);
  JsonArray *codes = json_object_get_array_member (a, "codes");
  JsonArray *values = json_object_get_array_member (a, "values");

  return g_strdup_printf ("%s=%s", name,
      json_array_get_string_element (values,
          (guint) json_array_get_int_element (codes, row)));
}

/* A temporary copy of the model directory @src (its plain files, not its
 * subdirectories) without the file @skip (may be NULL). Free the path;
 * remove the copy with lucid_test_remove_dir(). */
static inline char *
lucid_test_copy_dir (const char *src, const char *skip)
{
  g_autoptr (GError) err = NULL;
  char *tmp = g_dir_make_tmp ("lucid-model-XXXXXX", &err);
  g_autoptr (GDir) d = g_dir_open (src, 0, &err);
  const char *name;

  g_assert_no_error (err);
  while ((name = g_dir_read_name (d)) != NULL) {
    g_autofree char *from = g_build_filename (src, name, NULL);
    g_autofree char *to = g_build_filename (tmp, name, NULL);
    g_autofree char *data = NULL;
    gsize len;

    if ((skip && strcmp (name, skip) == 0)
        || !g_file_test (from, G_FILE_TEST_IS_REGULAR))
      continue;
    g_assert_true (g_file_get_contents (from, &data, &len, &err));
    g_assert_true (g_file_set_contents (to, data, len, &err));
  }
  return tmp;
}

/* Removes @path and, if it is a directory, everything under it (made
 * writable first, for tests that take permissions away); a symbolic link
 * is removed, never followed. */
static inline void
lucid_test_remove_dir (const char *path)
{
  g_autoptr (GDir) d = g_file_test (path, G_FILE_TEST_IS_SYMLINK)
                           ? NULL
                           : g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL) {
    g_unlink (path);
    return;
  }
  g_chmod (path, 0700);
  while ((name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (path, name, NULL);
    lucid_test_remove_dir (p);
  }
  g_rmdir (path);
}

/* The RGB frame of golden image case @c (index @i): the uint8 tensor
 * "case@i.rgb" of @st, or a solid colour ("solid": [r, g, b]); sets *@w
 * and *@h. Free with g_free(). */
static inline guint8 *
lucid_test_golden_frame (JsonObject *c, LucidSafetensors *st, guint i,
    guint *w, guint *h)
{
  guint8 *rgb;

  *w = json_object_get_int_member (c, "width");
  *h = json_object_get_int_member (c, "height");
  rgb = g_new (guint8, (gsize) *w * *h * 3);
  if (json_object_has_member (c, "solid")) {
    JsonArray *solid = json_object_get_array_member (c, "solid");
    for (gsize p = 0; p < (gsize) *w * *h; p++)
      for (guint k = 0; k < 3; k++)
        rgb[p * 3 + k] = json_array_get_int_element (solid, k);
  } else {
    g_autofree char *name = g_strdup_printf ("case%u.rgb", i);
    const LucidSafetensor *t = lucid_safetensors_lookup (st, name);
    g_assert_nonnull (t);
    g_assert_cmpint (t->dtype, ==, LUCID_DTYPE_U8);
    g_assert_cmpint (t->n_bytes, ==, (gsize) *w * *h * 3);
    memcpy (rgb, t->data, t->n_bytes);
  }
  return rgb;
}
