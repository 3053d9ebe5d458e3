/* test-tokenizer.c — the WordPiece tokenizer against Hugging Face `tokenizers`.
 *
 * 1. Goldens: every $LUCID_FIXTURES_DIR/goldens/tokenizer-*.json holds cases
 *    encoded by the reference (see its "generator" and "reference" keys);
 *    ids, type ids and code-point offsets must be equal.  "model_dir" is
 *    relative to $LUCID_FIXTURES_DIR, or "@MODELS@/NAME" under
 *    $LUCID_MODELS_DIR (default $XDG_CACHE_HOME/lucid/models): a real model
 *    that is not installed skips its file.
 * 2. Self-contained cases on a small hand-written tokenizer.json (expected
 *    values printed by tokenizers 0.23.3 for the same document and inputs).
 * 3. vocab.txt + tokenizer_config.json gives the same ids as tokenizer.json.
 * 4. Malformed files are refused with a LUCID_ERROR naming the file.
 * 5. model_max_length placeholders read as 0.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "lucid-error.h"
#include "lucid-json.h"
#include "lucid-tokenizer.h"

/* The hand-written tokenizer: BERT uncased options, a 33-token vocabulary,
 * [PAD] [UNK] [CLS] [SEP] [MASK] as special added tokens. */
static const char hand_vocab[]
    = "\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"[MASK]\": 4, "
      "\"a\": 5, \"b\": 6, \"c\": 7, \"d\": 8, \"e\": 9, \"the\": 10, "
      "\"cafe\": 11, \"istanbul\": 12, \"un\": 13, \"##aff\": 14, "
      "\"##able\": 15, \"##s\": 16, \"!\": 17, \",\": 18, \".\": 19, "
      "\"'\": 20, \"t\": 21, \"don\": 22, \"\\u65e5\": 23, \"\\u672c\": 24, "
      "\"x\": 25, \"y\": 26, \"hello\": 27, \"world\": 28, \"##a\": 29, "
      "\"##b\": 30, \"i\": 31, \"##\\u0307\": 32";

static const char *const hand_vocab_lines[] = {
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "a",
  "b",
  "c",
  "d",
  "e",
  "the",
  "cafe",
  "istanbul",
  "un",
  "##aff",
  "##able",
  "##s",
  "!",
  ",",
  ".",
  "'",
  "t",
  "don",
  "\xe6\x97\xa5",
  "\xe6\x9c\xac",
  "x",
  "y",
  "hello",
  "world",
  "##a",
  "##b",
  "i",
  "##\xcc\x87",
};

#define ADDED(id, s)                                                           \
  "{\"id\": " #id ", \"content\": \"" s "\", \"single_word\": false, "         \
  "\"lstrip\": false, \"rstrip\": false, \"normalized\": false, "              \
  "\"special\": true}"

#define BERT_NORMALIZER                                                        \
  "{\"type\": \"BertNormalizer\", \"clean_text\": true, "                      \
  "\"handle_chinese_chars\": true, \"strip_accents\": null, "                  \
  "\"lowercase\": true}"

#define BERT_TEMPLATE                                                          \
  "{\"type\": \"TemplateProcessing\", "                                        \
  "\"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, "     \
  "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "                          \
  "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}], "                 \
  "\"pair\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, "       \
  "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "                          \
  "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}, "                  \
  "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}, "                          \
  "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 1}}], "                 \
  "\"special_tokens\": {\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [2], "         \
  "\"tokens\": [\"[CLS]\"]}, \"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [3], "    \
  "\"tokens\": [\"[SEP]\"]}}}"

/* A tokenizer.json with the given parts (NULL: the hand-written ones). */
static char *
make_doc (const char *normalizer, const char *pre_tokenizer,
          const char *post_processor, const char *model, const char *truncation)
{
  g_autofree char *dflt_model = g_strdup_printf (
      "{\"type\": \"WordPiece\", "
      "\"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", "
      "\"max_input_chars_per_word\": 100, \"vocab\": {%s}}",
      hand_vocab);

  return g_strdup_printf (
      "{\"version\": \"1.0\", \"truncation\": %s, "
      "\"padding\": null, \"added_tokens\": [" ADDED (0, "[PAD]") ", " ADDED (1, "[UNK]") ", " ADDED (
          2,
          "[CLS]") ", " ADDED (3,
                               "[SEP]") ", " ADDED (4,
                                                    "[MASK]") "], "
                                                              "\"normalizer\": "
                                                              "%s, "
                                                              "\"pre_"
                                                              "tokenizer\": "
                                                              "%s, "
                                                              "\"post_"
                                                              "processor\": "
                                                              "%s, "
                                                              "\"decoder\": "
                                                              "null, "
                                                              "\"model\": %s}",
      truncation ? truncation : "null",
      normalizer ? normalizer : BERT_NORMALIZER,
      pre_tokenizer ? pre_tokenizer : "{\"type\": \"BertPreTokenizer\"}",
      post_processor ? post_processor : BERT_TEMPLATE,
      model ? model : dflt_model);
}

