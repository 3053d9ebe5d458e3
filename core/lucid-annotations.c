/* lucid-annotations.c — the sidecar annotations file (CSV or JSON Lines).
 *
 * Both formats are turned, line by line, into the same list of (column,
 * value) cells, and one function (build_row) turns such a list into a row or
 * into a message "FILE:LINE: problem".  Nothing is silent: a row is kept, or
 * it is reported (skipped or fatal per policy).
 *
 * Indexes, built while loading so that a duplicate is reported at its line:
 *   items   "stream\x1fitem" → row (a NULL stream is the empty string, which
 *           no real stream id can be: an empty cell means "any stream");
 *   ranges  stream → GTree of ranges ordered by start; a new range is checked
 *           against its two neighbours, so overlaps cost O(log n);
 *   whole   stream → the row that covers the whole stream.
 *
 * CSV follows RFC 4180: a quoted field may hold commas, doubled quotes and
 * line breaks (the row's line is where its record starts); a quote inside an
 * unquoted field, or text after a closing quote, is malformed.  An
 * unterminated quote swallows the rest of the file: it is reported, and
 * nothing after it is read.  A UTF-8 BOM at the start is ignored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-annotations.h"

#include "lucid-error.h"
#include "lucid-fairness.h"
#include "lucid-json.h"

#include <math.h>
#include <string.h>

typedef struct {
  guint64 start, end;
  guint row;
} Range;

struct _LucidAnnotations {
  char *label;
  LucidAnnotationsPolicy policy;
  GStringChunk *strings;
  GArray *rows;                 /* LucidAnnotation */
  GPtrArray *warnings;          /* owned strings */
  GHashTable *items;            /* owned key → GUINT_TO_POINTER (row + 1) */
  GHashTable *ranges;           /* owned stream → GTree of owned Range* */
  GHashTable *whole;            /* owned stream → GUINT_TO_POINTER (row + 1) */
  GPtrArray *columns;           /* column / member names seen, owned */
};

/* One cell of a line: column name and value (NULL: unset/empty). */
typedef struct {
  const char *name;
  const char *value;
} Cell;

/* ---- time --------------------------------------------------------------- */

