/* lucid-safetensors.c — read-only, validated, memory-mapped safetensors files.
 *
 * THE FORMAT
 *
 * A safetensors file (https://github.com/huggingface/safetensors) is
 *
 *   bytes 0..8      N, the header length, an unsigned 64-bit little-endian
 *   bytes 8..8+N    the header: UTF-8 JSON, one object, beginning with '{'
 *                   and possibly padded with trailing spaces (writers pad it
 *                   so that the data buffer starts 8-byte aligned)
 *   bytes 8+N..     the data buffer: every tensor's bytes, little-endian,
 *                   row-major, back to back
 *
 * Each header member names a tensor and describes it:
 *
 *   "bert.embeddings.word_embeddings.weight":
 *       {"dtype": "F32", "shape": [30522, 768], "data_offsets": [0, 93763584]}
 *
 * with data_offsets [begin, end) relative to the data buffer, not the file.
 * The one other member, "__metadata__", is an optional string → string map
 * (transformers writes {"format": "pt"}); it is not a tensor.
 *
 * THE CHECKS
 *
 * The reference reader (the Rust crate behind the Python safetensors package,
 * SafeTensors::read_metadata() and Metadata::validate()) accepts a file only
 * when all of the following hold, and so does Lucid.  A file failing any of
 * them is refused whole with a LUCID_ERROR naming the file and, where there
 * is one, the tensor:
 *
 *   1. The file holds at least the 8 length bytes.
 *   2. N ≤ 100 000 000 (the reference's MAX_HEADER_SIZE) and 8 + N ≤ the
 *      file size.
 *   3. The header begins with '{', is valid UTF-8 and valid JSON (parsed by
 *      lucid-json, so duplicate tensor names, integers beyond 64 bits and
 *      trailing garbage are refused too), and is an object.
 *   4. "__metadata__", when present, is an object whose values are strings.
 *   5. Every other member is an object with exactly "dtype" (one of BOOL U8
 *      I8 U16 I16 U32 I32 U64 I64 F16 BF16 F32 F64; the 8-bit and 4-bit
 *      float types of newer writers are refused as unsupported), "shape" (an
 *      array of non-negative integers, at most LUCID_SAFETENSORS_MAX_DIMS of
 *      them, [] being a scalar) and "data_offsets" (two non-negative integers,
 *      begin ≤ end).
 *   6. The product of the shape times the dtype size, computed with overflow
 *      checks, equals end − begin.  Zero-sized tensors (a 0 in the shape,
 *      begin = end) are legal.
 *   7. Sorted by (begin, end), the tensors tile the data buffer: the first
 *      begins at 0, each begins where the previous ended (no gap, no
 *      overlap), and the last ends at the end of the file (no trailing
 *      bytes).
 *
 * After these checks every tensor's bytes lie inside the mapping, which is
 * all the rest of Lucid relies on.  Data is not copied: LucidSafetensor.data
 * points into the mapping (or the caller's buffer for _new_from_data()).
 *
 * CONVERSION
 *
 * The backends compute in float32.  lucid_safetensors_get_f32() returns F32
 * data in place when it is suitably aligned (the host being little-endian),
 * and otherwise converts F32 (unaligned), F16, BF16 and F64 once into a buffer
 * owned by the file object.  F16 conversion is exact for every value,
 * subnormals, infinities and NaNs included; BF16 is the top half of an F32;
 * F64 rounds to nearest, values beyond the float range becoming ±inf (as
 * torch's .float() does).
 *
 * A LucidSafetensors is not thread-safe: get_f32() and get_sha256() fill
 * caches.  The mapping is read-only and private; a file truncated by someone
 * else while mapped raises SIGBUS, as with any mmap reader.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-safetensors.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "lucid-error.h"
#include "lucid-json.h"

#define MAX_HEADER_SIZE G_GUINT64_CONSTANT (100000000)

struct _LucidSafetensors {
  char *label;          /* the path, or the caller's label */
  GMappedFile *mapping; /* NULL for _new_from_data() */
  const guint8 *bytes;  /* the whole file */
  gsize size;

  LucidSafetensor *tensors; /* n_tensors, in data-offset order */
  guint n_tensors;
  GHashTable *by_name;  /* name → LucidSafetensor*, into tensors */
  GHashTable *metadata; /* string → string, owned */

  float **converted; /* per tensor: get_f32() copies, or NULL */
  char *sha256;      /* lowercase hex, or NULL until asked */
};

