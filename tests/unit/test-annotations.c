/* test-annotations.c — sidecar annotations files: both formats give the
 * same rows, lookups by item, time range and stream follow the documented
 * order, and every malformed line is reported with FILE:LINE and skipped or
 * fatal per the policy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "lucid-annotations.h"
#include "lucid-error.h"

#define SEC G_GUINT64_CONSTANT (1000000000)

static LucidAnnotations *
parse (const char *text, LucidAnnotationsFormat format,
    LucidAnnotationsPolicy policy, GError **error)
{
  return lucid_annotations_parse (text, strlen (text), "ann.csv", format,
      policy, error);
}

static void
test_time_parse (void)
{
  struct { const char *text; gboolean ok; guint64 ns; } cases[] = {
    {"0", TRUE, 0}, {"12.5", TRUE, 12 * SEC + SEC / 2},
    {"1:02.25", TRUE, 62 * SEC + SEC / 4}, {"1:00:00", TRUE, 3600 * SEC},
    {"0.000000001", TRUE, 1}, {"0.0000000001", FALSE, 0},
    {"-1", FALSE, 0}, {"1:60", FALSE, 0}, {"1:2:3:4", FALSE, 0},
    {"", FALSE, 0}, {"1.", FALSE, 0}, {".5", FALSE, 0}, {"1e3", FALSE, 0},
    {"99999999999999999999", FALSE, 0}, {"18446744073", TRUE, G_GUINT64_CONSTANT (18446744073000000000)},
    {"18446744074", FALSE, 0},
    {"nan", FALSE, 0}, {"1 ", FALSE, 0},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint64 ns = 42;
    gboolean ok = lucid_annotations_parse_time (cases[i].text, &ns);
    g_test_message ("time %s", cases[i].text);
    g_assert_true (ok == cases[i].ok);
    if (ok)
      g_assert_cmpuint (ns, ==, cases[i].ns);
  }
}

static const char csv_text[] =
    "\xEF\xBB\xBFstream,start,end,item,truth,weight,gender,age\r\n"
    "cam1,0,2.5,,pos,,f,30-39\r\n"
    "cam1,2.5,5,,neg,2,m,\r\n"
    ",,,doc-17,neg,0.5,\"m\",\"<30\"\n"
    "cam2,,,,,,f,50+\n"
    "\n"
    ",0,1:00,,pos,,x,\n";

static const char jsonl_text[] =
    "{\"stream\":\"cam1\",\"start\":0,\"end\":2.5,\"truth\":\"pos\",\"gender\":\"f\",\"age\":\"30-39\"}\n"
    "{\"stream\":\"cam1\",\"start\":\"2.5\",\"end\":5,\"truth\":\"neg\",\"weight\":2,\"groups\":\"gender=m\"}\n"
    "{\"item\":\"doc-17\",\"truth\":\"neg\",\"weight\":0.5,\"gender\":\"m\",\"age\":\"<30\"}\n"
    "{\"stream\":\"cam2\",\"gender\":\"f\",\"age\":\"50+\",\"truth\":null}\n"
    "   \n"
    "{\"start\":0,\"end\":\"1:00\",\"truth\":\"pos\",\"gender\":\"x\"}\n";

static void
check_rows (LucidAnnotations *ann, guint first_line)
{
  const LucidAnnotation *r;
  g_assert_cmpuint (lucid_annotations_n_rows (ann), ==, 5);
  g_assert_cmpuint (lucid_annotations_get_warnings (ann)->len, ==, 0);

  r = lucid_annotations_lookup_time (ann, "cam1", 1 * SEC);
  g_assert_nonnull (r);
  g_assert_cmpstr (r->group_key, ==, "age=30-39;gender=f");
  g_assert_cmpstr (r->truth, ==, "pos");
  g_assert_cmpfloat (r->weight, ==, 1.0);
  g_assert_cmpuint (r->line, ==, first_line);
  /* [start, end): 2.5 s belongs to the second range. */
  r = lucid_annotations_lookup_time (ann, "cam1", 2 * SEC + SEC / 2);
  g_assert_cmpstr (r->group_key, ==, "gender=m");
  g_assert_cmpfloat (r->weight, ==, 2.0);
  g_assert_cmpuint (r->start, ==, 2 * SEC + SEC / 2);
  g_assert_cmpuint (r->end, ==, 5 * SEC);
  /* After cam1's ranges: the range without a stream ([0, 60 s)). */
  r = lucid_annotations_lookup_time (ann, "cam1", 7 * SEC);
  g_assert_cmpstr (r->group_key, ==, "gender=x");
  g_assert_null (r->stream);
  /* cam2: its range-less row loses to the stream-less range... */
  r = lucid_annotations_lookup_time (ann, "cam2", 7 * SEC);
  g_assert_cmpstr (r->group_key, ==, "gender=x");
  /* ...and wins after it. */
  r = lucid_annotations_lookup_time (ann, "cam2", 61 * SEC);
  g_assert_cmpstr (r->group_key, ==, "age=50+;gender=f");
  g_assert_null (r->truth);
  g_assert_null (lucid_annotations_lookup_time (ann, "cam3", 61 * SEC));
  g_assert_null (lucid_annotations_lookup_time (ann, NULL, 60 * SEC));

  r = lucid_annotations_lookup_item (ann, "any-stream", "doc-17");
  g_assert_nonnull (r);
  g_assert_cmpstr (r->group_key, ==, "age=<30;gender=m");
  g_assert_cmpfloat (r->weight, ==, 0.5);
  g_assert_cmpstr (lucid_annotations_lookup_item (ann, NULL, "doc-17")->truth,
      ==, "neg");
  g_assert_null (lucid_annotations_lookup_item (ann, NULL, "doc-18"));
}

