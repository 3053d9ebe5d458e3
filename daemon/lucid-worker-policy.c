/* lucid-worker-policy.c — the allowlist for API-submitted pipelines.
 *
 * A client of the control socket must not be able to write or read files
 * outside the places the administrator allowed, or reach other processes
 * (filesink, shmsink, tcpserversink, ...). So every element's factory must
 * be on the list, and every string property that names a path or URI must
 * point inside an allowed prefix (after resolving symlinks and "..") or use
 * an allowed URI scheme. The worker checks the tree after parsing and each
 * element added later (deep-element-added: decodebin's children).
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

gboolean
lucid_worker_policy_check_element (const LucidWorkerPolicy *policy,
                                   GstElement *element, GError **error)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *fname = factory ? GST_OBJECT_NAME (factory) : NULL;
  g_autofree GParamSpec **specs = NULL;
  guint n_specs = 0;

  /* Bins made by the parser for "( ... )" have no factory list entry the
   * user chose; the pipeline itself neither. */
  if (GST_IS_PIPELINE (element))
    return TRUE;
  if (fname == NULL || !in_array (policy->elements, fname)) {
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
  return TRUE;
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
