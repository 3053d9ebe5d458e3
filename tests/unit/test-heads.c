/* test-heads.c — linear-probe, nearest-centroid and zero-shot heads against
 * numpy (float64) on the reference embeddings of
 * tools/make_vision_goldens.py, and the head file's validation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-error.h"
#include "lucid-heads.h"
#include "lucid-safetensors.h"
#include "lucid-test-util.h"

/* Scores are float64 from float32 inputs on both sides; only summation
 * order differs. */
#define HEAD_TOL 1e-9

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("LUCID_FIXTURES_DIR"), name, NULL);
}

static void
test_heads_match_numpy (void)
{
  static const char *const heads[] = { "probe", "probe-sigmoid", "centroids",
    "centroids-euclidean" };
  static const char *const kinds[] = { "linear-probe", "linear-probe",
    "nearest-centroid", "nearest-centroid" };
  static const char *const scorings[] = { "softmax", "sigmoid", "cosine",
    "euclidean" };
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = lucid_test_load_golden ("vision-tiny-vit.json", &parser);
  JsonArray *cases = json_object_get_array_member (root, "cases");
  g_autofree char *st_path = fixture ("goldens/vision-tiny-vit.safetensors");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidSafetensors) st = lucid_safetensors_open (st_path, &err);

  g_assert_no_error (err);
  for (guint h = 0; h < G_N_ELEMENTS (heads); h++) {
    g_autofree char *rel = g_strdup_printf ("heads/%s.safetensors", heads[h]);
    g_autofree char *path = fixture (rel);
    g_autoptr (LucidHead) head = lucid_head_load (path, &err);
    double worst = 0;
    guint n;

    g_assert_no_error (err);
    g_assert_cmpstr (lucid_head_kind_to_string (lucid_head_get_kind (head)),
        ==, kinds[h]);
    g_assert_cmpstr (lucid_head_get_scoring (head), ==, scorings[h]);
    g_assert_cmpuint (lucid_head_get_dim (head), ==, 32);
    g_assert_cmpuint (strlen (lucid_head_get_sha256 (head)), ==, 64);
    n = lucid_head_get_num_labels (head);
    g_assert_cmpuint (n, ==, h < 2 ? 4 : 3);

    for (guint i = 0; i < json_array_get_length (cases); i++) {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonObject *want = json_object_get_object_member (
          json_object_get_object_member (c, "heads"), heads[h]);
      g_autofree char *emb_name = g_strdup_printf ("case%u.embedding", i);
      g_autofree char *ref_name = g_strdup_printf ("case%u.%s", i, heads[h]);
      gint64 dshape[1] = { 32 };
      const float *emb = lucid_safetensors_get_f32 (st, emb_name, 1, dshape,
          &err);
      const LucidSafetensor *ref = lucid_safetensors_lookup (st, ref_name);
      double scores[4];
      guint best = 0;

      g_assert_no_error (err);
      g_assert_nonnull (ref);
      g_assert_cmpint (ref->dtype, ==, LUCID_DTYPE_F64);
      g_assert_cmpint (ref->n_elements, ==, n);
      g_assert_true (lucid_head_score (head, emb, 32, scores, &err));
      g_assert_no_error (err);
      for (guint k = 0; k < n; k++) {
        double r;
        memcpy (&r, ref->data + k * sizeof (double), sizeof r);
        worst = MAX (worst, fabs (scores[k] - r));
        if (!(fabs (scores[k] - r) <= HEAD_TOL * MAX (1.0, fabs (r))))
          g_error ("%s case %u score %u: %.17g vs numpy %.17g", heads[h], i,
              k, scores[k], r);
        if (scores[k] > scores[best])
          best = k;
      }
      g_assert_cmpstr (lucid_head_get_label (head, best), ==,
          json_object_get_string_member (want, "label"));
    }
    g_test_message ("%s: max-abs difference to numpy %.3g", heads[h], worst);
  }
}

static void
test_wrong_dim_is_refused (void)
{
  g_autofree char *path = fixture ("heads/probe.safetensors");
  g_autoptr (GError) err = NULL;
  g_autoptr (LucidHead) head = lucid_head_load (path, &err);
  float e[16] = { 0 };
  double scores[4];

  g_assert_no_error (err);
  g_assert_false (lucid_head_score (head, e, 16, scores, &err));
  g_assert_error (err, LUCID_ERROR, LUCID_ERROR_SHAPE);
  g_assert_nonnull (strstr (err->message, "32-value"));
}

