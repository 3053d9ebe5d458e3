/* test-vit.c — the ViT forward pass against Hugging Face goldens.
 *
 * Goldens come from tools/make_vit_fixtures.py (a tiny random-weight
 * ViTForImageClassification with random LayerNorm weights, made with
 * transformers; the reference versions are in goldens/vit-tiny-vit.json).
 * goldens/vit-tiny-vit-bare.json holds transformers' last_hidden_state and
 * pooler_output of a bare ViTModel with its pooler (tiny-vit-bare), same
 * script. /vit/real compares a real ViT at $LUCID_MODELS_DIR/
 * vit-base-patch16-224 with the goldens tools/make_vit_real_goldens.py
 * writes beside it, and skips with a message without them.
 * Tolerance is DESIGN.md's fp32 one: max-abs error ≤ 1e-4 · max(1, max|ref|).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-error.h"
#include "lucid-image.h"
#include "lucid-test-util.h"
#include "lucid-json.h"
#include "lucid-safetensors.h"
#include "lucid-vit.h"

#include <glib/gstdio.h>
#include <unistd.h>
#include <math.h>
#include <string.h>


typedef struct {
  JsonNode *root;
  JsonArray *cases;
  LucidSafetensors *tensors;
  char *model_dir;
} Golden;

static void
golden_clear (Golden *g)
{
  g_clear_pointer (&g->root, json_node_unref);
  g_clear_pointer (&g->tensors, lucid_safetensors_free);
  g_clear_pointer (&g->model_dir, g_free);
}

/* Loads goldens/@name (a JSON file naming its model dir and tensors). */
static void
golden_load (Golden *g, const char *name)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *json_path = NULL, *st_path = NULL;
  g_autoptr (GError) err = NULL;
  JsonObject *obj;

  g_assert_nonnull (fixtures);
  json_path = g_build_filename (fixtures, "goldens", name, NULL);
  g->root = lucid_json_parse_file (json_path, &err);
  g_assert_no_error (err);
  obj = json_node_get_object (g->root);
  g->cases = json_object_get_array_member (obj, "cases");
  g->model_dir = g_build_filename (fixtures,
      json_object_get_string_member (obj, "model_dir"), NULL);
  st_path = g_build_filename (fixtures, "goldens",
      json_object_get_string_member (obj, "tensors"), NULL);
  g->tensors = lucid_safetensors_open (st_path, &err);
  g_assert_no_error (err);
}

/* The golden tensor case@i.@what as float32; asserts it exists. */
static const float *
golden_tensor (Golden *g, guint i, const char *what, gint64 *n_out)
{
  g_autofree char *name = g_strdup_printf ("case%u.%s", i, what);
  const LucidSafetensor *t = lucid_safetensors_lookup (g->tensors, name);
  g_autoptr (GError) err = NULL;
  const float *p;

  if (t == NULL)
    g_error ("golden tensor %s is missing", name);
  *n_out = t->n_elements;
  p = lucid_safetensors_get_f32 (g->tensors, name, t->n_dims, t->shape, &err);
  g_assert_no_error (err);
  return p;
}

/* Every golden case as ONE batch: last hidden state, CLS, logits, labels and
 * every layer's attention probabilities. */