static void
test_csv_and_jsonl_agree (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidAnnotations) csv = parse (csv_text,
      LUCID_ANNOTATIONS_FORMAT_AUTO, LUCID_ANNOTATIONS_FATAL, &error);
  g_assert_no_error (error);
  check_rows (csv, 2);
  g_autoptr (LucidAnnotations) jsonl = parse (jsonl_text,
      LUCID_ANNOTATIONS_FORMAT_AUTO, LUCID_ANNOTATIONS_FATAL, &error);
  g_assert_no_error (error);
  check_rows (jsonl, 1);
}

/* Each bad line: its text, and a fragment the message must contain. */
static const struct {
  const char *line;
  const char *problem;
} bad_csv[] = {
  {"cam9,1,,,pos,,f,", "needs both 'start' and 'end'"},
  {"cam9,2,1,,pos,,f,", "is not after start"},
  {"cam9,x,1,,pos,,f,", "start 'x' is not a time"},
  {"cam9,0,1,,pos,-1,f,", "weight '-1'"},
  {"cam9,0,1,,pos,nan,f,", "weight 'nan'"},
  {"cam9,0,1,,pos,,f", "7 fields, the header has 8"},
  {"cam9,0,1,,p\"os,,f,", "a quote inside an unquoted field"},
  {"cam9,0,1,,\"pos\"x,,f,", "text after a closing quote"},
  {"cam1,1,2,,pos,,f,", "overlaps the one on line 2"},
  {",,,doc-17,pos,,f,", "item 'doc-17' is already annotated on line 4"},
  {"cam2,,,,pos,,m,", "whole stream is already annotated on line 5"},
  {"cam9,0,1,,pos,,f;x,", "group pair"},
};

static void
test_csv_bad_lines (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_csv); i++) {
    /* csv_text has 7 lines; the bad one is line 8. */
    g_autofree char *text = g_strconcat (csv_text, bad_csv[i].line,
        "\ncam9,10,11,,pos,,f,\n", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidAnnotations) skip = parse (text,
        LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_SKIP, &error);
    g_assert_no_error (error);
    const GPtrArray *w = lucid_annotations_get_warnings (skip);
    g_assert_cmpuint (w->len, ==, 1);
    g_test_message ("%s", (char *) w->pdata[0]);
    g_assert_true (g_str_has_prefix (w->pdata[0], "ann.csv:8: "));
    g_assert_nonnull (strstr (w->pdata[0], bad_csv[i].problem));
    /* The bad line is gone, the next one is kept. */
    g_assert_cmpuint (lucid_annotations_n_rows (skip), ==, 6);
    g_assert_nonnull (lucid_annotations_lookup_time (skip, "cam9", 10 * SEC));

    g_autoptr (LucidAnnotations) fatal = parse (text,
        LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_FATAL, &error);
    g_assert_null (fatal);
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_true (g_str_has_prefix (error->message, "ann.csv:8: "));
    g_assert_nonnull (strstr (error->message, bad_csv[i].problem));
  }
}

