/* lucidelements.h — the elements libgstlucid registers (see gstlucid.c).
 *
 * Each element file defines its registration function with
 * GST_ELEMENT_REGISTER_DEFINE; plugin_init calls them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (lucidtextenc);
GST_ELEMENT_REGISTER_DECLARE (lucidsink);
GST_ELEMENT_REGISTER_DECLARE (lucidvisionenc);
GST_ELEMENT_REGISTER_DECLARE (lucidclassify);
GST_ELEMENT_REGISTER_DECLARE (lucidaudit);

G_END_DECLS
