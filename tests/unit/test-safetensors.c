/* test-safetensors.c — the safetensors reader accepts exactly the files the
 * reference reader accepts, and converts to float32 correctly.
 *
 * Every file is built here, byte by byte, in a temporary directory: good
 * files of each float dtype, and one bad file per check listed at the top of
 * core/lucid-safetensors.c.  A bad file must be refused with a LUCID_ERROR
 * whose message names the file and the problem.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "lucid-error.h"
#include "lucid-safetensors.h"

static char *tmp_dir;

/* ------------------------------------------------------------------------
 * Building files
 * ------------------------------------------------------------------------ */

/* The bytes of a safetensors file: length, @header padded with @pad spaces,
 * then @data. */
static GByteArray *
build (const char *header, guint pad, const void *data, gsize data_len)
{
  GByteArray *bytes = g_byte_array_new ();
  guint64 n = strlen (header) + pad;
  guint64 n_le = GUINT64_TO_LE (n);

  g_byte_array_append (bytes, (const guint8 *)&n_le, 8);
  g_byte_array_append (bytes, (const guint8 *)header, strlen (header));
  for (guint i = 0; i < pad; i++)
    g_byte_array_append (bytes, (const guint8 *)" ", 1);
  if (data_len > 0)
    g_byte_array_append (bytes, data, data_len);
  return bytes;
}

static char *
write_bytes (const char *name, const guint8 *bytes, gsize len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, (const char *)bytes, len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_file (const char *name, const char *header, guint pad, const void *data,
            gsize data_len)
{
  g_autoptr (GByteArray) bytes = build (header, pad, data, data_len);

  return write_bytes (name, bytes->data, bytes->len);
}

/* Pads @header with spaces so that the data buffer starts 8-aligned in the
 * file (as the reference writer does), which makes F32 data 4-aligned in the
 * page-aligned mapping. */
static guint
aligning_pad (const char *header)
{
  return (8 - strlen (header) % 8) % 8;
}

static LucidSafetensors *
open_ok (const char *path)
{
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st = lucid_safetensors_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (st);
  return st;
}

/* ------------------------------------------------------------------------
 * Good files
 * ------------------------------------------------------------------------ */

static void
test_f32_file_is_read_in_place (void)
{
  const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                       "\"data_offsets\":[0,24]}}";
  const float values[6] = { 0.0f, 1.0f, -2.5f, 3.25f, 1e-8f, 65504.0f };
  g_autofree char *path = write_file (
      "f32.safetensors", header, aligning_pad (header), values, sizeof values);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autoptr (GError) error = NULL;
  const gint64 shape[2] = { 2, 3 };
  const LucidSafetensor *t;
  const float *f;

  g_assert_cmpstr (lucid_safetensors_get_path (st), ==, path);
  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st), ==, 1);
  t = lucid_safetensors_lookup (st, "w");
  g_assert_nonnull (t);
  g_assert_true (t == lucid_safetensors_get_nth (st, 0));
  g_assert_cmpstr (t->name, ==, "w");
  g_assert_cmpint (t->dtype, ==, LUCID_DTYPE_F32);
  g_assert_cmpuint (t->n_dims, ==, 2);
  g_assert_cmpint (t->shape[0], ==, 2);
  g_assert_cmpint (t->shape[1], ==, 3);
  g_assert_cmpint (t->n_elements, ==, 6);
  g_assert_cmpuint (t->n_bytes, ==, 24);
  g_assert_cmpmem (t->data, 24, values, 24);
  g_assert_null (lucid_safetensors_lookup (st, "absent"));
  g_assert_cmpuint (g_hash_table_size (lucid_safetensors_get_metadata (st)), ==,
                    0);

  f = lucid_safetensors_get_f32 (st, "w", 2, shape, &error);
  g_assert_no_error (error);
  g_assert_true ((const void *)f == (const void *)t->data);
  g_assert_cmpmem (f, 24, values, 24);
  g_unlink (path);
}

