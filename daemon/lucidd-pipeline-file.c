/* lucidd-pipeline-file.c — the `*.pipeline` parser (format in the header).
 *
 * The input is untrusted in the sense that a typo must give a message, never
 * a crash: every line is checked for valid UTF-8 and NUL bytes, the header
 * keys are a closed set, duplicates are refused, and variable expansion
 * refuses unknown and unterminated references. tests/fuzz/fuzz-pipeline-file.c
 * runs it on arbitrary bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidd-pipeline-file.h"

#include <string.h>

#include "lucid-error.h"

LucidPipelineDef *
lucidd_pipeline_def_new (const char *name, const char *description)
{
  LucidPipelineDef *def = g_new0 (LucidPipelineDef, 1);

  def->name = g_strdup (name);
  def->description = g_strdup (description);
  def->restart = LUCIDD_RESTART_ON_FAILURE;
  def->enabled = TRUE;
  def->stall_timeout_s = -1;
  def->restart_limit = -1;
  return def;
}

void
lucidd_pipeline_def_free (LucidPipelineDef *def)
{
  if (def == NULL)
    return;
  g_free (def->name);
  g_free (def->description);
  g_free (def->input);
  g_free (def->file);
  g_free (def);
}

LucidPipelineDef *
lucidd_pipeline_def_copy (const LucidPipelineDef *def)
{
  LucidPipelineDef *copy
      = lucidd_pipeline_def_new (def->name, def->description);

  copy->restart = def->restart;
  copy->enabled = def->enabled;
  copy->stall_timeout_s = def->stall_timeout_s;
  copy->restart_limit = def->restart_limit;
  copy->input = g_strdup (def->input);
  copy->file = g_strdup (def->file);
  return copy;
}

gboolean
lucidd_pipeline_def_equal (const LucidPipelineDef *a, const LucidPipelineDef *b)
{
  return g_strcmp0 (a->name, b->name) == 0
         && g_strcmp0 (a->description, b->description) == 0
         && a->restart == b->restart && a->enabled == b->enabled
         && a->stall_timeout_s == b->stall_timeout_s
         && a->restart_limit == b->restart_limit
         && g_strcmp0 (a->input, b->input) == 0;
}

gboolean
lucidd_pipeline_name_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len == 0 || len > LUCIDD_NAME_MAX || name[0] == '.' || name[0] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_'
        && name[i] != '-')
      return FALSE;
  return TRUE;
}

static const char *const policy_names[] = {
  [LUCIDD_RESTART_NEVER] = "never",
  [LUCIDD_RESTART_ON_FAILURE] = "on-failure",
  [LUCIDD_RESTART_ALWAYS] = "always",
};

const char *
lucidd_restart_policy_to_string (LucidRestartPolicy policy)
{
  return policy_names[policy];
}

gboolean
lucidd_restart_policy_from_string (const char *text, LucidRestartPolicy *policy)
{
  for (guint i = 0; i < G_N_ELEMENTS (policy_names); i++)
    if (g_strcmp0 (text, policy_names[i]) == 0) {
      *policy = (LucidRestartPolicy)i;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_bool (const char *text, gboolean *out)
{
  if (g_strcmp0 (text, "true") == 0 || g_strcmp0 (text, "yes") == 0
      || g_strcmp0 (text, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (text, "false") == 0 || g_strcmp0 (text, "no") == 0
           || g_strcmp0 (text, "0") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* Appends @text to @out with ${NAME} replaced from @vars. */
static gboolean
expand_vars (GString *out, const char *text, GHashTable *vars,
             const char *filename, guint lineno, GError **error)
{
  const char *p = text;

  while (*p) {
    const char *start = strstr (p, "${");
    const char *end;
    g_autofree char *name = NULL;
    const char *value;

    if (start == NULL) {
      g_string_append (out, p);
      break;
    }
    g_string_append_len (out, p, start - p);
    end = strchr (start + 2, '}');
    if (end == NULL) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: unterminated variable reference '${'", filename,
                   lineno);
      return FALSE;
    }
    name = g_strndup (start + 2, end - start - 2);
    value = vars ? g_hash_table_lookup (vars, name) : NULL;
    if (value == NULL) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: unknown variable '${%s}' (known: the daemon's "
                   "[vars] group, db, state_dir, pipelines_dir)",
                   filename, lineno, name);
      return FALSE;
    }
    g_string_append (out, value);
    p = end + 1;
  }
  return TRUE;
}

