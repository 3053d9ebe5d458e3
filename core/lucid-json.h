/* lucid-json.h — json-glib with its traps closed.
 *
 * json-glib keeps the last of duplicate keys silently and wraps integers that
 * do not fit in gint64 (1e30 reads back as a negative number). Everything in
 * Lucid that parses a user's JSON file goes through these helpers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses @data (@len bytes, need not be NUL-terminated) into a new root node
 * (free with json_node_unref()).  Refuses, with a LUCID_ERROR_FORMAT error
 * "LABEL: problem": a duplicate key in any object, NUL bytes, invalid UTF-8,
 * anything RFC 8259 does not allow that json-glib would accept (comments,
 * single quotes, hex/octal numbers, invalid escapes, raw control characters
 * in strings, content after the document), an empty document, and nesting
 * deeper than 512.  Integer literals outside gint64 come back as doubles (see
 * lucid_json_get_int()).  @label names the source in errors. */
JsonNode *lucid_json_parse_data (const char *data, gsize len, const char *label,
    GError **error);
/* Reads and parses @path (errors name @path; a missing file is
 * LUCID_ERROR_MISSING, an unreadable one LUCID_ERROR_IO). */
JsonNode *lucid_json_parse_file (const char *path, GError **error);

/* Integer member @key of @obj, stored in *@out (left untouched on failure).
 * Returns FALSE with a LUCID_ERROR_FORMAT error naming @label and @key when
 * the member is not an integer literal (1.0, 1e30 and integers too large for
 * gint64, which the parser keeps as doubles, are all refused) or lies outside
 * [@min, @max].  An absent member is LUCID_ERROR_MISSING; for optional members
 * test lucid_json_has() first.  The other getters behave the same way. */
gboolean lucid_json_get_int (JsonObject *obj, const char *key, gint64 min,
    gint64 max, gint64 *out, const char *label, GError **error);
/* Number (int or float) member; a literal too large for a double (1e400) is
 * refused rather than returned as infinity. */
gboolean lucid_json_get_double (JsonObject *obj, const char *key, double *out,
    const char *label, GError **error);
/* String member; returns a pointer owned by @obj. */
const char *lucid_json_get_string (JsonObject *obj, const char *key,
    const char *label, GError **error);
gboolean lucid_json_get_bool (JsonObject *obj, const char *key, gboolean *out,
    const char *label, GError **error);
gboolean lucid_json_has (JsonObject *obj, const char *key);

/* TRUE when @node is a number literal whose text was an integer that fits in
 * gint64.  For trees from lucid_json_parse_*() that is any gint64 value: 1e30
 * is a double, and 99999999999999999999 (which json-glib alone would wrap) was
 * turned into one before parsing. */
gboolean lucid_json_node_is_sane_int (JsonNode *node);

G_END_DECLS
