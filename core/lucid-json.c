/* lucid-json.c — json-glib with its traps closed.
 *
 * Every JSON file Lucid reads (config.json, tokenizer.json, the safetensors
 * header, ...) comes from a user's model directory, so it is untrusted input.
 * json-glib 1.6 parses it with GLib's GScanner, which is lenient in ways that
 * turn a malformed file into silently wrong values instead of an error.  The
 * following was observed with json-glib 1.6.6 (see tests/unit/test-json.c,
 * which pins each of these down):
 *
 *   input                         json-glib gives
 *   {"a": 1, "a": 2}              {"a": 2}, no error (last duplicate wins)
 *   1000000000000000019884624838656   the gint64 -1 (tokenizer_config.json's
 *                                 int(1e30) "model_max_length" placeholder)
 *   9223372036854775808           G_MININT64 (any literal past gint64 wraps)
 *   00012, 0x10                   10 (octal!) and 16
 *   - 5, .5                       -5 and 0.5
 *   "a\qb", "a<TAB>b"             "aqb" and a raw tab, no error
 *   "\ud83d]"                     a string that is not valid UTF-8 (a lone
 *                                 surrogate; other unpaired ones leak memory
 *                                 on json-glib's error path)
 *   {"a":1} {"b":2}               the first object, the rest ignored
 *   'x', comments                 accepted
 *   [[[[ ... 100000 deep          stack overflow (SIGSEGV)
 *   1e400                         +inf
 *   ""                            no error and a NULL root
 *
 * Two mechanisms close these traps.
 *
 * 1. A lexical pre-pass (check_and_rewrite()) walks the raw text once before
 *    json-glib sees it.  It accepts exactly the tokens of RFC 8259 — strings
 *    with valid escapes, surrogates in pairs and no raw control characters
 *    (as serde_json, the reference tokenizers' parser), numbers in the JSON
 *    grammar, true/false/null and the six structural characters — limits the
 *    nesting depth, and refuses anything after the top-level value.  It does
 *    not check the grammar (that "," separates values, say): json-glib does
 *    that, and does it correctly once the tokens are sane.  Integer literals
 *    that do not fit in gint64 are rewritten by appending ".0", so json-glib
 *    reads them as doubles with the correctly rounded value: int(1e30) then
 *    reads back as 1e+30, lucid_json_get_int() refuses it as "not an integer"
 *    and lucid_json_get_double() returns 1e30.  Only when such a literal
 *    exists is the text copied; json-glib's error columns on that line are
 *    then off by two per rewritten literal before them.
 *
 * 2. Duplicate keys are caught while json-glib builds the tree: the
 *    JsonParser "object-member" signal fires once per member, after the
 *    member has been stored, so counting emissions per JsonObject and
 *    comparing with json_object_get_size() reveals a member that replaced an
 *    earlier one.  The first duplicate is reported with its key and the line
 *    json-glib was at; the document is refused whole.
 *
 * Beyond the tokens, the raw bytes must be valid UTF-8 with no NUL byte (a
 * NUL would otherwise end the text early for some consumers).  A leading
 * UTF-8 byte-order mark is accepted, as json-glib skips it.
 *
 * Known limit: json-glib cuts a string at a "\u0000" escape ("a\u0000b"
 * reads as "a").  Such a key can collide with another and is then reported as
 * a duplicate; a value is silently shortened.  No Hugging Face file we know
 * of contains one.
 *
 * Errors are LUCID_ERROR with messages "LABEL: problem", LABEL being the file
 * path or whatever the caller passed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lucid-error.h"

/* Deeper documents are refused before json-glib's recursive parser sees
 * them.  serde_json (the reference tokenizers' parser) stops at 128; real
 * model files nest fewer than ten levels. */
#define MAX_DEPTH 512

/* Where the pre-pass is in the text, for error messages. */
typedef struct {
  const char *data;
  gsize len;
  gsize pos;
  guint line;
  gsize line_start;
  const char *label;
} Lexer;

static void lexer_error (const Lexer *lx, GError **error, const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
lexer_error (const Lexer *lx, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *problem = NULL;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
               "%s: line %u column %" G_GSIZE_FORMAT ": %s", lx->label,
               lx->line, lx->pos - lx->line_start + 1, problem);
}

