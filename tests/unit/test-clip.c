/* test-clip.c — CLIPModel against Hugging Face transformers.
 *
 * Goldens: $LUCID_FIXTURES_DIR/goldens/clip-<model>.json + .safetensors
 * (tools/make_clip_fixtures.py, transformers 5.24 / tokenizers 0.23.3 /
 * Pillow 13).  For tiny-clip (first-eos pooling, F32 weights) and
 * tiny-clip-legacy (eos_token_id 2: highest-id pooling, F16 weights):
 *   - the PNGs' RGB8 through preprocessor_config.json = the PIL processor's
 *     pixel values;
 *   - image embeddings (pooled, projected, normalised) from those pixels;
 *   - text ids from the model's tokenizer = the golden ids; text
 *     embeddings from the texts; and from raw id sequences that tell the
 *     two pooling rules apart;
 *   - logits_per_image and the logit scale;
 *   - a batch gives what its items give alone.
 * Plus the family probe, bad model directories, and a real CLIP model when
 * one is installed with its goldens ($LUCID_MODELS_DIR/clip-vit-base-patch32
 * + tools/make_clip_real_goldens.py; skipped with a message otherwise: no
 * package we can reach ships CLIP weights, docs/MODELS.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "lucid-clip.h"
#include "lucid-error.h"
#include "lucid-image.h"
#include "lucid-json.h"
#include "lucid-safetensors.h"
#include "lucid-test-util.h"

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), name, NULL);
}

static const float *
golden_f32 (LucidSafetensors *st, const char *name, gint64 *n)
{
  const LucidSafetensor *t = lucid_safetensors_lookup (st, name);
  g_autoptr (GError) error = NULL;
  const float *v;

  g_assert_nonnull (t);
  *n = 1;
  for (guint i = 0; i < t->n_dims; i++)
    *n *= t->shape[i];
  v = lucid_safetensors_get_f32 (st, name, t->n_dims, t->shape, &error);
  g_assert_no_error (error);
  return v;
}

/* Asserts @got against golden tensor @name; returns the max-abs error. */
static double
check (const float *got, LucidSafetensors *st, const char *name, gint64 want_n,
       guint case_i)
{
  gint64 n;
  const float *ref = golden_f32 (st, name, &n);

  g_assert_cmpint (n, ==, want_n);
  return lucid_test_assert_close (got, ref, n, name, case_i);
}

typedef struct {
  JsonParser *parser;
  JsonObject *obj;
  LucidSafetensors *st;
  LucidClip *clip;
} Golden;

static void
golden_open (Golden *g, const char *model)
{
  g_autofree char *json = g_strdup_printf ("clip-%s.json", model);
  g_autofree char *stname = g_strdup_printf ("clip-%s.safetensors", model);
  g_autofree char *stpath = NULL, *dir = fixture (model);
  g_autoptr (GError) error = NULL;

  g->obj = lucid_test_load_golden (json, &g->parser);
  stpath = g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), "goldens", stname,
                             NULL);
  g->st = lucid_safetensors_open (stpath, &error);
  g_assert_no_error (error);
  g->clip = lucid_clip_load (dir, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *ref
        = json_to_string (json_object_get_member (g->obj, "reference"), FALSE);
    g_test_message ("%s: reference %s", model, ref);
  }
}

static void
golden_close (Golden *g)
{
  lucid_clip_free (g->clip);
  lucid_safetensors_free (g->st);
  g_object_unref (g->parser);
}