static void
test_unaligned_f32_is_copied (void)
{
  /* 3 spaces of padding make the data buffer start at an odd offset */
  const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],"
                       "\"data_offsets\":[0,12]}}";
  const float values[3] = { 1.5f, -0.0f, 7.0f };
  guint pad = (aligning_pad (header) + 3) % 8;
  g_autofree char *path = write_file ("unaligned.safetensors", header, pad,
                                      values, sizeof values);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autoptr (GError) error = NULL;
  const gint64 shape[1] = { 3 };
  const float *f, *again;

  g_assert_cmpuint ((guintptr)lucid_safetensors_lookup (st, "w")->data % 4, !=,
                    0);
  f = lucid_safetensors_get_f32 (st, "w", 1, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpuint ((guintptr)f % 4, ==, 0);
  g_assert_cmpmem (f, 12, values, 12);
  /* converted once, then served from the cache */
  again = lucid_safetensors_get_f32 (st, "w", 1, shape, &error);
  g_assert_true (f == again);
  g_unlink (path);
}

static void
test_f16_converts_exactly (void)
{
  const guint16 halves[] = {
    0x3c00, /* 1.0 */
    0xc000, /* -2.0 */
    0x3555, /* 0.333251953125 */
    0x7bff, /* 65504, the largest half */
    0x0400, /* 2^-14, the smallest normal */
    0x0001, /* 2^-24, the smallest subnormal */
    0x03ff, /* 1023 × 2^-24, the largest subnormal */
    0x8000, /* -0.0 */
    0x7c00, /* +inf */
    0xfc00, /* -inf */
    0x7e00, /* NaN */
    0x8001, /* -2^-24 */
  };
  const char *header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[12],"
                       "\"data_offsets\":[0,24]}}";
  guint16 le[G_N_ELEMENTS (halves)];
  g_autofree char *path = NULL;
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;
  const gint64 shape[1] = { -1 };
  const float *f;

  for (guint i = 0; i < G_N_ELEMENTS (halves); i++)
    le[i] = GUINT16_TO_LE (halves[i]);
  path = write_file ("f16.safetensors", header, 0, le, sizeof le);
  st = open_ok (path);

  f = lucid_safetensors_get_f32 (st, "h", 1, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f[0], ==, 1.0f);
  g_assert_cmpfloat (f[1], ==, -2.0f);
  g_assert_cmpfloat (f[2], ==, 0.333251953125f);
  g_assert_cmpfloat (f[3], ==, 65504.0f);
  g_assert_cmpfloat (f[4], ==, ldexpf (1.0f, -14));
  g_assert_cmpfloat (f[5], ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (f[6], ==, ldexpf (1023.0f, -24));
  g_assert_cmpfloat (f[7], ==, 0.0f);
  g_assert_true (signbit (f[7]));
  g_assert_true (isinf (f[8]) && f[8] > 0);
  g_assert_true (isinf (f[9]) && f[9] < 0);
  g_assert_true (isnan (f[10]));
  g_assert_cmpfloat (f[11], ==, -ldexpf (1.0f, -24));
  g_unlink (path);
}

static void
test_bf16_converts_exactly (void)
{
  const guint16 bf[] = {
    0x3f80, /* 1.0 */
    0xc040, /* -3.0 */
    0x3eaa, /* 0.33203125 */
    0x7f80, /* +inf */
    0x0001, /* 2^-133, a subnormal */
    0x7fc0, /* NaN */
  };
  const char *header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],"
                       "\"data_offsets\":[0,12]}}";
  guint16 le[G_N_ELEMENTS (bf)];
  g_autofree char *path = NULL;
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;
  const gint64 shape[2] = { 2, -1 };
  const float *f;

  for (guint i = 0; i < G_N_ELEMENTS (bf); i++)
    le[i] = GUINT16_TO_LE (bf[i]);
  path = write_file ("bf16.safetensors", header, 0, le, sizeof le);
  st = open_ok (path);

  f = lucid_safetensors_get_f32 (st, "b", 2, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f[0], ==, 1.0f);
  g_assert_cmpfloat (f[1], ==, -3.0f);
  g_assert_cmpfloat (f[2], ==, 0.33203125f);
  g_assert_true (isinf (f[3]) && f[3] > 0);
  g_assert_cmpfloat (f[4], ==, ldexpf (1.0f, -133));
  g_assert_true (isnan (f[5]));
  g_unlink (path);
}

