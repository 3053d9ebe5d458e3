/* lucidclassify.h — lucidclassify, classification heads over any Lucid
 * embedding.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define LUCID_TYPE_CLASSIFY (lucid_classify_get_type ())
G_DECLARE_FINAL_TYPE (LucidClassify, lucid_classify, LUCID, CLASSIFY,
                      GstBaseTransform)

G_END_DECLS
