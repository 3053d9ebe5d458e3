/* lucidclassify-zero-shot.c — lucidclassify's zero-shot head: the labels'
 * prompts (one template or a '|'-separated ensemble) embedded by a CLIP
 * text tower (CLIPModel or CLIPTextModelWithProjection) or a BERT-family
 * model. No GObject code: core calls and the shared prompt parsing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidclassify-private.h"

#include "lucidresult.h"
#include "lucid-clip.h"
#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-model-config.h"
#include "lucid-text-model.h"

/* What prompt-template unset means: CLIP's own zero-shot prompt for a CLIP
 * text model (so lucidclassify and lucidvisionenc labels= give the same
 * scores by default), the bare label for a BERT-family model. */
#define CLIP_DEFAULT_TEMPLATE "a photo of {}"
#define TEXT_DEFAULT_TEMPLATE "{}"

/* Fails unless DIR/config.json names a BERT-family text model, with a
 * message that lists every kind of text-model= Lucid takes (the text model
 * loader's own would name BERT only). */
static gboolean
check_text_model_type (const gchar *dir, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  JsonNode *type;
  g_autofree gchar *name = NULL;
  gsize len;

  data = lucid_config_read (dir, &path, &len, error);
  if (data == NULL)
    return FALSE;
  root = lucid_config_parse (data, len, path, &obj, error);
  if (root == NULL)
    return FALSE;
  type = json_object_get_member (obj, "model_type");
  if (type != NULL && JSON_NODE_HOLDS_VALUE (type)
      && json_node_get_value_type (type) == G_TYPE_STRING)
    name = g_strdup_printf ("\"%s\"", json_node_get_string (type));
  if (g_strcmp0 (name, "\"bert\"") == 0)
    return TRUE;
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "text-model=%s: %s has model_type %s, which is not a text "
               "model lucidclassify can use (expected \"bert\" for a "
               "BERT-family model, or \"clip\" / \"clip_text_model\" for a "
               "CLIP model or CLIP text tower)",
               dir, path, name ? name : "(none)");
  return FALSE;
}

/* Row l of the head: the embedding of label l's prompt, or with several
 * templates the normalised mean of its prompts' normalised embeddings
 * (the CLIP paper's prompt ensemble). @embeds: [labels × templates × dim]
 * label-major. */
static LucidHead *
zero_shot_rows (GPtrArray *names, const float *embeds, guint n_templates,
                guint dim)
{
  const guint n_labels = names->len - 1; /* NULL-terminated */
  g_autofree float *mean = NULL;

  if (n_templates > 1) {
    mean = g_new (float, (gsize)n_labels *dim);
    lucid_zero_shot_ensemble (embeds, n_labels, n_templates, dim, mean);
    embeds = mean;
  }
  return lucid_head_new_zero_shot ((const char *const *)names->pdata, embeds,
                                   n_labels, dim);
}

/* Embeds @prompts with the CLIP text tower of the model at @dir (a
 * CLIPModel, or a CLIPTextModelWithProjection on its own): its projected,
 * L2-normalised text features. *@logit_scale: the CLIPModel's
 * exp(logit_scale), 0 for a text tower on its own (it has none). */
static LucidHead *
clip_zero_shot_head (const gchar *dir, GPtrArray *names, GPtrArray *prompts,
                     guint n_templates, gchar **sha256, gdouble *logit_scale,
                     GError **error)
{
  /* Prompts only: an image tower's preprocessor_config.json is not read. */
  g_autoptr (LucidClip) clip
      = lucid_clip_load_parts (dir, NULL, LUCID_CLIP_LOAD_TOKENIZER, error);
  g_autofree float *embeds = NULL;
  guint dim;

  if (clip == NULL)
    return NULL;
  if (!lucid_clip_has_text (clip)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "text-model=%s is a CLIP image tower on its own (model_type "
                 "\"clip_vision_model\"); zero-shot labels need a text "
                 "tower (CLIPTextModelWithProjection or CLIPModel)",
                 dir);
    return NULL;
  }
  if (!lucid_clip_has_text_projection (clip)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "text-model=%s is a CLIPTextModel without text_projection: "
                 "its text features are not in CLIP's shared image-text "
                 "space; zero-shot labels need CLIPTextModelWithProjection "
                 "or CLIPModel",
                 dir);
    return NULL;
  }
  dim = lucid_clip_get_text_embedding_dim (clip);
  embeds = g_new (float, (gsize)prompts->len *dim);
  if (!lucid_clip_encode_texts (clip, (const char *const *)prompts->pdata,
                                prompts->len, embeds, TRUE, NULL, error))
    return NULL;
  *sha256
      = g_strdup (lucid_safetensors_get_sha256 (lucid_clip_get_weights (clip)));
  *logit_scale = lucid_clip_get_logit_scale (clip);
  return zero_shot_rows (names, embeds, n_templates, dim);
}

LucidHead *
lucid_classify_zero_shot_head (const gchar *dir, const gchar *labels,
                               const gchar *template, gchar **sha256,
                               gboolean *is_clip, gdouble *logit_scale,
                               gchar **resolved_template, GError **error)
{
  g_autoptr (LucidTextModel) model = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) prompts = NULL;
  LucidTextOptions opts = { LUCID_POOLING_DEFAULT, 0 };
  LucidTextOutput out;
  guint n_templates = 1;

  *logit_scale = 0;
  *is_clip = lucid_clip_dir_is_clip (dir, NULL);
  if (template == NULL || *template == '\0')
    template = *is_clip ? CLIP_DEFAULT_TEMPLATE : TEXT_DEFAULT_TEMPLATE;
  *resolved_template = g_strdup (template);
  names = lucid_result_parse_labels_checked (labels, "labels", error);
  if (names == NULL)
    return NULL;
  prompts = lucid_result_label_prompt_ensemble (names, template, &n_templates,
                                                error);
  if (prompts == NULL)
    return NULL;
  if (names->len == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "labels=\"%s\" names no label", labels);
    return NULL;
  }
  g_ptr_array_add (names, NULL);

  if (*is_clip)
    return clip_zero_shot_head (dir, names, prompts, n_templates, sha256,
                                logit_scale, error);
  if (!check_text_model_type (dir, error))
    return NULL;
  model = lucid_text_model_load (dir, error);
  if (model == NULL)
    return NULL;
  if (!lucid_text_model_run (model, (const char *const *)prompts->pdata,
                             prompts->len, &opts, FALSE, &out, error))
    return NULL;
  *sha256 = g_strdup (lucid_text_model_get_sha256 (model));
  return zero_shot_rows (names, out.embeddings, n_templates, out.hidden_size);
}