static LucidTokenizer *
hand_tokenizer (void)
{
  g_autofree char *doc = make_doc (NULL, NULL, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  LucidTokenizer *tok;

  tok = lucid_tokenizer_new_from_json (doc, strlen (doc), "hand.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tok);
  return tok;
}

/* ------------------------------------------------------------------------
 * Temporary model directories
 * ------------------------------------------------------------------------ */

static char *
tmp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *d = g_dir_make_tmp ("lucid-tok-XXXXXX", &error);

  g_assert_no_error (error);
  return d;
}

static void
write_file (const char *dir, const char *name, const char *contents, gssize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------------
 * Comparing an encoding with expected values
 * ------------------------------------------------------------------------ */

static char *
show_text (const char *text, gsize len)
{
  GString *s = g_string_new ("\"");
  gsize i;

  for (i = 0; i < len && i < 300; i++) {
    guchar c = text[i];

    if (c == '"' || c == '\\')
      g_string_append_printf (s, "\\%c", c);
    else if (c < 0x20 || c == 0x7F)
      g_string_append_printf (s, "\\x%02x", c);
    else
      g_string_append_c (s, c);
  }
  g_string_append (s, i < len ? "\"..." : "\"");
  return g_string_free (s, FALSE);
}

static char *
show_ids (const gint32 *v, guint n)
{
  GString *s = g_string_new ("[");
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", v[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Byte offsets must be consistent with the code-point offsets. */
static gboolean
check_byte_offsets (const LucidEncoding *enc, const char *text, gsize len,
                    const char *pair, gsize pair_len, GString *why)
{
  guint i;

  for (i = 0; i < enc->n; i++) {
    const char *t = enc->sequence[i] == 1 ? pair : text;
    gsize l = enc->sequence[i] == 1 ? pair_len : len;
    glong cs, ce;

    if (enc->sequence[i] == 255) {
      if (enc->byte_start[i] != 0 || enc->byte_end[i] != 0
          || enc->special_mask[i] != 1) {
        g_string_append_printf (why, "special token %u: bytes (%d, %d)", i,
                                enc->byte_start[i], enc->byte_end[i]);
        return FALSE;
      }
      continue;
    }
    if (enc->byte_start[i] < 0 || (gsize)enc->byte_end[i] > l
        || enc->byte_start[i] > enc->byte_end[i]) {
      g_string_append_printf (why,
                              "token %u: bytes (%d, %d) outside the "
                              "text",
                              i, enc->byte_start[i], enc->byte_end[i]);
      return FALSE;
    }
    cs = g_utf8_pointer_to_offset (t, t + enc->byte_start[i]);
    ce = g_utf8_pointer_to_offset (t, t + enc->byte_end[i]);
    if (cs != enc->char_start[i] || ce != enc->char_end[i]) {
      g_string_append_printf (why,
                              "token %u: bytes (%d, %d) are characters "
                              "(%ld, %ld), char offsets say (%d, %d)",
                              i, enc->byte_start[i], enc->byte_end[i], cs, ce,
                              enc->char_start[i], enc->char_end[i]);
      return FALSE;
    }
  }
  return TRUE;
}

/* Compares @enc with the expected arrays; on a difference, describes the
 * first one in @why. */
static gboolean
encoding_equal (const LucidEncoding *enc, const gint32 *ids,
                const gint32 *type_ids, const gint32 *offsets, guint n,
                GString *why)
{
  guint i;

  if (enc->n != n) {
    g_autofree char *got = show_ids (enc->ids, enc->n);
    g_autofree char *want = show_ids (ids, n);

    g_string_append_printf (why,
                            "%u tokens, expected %u: ids %s, expected "
                            "%s",
                            enc->n, n, got, want);
    return FALSE;
  }
  for (i = 0; i < n; i++) {
    if (enc->ids[i] != ids[i] || enc->type_ids[i] != type_ids[i]
        || enc->char_start[i] != offsets[2 * i]
        || enc->char_end[i] != offsets[2 * i + 1]) {
      g_autofree char *got = show_ids (enc->ids, enc->n);
      g_autofree char *want = show_ids (ids, n);

      g_string_append_printf (
          why,
          "token %u: id %d type %d offsets "
          "(%d, %d), expected id %d type %d offsets (%d, %d); ids %s, "
          "expected %s",
          i, enc->ids[i], enc->type_ids[i], enc->char_start[i],
          enc->char_end[i], ids[i], type_ids[i], offsets[2 * i],
          offsets[2 * i + 1], got, want);
      return FALSE;
    }
  }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * 1. Goldens
 * ------------------------------------------------------------------------ */

/* json-glib cuts strings at a "\u0000" escape, and the goldens have texts
 * with NUL characters: replace the escape by U+10FFFF (a noncharacter no
 * golden text uses) before parsing, and turn it back into a NUL after. */
#define NUL_STAND_IN "\xf4\x8f\xbf\xbf"

static char *
protect_nul_escapes (const char *data, gsize len, gsize *out_len)
{
  GString *s = g_string_sized_new (len);
  gsize i = 0;

  while (i < len) {
    if (data[i] == '\\' && i + 1 < len) {
      if (data[i + 1] == 'u' && i + 6 <= len
          && g_ascii_strncasecmp (data + i + 2, "0000", 4) == 0) {
        g_string_append (s, NUL_STAND_IN);
        i += 6;
      } else {
        g_string_append_len (s, data + i, 2);
        i += 2;
      }
    } else {
      g_string_append_c (s, data[i++]);
    }
  }
  *out_len = s->len;
  return g_string_free (s, FALSE);
}

/* A golden string with NUL_STAND_IN turned back into NUL bytes. */
static char *
restore_nuls (const char *s, gsize *len)
{
  gsize n = strlen (s), i = 0, o = 0;
  char *r = g_malloc (n + 1);

  while (i < n) {
    if (i + 4 <= n && memcmp (s + i, NUL_STAND_IN, 4) == 0) {
      r[o++] = '\0';
      i += 4;
    } else {
      r[o++] = s[i++];
    }
  }
  r[o] = '\0';
  *len = o;
  return r;
}

static char *
models_dir (void)
{
  const char *env = g_getenv ("LUCID_MODELS_DIR");

  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_user_cache_dir (), "lucid", "models", NULL);
}

static const char *
fixtures_dir (void)
{
  const char *d = g_getenv ("LUCID_FIXTURES_DIR");

  return d && *d ? d : "tests/fixtures";
}

static gboolean
read_int_array (JsonArray *arr, gint32 *out, guint n, gboolean pairs)
{
  guint i;

  for (i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (arr, i);

    if (pairs) {
      JsonArray *p;

      if (!JSON_NODE_HOLDS_ARRAY (e)
          || json_array_get_length (p = json_node_get_array (e)) != 2)
        return FALSE;
      out[2 * i] = (gint32)json_array_get_int_element (p, 0);
      out[2 * i + 1] = (gint32)json_array_get_int_element (p, 1);
    } else {
      out[i] = (gint32)json_node_get_int (e);
    }
  }
  return TRUE;
}

static void
test_golden (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = NULL, *text = NULL, *model_path = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidTokenizer) tok = NULL;
  JsonObject *obj;
  JsonArray *cases;
  const char *model_dir;
  gsize raw_len, len;
  guint i, n_failed = 0;

  g_assert_true (g_file_get_contents (path, &raw, &raw_len, &error));
  text = protect_nul_escapes (raw, raw_len, &len);
  root = lucid_json_parse_data (text, len, path, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (root);
  model_dir = lucid_json_get_string (obj, "model_dir", path, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (obj, "cases");
  g_assert_nonnull (cases);

  if (g_str_has_prefix (model_dir, "@MODELS@/")) {
    g_autofree char *models = models_dir ();

    model_path
        = g_build_filename (models, model_dir + strlen ("@MODELS@/"), NULL);
    if (!g_file_test (model_path, G_FILE_TEST_IS_DIR)) {
      g_autofree char *msg = g_strdup_printf ("real model not installed at "
                                              "%s: run tools/install-models.sh",
                                              model_path);

      g_test_skip (msg);
      return;
    }
  } else {
    model_path = g_build_filename (fixtures_dir (), model_dir, NULL);
  }
  tok = lucid_tokenizer_load (model_path, &error);
  g_assert_no_error (error);

  g_test_message (
      "%s: %u cases (%s, %s)", path, json_array_get_length (cases),
      json_object_get_string_member_with_default (obj, "generator", "?"),
      json_object_get_string_member_with_default (obj, "reference", "?"));

  for (i = 0; i < json_array_get_length (cases); i++) {
    JsonObject *c = json_array_get_object_element (cases, i);
    JsonArray *ids = json_object_get_array_member (c, "ids");
    JsonArray *types = json_object_get_array_member (c, "type_ids");
    JsonArray *offs = json_object_get_array_member (c, "offsets");
    JsonNode *pair_node = json_object_get_member (c, "pair");
    guint n = json_array_get_length (ids);
    g_autofree gint32 *want_ids = g_new (gint32, n + 1);
    g_autofree gint32 *want_types = g_new (gint32, n + 1);
    g_autofree gint32 *want_offs = g_new (gint32, 2 * n + 1);
    g_autofree char *a = NULL, *b = NULL;
    g_autoptr (LucidEncoding) enc = NULL;
    g_autoptr (GString) why = g_string_new (NULL);
    gsize a_len, b_len = 0;
    gint64 max_length = json_object_get_int_member (c, "max_length");

    g_assert_cmpuint (json_array_get_length (types), ==, n);
    g_assert_cmpuint (json_array_get_length (offs), ==, n);
    g_assert_true (read_int_array (ids, want_ids, n, FALSE));
    g_assert_true (read_int_array (types, want_types, n, FALSE));
    g_assert_true (read_int_array (offs, want_offs, n, TRUE));

    a = restore_nuls (json_object_get_string_member (c, "text"), &a_len);
    if (pair_node && !JSON_NODE_HOLDS_NULL (pair_node))
      b = restore_nuls (json_node_get_string (pair_node), &b_len);

    enc = lucid_tokenizer_encode_len (tok, a, a_len, b, b ? (gssize)b_len : -1,
                                      (guint)max_length);
    if (!encoding_equal (enc, want_ids, want_types, want_offs, n, why)
        || !check_byte_offsets (enc, a, a_len, b, b_len, why)) {
      g_autofree char *ta = show_text (a, a_len);
      g_autofree char *tb = b ? show_text (b, b_len) : g_strdup ("null");

      g_printerr ("%s case %u: text %s pair %s max_length %" G_GINT64_FORMAT
                  ": %s\n",
                  path, i, ta, tb, max_length, why->str);
      n_failed++;
    }
  }
  if (n_failed > 0) {
    g_printerr ("%s: %u of %u cases differ from the reference\n", path,
                n_failed, json_array_get_length (cases));
    g_test_fail ();
  }
}

static void
test_goldens_present (void)
{
  g_autofree char *dir = g_build_filename (fixtures_dir (), "goldens", NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_test_skip ("no goldens directory: run tools/make_fixtures.py");
}

/* ------------------------------------------------------------------------
 * 2. The hand-written tokenizer (expected values from tokenizers 0.23.3)
 * ------------------------------------------------------------------------ */

typedef struct {
  const char *text;
  gssize text_len;
  const char *pair;
  guint max_length;
  guint n;
  gint32 ids[16];
  gint32 type_ids[16];
  gint32 offsets[32];
  gboolean truncated;
} HandCase;

static const HandCase hand_cases[] = {
  /* WordPiece pieces, accent stripping, punctuation */
  { "Unaffable caf\xc3\xa9s!",
    -1,
    NULL,
    0,
    8,
    { 2, 13, 14, 15, 11, 16, 17, 3 },
    { 0 },
    { 0, 0, 0, 2, 2, 5, 5, 9, 10, 14, 14, 15, 15, 16, 0, 0 },
    FALSE },
  /* 'İ' lowercases to "i̇", the mark is stripped, offsets stay whole */
  { "\xc4\xb0stanbul",
    -1,
    NULL,
    0,
    3,
    { 2, 12, 3 },
    { 0 },
    { 0, 0, 0, 8, 0, 0 },
    FALSE },
  /* combining acute dropped; CJK ideographs split */
  { "cafe\xcc\x81 \xe6\x97\xa5\xe6\x9c\xac",
    -1,
    NULL,
    0,
    5,
    { 2, 11, 23, 24, 3 },
    { 0 },
    { 0, 0, 0, 4, 6, 7, 7, 8, 0, 0 },
    FALSE },
  /* special tokens in the text are matched before normalization */
  { "x[SEP]y [MASK]",
    -1,
    NULL,
    0,
    6,
    { 2, 25, 3, 26, 4, 3 },
    { 0 },
    { 0, 0, 0, 1, 1, 6, 6, 7, 8, 14, 0, 0 },
    FALSE },
  { "don't",
    -1,
    NULL,
    0,
    5,
    { 2, 22, 20, 21, 3 },
    { 0 },
    { 0, 0, 0, 3, 3, 4, 4, 5, 0, 0 },
    FALSE },
  /* NUL and soft hyphen removed; the unmatchable word is one [UNK] */
  { "a\0b\xc2\xad"
    "c",
    6,
    NULL,
    0,
    3,
    { 2, 1, 3 },
    { 0 },
    { 0, 0, 0, 5, 0, 0 },
    FALSE },
  { "", -1, NULL, 0, 2, { 2, 3 }, { 0 }, { 0 }, FALSE },
  { "aa ab ba",
    -1,
    NULL,
    0,
    8,
    { 2, 5, 29, 5, 30, 6, 29, 3 },
    { 0 },
    { 0, 0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 0, 0 },
    FALSE },
  { "I\xcc\x87",
    -1,
    NULL,
    0,
    3,
    { 2, 31, 3 },
    { 0 },
    { 0, 0, 0, 1, 0, 0 },
    FALSE },
  { "\xc3\x89t\xc3\xa9",
    -1,
    NULL,
    0,
    3,
    { 2, 1, 3 },
    { 0 },
    { 0, 0, 0, 3, 0, 0 },
    FALSE },
  /* pairs and longest_first truncation */
  { "a b c d e",
    -1,
    "x y",
    0,
    10,
    { 2, 5, 6, 7, 8, 9, 3, 25, 26, 3 },
    { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1 },
    { 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 1, 2, 3, 0, 0 },
    FALSE },
  { "a b c d",
    -1,
    "a b c d e",
    6,
    6,
    { 2, 5, 3, 5, 6, 3 },
    { 0, 0, 0, 1, 1, 1 },
    { 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 0, 0 },
    TRUE },
  { "a b c d",
    -1,
    "a b c d e",
    7,
    7,
    { 2, 5, 6, 3, 5, 6, 3 },
    { 0, 0, 0, 0, 1, 1, 1 },
    { 0, 0, 0, 1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0 },
    TRUE },
  { "a b c d e a b",
    -1,
    "x y",
    7,
    7,
    { 2, 5, 6, 3, 25, 26, 3 },
    { 0, 0, 0, 0, 1, 1, 1 },
    { 0, 0, 0, 1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0 },
    TRUE },
  /* max_length below the template's tokens: tokenizers truncates nothing */
  { "a b c",
    -1,
    NULL,
    1,
    5,
    { 2, 5, 6, 7, 3 },
    { 0 },
    { 0, 0, 0, 1, 2, 3, 4, 5, 0, 0 },
    FALSE },
  { "a b c",
    -1,
    "x",
    2,
    7,
    { 2, 5, 6, 7, 3, 25, 3 },
    { 0, 0, 0, 0, 0, 1, 1 },
    { 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 1, 0, 0 },
    FALSE },
  /* exactly the template's tokens: both sequences emptied */
  { "a b c", -1, "x", 3, 3, { 2, 3, 3 }, { 0, 0, 1 }, { 0 }, TRUE },
  { "a b c",
    -1,
    NULL,
    4,
    4,
    { 2, 5, 6, 3 },
    { 0 },
    { 0, 0, 0, 1, 2, 3, 0, 0 },
    TRUE },
};

static void
test_hand_cases (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (hand_cases); i++) {
    const HandCase *c = &hand_cases[i];
    g_autoptr (LucidEncoding) enc = NULL;
    g_autoptr (GString) why = g_string_new (NULL);
    gsize len = c->text_len < 0 ? strlen (c->text) : (gsize)c->text_len;

    enc = lucid_tokenizer_encode_len (tok, c->text, c->text_len, c->pair, -1,
                                      c->max_length);
    if (!encoding_equal (enc, c->ids, c->type_ids, c->offsets, c->n, why)
        || !check_byte_offsets (enc, c->text, len, c->pair,
                                c->pair ? strlen (c->pair) : 0, why)) {
      g_autofree char *t = show_text (c->text, len);

      g_test_message ("case %u %s: %s", i, t, why->str);
      g_test_fail ();
    }
    g_assert_cmpint (enc->truncated, ==, c->truncated);
  }
}

static void
test_hand_accessors (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();

  g_assert_cmpint (lucid_tokenizer_get_cls_id (tok), ==, 2);
  g_assert_cmpint (lucid_tokenizer_get_sep_id (tok), ==, 3);
  g_assert_cmpint (lucid_tokenizer_get_pad_id (tok), ==, 0);
  g_assert_cmpint (lucid_tokenizer_get_mask_id (tok), ==, 4);
  g_assert_cmpint (lucid_tokenizer_get_unk_id (tok), ==, 1);
  g_assert_cmpuint (lucid_tokenizer_get_vocab_size (tok), ==, 33);
  g_assert_cmpint (lucid_tokenizer_token_to_id (tok, "##able"), ==, 15);
  g_assert_cmpint (lucid_tokenizer_token_to_id (tok, "nope"), ==, -1);
  g_assert_cmpstr (lucid_tokenizer_id_to_token (tok, 28), ==, "world");
  g_assert_null (lucid_tokenizer_id_to_token (tok, 33));
  g_assert_null (lucid_tokenizer_id_to_token (tok, -1));
  /* no tokenizer_config.json, no truncation section */
  g_assert_cmpuint (lucid_tokenizer_get_model_max_length (tok), ==, 0);
}

/* Special tokens: (0, 0) offsets, special_mask 1, sequence 255; byte
 * offsets refer to each sequence's own text. */
static void
test_hand_layout (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();
  g_autoptr (LucidEncoding) enc
      = lucid_tokenizer_encode (tok, "\xe6\x97\xa5 b", "caf\xc3\xa9", 0);
  static const guint8 seq[] = { 255, 0, 0, 255, 1, 255 };
  static const gint32 bs[] = { 0, 0, 4, 0, 0, 0 }, be[] = { 0, 3, 5, 0, 5, 0 };
  guint i;

  g_assert_cmpuint (enc->n, ==, 6);
  for (i = 0; i < enc->n; i++) {
    g_assert_cmpuint (enc->sequence[i], ==, seq[i]);
    g_assert_cmpint (enc->special_mask[i], ==, seq[i] == 255);
    g_assert_cmpint (enc->byte_start[i], ==, bs[i]);
    g_assert_cmpint (enc->byte_end[i], ==, be[i]);
  }
  g_assert_cmpint (enc->char_end[1], ==, 1);
  g_assert_cmpint (enc->char_end[4], ==, 4);
  g_assert_false (enc->truncated);
}

/* Invalid UTF-8 is repaired rather than trusted. */
static void
test_invalid_utf8 (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();
  static const char bad[] = "a\xff\xc3 b\xe6\x97";
  g_autoptr (LucidEncoding) enc = lucid_tokenizer_encode (tok, bad, NULL, 0);

  /* U+FFFD is dropped by clean_text: "a" and "b" remain */
  g_assert_cmpuint (enc->n, ==, 4);
  g_assert_cmpint (enc->ids[1], ==, 5);
  g_assert_cmpint (enc->ids[2], ==, 6);
}

static void
test_normalize (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();
  g_autofree char *a = lucid_tokenizer_normalize (
      tok, "\xc4\xb0 Caf\xc3\xa9\t\xe6\x97\xa5\xe2\x85\xab", -1);

  /* İ → i (mark stripped), é → e, tab → space, 日 padded, Ⅻ → ⅻ */
  g_assert_cmpstr (a, ==, "i cafe  \xe6\x97\xa5 \xe2\x85\xbb");
}

/* A 10,000-character text: one encode, everything accounted for. */
static void
test_long_text (void)
{
  g_autoptr (LucidTokenizer) tok = hand_tokenizer ();
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (LucidEncoding) enc = NULL, cut = NULL;
  gint64 t0;

  while (s->len < 10000)
    g_string_append (s, "the cafe, hello world! unaffable \xe6\x97\xa5 ");
  t0 = g_get_monotonic_time ();
  enc = lucid_tokenizer_encode (tok, s->str, NULL, 0);
  g_test_message ("10k characters: %u tokens in %" G_GINT64_FORMAT " us",
                  enc->n, g_get_monotonic_time () - t0);
  g_assert_cmpuint (enc->n, >, 2000);
  cut = lucid_tokenizer_encode (tok, s->str, NULL, 512);
  g_assert_cmpuint (cut->n, ==, 512);
  g_assert_true (cut->truncated);
  g_assert_cmpmem (cut->ids, 511 * sizeof (gint32), enc->ids,
                   511 * sizeof (gint32));
  g_assert_cmpint (cut->ids[511], ==, 3);
}

/* ------------------------------------------------------------------------
 * 3. vocab.txt + tokenizer_config.json == tokenizer.json
 * ------------------------------------------------------------------------ */

static const char *const same_ids_texts[] = {
  "Unaffable caf\xc3\xa9s!",
  "\xc4\xb0stanbul THE cafe",
  "x[SEP]y [MASK] [cls]",
  "don't, hello. world!",
  "\xe6\x97\xa5\xe6\x9c\xac a b",
  "aa ab ba abab",
  "a\tb\nc\r\nd \xe3\x80\x80 e",
  "",
  "zzz qqq",
  "\xf0\x9f\x98\x80",
};

static void
assert_same_encodings (const LucidTokenizer *a, const LucidTokenizer *b,
                       const char *const *texts, guint n)
{
  guint i, k;

  for (i = 0; i < n; i++) {
    g_autoptr (LucidEncoding) x = lucid_tokenizer_encode (a, texts[i], NULL, 0);
    g_autoptr (LucidEncoding) y = lucid_tokenizer_encode (b, texts[i], NULL, 0);

    g_assert_cmpuint (x->n, ==, y->n);
    for (k = 0; k < x->n; k++) {
      g_assert_cmpint (x->ids[k], ==, y->ids[k]);
      g_assert_cmpint (x->char_start[k], ==, y->char_start[k]);
      g_assert_cmpint (x->char_end[k], ==, y->char_end[k]);
    }
  }
  g_assert_cmpint (lucid_tokenizer_get_cls_id (a), ==,
                   lucid_tokenizer_get_cls_id (b));
  g_assert_cmpint (lucid_tokenizer_get_sep_id (a), ==,
                   lucid_tokenizer_get_sep_id (b));
  g_assert_cmpint (lucid_tokenizer_get_pad_id (a), ==,
                   lucid_tokenizer_get_pad_id (b));
  g_assert_cmpint (lucid_tokenizer_get_mask_id (a), ==,
                   lucid_tokenizer_get_mask_id (b));
  g_assert_cmpint (lucid_tokenizer_get_unk_id (a), ==,
                   lucid_tokenizer_get_unk_id (b));
  g_assert_cmpuint (lucid_tokenizer_get_vocab_size (a), ==,
                    lucid_tokenizer_get_vocab_size (b));
}

static void
test_vocab_txt_hand (void)
{
  g_autofree char *with_json = tmp_dir (), *with_vocab = tmp_dir ();
  g_autofree char *doc = make_doc (NULL, NULL, NULL, NULL, NULL);
  g_autoptr (GString) vocab = g_string_new (NULL);
  g_autoptr (LucidTokenizer) a = NULL, b = NULL;
  g_autoptr (GError) error = NULL;
  const char *config
      = "{\"do_lower_case\": true, \"strip_accents\": null, "
        "\"tokenize_chinese_chars\": true, \"unk_token\": \"[UNK]\", "
        "\"sep_token\": \"[SEP]\", \"pad_token\": \"[PAD]\", "
        "\"cls_token\": \"[CLS]\", \"mask_token\": \"[MASK]\", "
        "\"tokenizer_class\": \"BertTokenizer\", \"model_max_length\": 512}";
  guint i;

  for (i = 0; i < G_N_ELEMENTS (hand_vocab_lines); i++)
    g_string_append_printf (vocab, "%s\n", hand_vocab_lines[i]);
  write_file (with_json, "tokenizer.json", doc, -1);
  write_file (with_json, "tokenizer_config.json", config, -1);
  write_file (with_vocab, "vocab.txt", vocab->str, vocab->len);
  write_file (with_vocab, "tokenizer_config.json", config, -1);

  a = lucid_tokenizer_load (with_json, &error);
  g_assert_no_error (error);
  b = lucid_tokenizer_load (with_vocab, &error);
  g_assert_no_error (error);
  assert_same_encodings (a, b, same_ids_texts, G_N_ELEMENTS (same_ids_texts));
  g_assert_cmpuint (lucid_tokenizer_get_model_max_length (a), ==, 512);
  g_assert_cmpuint (lucid_tokenizer_get_model_max_length (b), ==, 512);

  /* CRLF line ends and no final newline read the same */
  g_string_replace (vocab, "\n", "\r\n", 0);
  g_string_truncate (vocab, vocab->len - 2);
  write_file (with_vocab, "vocab.txt", vocab->str, vocab->len);
  g_clear_pointer (&b, lucid_tokenizer_free);
  b = lucid_tokenizer_load (with_vocab, &error);
  g_assert_no_error (error);
  assert_same_encodings (a, b, same_ids_texts, G_N_ELEMENTS (same_ids_texts));

  remove_dir (with_json);
  remove_dir (with_vocab);
}

/* The same with a real model directory's files, when one is around:
 * tiny-bert from the fixtures (its words stay under its
 * max_input_chars_per_word of 20) and the installed MiniLM. */
static void
test_vocab_txt_model (gconstpointer data)
{
  const char *src = data;
  g_autofree char *copy = NULL;
  g_autoptr (LucidTokenizer) a = NULL, b = NULL;
  g_autoptr (GError) error = NULL;
  static const char *const files[]
      = { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" };
  static const char *const texts[] = {
    "Hello, world! The quick brown fox.",
    "Caf\xc3\xa9 au lait, na\xc3\xafve r\xc3\xa9sum\xc3\xa9",
    "\xe6\x88\x91\xe6\x98\xaf\xe5\xad\xa6\xe7\x94\x9f",
    "[CLS] [SEP] [MASK] x",
    "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94",
    "don't stop",
    "emoji \xf0\x9f\x98\x80 ok",
    "unhappiness rethinking",
  };
  guint i;

  if (!g_file_test (src, G_FILE_TEST_IS_DIR)) {
    g_autofree char *msg = g_strdup_printf ("no model at %s", src);

    g_test_skip (msg);
    return;
  }
  copy = tmp_dir ();
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *from = g_build_filename (src, files[i], NULL);
    g_autofree char *contents = NULL;
    gsize len;

    if (g_file_get_contents (from, &contents, &len, NULL))
      write_file (copy, files[i], contents, len);
  }
  a = lucid_tokenizer_load (src, &error);
  g_assert_no_error (error);
  b = lucid_tokenizer_load (copy, &error);
  g_assert_no_error (error);
  assert_same_encodings (a, b, texts, G_N_ELEMENTS (texts));
  remove_dir (copy);
}

/* ------------------------------------------------------------------------
 * 4. Malformed files
 * ------------------------------------------------------------------------ */

typedef struct {
  const char *what;
  const char *doc; /* NULL: built with make_doc */
  const char *normalizer, *pre_tokenizer, *post_processor, *model;
  const char *message_part; /* must appear in the message */
} BadCase;

#define WP(vocab)                                                              \
  "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "                       \
  "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100, " \
  "\"vocab\": " vocab "}"

static const BadCase bad_cases[] = {
  { "truncated JSON", "{\"model\": ", NULL, NULL, NULL, NULL, "end of data" },
  { "invalid JSON", "{\"model\": ]}", NULL, NULL, NULL, NULL, "JSON" },
  { "not an object", "[1, 2]", NULL, NULL, NULL, NULL, "not a JSON object" },
  { "empty file", "", NULL, NULL, NULL, NULL, "empty" },
  { "duplicate key", "{\"model\": {}, \"model\": {}}", NULL, NULL, NULL, NULL,
    "duplicate" },
  { "missing model", "{\"version\": \"1.0\", \"normalizer\": null}", NULL, NULL,
    NULL, NULL, "model" },
  { "unknown version", "{\"version\": \"2.0\"}", NULL, NULL, NULL, NULL,
    "version" },
  { "BPE model with a BERT normalizer", NULL, NULL, NULL, NULL,
    "{\"type\": \"BPE\", \"vocab\": {}, "
    "\"merges\": []}",
    "normalizer type 'BertNormalizer'" },
  { "unknown model type", NULL, NULL, NULL, NULL,
    "{\"type\": \"Unigram\", \"vocab\": []}", "model type 'Unigram'" },
  { "vocab not an object", NULL, NULL, NULL, NULL, WP ("[\"a\"]"), "vocab" },
  { "negative id", NULL, NULL, NULL, NULL, WP ("{\"[UNK]\": 0, \"a\": -1}"),
    "'a'" },
  { "float id", NULL, NULL, NULL, NULL, WP ("{\"[UNK]\": 0, \"a\": 1.5}"),
    "'a'" },
  { "huge id", NULL, NULL, NULL, NULL,
    WP ("{\"[UNK]\": 0, \"a\": 1000000000000000019884624838656}"), "'a'" },
  { "duplicate id", NULL, NULL, NULL, NULL, WP ("{\"[UNK]\": 0, \"a\": 0}"),
    "share the id 0" },
  { "missing [UNK]", NULL, NULL, NULL, NULL, WP ("{\"a\": 0}"), "[UNK]" },
  { "missing unk_token", NULL, NULL, NULL, NULL,
    "{\"type\": \"WordPiece\", "
    "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": "
    "100, \"vocab\": {\"[UNK]\": 0}}",
    "unk_token" },
  { "negative max_input_chars_per_word", NULL, NULL, NULL, NULL,
    "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
    "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": "
    "-1, \"vocab\": {\"[UNK]\": 0}}",
    "max_input_chars_per_word" },
  { "unknown normalizer", NULL, "{\"type\": \"NFKC\"}", NULL, NULL, NULL,
    "normalizer type 'NFKC'" },
  { "normalizer lowercase not a bool", NULL,
    "{\"type\": \"BertNormalizer\", "
    "\"clean_text\": true, \"handle_chinese_chars\": true, "
    "\"strip_accents\": null, \"lowercase\": 1}",
    NULL, NULL, NULL, "lowercase" },
  { "unknown pre-tokenizer", NULL, NULL, "{\"type\": \"ByteLevel\"}", NULL,
    NULL, "pre_tokenizer type 'ByteLevel'" },
  { "unknown post-processor", NULL, NULL, NULL,
    "{\"type\": "
    "\"ByteLevel\"}",
    NULL, "post_processor type" },
  { "undefined special token", NULL, NULL, NULL,
    "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": "
    "{\"id\": \"[X]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", "
    "\"type_id\": 0}}], \"pair\": [], \"special_tokens\": {}}",
    NULL, "'[X]'" },
  { "template without $A", NULL, NULL, NULL,
    "{\"type\": \"TemplateProcessing\", \"single\": [], \"pair\": [], "
    "\"special_tokens\": {}}",
    NULL, "$A" },
};

static void
test_malformed (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    const BadCase *c = &bad_cases[i];
    g_autofree char *dir = tmp_dir ();
    g_autofree char *path = g_build_filename (dir, "tokenizer.json", NULL);
    g_autofree char *doc = c->doc
                               ? g_strdup (c->doc)
                               : make_doc (c->normalizer, c->pre_tokenizer,
                                           c->post_processor, c->model, NULL);
    g_autoptr (GError) error = NULL, error2 = NULL;
    g_autoptr (LucidTokenizer) tok = NULL, tok2 = NULL;

    g_test_message ("malformed: %s", c->what);
    write_file (dir, "tokenizer.json", doc, -1);
    tok = lucid_tokenizer_load (dir, &error);
    g_assert_null (tok);
    g_assert_nonnull (error);
    g_assert_true (error->domain == LUCID_ERROR);
    g_test_message ("  -> %s", error->message);
    g_assert_nonnull (strstr (error->message, path));
    g_assert_nonnull (strstr (error->message, c->message_part));

    /* The in-memory entry names its label the same way. */
    tok2 = lucid_tokenizer_new_from_json (doc, strlen (doc), "label.json",
                                          &error2);
    g_assert_null (tok2);
    g_assert_nonnull (error2);
    g_assert_true (g_str_has_prefix (error2->message, "label.json"));
    remove_dir (dir);
  }
}

static void
test_missing_files (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *nowhere = g_build_filename (dir, "nowhere", NULL);
  g_autoptr (GError) error = NULL;
  LucidTokenizer *tok;

  tok = lucid_tokenizer_load (dir, &error);
  g_assert_null (tok);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);

  tok = lucid_tokenizer_load (nowhere, &error);
  g_assert_null (tok);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
  g_clear_error (&error);

  /* vocab.txt with invalid UTF-8, and a malformed tokenizer_config.json */
  write_file (dir, "vocab.txt", "[UNK]\n\xff\n", -1);
  tok = lucid_tokenizer_load (dir, &error);
  g_assert_null (tok);
  g_assert_nonnull (strstr (error->message, "vocab.txt"));
  g_clear_error (&error);
  write_file (dir, "vocab.txt", "[UNK]\n[CLS]\n[SEP]\n", -1);
  write_file (dir, "tokenizer_config.json", "{\"do_lower_case\": 3}", -1);
  tok = lucid_tokenizer_load (dir, &error);
  g_assert_null (tok);
  g_assert_nonnull (strstr (error->message, "tokenizer_config.json"));
  g_clear_error (&error);
  write_file (dir, "tokenizer_config.json", "{\"do_lower_case\": ", -1);
  tok = lucid_tokenizer_load (dir, &error);
  g_assert_null (tok);
  g_assert_nonnull (strstr (error->message, "tokenizer_config.json"));
  g_clear_error (&error);
  write_file (dir, "tokenizer_config.json",
              "{\"tokenizer_class\": \"BertJapaneseTokenizer\"}", -1);
  tok = lucid_tokenizer_load (dir, &error);
  g_assert_null (tok);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  remove_dir (dir);
}

/* ------------------------------------------------------------------------
 * 5. model_max_length
 * ------------------------------------------------------------------------ */

static void
test_model_max_length (void)
{
  static const struct {
    const char *config; /* NULL: no tokenizer_config.json */
    const char *truncation;
    guint expected;
  } cases[] = {
    { "{\"model_max_length\": 512}", NULL, 512 },
    { "{\"model_max_length\": 1000000000000000019884624838656}", NULL, 0 },
    { "{\"model_max_length\": 1e30}", NULL, 0 },
    { "{\"model_max_length\": 9223372036854775807}", NULL, 0 },
    { "{\"model_max_length\": -1}", NULL, 0 },
    { "{\"model_max_length\": \"512\"}", NULL, 0 },
    { "{\"model_max_length\": 1000000000000000019884624838656}",
      "{\"max_length\": 128, \"strategy\": \"LongestFirst\", \"stride\": 0}",
      0 },
    /* tokenizer_config.json silent: what bare `tokenizers` truncates to */
    { NULL,
      "{\"max_length\": 128, \"strategy\": \"LongestFirst\", "
      "\"stride\": 0}",
      128 },
    { "{\"do_lower_case\": true}",
      "{\"max_length\": 256, \"strategy\": "
      "\"LongestFirst\", \"stride\": 0}",
      256 },
    { NULL, NULL, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *dir = tmp_dir ();
    g_autofree char *doc
        = make_doc (NULL, NULL, NULL, NULL, cases[i].truncation);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidTokenizer) tok = NULL;

    write_file (dir, "tokenizer.json", doc, -1);
    if (cases[i].config)
      write_file (dir, "tokenizer_config.json", cases[i].config, -1);
    tok = lucid_tokenizer_load (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lucid_tokenizer_get_model_max_length (tok), ==,
                      cases[i].expected);
    if (cases[i].truncation)
      g_assert_cmpuint (lucid_tokenizer_get_truncation_max_length (tok), >, 0);
    remove_dir (dir);
  }
}

/* ------------------------------------------------------------------------ */

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

int
main (int argc, char **argv)
{
  g_autofree char *goldens = NULL, *models = NULL, *minilm = NULL;
  g_autofree char *tiny = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GDir *dir;
  guint i;

  g_test_init (&argc, &argv, NULL);

  goldens = g_build_filename (fixtures_dir (), "goldens", NULL);
  dir = g_dir_open (goldens, 0, NULL);
  if (dir != NULL) {
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (name, "tokenizer-")
          && g_str_has_suffix (name, ".json"))
        g_ptr_array_add (paths, g_build_filename (goldens, name, NULL));
    g_dir_close (dir);
  }
  g_ptr_array_sort (paths, compare_paths);
  if (paths->len == 0)
    g_test_add_func ("/tokenizer/golden/none", test_goldens_present);
  for (i = 0; i < paths->len; i++) {
    const char *p = g_ptr_array_index (paths, i);
    g_autofree char *base = g_path_get_basename (p);
    g_autofree char *name
        = g_strdup_printf ("/tokenizer/golden/%.*s",
                           (int)(strlen (base) - strlen (".json")), base);

    g_test_add_data_func (name, p, test_golden);
  }

  g_test_add_func ("/tokenizer/hand/cases", test_hand_cases);
  g_test_add_func ("/tokenizer/hand/accessors", test_hand_accessors);
  g_test_add_func ("/tokenizer/hand/layout", test_hand_layout);
  g_test_add_func ("/tokenizer/hand/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/tokenizer/hand/normalize", test_normalize);
  g_test_add_func ("/tokenizer/hand/long-text", test_long_text);
  g_test_add_func ("/tokenizer/vocab-txt/hand", test_vocab_txt_hand);
  tiny = g_build_filename (fixtures_dir (), "tiny-bert", NULL);
  g_test_add_data_func ("/tokenizer/vocab-txt/tiny-bert", tiny,
                        test_vocab_txt_model);
  models = models_dir ();
  minilm = g_build_filename (models, "all-MiniLM-L6-v2", NULL);
  g_test_add_data_func ("/tokenizer/vocab-txt/minilm", minilm,
                        test_vocab_txt_model);
  g_test_add_func ("/tokenizer/malformed", test_malformed);
  g_test_add_func ("/tokenizer/missing-files", test_missing_files);
  g_test_add_func ("/tokenizer/model-max-length", test_model_max_length);

  return g_test_run ();
}