static void
test_images (gconstpointer data)
{
  Golden g;
  JsonArray *images;
  const LucidImageConfig *ic;
  guint D, S, Hv, n;
  g_autofree float *pixels = NULL, *emb = NULL, *embn = NULL, *pooled = NULL;
  g_autoptr (GError) error = NULL;

  golden_open (&g, data);
  images = json_object_get_array_member (g.obj, "images");
  n = json_array_get_length (images);
  D = lucid_clip_get_projection_dim (g.clip);
  S = lucid_clip_get_image_size (g.clip);
  Hv = lucid_clip_get_config (g.clip)->vision.hidden_size;
  ic = lucid_clip_get_image_config (g.clip);
  pixels = g_new (float, (gsize)n * 3 * S * S);
  emb = g_new (float, (gsize)n *D);
  embn = g_new (float, (gsize)n *D);
  pooled = g_new (float, (gsize)n *Hv);

  /* Preprocessing: the PNG's pixels → the PIL processor's pixel values. */
  for (guint i = 0; i < n; i++) {
    JsonObject *im = json_array_get_object_element (images, i);
    guint w = json_object_get_int_member (im, "width");
    guint h = json_object_get_int_member (im, "height");
    g_autofree char *rgb_name = g_strdup_printf ("image%u.rgb", i);
    g_autofree char *px_name = g_strdup_printf ("image%u.pixel_values", i);
    const LucidSafetensor *t = lucid_safetensors_lookup (g.st, rgb_name);
    gint64 npx;
    const float *ref = golden_f32 (g.st, px_name, &npx);
    guint ow, oh;

    g_assert_nonnull (t);
    g_assert_cmpint (t->dtype, ==, LUCID_DTYPE_U8);
    g_assert_cmpint (t->shape[0], ==, h);
    g_assert_cmpint (t->shape[1], ==, w);
    lucid_image_config_get_output_size (ic, w, h, &ow, &oh);
    g_assert_cmpuint (ow, ==, S);
    g_assert_cmpuint (oh, ==, S);
    g_assert_cmpint (npx, ==, 3 * S * S);
    g_assert_true (lucid_image_preprocess_rgb8 (ic, t->data, w, h, (gsize)w * 3,
                                                pixels + (gsize)i * 3 * S * S,
                                                &error));
    g_assert_no_error (error);
    lucid_test_assert_close (pixels + (gsize)i * 3 * S * S, ref, npx,
                             "pixel_values", i);
  }

  /* The three images as one batch. */
  g_assert_true (
      lucid_clip_encode_images (g.clip, pixels, n, emb, FALSE, pooled, &error));
  g_assert_no_error (error);
  g_assert_true (
      lucid_clip_encode_images (g.clip, pixels, n, embn, TRUE, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++) {
    g_autofree char *a = g_strdup_printf ("image%u.pooled", i);
    g_autofree char *b = g_strdup_printf ("image%u.embeds", i);
    g_autofree char *c = g_strdup_printf ("image%u.embeds_normalized", i);
    double e;

    e = check (pooled + (gsize)i * Hv, g.st, a, Hv, i);
    e = MAX (e, check (emb + (gsize)i * D, g.st, b, D, i));
    e = MAX (e, check (embn + (gsize)i * D, g.st, c, D, i));
    g_test_message ("image %u: max-abs error %.3g", i, e);
  }
  /* One image alone gives its batch row. */
  {
    g_autofree float *one = g_new (float, D);

    g_assert_true (lucid_clip_encode_images (g.clip, pixels + 3 * S * S, 1, one,
                                             FALSE, NULL, &error));
    lucid_test_assert_close (one, emb + D, D, "image 1 alone", 1);
  }
  golden_close (&g);
}

static void
test_texts (gconstpointer data)
{
  Golden g;
  JsonArray *texts, *idc;
  guint D, Ht, n, m;
  g_autofree float *emb = NULL, *embn = NULL, *pooled = NULL;
  g_autofree const char **strs = NULL;
  g_autoptr (GError) error = NULL;
  const LucidTokenizer *tok;

  golden_open (&g, data);
  tok = lucid_clip_get_tokenizer (g.clip);
  texts = json_object_get_array_member (g.obj, "texts");
  n = json_array_get_length (texts);
  D = lucid_clip_get_projection_dim (g.clip);
  Ht = lucid_clip_get_config (g.clip)->text.hidden_size;
  strs = g_new0 (const char *, n + 1);
  emb = g_new (float, (gsize)n *D);
  embn = g_new (float, (gsize)n *D);
  pooled = g_new (float, (gsize)n *Ht);

  for (guint i = 0; i < n; i++) {
    JsonObject *t = json_array_get_object_element (texts, i);
    JsonArray *ids = json_object_get_array_member (t, "ids");
    g_autoptr (LucidEncoding) enc = NULL;

    strs[i] = json_object_get_string_member (t, "text");
    enc = lucid_tokenizer_encode (tok, strs[i], NULL,
                                  lucid_clip_get_max_text_length (g.clip));
    g_assert_cmpuint (enc->n, ==, json_array_get_length (ids));
    for (guint k = 0; k < enc->n; k++)
      g_assert_cmpint (enc->ids[k], ==, json_array_get_int_element (ids, k));
  }
  g_assert_true (
      lucid_clip_encode_texts (g.clip, strs, n, emb, FALSE, pooled, &error));
  g_assert_no_error (error);
  g_assert_true (
      lucid_clip_encode_texts (g.clip, strs, n, embn, TRUE, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++) {
    g_autofree char *a = g_strdup_printf ("text%u.pooled", i);
    g_autofree char *b = g_strdup_printf ("text%u.embeds", i);
    g_autofree char *c = g_strdup_printf ("text%u.embeds_normalized", i);
    double e;

    e = check (pooled + (gsize)i * Ht, g.st, a, Ht, i);
    e = MAX (e, check (emb + (gsize)i * D, g.st, b, D, i));
    e = MAX (e, check (embn + (gsize)i * D, g.st, c, D, i));
    g_test_message ("text %u (%s): max-abs error %.3g", i, strs[i], e);
  }

  /* Raw id sequences, one batch: they tell the pooling rules apart. */
  idc = json_object_get_array_member (g.obj, "ids_cases");
  m = json_array_get_length (idc);
  {
    g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
    g_autofree gsize *offsets = g_new (gsize, m + 1);
    g_autofree float *out = g_new (float, (gsize)m *D);
    g_autofree float *pool = g_new (float, (gsize)m *Ht);

    offsets[0] = 0;
    for (guint i = 0; i < m; i++) {
      JsonArray *a = json_object_get_array_member (
          json_array_get_object_element (idc, i), "ids");

      for (guint k = 0; k < json_array_get_length (a); k++) {
        gint32 id = (gint32)json_array_get_int_element (a, k);
        g_array_append_val (ids, id);
      }
      offsets[i + 1] = ids->len;
    }
    g_assert_true (
        lucid_clip_encode_token_ids (g.clip, (const gint32 *)ids->data, offsets,
                                     m, out, FALSE, pool, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < m; i++) {
      g_autofree char *a = g_strdup_printf ("ids%u.pooled", i);
      g_autofree char *b = g_strdup_printf ("ids%u.embeds", i);

      check (pool + (gsize)i * Ht, g.st, a, Ht, i);
      check (out + (gsize)i * D, g.st, b, D, i);
    }
  }
  golden_close (&g);
}

static void
test_logits (gconstpointer data)
{
  Golden g;
  g_autoptr (GError) error = NULL;
  JsonArray *images, *texts;
  guint ni, nt, D, S;
  g_autofree float *pixels = NULL, *ie = NULL, *te = NULL, *logits = NULL;
  g_autofree const char **strs = NULL;
  gint64 k;
  const float *ref;
  double want_scale;

  golden_open (&g, data);
  images = json_object_get_array_member (g.obj, "images");
  texts = json_object_get_array_member (g.obj, "texts");
  ni = json_array_get_length (images);
  nt = json_array_get_length (texts);
  D = lucid_clip_get_projection_dim (g.clip);
  S = lucid_clip_get_image_size (g.clip);
  pixels = g_new (float, (gsize)ni * 3 * S * S);
  ie = g_new (float, (gsize)ni *D);
  te = g_new (float, (gsize)nt *D);
  logits = g_new (float, (gsize)ni *nt);
  strs = g_new0 (const char *, nt + 1);

  /* From the golden pixel values (preprocessing is checked above). */
  for (guint i = 0; i < ni; i++) {
    g_autofree char *name = g_strdup_printf ("image%u.pixel_values", i);
    memcpy (pixels + (gsize)i * 3 * S * S, golden_f32 (g.st, name, &k),
            (gsize)3 * S * S * sizeof (float));
  }
  for (guint j = 0; j < nt; j++)
    strs[j] = json_object_get_string_member (
        json_array_get_object_element (texts, j), "text");
  g_assert_true (
      lucid_clip_encode_images (g.clip, pixels, ni, ie, FALSE, NULL, &error));
  g_assert_true (
      lucid_clip_encode_texts (g.clip, strs, nt, te, FALSE, NULL, &error));
  g_assert_no_error (error);
  lucid_clip_logits (g.clip, ie, ni, te, nt, logits);
  ref = golden_f32 (g.st, "logits_per_image", &k);
  g_assert_cmpint (k, ==, (gint64)ni * nt);
  lucid_test_assert_close (logits, ref, k, "logits_per_image", 0);

  want_scale = exp (json_object_get_double_member (g.obj, "logit_scale"));
  g_assert_cmpfloat_with_epsilon (lucid_clip_get_logit_scale (g.clip),
                                  want_scale, 1e-5 * want_scale);
  golden_close (&g);
}

static void
test_probe (void)
{
  g_autofree char *clip = fixture ("tiny-clip");
  g_autofree char *legacy = fixture ("tiny-clip-legacy");
  g_autofree char *vit = fixture ("tiny-vit");
  g_autofree char *bert = fixture ("tiny-bert");
  g_autofree char *none = fixture ("no-such-dir");

  g_assert_true (lucid_clip_dir_is_clip (clip, NULL));
  g_assert_true (lucid_clip_dir_is_clip (legacy, NULL));
  g_assert_false (lucid_clip_dir_is_clip (vit, NULL));
  g_assert_false (lucid_clip_dir_is_clip (bert, NULL));
  g_assert_false (lucid_clip_dir_is_clip (none, NULL));
  g_assert_false (lucid_clip_dir_is_clip (NULL, NULL));
}

static void
test_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidClipConfig) c = NULL;
  /* A hub-style legacy config: defaults omitted, text_config_dict wins. */
  static const char doc[]
      = "{\"model_type\": \"clip\", "
        "\"text_config\": {\"eos_token_id\": 7, \"hidden_size\": 64}, "
        "\"text_config_dict\": {\"eos_token_id\": 2}, "
        "\"vision_config\": {\"patch_size\": [16, 16]}, "
        "\"projection_dim\": 256}";

  c = lucid_clip_config_new_from_data (doc, strlen (doc), "config.json",
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->text.eos_token_id, ==, 2);
  g_assert_cmpuint (c->text.hidden_size, ==, 64);
  g_assert_cmpuint (c->text.vocab_size, ==, 49408);
  g_assert_cmpuint (c->text.max_position_embeddings, ==, 77);
  g_assert_cmpint (c->text.hidden_act, ==, LUCID_ACT_QUICK_GELU);
  g_assert_cmpuint (c->vision.patch_size, ==, 16);
  g_assert_cmpuint (c->vision.image_size, ==, 224);
  g_assert_cmpuint (c->vision.hidden_size, ==, 768);
  g_assert_cmpuint (c->projection_dim, ==, 256);
  g_assert_cmpfloat (c->logit_scale_init_value, ==, 2.6592f);
}

typedef struct {
  const char *what, *doc, *message_part;
} BadConfig;

static void
test_bad_configs (void)
{
  static const BadConfig cases[] = {
    { "not clip", "{\"model_type\": \"vit\"}", "not a CLIP model" },
    { "no model_type", "{\"text_config\": {}}", "model_type" },
    { "eos list",
      "{\"model_type\": \"clip\", \"text_config\": "
      "{\"eos_token_id\": [1, 2]}}",
      "eos_token_id" },
    { "bad heads",
      "{\"model_type\": \"clip\", \"vision_config\": "
      "{\"hidden_size\": 30, \"num_attention_heads\": 4}}",
      "multiple" },
    { "non-square image",
      "{\"model_type\": \"clip\", \"vision_config\": "
      "{\"image_size\": [224, 192]}}",
      "square" },
    { "text_config not an object",
      "{\"model_type\": \"clip\", "
      "\"text_config\": 3}",
      "text_config" },
    { "huge vocab",
      "{\"model_type\": \"clip\", \"text_config\": "
      "{\"vocab_size\": 1e30}}",
      "vocab_size" },
    { "unknown activation",
      "{\"model_type\": \"clip\", \"text_config\": "
      "{\"hidden_act\": \"mish\"}}",
      "mish" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidClipConfig) c = lucid_clip_config_new_from_data (
        cases[i].doc, strlen (cases[i].doc), "x/config.json", &error);

    g_test_message ("%s: %s", cases[i].what, error ? error->message : "ok");
    g_assert_null (c);
    g_assert_error (error, LUCID_ERROR, error->code);
    g_assert_nonnull (strstr (error->message, "x/config.json"));
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
  }
}

/* A copy of tiny-clip with one file removed or replaced. */
static char *
broken_copy (const char *drop, const char *name, const char *contents)
{
  g_autofree char *src = fixture ("tiny-clip");
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("lucid-clip-XXXXXX", &error);
  static const char *const files[]
      = { "config.json", "model.safetensors", "tokenizer.json",
          "tokenizer_config.json", "preprocessor_config.json" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *from = g_build_filename (src, files[i], NULL);
    g_autofree char *to = g_build_filename (dir, files[i], NULL);
    g_autofree char *data = NULL;
    gsize len;

    if (drop != NULL && strcmp (drop, files[i]) == 0)
      continue;
    g_assert_true (g_file_get_contents (from, &data, &len, NULL));
    g_assert_true (g_file_set_contents (to, data, len, NULL));
  }
  if (name != NULL) {
    g_autofree char *to = g_build_filename (dir, name, NULL);
    g_assert_true (g_file_set_contents (to, contents, -1, NULL));
  }
  return dir;
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (dir, n, NULL);
    g_unlink (p);
  }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
}