/* clang-format off */
static const struct {
  const char *name;
  gsize size;
} dtype_info[] = {
  [LUCID_DTYPE_BOOL] = { "BOOL", 1 },
  [LUCID_DTYPE_U8]   = { "U8", 1 },
  [LUCID_DTYPE_I8]   = { "I8", 1 },
  [LUCID_DTYPE_U16]  = { "U16", 2 },
  [LUCID_DTYPE_I16]  = { "I16", 2 },
  [LUCID_DTYPE_U32]  = { "U32", 4 },
  [LUCID_DTYPE_I32]  = { "I32", 4 },
  [LUCID_DTYPE_U64]  = { "U64", 8 },
  [LUCID_DTYPE_I64]  = { "I64", 8 },
  [LUCID_DTYPE_F16]  = { "F16", 2 },
  [LUCID_DTYPE_BF16] = { "BF16", 2 },
  [LUCID_DTYPE_F32]  = { "F32", 4 },
  [LUCID_DTYPE_F64]  = { "F64", 8 },
};
/* clang-format on */

const char *
lucid_dtype_to_string (LucidDType dtype)
{
  if ((guint)dtype >= G_N_ELEMENTS (dtype_info))
    return "invalid";
  return dtype_info[dtype].name;
}

gsize
lucid_dtype_size (LucidDType dtype)
{
  if ((guint)dtype >= G_N_ELEMENTS (dtype_info))
    return 0;
  return dtype_info[dtype].size;
}

static gboolean
dtype_from_string (const char *s, LucidDType *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtype_info); i++) {
    if (strcmp (s, dtype_info[i].name) == 0) {
      *out = (LucidDType)i;
      return TRUE;
    }
  }
  return FALSE;
}

/* "[30522, 768]"; -1 (a wildcard in get_f32's expected shape) prints as *. */
static char *
shape_to_string (guint n_dims, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n_dims; i++) {
    if (i > 0)
      g_string_append (s, ", ");
    if (shape[i] < 0)
      g_string_append_c (s, '*');
    else
      g_string_append_printf (s, "%" G_GINT64_FORMAT, shape[i]);
  }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------
 * Header validation
 * ------------------------------------------------------------------------ */

/* One tensor while the header is checked: the public part plus its
 * offsets, which only matter until the tiling check is done. */
typedef struct {
  LucidSafetensor t;
  guint64 begin, end;
} Entry;

static void set_format_error (GError **error, const char *label,
                              const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
set_format_error (GError **error, const char *label, const char *format, ...)
{
  va_list args;
  g_autofree char *problem = NULL;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s: %s", label,
               problem);
}

/* A JSON array element that must be an integer in [0, G_MAXINT64]. */
static gboolean
get_non_negative (JsonNode *node, gint64 *out)
{
  if (!lucid_json_node_is_sane_int (node) || json_node_get_int (node) < 0)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_metadata (LucidSafetensors *st, JsonNode *node, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    set_format_error (error, st->label,
                      "__metadata__ is not an object "
                      "(it must map strings to strings)");
    return FALSE;
  }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE (value)
        || json_node_get_value_type (value) != G_TYPE_STRING) {
      set_format_error (error, st->label,
                        "__metadata__ value '%s' is not "
                        "a string (it must map strings to strings)",
                        key);
      return FALSE;
    }
    g_hash_table_insert (st->metadata, g_strdup (key),
                         g_strdup (json_node_get_string (value)));
  }
  return TRUE;
}