gboolean
lucid_annotations_parse_time (const char *text, guint64 *out_ns)
{
  guint64 parts[3] = { 0, 0, 0 };
  guint n_parts = 0;
  guint64 frac_ns = 0;
  const char *p = text;

  if (!text || !*text)
    return FALSE;
  for (;;) {
    guint64 v = 0;
    const char *digits = p;
    while (g_ascii_isdigit (*p)) {
      if (v > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
      p++;
    }
    if (p == digits || n_parts == 3)
      return FALSE;
    parts[n_parts++] = v;
    if (*p == ':') {
      p++;
      continue;
    }
    break;
  }
  if (*p == '.') {
    guint64 scale = 100000000;
    p++;
    if (!g_ascii_isdigit (*p))
      return FALSE;
    while (g_ascii_isdigit (*p)) {
      if (scale == 0)
        return FALSE;           /* more than 9 fractional digits */
      frac_ns += (guint64) (*p - '0') * scale;
      scale /= 10;
      p++;
    }
  }
  if (*p)
    return FALSE;
  /* Minutes and seconds below a larger unit must be < 60. */
  for (guint i = 1; i < n_parts; i++)
    if (parts[i] >= 60)
      return FALSE;
  guint64 seconds = 0;
  for (guint i = 0; i < n_parts; i++) {
    if (seconds > G_MAXUINT64 / 60)
      return FALSE;
    seconds = seconds * (i ? 60 : 1) + parts[i];
  }
  if (seconds > (G_MAXUINT64 - frac_ns) / 1000000000)
    return FALSE;
  *out_ns = seconds * 1000000000 + frac_ns;
  return TRUE;
}

/* ---- building rows ------------------------------------------------------ */

static const char *
stream_key (const char *stream)
{
  return stream ? stream : "";
}

static int
range_compare (gconstpointer a, gconstpointer b, gpointer unused)
{
  const Range *ra = a, *rb = b;
  return (ra->start > rb->start) - (ra->start < rb->start);
}

static GTree *
ranges_of (LucidAnnotations *ann, const char *stream, gboolean create)
{
  GTree *tree = g_hash_table_lookup (ann->ranges, stream_key (stream));
  if (!tree && create) {
    tree = g_tree_new_full (range_compare, NULL, g_free, NULL);
    g_hash_table_insert (ann->ranges, g_strdup (stream_key (stream)), tree);
  }
  return tree;
}

/* The range of @tree with the largest start ≤ @t, or NULL. */
static const Range *
range_at_or_before (GTree *tree, guint64 t)
{
  Range probe = { t, t, 0 };
  GTreeNode *node = g_tree_upper_bound (tree, &probe);   /* first start > t */
  node = node ? g_tree_node_previous (node) : g_tree_node_last (tree);
  return node ? g_tree_node_key (node) : NULL;
}

static const char *
intern (LucidAnnotations *ann, const char *s)
{
  return s ? g_string_chunk_insert_const (ann->strings, s) : NULL;
}

/* Reads @cells into a row; on a problem returns FALSE with *problem set
 * (without the FILE:LINE prefix). */
static gboolean
build_row (LucidAnnotations *ann, const Cell *cells, guint n_cells,
    guint line, char **problem)
{
  LucidAnnotation row = { 0 };
  const char *start = NULL, *end = NULL, *weight = NULL, *groups = NULL;
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  row.weight = 1.0;
  row.line = line;
  for (guint i = 0; i < n_cells; i++) {
    const char *name = cells[i].name, *value = cells[i].value;
    if (!g_ptr_array_find_with_equal_func (ann->columns, name, g_str_equal,
            NULL))
      g_ptr_array_add (ann->columns, g_strdup (name));
    if (value && !*value)
      value = NULL;
    if (!strcmp (name, "stream"))
      row.stream = value;
    else if (!strcmp (name, "item"))
      row.item = value;
    else if (!strcmp (name, "start"))
      start = value;
    else if (!strcmp (name, "end"))
      end = value;
    else if (!strcmp (name, "truth"))
      row.truth = value;
    else if (!strcmp (name, "weight"))
      weight = value;
    else if (!strcmp (name, "groups"))
      groups = value;
    else if (value)
      g_ptr_array_add (pairs, g_strdup_printf ("%s=%s", name, value));
  }

  if ((start == NULL) != (end == NULL)) {
    *problem = g_strdup ("a time range needs both 'start' and 'end'");
    return FALSE;
  }
  if (start) {
    if (!lucid_annotations_parse_time (start, &row.start)) {
      *problem = g_strdup_printf ("start '%s' is not a time (seconds, "
          "or [[H:]M:]S[.frac] with at most 9 fractional digits)", start);
      return FALSE;
    }
    if (!lucid_annotations_parse_time (end, &row.end)) {
      *problem = g_strdup_printf ("end '%s' is not a time (seconds, "
          "or [[H:]M:]S[.frac] with at most 9 fractional digits)", end);
      return FALSE;
    }
    if (row.end <= row.start) {
      *problem = g_strdup_printf ("end %s is not after start %s", end, start);
      return FALSE;
    }
    row.has_range = TRUE;
  }
  if (weight) {
    char *stop = NULL;
    row.weight = g_ascii_strtod (weight, &stop);
    if (stop == weight || *stop || !isfinite (row.weight) || row.weight < 0) {
      *problem = g_strdup_printf ("weight '%s' is not a finite number ≥ 0",
          weight);
      return FALSE;
    }
  }
  if (groups) {
    g_auto (GStrv) split = g_strsplit (groups, ";", -1);
    for (guint i = 0; split[i]; i++)
      if (*split[i])
        g_ptr_array_add (pairs, g_strdup (split[i]));
  }
  g_autofree char *key = pairs->len == 0 ? g_strdup ("")
      : lucid_fairness_group_key ((const char *const *) pairs->pdata,
      pairs->len, &error);
  if (!key) {
    *problem = g_strdup (error->message);
    return FALSE;
  }

  /* Indexes: a duplicate is this line's problem. */
  guint row_index = ann->rows->len;
  if (row.item) {
    g_autofree char *ikey = g_strdup_printf ("%s\x1f%s",
        stream_key (row.stream), row.item);
    gpointer prev = g_hash_table_lookup (ann->items, ikey);
    if (prev) {
      *problem = g_strdup_printf ("item '%s' is already annotated on line %u",
          row.item, g_array_index (ann->rows, LucidAnnotation,
              GPOINTER_TO_UINT (prev) - 1).line);
      return FALSE;
    }
    g_hash_table_insert (ann->items, g_steal_pointer (&ikey),
        GUINT_TO_POINTER (row_index + 1));
  } else if (row.has_range) {
    GTree *tree = ranges_of (ann, row.stream, TRUE);
    const Range *before = range_at_or_before (tree, row.start);
    const Range *after = NULL;
    if (row.end > 0) {
      after = range_at_or_before (tree, row.end - 1);
      if (after && after->start < row.start)
        after = NULL;
    }
    const Range *clash = (before && before->end > row.start) ? before : after;
    if (clash) {
      *problem = g_strdup_printf ("time range overlaps the one on line %u",
          g_array_index (ann->rows, LucidAnnotation, clash->row).line);
      return FALSE;
    }
    Range *range = g_new (Range, 1);
    range->start = row.start;
    range->end = row.end;
    range->row = row_index;
    g_tree_insert (tree, range, range);
  } else {
    if (g_hash_table_contains (ann->whole, stream_key (row.stream))) {
      guint prev = GPOINTER_TO_UINT (g_hash_table_lookup (ann->whole,
              stream_key (row.stream))) - 1;
      *problem = g_strdup_printf ("the whole stream is already annotated "
          "on line %u (give an item or a time range)",
          g_array_index (ann->rows, LucidAnnotation, prev).line);
      return FALSE;
    }
    g_hash_table_insert (ann->whole, g_strdup (stream_key (row.stream)),
        GUINT_TO_POINTER (row_index + 1));
  }

  row.stream = intern (ann, row.stream);
  row.item = intern (ann, row.item);
  row.truth = intern (ann, row.truth);
  row.group_key = intern (ann, key);
  g_array_append_val (ann->rows, row);
  return TRUE;
}

/* Records a malformed line; FALSE (with @error set) when that is fatal. */
static gboolean
report (LucidAnnotations *ann, guint line, char *problem, GError **error)
{
  g_autofree char *owned = problem;
  if (ann->policy == LUCID_ANNOTATIONS_FATAL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s:%u: %s",
        ann->label, line, problem);
    return FALSE;
  }
  g_ptr_array_add (ann->warnings, g_strdup_printf ("%s:%u: %s", ann->label,
          line, problem));
  return TRUE;
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct {
  const char *p, *end;
  guint line;                   /* line of *p */
} CsvReader;

/* Reads one record into @fields (owned strings).  Returns FALSE at end of
 * input.  *problem is set (record consumed up to its end) when malformed. */
static gboolean
csv_next_record (CsvReader *r, GPtrArray *fields, guint *record_line,
    char **problem)
{
  g_ptr_array_set_size (fields, 0);
  *problem = NULL;
  if (r->p >= r->end)
    return FALSE;
  *record_line = r->line;
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE, was_quoted = FALSE;
  for (;;) {
    if (r->p >= r->end) {
      if (quoted && !*problem)
        *problem = g_strdup ("unterminated quoted field (the rest of the "
            "file is part of it)");
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      return TRUE;
    }
    char c = *r->p++;
    if (c == '\0') {
      if (!*problem)
        *problem = g_strdup ("NUL byte");
      continue;
    }
    if (quoted) {
      if (c == '"') {
        if (r->p < r->end && *r->p == '"') {
          g_string_append_c (field, '"');
          r->p++;
        } else {
          quoted = FALSE;
        }
      } else {
        if (c == '\n')
          r->line++;
        g_string_append_c (field, c);
      }
      continue;
    }
    if (c == ',') {
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      field = g_string_new (NULL);
      was_quoted = FALSE;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && r->p < r->end && *r->p == '\n')
        r->p++;
      r->line++;
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      return TRUE;
    } else if (c == '"') {
      if (field->len == 0 && !was_quoted) {
        quoted = was_quoted = TRUE;
      } else if (!*problem) {
        *problem = g_strdup (was_quoted ? "text after a closing quote"
            : "a quote inside an unquoted field");
      }
    } else if (was_quoted) {
      if (!*problem)
        *problem = g_strdup ("text after a closing quote");
    } else {
      g_string_append_c (field, c);
    }
  }
}