static void
test_zero_shot_is_cosine (void)
{
  const char *labels[] = { "x", "y", "xy" };
  const float rows[] = { 1, 0, 0, 2, 1, 1 };
  const float e[] = { 3, 0 };
  g_autoptr (LucidHead) head = lucid_head_new_zero_shot (labels, rows, 3, 2);
  g_autoptr (GError) err = NULL;
  double s[3];

  g_assert_true (lucid_head_score (head, e, 2, s, &err));
  g_assert_cmpfloat_with_epsilon (s[0], 1.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (s[1], 0.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (s[2], 1 / sqrt (2.0), 1e-15);
  g_assert_cmpstr (lucid_head_get_label (head, 2), ==, "xy");
  g_assert_null (lucid_head_get_sha256 (head));
}

/* A safetensors file in memory: @meta is the __metadata__ object's body,
 * @tensors the tensor entries' JSON (offsets into @data). */
static GBytes *
make_file (const char *meta, const char *tensors, const float *data,
    gsize n_floats)
{
  g_autofree char *header = g_strdup_printf ("{\"__metadata__\":{%s}%s%s}",
      meta, *tensors ? "," : "", tensors);
  gsize hlen = strlen (header);
  GByteArray *b = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (hlen);

  g_byte_array_append (b, (const guint8 *) &le, 8);
  g_byte_array_append (b, (const guint8 *) header, hlen);
  g_byte_array_append (b, (const guint8 *) data, n_floats * sizeof (float));
  return g_byte_array_free_to_bytes (b);
}

static void
expect_refused (const char *meta, const char *tensors, gsize n_floats,
    const char *needle)
{
  float data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr (GBytes) bytes = make_file (meta, tensors, data, n_floats);
  g_autoptr (GError) err = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  g_autoptr (LucidHead) head = lucid_head_new_from_data (p, len, "h.st", &err);

  g_assert_null (head);
  g_assert_nonnull (err);
  g_test_message ("%s", err->message);
  if (!g_str_has_prefix (err->message, "h.st") || !strstr (err->message,
          needle))
    g_error ("\"%s\" should name h.st and contain \"%s\"", err->message,
        needle);
}

#define W22 "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}"
#define LAB2 "\"lucid.labels\":\"[\\\"a\\\",\\\"b\\\"]\""

static void
test_bad_head_files (void)
{
  float data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr (GBytes) good = make_file ("\"lucid.head\":\"linear-probe\","
      LAB2, W22, data, 4);
  g_autoptr (GError) err = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (good, &len);
  g_autoptr (LucidHead) head = lucid_head_new_from_data (p, len, "h.st", &err);
  double s[2];
  const float e[2] = { 1, 0 };

  /* The in-memory writer itself makes a valid file: logits 1 and 3. */
  g_assert_no_error (err);
  g_assert_true (lucid_head_score (head, e, 2, s, &err));
  g_assert_cmpfloat_with_epsilon (s[1], 1 / (1 + exp (-2.0)), 1e-12);

  expect_refused (LAB2, W22, 4, "no \"lucid.head\"");
  expect_refused ("\"lucid.head\":\"svm\"," LAB2, W22, 4, "\"svm\"");
  expect_refused ("\"lucid.head\":\"linear-probe\"", W22, 4,
      "no \"lucid.labels\"");
  expect_refused ("\"lucid.head\":\"linear-probe\",\"lucid.labels\":\"[\\\"a\\\"\"",
      W22, 4, "not valid JSON");
  expect_refused ("\"lucid.head\":\"linear-probe\",\"lucid.labels\":\"{}\"",
      W22, 4, "JSON array");
  expect_refused ("\"lucid.head\":\"linear-probe\","
      "\"lucid.labels\":\"[\\\"a\\\",\\\"a\\\"]\"", W22, 4, "twice");
  expect_refused ("\"lucid.head\":\"linear-probe\","
      "\"lucid.labels\":\"[\\\"a\\\",\\\"\\\"]\"", W22, 4, "empty");
  expect_refused ("\"lucid.head\":\"linear-probe\","
      "\"lucid.labels\":\"[\\\"a\\\",\\\"b\\\",\\\"c\\\"]\"", W22, 4,
      "has 2 rows but");
  expect_refused ("\"lucid.head\":\"linear-probe\",\"lucid.activation\":"
      "\"relu\"," LAB2, W22, 4, "\"relu\"");
  expect_refused ("\"lucid.head\":\"nearest-centroid\"," LAB2, W22, 4,
      "'centroids' is missing");
  expect_refused ("\"lucid.head\":\"nearest-centroid\",\"lucid.metric\":"
      "\"l1\"," LAB2, W22, 4, "\"l1\"");
  expect_refused ("\"lucid.head\":\"linear-probe\"," LAB2,
      "\"weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}",
      4, "[labels, dim]");
  expect_refused ("\"lucid.head\":\"linear-probe\"," LAB2, W22 ",\"bias\":"
      "{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]}", 7,
      "bias");
  expect_refused ("\"lucid.head\":\"linear-probe\"," LAB2,
      "\"weight\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}",
      4, "weight");
}

static void
test_non_finite_refused (void)
{
  float data[4] = { 1, NAN, 3, 4 };
  g_autoptr (GBytes) bytes = make_file ("\"lucid.head\":\"linear-probe\","
      LAB2, W22, data, 4);
  g_autoptr (GError) err = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  g_autoptr (LucidHead) head = lucid_head_new_from_data (p, len, "h.st", &err);

  g_assert_null (head);
  g_assert_nonnull (strstr (err->message, "non-finite"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/heads/match-numpy", test_heads_match_numpy);
  g_test_add_func ("/heads/wrong-dim-refused", test_wrong_dim_is_refused);
  g_test_add_func ("/heads/zero-shot-is-cosine", test_zero_shot_is_cosine);
  g_test_add_func ("/heads/bad-files", test_bad_head_files);
  g_test_add_func ("/heads/non-finite-refused", test_non_finite_refused);
  return g_test_run ();
}