static void
test_vit_forward_matches_reference (void)
{
  Golden g = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVit) vit = NULL;
  g_autofree float *pixels = NULL;
  const LucidVitConfig *cfg;
  LucidVitOutput out;
  float **attn;
  guint n, L, H, nh, n_layers;
  gsize img_size;
  double worst_hidden = 0, worst_logits = 0, worst_attn = 0;

  golden_load (&g, "vit-tiny-vit.json");
  vit = lucid_vit_load (g.model_dir, NULL, &err);
  g_assert_no_error (err);
  cfg = lucid_vit_get_config (vit);
  n = json_array_get_length (g.cases);
  g_assert_cmpuint (n, >=, 2);
  L = lucid_vit_get_seq_len (vit);
  H = cfg->hidden_size;
  nh = cfg->num_attention_heads;
  n_layers = cfg->num_hidden_layers;
  g_assert_cmpuint (L, ==, 1 + (32 / 8) * (32 / 8));
  g_assert_true (lucid_vit_has_classifier (vit));
  g_assert_false (lucid_vit_has_pooler (vit));
  g_assert_cmpuint (lucid_vit_get_num_labels (vit), ==, 3);
  g_assert_cmpstr (lucid_vit_get_label (vit, 2), ==, "car");
  g_assert_null (lucid_vit_get_label (vit, 3));

  img_size = (gsize) cfg->num_channels * cfg->image_height * cfg->image_width;
  pixels = g_new (float, n * img_size);
  for (guint i = 0; i < n; i++) {
    gint64 cnt;
    const float *px = golden_tensor (&g, i, "pixel_values", &cnt);
    g_assert_cmpint (cnt, ==, (gint64) img_size);
    memcpy (pixels + i * img_size, px, img_size * sizeof (float));
  }
  attn = g_new0 (float *, n_layers);
  for (guint l = 0; l < n_layers; l++)
    attn[l] = g_new0 (float, (gsize) n * nh * L * L);

  g_assert_true (lucid_vit_forward (vit, pixels, n, attn, &out, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (out.n_images, ==, n);
  g_assert_null (out.pooler);
  g_assert_nonnull (out.logits);

  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element (g.cases, i);
    const float *ref;
    gint64 cnt;
    guint best = 0;

    ref = golden_tensor (&g, i, "last_hidden", &cnt);
    g_assert_cmpint (cnt, ==, (gint64) L * H);
    worst_hidden = MAX (worst_hidden, lucid_test_assert_close (out.hidden_states
            + (gsize) i * L * H, ref, cnt, "last_hidden", i));
    ref = golden_tensor (&g, i, "pooled", &cnt);
    g_assert_cmpint (cnt, ==, H);
    lucid_test_assert_close (out.cls + (gsize) i * H, ref, cnt, "pooled", i);
    ref = golden_tensor (&g, i, "logits", &cnt);
    g_assert_cmpint (cnt, ==, 3);
    worst_logits = MAX (worst_logits, lucid_test_assert_close (out.logits + i * 3, ref,
            cnt, "logits", i));
    for (guint k = 1; k < 3; k++)
      if (out.logits[i * 3 + k] > out.logits[i * 3 + best])
        best = k;
    g_assert_cmpstr (lucid_vit_get_label (vit, best), ==,
        json_object_get_string_member (c, "label"));
    for (guint l = 0; l < n_layers; l++) {
      g_autofree char *what = g_strdup_printf ("attn%u", l);
      ref = golden_tensor (&g, i, what, &cnt);
      g_assert_cmpint (cnt, ==, (gint64) nh * L * L);
      worst_attn = MAX (worst_attn, lucid_test_assert_close (attn[l]
              + (gsize) i * nh * L * L, ref, cnt, what, i));
    }
  }
  g_test_message ("max-abs error: last_hidden %.3g, logits %.3g, "
      "attentions %.3g", worst_hidden, worst_logits, worst_attn);

  /* The same call without attentions, and a batch of one, give the same
   * numbers (attention per image: no cross-talk inside a batch). */
  {
    g_autofree float *first = g_memdup2 (out.hidden_states,
        (gsize) n * L * H * sizeof (float));
    LucidVitOutput one;
    g_assert_true (lucid_vit_forward (vit, pixels + img_size, 1, NULL, &one,
            &err));
    g_assert_no_error (err);
    lucid_test_assert_close (one.hidden_states, first + (gsize) L * H, (gint64) L * H,
        "single-image hidden", 1);
  }

  for (guint l = 0; l < n_layers; l++)
    g_free (attn[l]);
  g_free (attn);
  golden_clear (&g);
}

/* Rewrites the fixture as a bare ViTModel checkpoint (no `vit.` prefix, no
 * classifier) with a pooler of known weights, in @dir; returns the pooler
 * weight [H × H] and bias [H] it wrote. */
