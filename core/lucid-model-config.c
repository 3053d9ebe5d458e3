/* lucid-model-config.c — config.json and the sentence-transformers files.
 *
 * All JSON goes through lucid-json (duplicate keys and wrapped integers are
 * refused). Every error names the file and the key so a user can fix the
 * directory without reading code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-model-config.h"
#include "lucid-error.h"
#include "lucid-json.h"

#include <math.h>
#include <string.h>

gboolean
lucid_activation_from_string (const char *s, LucidActivation *out)
{
  static const struct { const char *name; LucidActivation act; } table[] = {
    { "gelu", LUCID_ACT_GELU },
    { "gelu_new", LUCID_ACT_GELU_TANH },
    { "gelu_pytorch_tanh", LUCID_ACT_GELU_TANH },
    { "gelu_fast", LUCID_ACT_GELU_TANH },
    { "relu", LUCID_ACT_RELU },
    { "silu", LUCID_ACT_SILU },
    { "swish", LUCID_ACT_SILU },
    { "quick_gelu", LUCID_ACT_QUICK_GELU },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++) {
    if (g_strcmp0 (s, table[i].name) == 0) {
      *out = table[i].act;
      return TRUE;
    }
  }
  return FALSE;
}

void
lucid_bert_config_free (LucidBertConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->model_type);
  g_strfreev (config->id2label);
  g_free (config->json);
  g_free (config);
}

gboolean
lucid_config_get_dim (JsonObject *obj, const char *key, gint64 max,
    guint *out, const char *path, GError **error)
{
  gint64 v;
  if (!lucid_json_has (obj, key)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: required key \"%s\" is missing", path, key);
    return FALSE;
  }
  if (!lucid_json_get_int (obj, key, 1, max, &v, path, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

const char *
lucid_config_get_model_type (JsonObject *obj, const char *expected,
    const char *what, const char *path, GError **error)
{
  const char *s = NULL;

  if (lucid_json_has (obj, "model_type")) {
    s = lucid_json_get_string (obj, "model_type", path, error);
    if (s == NULL)
      return NULL;
  }
  if (s == NULL || strcmp (s, expected) != 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: model_type \"%s\" is not %s (expected \"%s\")", path,
        s ? s : "(missing)", what, expected);
    return NULL;
  }
  return s;
}

gboolean
lucid_config_get_encoder_dims (JsonObject *obj, guint *hidden_size,
    guint *num_hidden_layers, guint *num_attention_heads,
    guint *intermediate_size, const char *path, GError **error)
{
  return lucid_config_get_dim (obj, "hidden_size", 65536, hidden_size, path,
          error)
      && lucid_config_get_dim (obj, "num_hidden_layers", 1024,
          num_hidden_layers, path, error)
      && lucid_config_get_dim (obj, "num_attention_heads", 1024,
          num_attention_heads, path, error)
      && lucid_config_get_dim (obj, "intermediate_size", 1 << 20,
          intermediate_size, path, error);
}

gboolean
lucid_config_check_heads (guint hidden_size, guint num_attention_heads,
    const char *path, GError **error)
{
  if (hidden_size % num_attention_heads != 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: hidden_size %u is not a multiple of num_attention_heads %u",
        path, hidden_size, num_attention_heads);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_config_get_eps (JsonObject *obj, const char *key, double fallback,
    float *out, const char *path, GError **error)
{
  double eps = fallback;
  if (lucid_json_has (obj, key)
      && !lucid_json_get_double (obj, key, &eps, path, error))
    return FALSE;
  /* the forward pass uses it as a float: 1e-112 would become 0 there */
  if (!(eps > 0 && eps < 1) || (float) eps == 0.0f) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: %s %g is out of range (0, 1) for float32", path, key, eps);
    return FALSE;
  }
  *out = (float) eps;
  return TRUE;
}

