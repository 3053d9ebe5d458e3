/* test-json.c — lucid-json closes json-glib's traps.
 *
 * Each test pins one behaviour of lucid_json_parse_data() or the getters;
 * the comment at the top of core/lucid-json.c lists what json-glib 1.6.6 does
 * on its own for the same inputs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "lucid-error.h"
#include "lucid-json.h"

#define LABEL "test.json"

/* Parses a NUL-terminated literal (without its NUL). */
static JsonNode *
parse (const char *text, GError **error)
{
  return lucid_json_parse_data (text, strlen (text), LABEL, error);
}

static JsonObject *
parse_object (const char *text, JsonNode **root)
{
  g_autoptr (GError) error = NULL;

  *root = parse (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*root));
  return json_node_get_object (*root);
}

/* Asserts that @text is refused with a FORMAT error whose message holds the
 * label and @word. */
static void
assert_refused (const char *text, gsize len, const char *word)
{
  g_autoptr (GError) error = NULL;
  JsonNode *root = lucid_json_parse_data (text, len, LABEL, &error);

  if (root != NULL)
    g_error ("accepted: %.*s", (int)MIN (len, 80), text);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  if (!g_str_has_prefix (error->message, LABEL ": ")
      || strstr (error->message, word) == NULL)
    g_error ("for %.*s: message \"%s\" lacks the label or \"%s\"",
             (int)MIN (len, 80), text, error->message, word);
}

static void
test_getters_read_values (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj = parse_object (
      "{\"n\": 12, \"neg\": -7, \"x\": 0.25, "
      "\"s\": \"h\\u00e9\\ud83d\\ude00\", \"b\": true, \"e\": 1E+2}",
      &root);
  gint64 n = 0;
  double x = 0;
  gboolean b = FALSE;

  g_assert_true (lucid_json_get_int (obj, "n", 0, 100, &n, LABEL, &error));
  g_assert_cmpint (n, ==, 12);
  g_assert_true (lucid_json_get_int (obj, "neg", -10, 0, &n, LABEL, &error));
  g_assert_cmpint (n, ==, -7);
  g_assert_true (lucid_json_get_double (obj, "x", &x, LABEL, &error));
  g_assert_cmpfloat (x, ==, 0.25);
  /* an integer is a number too */
  g_assert_true (lucid_json_get_double (obj, "n", &x, LABEL, &error));
  g_assert_cmpfloat (x, ==, 12.0);
  g_assert_true (lucid_json_get_double (obj, "e", &x, LABEL, &error));
  g_assert_cmpfloat (x, ==, 100.0);
  g_assert_cmpstr (lucid_json_get_string (obj, "s", LABEL, &error), ==,
                   "h\xc3\xa9\xf0\x9f\x98\x80");
  g_assert_true (lucid_json_get_bool (obj, "b", &b, LABEL, &error));
  g_assert_true (b);
  g_assert_no_error (error);

  g_assert_true (lucid_json_has (obj, "n"));
  g_assert_false (lucid_json_has (obj, "absent"));
  g_assert_false (lucid_json_has (NULL, "n"));
}

static void
test_getters_refuse_wrong_types (void)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object ("{\"n\": 5, \"f\": 1.0, \"s\": \"5\", "
                                  "\"z\": null, \"a\": [1], \"o\": {}}",
                                  &root);
  gint64 n = 42;
  double x;
  gboolean b;

  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_int (obj, "s", 0, 10, &n, LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, LABEL ": 's' must be an "
                                                    "integer, found a string"));
    g_assert_cmpint (n, ==, 42); /* untouched on failure */
  }
  {
    /* a float literal is not an integer, even when integral */
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_int (obj, "f", 0, 10, &n, LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (lucid_json_get_string (obj, "n", LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "found the integer 5"));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_double (obj, "z", &x, LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "found null"));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_bool (obj, "a", &b, LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "found an array"));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_int (obj, "o", 0, 1, &n, LABEL, &error));
    g_assert_nonnull (strstr (error->message, "found an object"));
  }
}