static void
write_bare_vit_with_pooler (const char *dir, LucidSafetensors *src, guint H,
    float *pool_w, float *pool_b)
{
  g_autoptr (GString) header = g_string_new ("{");
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_autoptr (GError) err = NULL;
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  guint64 hlen;
  guint8 le[8];

  for (guint i = 0; i < H * H; i++)
    pool_w[i] = 0.3f * sinf (0.7f * (float) i);
  for (guint i = 0; i < H; i++)
    pool_b[i] = 0.1f * cosf ((float) i);

  for (guint i = 0; i < lucid_safetensors_get_n_tensors (src); i++) {
    const LucidSafetensor *t = lucid_safetensors_get_nth (src, i);
    if (!g_str_has_prefix (t->name, "vit."))
      continue;                 /* the classifier */
    g_string_append_printf (header, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[",
        header->len > 1 ? "," : "", t->name + strlen ("vit."));
    for (guint d = 0; d < t->n_dims; d++)
      g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? "," : "",
          t->shape[d]);
    g_string_append_printf (header, "],\"data_offsets\":[%u,%zu]}",
        data->len, data->len + t->n_bytes);
    g_assert_cmpint (t->dtype, ==, LUCID_DTYPE_F32);
    g_byte_array_append (data, t->data, t->n_bytes);
  }
  g_string_append_printf (header, ",\"pooler.dense.weight\":{\"dtype\":\"F32\","
      "\"shape\":[%u,%u],\"data_offsets\":[%u,%zu]}", H, H, data->len,
      data->len + (gsize) H * H * 4);
  g_byte_array_append (data, (const guint8 *) pool_w, H * H * 4);
  g_string_append_printf (header, ",\"pooler.dense.bias\":{\"dtype\":\"F32\","
      "\"shape\":[%u],\"data_offsets\":[%u,%zu]}}", H, data->len,
      data->len + (gsize) H * 4);
  g_byte_array_append (data, (const guint8 *) pool_b, H * 4);
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  hlen = header->len;
  for (int i = 0; i < 8; i++)
    le[i] = (guint8) (hlen >> (8 * i));
  g_byte_array_append (file, le, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  g_byte_array_append (file, data->data, data->len);
  g_assert_true (g_file_set_contents (path, (const char *) file->data,
          file->len, &err));
  g_assert_no_error (err);
}

/* The same weights without the `vit.` prefix (a ViTModel checkpoint) give the
 * same hidden states; its pooler is tanh(W · cls + b), checked in double. */
static void
test_vit_bare_model_with_pooler (void)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *ref_dir = g_build_filename (fixtures, "tiny-vit", NULL);
  g_autofree char *cfg_src = g_build_filename (ref_dir, "config.json", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVit) ref = lucid_vit_load (ref_dir, NULL, &err);
  g_autoptr (LucidVit) bare = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-vit-bare-XXXXXX", &err);
  g_autofree char *cfg_dst = g_build_filename (dir, "config.json", NULL);
  g_autofree char *st_dst = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *cfg_text = NULL;
  g_autofree float *pixels = NULL, *pool_w = NULL, *pool_b = NULL;
  g_autofree float *ref_hidden = NULL;
  const LucidVitConfig *cfg;
  LucidVitOutput out;
  gsize img, L, H;

  g_assert_no_error (err);
  cfg = lucid_vit_get_config (ref);
  H = cfg->hidden_size;
  L = lucid_vit_get_seq_len (ref);
  img = (gsize) cfg->num_channels * cfg->image_height * cfg->image_width;
  pool_w = g_new (float, H * H);
  pool_b = g_new (float, H);
  write_bare_vit_with_pooler (dir, lucid_vit_get_weights (ref), H, pool_w,
      pool_b);
  g_assert_true (g_file_get_contents (cfg_src, &cfg_text, NULL, &err));
  g_assert_true (g_file_set_contents (cfg_dst, cfg_text, -1, &err));

  pixels = g_new (float, 2 * img);
  for (gsize i = 0; i < 2 * img; i++)
    pixels[i] = sinf (0.05f * (float) i) * 1.5f;
  g_assert_true (lucid_vit_forward (ref, pixels, 2, NULL, &out, &err));
  ref_hidden = g_memdup2 (out.hidden_states, 2 * L * H * sizeof (float));

  bare = lucid_vit_load (dir, NULL, &err);
  g_assert_no_error (err);
  g_assert_true (lucid_vit_has_pooler (bare));
  g_assert_false (lucid_vit_has_classifier (bare));
  g_assert_cmpuint (lucid_vit_get_num_labels (bare), ==, 0);
  g_assert_true (lucid_vit_forward (bare, pixels, 2, NULL, &out, &err));
  g_assert_no_error (err);
  g_assert_null (out.logits);
  g_assert_nonnull (out.pooler);
  g_assert_cmpmem (out.hidden_states, 2 * L * H * sizeof (float), ref_hidden,
      2 * L * H * sizeof (float));
  for (gsize n = 0; n < 2; n++) {
    g_autofree float *want = g_new (float, H);
    for (gsize o = 0; o < H; o++) {
      double acc = pool_b[o];
      for (gsize i = 0; i < H; i++)
        acc += (double) pool_w[o * H + i] * out.cls[n * H + i];
      want[o] = (float) tanh (acc);
    }
    lucid_test_assert_close (out.pooler + n * H, want, H, "pooler", n);
  }
  g_assert_cmpint (g_unlink (cfg_dst), ==, 0);
  g_assert_cmpint (g_unlink (st_dst), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* tiny-vit-bare, a bare ViTModel saved by transformers with its pooler:
 * last_hidden_state and pooler_output against transformers' own, all cases
 * as one batch (goldens/vit-tiny-vit-bare.json). */
static void
test_vit_bare_model_matches_reference (void)
{
  Golden g = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVit) vit = NULL;
  g_autofree float *pixels = NULL;
  const LucidVitConfig *cfg;
  LucidVitOutput out;
  guint n, L, H;
  gsize img_size;
  double worst_hidden = 0, worst_pooler = 0;

  golden_load (&g, "vit-tiny-vit-bare.json");
  vit = lucid_vit_load (g.model_dir, NULL, &err);
  g_assert_no_error (err);
  cfg = lucid_vit_get_config (vit);
  g_assert_true (lucid_vit_has_pooler (vit));
  g_assert_false (lucid_vit_has_classifier (vit));
  n = json_array_get_length (g.cases);
  g_assert_cmpuint (n, >=, 2);
  L = lucid_vit_get_seq_len (vit);
  H = cfg->hidden_size;
  g_assert_cmpuint (cfg->pooler_output_size, ==, H);
  img_size = (gsize) cfg->num_channels * cfg->image_height * cfg->image_width;
  pixels = g_new (float, n * img_size);
  for (guint i = 0; i < n; i++) {
    gint64 cnt;
    const float *px = golden_tensor (&g, i, "pixel_values", &cnt);
    g_assert_cmpint (cnt, ==, (gint64) img_size);
    memcpy (pixels + i * img_size, px, img_size * sizeof (float));
  }
  g_assert_true (lucid_vit_forward (vit, pixels, n, NULL, &out, &err));
  g_assert_no_error (err);
  g_assert_null (out.logits);
  g_assert_nonnull (out.pooler);
  for (guint i = 0; i < n; i++) {
    gint64 cnt;
    const float *ref = golden_tensor (&g, i, "last_hidden", &cnt);

    g_assert_cmpint (cnt, ==, (gint64) L * H);
    worst_hidden = MAX (worst_hidden, lucid_test_assert_close (
            out.hidden_states + (gsize) i * L * H, ref, cnt, "last_hidden",
            i));
    ref = golden_tensor (&g, i, "pooler", &cnt);
    g_assert_cmpint (cnt, ==, H);
    worst_pooler = MAX (worst_pooler, lucid_test_assert_close (
            out.pooler + (gsize) i * H, ref, cnt, "pooler", i));
  }
  g_test_message ("bare ViTModel: last_hidden max-abs %.3g, pooler max-abs "
      "%.3g", worst_hidden, worst_pooler);
  golden_clear (&g);
}

/* A text model's directory given to the ViT loader: the error names
 * config.json and the model_type found. */
static void
test_vit_refuses_bert_config (void)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *dir = g_build_filename (fixtures, "tiny-bert", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVit) vit = lucid_vit_load (dir, NULL, &err);

  g_assert_null (vit);
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (err->message, "config.json"));
  g_assert_nonnull (strstr (err->message, "\"bert\""));
  g_assert_nonnull (strstr (err->message, "\"vit\""));
}

