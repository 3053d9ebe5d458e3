/* test-text-model.c — the BERT text path against Hugging Face goldens.
 *
 * Goldens come from tools/make_fixtures.py (tiny random-weight models, made
 * with transformers / sentence-transformers) and tools/make_minilm_goldens.py
 * (the real all-MiniLM-L6-v2, when installed). Tolerances are DESIGN.md's:
 * max-abs error ≤ 1e-4 · max(1, max|ref|) for fp32, pooled cosine ≥ 0.99999.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-error.h"
#include "lucid-test-util.h"
#include "lucid-json.h"
#include "lucid-safetensors.h"
#include "lucid-text-model.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>


typedef struct {
  JsonNode *root;
  JsonArray *cases;
  LucidSafetensors *tensors;
  char *model_dir;
} Golden;

static char *
models_dir (void)
{
  const char *env = g_getenv ("LUCID_MODELS_DIR");
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_cache_dir (), "lucid", "models", NULL);
}

static void
golden_clear (Golden *g)
{
  g_clear_pointer (&g->root, json_node_unref);
  g_clear_pointer (&g->tensors, lucid_safetensors_free);
  g_clear_pointer (&g->model_dir, g_free);
}

/* Loads goldens/text-NAME.json and its tensors; FALSE (test skipped) when
 * the model it refers to is not installed. */
static gboolean
golden_load (Golden *g, const char *name)
{
  const char *fixtures = g_getenv ("LUCID_FIXTURES_DIR");
  g_autofree char *json_path = NULL, *st_path = NULL;
  g_autoptr (GError) err = NULL;
  JsonObject *obj;
  const char *dir;

  g_assert_nonnull (fixtures);
  json_path = g_strdup_printf ("%s/goldens/text-%s.json", fixtures, name);
  g->root = lucid_json_parse_file (json_path, &err);
  g_assert_no_error (err);
  obj = json_node_get_object (g->root);
  g->cases = json_object_get_array_member (obj, "cases");
  dir = json_object_get_string_member (obj, "model_dir");
  if (g_str_has_prefix (dir, "@MODELS@/")) {
    g_autofree char *models = models_dir ();
    g->model_dir = g_build_filename (models, dir + strlen ("@MODELS@/"), NULL);
    if (!g_file_test (g->model_dir, G_FILE_TEST_IS_DIR)) {
      g_autofree char *msg = g_strdup_printf ("real model not installed at %s:"
          " run tools/install-models.sh", g->model_dir);
      g_test_skip (msg);
      g_printerr ("SKIP: %s\n", msg);
      return FALSE;
    }
  } else {
    g->model_dir = g_build_filename (fixtures, dir, NULL);
  }
  st_path = g_strdup_printf ("%s/goldens/%s", fixtures,
      json_object_get_string_member (obj, "tensors"));
  g->tensors = lucid_safetensors_open (st_path, &err);
  g_assert_no_error (err);
  return TRUE;
}

/* NULL when the golden has no such tensor (not every case stores all). */
static const float *
golden_tensor (Golden *g, guint i, const char *what, gint64 *n_out)
{
  g_autofree char *name = g_strdup_printf ("case%u.%s", i, what);
  const LucidSafetensor *t = lucid_safetensors_lookup (g->tensors, name);
  if (t == NULL)
    return NULL;
  *n_out = t->n_elements;
  return lucid_safetensors_get_f32 (g->tensors, name, t->n_dims, t->shape,
      NULL);
}

static void
assert_cosine (const float *got, const float *ref, gint64 n, double min_cos,
    const char *what, guint case_i)
{
  double dot = 0, na = 0, nb = 0, cos;
  for (gint64 i = 0; i < n; i++) {
    dot += (double) got[i] * ref[i];
    na += (double) got[i] * got[i];
    nb += (double) ref[i] * ref[i];
  }
  cos = dot / (sqrt (na) * sqrt (nb) + 1e-300);
  if (!(cos >= min_cos))
    g_error ("case %u %s: cosine %.8f < %.8f", case_i, what, cos, min_cos);
}

static const char **
case_texts (Golden *g)
{
  guint n = json_array_get_length (g->cases);
  const char **texts = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    texts[i] = json_object_get_string_member (json_array_get_object_element
        (g->cases, i), "text");
  return texts;
}