static void
test_getters_report_missing_key (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj = parse_object ("{\"a\": 1}", &root);
  gint64 n;

  g_assert_false (
      lucid_json_get_int (obj, "hidden_size", 0, 10, &n, LABEL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_cmpstr (error->message, ==, LABEL ": missing key 'hidden_size'");
}

static void
test_get_int_enforces_range (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj = parse_object ("{\"layers\": 0}", &root);
  gint64 n;

  g_assert_false (lucid_json_get_int (obj, "layers", 1, 64, &n, LABEL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==,
                   LABEL ": 'layers' is 0, outside [1, 64]");
}

/* json-glib alone keeps the last duplicate. */
static void
test_duplicate_key_is_refused (void)
{
  assert_refused ("{\"a\": 1, \"a\": 2}", 16, "duplicate key 'a'");
}

static void
test_duplicate_key_in_nested_object_is_refused (void)
{
  const char *text = "{\"model\": {\"vocab\": {\"[UNK]\": 0, \"hello\": 1,\n"
                     "\"[UNK]\": 2}}}";

  assert_refused (text, strlen (text), "duplicate key '[UNK]'");
  text = "[{\"x\": 1}, {\"y\": 1, \"y\": 1}]";
  assert_refused (text, strlen (text), "duplicate key 'y'");
}

static void
test_same_key_in_different_objects_is_accepted (void)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object ("{\"a\": {\"id\": 1}, \"b\": {\"id\": 2},"
                                  " \"c\": [{\"id\": 3}, {\"id\": 4}]}",
                                  &root);

  g_assert_cmpuint (json_object_get_size (obj), ==, 3);
}

/* tokenizer_config.json's int(1e30) placeholder: json-glib wraps it to -1. */
static void
test_huge_integer_reads_as_double_not_int (void)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object ("{\"model_max_length\": "
                                  "1000000000000000019884624838656}",
                                  &root);
  gint64 n = 0;
  double x = 0;

  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lucid_json_get_int (obj, "model_max_length", 0, G_MAXINT64,
                                        &n, LABEL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message,
                              "'model_max_length' must be "
                              "an integer, found the number 1e+30"));
  }
  g_assert_false (lucid_json_node_is_sane_int (
      json_object_get_member (obj, "model_max_length")));
  g_assert_true (
      lucid_json_get_double (obj, "model_max_length", &x, LABEL, NULL));
  g_assert_cmpfloat (x, ==, 1e30);
}

static void
test_int64_limits_are_exact (void)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object (
      "{\"max\": 9223372036854775807, "
      "\"min\": -9223372036854775808, \"over\": 9223372036854775808, "
      "\"under\": -9223372036854775809, \"big\": 99999999999999999999, "
      "\"zero\": -0}",
      &root);
  gint64 n;
  double x;

  g_assert_true (
      lucid_json_get_int (obj, "max", G_MININT64, G_MAXINT64, &n, LABEL, NULL));
  g_assert_cmpint (n, ==, G_MAXINT64);
  g_assert_true (
      lucid_json_get_int (obj, "min", G_MININT64, G_MAXINT64, &n, LABEL, NULL));
  g_assert_cmpint (n, ==, G_MININT64);
  g_assert_true (lucid_json_get_int (obj, "zero", 0, 0, &n, LABEL, NULL));
  g_assert_cmpint (n, ==, 0);

  g_assert_false (lucid_json_get_int (obj, "over", G_MININT64, G_MAXINT64, &n,
                                      LABEL, NULL));
  g_assert_true (lucid_json_get_double (obj, "over", &x, LABEL, NULL));
  g_assert_cmpfloat (x, ==, 9223372036854775808.0);
  g_assert_false (lucid_json_get_int (obj, "under", G_MININT64, G_MAXINT64, &n,
                                      LABEL, NULL));
  g_assert_true (lucid_json_get_double (obj, "under", &x, LABEL, NULL));
  g_assert_cmpfloat (x, ==, -9223372036854775809.0);
  g_assert_false (
      lucid_json_get_int (obj, "big", G_MININT64, G_MAXINT64, &n, LABEL, NULL));
  g_assert_true (lucid_json_get_double (obj, "big", &x, LABEL, NULL));
  g_assert_cmpfloat (x, ==, 1e20);
}

