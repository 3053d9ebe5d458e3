/* lucidtextenc.h — lucidtextenc, the BERT-family text encoder element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lucidbaseenc.h"

G_BEGIN_DECLS

#define LUCID_TYPE_TEXT_ENC (lucid_text_enc_get_type ())
G_DECLARE_FINAL_TYPE (LucidTextEnc, lucid_text_enc, LUCID, TEXT_ENC,
                      LucidBaseEnc)

/* What each analysed buffer's result carries (the "kind" field). */
typedef enum {
  LUCID_TEXT_ENC_OUTPUT_AUTO, /* labels when the model has a classification
                               * head or labels= is set, else embedding */
  LUCID_TEXT_ENC_OUTPUT_EMBEDDING,
  LUCID_TEXT_ENC_OUTPUT_LABELS,
  LUCID_TEXT_ENC_OUTPUT_PLL,
} LucidTextEncOutput;

#define LUCID_TYPE_TEXT_ENC_OUTPUT (lucid_text_enc_output_get_type ())
GType lucid_text_enc_output_get_type (void);

/* The pooling property: same values as core's LucidPooling. */
#define LUCID_TYPE_TEXT_ENC_POOLING (lucid_text_enc_pooling_get_type ())
GType lucid_text_enc_pooling_get_type (void);

/* Markup stripping as the element does it for format=pango-markup (see
 * lucidtextenc.c); exposed for tests. @text must be valid UTF-8. */
gchar *lucid_text_enc_strip_markup (const gchar *text);

G_END_DECLS