/* Tokenizer ids of every case, then the whole case list as ONE packed batch:
 * hidden states, attentions and every pooling against the per-text goldens. */
static void
check_forward (const char *name, gboolean check_attn)
{
  Golden g = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidTextModel) m = NULL;
  g_autofree const char **texts = NULL;
  static const struct { LucidPooling pooling; const char *tensor; } pools[] = {
    { LUCID_POOLING_CLS, "emb.cls" },
    { LUCID_POOLING_MEAN, "emb.mean" },
    { LUCID_POOLING_MAX, "emb.max" },
    { LUCID_POOLING_POOLER, "emb.pooler" },
  };
  guint n, H, compared = 0;

  if (!golden_load (&g, name))
    return;
  m = lucid_text_model_load (g.model_dir, &err);
  g_assert_no_error (err);
  H = lucid_text_model_get_hidden_size (m);
  texts = case_texts (&g);
  n = json_array_get_length (g.cases);

  /* Default options: the model's own pooling and normalisation. */
  {
    LucidTextOptions opts = { LUCID_POOLING_DEFAULT, 0 };
    LucidTextOutput out;
    g_assert_true (lucid_text_model_run (m, texts, n, &opts, check_attn, &out,
            &err));
    g_assert_no_error (err);
    for (guint i = 0; i < n; i++) {
      JsonObject *c = json_array_get_object_element (g.cases, i);
      JsonArray *ids = json_object_get_array_member (c, "ids");
      LucidEncoding *enc = out.encodings[i];
      const float *ref;
      gint64 cnt;
      guint len = out.seq_offset[i + 1] - out.seq_offset[i];

      g_assert_cmpuint (enc->n, ==, json_array_get_length (ids));
      for (guint t = 0; t < enc->n; t++)
        g_assert_cmpint (enc->ids[t], ==, json_array_get_int_element (ids, t));
      ref = golden_tensor (&g, i, "last_hidden", &cnt);
      if (ref != NULL) {
        g_assert_cmpint (cnt, ==, (gint64) len * H);
        lucid_test_assert_close (out.hidden_states + (gsize) out.seq_offset[i] * H, ref,
            cnt, "last_hidden", i);
        compared++;
      }
      ref = golden_tensor (&g, i, "emb.st", &cnt);
      if (ref != NULL) {
        g_assert_cmpint (cnt, ==, H);
        lucid_test_assert_close (out.embeddings + (gsize) i * H, ref, H, "emb.st", i);
        assert_cosine (out.embeddings + (gsize) i * H, ref, H, 0.99999,
            "emb.st", i);
        compared++;
      }
      ref = golden_tensor (&g, i, "logits", &cnt);
      if (ref != NULL) {
        g_assert_nonnull (out.logits);
        g_assert_cmpint (cnt, ==, out.num_labels);
        lucid_test_assert_close (out.logits + (gsize) i * out.num_labels, ref, cnt,
            "logits", i);
        compared++;
      }
      for (guint l = 0; check_attn && l < lucid_text_model_get_num_layers (m);
          l++) {
        g_autofree char *an = g_strdup_printf ("attn%u", l);
        ref = golden_tensor (&g, i, an, &cnt);
        if (ref != NULL) {
          g_assert_cmpint (cnt, ==, (gint64) out.attn_offset[i + 1] -
              (gint64) out.attn_offset[i]);
          lucid_test_assert_close (out.attentions[l] + out.attn_offset[i], ref, cnt, an,
              i);
          compared++;
        }
      }
    }
  }

  /* Each pooling explicitly, unnormalised goldens (only for models that do
   * not normalise). */
  for (guint p = 0; p < G_N_ELEMENTS (pools)
      && !lucid_text_model_get_normalize (m); p++) {
    LucidTextOptions opts = { pools[p].pooling, 0 };
    LucidTextOutput out;
    gint64 cnt;
    if (golden_tensor (&g, 0, pools[p].tensor, &cnt) == NULL)
      continue;
    g_assert_true (lucid_text_model_run (m, texts, n, &opts, FALSE, &out,
            &err));
    g_assert_no_error (err);
    for (guint i = 0; i < n; i++) {
      const float *ref = golden_tensor (&g, i, pools[p].tensor, &cnt);
      g_assert_nonnull (ref);
      lucid_test_assert_close (out.embeddings + (gsize) i * H, ref, H, pools[p].tensor,
          i);
      assert_cosine (out.embeddings + (gsize) i * H, ref, H, 0.99999,
          pools[p].tensor, i);
      compared++;
    }
  }
  g_assert_cmpuint (compared, >, 0);
  golden_clear (&g);
}