/* Rewriting a huge literal must not disturb what follows it. */
static void
test_huge_integers_in_arrays_keep_neighbours (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *a;

  root = parse ("[1, 18446744073709551616, \"x\", -18446744073709551617, 2]",
                &error);
  g_assert_no_error (error);
  a = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (a), ==, 5);
  g_assert_true (lucid_json_node_is_sane_int (json_array_get_element (a, 0)));
  g_assert_cmpfloat (json_array_get_double_element (a, 1), ==, 0x1p64);
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "x");
  g_assert_cmpfloat (json_array_get_double_element (a, 3), ==, -0x1p64);
  g_assert_cmpint (json_array_get_int_element (a, 4), ==, 2);
}

static void
test_overflowing_float_is_refused_by_get_double (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj = parse_object ("{\"eps\": 1e400}", &root);
  double x;

  g_assert_false (lucid_json_get_double (obj, "eps", &x, LABEL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "'eps' is too large"));
}

/* The data need not be NUL-terminated: nothing past @len is read (ASan
 * would see it, as the buffer is allocated to the exact size). */
static void
test_data_without_nul_terminator (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  char *buf = g_malloc (4);

  memcpy (buf, "1234", 4);
  root = lucid_json_parse_data (buf, 2, LABEL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (root), ==, 12);
  g_clear_pointer (&root, json_node_unref);

  memcpy (buf, "[7]", 3);
  root = lucid_json_parse_data (buf, 3, LABEL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_array_get_int_element (json_node_get_array (root), 0),
                   ==, 7);
  g_free (buf);
}

static void
test_embedded_nul_is_refused (void)
{
  assert_refused ("{\"a\": 1}\0{\"b\": 2}", 17, "NUL byte at offset 8");
  assert_refused ("{\"a\0\": 1}", 9, "NUL byte");
}

static void
test_invalid_utf8_is_refused (void)
{
  assert_refused ("{\"a\": \"\xff\xfe\"}", 11, "invalid UTF-8 at offset 7");
  /* an overlong encoding of '/' */
  assert_refused ("[\"\xc0\xaf\"]", 6, "invalid UTF-8");
}

static void
test_byte_order_mark_is_accepted (void)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj = parse_object ("\xef\xbb\xbf{\"a\": 1}", &root);

  g_assert_true (lucid_json_has (obj, "a"));
}

static void
test_empty_document_is_refused (void)
{
  assert_refused ("", 0, "empty document");
  assert_refused (" \n\t", 3, "empty document");
  assert_refused (NULL, 0, "empty document");
}

/* json-glib parses the first value and ignores the rest. */
static void
test_trailing_content_is_refused (void)
{
  const char *text = "{\"a\": 1} {\"b\": 2}";

  assert_refused (text, strlen (text), "after the end of the JSON document");
  assert_refused ("[1] 2", 5, "after the end");
  assert_refused ("1 2", 3, "after the end");
}

static void
test_trailing_whitespace_is_accepted (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;

  root = parse ("{\"a\": 1}  \r\n\t  ", &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);
}

/* GScanner reads these; strict JSON does not have them. */
static void
test_non_json_numbers_are_refused (void)
{
  assert_refused ("[00012]", 7, "leading zero");
  assert_refused ("[0x10]", 6, "hex");
  assert_refused ("[- 5]", 5, "'-' without digits");
  assert_refused ("[.5]", 4, "unexpected character '.'");
  assert_refused ("[5.]", 4, "no digit after '.'");
  assert_refused ("[1e]", 4, "no digit in the exponent");
  assert_refused ("[+5]", 4, "unexpected character '+'");
  assert_refused ("[1.5.2]", 7, "malformed number");
  assert_refused ("[NaN]", 5, "unexpected word 'NaN'");
  assert_refused ("[Infinity]", 10, "unexpected word");
}