static gboolean
record_is_blank (GPtrArray *fields)
{
  return fields->len == 1 && ((char *) fields->pdata[0])[0] == '\0';
}

static gboolean
parse_csv (LucidAnnotations *ann, const char *data, gsize len,
    GError **error)
{
  CsvReader r = { data, data + len, 1 };
  g_autoptr (GPtrArray) header = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  guint line;
  char *problem = NULL;

  if (len >= 3 && !memcmp (data, "\xEF\xBB\xBF", 3))
    r.p += 3;
  /* Header: the first non-blank record. */
  do {
    if (!csv_next_record (&r, header, &line, &problem)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: empty file (expected a header row)", ann->label);
      return FALSE;
    }
    if (problem) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s:%u: header: %s", ann->label, line, problem);
      g_free (problem);
      return FALSE;
    }
  } while (record_is_blank (header));
  for (guint i = 0; i < header->len; i++) {
    const char *name = header->pdata[i];
    const char *why = NULL;
    if (!*name)
      why = "an empty column name";
    else if (!g_utf8_validate (name, -1, NULL))
      why = "a column name that is not UTF-8";
    else if (strchr (name, '=') || strchr (name, ';'))
      why = "'=' or ';' in a column name";
    for (guint j = 0; !why && j < i; j++)
      if (!strcmp (name, header->pdata[j]))
        why = "a column given twice";
    if (why) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s:%u: header: %s (column %u, '%s')", ann->label, line, why,
          i + 1, name);
      return FALSE;
    }
  }

  g_autofree Cell *cells = g_new0 (Cell, header->len);
  while (csv_next_record (&r, fields, &line, &problem)) {
    if (!problem && record_is_blank (fields))
      continue;
    if (!problem && fields->len != header->len)
      problem = g_strdup_printf ("%u fields, the header has %u",
          fields->len, header->len);
    for (guint i = 0; !problem && i < fields->len; i++)
      if (!g_utf8_validate (fields->pdata[i], -1, NULL))
        problem = g_strdup_printf ("column '%s' is not UTF-8",
            (char *) header->pdata[i]);
    if (!problem) {
      for (guint i = 0; i < header->len; i++) {
        cells[i].name = header->pdata[i];
        cells[i].value = fields->pdata[i];
      }
      build_row (ann, cells, header->len, line, &problem);
    }
    if (problem && !report (ann, line, g_steal_pointer (&problem), error))
      return FALSE;
  }
  return TRUE;
}

