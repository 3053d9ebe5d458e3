/* lucidclassify-private.h — what lucidclassify.c uses from its other
 * source files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "lucid-heads.h"

G_BEGIN_DECLS

/* The zero-shot head of lucidclassify text-model=@dir labels=@labels
 * prompt-template=@template: each label put into @template (or into each
 * of its '|'-separated templates, averaged as a prompt ensemble) and
 * embedded once by the text model at @dir — a CLIP text tower (*@is_clip;
 * *@logit_scale = exp(logit_scale) of a whole CLIPModel, 0 for a
 * CLIPTextModelWithProjection on its own) or a BERT-family model
 * (*@logit_scale = 0). @template NULL or "": "a photo of {}" for a CLIP
 * model, "{}" for a BERT-family one; *@resolved_template gets the template
 * used (owned, set even on failure). *@sha256 gets the weights' SHA-256
 * (owned). Errors name the directory or the property. */
LucidHead *lucid_classify_zero_shot_head (const gchar *dir, const gchar *labels,
                                          const gchar *template, gchar **sha256,
                                          gboolean *is_clip,
                                          gdouble *logit_scale,
                                          gchar **resolved_template,
                                          GError **error);

G_END_DECLS