static gboolean
parse_header_line (LucidPipelineDef *def, GHashTable *seen, const char *line,
                   const char *filename, guint lineno, GError **error)
{
  const char *eq = strchr (line, '=');
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;

  if (eq == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s:%u: expected 'key = value' or '---' before the pipeline, "
                 "found '%s'",
                 filename, lineno, line);
    return FALSE;
  }
  key = g_strstrip (g_strndup (line, eq - line));
  value = g_strstrip (g_strdup (eq + 1));
  if (g_hash_table_contains (seen, key)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s:%u: '%s' given twice", filename, lineno, key);
    return FALSE;
  }
  g_hash_table_add (seen, g_strdup (key));

  if (strcmp (key, "name") == 0) {
    if (!lucidd_pipeline_name_valid (value)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: invalid name '%s' (1 to %d letters, digits, '.', "
                   "'_' or '-', not starting with '.' or '-')",
                   filename, lineno, value, LUCIDD_NAME_MAX);
      return FALSE;
    }
    g_free (def->name);
    def->name = g_steal_pointer (&value);
  } else if (strcmp (key, "restart") == 0) {
    if (!lucidd_restart_policy_from_string (value, &def->restart)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: restart must be always, on-failure or never, not "
                   "'%s'",
                   filename, lineno, value);
      return FALSE;
    }
  } else if (strcmp (key, "enabled") == 0) {
    if (!parse_bool (value, &def->enabled)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: enabled must be true or false, not '%s'", filename,
                   lineno, value);
      return FALSE;
    }
  } else if (strcmp (key, "stall-timeout") == 0) {
    guint64 v;
    if (!g_ascii_string_to_unsigned (value, 10, 0, 86400, &v, NULL)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: stall-timeout must be seconds from 0 to 86400, "
                   "not '%s'",
                   filename, lineno, value);
      return FALSE;
    }
    def->stall_timeout_s = (int)v;
  } else if (strcmp (key, "restart-limit") == 0) {
    guint64 v;
    if (!g_ascii_string_to_unsigned (value, 10, 0, LUCIDD_RESTART_LIMIT_MAX,
                                     &v, NULL)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: restart-limit must be a count of failed starts "
                   "from 0 to %d, not '%s'",
                   filename, lineno, LUCIDD_RESTART_LIMIT_MAX, value);
      return FALSE;
    }
    def->restart_limit = (int)v;
  } else if (strcmp (key, "input") == 0) {
    if (!lucidd_pipeline_name_valid (value)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: input must name an element, not '%s'", filename,
                   lineno, value);
      return FALSE;
    }
    g_free (def->input);
    def->input = g_steal_pointer (&value);
  } else {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s:%u: unknown key '%s' (known: name, restart, enabled, "
                 "stall-timeout, restart-limit, input)",
                 filename, lineno, key);
    return FALSE;
  }
  return TRUE;
}

static char *
default_name (const char *filename)
{
  g_autofree char *base = g_path_get_basename (filename);

  if (g_str_has_suffix (base, ".pipeline"))
    base[strlen (base) - strlen (".pipeline")] = '\0';
  return g_steal_pointer (&base);
}

LucidPipelineDef *
lucidd_pipeline_file_parse (const char *data, gsize len, const char *filename,
                            GHashTable *vars, GError **error)
{
  g_autoptr (LucidPipelineDef) def = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_body = FALSE;
  guint separator_line = 0;

  g_return_val_if_fail (filename != NULL, NULL);

  if (len > LUCIDD_DESCRIPTION_MAX) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: %" G_GSIZE_FORMAT " bytes, more than the %d a pipeline "
                 "file may hold",
                 filename, len, LUCIDD_DESCRIPTION_MAX);
    return NULL;
  }
  if (memchr (data, '\0', len) != NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: contains a NUL byte (not a text file)", filename);
    return NULL;
  }
  text = g_strndup (data, len);
  def = lucidd_pipeline_def_new (NULL, NULL);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    guint lineno = i + 1;
    char *line = g_strstrip (lines[i]); /* also drops a '\r' */

    if (!g_utf8_validate (line, -1, NULL)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: not valid UTF-8", filename, lineno);
      return NULL;
    }
    if (line[0] == '#' || line[0] == '\0')
      continue;
    if (!in_body) {
      if (strcmp (line, "---") == 0) {
        in_body = TRUE;
        separator_line = lineno;
      } else if (!parse_header_line (def, seen, line, filename, lineno, error))
        return NULL;
      continue;
    }
    if (body->len > 0)
      g_string_append_c (body, ' ');
    if (!expand_vars (body, line, vars, filename, lineno, error))
      return NULL;
  }

  if (!in_body) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: no '---' line: the header must be followed by '---' and "
                 "the pipeline description",
                 filename);
    return NULL;
  }
  if (body->len == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s:%u: no pipeline description after '---'", filename,
                 separator_line);
    return NULL;
  }
  if (body->len > LUCIDD_DESCRIPTION_MAX) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: the expanded pipeline description is longer than %d "
                 "bytes",
                 filename, LUCIDD_DESCRIPTION_MAX);
    return NULL;
  }
  if (def->name == NULL) {
    def->name = default_name (filename);
    if (!lucidd_pipeline_name_valid (def->name)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: the file name is not a valid pipeline name; add a "
                   "'name = ...' line",
                   filename);
      return NULL;
    }
  }
  def->description = g_string_free (g_steal_pointer (&body), FALSE);
  return g_steal_pointer (&def);
}

LucidPipelineDef *
lucidd_pipeline_file_load (const char *path, GHashTable *vars, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len;
  GError *local = NULL;
  LucidPipelineDef *def;

  if (!g_file_get_contents (path, &contents, &len, &local)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s", local->message);
    g_error_free (local);
    return NULL;
  }
  def = lucidd_pipeline_file_parse (contents, len, path, vars, error);
  if (def != NULL)
    def->file = g_strdup (path);
  return def;
}