gboolean
lucid_config_get_activation (JsonObject *obj, const char *key,
    const char *fallback, LucidActivation *out, const char *path,
    GError **error)
{
  const char *s = lucid_json_has (obj, key) ?
      lucid_json_get_string (obj, key, path, error) : fallback;
  if (s == NULL)
    return FALSE;
  if (!lucid_activation_from_string (s, out)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: %s \"%s\" is not supported (gelu, gelu_new, "
        "gelu_pytorch_tanh, relu, silu, quick_gelu are)", path, key, s);
    return FALSE;
  }
  return TRUE;
}

JsonNode *
lucid_config_parse (const char *data, gsize len, const char *path,
    JsonObject **obj, GError **error)
{
  JsonNode *root = lucid_json_parse_data (data, len, path, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: expected a JSON object", path);
    json_node_unref (root);
    return NULL;
  }
  *obj = json_node_get_object (root);
  return root;
}

char *
lucid_config_read (const char *dir, char **path_out, gsize *len,
    GError **error)
{
  char *path = g_build_filename (dir, "config.json", NULL);
  char *data = NULL;

  if (!g_file_get_contents (path, &data, len, NULL)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: cannot read the model configuration (is \"%s\" a Hugging Face "
        "model directory?)", path, dir);
    g_free (path);
    return NULL;
  }
  *path_out = path;
  return data;
}

gboolean
lucid_config_read_id2label (JsonObject *obj, const char *path, char ***labels,
    guint *n_labels, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "id2label");
  JsonObject *map;
  guint n;

  *labels = NULL;
  *n_labels = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: \"id2label\" must be an object mapping \"0\".. to label names",
        path);
    return FALSE;
  }
  map = json_node_get_object (node);
  n = json_object_get_size (map);
  if (n > 100000) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: \"id2label\" has %u entries, more than Lucid accepts", path, n);
    return FALSE;
  }
  *labels = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++) {
    char key[16];
    JsonNode *v;
    g_snprintf (key, sizeof key, "%u", i);
    v = json_object_get_member (map, key);
    if (v == NULL || !JSON_NODE_HOLDS_VALUE (v)
        || json_node_get_value_type (v) != G_TYPE_STRING) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: \"id2label\" must have string entries \"0\" to \"%u\"; "
          "entry \"%s\" is missing or not a string", path, n - 1, key);
      g_clear_pointer (labels, g_strfreev);
      return FALSE;
    }
    (*labels)[i] = g_strdup (json_node_get_string (v));
  }
  *n_labels = n;
  return TRUE;
}

gboolean
lucid_config_read_problem_type (JsonObject *obj, const char *path,
    LucidProblemType *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "problem_type");
  const char *s;

  *out = LUCID_PROBLEM_UNSET;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  s = lucid_json_get_string (obj, "problem_type", path, error);
  if (s == NULL)
    return FALSE;
  if (strcmp (s, "single_label_classification") == 0)
    *out = LUCID_PROBLEM_SINGLE_LABEL;
  else if (strcmp (s, "multi_label_classification") == 0)
    *out = LUCID_PROBLEM_MULTI_LABEL;
  else if (strcmp (s, "regression") == 0)
    *out = LUCID_PROBLEM_REGRESSION;
  else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: \"problem_type\" \"%s\" is not one of "
        "\"single_label_classification\", \"multi_label_classification\", "
        "\"regression\"", path, s);
    return FALSE;
  }
  return TRUE;
}

LucidBertConfig *
lucid_bert_config_load (const char *dir, GError **error)
{
  g_autofree char *path = NULL;
  gsize len;
  g_autofree char *data = lucid_config_read (dir, &path, &len, error);

  if (data == NULL)
    return NULL;
  return lucid_bert_config_new_from_data (data, len, path, error);
}