/* ---- JSON Lines --------------------------------------------------------- */

/* The text of a JSON scalar as a cell value (NULL for null); FALSE for
 * objects, arrays and non-integral numbers of attributes. */
static gboolean
json_cell_value (JsonNode *node, const char *name, char **out,
    char **problem)
{
  *out = NULL;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node)) {
    GType type = json_node_get_value_type (node);
    if (type == G_TYPE_STRING) {
      *out = g_strdup (json_node_get_string (node));
      return TRUE;
    }
    if (type == G_TYPE_BOOLEAN) {
      *out = g_strdup (json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    }
    if (type == G_TYPE_INT64) {
      *out = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;
    }
    if (type == G_TYPE_DOUBLE) {
      double d = json_node_get_double (node);
      /* Times and weights may be fractional: keep a round-tripping text. */
      if (!strcmp (name, "start") || !strcmp (name, "end")
          || !strcmp (name, "weight")) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        if (!strcmp (name, "weight"))
          *out = g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
        else if (d >= 0 && d < 1.8e10) {
          /* Seconds → "S.fffffffff" rounded to the ns. */
          double ns = round (d * 1e9);
          guint64 n = (guint64) ns;
          *out = g_strdup_printf ("%" G_GUINT64_FORMAT ".%09" G_GUINT64_FORMAT,
              n / 1000000000, n % 1000000000);
        } else {
          *out = g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
        }
        return TRUE;
      }
    }
  }
  *problem = g_strdup_printf ("member '%s' must be a string, an integer, "
      "a boolean or null", name);
  return FALSE;
}