static void
test_json_numbers_are_accepted (void)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *a;

  root = parse ("[0, -0.5, 0e1, 1E5, 1e+5, 25e-1, 0.1]", &error);
  g_assert_no_error (error);
  a = json_node_get_array (root);
  g_assert_cmpfloat (json_array_get_double_element (a, 1), ==, -0.5);
  g_assert_cmpfloat (json_array_get_double_element (a, 2), ==, 0.0);
  g_assert_cmpfloat (json_array_get_double_element (a, 3), ==, 1e5);
  g_assert_cmpfloat (json_array_get_double_element (a, 4), ==, 1e5);
  g_assert_cmpfloat (json_array_get_double_element (a, 5), ==, 2.5);
  g_assert_cmpfloat (json_array_get_double_element (a, 6), ==, 0.1);
}

static void
test_non_json_strings_are_refused (void)
{
  assert_refused ("['x']", 5, "double quotes");
  assert_refused ("[\"a\\qb\"]", 8, "invalid escape '\\q'");
  assert_refused ("[\"a\tb\"]", 7, "control character \\x09");
  assert_refused ("[\"a\nb\"]", 7, "control character \\x0a");
  assert_refused ("[\"\\u12\"]", 8, "four hex digits");
  /* json-glib makes invalid UTF-8 of a lone high surrogate */
  assert_refused ("[\"\\ud83d]\"]", 11, "unpaired UTF-16 surrogate \\ud83d");
  assert_refused ("[\"\\ud83d\\u0041\"]", 16, "unpaired UTF-16 surrogate");
  assert_refused ("[\"\\ude00\"]", 10, "unpaired UTF-16 surrogate \\ude00");
  assert_refused ("[\"a\\ud83d\"]", 11, "unpaired");
  assert_refused ("[\"abc]", 6, "unterminated string");
  assert_refused ("[\"abc\\", 6, "unterminated string");
}

static void
test_comments_and_barewords_are_refused (void)
{
  assert_refused ("{\"a\": 1 /* c */}", 16, "no comments");
  assert_refused ("{a: 1}", 6, "unexpected word 'a'");
  assert_refused ("[tru]", 5, "unexpected word 'tru'");
}

static void
test_error_names_line_and_column (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "{\n  \"a\": 1,\n  \"b\": 0x1\n}";

  g_assert_null (parse (text, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, LABEL
                                   ": line 3 column 9: malformed number"));
}

static void
test_grammar_errors_come_from_json_glib (void)
{
  assert_refused ("{\"a\": 1,}", 9, "invalid JSON");
  assert_refused ("{\"a\" 1}", 7, "invalid JSON");
  assert_refused ("[1, 2", 5, "unexpected end of data");
  assert_refused ("]", 1, "unbalanced ']'");
}

/* json-glib's recursive parser overflows the stack long before 100000. */
static void
test_deep_nesting_is_refused_without_crash (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (s, ']');
  assert_refused (s->str, s->len, "nested deeper than");
  g_string_free (s, TRUE);

  /* 500 levels are fine */
  {
    g_autoptr (GString) ok = g_string_new (NULL);
    g_autoptr (JsonNode) root = NULL;
    g_autoptr (GError) error = NULL;

    for (guint i = 0; i < 500; i++)
      g_string_append (ok, "{\"a\":");
    g_string_append (ok, "1");
    for (guint i = 0; i < 500; i++)
      g_string_append_c (ok, '}');
    root = lucid_json_parse_data (ok->str, ok->len, LABEL, &error);
    g_assert_no_error (error);
  }
}