static void
test_f64_converts_with_rounding (void)
{
  const double d[] = { 1.5, -2.25, 0.1, 1e300, -1e300, 1e-300 };
  const char *header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[6],"
                       "\"data_offsets\":[0,48]}}";
  g_autofree char *path
      = write_file ("f64.safetensors", header, 0, d, sizeof d);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autoptr (GError) error = NULL;
  const gint64 shape[1] = { 6 };
  const float *f;

  f = lucid_safetensors_get_f32 (st, "d", 1, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f[0], ==, 1.5f);
  g_assert_cmpfloat (f[1], ==, -2.25f);
  g_assert_cmpfloat (f[2], ==, 0.1f);
  g_assert_true (isinf (f[3]) && f[3] > 0);
  g_assert_true (isinf (f[4]) && f[4] < 0);
  g_assert_cmpfloat (f[5], ==, 0.0f);
  g_unlink (path);
}

static void
test_metadata_map_is_read (void)
{
  const char *header
      = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"x\"},"
        "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
  g_autofree char *path = write_file ("meta.safetensors", header, 0, "\1\2", 2);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  GHashTable *meta = lucid_safetensors_get_metadata (st);

  g_assert_cmpuint (g_hash_table_size (meta), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (meta, "format"), ==, "pt");
  g_assert_cmpstr (g_hash_table_lookup (meta, "note"), ==, "x");
  /* __metadata__ is not a tensor */
  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st), ==, 1);
  g_assert_null (lucid_safetensors_lookup (st, "__metadata__"));
  g_unlink (path);
}

static void
test_zero_sized_and_scalar_tensors_are_legal (void)
{
  const char *header
      = "{\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]},"
        "\"scalar\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]},"
        "\"tail\":{\"dtype\":\"BF16\",\"shape\":[2,0],\"data_offsets\":[2,2]}}";
  const guint16 one = GUINT16_TO_LE (0x3c00);
  g_autofree char *path = write_file ("zero.safetensors", header, 0, &one, 2);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autoptr (GError) error = NULL;
  const gint64 empty_shape[2] = { 0, 4 }, tail_shape[2] = { 2, 0 };
  const float *f;

  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st), ==, 3);
  g_assert_cmpint (lucid_safetensors_lookup (st, "empty")->n_elements, ==, 0);
  g_assert_cmpint (lucid_safetensors_lookup (st, "scalar")->n_elements, ==, 1);
  g_assert_cmpuint (lucid_safetensors_lookup (st, "scalar")->n_dims, ==, 0);

  f = lucid_safetensors_get_f32 (st, "scalar", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f[0], ==, 1.0f);
  /* success is non-NULL even with nothing to return */
  g_assert_nonnull (
      lucid_safetensors_get_f32 (st, "empty", 2, empty_shape, &error));
  g_assert_nonnull (
      lucid_safetensors_get_f32 (st, "tail", 2, tail_shape, &error));
  g_assert_no_error (error);
  g_unlink (path);
}

static void
test_tensors_are_listed_in_offset_order (void)
{
  const char *header
      = "{\"c\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[3,4]},"
        "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]},"
        "\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
  g_autofree char *path
      = write_file ("order.safetensors", header, 0, "wxyz", 4);
  g_autoptr (LucidSafetensors) st = open_ok (path);

  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st), ==, 3);
  g_assert_cmpstr (lucid_safetensors_get_nth (st, 0)->name, ==, "b");
  g_assert_cmpstr (lucid_safetensors_get_nth (st, 1)->name, ==, "a");
  g_assert_cmpstr (lucid_safetensors_get_nth (st, 2)->name, ==, "c");
  g_assert_cmpmem (lucid_safetensors_lookup (st, "a")->data, 2, "xy", 2);
  g_assert_cmpmem (lucid_safetensors_lookup (st, "c")->data, 1, "z", 1);
  g_unlink (path);
}

static void
test_space_padded_header_and_empty_file_are_accepted (void)
{
  const char *header = "{\"x\":{\"dtype\":\"I32\",\"shape\":[1],"
                       "\"data_offsets\":[0,4]}}";
  g_autofree char *path
      = write_file ("padded.safetensors", header, 37, "\1\0\0\0", 4);
  g_autofree char *empty = write_file ("empty.safetensors", "{}", 6, NULL, 0);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autoptr (LucidSafetensors) st_empty = open_ok (empty);

  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st), ==, 1);
  g_assert_cmpuint (lucid_safetensors_get_n_tensors (st_empty), ==, 0);
  g_unlink (path);
  g_unlink (empty);
}