static gboolean
parse_jsonl_line (LucidAnnotations *ann, const char *text, gsize len,
    guint line, char **problem)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *label = g_strdup_printf ("%s:%u", ann->label, line);
  JsonNode *root = lucid_json_parse_data (text, len, label, &error);
  if (!root) {
    /* The message starts with "FILE:LINE: "; report adds it again. */
    const char *msg = error->message;
    if (g_str_has_prefix (msg, label) && msg[strlen (label)] == ':')
      msg += strlen (label) + 1;
    while (*msg == ' ')
      msg++;
    /* The data parsed is this one line: its "line 1" says nothing. */
    if (g_str_has_prefix (msg, "line 1: "))
      msg += strlen ("line 1: ");
    else if (g_str_has_prefix (msg, "line 1 column "))
      msg += strlen ("line 1 ");
    *problem = g_strdup (msg);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    json_node_unref (root);
    *problem = g_strdup ("expected a JSON object");
    return FALSE;
  }
  JsonObject *obj = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (obj);
  guint n = g_list_length (members);
  g_autofree Cell *cells = g_new0 (Cell, n);
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;
  guint i = 0;
  for (GList *l = members; l; l = l->next, i++) {
    const char *name = l->data;
    char *value = NULL;
    if (!*name || strchr (name, '=') || strchr (name, ';')) {
      *problem = g_strdup_printf ("member name '%s' is empty or holds "
          "'=' or ';'", name);
      ok = FALSE;
      break;
    }
    if (!json_cell_value (json_object_get_member (obj, name), name, &value,
            problem)) {
      ok = FALSE;
      break;
    }
    g_ptr_array_add (values, value);
    cells[i].name = name;
    cells[i].value = value;
  }
  if (ok)
    ok = build_row (ann, cells, n, line, problem);
  json_node_unref (root);
  return ok;
}

static gboolean
parse_jsonl (LucidAnnotations *ann, const char *data, gsize len,
    GError **error)
{
  const char *p = data, *end = data + len;
  guint line = 1;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *stop = nl ? nl : end;
    gsize n = stop - p;
    if (n > 0 && p[n - 1] == '\r')
      n--;
    gboolean blank = TRUE;
    for (gsize i = 0; i < n && blank; i++)
      blank = p[i] == ' ' || p[i] == '\t';
    if (!blank) {
      char *problem = NULL;
      if (!parse_jsonl_line (ann, p, n, line, &problem)
          && !report (ann, line, problem, error))
        return FALSE;
    }
    p = nl ? nl + 1 : end;
    line++;
  }
  return TRUE;
}

/* ---- loading ------------------------------------------------------------ */

static void
tree_destroy (gpointer tree)
{
  g_tree_destroy (tree);
}

/* Rows but no `truth` column: every event would lack ground truth, which
 * is more often a misspelt header ("Truth") than the intent. */
static void
warn_no_truth_column (LucidAnnotations *ann)
{
  if (ann->rows->len == 0 || g_ptr_array_find_with_equal_func (ann->columns,
          "truth", g_str_equal, NULL))
    return;
  GString *cols = g_string_new (NULL);
  const char *near = NULL;
  for (guint i = 0; i < ann->columns->len; i++) {
    const char *c = ann->columns->pdata[i];
    g_string_append_printf (cols, "%s'%s'", i ? ", " : "", c);
    if (!g_ascii_strcasecmp (c, "truth"))
      near = c;
  }
  g_autofree char *hint = near ? g_strdup_printf ("; column names are "
      "case-sensitive: '%s' is not 'truth'", near) : NULL;
  g_ptr_array_add (ann->warnings, g_strdup_printf ("%s: no 'truth' column "
          "(columns: %s), so no event has ground truth and only the "
          "prediction-only figures are computed%s", ann->label, cols->str,
          hint ? hint : ""));
  g_string_free (cols, TRUE);
}

LucidAnnotations *
lucid_annotations_parse (const char *data, gsize len, const char *label,
    LucidAnnotationsFormat format, LucidAnnotationsPolicy policy,
    GError **error)
{
  g_autoptr (LucidAnnotations) ann = g_new0 (LucidAnnotations, 1);
  ann->label = g_strdup (label ? label : "(annotations)");
  ann->policy = policy;
  ann->strings = g_string_chunk_new (1024);
  ann->rows = g_array_new (FALSE, FALSE, sizeof (LucidAnnotation));
  ann->warnings = g_ptr_array_new_with_free_func (g_free);
  ann->columns = g_ptr_array_new_with_free_func (g_free);
  ann->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ann->ranges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      tree_destroy);
  ann->whole = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (format == LUCID_ANNOTATIONS_FORMAT_AUTO) {
    const char *p = data, *end = data + len;
    if (len >= 3 && !memcmp (data, "\xEF\xBB\xBF", 3))
      p += 3;
    while (p < end && g_ascii_isspace (*p))
      p++;
    format = (p < end && *p == '{') ? LUCID_ANNOTATIONS_FORMAT_JSONL
        : LUCID_ANNOTATIONS_FORMAT_CSV;
  }
  gboolean ok = format == LUCID_ANNOTATIONS_FORMAT_JSONL
      ? parse_jsonl (ann, data, len, error)
      : parse_csv (ann, data, len, error);
  if (ok)
    warn_no_truth_column (ann);
  return ok ? g_steal_pointer (&ann) : NULL;
}