/* A byte for an error message: itself when printable ASCII, else \xNN. */
static const char *
show_byte (guint8 c, char buf[8])
{
  if (c >= 0x20 && c < 0x7f)
    g_snprintf (buf, 8, "'%c'", c);
  else
    g_snprintf (buf, 8, "\\x%02x", c);
  return buf;
}

/* The code unit of the "\\uXXXX" escape at @at, or -1 if there is none. */
static gint
read_u_escape (const Lexer *lx, gsize at)
{
  gint unit = 0;

  if (at + 6 > lx->len || lx->data[at] != '\\' || lx->data[at + 1] != 'u')
    return -1;
  for (guint i = 2; i < 6; i++) {
    gint digit = g_ascii_xdigit_value (lx->data[at + i]);

    if (digit < 0)
      return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

static gboolean
lex_string (Lexer *lx, GError **error)
{
  char buf[8];

  lx->pos++; /* the opening quote */
  while (lx->pos < lx->len) {
    guint8 c = lx->data[lx->pos];

    if (c == '"') {
      lx->pos++;
      return TRUE;
    }
    if (c < 0x20) {
      lexer_error (lx, error,
                   "control character %s in a string (JSON "
                   "requires it to be escaped)",
                   show_byte (c, buf));
      return FALSE;
    }
    if (c == '\\') {
      guint8 e;

      if (lx->pos + 1 >= lx->len)
        break;
      e = lx->data[lx->pos + 1];
      if (e == 'u') {
        gint unit = read_u_escape (lx, lx->pos);

        if (unit < 0) {
          lexer_error (lx, error, "\\u escape without four hex digits");
          return FALSE;
        }
        lx->pos += 6;
        /* UTF-16 surrogates must come in high-low pairs: json-glib turns a
         * lone high surrogate into invalid UTF-8 (and leaks on some of
         * them), as serde_json would not. */
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          lx->pos -= 6;
          lexer_error (lx, error,
                       "unpaired UTF-16 surrogate \\u%04x in a "
                       "string",
                       (guint)unit);
          return FALSE;
        }
        if (unit >= 0xd800 && unit <= 0xdbff) {
          gint low = read_u_escape (lx, lx->pos);

          if (low < 0xdc00 || low > 0xdfff) {
            lx->pos -= 6;
            lexer_error (lx, error,
                         "unpaired UTF-16 surrogate \\u%04x in a "
                         "string",
                         (guint)unit);
            return FALSE;
          }
          lx->pos += 6;
        }
        continue;
      }
      if (e == '\0' || strchr ("\"\\/bfnrt", e) == NULL) {
        if (e >= 0x20 && e < 0x7f)
          lexer_error (lx, error, "invalid escape '\\%c' in a string", e);
        else
          lexer_error (lx, error,
                       "invalid escape: '\\' followed by %s in a string",
                       show_byte (e, buf));
        return FALSE;
      }
      lx->pos += 2;
      continue;
    }
    lx->pos++;
  }
  lexer_error (lx, error, "unterminated string");
  return FALSE;
}

/* Scans a number in the JSON grammar
 *   -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * and sets *needs_rewrite when it is an integer literal outside gint64. */
static gboolean
lex_number (Lexer *lx, gboolean *needs_rewrite, GError **error)
{
  const char *d = lx->data;
  gsize p = lx->pos;
  gboolean negative = FALSE, is_integer = TRUE, overflow = FALSE;
  guint64 magnitude = 0;
  char buf[8];

  if (d[p] == '-') {
    negative = TRUE;
    p++;
  }
  if (p >= lx->len || !g_ascii_isdigit (d[p])) {
    lexer_error (lx, error, "malformed number: '-' without digits");
    return FALSE;
  }
  if (d[p] == '0' && p + 1 < lx->len && g_ascii_isdigit (d[p + 1])) {
    lexer_error (lx, error,
                 "malformed number: leading zero (JSON has no octal literals)");
    return FALSE;
  }
  while (p < lx->len && g_ascii_isdigit (d[p])) {
    guint digit = d[p] - '0';

    if (magnitude > (G_MAXUINT64 - digit) / 10)
      overflow = TRUE;
    else
      magnitude = magnitude * 10 + digit;
    p++;
  }
  if (p < lx->len && d[p] == '.') {
    is_integer = FALSE;
    p++;
    if (p >= lx->len || !g_ascii_isdigit (d[p])) {
      lexer_error (lx, error, "malformed number: no digit after '.'");
      return FALSE;
    }
    while (p < lx->len && g_ascii_isdigit (d[p]))
      p++;
  }
  if (p < lx->len && (d[p] == 'e' || d[p] == 'E')) {
    is_integer = FALSE;
    p++;
    if (p < lx->len && (d[p] == '+' || d[p] == '-'))
      p++;
    if (p >= lx->len || !g_ascii_isdigit (d[p])) {
      lexer_error (lx, error, "malformed number: no digit in the exponent");
      return FALSE;
    }
    while (p < lx->len && g_ascii_isdigit (d[p]))
      p++;
  }
  if (p < lx->len && (g_ascii_isalnum (d[p]) || d[p] == '.' || d[p] == '_')) {
    lx->pos = p;
    lexer_error (lx, error, "malformed number: unexpected %s in it%s",
                 show_byte (d[p], buf),
                 d[p] == 'x' || d[p] == 'X' ? " (JSON has no hex literals)"
                                            : "");
    return FALSE;
  }

  if (is_integer) {
    /* gint64 holds -2^63 .. 2^63 - 1. */
    guint64 limit = negative ? (guint64)G_MAXINT64 + 1 : (guint64)G_MAXINT64;

    if (overflow || magnitude > limit)
      *needs_rewrite = TRUE;
  }
  lx->pos = p;
  return TRUE;
}

/* The lexical pre-pass described at the top of the file.  On success,
 * *rewritten is NULL when the text can be parsed as it is, or holds the text
 * with out-of-range integers turned into float literals. */
static gboolean
check_and_rewrite (const char *data, gsize len, const char *label,
                   GString **rewritten, GError **error)
{
  Lexer lx = { data, len, 0, 1, 0, label };
  g_autoptr (GArray) rewrite_at = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint depth = 0;
  gboolean have_value = FALSE;
  char buf[8];

  *rewritten = NULL;

  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    lx.pos = 3;

  while (lx.pos < len) {
    guint8 c = data[lx.pos];
    gboolean starts_value = FALSE;

    switch (c) {
      case '\n':
        lx.pos++;
        lx.line++;
        lx.line_start = lx.pos;
        continue;
      case ' ':
      case '\t':
      case '\r':
        lx.pos++;
        continue;
      default:
        break;
    }

    /* Past whitespace: anything here after a complete top-level value is
     * trailing garbage that json-glib might ignore. */
    if (have_value && depth == 0) {
      lexer_error (&lx, error,
                   "unexpected %s after the end of the JSON document",
                   show_byte (c, buf));
      return FALSE;
    }

    switch (c) {
      case '{':
      case '[':
        if (++depth > MAX_DEPTH) {
          lexer_error (&lx, error, "nested deeper than %d levels", MAX_DEPTH);
          return FALSE;
        }
        lx.pos++;
        break;
      case '}':
      case ']':
        if (depth == 0) {
          lexer_error (&lx, error, "unbalanced %s", show_byte (c, buf));
          return FALSE;
        }
        lx.pos++;
        if (--depth == 0)
          have_value = TRUE;
        break;
      case ':':
      case ',':
        lx.pos++;
        break;
      case '"':
        if (!lex_string (&lx, error))
          return FALSE;
        starts_value = TRUE;
        break;
      default:
        if (c == '-' || g_ascii_isdigit (c)) {
          gboolean needs_rewrite = FALSE;

          if (!lex_number (&lx, &needs_rewrite, error))
            return FALSE;
          if (needs_rewrite)
            g_array_append_val (rewrite_at, lx.pos);
          starts_value = TRUE;
          break;
        }
        if (g_ascii_isalpha (c)) {
          gsize start = lx.pos, n;

          while (lx.pos < len
                 && (g_ascii_isalnum (data[lx.pos]) || data[lx.pos] == '_'))
            lx.pos++;
          n = lx.pos - start;
          if (!((n == 4 && memcmp (data + start, "true", 4) == 0)
                || (n == 5 && memcmp (data + start, "false", 5) == 0)
                || (n == 4 && memcmp (data + start, "null", 4) == 0))) {
            lx.pos = start;
            lexer_error (&lx, error,
                         "unexpected word '%.*s' (JSON knows "
                         "only true, false and null)",
                         (int)MIN (n, 32), data + start);
            return FALSE;
          }
          starts_value = TRUE;
          break;
        }
        lexer_error (&lx, error, "unexpected character %s%s",
                     show_byte (c, buf),
                     c == '\''  ? " (JSON strings use double quotes)"
                     : c == '/' ? " (JSON has no comments)"
                                : "");
        return FALSE;
    }
    if (starts_value && depth == 0)
      have_value = TRUE;
  }

  if (!have_value) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT, "%s: %s", label,
                 depth > 0 ? "unexpected end of data (truncated document?)"
                           : "empty document (no JSON value)");
    return FALSE;
  }

  if (rewrite_at->len > 0) {
    GString *s = g_string_sized_new (len + 2 * rewrite_at->len + 1);
    gsize from = 0;

    for (guint i = 0; i < rewrite_at->len; i++) {
      gsize at = g_array_index (rewrite_at, gsize, i);

      g_string_append_len (s, data + from, at - from);
      g_string_append (s, ".0");
      from = at;
    }
    g_string_append_len (s, data + from, len - from);
    *rewritten = s;
  }
  return TRUE;
}