/* Writes @dir/config.json = tiny-vit's with @key's value replaced by
 * @value, and links the fixture's weights (by absolute path). */
static char *
make_variant_dir (const char *key, const char *value)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *src_cfg = g_build_filename (fixtures, "tiny-vit",
      "config.json", NULL);
  g_autofree char *rel_st = g_build_filename (fixtures, "tiny-vit",
      "model.safetensors", NULL);
  g_autofree char *src_st = g_canonicalize_filename (rel_st, NULL);
  g_autoptr (GError) err = NULL;
  g_autofree char *text = NULL, *pattern = NULL, *cfg_path = NULL;
  g_autofree char *st_path = NULL;
  g_autoptr (GRegex) re = NULL;
  g_autofree char *replaced = NULL, *repl = NULL;
  char *dir = g_dir_make_tmp ("lucid-vit-XXXXXX", &err);

  g_assert_no_error (err);
  g_assert_true (g_file_get_contents (src_cfg, &text, NULL, &err));
  pattern = g_strdup_printf ("\"%s\": [^,\\n]+", key);
  repl = g_strdup_printf ("\"%s\": %s", key, value);
  re = g_regex_new (pattern, 0, 0, &err);
  g_assert_no_error (err);
  replaced = g_regex_replace_literal (re, text, -1, 0, repl, 0, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (replaced, !=, text);
  cfg_path = g_build_filename (dir, "config.json", NULL);
  g_assert_true (g_file_set_contents (cfg_path, replaced, -1, &err));
  st_path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_cmpint (symlink (src_st, st_path), ==, 0);
  return dir;
}