static void
test_bad_dirs (void)
{
  static const struct {
    const char *what, *drop, *name, *contents, *message_part;
  } cases[] = {
    { "no weights", "model.safetensors", NULL, NULL, "model.safetensors" },
    { "no tokenizer", "tokenizer.json", NULL, NULL, "tokenizer.json" },
    { "no preprocessor config", "preprocessor_config.json", NULL, NULL,
      "preprocessor_config.json" },
    { "preprocessor gives the wrong size", NULL, "preprocessor_config.json",
      "{\"image_processor_type\": \"CLIPImageProcessor\", \"size\": "
      "{\"shortest_edge\": 24}, \"crop_size\": {\"height\": 24, \"width\": "
      "24}, \"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}",
      "vision_config.image_size" },
    { "config disagrees with the weights", NULL, "config.json",
      "{\"model_type\": \"clip\", \"projection_dim\": 8, \"text_config\": "
      "{\"vocab_size\": 1115, \"hidden_size\": 32, \"intermediate_size\": 64, "
      "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
      "\"max_position_embeddings\": 32}, \"vision_config\": {\"hidden_size\": "
      "32, \"intermediate_size\": 64, \"num_hidden_layers\": 2, "
      "\"num_attention_heads\": 4, \"image_size\": 32, \"patch_size\": 8}}",
      "text_projection.weight" },
    { "a ViT directory", NULL, "config.json", "{\"model_type\": \"vit\"}",
      "not a CLIP model" },
    { "truncated weights", NULL, "model.safetensors", "\x10\0\0\0",
      "model.safetensors" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *dir
        = broken_copy (cases[i].drop, cases[i].name, cases[i].contents);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidClip) c = lucid_clip_load (dir, NULL, &error);

    g_test_message ("%s: %s", cases[i].what, error ? error->message : "ok");
    g_assert_null (c);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
    remove_dir (dir);
  }
}