/* Checks 5 and 6 for one header member and fills @e (but for t.data). */
static gboolean
parse_entry (const char *label, const char *name, JsonNode *node, Entry *e,
             GError **error)
{
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key, *dtype_name;
  JsonNode *value;
  JsonArray *shape, *offsets;
  guint64 n_elements = 1, n_bytes;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    set_format_error (error, label, "tensor '%s' is not described by an object",
                      name);
    return FALSE;
  }
  obj = json_node_get_object (node);

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value)) {
    if (strcmp (key, "dtype") != 0 && strcmp (key, "shape") != 0
        && strcmp (key, "data_offsets") != 0) {
      set_format_error (error, label,
                        "tensor '%s' has unknown field '%s' "
                        "(expected dtype, shape and data_offsets)",
                        name, key);
      return FALSE;
    }
  }

  /* dtype */
  if (!json_object_has_member (obj, "dtype")) {
    set_format_error (error, label, "tensor '%s' has no dtype", name);
    return FALSE;
  }
  value = json_object_get_member (obj, "dtype");
  if (!JSON_NODE_HOLDS_VALUE (value)
      || json_node_get_value_type (value) != G_TYPE_STRING) {
    set_format_error (error, label,
                      "tensor '%s' has a dtype that is not a string", name);
    return FALSE;
  }
  dtype_name = json_node_get_string (value);
  if (!dtype_from_string (dtype_name, &e->t.dtype)) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: tensor '%s' has unknown dtype '%s' (Lucid reads BOOL, U8, I8, "
        "U16, I16, U32, I32, U64, I64, F16, BF16, F32 and F64)",
        label, name, dtype_name);
    return FALSE;
  }

  /* shape */
  if (!json_object_has_member (obj, "shape")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "shape"))) {
    set_format_error (error, label, "tensor '%s' has no shape array", name);
    return FALSE;
  }
  shape = json_object_get_array_member (obj, "shape");
  if (json_array_get_length (shape) > LUCID_SAFETENSORS_MAX_DIMS) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: tensor '%s' has %u dimensions; Lucid reads at most %d",
                 label, name, json_array_get_length (shape),
                 LUCID_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  e->t.n_dims = json_array_get_length (shape);
  for (guint i = 0; i < e->t.n_dims; i++) {
    if (!get_non_negative (json_array_get_element (shape, i), &e->t.shape[i])) {
      set_format_error (error, label,
                        "tensor '%s' has a shape entry that is "
                        "not a non-negative integer (dimension %u)",
                        name, i);
      return FALSE;
    }
    if (__builtin_mul_overflow (n_elements, (guint64)e->t.shape[i],
                                &n_elements)) {
      set_format_error (error, label,
                        "tensor '%s': the element count of its "
                        "shape overflows 64 bits",
                        name);
      return FALSE;
    }
  }
  if (n_elements > G_MAXINT64) {
    set_format_error (error, label,
                      "tensor '%s': the element count of its "
                      "shape overflows 64 bits",
                      name);
    return FALSE;
  }
  e->t.n_elements = (gint64)n_elements;

  /* data_offsets */
  if (!json_object_has_member (obj, "data_offsets")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "data_offsets"))
      || json_array_get_length (
             json_object_get_array_member (obj, "data_offsets"))
             != 2) {
    set_format_error (error, label,
                      "tensor '%s' has no data_offsets pair [begin, end]",
                      name);
    return FALSE;
  }
  offsets = json_object_get_array_member (obj, "data_offsets");
  {
    gint64 begin, end;

    if (!get_non_negative (json_array_get_element (offsets, 0), &begin)
        || !get_non_negative (json_array_get_element (offsets, 1), &end)) {
      set_format_error (error, label,
                        "tensor '%s' has data_offsets that are "
                        "not non-negative integers",
                        name);
      return FALSE;
    }
    if (begin > end) {
      set_format_error (error, label,
                        "tensor '%s' has data_offsets [%" G_GINT64_FORMAT
                        ", %" G_GINT64_FORMAT "] whose begin is after its end",
                        name, begin, end);
      return FALSE;
    }
    e->begin = begin;
    e->end = end;
  }

  /* check 6: shape × dtype size = byte span */
  if (__builtin_mul_overflow (
          n_elements, (guint64)lucid_dtype_size (e->t.dtype), &n_bytes)) {
    set_format_error (error, label,
                      "tensor '%s': its byte size (elements "
                      "times dtype size) overflows 64 bits",
                      name);
    return FALSE;
  }
  if (n_bytes != e->end - e->begin) {
    g_autofree char *s = shape_to_string (e->t.n_dims, e->t.shape);

    set_format_error (
        error, label,
        "tensor '%s' of shape %s and dtype %s needs %" G_GUINT64_FORMAT
        " bytes, but its data_offsets [%" G_GUINT64_FORMAT
        ", %" G_GUINT64_FORMAT "] span %" G_GUINT64_FORMAT " (size mismatch)",
        name, s, dtype_name, n_bytes, e->begin, e->end, e->end - e->begin);
    return FALSE;
  }
  e->t.n_bytes = n_bytes; /* ≤ the buffer size once tiling is checked */
  return TRUE;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return strcmp (x->t.name, y->t.name);
}

