/* test-labels.c — user-given label lists (the labels= property) are
 * validated: a non-empty value that gives no label and a label listed twice
 * are refused with a message naming the property and the label, both in
 * lucid_result_parse_labels_checked() and through the elements that take
 * labels=.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "lucid-check-util.h"
#include "lucid-error.h"
#include "lucidresult.h"

/* Valid lists: split at ',' and ';', stripped, empty ones dropped; NULL and
 * "" mean no label. */
GST_START_TEST (test_parse_valid)
{
  static const struct {
    const gchar *in;
    guint n;
    const gchar *first, *last;
  } cases[] = {
    { NULL, 0, NULL, NULL },
    { "", 0, NULL, NULL },
    { "cat", 1, "cat", "cat" },
    { " cat , dog;bird ", 3, "cat", "bird" },
    { "a,,b;", 2, "a", "b" },
    { "A,a", 2, "A", "a" }, /* case matters: CLIP prompts differ */
    { "a b,a", 2, "a b", "a" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GError *error = NULL;
    GPtrArray *out
        = lucid_result_parse_labels_checked (cases[i].in, "labels", &error);

    fail_unless (out != NULL, "case %u: %s", i, error ? error->message : "");
    fail_unless_equals_int (out->len, cases[i].n);
    if (cases[i].n > 0) {
      fail_unless_equals_string (out->pdata[0], cases[i].first);
      fail_unless_equals_string (out->pdata[out->len - 1], cases[i].last);
    }
    g_ptr_array_unref (out);
  }
}

GST_END_TEST;

/* Refused lists: the message names the property, its value and, for a
 * duplicate, the label. */
GST_START_TEST (test_parse_refused)
{
  static const struct {
    const gchar *in, *needle;
  } cases[] = {
    { ",,;", "prompts=\",,;\" names no label" },
    { "   ", "prompts=\"   \" names no label" },
    { " ; , ", "names no label" },
    { "a,a", "prompts=\"a,a\" lists the label \"a\" more than once" },
    { "cat, dog; cat ", "the label \"cat\" more than once" },
    { "x,y , y", "the label \"y\" more than once" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GError *error = NULL;
    GPtrArray *out
        = lucid_result_parse_labels_checked (cases[i].in, "prompts", &error);

    fail_unless (out == NULL, "case %u: \"%s\" accepted", i, cases[i].in);
    fail_unless (
        g_error_matches (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT));
    fail_unless (strstr (error->message, cases[i].needle) != NULL,
                 "case %u: \"%s\" lacks \"%s\"", i, error->message,
                 cases[i].needle);
    g_error_free (error);
  }
}

GST_END_TEST;

/* Each element that takes labels=, with a model it accepts labels for. */
static const struct {
  const gchar *factory, *model_property, *model;
} elements[] = {
  { "lucidvisionenc", "model", "tiny-clip" },
  { "lucidclassify", "text-model", "tiny-clip" },
  { "lucidclassify", "text-model", "tiny-bert" },
  { "lucidtextenc", "model", "tiny-bert" },
};

/* Starting each element with @labels fails, the bus error holding
 * @needle. */
static void
expect_refused (const gchar *labels, const gchar *needle)
{
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElement *e = gst_element_factory_make (elements[i].factory, NULL);
    gchar *model = lucid_check_fixture_path (elements[i].model);
    GError *error;

    fail_unless (e != NULL, "no %s", elements[i].factory);
    g_object_set (e, elements[i].model_property, model, "labels", labels, NULL);
    error = lucid_check_start_and_get_error (e);
    fail_unless (strstr (error->message, needle) != NULL,
                 "%s: \"%s\" lacks \"%s\"", elements[i].factory, error->message,
                 needle);
    g_error_free (error);
    g_free (model);
    gst_object_unref (e);
  }
}

GST_START_TEST (test_elements_refuse_duplicates)
{
  expect_refused ("cat, dog; cat ",
                  "labels=\"cat, dog; cat \" lists the label \"cat\" more "
                  "than once");
}

GST_END_TEST;

GST_START_TEST (test_elements_refuse_empty_list)
{
  expect_refused (",,;", "labels=\",,;\" names no label");
}

GST_END_TEST;

static Suite *
labels_suite (void)
{
  Suite *s = suite_create ("labels");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parse_valid);
  tcase_add_test (tc, test_parse_refused);
  tcase_add_test (tc, test_elements_refuse_empty_list);
  tcase_add_test (tc, test_elements_refuse_duplicates);
  return s;
}

GST_CHECK_MAIN (labels);