static void
check_pll (const char *name)
{
  Golden g = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidTextModel) m = NULL;
  guint checked = 0;

  if (!golden_load (&g, name))
    return;
  m = lucid_text_model_load (g.model_dir, &err);
  g_assert_no_error (err);
  for (guint i = 0; i < json_array_get_length (g.cases); i++) {
    JsonObject *c = json_array_get_object_element (g.cases, i);
    JsonNode *ref = json_object_get_member (c, "pll");
    double pll, want;
    guint n;
    if (ref == NULL || JSON_NODE_HOLDS_NULL (ref))
      continue;
    want = json_node_get_double (ref);
    g_assert_true (lucid_text_model_pll (m, json_object_get_string_member (c,
                "text"), NULL, &pll, &n, &err));
    g_assert_no_error (err);
    g_assert_cmpint (n, ==, json_object_get_int_member (c, "pll_n"));
    /* a sum of n log-probabilities: scale the tolerance by the count */
    if (!(fabs (pll - want) <= LUCID_TEST_TAU_FP32 * MAX (1.0, fabs (want))))
      g_error ("case %u: pll %.8f, reference %.8f", i, pll, want);
    checked++;
  }
  g_assert_cmpuint (checked, >, 0);
  golden_clear (&g);
}

static void
test_tiny_bert_forward (void)
{
  check_forward ("tiny-bert", TRUE);
}

static void
test_tiny_bert_st_forward (void)
{
  check_forward ("tiny-bert-st", TRUE);
}

static void
test_tiny_bert_f16_forward (void)
{
  check_forward ("tiny-bert-f16", FALSE);
}

static void
test_tiny_bert_pll (void)
{
  check_pll ("tiny-bert");
}

static void
test_minilm_embeddings (void)
{
  check_forward ("minilm", FALSE);
}

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), name, NULL);
}

static void
test_model_settings_from_files (void)
{
  g_autofree char *plain = fixture ("tiny-bert");
  g_autofree char *st = fixture ("tiny-bert-st");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidTextModel) a = lucid_text_model_load (plain, &err);
  g_autoptr (LucidTextModel) b = NULL;

  g_assert_no_error (err);
  /* plain model: mean pooling, no normalisation; the tokenizer's 1e30
   * placeholder is not sane, so max_position_embeddings decides */
  g_assert_cmpint (lucid_text_model_get_default_pooling (a), ==,
      LUCID_POOLING_MEAN);
  g_assert_false (lucid_text_model_get_normalize (a));
  g_assert_cmpuint (lucid_text_model_resolve_max_length (a, 0), ==, 64);
  g_assert_cmpuint (lucid_text_model_resolve_max_length (a, 10), ==, 10);
  g_assert_cmpuint (lucid_text_model_resolve_max_length (a, 1000), ==, 64);
  g_assert_cmpuint (lucid_text_model_get_num_labels (a), ==, 3);
  g_assert_true (lucid_text_model_has_mlm_head (a));
  g_assert_cmpstr (lucid_text_model_get_label (a, 2), ==, "positive");
  g_assert_cmpuint (strlen (lucid_text_model_get_sha256 (a)), ==, 64);

  b = lucid_text_model_load (st, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_text_model_get_default_pooling (b), ==,
      LUCID_POOLING_MEAN);
  g_assert_true (lucid_text_model_get_normalize (b));
  /* sentence_bert_config.json max_seq_length beats model_max_length 512 */
  g_assert_cmpuint (lucid_text_model_resolve_max_length (b, 0), ==, 16);
  g_assert_cmpuint (lucid_text_model_get_num_labels (b), ==, 0);
  g_assert_false (lucid_text_model_has_mlm_head (b));
}