static void
test_csv_quoting_and_lines (void)
{
  /* A quoted field spanning two lines: the record's line is where it starts,
   * and the following record's line counts both. */
  const char *text = "item,truth,note\n"
      "a,pos,\"two\nlines, \"\"quoted\"\"\"\n"
      "b,neg,x\"\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidAnnotations) ann = parse (text,
      LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_SKIP, &error);
  g_assert_no_error (error);
  const LucidAnnotation *a = lucid_annotations_lookup_item (ann, NULL, "a");
  g_assert_cmpuint (a->line, ==, 2);
  g_assert_cmpstr (a->group_key, ==, "note=two\nlines, \"quoted\"");
  g_assert_cmpuint (lucid_annotations_get_warnings (ann)->len, ==, 1);
  g_assert_cmpstr (lucid_annotations_get_warnings (ann)->pdata[0], ==,
      "ann.csv:4: a quote inside an unquoted field");

  /* Unterminated quote: reported, the rest of the file is not read. */
  g_autoptr (LucidAnnotations) open = parse ("item,truth\na,\"pos\nb,neg\n",
      LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_SKIP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lucid_annotations_n_rows (open), ==, 0);
  g_assert_nonnull (strstr (lucid_annotations_get_warnings (open)->pdata[0],
          "ann.csv:2: unterminated quoted field"));
}