/* Duplicate-key detection; see the top of the file. */
typedef struct {
  GHashTable *n_members; /* JsonObject* → members seen so far */
  char *duplicate;       /* first duplicate key, or NULL */
  guint duplicate_line;
} DuplicateCheck;

static void
on_object_member (JsonParser *parser, JsonObject *object,
                  const char *member_name, gpointer user_data)
{
  DuplicateCheck *check = user_data;
  guint n
      = GPOINTER_TO_UINT (g_hash_table_lookup (check->n_members, object)) + 1;

  g_hash_table_insert (check->n_members, object, GUINT_TO_POINTER (n));
  if (n != json_object_get_size (object) && check->duplicate == NULL) {
    check->duplicate = g_strdup (member_name);
    check->duplicate_line = json_parser_get_current_line (parser);
  }
}

static void
on_object_end (JsonParser *parser, JsonObject *object, gpointer user_data)
{
  DuplicateCheck *check = user_data;

  g_hash_table_remove (check->n_members, object);
}

JsonNode *
lucid_json_parse_data (const char *data, gsize len, const char *label,
                       GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GString) rewritten = NULL;
  g_autoptr (GError) parse_error = NULL;
  DuplicateCheck check = { NULL, NULL, 0 };
  const char *bad_utf8, *nul, *text;
  gsize text_len;
  JsonNode *root = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (label == NULL)
    label = "<json>";
  if (data == NULL)
    data = "";

  nul = memchr (data, '\0', len);
  if (nul != NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: NUL byte at offset %" G_GSIZE_FORMAT
                 " (not a JSON text file)",
                 label, (gsize)(nul - data));
    return NULL;
  }
  if (!g_utf8_validate_len (data, len, &bad_utf8)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: invalid UTF-8 at offset %" G_GSIZE_FORMAT, label,
                 (gsize)(bad_utf8 - data));
    return NULL;
  }
  if (!check_and_rewrite (data, len, label, &rewritten, error))
    return NULL;

  text = rewritten ? rewritten->str : data;
  text_len = rewritten ? rewritten->len : len;

  parser = json_parser_new ();
  check.n_members = g_hash_table_new (NULL, NULL);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member),
                    &check);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end), &check);

  if (!json_parser_load_from_data (parser, text, text_len, &parse_error)) {
    /* json-glib says "<data>:LINE:COL: Parse error: PROBLEM". */
    const char *msg = parse_error->message;
    guint line, column;
    int consumed = 0;

    if (sscanf (msg, "<data>:%u:%u: %n", &line, &column, &consumed) == 2
        && consumed > 0) {
      msg += consumed;
      if (g_str_has_prefix (msg, "Parse error: "))
        msg += strlen ("Parse error: ");
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: line %u column %u: invalid JSON: %s", label, line,
                   column, msg);
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: invalid JSON: %s", label, msg);
    }
  } else if (check.duplicate != NULL) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: line %u: duplicate key '%s' (an object may name a key only once)",
        label, check.duplicate_line, check.duplicate);
  } else if (json_parser_get_root (parser) == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: empty document (no JSON value)", label);
  } else {
    root = json_node_ref (json_parser_get_root (parser));
  }

  g_signal_handlers_disconnect_by_data (parser, &check);
  g_hash_table_unref (check.n_members);
  g_free (check.duplicate);
  return root;
}