static void
test_sha256_covers_whole_file_and_is_cached (void)
{
  const char *header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[3],"
                       "\"data_offsets\":[0,3]}}";
  g_autofree char *path = write_file ("sha.safetensors", header, 0, "abc", 3);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  gsize len;
  const char *sha;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guint8 *)contents, len);
  sha = lucid_safetensors_get_sha256 (st);
  g_assert_cmpstr (sha, ==, expected);
  g_assert_cmpuint (strlen (sha), ==, 64);
  g_assert_true (lucid_safetensors_get_sha256 (st) == sha);
  g_unlink (path);
}

/* A file fixed byte for byte; its SHA-256 was computed with coreutils'
 * sha256sum: printf '\x02\0\0\0\0\0\0\0{}' | sha256sum */
#define SHA256_OF_MINIMAL_FILE                                                 \
  "411a485216e432ece6b9af94fa32154cf79a2a56d4f81266baa50063f45092bd"

static void
test_sha256_matches_known_digest (void)
{
  static const guint8 file[] = "\x02\0\0\0\0\0\0\0{}";
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;

  st = lucid_safetensors_new_from_data (file, 10, "mem", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lucid_safetensors_get_sha256 (st), ==,
                   SHA256_OF_MINIMAL_FILE);
}

static void
test_new_from_data_validates_memory (void)
{
  const char *header = "{\"x\":{\"dtype\":\"U16\",\"shape\":[2],"
                       "\"data_offsets\":[0,4]}}";
  g_autoptr (GByteArray) good = build (header, 0, "\1\0\2\0", 4);
  g_autoptr (GByteArray) bad = build (header, 0, "\1\0\2", 3);
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;

  st = lucid_safetensors_new_from_data (good->data, good->len, "mem", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lucid_safetensors_get_path (st), ==, "mem");
  g_assert_true (lucid_safetensors_lookup (st, "x")->data
                 == good->data + good->len - 4);

  g_assert_null (
      lucid_safetensors_new_from_data (bad->data, bad->len, "mem", &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "mem: "));
}

static void
test_dtype_names_and_sizes (void)
{
  g_assert_cmpstr (lucid_dtype_to_string (LUCID_DTYPE_BF16), ==, "BF16");
  g_assert_cmpstr (lucid_dtype_to_string (LUCID_DTYPE_BOOL), ==, "BOOL");
  g_assert_cmpuint (lucid_dtype_size (LUCID_DTYPE_BOOL), ==, 1);
  g_assert_cmpuint (lucid_dtype_size (LUCID_DTYPE_F16), ==, 2);
  g_assert_cmpuint (lucid_dtype_size (LUCID_DTYPE_U32), ==, 4);
  g_assert_cmpuint (lucid_dtype_size (LUCID_DTYPE_F64), ==, 8);
  g_assert_cmpuint (lucid_dtype_size ((LucidDType)99), ==, 0);
}

/* ------------------------------------------------------------------------
 * get_f32 refusals
 * ------------------------------------------------------------------------ */

