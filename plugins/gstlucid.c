/* gstlucid.c — the lucid plugin: registers Lucid's metas, tag and elements.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-build-config.h"

#include <gst/gst.h>

#include "lucidelements.h"
#include "lucidmeta.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  /* Before the elements: their buffers carry these metas, and the
   * lucid-groups tag must be registered before any pipeline string using it
   * is parsed. */
  lucid_meta_init ();

  ret |= GST_ELEMENT_REGISTER (lucidtextenc, plugin);
  ret |= GST_ELEMENT_REGISTER (lucidsink, plugin);
  ret |= GST_ELEMENT_REGISTER (lucidvisionenc, plugin);
  ret |= GST_ELEMENT_REGISTER (lucidclassify, plugin);
  ret |= GST_ELEMENT_REGISTER (lucidaudit, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (
    GST_VERSION_MAJOR, GST_VERSION_MINOR, lucid,
    "Transformer encoders over text, video and audio, with results in SQLite",
    plugin_init, LUCID_VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