LucidBertConfig *
lucid_bert_config_new_from_data (const char *data, gsize len,
    const char *path, GError **error)
{
  g_autoptr (LucidBertConfig) cfg = g_new0 (LucidBertConfig, 1);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *s;
  gint64 pad = -1;

  cfg->json = g_strndup (data, len);
  root = lucid_config_parse (data, len, path, &obj, error);
  if (root == NULL)
    return NULL;

  s = lucid_config_get_model_type (obj, "bert", "a BERT-family text model",
      path, error);
  if (s == NULL)
    return NULL;
  cfg->model_type = g_strdup (s);

  if (!lucid_config_get_dim (obj, "vocab_size", 10000000, &cfg->vocab_size,
          path, error)
      || !lucid_config_get_encoder_dims (obj, &cfg->hidden_size,
          &cfg->num_hidden_layers, &cfg->num_attention_heads,
          &cfg->intermediate_size, path, error)
      || !lucid_config_get_dim (obj, "max_position_embeddings", 1 << 20,
          &cfg->max_position_embeddings, path, error))
    return NULL;
  cfg->type_vocab_size = 2;
  if (lucid_json_has (obj, "type_vocab_size")
      && !lucid_config_get_dim (obj, "type_vocab_size", 1024,
          &cfg->type_vocab_size, path, error))
    return NULL;
  if (!lucid_config_check_heads (cfg->hidden_size, cfg->num_attention_heads,
          path, error))
    return NULL;

  if (!lucid_config_get_eps (obj, "layer_norm_eps", 1e-12,
          &cfg->layer_norm_eps, path, error)
      || !lucid_config_get_activation (obj, "hidden_act", "gelu",
          &cfg->hidden_act, path, error))
    return NULL;

  if (lucid_json_has (obj, "position_embedding_type")) {
    s = lucid_json_get_string (obj, "position_embedding_type", path, error);
    if (s == NULL)
      return NULL;
    if (strcmp (s, "absolute") != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: position_embedding_type \"%s\" is not supported (only "
          "\"absolute\")", path, s);
      return NULL;
    }
  }

  if (lucid_json_has (obj, "pad_token_id")) {
    JsonNode *n = json_object_get_member (obj, "pad_token_id");
    if (!JSON_NODE_HOLDS_NULL (n)
        && !lucid_json_get_int (obj, "pad_token_id", 0, G_MAXINT32, &pad,
            path, error))
      return NULL;
  }
  cfg->pad_token_id = (gint) pad;

  if (!lucid_config_read_id2label (obj, path, &cfg->id2label,
          &cfg->num_labels, error)
      || !lucid_config_read_problem_type (obj, path, &cfg->problem_type,
          error))
    return NULL;

  return g_steal_pointer (&cfg);
}

/* Type names of sentence-transformers modules end with the class name; the
 * package path changed across versions, so compare the suffix only. */
static gboolean
module_is (const char *type, const char *cls)
{
  g_autofree char *suffix = g_strconcat (".", cls, NULL);
  return type != NULL && g_str_has_suffix (type, suffix);
}