static void
test_get_f32_reports_shape_mismatch (void)
{
  const char *header
      = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
        "\"data_offsets\":[0,24]}, \"i\":{\"dtype\":\"I64\",\"shape\":[1],"
        "\"data_offsets\":[24,32]}}";
  guint8 data[32] = { 0 };
  g_autofree char *path
      = write_file ("shape.safetensors", header, 0, data, sizeof data);
  g_autoptr (LucidSafetensors) st = open_ok (path);
  const gint64 wrong[2] = { 3, -1 }, wrong_rank[3] = { 2, 3, 1 };
  const gint64 any[1] = { -1 };

  {
    g_autoptr (GError) error = NULL;
    g_autofree char *expected = g_strdup_printf ("%s: tensor 'w' has shape "
                                                 "[2, 3], expected [3, *]",
                                                 path);

    g_assert_null (lucid_safetensors_get_f32 (st, "w", 2, wrong, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE);
    g_assert_cmpstr (error->message, ==, expected);
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (lucid_safetensors_get_f32 (st, "w", 3, wrong_rank, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "expected [2, 3, 1]"));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (lucid_safetensors_get_f32 (st, "i", 1, any, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "dtype I64"));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (lucid_safetensors_get_f32 (st, "absent", 1, any, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_MISSING);
    g_assert_true (g_str_has_prefix (error->message, path));
    g_assert_nonnull (strstr (error->message, "no tensor 'absent'"));
  }
  g_unlink (path);
}

/* ------------------------------------------------------------------------
 * Bad files
 * ------------------------------------------------------------------------ */

#define T(name, dtype, shape, b, e)                                            \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape                     \
  ",\"data_offsets\":[" #b "," #e "]}"

typedef struct {
  const char *name;
  const char *header;
  gsize data_len; /* zero bytes after the header */
  int code;
  const char *word; /* the message must contain it */
} BadHeader;

static const BadHeader bad_headers[] = {
  { "not-brace", "[{}]", 0, LUCID_ERROR_FORMAT, "start with '{'" },
  { "leading-space", " {}", 0, LUCID_ERROR_FORMAT, "start with '{'" },
  { "invalid-json", "{\"a\": }", 0, LUCID_ERROR_FORMAT, "invalid JSON" },
  { "truncated-json", "{\"a\": {", 0, LUCID_ERROR_FORMAT, "end of data" },
  { "bad-utf8", "{\"\xff\": 1}", 0, LUCID_ERROR_FORMAT, "UTF-8" },
  { "duplicate-name",
    "{" T ("w", "U8", "[1]", 0, 1) "," T ("w", "U8", "[1]", 1, 2) "}", 2,
    LUCID_ERROR_FORMAT, "duplicate key 'w'" },
  { "metadata-int", "{\"__metadata__\":{\"a\":1}}", 0, LUCID_ERROR_FORMAT,
    "__metadata__ value 'a' is not a string" },
  { "metadata-string", "{\"__metadata__\":\"pt\"}", 0, LUCID_ERROR_FORMAT,
    "__metadata__ is not an object" },
  { "metadata-null", "{\"__metadata__\":null}", 0, LUCID_ERROR_FORMAT,
    "__metadata__" },
  { "unknown-dtype", "{" T ("w", "F8_E4M3", "[1]", 0, 1) "}", 1,
    LUCID_ERROR_UNSUPPORTED, "unknown dtype 'F8_E4M3'" },
  { "lowercase-dtype", "{" T ("w", "f32", "[1]", 0, 4) "}", 4,
    LUCID_ERROR_UNSUPPORTED, "unknown dtype 'f32'" },
  { "negative-shape", "{" T ("w", "U8", "[-1]", 0, 0) "}", 0,
    LUCID_ERROR_FORMAT, "shape entry" },
  { "float-shape", "{" T ("w", "U8", "[2.0]", 0, 2) "}", 2, LUCID_ERROR_FORMAT,
    "shape entry" },
  { "string-shape", "{" T ("w", "U8", "[\"2\"]", 0, 2) "}", 2,
    LUCID_ERROR_FORMAT, "shape entry" },
  { "shape-not-array", "{" T ("w", "U8", "2", 0, 2) "}", 2, LUCID_ERROR_FORMAT,
    "no shape" },
  { "size-mismatch", "{" T ("w", "F32", "[2,3]", 0, 20) "}", 20,
    LUCID_ERROR_FORMAT, "mismatch" },
  { "shape-overflow", "{" T ("w", "U8", "[4294967296,4294967296,2]", 0, 0) "}",
    0, LUCID_ERROR_FORMAT, "overflow" },
  { "bytes-overflow", "{" T ("w", "F64", "[2305843009213693952,2]", 0, 0) "}",
    0, LUCID_ERROR_FORMAT, "overflow" },
  { "huge-dim", "{" T ("w", "U8", "[18446744073709551616]", 0, 0) "}", 0,
    LUCID_ERROR_FORMAT, "shape entry" },
  { "overlap",
    "{" T ("a", "U8", "[4]", 0, 4) "," T ("b", "U8", "[4]", 2, 6) "}", 6,
    LUCID_ERROR_FORMAT, "tensor 'b' overlaps 'a'" },
  { "overlap-zero-size",
    "{" T ("a", "U8", "[4]", 0, 4) "," T ("z", "U8", "[0]", 2, 2) "}", 4,
    LUCID_ERROR_FORMAT, "overlaps" },
  { "gap", "{" T ("a", "U8", "[4]", 0, 4) "," T ("b", "U8", "[4]", 6, 10) "}",
    10, LUCID_ERROR_FORMAT, "gap" },
  { "gap-at-start", "{" T ("a", "U8", "[4]", 2, 6) "}", 6, LUCID_ERROR_FORMAT,
    "gap" },
  { "trailing-bytes", "{" T ("a", "U8", "[4]", 0, 4) "}", 7, LUCID_ERROR_FORMAT,
    "3 trailing bytes" },
  { "beyond-buffer", "{" T ("a", "U8", "[4]", 0, 4) "}", 2, LUCID_ERROR_FORMAT,
    "beyond the end of the data buffer" },
  { "begin-after-end", "{" T ("a", "U8", "[0]", 4, 0) "}", 4,
    LUCID_ERROR_FORMAT, "begin is after its end" },
  { "offsets-three",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1,
    LUCID_ERROR_FORMAT, "data_offsets" },
  { "offsets-negative", "{" T ("a", "U8", "[1]", -1, 0) "}", 1,
    LUCID_ERROR_FORMAT, "data_offsets" },
  { "offsets-huge",
    "{" T ("a", "U8", "[0]", 1000000000000000019884624838656,
           1000000000000000019884624838656) "}",
    0, LUCID_ERROR_FORMAT, "data_offsets" },
  { "too-many-dims", "{" T ("a", "U8", "[1,1,1,1,1,1,1,1,1]", 0, 1) "}", 1,
    LUCID_ERROR_UNSUPPORTED, "9 dimensions" },
  { "no-dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
    LUCID_ERROR_FORMAT, "no dtype" },
  { "extra-field",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],"
    "\"data_offsets\":[0,1],\"offset\":0}}",
    1, LUCID_ERROR_FORMAT, "unknown field 'offset'" },
  { "entry-not-object", "{\"a\":[1]}", 0, LUCID_ERROR_FORMAT,
    "tensor 'a' is not described by an object" },
};

static void
assert_refused (const char *path, LucidSafetensors *st, GError *error, int code,
                const char *word)
{
  if (st != NULL)
    g_error ("%s: accepted", path);
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  if (!g_error_matches (error, LUCID_ERROR, code)
      || !g_str_has_prefix (error->message, path)
      || strstr (error->message, word) == NULL)
    g_error ("%s: want code %d and \"%s\"; got code %d \"%s\"", path, code,
             word, error->code, error->message);
}

static void
test_bad_header_is_refused (gconstpointer user_data)
{
  const BadHeader *bad = user_data;
  g_autofree guint8 *zeros = g_malloc0 (bad->data_len + 1);
  g_autofree char *name = g_strconcat (bad->name, ".safetensors", NULL);
  g_autoptr (GByteArray) bytes = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;
  gsize header_len;

  header_len = strlen (bad->header);
  bytes = g_byte_array_new ();
  {
    guint64 n_le = GUINT64_TO_LE ((guint64)header_len);

    g_byte_array_append (bytes, (const guint8 *)&n_le, 8);
  }
  g_byte_array_append (bytes, (const guint8 *)bad->header, header_len);
  g_byte_array_append (bytes, zeros, bad->data_len);
  path = write_bytes (name, bytes->data, bytes->len);

  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, bad->code, bad->word);
  g_clear_error (&error);

  /* the in-memory entry point refuses the same bytes the same way */
  st = lucid_safetensors_new_from_data (bytes->data, bytes->len, path, &error);
  assert_refused (path, st, error, bad->code, bad->word);
  g_unlink (path);
}

