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

void
lucid_buffer_add_audit_window (GstBuffer *buffer, const GstStructure *window)
{
  g_return_if_fail (gst_buffer_is_writable (buffer));
  lucid_audit_meta_init ();
  GstCustomMeta *cmeta = (GstCustomMeta *) gst_buffer_add_meta (buffer,
      audit_meta_info, NULL);
  GstStructure *s = gst_custom_meta_get_structure (cmeta);
  gst_structure_set_name (s, gst_structure_get_name (window));
  for (gint i = 0; i < gst_structure_n_fields (window); i++) {
    const gchar *name = gst_structure_nth_field_name (window, i);
    gst_structure_set_value (s, name, gst_structure_get_value (window, name));
  }
}

const GstStructure *
lucid_buffer_iterate_audit_windows (GstBuffer *buffer, gpointer *state)
{
  lucid_audit_meta_init ();
  GstMeta *meta = gst_buffer_iterate_meta_filtered (buffer, state,
      audit_meta_info->api);
  return meta ? gst_custom_meta_get_structure ((GstCustomMeta *) meta) : NULL;
}
