/* lucidauditmeta.c — the LucidAuditMeta custom meta (contract in
 * lucidauditmeta.h).  Registered like the result meta: no tags, GStreamer's
 * own structure copy on transforms.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidauditmeta.h"

static const GstMetaInfo *audit_meta_info;

void
lucid_audit_meta_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    static const gchar *tags[] = { NULL };
    audit_meta_info = gst_meta_register_custom (LUCID_AUDIT_META_NAME, tags,
        NULL, NULL, NULL);
    g_once_init_leave (&done, 1);
  }
}

static void
add_named (GstBuffer *buffer, const GstStructure *window,
    const gchar *structure_name)
{
  g_return_if_fail (gst_buffer_is_writable (buffer));
  lucid_audit_meta_init ();
  GstCustomMeta *cmeta = (GstCustomMeta *) gst_buffer_add_meta (buffer,
      audit_meta_info, NULL);
  GstStructure *s = gst_custom_meta_get_structure (cmeta);
  gst_structure_set_name (s, structure_name);
  for (gint i = 0; i < gst_structure_n_fields (window); i++) {
    const gchar *name = gst_structure_nth_field_name (window, i);
    gst_structure_set_value (s, name, gst_structure_get_value (window, name));
  }
}

void
lucid_buffer_add_audit_window (GstBuffer *buffer, const GstStructure *window)
{
  add_named (buffer, window, gst_structure_get_name (window));
}

void
lucid_buffer_add_audit_current (GstBuffer *buffer, const GstStructure *window)
{
  add_named (buffer, window, LUCID_AUDIT_CURRENT_STRUCTURE);
}

/* The next audit meta structure on @buffer that is (@current) or is not a
 * "lucid-audit-current" copy. */
static const GstStructure *
iterate (GstBuffer *buffer, gpointer *state, gboolean current)
{
  GstMeta *meta;
  lucid_audit_meta_init ();
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, state,
              audit_meta_info->api))) {
    const GstStructure *s = gst_custom_meta_get_structure ((GstCustomMeta *)
        meta);
    if (gst_structure_has_name (s, LUCID_AUDIT_CURRENT_STRUCTURE) == current)
      return s;
  }
  return NULL;
}

const GstStructure *
lucid_buffer_iterate_audit_windows (GstBuffer *buffer, gpointer *state)
{
  return iterate (buffer, state, FALSE);
}

const GstStructure *
lucid_buffer_iterate_audit_current (GstBuffer *buffer, gpointer *state)
{
  return iterate (buffer, state, TRUE);
}