static void
test_bad_ids (void)
{
  g_autofree char *dir = fixture ("tiny-clip");
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidClip) c = lucid_clip_load (dir, NULL, &error);
  gint32 ids[40] = { 0 };
  gsize off[2] = { 0, 3 };
  float out[64];

  g_assert_no_error (error);
  ids[1] = 5000; /* outside the 1115-token vocabulary */
  g_assert_false (
      lucid_clip_encode_token_ids (c, ids, off, 1, out, TRUE, NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ids[1] = 0;
  off[1] = 40; /* longer than max_position_embeddings 32 */
  g_assert_false (
      lucid_clip_encode_token_ids (c, ids, off, 1, out, TRUE, NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  off[1] = 0; /* empty */
  g_assert_false (
      lucid_clip_encode_token_ids (c, ids, off, 1, out, TRUE, NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (lucid_clip_get_max_text_length (c), ==, 32);
}

static char *
real_clip_dir (void)
{
  const char *env = g_getenv ("LUCID_MODELS_DIR");
  g_autofree char *models = env && *env
                                ? g_strdup (env)
                                : g_build_filename (g_get_user_cache_dir (),
                                                    "lucid", "models", NULL);

  return g_build_filename (models, "clip-vit-base-patch32", NULL);
}

static void
test_real (void)
{
  g_autofree char *dir = real_clip_dir ();
  g_autofree char *json
      = g_build_filename (dir, "lucid-goldens", "clip.json", NULL);
  g_autofree char *stp
      = g_build_filename (dir, "lucid-goldens", "clip.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (LucidClip) clip = NULL;
  g_autofree float *pixels = NULL, *ie = NULL, *te = NULL, *logits = NULL;
  g_autofree const char **prompts = NULL;
  JsonObject *obj;
  JsonArray *images, *pr;
  guint ni, nt, S, D;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_autofree char *msg = g_strdup_printf (
        "no real CLIP model at %s (no "
        "package ships CLIP weights; get one with tools/fetch-model.py "
        "openai/clip-vit-base-patch32, then run "
        "tools/make_clip_real_goldens.py)",
        dir);
    g_test_skip (msg);
    return;
  }
  if (!g_file_test (json, G_FILE_TEST_EXISTS)) {
    g_autofree char *msg = g_strdup_printf ("%s has no goldens: run "
                                            "tools/make_clip_real_goldens.py",
                                            dir);
    g_test_skip (msg);
    return;
  }
  root = lucid_json_parse_file (json, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (root);
  st = lucid_safetensors_open (stp, &error);
  g_assert_no_error (error);
  clip = lucid_clip_load (dir, NULL, &error);
  g_assert_no_error (error);

  images = json_object_get_array_member (obj, "images");
  pr = json_object_get_array_member (obj, "prompts");
  ni = json_array_get_length (images);
  nt = json_array_get_length (pr);
  S = lucid_clip_get_image_size (clip);
  D = lucid_clip_get_projection_dim (clip);
  pixels = g_new (float, (gsize)ni * 3 * S * S);
  ie = g_new (float, (gsize)ni *D);
  te = g_new (float, (gsize)nt *D);
  logits = g_new (float, (gsize)ni *nt);
  prompts = g_new0 (const char *, nt + 1);
  for (guint i = 0; i < ni; i++) {
    JsonObject *im = json_array_get_object_element (images, i);
    guint w = json_object_get_int_member (im, "width");
    guint h = json_object_get_int_member (im, "height");
    g_autofree char *rgb = g_strdup_printf ("image%u.rgb", i);
    g_autofree char *pv = g_strdup_printf ("image%u.pixel_values", i);
    const LucidSafetensor *t = lucid_safetensors_lookup (st, rgb);

    g_assert_nonnull (t);
    g_assert_true (lucid_image_preprocess_rgb8 (
        lucid_clip_get_image_config (clip), t->data, w, h, (gsize)w * 3,
        pixels + (gsize)i * 3 * S * S, &error));
    g_assert_no_error (error);
    check (pixels + (gsize)i * 3 * S * S, st, pv, 3 * S * S, i);
  }
  for (guint j = 0; j < nt; j++)
    prompts[j] = json_array_get_string_element (pr, j);
  g_assert_true (
      lucid_clip_encode_images (clip, pixels, ni, ie, TRUE, NULL, &error));
  g_assert_true (
      lucid_clip_encode_texts (clip, prompts, nt, te, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("image embeds: max-abs %.3g",
                  check (ie, st, "image_embeds", (gint64)ni * D, 0));
  g_test_message ("text embeds: max-abs %.3g",
                  check (te, st, "text_embeds", (gint64)nt * D, 0));
  lucid_clip_logits (clip, ie, ni, te, nt, logits);
  g_test_message ("logits: max-abs %.3g",
                  check (logits, st, "logits_per_image", (gint64)ni * nt, 0));
}

int
main (int argc, char **argv)
{
  static const char *const models[] = { "tiny-clip", "tiny-clip-legacy" };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++) {
    g_autofree char *a = g_strdup_printf ("/clip/%s/images", models[i]);
    g_autofree char *b = g_strdup_printf ("/clip/%s/texts", models[i]);
    g_autofree char *c = g_strdup_printf ("/clip/%s/logits", models[i]);

    g_test_add_data_func (a, models[i], test_images);
    g_test_add_data_func (b, models[i], test_texts);
    g_test_add_data_func (c, models[i], test_logits);
  }
  g_test_add_func ("/clip/probe", test_probe);
  g_test_add_func ("/clip/config", test_config);
  g_test_add_func ("/clip/bad-configs", test_bad_configs);
  g_test_add_func ("/clip/bad-dirs", test_bad_dirs);
  g_test_add_func ("/clip/bad-ids", test_bad_ids);
  g_test_add_func ("/clip/real", test_real);
  return g_test_run ();
}