JsonNode *
lucid_json_parse_file (const char *path, GError **error)
{
  g_autoptr (GError) read_error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, &read_error)) {
    gboolean missing
        = g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

    g_set_error (error, LUCID_ERROR,
                 missing ? LUCID_ERROR_MISSING : LUCID_ERROR_IO,
                 "%s: cannot read: %s", path, read_error->message);
    return NULL;
  }
  return lucid_json_parse_data (contents, len, path, error);
}

/* "a string", "the number 1e+30", ...: what a member holds, for errors. */
static char *
describe_node (JsonNode *node)
{
  switch (json_node_get_node_type (node)) {
    case JSON_NODE_OBJECT:
      return g_strdup ("an object");
    case JSON_NODE_ARRAY:
      return g_strdup ("an array");
    case JSON_NODE_NULL:
      return g_strdup ("null");
    case JSON_NODE_VALUE:
    default:
      break;
  }
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      return g_strdup_printf ("the integer %" G_GINT64_FORMAT,
                              json_node_get_int (node));
    case G_TYPE_DOUBLE: {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* the shortest text that reads back as the same double */
      return g_strdup_printf (
          "the number %s",
          g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
    }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_STRING:
      return g_strdup ("a string");
    default:
      return g_strdup ("an unknown value");
  }
}