static void
remove_variant_dir (const char *dir)
{
  g_autofree char *a = g_build_filename (dir, "config.json", NULL);
  g_autofree char *b = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_cmpint (g_unlink (a), ==, 0);
  g_assert_cmpint (g_unlink (b), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* config.json promises three layers, the weights hold two: the error names
 * the first missing tensor. */
static void
test_vit_missing_tensor_is_named (void)
{
  g_autofree char *dir = make_variant_dir ("num_hidden_layers", "3");
  g_autoptr (GError) err = NULL;
  LucidVit *vit = lucid_vit_load (dir, NULL, &err);

  g_assert_null (vit);
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (err->message, "model.safetensors"));
  g_assert_nonnull (strstr (err->message,
          "'vit.encoder.layer.2.attention.attention.query.weight'"));
  remove_variant_dir (dir);
}

/* A config whose patch size disagrees with the weights: a shape error that
 * names the tensor. */
static void
test_vit_wrong_shape_is_named (void)
{
  g_autofree char *dir = make_variant_dir ("patch_size", "16");
  g_autoptr (GError) err = NULL;
  LucidVit *vit = lucid_vit_load (dir, NULL, &err);

  g_assert_null (vit);
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_SHAPE);
  g_assert_nonnull (strstr (err->message, "position_embeddings"));
  remove_variant_dir (dir);
}

/* config.json errors name the file and the key. */
static void
test_vit_config_errors (void)
{
  static const struct { const char *json, *needle; } cases[] = {
    { "{\"model_type\": \"vit\", \"patch_size\": 8, \"hidden_size\": 32, "
          "\"num_hidden_layers\": 1, \"num_attention_heads\": 4, "
          "\"intermediate_size\": 8}", "\"image_size\"" },
    { "{\"model_type\": \"vit\", \"image_size\": [32, 0], \"patch_size\": 8, "
          "\"hidden_size\": 32, \"num_hidden_layers\": 1, "
          "\"num_attention_heads\": 4, \"intermediate_size\": 8}",
        "\"image_size\"[1]" },
    { "{\"model_type\": \"vit\", \"image_size\": 32, \"patch_size\": 8, "
          "\"hidden_size\": 30, \"num_hidden_layers\": 1, "
          "\"num_attention_heads\": 4, \"intermediate_size\": 8}",
        "num_attention_heads" },
    { "{\"model_type\": \"vit\", \"image_size\": 32, \"patch_size\": 8, "
          "\"hidden_size\": 32, \"num_hidden_layers\": 1, "
          "\"num_attention_heads\": 4, \"intermediate_size\": 8, "
          "\"hidden_act\": \"mish\"}", "hidden_act \"mish\"" },
    { "{\"image_size\": 32}", "model_type \"(missing)\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (LucidVitConfig) cfg = lucid_vit_config_new_from_data (
        cases[i].json, strlen (cases[i].json), "x/config.json", &err);
    g_assert_null (cfg);
    g_assert_nonnull (err);
    if (strstr (err->message, "x/config.json") == NULL
        || strstr (err->message, cases[i].needle) == NULL)
      g_error ("case %zu: message \"%s\" lacks \"%s\"", i, err->message,
          cases[i].needle);
  }
}

