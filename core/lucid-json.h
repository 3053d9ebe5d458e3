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

/* Parses @data (@len bytes, need not be NUL-terminated) and refuses documents
 * with a duplicate key in any object. @label names the source in errors. */
JsonNode *lucid_json_parse_data (const char *data, gsize len, const char *label,
    GError **error);
/* Reads and parses @path (errors name @path). */
JsonNode *lucid_json_parse_file (const char *path, GError **error);

/* Integer member @key of @obj. Returns FALSE with an error naming @label and
 * @key when the member is not an integer, or not exactly representable in
 * [@min, @max] (floats such as 1e30 and integers that json-glib wrapped are
 * both refused). Absent member: returns FALSE without error when @error is
 * NULL-safe use lucid_json_has(). */
gboolean lucid_json_get_int (JsonObject *obj, const char *key, gint64 min,
    gint64 max, gint64 *out, const char *label, GError **error);
/* Number (int or float) member. */
gboolean lucid_json_get_double (JsonObject *obj, const char *key, double *out,
    const char *label, GError **error);
/* String member; returns a pointer owned by @obj. */
const char *lucid_json_get_string (JsonObject *obj, const char *key,
    const char *label, GError **error);
gboolean lucid_json_get_bool (JsonObject *obj, const char *key, gboolean *out,
    const char *label, GError **error);
gboolean lucid_json_has (JsonObject *obj, const char *key);

/* TRUE when @node is a number literal whose text was an integer that fits in
 * gint64 (json-glib stores 1e30 as a double, and 99999999999999999999 wrapped). */
gboolean lucid_json_node_is_sane_int (JsonNode *node);

G_END_DECLS