static gboolean
load_pooling (const char *dir, const char *sub, LucidSentenceConfig *out,
    GError **error)
{
  g_autofree char *path = g_build_filename (dir, sub, "config.json", NULL);
  g_autoptr (JsonNode) root = lucid_json_parse_file (path, error);
  static const struct { const char *key; LucidPooling pooling; } modes[] = {
    { "pooling_mode_cls_token", LUCID_POOLING_CLS },
    { "pooling_mode_mean_tokens", LUCID_POOLING_MEAN },
    { "pooling_mode_max_tokens", LUCID_POOLING_MAX },
    { "pooling_mode_mean_sqrt_len_tokens", LUCID_POOLING_MEAN },
  };
  static const char *unsupported[] = {
    "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken",
  };
  JsonObject *obj;
  guint n_on = 0;

  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: expected a JSON object", path);
    return FALSE;
  }
  obj = json_node_get_object (root);
  /* sentence-transformers >= 6 writes one "pooling_mode" string instead of
   * the pooling_mode_*_tokens booleans. */
  if (lucid_json_has (obj, "pooling_mode")) {
    const char *mode = lucid_json_get_string (obj, "pooling_mode", path, error);
    if (mode == NULL)
      return FALSE;
    if (strcmp (mode, "mean") == 0)
      out->pooling = LUCID_POOLING_MEAN;
    else if (strcmp (mode, "cls") == 0)
      out->pooling = LUCID_POOLING_CLS;
    else if (strcmp (mode, "max") == 0)
      out->pooling = LUCID_POOLING_MAX;
    else if (strcmp (mode, "mean_sqrt_len_tokens") == 0) {
      out->pooling = LUCID_POOLING_MEAN;
      out->pooling_sqrt_len = TRUE;
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: pooling_mode \"%s\" is not supported (mean, cls, max, "
          "mean_sqrt_len_tokens are)", path, mode);
      return FALSE;
    }
    return TRUE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (unsupported); i++) {
    gboolean on = FALSE;
    if (lucid_json_has (obj, unsupported[i])
        && !lucid_json_get_bool (obj, unsupported[i], &on, path, error))
      return FALSE;
    if (on) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: %s is not supported", path, unsupported[i]);
      return FALSE;
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++) {
    gboolean on = FALSE;
    if (lucid_json_has (obj, modes[i].key)
        && !lucid_json_get_bool (obj, modes[i].key, &on, path, error))
      return FALSE;
    if (on) {
      n_on++;
      out->pooling = modes[i].pooling;
      out->pooling_sqrt_len = (i == 3);
    }
  }
  if (n_on != 1) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: exactly one pooling mode must be enabled (found %u; "
        "concatenated poolings are not supported)", path, n_on);
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_sentence_config_load (const char *dir, LucidSentenceConfig *out,
    GError **error)
{
  g_autofree char *modules_path = g_build_filename (dir, "modules.json", NULL);
  g_autofree char *sbert_path =
      g_build_filename (dir, "sentence_bert_config.json", NULL);
  g_autoptr (JsonNode) root = NULL;
  JsonArray *mods;

  memset (out, 0, sizeof *out);

  if (g_file_test (sbert_path, G_FILE_TEST_EXISTS)) {
    g_autoptr (JsonNode) sb = lucid_json_parse_file (sbert_path, error);
    gint64 v;
    if (sb == NULL)
      return FALSE;
    if (!JSON_NODE_HOLDS_OBJECT (sb)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: expected a JSON object", sbert_path);
      return FALSE;
    }
    if (lucid_json_has (json_node_get_object (sb), "max_seq_length")) {
      if (!lucid_json_get_int (json_node_get_object (sb), "max_seq_length", 1,
              1 << 20, &v, sbert_path, error))
        return FALSE;
      out->max_seq_length = (guint) v;
    }
  }

  if (!g_file_test (modules_path, G_FILE_TEST_EXISTS))
    return TRUE;
  out->present = TRUE;
  root = lucid_json_parse_file (modules_path, error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: expected a JSON array of modules", modules_path);
    return FALSE;
  }
  mods = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (mods); i++) {
    JsonNode *m = json_array_get_element (mods, i);
    JsonObject *mo;
    const char *type, *sub = "";
    if (!JSON_NODE_HOLDS_OBJECT (m)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: module %u is not an object", modules_path, i);
      return FALSE;
    }
    mo = json_node_get_object (m);
    type = lucid_json_get_string (mo, "type", modules_path, error);
    if (type == NULL)
      return FALSE;
    if (lucid_json_has (mo, "path")) {
      sub = lucid_json_get_string (mo, "path", modules_path, error);
      if (sub == NULL)
        return FALSE;
      if (strstr (sub, "..") != NULL || g_path_is_absolute (sub)) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
            "%s: module path \"%s\" leaves the model directory",
            modules_path, sub);
        return FALSE;
      }
    }
    if (module_is (type, "Transformer")) {
      if (sub[0] != '\0') {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
            "%s: the Transformer module must live in the directory itself, "
            "not in \"%s\"", modules_path, sub);
        return FALSE;
      }
    } else if (module_is (type, "Pooling")) {
      if (!load_pooling (dir, sub, out, error))
        return FALSE;
    } else if (module_is (type, "Normalize")) {
      out->normalize = TRUE;
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: module type \"%s\" is not supported (Transformer, Pooling and "
          "Normalize are)", modules_path, type);
      return FALSE;
    }
  }
  return TRUE;
}