/* Optional keys take ViTConfig's defaults; image/patch sizes may be pairs. */
static void
test_vit_config_defaults (void)
{
  const char *json = "{\"model_type\": \"vit\", \"image_size\": [48, 32], "
      "\"patch_size\": [16, 8], \"hidden_size\": 32, \"num_hidden_layers\": 1, "
      "\"num_attention_heads\": 4, \"intermediate_size\": 8}";
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidVitConfig) cfg = lucid_vit_config_new_from_data (json,
      strlen (json), "config.json", &err);

  g_assert_no_error (err);
  g_assert_cmpuint (cfg->num_channels, ==, 3);
  g_assert_true (cfg->qkv_bias);
  g_assert_cmpfloat (cfg->layer_norm_eps, ==, 1e-12f);
  g_assert_cmpint (cfg->hidden_act, ==, LUCID_ACT_GELU);
  g_assert_cmpuint (cfg->pooler_output_size, ==, 32);
  g_assert_true (cfg->pooler_act_tanh);
  g_assert_cmpuint (cfg->num_labels, ==, 0);
  g_assert_cmpuint (lucid_vit_config_get_num_patches (cfg), ==, 3 * 4);
}

/* Golden tensor @name of @st (asserting it holds @want_n floats) against
 * @got; returns the max-abs error. */
static double
real_check (const float *got, LucidSafetensors *st, const char *name,
    gint64 want_n, guint case_i)
{
  const LucidSafetensor *t = lucid_safetensors_lookup (st, name);
  g_autoptr (GError) err = NULL;
  const float *ref;

  if (t == NULL)
    g_error ("golden tensor %s is missing", name);
  g_assert_cmpint (t->n_elements, ==, want_n);
  ref = lucid_safetensors_get_f32 (st, name, t->n_dims, t->shape, &err);
  g_assert_no_error (err);
  return lucid_test_assert_close (got, ref, want_n, name, case_i);
}

static char *
real_vit_dir (void)
{
  const char *env = g_getenv ("LUCID_MODELS_DIR");
  g_autofree char *models = env && *env ? g_strdup (env)
      : g_build_filename (g_get_user_cache_dir (), "lucid", "models", NULL);

  return g_build_filename (models, "vit-base-patch16-224", NULL);
}

/* A real ViT ($LUCID_MODELS_DIR/vit-base-patch16-224, a
 * ViTForImageClassification or a ViTModel) against the goldens
 * tools/make_vit_real_goldens.py wrote beside it: the committed PNGs'
 * pixel values, last_hidden_state, and logits or pooler_output. Skipped,
 * saying why, without the model or its goldens. */
