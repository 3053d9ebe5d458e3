/* lucidvisionenc.h — lucidvisionenc, the vision encoder element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucidbaseenc.h"

G_BEGIN_DECLS

#define LUCID_TYPE_VISION_ENC (lucid_vision_enc_get_type ())
G_DECLARE_FINAL_TYPE (LucidVisionEnc, lucid_vision_enc, LUCID, VISION_ENC,
                      LucidBaseEnc)

G_END_DECLS