/* Writers pad with spaces; NUL padding is not JSON whitespace. */
static void
test_nul_padded_header_is_refused (void)
{
  g_autoptr (GByteArray) bytes = build ("{}", 0, NULL, 0);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;
  guint64 n_le = GUINT64_TO_LE (G_GUINT64_CONSTANT (4));

  memcpy (bytes->data, &n_le, 8);
  g_byte_array_append (bytes, (const guint8 *)"\0\0", 2);
  path = write_bytes ("nul-padding.safetensors", bytes->data, bytes->len);
  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, LUCID_ERROR_FORMAT, "NUL byte");
  g_unlink (path);
}

static void
test_short_file_is_refused (void)
{
  g_autofree char *path
      = write_bytes ("short.safetensors", (const guint8 *)"\2\0\0\0\0", 5);
  g_autofree char *empty
      = write_bytes ("zero.safetensors", (const guint8 *)"", 0);
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;

  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, LUCID_ERROR_FORMAT, "5 bytes, too short");
  g_clear_error (&error);
  st = lucid_safetensors_open (empty, &error);
  assert_refused (empty, st, error, LUCID_ERROR_FORMAT, "0 bytes, too short");
  g_unlink (path);
  g_unlink (empty);
}

static void
test_header_length_beyond_file_is_refused (void)
{
  g_autoptr (GByteArray) bytes = build ("{}", 0, NULL, 0);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;
  guint64 n_le = GUINT64_TO_LE (G_GUINT64_CONSTANT (12345678));

  memcpy (bytes->data, &n_le, 8);
  path = write_bytes ("long-header.safetensors", bytes->data, bytes->len);
  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, LUCID_ERROR_FORMAT,
                  "header length 12345678 exceeds file size 10");

  /* one byte too long is caught too */
  g_clear_error (&error);
  n_le = GUINT64_TO_LE (G_GUINT64_CONSTANT (3));
  memcpy (bytes->data, &n_le, 8);
  st = lucid_safetensors_new_from_data (bytes->data, bytes->len, "mem", &error);
  assert_refused ("mem", st, error, LUCID_ERROR_FORMAT, "exceeds file size");
  g_unlink (path);
}