static void
test_vit_real (void)
{
  g_autofree char *dir = real_vit_dir ();
  g_autofree char *json = g_build_filename (dir, "lucid-goldens", "vit.json",
      NULL);
  g_autofree char *stp = g_build_filename (dir, "lucid-goldens",
      "vit.safetensors", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (LucidVit) vit = NULL;
  g_autoptr (LucidImageConfig) icfg = NULL;
  g_autofree float *pixels = NULL;
  const LucidVitConfig *cfg;
  LucidVitOutput out;
  JsonArray *images;
  guint ni, L, H, oh, ow;
  gsize img;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_autofree char *msg = g_strdup_printf ("no real ViT model at %s (no "
        "package ships ViT weights; get one with tools/fetch-model.py "
        "google/vit-base-patch16-224, then run "
        "tools/make_vit_real_goldens.py)", dir);
    g_test_skip (msg);
    return;
  }
  if (!g_file_test (json, G_FILE_TEST_EXISTS)) {
    g_autofree char *msg = g_strdup_printf ("%s has no goldens: run "
        "tools/make_vit_real_goldens.py", dir);
    g_test_skip (msg);
    return;
  }
  root = lucid_json_parse_file (json, &err);
  g_assert_no_error (err);
  st = lucid_safetensors_open (stp, &err);
  g_assert_no_error (err);
  vit = lucid_vit_load (dir, NULL, &err);
  g_assert_no_error (err);
  icfg = lucid_image_config_load (dir, &err);
  g_assert_no_error (err);
  cfg = lucid_vit_get_config (vit);
  L = lucid_vit_get_seq_len (vit);
  H = cfg->hidden_size;
  img = (gsize) cfg->num_channels * cfg->image_height * cfg->image_width;

  images = json_object_get_array_member (json_node_get_object (root),
      "images");
  ni = json_array_get_length (images);
  g_assert_cmpuint (ni, >=, 1);
  pixels = g_new (float, ni * img);
  for (guint i = 0; i < ni; i++) {
    JsonObject *im = json_array_get_object_element (images, i);
    guint w = json_object_get_int_member (im, "width");
    guint h = json_object_get_int_member (im, "height");
    g_autofree char *rgb = g_strdup_printf ("image%u.rgb", i);
    g_autofree char *pv = g_strdup_printf ("image%u.pixel_values", i);
    const LucidSafetensor *t = lucid_safetensors_lookup (st, rgb);

    g_assert_nonnull (t);
    lucid_image_config_get_output_size (icfg, w, h, &ow, &oh);
    g_assert_cmpuint (oh, ==, cfg->image_height);
    g_assert_cmpuint (ow, ==, cfg->image_width);
    g_assert_true (lucid_image_preprocess_rgb8 (icfg, t->data, w, h,
            (gsize) w * 3, pixels + i * img, &err));
    g_assert_no_error (err);
    g_test_message ("%s pixel values: max-abs %.3g",
        json_object_get_string_member (im, "png"),
        real_check (pixels + i * img, st, pv, img, i));
  }
  g_assert_true (lucid_vit_forward (vit, pixels, ni, NULL, &out, &err));
  g_assert_no_error (err);
  g_test_message ("last_hidden_state: max-abs %.3g", real_check (
          out.hidden_states, st, "last_hidden_state", (gint64) ni * L * H, 0));
  if (lucid_safetensors_lookup (st, "logits") != NULL) {
    guint nl = lucid_vit_get_num_labels (vit);

    g_assert_nonnull (out.logits);
    g_test_message ("logits: max-abs %.3g", real_check (out.logits, st,
            "logits", (gint64) ni * nl, 0));
    for (guint i = 0; i < ni; i++) {
      JsonObject *im = json_array_get_object_element (images, i);
      guint best = 0;

      for (guint k = 1; k < nl; k++)
        if (out.logits[i * nl + k] > out.logits[i * nl + best])
          best = k;
      g_assert_cmpstr (lucid_vit_get_label (vit, best), ==,
          json_object_get_string_member (im, "label"));
    }
  }
  if (lucid_safetensors_lookup (st, "pooler_output") != NULL) {
    g_assert_nonnull (out.pooler);
    g_test_message ("pooler_output: max-abs %.3g", real_check (out.pooler,
            st, "pooler_output", (gint64) ni * cfg->pooler_output_size, 0));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vit/forward-matches-reference",
      test_vit_forward_matches_reference);
  g_test_add_func ("/vit/bare-model-with-pooler",
      test_vit_bare_model_with_pooler);
  g_test_add_func ("/vit/bare-model-matches-reference",
      test_vit_bare_model_matches_reference);
  g_test_add_func ("/vit/refuses-bert-config", test_vit_refuses_bert_config);
  g_test_add_func ("/vit/missing-tensor-is-named",
      test_vit_missing_tensor_is_named);
  g_test_add_func ("/vit/wrong-shape-is-named", test_vit_wrong_shape_is_named);
  g_test_add_func ("/vit/config-errors", test_vit_config_errors);
  g_test_add_func ("/vit/config-defaults", test_vit_config_defaults);
  g_test_add_func ("/vit/real", test_vit_real);
  return g_test_run ();
}
