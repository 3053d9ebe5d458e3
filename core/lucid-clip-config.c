/* lucid-clip-config.c — config.json of a CLIPModel directory (or of a
 * single tower: CLIPVisionConfig / CLIPTextConfig at the top level), with
 * transformers 5.24's defaults for absent keys (hub configs often leave
 * out what equals the default), and the family probe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-clip.h"

#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"

#define MAX_DIM (1 << 20)
#define MAX_VOCAB (1 << 24)

static const char *const kind_names[] = {
  [LUCID_CLIP_KIND_MODEL] = "clip",
  [LUCID_CLIP_KIND_VISION] = "clip_vision_model",
  [LUCID_CLIP_KIND_TEXT] = "clip_text_model",
};

const char *
lucid_clip_kind_to_string (LucidClipKind kind)
{
  return (guint)kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : "unknown";
}

static gboolean
kind_from_string (const char *type, LucidClipKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++) {
    if (strcmp (type, kind_names[i]) == 0) {
      *kind = (LucidClipKind)i;
      return TRUE;
    }
  }
  return FALSE;
}

void
lucid_clip_config_free (LucidClipConfig *config)
{
  g_free (config);
}

/* A dimension in [1, max], @dflt when absent or null. */
static gboolean
opt_dim (JsonObject *o, const char *key, guint dflt, gint64 max, guint *out,
         const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n)) {
    *out = dflt;
    return TRUE;
  }
  return lucid_config_get_dim (o, key, max, out, path, error);
}

/* A token id in [0, MAX_VOCAB), -1 when null, @dflt when absent. */
static gboolean
opt_token_id (JsonObject *o, const char *key, gint64 dflt, gint64 *out,
              const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL) {
    *out = dflt;
    return TRUE;
  }
  if (JSON_NODE_HOLDS_NULL (n)) {
    *out = -1;
    return TRUE;
  }
  return lucid_json_get_int (o, key, 0, MAX_VOCAB - 1, out, path, error);
}

/* The size-like member @key (an int, or [n, n] for image_size / patch_size
 * as transformers allows): square only. */
static gboolean
opt_square (JsonObject *o, const char *key, guint dflt, guint *out,
            const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  JsonArray *a;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return opt_dim (o, key, dflt, MAX_DIM, out, path, error);
  a = json_node_get_array (n);
  if (json_array_get_length (a) == 2
      && lucid_json_node_is_sane_int (json_array_get_element (a, 0))
      && lucid_json_node_is_sane_int (json_array_get_element (a, 1))) {
    gint64 h = json_array_get_int_element (a, 0);
    gint64 w = json_array_get_int_element (a, 1);

    if (h == w && h >= 1 && h <= MAX_DIM) {
      *out = (guint)h;
      return TRUE;
    }
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
               "%s: %s must be an integer or a square [n, n] in [1, %d]", path,
               key, MAX_DIM);
  return FALSE;
}

/* "NAME" with the keys of "NAME_dict" overriding it (CLIPConfig does the
 * same); an absent section is {} (all defaults). *@out is owned by the
 * caller. */
static gboolean
merged_section (JsonObject *root, const char *name, JsonObject **out,
                const char *path, GError **error)
{
  g_autofree char *dict_name = g_strconcat (name, "_dict", NULL);
  const char *names[2] = { name, dict_name };
  JsonObject *merged = json_object_new ();

  for (guint i = 0; i < 2; i++) {
    JsonNode *n = json_object_get_member (root, names[i]);
    JsonObjectIter it;
    const char *key;
    JsonNode *value;

    if (n == NULL || JSON_NODE_HOLDS_NULL (n))
      continue;
    if (!JSON_NODE_HOLDS_OBJECT (n)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: \"%s\" must be an object", path, names[i]);
      json_object_unref (merged);
      return FALSE;
    }
    json_object_iter_init (&it, json_node_get_object (n));
    while (json_object_iter_next (&it, &key, &value))
      json_object_set_member (merged, key, json_node_copy (value));
  }
  *out = merged;
  return TRUE;
}

/* The tower section @name of a CLIPModel config ("text_config"), or, when
 * @single, the whole config (a CLIPTextConfig / CLIPVisionConfig saved on
 * its own); @sub then names it in errors. */