/* Check 7: sorted entries tile [0, buffer_size) exactly. */
static gboolean
check_tiling (const char *label, const Entry *entries, guint n,
              guint64 buffer_size, GError **error)
{
  guint64 offset = 0;

  for (guint i = 0; i < n; i++) {
    const Entry *e = &entries[i];

    if (e->begin < offset) {
      set_format_error (error, label,
                        "tensor '%s' overlaps '%s' (bytes %" G_GUINT64_FORMAT
                        "..%" G_GUINT64_FORMAT " of the data buffer)",
                        e->t.name, entries[i - 1].t.name, e->begin, offset);
      return FALSE;
    }
    if (e->begin > offset) {
      if (i == 0)
        set_format_error (error, label,
                          "the data buffer has a gap: its "
                          "first %" G_GUINT64_FORMAT
                          " bytes belong to no tensor (tensor "
                          "'%s' begins at %" G_GUINT64_FORMAT ")",
                          e->begin, e->t.name, e->begin);
      else
        set_format_error (error, label,
                          "the data buffer has a gap: %" G_GUINT64_FORMAT
                          " bytes between tensor '%s' and tensor '%s' "
                          "belong to no tensor",
                          e->begin - offset, entries[i - 1].t.name, e->t.name);
      return FALSE;
    }
    if (e->end > buffer_size) {
      set_format_error (
          error, label,
          "tensor '%s' ends at byte %" G_GUINT64_FORMAT
          ", beyond the end of the data buffer (%" G_GUINT64_FORMAT " bytes)",
          e->t.name, e->end, buffer_size);
      return FALSE;
    }
    offset = e->end;
  }
  if (offset < buffer_size) {
    set_format_error (error, label,
                      "%" G_GUINT64_FORMAT " trailing bytes "
                      "after the last tensor belong to no tensor",
                      buffer_size - offset);
    return FALSE;
  }
  return TRUE;
}

/* Runs all the checks on st->bytes and fills the tensor table. */
static gboolean
parse (LucidSafetensors *st, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json_label = NULL;
  g_autofree Entry *entries = NULL;
  JsonObject *header;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint64 header_len, buffer_size;
  const guint8 *header_bytes, *buffer;
  guint n = 0;

  /* checks 1 and 2 */
  if (st->size < 8) {
    set_format_error (error, st->label,
                      "file is %" G_GSIZE_FORMAT " bytes, "
                      "too short to hold the 8-byte header length",
                      st->size);
    return FALSE;
  }
  memcpy (&header_len, st->bytes, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > MAX_HEADER_SIZE) {
    set_format_error (error, st->label,
                      "header length %" G_GUINT64_FORMAT
                      " exceeds the limit of %" G_GUINT64_FORMAT
                      " bytes (not a safetensors file?)",
                      header_len, MAX_HEADER_SIZE);
    return FALSE;
  }
  if (header_len > st->size - 8) {
    set_format_error (error, st->label,
                      "header length %" G_GUINT64_FORMAT
                      " exceeds file size %" G_GSIZE_FORMAT,
                      header_len, st->size);
    return FALSE;
  }
  header_bytes = st->bytes + 8;
  buffer = header_bytes + header_len;
  buffer_size = st->size - 8 - header_len;

  /* check 3 */
  if (header_len == 0 || header_bytes[0] != '{') {
    set_format_error (error, st->label,
                      "header does not start with '{' "
                      "(not a safetensors file?)");
    return FALSE;
  }
  json_label = g_strdup_printf ("%s: header", st->label);
  root = lucid_json_parse_data ((const char *)header_bytes, header_len,
                                json_label, error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    set_format_error (error, st->label, "header is not a JSON object");
    return FALSE;
  }
  header = json_node_get_object (root);

  /* checks 4, 5 and 6, member by member */
  entries = g_new0 (Entry, json_object_get_size (header));
  json_object_iter_init (&iter, header);
  while (json_object_iter_next (&iter, &name, &node)) {
    if (strcmp (name, "__metadata__") == 0) {
      if (!parse_metadata (st, node, error))
        return FALSE;
      continue;
    }
    if (!parse_entry (st->label, name, node, &entries[n], error))
      return FALSE;
    entries[n].t.name = name; /* owned by root until copied below */
    n++;
  }

  /* check 7 */
  if (n > 1)
    qsort (entries, n, sizeof (Entry), compare_entries);
  if (!check_tiling (st->label, entries, n, buffer_size, error))
    return FALSE;

  st->n_tensors = n;
  st->tensors = g_new0 (LucidSafetensor, n);
  st->converted = g_new0 (float *, n);
  for (guint i = 0; i < n; i++) {
    LucidSafetensor *t = &st->tensors[i];

    *t = entries[i].t;
    t->name = g_strdup (entries[i].t.name);
    t->data = buffer + entries[i].begin;
    g_hash_table_insert (st->by_name, (gpointer)t->name, t);
  }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Construction
 * ------------------------------------------------------------------------ */

static LucidSafetensors *
safetensors_new (const char *label)
{
  LucidSafetensors *st = g_new0 (LucidSafetensors, 1);

  st->label = g_strdup (label);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return st;
}

LucidSafetensors *
lucid_safetensors_open_model (const char *dir, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *bin = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = g_build_filename (dir, "model.safetensors", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return lucid_safetensors_open (path, error);
  bin = g_build_filename (dir, "pytorch_model.bin", NULL);
  if (g_file_test (bin, G_FILE_TEST_EXISTS))
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: missing; found pytorch_model.bin, pickled PyTorch "
                 "weights, which Lucid does not read (safetensors only): "
                 "convert them to model.safetensors in Python with the "
                 "safetensors package's torch helpers "
                 "(safetensors.torch.save_file / save_model)",
                 path);
  else
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: missing (Lucid reads a model's weights from "
                 "model.safetensors)",
                 path);
  return NULL;
}

LucidSafetensors *
lucid_safetensors_open (const char *path, GError **error)
{
  g_autoptr (LucidSafetensors) st = NULL;
  g_autoptr (GError) map_error = NULL;
  GStatBuf sb;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Refuse what is not a regular file before mapping: opening a FIFO would
   * block, and a directory gives a confusing message. */
  if (g_stat (path, &sb) != 0) {
    int saved_errno = errno;

    g_set_error (error, LUCID_ERROR,
                 saved_errno == ENOENT ? LUCID_ERROR_MISSING : LUCID_ERROR_IO,
                 "%s: cannot open: %s", path, g_strerror (saved_errno));
    return NULL;
  }
  if (!S_ISREG (sb.st_mode)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: cannot open: not a regular file", path);
    return NULL;
  }

  st = safetensors_new (path);
  st->mapping = g_mapped_file_new (path, FALSE, &map_error);
  if (st->mapping == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: cannot map: %s", path,
                 map_error->message);
    return NULL;
  }
  st->bytes = (const guint8 *)g_mapped_file_get_contents (st->mapping);
  st->size = g_mapped_file_get_length (st->mapping);
  if (!parse (st, error))
    return NULL;
  return g_steal_pointer (&st);
}