LucidAnnotations *
lucid_annotations_load (const char *path, LucidAnnotationsFormat format,
    LucidAnnotationsPolicy policy, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) io = NULL;

  if (!g_file_get_contents (path, &contents, &len, &io)) {
    g_set_error (error, LUCID_ERROR,
        g_error_matches (io, G_FILE_ERROR, G_FILE_ERROR_NOENT)
        ? LUCID_ERROR_MISSING : LUCID_ERROR_IO,
        "%s: cannot read the annotations file: %s", path, io->message);
    return NULL;
  }
  if (format == LUCID_ANNOTATIONS_FORMAT_AUTO) {
    if (g_str_has_suffix (path, ".csv"))
      format = LUCID_ANNOTATIONS_FORMAT_CSV;
    else if (g_str_has_suffix (path, ".jsonl")
        || g_str_has_suffix (path, ".ndjson"))
      format = LUCID_ANNOTATIONS_FORMAT_JSONL;
  }
  return lucid_annotations_parse (contents, len, path, format, policy,
      error);
}

void
lucid_annotations_free (LucidAnnotations *ann)
{
  if (!ann)
    return;
  g_free (ann->label);
  if (ann->strings)
    g_string_chunk_free (ann->strings);
  if (ann->rows)
    g_array_unref (ann->rows);
  if (ann->warnings)
    g_ptr_array_unref (ann->warnings);
  if (ann->columns)
    g_ptr_array_unref (ann->columns);
  if (ann->items)
    g_hash_table_unref (ann->items);
  if (ann->ranges)
    g_hash_table_unref (ann->ranges);
  if (ann->whole)
    g_hash_table_unref (ann->whole);
  g_free (ann);
}

/* ---- lookups ------------------------------------------------------------ */

guint
lucid_annotations_n_rows (const LucidAnnotations *ann)
{
  return ann->rows->len;
}

const LucidAnnotation *
lucid_annotations_row (const LucidAnnotations *ann, guint index)
{
  g_return_val_if_fail (index < ann->rows->len, NULL);
  return &g_array_index (ann->rows, LucidAnnotation, index);
}

const GPtrArray *
lucid_annotations_get_warnings (const LucidAnnotations *ann)
{
  return ann->warnings;
}

static const LucidAnnotation *
row_from_slot (const LucidAnnotations *ann, gpointer slot)
{
  return slot ? lucid_annotations_row (ann, GPOINTER_TO_UINT (slot) - 1)
      : NULL;
}

const LucidAnnotation *
lucid_annotations_lookup_item (const LucidAnnotations *ann,
    const char *stream, const char *item)
{
  if (!item)
    return NULL;
  if (stream && *stream) {
    g_autofree char *key = g_strdup_printf ("%s\x1f%s", stream, item);
    gpointer slot = g_hash_table_lookup (ann->items, key);
    if (slot)
      return row_from_slot (ann, slot);
  }
  g_autofree char *key = g_strdup_printf ("\x1f%s", item);
  return row_from_slot (ann, g_hash_table_lookup (ann->items, key));
}

static const LucidAnnotation *
lookup_range (const LucidAnnotations *ann, const char *stream, guint64 t)
{
  GTree *tree = g_hash_table_lookup (ann->ranges, stream_key (stream));
  if (!tree)
    return NULL;
  const Range *range = range_at_or_before (tree, t);
  if (range && t < range->end)
    return lucid_annotations_row (ann, range->row);
  return NULL;
}

const LucidAnnotation *
lucid_annotations_lookup_time (const LucidAnnotations *ann,
    const char *stream, guint64 t)
{
  const LucidAnnotation *row = NULL;
  gboolean named = stream && *stream;
  if (named)
    row = lookup_range (ann, stream, t);
  if (!row)
    row = lookup_range (ann, NULL, t);
  if (!row)
    row = lucid_annotations_lookup_stream (ann, stream);
  return row;
}

const LucidAnnotation *
lucid_annotations_lookup_stream (const LucidAnnotations *ann,
    const char *stream)
{
  const LucidAnnotation *row = NULL;
  if (stream && *stream)
    row = row_from_slot (ann, g_hash_table_lookup (ann->whole, stream));
  if (!row)
    row = row_from_slot (ann, g_hash_table_lookup (ann->whole, ""));
  return row;
}