static gboolean
tower_section (JsonObject *root, const char *name, gboolean single,
               JsonObject **out, char **sub, const char *path, GError **error)
{
  if (single) {
    *out = json_object_ref (root);
    *sub = g_strdup (path);
    return TRUE;
  }
  *sub = g_strdup_printf ("%s: %s", path, name);
  return merged_section (root, name, out, path, error);
}

static gboolean
parse_text (JsonObject *root, gboolean single, LucidClipTextConfig *t,
            const char *path, GError **error)
{
  g_autofree char *sub = NULL;
  JsonObject *o = NULL;
  gboolean ok;

  if (!tower_section (root, "text_config", single, &o, &sub, path, error))
    return FALSE;
  ok = opt_dim (o, "vocab_size", 49408, MAX_VOCAB, &t->vocab_size, sub, error)
       && opt_dim (o, "hidden_size", 512, MAX_DIM, &t->hidden_size, sub, error)
       && opt_dim (o, "intermediate_size", 2048, MAX_DIM, &t->intermediate_size,
                   sub, error)
       && opt_dim (o, "num_hidden_layers", 12, 1024, &t->num_hidden_layers, sub,
                   error)
       && opt_dim (o, "num_attention_heads", 8, 1024, &t->num_attention_heads,
                   sub, error)
       && opt_dim (o, "max_position_embeddings", 77, 1 << 16,
                   &t->max_position_embeddings, sub, error)
       && lucid_config_get_activation (o, "hidden_act", "quick_gelu",
                                       &t->hidden_act, sub, error)
       && lucid_config_get_eps (o, "layer_norm_eps", 1e-5, &t->layer_norm_eps,
                                sub, error)
       && opt_token_id (o, "bos_token_id", 49406, &t->bos_token_id, sub, error)
       && opt_token_id (o, "pad_token_id", 1, &t->pad_token_id, sub, error);
  if (ok) {
    JsonNode *eos = json_object_get_member (o, "eos_token_id");

    if (eos != NULL && JSON_NODE_HOLDS_ARRAY (eos)) {
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: a list of eos_token_id is not supported (CLIP pools at one "
          "id)",
          sub);
      ok = FALSE;
    } else {
      ok = opt_token_id (o, "eos_token_id", 49407, &t->eos_token_id, sub,
                         error);
    }
  }
  if (ok && t->hidden_size % t->num_attention_heads != 0) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: hidden_size %u is not a multiple of num_attention_heads %u", sub,
        t->hidden_size, t->num_attention_heads);
    ok = FALSE;
  }
  json_object_unref (o);
  return ok;
}

static gboolean
parse_vision (JsonObject *root, gboolean single, LucidClipVisionConfig *v,
              const char *path, GError **error)
{
  g_autofree char *sub = NULL;
  JsonObject *o = NULL;
  gboolean ok;

  if (!tower_section (root, "vision_config", single, &o, &sub, path, error))
    return FALSE;
  ok = opt_dim (o, "hidden_size", 768, MAX_DIM, &v->hidden_size, sub, error)
       && opt_dim (o, "intermediate_size", 3072, MAX_DIM, &v->intermediate_size,
                   sub, error)
       && opt_dim (o, "num_hidden_layers", 12, 1024, &v->num_hidden_layers, sub,
                   error)
       && opt_dim (o, "num_attention_heads", 12, 1024, &v->num_attention_heads,
                   sub, error)
       && opt_dim (o, "num_channels", 3, 64, &v->num_channels, sub, error)
       && opt_square (o, "image_size", 224, &v->image_size, sub, error)
       && opt_square (o, "patch_size", 32, &v->patch_size, sub, error)
       && lucid_config_get_activation (o, "hidden_act", "quick_gelu",
                                       &v->hidden_act, sub, error)
       && lucid_config_get_eps (o, "layer_norm_eps", 1e-5, &v->layer_norm_eps,
                                sub, error);
  if (ok && v->hidden_size % v->num_attention_heads != 0) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: hidden_size %u is not a multiple of num_attention_heads %u", sub,
        v->hidden_size, v->num_attention_heads);
    ok = FALSE;
  }
  if (ok && v->patch_size > v->image_size) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: patch_size %u is larger than image_size %u", sub,
                 v->patch_size, v->image_size);
    ok = FALSE;
  }
  json_object_unref (o);
  return ok;
}

