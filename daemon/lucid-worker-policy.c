/* lucid-worker-policy.c — the allowlist for API-submitted pipelines.
 *
 * A client of the control socket must not be able to write or read files
 * outside the places the administrator allowed, or reach other processes
 * (filesink, shmsink, tcpserversink, ...). So every element's factory must
 * be on the list, and every string property that names a path or URI must
 * point inside an allowed prefix (after resolving symlinks and "..") or use
 * an allowed URI scheme; and no element may buffer a download in a
 * temporary file of its own choosing (see downloads_allowed()). The worker
 * checks the tree after parsing and each element added later
 * (deep-element-added: decodebin's children).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-worker-policy.h"

#include <stdlib.h>
#include <string.h>

#include "lucid-error.h"

void
lucid_worker_policy_init (LucidWorkerPolicy *policy)
{
  policy->elements = g_ptr_array_new_with_free_func (g_free);
  policy->paths = g_ptr_array_new_with_free_func (g_free);
  policy->schemes = g_ptr_array_new_with_free_func (g_free);
}

void
lucid_worker_policy_clear (LucidWorkerPolicy *policy)
{
  g_clear_pointer (&policy->elements, g_ptr_array_unref);
  g_clear_pointer (&policy->paths, g_ptr_array_unref);
  g_clear_pointer (&policy->schemes, g_ptr_array_unref);
}

static gboolean
in_array (GPtrArray *array, const char *s)
{
  for (guint i = 0; i < array->len; i++)
    if (g_strcmp0 (g_ptr_array_index (array, i), s) == 0)
      return TRUE;
  return FALSE;
}

/* [api] allowed_elements holds element factory names or glob patterns of
 * them ('*' any run of characters, '?' one; g_pattern_match_simple()):
 * "lucid*" admits every Lucid element. Only the factory name is matched,
 * never the element's own name (which the client chooses). */
static gboolean
element_allowed (GPtrArray *patterns, const char *factory)
{
  for (guint i = 0; i < patterns->len; i++)
    if (g_pattern_match_simple (g_ptr_array_index (patterns, i), factory))
      return TRUE;
  return FALSE;
}

static gboolean
is_path_property (const char *name)
{
  /* annotations: lucidaudit's annotations file; head: lucidclassify's;
   * temp-template: queue2's temporary file (temp-location is caught by
   * the suffix); audit-signing-key: lucidsink's key file. Checked with
   * gst-inspect-1.0 over every factory of the default allowlist. */
  static const char *const exact[] = {
    "location",    "uri",          "model",         "file",
    "filename",    "path",         "dir",           "directory",
    "socket-path", "labels-file",  "annotations",   "head",
    "temp-template", "audit-signing-key", NULL,
  };
  /* "device" is a path for v4l2src and alsasrc, a word (cpu, cuda:0) for
   * Lucid's encoders: it is checked when its value holds a '/'. */
  return g_strv_contains (exact, name) || strcmp (name, "device") == 0
         || g_str_has_suffix (name, "-location")
         || g_str_has_suffix (name, "-file") || g_str_has_suffix (name, "-path")
         || g_str_has_suffix (name, "-dir") || g_str_has_suffix (name, "-uri")
         || g_str_has_suffix (name, "-model"); /* lucidclassify text-model */
}

/* The canonical absolute form of @path with symlinks resolved as far as the
 * path exists (a file about to be created resolves through its folder). */
static char *
resolve_path (const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  char *real = realpath (abs, NULL);

  if (real != NULL) {
    char *out = g_strdup (real);
    free (real);
    return out;
  }
  dir = g_path_get_dirname (abs);
  base = g_path_get_basename (abs);
  real = realpath (dir, NULL);
  if (real == NULL)
    return g_steal_pointer (&abs);
  {
    char *out = g_build_filename (real, base, NULL);
    free (real);
    return out;
  }
}

static gboolean
path_allowed (const LucidWorkerPolicy *policy, const char *path)
{
  g_autofree char *resolved = resolve_path (path);

  for (guint i = 0; i < policy->paths->len; i++) {
    const char *prefix = g_ptr_array_index (policy->paths, i);
    gsize n = strlen (prefix);
    if (strcmp (resolved, prefix) == 0
        || (strncmp (resolved, prefix, n) == 0
            && (resolved[n] == '/' || (n > 0 && prefix[n - 1] == '/'))))
      return TRUE;
  }
  return FALSE;
}

gboolean
lucid_worker_policy_check_value (const LucidWorkerPolicy *policy,
                                 GstElement *element, const char *prop,
                                 const char *value, GError **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (value);

  if (scheme != NULL && strcmp (scheme, "file") != 0) {
    if (in_array (policy->schemes, scheme))
      return TRUE;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "element '%s': %s=%s: URI scheme '%s' is not allowed for "
                 "submitted pipelines",
                 GST_ELEMENT_NAME (element), prop, value, scheme);
    return FALSE;
  }
  if (scheme != NULL) {
    g_autofree char *path = g_filename_from_uri (value, NULL, NULL);
    if (path != NULL && path_allowed (policy, path))
      return TRUE;
  } else if (path_allowed (policy, value))
    return TRUE;
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
               "element '%s': %s=%s is outside the paths allowed for "
               "submitted pipelines ([api] allowed_paths)",
               GST_ELEMENT_NAME (element), prop, value);
  return FALSE;
}