LucidSafetensors *
lucid_safetensors_new_from_data (const guint8 *data, gsize len,
                                 const char *label, GError **error)
{
  g_autoptr (LucidSafetensors) st = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  st = safetensors_new (label ? label : "<safetensors>");
  st->bytes = data;
  st->size = len;
  if (!parse (st, error))
    return NULL;
  return g_steal_pointer (&st);
}

void
lucid_safetensors_free (LucidSafetensors *st)
{
  if (st == NULL)
    return;
  for (guint i = 0; i < st->n_tensors; i++) {
    g_free ((char *)st->tensors[i].name);
    g_free (st->converted[i]);
  }
  g_free (st->tensors);
  g_free (st->converted);
  g_hash_table_unref (st->by_name);
  g_hash_table_unref (st->metadata);
  g_clear_pointer (&st->mapping, g_mapped_file_unref);
  g_free (st->sha256);
  g_free (st->label);
  g_free (st);
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------ */

const char *
lucid_safetensors_get_path (const LucidSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return st->label;
}

guint
lucid_safetensors_get_n_tensors (const LucidSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->n_tensors;
}

const LucidSafetensor *
lucid_safetensors_get_nth (const LucidSafetensors *st, guint i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->n_tensors, NULL);
  return &st->tensors[i];
}

const LucidSafetensor *
lucid_safetensors_lookup (const LucidSafetensors *st, const char *name)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (st->by_name, name);
}

GHashTable *
lucid_safetensors_get_metadata (const LucidSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return st->metadata;
}

const char *
lucid_safetensors_get_sha256 (LucidSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);

  if (st->sha256 == NULL)
    st->sha256 = g_compute_checksum_for_data (
        G_CHECKSUM_SHA256, st->size ? st->bytes : (const guint8 *)"", st->size);
  return st->sha256;
}

/* ------------------------------------------------------------------------
 * Conversion to float32
 * ------------------------------------------------------------------------ */