static void
test_csv_header_errors (void)
{
  const struct { const char *text; const char *msg; } cases[] = {
    {"", "ann.csv: empty file"},
    {"\n\n", "ann.csv: empty file"},
    {"item,,truth\n", "ann.csv:1: header: an empty column name (column 2"},
    {"item,truth,item\n", "ann.csv:1: header: a column given twice"},
    {"item,a=b\n", "ann.csv:1: header: '=' or ';' in a column name"},
    {"\"item,truth\n", "ann.csv:1: header: unterminated"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    /* A bad header is fatal whatever the policy. */
    g_autoptr (LucidAnnotations) ann = parse (cases[i].text,
        LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_SKIP, &error);
    g_assert_null (ann);
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    g_assert_true (g_str_has_prefix (error->message, cases[i].msg));
  }
}

static void
test_jsonl_bad_lines (void)
{
  const struct { const char *line; const char *problem; } cases[] = {
    {"{\"item\":\"z\",\"truth\":\"pos\"", "ann.csv:3: "},
    {"[1,2]", "ann.csv:3: expected a JSON object"},
    {"{\"item\":\"z\",\"gender\":[1]}", "member 'gender' must be"},
    {"{\"item\":\"z\",\"age\":30.5}", "member 'age' must be"},
    {"{\"item\":\"z\",\"item\":\"y\"}", "ann.csv:3: duplicate key 'item'"},
    {"{\"start\":-1,\"end\":2}", "start '-1' is not a time"},
    {"{\"item\":\"z\",\"weight\":\"heavy\"}", "weight 'heavy'"},
    {"{\"item\":\"z\",\"a=b\":\"c\"}", "member name 'a=b'"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *text = g_strconcat ("{\"item\":\"a\",\"truth\":\"pos\"}\n"
        "\n", cases[i].line, "\n{\"item\":\"b\",\"truth\":\"neg\"}", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidAnnotations) ann = parse (text,
        LUCID_ANNOTATIONS_FORMAT_JSONL, LUCID_ANNOTATIONS_SKIP, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lucid_annotations_n_rows (ann), ==, 2);
    const GPtrArray *w = lucid_annotations_get_warnings (ann);
    g_assert_cmpuint (w->len, ==, 1);
    g_test_message ("%s", (char *) w->pdata[0]);
    g_assert_true (g_str_has_prefix (w->pdata[0], "ann.csv:3: "));
    g_assert_nonnull (strstr (w->pdata[0], cases[i].problem));
    /* Not "ann.csv:3: line 1: …" (the parser sees one line). */
    g_assert_null (strstr (w->pdata[0], "line 1"));
    /* Not "ann.csv:3: ann.csv:3:". */
    g_assert_null (strstr ((char *) w->pdata[0] + 3, "ann.csv:3"));

    g_autoptr (LucidAnnotations) fatal = parse (text,
        LUCID_ANNOTATIONS_FORMAT_JSONL, LUCID_ANNOTATIONS_FATAL, &error);
    g_assert_null (fatal);
    g_assert_true (g_str_has_prefix (error->message, "ann.csv:3: "));
  }
}

/* A file whose rows have no `truth` column (a header "Truth") warns,
 * naming the file, its columns and the case mismatch. */
static void
test_no_truth_column (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidAnnotations) ann = parse ("start,end,Truth,gender\n"
      "0,1,yes,f\n", LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_FATAL,
      &error);
  g_assert_no_error (error);
  const GPtrArray *w = lucid_annotations_get_warnings (ann);
  g_assert_cmpuint (w->len, ==, 1);
  g_assert_cmpstr (w->pdata[0], ==, "ann.csv: no 'truth' column (columns: "
      "'start', 'end', 'Truth', 'gender'), so no event has ground truth and "
      "only the prediction-only figures are computed; column names are "
      "case-sensitive: 'Truth' is not 'truth'");
  g_autoptr (LucidAnnotations) jl = parse ("{\"item\":\"a\",\"g\":\"f\"}\n",
      LUCID_ANNOTATIONS_FORMAT_JSONL, LUCID_ANNOTATIONS_FATAL, &error);
  g_assert_no_error (error);
  w = lucid_annotations_get_warnings (jl);
  g_assert_cmpuint (w->len, ==, 1);
  g_assert_nonnull (strstr (w->pdata[0], "(columns: 'item', 'g')"));
  g_assert_null (strstr (w->pdata[0], "case-sensitive"));
  /* With the column (even empty in every row) there is nothing to say. */
  g_autoptr (LucidAnnotations) ok = parse ("start,end,truth,gender\n"
      "0,1,,f\n", LUCID_ANNOTATIONS_FORMAT_CSV, LUCID_ANNOTATIONS_FATAL,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lucid_annotations_get_warnings (ok)->len, ==, 0);
}

static void
test_load_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-ann-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "a.jsonl", NULL);
  /* The extension decides: this CSV-looking text is read as JSON Lines. */
  g_assert_true (g_file_set_contents (path, "item,truth\na,pos\n", -1, NULL));
  g_autoptr (LucidAnnotations) ann = lucid_annotations_load (path,
      LUCID_ANNOTATIONS_FORMAT_AUTO, LUCID_ANNOTATIONS_FATAL, &error);
  g_assert_null (ann);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, ".jsonl:1: "));
  g_clear_error (&error);
  g_unlink (path);
  g_autoptr (LucidAnnotations) none = lucid_annotations_load (path,
      LUCID_ANNOTATIONS_FORMAT_AUTO, LUCID_ANNOTATIONS_FATAL, &error);
  g_assert_null (none);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, path));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/annotations/time-parse", test_time_parse);
  g_test_add_func ("/annotations/csv-and-jsonl-agree",
      test_csv_and_jsonl_agree);
  g_test_add_func ("/annotations/csv-bad-lines", test_csv_bad_lines);
  g_test_add_func ("/annotations/csv-quoting-and-lines",
      test_csv_quoting_and_lines);
  g_test_add_func ("/annotations/csv-header-errors", test_csv_header_errors);
  g_test_add_func ("/annotations/jsonl-bad-lines", test_jsonl_bad_lines);
  g_test_add_func ("/annotations/load-file", test_load_file);
  g_test_add_func ("/annotations/no-truth-column", test_no_truth_column);
  return g_test_run ();
}