/* The member @key, or NULL with a MISSING error. */
static JsonNode *
get_member (JsonObject *obj, const char *key, const char *label, GError **error)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  if (node == NULL)
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: missing key '%s'", label ? label : "<json>", key);
  return node;
}

static void
set_type_error (JsonNode *node, const char *key, const char *expected,
                const char *label, GError **error)
{
  g_autofree char *found = describe_node (node);

  g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
               "%s: '%s' must be %s, found %s", label ? label : "<json>", key,
               expected, found);
}

gboolean
lucid_json_node_is_sane_int (JsonNode *node)
{
  /* Integer literals outside gint64 were turned into doubles by the
   * pre-pass, so for a tree from lucid_json_parse_*() every gint64 value is
   * exactly what the file said. */
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_INT64;
}

gboolean
lucid_json_get_int (JsonObject *obj, const char *key, gint64 min, gint64 max,
                    gint64 *out, const char *label, GError **error)
{
  JsonNode *node;
  gint64 v;

  g_return_val_if_fail (key != NULL, FALSE);

  node = get_member (obj, key, label, error);
  if (node == NULL)
    return FALSE;
  if (!lucid_json_node_is_sane_int (node)) {
    set_type_error (node, key, "an integer", label, error);
    return FALSE;
  }
  v = json_node_get_int (node);
  if (v < min || v > max) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: '%s' is %" G_GINT64_FORMAT ", outside [%" G_GINT64_FORMAT
                 ", %" G_GINT64_FORMAT "]",
                 label ? label : "<json>", key, v, min, max);
    return FALSE;
  }
  if (out)
    *out = v;
  return TRUE;
}

gboolean
lucid_json_get_double (JsonObject *obj, const char *key, double *out,
                       const char *label, GError **error)
{
  JsonNode *node;
  double v;

  g_return_val_if_fail (key != NULL, FALSE);

  node = get_member (obj, key, label, error);
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_INT64
          && json_node_get_value_type (node) != G_TYPE_DOUBLE)) {
    set_type_error (node, key, "a number", label, error);
    return FALSE;
  }
  v = json_node_get_double (node);
  if (!isfinite (v)) {
    /* A literal such as 1e400: json-glib gives +inf. */
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: '%s' is too large for a double", label ? label : "<json>",
                 key);
    return FALSE;
  }
  if (out)
    *out = v;
  return TRUE;
}

const char *
lucid_json_get_string (JsonObject *obj, const char *key, const char *label,
                       GError **error)
{
  JsonNode *node;

  g_return_val_if_fail (key != NULL, NULL);

  node = get_member (obj, key, label, error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING) {
    set_type_error (node, key, "a string", label, error);
    return NULL;
  }
  return json_node_get_string (node);
}

gboolean
lucid_json_get_bool (JsonObject *obj, const char *key, gboolean *out,
                     const char *label, GError **error)
{
  JsonNode *node;

  g_return_val_if_fail (key != NULL, FALSE);

  node = get_member (obj, key, label, error);
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
    set_type_error (node, key, "true or false", label, error);
    return FALSE;
  }
  if (out)
    *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
lucid_json_has (JsonObject *obj, const char *key)
{
  return obj != NULL && key != NULL && json_object_has_member (obj, key);
}
