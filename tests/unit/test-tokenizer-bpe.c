/* test-tokenizer-bpe.c — the byte-level BPE tokenizer's own cases (the
 * golden comparisons with `tokenizers` are in test-tokenizer.c, which reads
 * every goldens/tokenizer-*.json, the CLIP ones included):
 *
 *  - a model directory loads the right tokenizer from tokenizer.json's
 *    model.type, with CLIP's special ids and max length;
 *  - lucid_tokenizer_normalize() = tokenizers' normalizer.normalize_str()
 *    (value printed by tokenizers 0.23.3 for tiny-clip);
 *  - what CLIP's files do not use is refused with an error naming the file
 *    and the feature.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-tokenizer.h"

static char *
fixture (const char *a, const char *b)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), a, b, NULL);
}

static void
test_load_dir (void)
{
  g_autofree char *dir = fixture ("tiny-clip", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidTokenizer) tok = lucid_tokenizer_load (dir, &error);
  g_autoptr (LucidEncoding) enc = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (lucid_tokenizer_get_cls_id (tok), ==, 1112);
  g_assert_cmpint (lucid_tokenizer_get_sep_id (tok), ==, 1113);
  g_assert_cmpint (lucid_tokenizer_get_unk_id (tok), ==, 1113);
  g_assert_cmpuint (lucid_tokenizer_get_vocab_size (tok), ==, 1115);
  g_assert_cmpuint (lucid_tokenizer_get_model_max_length (tok), ==, 32);
  g_assert_cmpint (lucid_tokenizer_token_to_id (tok, "a</w>"), ==, 320);
  g_assert_cmpstr (lucid_tokenizer_id_to_token (tok, 1114), ==, "<|extra|>");

  /* <bos> ... <eos>, truncated to 5 with both kept */
  enc = lucid_tokenizer_encode (tok, "a photo of a cat", NULL, 5);
  g_assert_cmpuint (enc->n, ==, 5);
  g_assert_cmpint (enc->ids[0], ==, 1112);
  g_assert_cmpint (enc->ids[4], ==, 1113);
  g_assert_true (enc->truncated);
  g_assert_cmpint (enc->special_mask[0], ==, 1);
  g_assert_cmpint (enc->special_mask[4], ==, 1);
}

static void
test_normalize (void)
{
  g_autofree char *dir = fixture ("tiny-clip", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidTokenizer) tok = lucid_tokenizer_load (dir, &error);
  g_autofree char *n = NULL;

  g_assert_no_error (error);
  n = lucid_tokenizer_normalize (
      tok, "H\xc3\xa9llo\t\tWORLD e\xcc\x81 \xc4\xb0\xc2\xa0x", -1);
  g_assert_cmpstr (n, ==, "h\xc3\xa9llo world \xc3\xa9 i\xcc\x87 x");
}

typedef struct {
  const char *what;
  const char *path;  /* member path: "model.dropout" */
  const char *value; /* JSON text */
  const char *message_part;
} Mutation;

static const Mutation mutations[] = {
  { "dropout", "model.dropout", "0.1", "dropout" },
  { "byte fallback", "model.byte_fallback", "true", "byte_fallback" },
  { "subword prefix", "model.continuing_subword_prefix", "\"##\"",
    "continuing_subword_prefix" },
  { "merge of unknown tokens", "model.merges", "[[\"zz\", \"qq\"]]",
    "'zz' is not in the vocabulary" },
  { "malformed merge", "model.merges", "[\"a b c\"]", "merges entry 0" },
  { "merges not an array", "model.merges", "{}", "merges" },
  { "unk not in vocab", "model.unk_token", "\"<unk>\"", "<unk>" },
  { "NFKC normalizer", "normalizer", "{\"type\": \"NFKC\"}",
    "normalizer type 'NFKC'" },
  { "other Replace", "normalizer",
    "{\"type\": \"Replace\", \"pattern\": {\"String\": \"a\"}, "
    "\"content\": \"b\"}",
    "Replace" },
  { "other Split regex", "pre_tokenizer",
    "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", "
    "\"pattern\": {\"Regex\": \"\\\\w+\"}, \"behavior\": \"Removed\", "
    "\"invert\": true}, {\"type\": \"ByteLevel\", \"add_prefix_space\": "
    "false}]}",
    "Split regex" },
  { "ByteLevel alone", "pre_tokenizer",
    "{\"type\": \"ByteLevel\", \"add_prefix_space\": false}",
    "Split + ByteLevel" },
  { "add_prefix_space", "pre_tokenizer",
    "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"ByteLevel\", "
    "\"add_prefix_space\": true}]}",
    "add_prefix_space" },
  { "Whitespace pre-tokenizer", "pre_tokenizer", "{\"type\": \"Whitespace\"}",
    "pre_tokenizer type 'Whitespace'" },
  { "no pre-tokenizer", "pre_tokenizer", "null", "Split + ByteLevel" },
  { "Roberta without ids", "post_processor",
    "{\"type\": \"RobertaProcessing\", \"sep\": [\"x\"], "
    "\"cls\": [\"y\", 1]}",
    "sep" },
};

/* Sets @path (a.b) in @root to the parsed @value. */
static void
set_member (JsonObject *root, const char *path, const char *value)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  JsonObject *o = root;
  g_autoptr (GError) error = NULL;
  JsonNode *v = lucid_json_parse_data (value, strlen (value), "value", &error);
  guint i;

  g_assert_no_error (error);
  for (i = 0; parts[i + 1] != NULL; i++)
    o = json_object_get_object_member (o, parts[i]);
  json_object_set_member (o, parts[i], v);
}

static void
test_refused (void)
{
  g_autofree char *path = fixture ("tokenizers", "clip-unk/tokenizer.json");
  g_autofree char *data = NULL;
  gsize len;
  guint i;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (i = 0; i < G_N_ELEMENTS (mutations); i++) {
    const Mutation *m = &mutations[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) root = lucid_json_parse_data (data, len, path, &error);
    g_autoptr (LucidTokenizer) tok = NULL;
    g_autofree char *text = NULL;

    g_assert_no_error (error);
    set_member (json_node_get_object (root), m->path, m->value);
    text = json_to_string (root, FALSE);
    tok = lucid_tokenizer_new_from_json (text, strlen (text),
                                         "bpe/tokenizer.json", &error);
    g_test_message ("%s: %s", m->what, error ? error->message : "loaded");
    g_assert_null (tok);
    g_assert_nonnull (error);
    g_assert_true (error->domain == LUCID_ERROR);
    g_assert_nonnull (strstr (error->message, "bpe/tokenizer.json"));
    g_assert_nonnull (strstr (error->message, m->message_part));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokenizer-bpe/load-dir", test_load_dir);
  g_test_add_func ("/tokenizer-bpe/normalize", test_normalize);
  g_test_add_func ("/tokenizer-bpe/refused", test_refused);
  return g_test_run ();
}