/* Whether "architectures" (a list of class names; anything else is
 * ignored, as transformers only reads it for AutoModel) names a
 * *WithProjection class. */
static gboolean
declares_projection (JsonObject *obj)
{
  JsonNode *n = json_object_get_member (obj, "architectures");
  JsonArray *a;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return FALSE;
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);

    if (JSON_NODE_HOLDS_VALUE (e)
        && json_node_get_value_type (e) == G_TYPE_STRING
        && g_str_has_suffix (json_node_get_string (e), "WithProjection"))
      return TRUE;
  }
  return FALSE;
}

LucidClipConfig *
lucid_clip_config_new_from_data (const char *data, gsize len, const char *path,
                                 GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidClipConfig) cfg = g_new0 (LucidClipConfig, 1);
  g_autoptr (JsonObject) empty = json_object_new ();
  JsonObject *obj;
  const char *type;
  double scale = 2.6592;
  gboolean ok;

  root = lucid_config_parse (data, len, path, &obj, error);
  if (root == NULL)
    return NULL;
  if (!lucid_json_has (obj, "model_type")) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: no \"model_type\" (a CLIP model says \"clip\")", path);
    return NULL;
  }
  if ((type = lucid_json_get_string (obj, "model_type", path, error)) == NULL)
    return NULL;
  if (!kind_from_string (type, &cfg->kind)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: model_type \"%s\" is not a CLIP model (expected "
                 "\"clip\", \"clip_vision_model\" or \"clip_text_model\")",
                 path, type);
    return NULL;
  }
  /* A single tower's config is that tower's section; the other one takes
   * its defaults (unused). */
  switch (cfg->kind) {
    case LUCID_CLIP_KIND_MODEL:
      ok = parse_text (obj, FALSE, &cfg->text, path, error)
           && parse_vision (obj, FALSE, &cfg->vision, path, error);
      break;
    case LUCID_CLIP_KIND_VISION:
      ok = parse_vision (obj, TRUE, &cfg->vision, path, error)
           && parse_text (empty, TRUE, &cfg->text, path, error);
      break;
    case LUCID_CLIP_KIND_TEXT:
    default:
      ok = parse_text (obj, TRUE, &cfg->text, path, error)
           && parse_vision (empty, TRUE, &cfg->vision, path, error);
      break;
  }
  if (!ok
      || !opt_dim (obj, "projection_dim", 512, MAX_DIM, &cfg->projection_dim,
                   path, error))
    return NULL;
  if (lucid_json_has (obj, "logit_scale_init_value")
      && !lucid_json_get_double (obj, "logit_scale_init_value", &scale, path,
                                 error))
    return NULL;
  cfg->logit_scale_init_value = (float)scale;
  cfg->declares_projection = declares_projection (obj);
  return g_steal_pointer (&cfg);
}

LucidClipConfig *
lucid_clip_config_load (const char *dir, GError **error)
{
  g_autofree char *path = NULL, *data = NULL;
  gsize len;

  data = lucid_config_read (dir, &path, &len, error);
  if (data == NULL)
    return NULL;
  return lucid_clip_config_new_from_data (data, len, path, error);
}

gboolean
lucid_clip_dir_is_clip (const char *dir, LucidClipKind *kind)
{
  LucidClipKind k;
  g_autofree char *path = NULL, *data = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  JsonNode *t;
  gsize len;

  if (dir == NULL)
    return FALSE;
  path = g_build_filename (dir, "config.json", NULL);
  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  root = lucid_json_parse_data (data, len, path, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  obj = json_node_get_object (root);
  t = json_object_get_member (obj, "model_type");
  if (t == NULL || !JSON_NODE_HOLDS_VALUE (t)
      || json_node_get_value_type (t) != G_TYPE_STRING
      || !kind_from_string (json_node_get_string (t), &k))
    return FALSE;
  if (kind != NULL)
    *kind = k;
  return TRUE;
}
