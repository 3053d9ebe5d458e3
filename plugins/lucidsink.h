/* lucidsink.h — lucidsink, the element that lands Lucid results in SQLite.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define LUCID_TYPE_SINK (lucid_sink_get_type ())
#define GST_TYPE_LUCID_SINK LUCID_TYPE_SINK
G_DECLARE_FINAL_TYPE (LucidSink, lucid_sink, LUCID, SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE (lucidsink);

G_END_DECLS