static void
test_parse_file_reads_and_names_path (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-test-json-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "config.json", NULL);
  g_autofree char *dup = g_build_filename (dir, "dup.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "absent.json", NULL);
  g_autoptr (JsonNode) root = NULL;
  gint64 n;

  g_assert_nonnull (dir);
  g_assert_true (
      g_file_set_contents (good, "{\"hidden_size\": 768}", -1, NULL));
  g_assert_true (g_file_set_contents (dup, "{\"x\": 1,\n\"x\": 2}", -1, NULL));

  root = lucid_json_parse_file (good, &error);
  g_assert_no_error (error);
  g_assert_true (lucid_json_get_int (json_node_get_object (root), "hidden_size",
                                     1, 65536, &n, good, &error));
  g_assert_cmpint (n, ==, 768);

  g_assert_null (lucid_json_parse_file (dup, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, dup));
  g_assert_nonnull (strstr (error->message, "line 2: duplicate key 'x'"));
  g_clear_error (&error);

  g_assert_null (lucid_json_parse_file (missing, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_true (g_str_has_prefix (error->message, missing));

  g_unlink (good);
  g_unlink (dup);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/getters/read-values", test_getters_read_values);
  g_test_add_func ("/json/getters/refuse-wrong-types",
                   test_getters_refuse_wrong_types);
  g_test_add_func ("/json/getters/report-missing-key",
                   test_getters_report_missing_key);
  g_test_add_func ("/json/getters/int-range", test_get_int_enforces_range);
  g_test_add_func ("/json/duplicate/top-level", test_duplicate_key_is_refused);
  g_test_add_func ("/json/duplicate/nested",
                   test_duplicate_key_in_nested_object_is_refused);
  g_test_add_func ("/json/duplicate/different-objects-ok",
                   test_same_key_in_different_objects_is_accepted);
  g_test_add_func ("/json/integers/huge-reads-as-double",
                   test_huge_integer_reads_as_double_not_int);
  g_test_add_func ("/json/integers/int64-limits", test_int64_limits_are_exact);
  g_test_add_func ("/json/integers/rewrite-keeps-neighbours",
                   test_huge_integers_in_arrays_keep_neighbours);
  g_test_add_func ("/json/numbers/overflowing-float",
                   test_overflowing_float_is_refused_by_get_double);
  g_test_add_func ("/json/numbers/non-json-refused",
                   test_non_json_numbers_are_refused);
  g_test_add_func ("/json/numbers/json-accepted",
                   test_json_numbers_are_accepted);
  g_test_add_func ("/json/bytes/no-nul-terminator",
                   test_data_without_nul_terminator);
  g_test_add_func ("/json/bytes/embedded-nul", test_embedded_nul_is_refused);
  g_test_add_func ("/json/bytes/invalid-utf8", test_invalid_utf8_is_refused);
  g_test_add_func ("/json/bytes/bom", test_byte_order_mark_is_accepted);
  g_test_add_func ("/json/document/empty", test_empty_document_is_refused);
  g_test_add_func ("/json/document/trailing-content",
                   test_trailing_content_is_refused);
  g_test_add_func ("/json/document/trailing-whitespace",
                   test_trailing_whitespace_is_accepted);
  g_test_add_func ("/json/document/deep-nesting",
                   test_deep_nesting_is_refused_without_crash);
  g_test_add_func ("/json/strings/non-json-refused",
                   test_non_json_strings_are_refused);
  g_test_add_func ("/json/tokens/comments-and-barewords",
                   test_comments_and_barewords_are_refused);
  g_test_add_func ("/json/errors/line-and-column",
                   test_error_names_line_and_column);
  g_test_add_func ("/json/errors/grammar",
                   test_grammar_errors_come_from_json_glib);
  g_test_add_func ("/json/file/read-and-name-path",
                   test_parse_file_reads_and_names_path);

  return g_test_run ();
}