static void
test_absurd_header_length_is_refused (void)
{
  g_autoptr (GByteArray) bytes = build ("{}", 0, NULL, 0);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;
  guint64 n_le = GUINT64_TO_LE (G_GUINT64_CONSTANT (0xffffffffffffffff));

  memcpy (bytes->data, &n_le, 8);
  path = write_bytes ("absurd.safetensors", bytes->data, bytes->len);
  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, LUCID_ERROR_FORMAT,
                  "header length 18446744073709551615 exceeds the limit");
  g_unlink (path);
}

static void
test_missing_file_and_directory_are_refused (void)
{
  g_autofree char *path
      = g_build_filename (tmp_dir, "absent.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  LucidSafetensors *st;

  st = lucid_safetensors_open (path, &error);
  assert_refused (path, st, error, LUCID_ERROR_MISSING, "cannot open");
  g_clear_error (&error);
  st = lucid_safetensors_open (tmp_dir, &error);
  assert_refused (tmp_dir, st, error, LUCID_ERROR_IO, "not a regular file");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("lucid-test-safetensors-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/safetensors/good/f32-in-place",
                   test_f32_file_is_read_in_place);
  g_test_add_func ("/safetensors/good/unaligned-f32-copied",
                   test_unaligned_f32_is_copied);
  g_test_add_func ("/safetensors/good/f16-exact", test_f16_converts_exactly);
  g_test_add_func ("/safetensors/good/bf16-exact", test_bf16_converts_exactly);
  g_test_add_func ("/safetensors/good/f64-rounded",
                   test_f64_converts_with_rounding);
  g_test_add_func ("/safetensors/good/metadata", test_metadata_map_is_read);
  g_test_add_func ("/safetensors/good/zero-size-and-scalar",
                   test_zero_sized_and_scalar_tensors_are_legal);
  g_test_add_func ("/safetensors/good/offset-order",
                   test_tensors_are_listed_in_offset_order);
  g_test_add_func ("/safetensors/good/padded-and-empty",
                   test_space_padded_header_and_empty_file_are_accepted);
  g_test_add_func ("/safetensors/good/sha256",
                   test_sha256_covers_whole_file_and_is_cached);
  g_test_add_func ("/safetensors/good/sha256-known",
                   test_sha256_matches_known_digest);
  g_test_add_func ("/safetensors/good/from-data",
                   test_new_from_data_validates_memory);
  g_test_add_func ("/safetensors/dtypes", test_dtype_names_and_sizes);
  g_test_add_func ("/safetensors/get-f32/refusals",
                   test_get_f32_reports_shape_mismatch);
  g_test_add_func ("/safetensors/bad/short-file", test_short_file_is_refused);
  g_test_add_func ("/safetensors/bad/nul-padding",
                   test_nul_padded_header_is_refused);
  g_test_add_func ("/safetensors/bad/header-length-beyond-file",
                   test_header_length_beyond_file_is_refused);
  g_test_add_func ("/safetensors/bad/absurd-header-length",
                   test_absurd_header_length_is_refused);
  g_test_add_func ("/safetensors/bad/missing-file",
                   test_missing_file_and_directory_are_refused);
  for (guint i = 0; i < G_N_ELEMENTS (bad_headers); i++) {
    g_autofree char *test_path
        = g_strconcat ("/safetensors/bad/", bad_headers[i].name, NULL);

    g_test_add_data_func (test_path, &bad_headers[i],
                          test_bad_header_is_refused);
  }

  ret = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