/* IEEE 754 binary16 → binary32, exact for every input. */
static float
f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32)(h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float f;

  if (exponent == 0x1f) {
    /* inf, or NaN with its payload (and quiet bit) kept */
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    /* normal: rebias the exponent from 15 to 127 */
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else {
    /* zero or subnormal: mantissa × 2^-24, exact in float32 */
    f = (float)mantissa * 0x1p-24f;
    return sign ? -f : f;
  }
  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
bf16_to_f32 (guint16 b)
{
  guint32 bits = (guint32)b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

/* binary64 → binary32, round to nearest; out-of-range values give ±inf as
 * IEEE 754 prescribes (spelt out because C leaves the cast undefined). */
static float
f64_to_f32 (double d)
{
  /* FLT_MAX + half an ulp: from here on, rounding to nearest gives inf. */
  const double overflow = 0x1.ffffffp127;

  if (d >= overflow)
    return HUGE_VALF;
  if (d <= -overflow)
    return -HUGE_VALF;
  if (d > FLT_MAX)
    return FLT_MAX;
  if (d < -FLT_MAX)
    return -FLT_MAX;
  return (float)d;
}

static void
convert_to_f32 (const LucidSafetensor *t, float *out)
{
  const guint8 *p = t->data;
  gsize n = t->n_elements;

  switch (t->dtype) {
    case LUCID_DTYPE_F16:
      for (gsize i = 0; i < n; i++) {
        guint16 v;

        memcpy (&v, p + 2 * i, 2);
        out[i] = f16_to_f32 (GUINT16_FROM_LE (v));
      }
      break;
    case LUCID_DTYPE_BF16:
      for (gsize i = 0; i < n; i++) {
        guint16 v;

        memcpy (&v, p + 2 * i, 2);
        out[i] = bf16_to_f32 (GUINT16_FROM_LE (v));
      }
      break;
    case LUCID_DTYPE_F32:
      for (gsize i = 0; i < n; i++) {
        guint32 v;

        memcpy (&v, p + 4 * i, 4);
        v = GUINT32_FROM_LE (v);
        memcpy (&out[i], &v, 4);
      }
      break;
    case LUCID_DTYPE_F64:
      for (gsize i = 0; i < n; i++) {
        guint64 v;
        double d;

        memcpy (&v, p + 8 * i, 8);
        v = GUINT64_FROM_LE (v);
        memcpy (&d, &v, 8);
        out[i] = f64_to_f32 (d);
      }
      break;
    default:
      g_assert_not_reached ();
  }
}

const float *
lucid_safetensors_get_f32 (LucidSafetensors *st, const char *name, guint n_dims,
                           const gint64 *shape, GError **error)
{
  const LucidSafetensor *t;
  gboolean shape_ok;
  guint index;
  gsize n_floats;

  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (shape != NULL || n_dims == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  t = lucid_safetensors_lookup (st, name);
  if (t == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING, "%s: no tensor '%s'",
                 st->label, name);
    return NULL;
  }

  shape_ok = t->n_dims == n_dims;
  for (guint i = 0; shape_ok && i < n_dims; i++)
    shape_ok = shape[i] < 0 || shape[i] == t->shape[i];
  if (!shape_ok) {
    g_autofree char *found = shape_to_string (t->n_dims, t->shape);
    g_autofree char *expected = shape_to_string (n_dims, shape);

    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
                 "%s: tensor '%s' has shape %s, expected %s", st->label, name,
                 found, expected);
    return NULL;
  }

  switch (t->dtype) {
    case LUCID_DTYPE_F32:
      if (G_BYTE_ORDER == G_LITTLE_ENDIAN
          && (guintptr)t->data % G_ALIGNOF (float) == 0)
        return (const float *)t->data;
      break;
    case LUCID_DTYPE_F16:
    case LUCID_DTYPE_BF16:
    case LUCID_DTYPE_F64:
      break;
    default:
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_SHAPE,
          "%s: tensor '%s' has dtype %s, expected a float type (F32, F16, "
          "BF16 or F64)",
          st->label, name, lucid_dtype_to_string (t->dtype));
      return NULL;
  }

  index = t - st->tensors;
  if (st->converted[index] != NULL)
    return st->converted[index];

  /* One float more than needed so that a zero-sized tensor still gets a
   * non-NULL buffer.  n_elements ≤ n_bytes ≤ the file size, so the + 1
   * cannot overflow; g_try_new() checks the multiplication. */
  n_floats = (gsize)t->n_elements + 1;
  st->converted[index] = g_try_new (float, n_floats);
  if (st->converted[index] == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: out of memory converting tensor '%s' (%" G_GINT64_FORMAT
                 " elements) to F32",
                 st->label, name, t->n_elements);
    return NULL;
  }
  convert_to_f32 (t, st->converted[index]);
  return st->converted[index];
}
