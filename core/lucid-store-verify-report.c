/* lucid-store-verify-report.c — the verifier's report as text and as JSON,
 * one copy for every command that prints it (lucid-verify, lucidctl
 * verify; docs/audit.md, "Verifying").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <json-glib/json-glib.h>

#include "lucid-error.h"
#include "lucid-store-log.h"

char *
lucid_audit_report_to_json (const char *path, const LucidAuditReport *r,
                            const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  gboolean checked
      = error == NULL
        || g_error_matches (error, LUCID_ERROR, LUCID_ERROR_TAMPERED);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "database");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, error == NULL);
  if (!checked) {
    json_builder_set_member_name (b, "error");
    json_builder_add_string_value (b, error->message);
  } else {
    g_autofree char *root_hex = lucid_audit_hex (r->root, 32);
    g_autofree char *head_hex = lucid_audit_hex (r->head, 32);

    json_builder_set_member_name (b, "entries");
    json_builder_add_int_value (b, r->n_entries);
    json_builder_set_member_name (b, "checkpoints");
    json_builder_add_int_value (b, r->n_checkpoints);
    json_builder_set_member_name (b, "signed_checkpoints");
    json_builder_add_int_value (b, r->n_signed_checkpoints);
    json_builder_set_member_name (b, "last_signed_checkpoint");
    if (r->last_signed_checkpoint > 0) {
      g_autofree char *signer = lucid_audit_hex (r->signer, 32);
      json_builder_add_int_value (b, r->last_signed_checkpoint);
      json_builder_set_member_name (b, "signer");
      json_builder_add_string_value (b, signer);
      json_builder_set_member_name (b, "signed_tree_size");
      json_builder_add_int_value (b, r->last_signed_checkpoint - 1);
    } else {
      json_builder_add_null_value (b);
      json_builder_set_member_name (b, "signed_tree_size");
      json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, "triggers_intact");
    json_builder_add_boolean_value (b, r->triggers_intact);
    json_builder_set_member_name (b, "derived_checked");
    json_builder_add_boolean_value (b, r->derived_checked);
    json_builder_set_member_name (b, "derived_rows");
    json_builder_add_int_value (b, r->n_derived_rows);
    json_builder_set_member_name (b, "key_trusted");
    json_builder_add_boolean_value (b, r->key_trusted);
    json_builder_set_member_name (b, "tree_size");
    json_builder_add_int_value (b, r->n_entries);
    json_builder_set_member_name (b, "root");
    json_builder_add_string_value (b, root_hex);
    json_builder_set_member_name (b, "head");
    json_builder_add_string_value (b, head_hex);
    json_builder_set_member_name (b, "expect_root_size");
    if (r->expect_root_size >= 0)
      json_builder_add_int_value (b, r->expect_root_size);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "bad_seq");
    if (error && r->bad_seq > 0)
      json_builder_add_int_value (b, r->bad_seq);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "problem");
    if (error)
      json_builder_add_string_value (b, r->problem);
    else
      json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

char *
lucid_audit_report_to_text (const char *path,
                            const LucidAuditVerifyOptions *opts,
                            const LucidAuditReport *r)
{
  GString *s = g_string_new (NULL);
  g_autofree char *root_hex = lucid_audit_hex (r->root, 32);
  g_autofree char *head_hex = lucid_audit_hex (r->head, 32);

  g_string_append_printf (s, "%s: audit log verified\n", path);
  g_string_append_printf (s, "  entries:     %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
          " checkpoints, %" G_GINT64_FORMAT " signed)\n",
          r->n_entries, r->n_checkpoints, r->n_signed_checkpoints);
  g_string_append_printf (s, "  root:        %s (tree size %" G_GINT64_FORMAT
          "; keep it elsewhere to detect a truncated tail later)\n",
          root_hex, r->n_entries);
  g_string_append_printf (s, "  head:        %s\n", head_hex);
  if (r->last_signed_checkpoint > 0) {
    g_autofree char *signer = lucid_audit_hex (r->signer, 32);
    g_string_append_printf (s, "  signed:      up to row %" G_GINT64_FORMAT
            " (tree size %" G_GINT64_FORMAT ") by key %s%s\n",
            r->last_signed_checkpoint, r->last_signed_checkpoint - 1, signer,
            r->key_trusted ? " (the given public key)"
                           : " (recorded in the log; not trusted without "
                             "--public-key)");
  } else {
    g_string_append_printf (s, "  signed:      no signed checkpoint\n");
  }
  if (r->derived_checked)
    g_string_append_printf (s, "  derived:     %" G_GINT64_FORMAT
            " rows of the audit figure tables match the log's payloads\n",
            r->n_derived_rows);
  else
    g_string_append_printf (s, "  derived:     not checked%s\n",
            opts->skip_derived ? " (--no-derived)" : " (no audit figure tables)");
  if (opts->min_signed_size > 0)
    g_string_append_printf (s, "  min-signed:  at least %" G_GINT64_FORMAT " entries required\n",
            opts->min_signed_size);
  if (opts->expect_root)
    g_string_append_printf (s, "  expect-root: matches the first %" G_GINT64_FORMAT " entries\n",
            r->expect_root_size);
  if (!r->triggers_intact)
    g_string_append_printf (s, "  warning:     the append-only triggers of audit_log are missing "
            "or changed (the schema was altered outside Lucid)\n");
  return g_string_free (s, FALSE);
}