static void
expect_load_error (const char *dir, const char *needle1, const char *needle2)
{
  g_autoptr (GError) err = NULL;
  LucidTextModel *m = lucid_text_model_load (dir, &err);
  g_assert_null (m);
  g_assert_nonnull (err);
  g_assert_true (err->domain == LUCID_ERROR);
  if (strstr (err->message, needle1) == NULL
      || (needle2 && strstr (err->message, needle2) == NULL))
    g_error ("error \"%s\" does not mention \"%s\" and \"%s\"", err->message,
        needle1, needle2 ? needle2 : "");
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, text, -1, NULL));
}

static void
test_bad_model_dirs (void)
{
  g_autofree char *src = fixture ("tiny-bert");
  g_autofree char *cfg_text = NULL;
  g_autofree char *cfg_path = g_build_filename (src, "config.json", NULL);
  char *d;

  expect_load_error ("/nonexistent/lucid-model", "/nonexistent/lucid-model",
      "does not exist");

  d = lucid_test_copy_dir (src, "model.safetensors");
  expect_load_error (d, "model.safetensors", "missing");
  lucid_test_remove_dir (d);
  g_free (d);

  d = lucid_test_copy_dir (src, "config.json");
  expect_load_error (d, "config.json", NULL);
  lucid_test_remove_dir (d);
  g_free (d);

  g_assert_true (g_file_get_contents (cfg_path, &cfg_text, NULL, NULL));

  d = lucid_test_copy_dir (src, NULL);
  write_file (d, "config.json", "{\"model_type\": \"bert\", ");
  expect_load_error (d, "config.json", NULL);
  lucid_test_remove_dir (d);
  g_free (d);

  d = lucid_test_copy_dir (src, NULL);
  write_file (d, "config.json", "{\"model_type\": \"gpt2\"}");
  expect_load_error (d, "config.json", "gpt2");
  lucid_test_remove_dir (d);
  g_free (d);

  /* a duplicate key json-glib would silently resolve */
  {
    g_autofree char *dup = g_strdup_printf ("{\"hidden_size\": 16,%s",
        strchr (cfg_text, '{') + 1);
    d = lucid_test_copy_dir (src, NULL);
    write_file (d, "config.json", dup);
    expect_load_error (d, "config.json", "hidden_size");
    lucid_test_remove_dir (d);
    g_free (d);
  }

  /* a shape that disagrees with the weights: the tensor is named */
  {
    g_autoptr (GRegex) re = g_regex_new ("\"intermediate_size\":\\s*\\d+", 0,
        0, NULL);
    g_autofree char *bad = g_regex_replace_literal (re, cfg_text, -1, 0,
        "\"intermediate_size\": 48", 0, NULL);
    d = lucid_test_copy_dir (src, NULL);
    write_file (d, "config.json", bad);
    expect_load_error (d, "intermediate.dense.weight", "model.safetensors");
    lucid_test_remove_dir (d);
    g_free (d);
  }

  /* an activation Lucid cannot run */
  {
    g_autoptr (GRegex) re = g_regex_new ("\"hidden_act\":\\s*\"[a-z_]+\"", 0,
        0, NULL);
    g_autofree char *bad = g_regex_replace_literal (re, cfg_text, -1, 0,
        "\"hidden_act\": \"mish\"", 0, NULL);
    d = lucid_test_copy_dir (src, NULL);
    write_file (d, "config.json", bad);
    expect_load_error (d, "config.json", "mish");
    lucid_test_remove_dir (d);
    g_free (d);
  }

  /* truncated weights */
  {
    g_autofree char *wsrc = g_build_filename (src, "model.safetensors", NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_autofree char *to = NULL;
    g_assert_true (g_file_get_contents (wsrc, &data, &len, NULL));
    d = lucid_test_copy_dir (src, NULL);
    to = g_build_filename (d, "model.safetensors", NULL);
    g_assert_true (g_file_set_contents (to, data, len / 2, NULL));
    expect_load_error (d, "model.safetensors", NULL);
    lucid_test_remove_dir (d);
    g_free (d);
  }
}

/* sentence-transformers >= 6 writes "pooling_mode" instead of the booleans,
 * long module type names, and max_seq_length as the tokenizer's
 * model_max_length. The same weights must give the same embeddings. */
static void
test_sentence_transformers_v6_layout (void)
{
  g_autofree char *src = fixture ("tiny-bert-st");
  g_autofree char *pool_dir = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidTextModel) a = lucid_text_model_load (src, &err);
  g_autoptr (LucidTextModel) b = NULL;
  const char *texts[] = { "hello world", "a much longer sentence that will "
    "certainly need more than sixteen tokens to hold all of its words" };
  LucidTextOutput out_a, out_b;
  g_autofree float *emb_a = NULL;
  char *d;

  g_assert_no_error (err);
  d = lucid_test_copy_dir (src, "sentence_bert_config.json");
  pool_dir = g_build_filename (d, "1_Pooling", NULL);
  g_assert_cmpint (g_mkdir (pool_dir, 0755), ==, 0);
  write_file (pool_dir, "config.json",
      "{\"embedding_dimension\": 32, \"pooling_mode\": \"mean\", "
      "\"include_prompt\": true}");
  write_file (d, "modules.json",
      "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
      "\"sentence_transformers.base.modules.transformer.Transformer\"},"
      " {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": "
      "\"sentence_transformers.sentence_transformer.modules.pooling.Pooling\"},"
      " {\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", \"type\": "
      "\"sentence_transformers.sentence_transformer.modules.normalize."
      "Normalize\"}]");
  {
    g_autofree char *tc = g_build_filename (d, "tokenizer_config.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr (GRegex) re = g_regex_new ("\"model_max_length\":\\s*\\d+", 0,
        0, NULL);
    g_autofree char *patched = NULL;
    g_assert_true (g_file_get_contents (tc, &text, NULL, NULL));
    patched = g_regex_replace_literal (re, text, -1, 0,
        "\"model_max_length\": 16", 0, NULL);
    g_assert_cmpstr (patched, !=, text);
    g_assert_true (g_file_set_contents (tc, patched, -1, NULL));
  }

  b = lucid_text_model_load (d, &err);
  g_assert_no_error (err);
  g_assert_cmpint (lucid_text_model_get_default_pooling (b), ==,
      LUCID_POOLING_MEAN);
  g_assert_true (lucid_text_model_get_normalize (b));
  g_assert_cmpuint (lucid_text_model_resolve_max_length (b, 0), ==, 16);

  g_assert_true (lucid_text_model_run (a, texts, 2, NULL, FALSE, &out_a, &err));
  emb_a = g_memdup2 (out_a.embeddings, 2 * 32 * sizeof (float));
  g_assert_true (lucid_text_model_run (b, texts, 2, NULL, FALSE, &out_b, &err));
  g_assert_no_error (err);
  lucid_test_assert_close (out_b.embeddings, emb_a, 2 * 32, "st6 embeddings", 0);

  g_clear_pointer (&b, lucid_text_model_free);
  lucid_test_remove_dir (pool_dir);
  lucid_test_remove_dir (d);
  g_free (d);
}

static void
test_pll_needs_mlm_head (void)
{
  g_autofree char *st = fixture ("tiny-bert-st");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidTextModel) m = lucid_text_model_load (st, &err);
  double pll;
  guint n;
  g_assert_no_error (err);
  g_assert_false (lucid_text_model_pll (m, "hello", NULL, &pll, &n, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (err->message, "masked-LM"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text-model/tiny-bert/forward", test_tiny_bert_forward);
  g_test_add_func ("/text-model/tiny-bert/pll", test_tiny_bert_pll);
  g_test_add_func ("/text-model/tiny-bert-st/forward",
      test_tiny_bert_st_forward);
  g_test_add_func ("/text-model/tiny-bert-f16/forward",
      test_tiny_bert_f16_forward);
  g_test_add_func ("/text-model/settings-from-files",
      test_model_settings_from_files);
  g_test_add_func ("/text-model/bad-model-dirs", test_bad_model_dirs);
  g_test_add_func ("/text-model/pll-needs-mlm-head", test_pll_needs_mlm_head);
  g_test_add_func ("/text-model/sentence-transformers-v6-layout",
      test_sentence_transformers_v6_layout);
  g_test_add_func ("/text-model/minilm/embeddings", test_minilm_embeddings);
  return g_test_run ();
}