/* Download buffering writes the stream to a temporary file in the system's
 * temporary folder (uridecodebin, uridecodebin3, urisourcebin: download;
 * playbin, playbin3: the 'download' flag), outside the allowed paths and
 * out of the allowlist's sight (the bin names the file itself), and
 * ring-buffer-max-size sizes that file's ring buffer. Both are refused.
 * queue2's and downloadbuffer's own temporary file is named by
 * temp-template, a path property held to the allowed paths (their ring
 * buffer lives in memory without one). */
static gboolean
downloads_allowed (GstElement *element, GError **error)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);
  GParamSpec *download = g_object_class_find_property (klass, "download");
  GParamSpec *flags = g_object_class_find_property (klass, "flags");
  GParamSpec *ring = g_object_class_find_property (klass, "ring-buffer-max-size");
  gboolean downloads = FALSE, can_download = FALSE;
  guint64 ring_size = 0;

  if (download != NULL && download->value_type == G_TYPE_BOOLEAN
      && (download->flags & G_PARAM_READABLE)) {
    can_download = TRUE;
    g_object_get (element, "download", &downloads, NULL);
  }
  if (flags != NULL && G_TYPE_IS_FLAGS (flags->value_type)
      && (flags->flags & G_PARAM_READABLE)) {
    g_autoptr (GFlagsClass) fc = g_type_class_ref (flags->value_type);
    GFlagsValue *bit = g_flags_get_value_by_nick (fc, "download");
    if (bit != NULL) {
      GValue v = G_VALUE_INIT;
      can_download = TRUE;
      g_value_init (&v, flags->value_type);
      g_object_get_property (G_OBJECT (element), "flags", &v);
      downloads = downloads || (g_value_get_flags (&v) & bit->value) != 0;
      g_value_unset (&v);
    }
  }
  if (downloads) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "element '%s': download buffering (download=true, or the "
                 "'download' flag) writes the stream to a temporary file "
                 "outside the allowed paths; not allowed for submitted "
                 "pipelines",
                 GST_ELEMENT_NAME (element));
    return FALSE;
  }
  if (can_download && ring != NULL && ring->value_type == G_TYPE_UINT64
      && (ring->flags & G_PARAM_READABLE)) {
    g_object_get (element, "ring-buffer-max-size", &ring_size, NULL);
    if (ring_size != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                   "element '%s': ring-buffer-max-size=%" G_GUINT64_FORMAT
                   " sizes a download buffer in a temporary file outside "
                   "the allowed paths; not allowed for submitted pipelines",
                   GST_ELEMENT_NAME (element), ring_size);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
lucid_worker_policy_check_element (const LucidWorkerPolicy *policy,
                                   GstElement *element, GError **error)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *fname = factory ? GST_OBJECT_NAME (factory) : NULL;
  g_autofree GParamSpec **specs = NULL;
  guint n_specs = 0;

  /* The plain pipeline the parser (or the worker) wraps the description
   * in is no element the user chose. Only that one: playbin and playbin3
   * are pipelines too, and are checked like any element. */
  if (GST_IS_PIPELINE (element)
      && (fname == NULL || strcmp (fname, "pipeline") == 0))
    return TRUE;
  if (fname == NULL || !element_allowed (policy->elements, fname)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "element '%s' (%s) is not in the allowlist for submitted "
                 "pipelines ([api] allowed_elements)",
                 GST_ELEMENT_NAME (element), fname ? fname : "no factory");
    return FALSE;
  }
  specs
      = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n_specs);
  for (guint i = 0; i < n_specs; i++) {
    g_autofree char *value = NULL;
    if (specs[i]->value_type != G_TYPE_STRING
        || !(specs[i]->flags & G_PARAM_READABLE)
        || !is_path_property (specs[i]->name))
      continue;
    g_object_get (element, specs[i]->name, &value, NULL);
    if (value != NULL && value[0] != '\0'
        && (strcmp (specs[i]->name, "device") != 0 || strchr (value, '/'))
        && !lucid_worker_policy_check_value (policy, element, specs[i]->name,
                                             value, error))
      return FALSE;
  }
  return downloads_allowed (element, error);
}

gboolean
lucid_worker_policy_check_tree (const LucidWorkerPolicy *policy,
                                GstElement *bin, GError **error)
{
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  gboolean ok = TRUE, done = FALSE;

  if (!lucid_worker_policy_check_element (policy, bin, error))
    return FALSE;
  if (!GST_IS_BIN (bin))
    return TRUE;
  it = gst_bin_iterate_recurse (GST_BIN (bin));
  while (ok && !done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        ok = lucid_worker_policy_check_element (
            policy, GST_ELEMENT (g_value_get_object (&item)), error);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  return ok;
}
