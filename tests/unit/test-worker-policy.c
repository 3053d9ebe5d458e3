/* test-worker-policy.c — lucid-worker's allowlist for API-submitted
 * pipelines (daemon/lucid-worker-policy.c) on real GStreamer elements:
 * download buffering (download=true, playbin's 'download' flag) and its
 * ring buffer are refused, on an element checked alone as
 * deep-element-added hands it (created later inside a bin) as well as in a
 * parsed tree; temp-template is held to the allowed paths; the same
 * elements without them pass. Allowlist entries are glob patterns of
 * factory names ("lucid*").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-worker-policy.h"

static void
policy_setup (LucidWorkerPolicy *policy)
{
  lucid_worker_policy_init (policy);
  for (const char *const *e
       = (const char *const[]){ "uridecodebin", "urisourcebin", "uridecodebin3",
                                "playbin", "queue2", "fakesink", NULL };
       *e != NULL; e++)
    g_ptr_array_add (policy->elements, g_strdup (*e));
  g_ptr_array_add (policy->paths, g_strdup ("/srv/lucid"));
}

/* Checks @element alone, as on_deep_element_added() does; the error must
 * name the element and @reason. */
static void
expect_refused (LucidWorkerPolicy *policy, GstElement *element,
                const char *reason)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (lucid_worker_policy_check_element (policy, element, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, GST_ELEMENT_NAME (element)));
  if (strstr (error->message, reason) == NULL)
    g_error ("'%s' does not say '%s'", error->message, reason);
}

static void
test_download_refused (void)
{
  LucidWorkerPolicy policy;
  const char *const uri_bins[]
      = { "uridecodebin", "urisourcebin", "uridecodebin3" };

  policy_setup (&policy);
  for (guint i = 0; i < G_N_ELEMENTS (uri_bins); i++) {
    g_autoptr (GstElement) e = gst_element_factory_make (uri_bins[i], NULL);
    g_autoptr (GError) error = NULL;
    if (e == NULL) {
      g_test_message ("%s: not installed", uri_bins[i]);
      continue;
    }
    gst_object_ref_sink (e);
    g_object_set (e, "uri", "file:///srv/lucid/in.mp4", NULL);
    /* without download buffering: allowed */
    g_assert_true (lucid_worker_policy_check_element (&policy, e, &error));
    g_assert_no_error (error);
    g_object_set (e, "download", TRUE, NULL);
    expect_refused (&policy, e, "download buffering");
    g_object_set (e, "download", FALSE, "ring-buffer-max-size",
                  (guint64)1000000, NULL);
    expect_refused (&policy, e, "ring-buffer-max-size=1000000");
  }
  lucid_worker_policy_clear (&policy);
}

static void
test_playbin_download_flag_refused (void)
{
  LucidWorkerPolicy policy;
  g_autoptr (GstElement) p = gst_element_factory_make ("playbin", NULL);
  g_autoptr (GError) error = NULL;
  GParamSpec *spec;
  g_autoptr (GFlagsClass) fc = NULL;
  GValue v = G_VALUE_INIT;

  if (p == NULL) {
    g_test_skip ("playbin is not installed");
    return;
  }
  policy_setup (&policy);
  gst_object_ref_sink (p);
  g_object_set (p, "uri", "file:///srv/lucid/in.mp4", NULL);
  g_assert_true (lucid_worker_policy_check_element (&policy, p, &error));
  spec = g_object_class_find_property (G_OBJECT_GET_CLASS (p), "flags");
  fc = g_type_class_ref (spec->value_type);
  g_value_init (&v, spec->value_type);
  g_object_get_property (G_OBJECT (p), "flags", &v);
  g_value_set_flags (&v,
                     g_value_get_flags (&v)
                         | g_flags_get_value_by_nick (fc, "download")->value);
  g_object_set_property (G_OBJECT (p), "flags", &v);
  g_value_unset (&v);
  expect_refused (&policy, p, "download buffering");
  lucid_worker_policy_clear (&policy);
}

/* playbin is a GstPipeline subclass: it must not pass as the pipeline the
 * description is wrapped in (which alone is exempt). */
static void
test_playbin_is_an_element (void)
{
  LucidWorkerPolicy policy;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p
      = gst_parse_launch_full ("playbin uri=file:///etc/passwd", NULL,
                               GST_PARSE_FLAG_FATAL_ERRORS, &error);

  if (p == NULL) {
    g_test_skip ("playbin is not installed");
    return;
  }
  gst_object_ref_sink (p);
  lucid_worker_policy_init (&policy);
  g_ptr_array_add (policy.elements, g_strdup ("fakesink"));
  g_ptr_array_add (policy.paths, g_strdup ("/srv/lucid"));
  g_assert_false (lucid_worker_policy_check_tree (&policy, p, &error));
  g_assert_nonnull (
      strstr (error->message, "(playbin) is not in the allowlist"));
  g_clear_error (&error);
  g_ptr_array_add (policy.elements, g_strdup ("playbin"));
  g_assert_false (lucid_worker_policy_check_element (&policy, p, &error));
  g_assert_nonnull (
      strstr (error->message, "uri=file:///etc/passwd is outside"));
  lucid_worker_policy_clear (&policy);
}

/* The parsed tree, as lucid-worker --check sees a submitted description. */
static void
test_tree (void)
{
  LucidWorkerPolicy policy;
  static const struct {
    const char *description, *reason; /* NULL: accepted */
  } cases[] = {
    { "uridecodebin uri=file:///srv/lucid/a.srt ! fakesink", NULL },
    { "uridecodebin name=u uri=file:///srv/lucid/a.srt download=true ! "
      "fakesink",
      "element 'u': download buffering" },
    { "uridecodebin uri=file:///srv/lucid/a.srt ring-buffer-max-size=4096 ! "
      "fakesink",
      "ring-buffer-max-size=4096" },
    { "fakesrc ! queue2 ring-buffer-max-size=4096 ! fakesink", NULL },
    { "fakesrc ! queue2 temp-template=/srv/lucid/q-XXXXXX ! fakesink", NULL },
    { "fakesrc ! queue2 temp-template=/tmp/q-XXXXXX ! fakesink",
      "temp-template=/tmp/q-XXXXXX is outside" },
  };

  policy_setup (&policy);
  g_ptr_array_add (policy.elements, g_strdup ("fakesrc"));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstElement) pipeline = gst_parse_launch_full (
        cases[i].description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
    gboolean ok;
    g_assert_no_error (error);
    gst_object_ref_sink (pipeline);
    ok = lucid_worker_policy_check_tree (&policy, pipeline, &error);
    if (cases[i].reason == NULL) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_false (ok);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].reason) == NULL)
        g_error ("case %u: '%s' does not say '%s'", i, error->message,
                 cases[i].reason);
    }
  }
  lucid_worker_policy_clear (&policy);
}

/* [api] allowed_elements entries are glob patterns of factory names:
 * "lucid*" (in the default list) admits every Lucid element and nothing
 * else; an element's own name, which the client picks, is never what is
 * matched. */
static void
test_element_patterns (void)
{
  LucidWorkerPolicy policy;
  const char *const lucid[] = { "lucidtextenc", "lucidsink" };
  g_autoptr (GstElement) filesink
      = gst_element_factory_make ("filesink", "lucidtextenc0");
  g_autoptr (GstElement) fakesink = gst_element_factory_make ("fakesink", NULL);

  lucid_worker_policy_init (&policy);
  g_ptr_array_add (policy.elements, g_strdup ("lucid*"));
  g_ptr_array_add (policy.elements, g_strdup ("fake?ink"));
  for (guint i = 0; i < G_N_ELEMENTS (lucid); i++) {
    g_autoptr (GstElement) e = gst_element_factory_make (lucid[i], NULL);
    g_autoptr (GError) error = NULL;
    if (e == NULL)
      g_error ("%s: not found (GST_PLUGIN_PATH should name the build's "
               "plugin)",
               lucid[i]);
    gst_object_ref_sink (e);
    g_assert_true (lucid_worker_policy_check_element (&policy, e, &error));
    g_assert_no_error (error);
  }
  g_assert_nonnull (filesink);
  gst_object_ref_sink (filesink);
  /* named like a Lucid element, made by filesink: refused */
  expect_refused (&policy, filesink, "(filesink) is not in the allowlist");
  gst_object_ref_sink (fakesink);
  g_assert_true (lucid_worker_policy_check_element (&policy, fakesink, NULL));
  lucid_worker_policy_clear (&policy);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/worker-policy/download", test_download_refused);
  g_test_add_func ("/worker-policy/playbin-download-flag",
                   test_playbin_download_flag_refused);
  g_test_add_func ("/worker-policy/playbin-is-an-element",
                   test_playbin_is_an_element);
  g_test_add_func ("/worker-policy/tree", test_tree);
  g_test_add_func ("/worker-policy/element-patterns", test_element_patterns);
  return g_test_run ();
}
