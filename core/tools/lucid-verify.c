/* lucid-verify — checks the tamper-evident audit log of a Lucid database
 * (a thin main over lucid_audit_log_verify(); docs/audit.md).
 *
 *   lucid-verify DB [--expect-root HEX] [--public-key FILE]
 *                [--min-signed-size N] [--json]
 *
 * Exit status: 0 the log verified, 1 it did not (the first bad row is
 * named), 2 it could not be checked (unreadable file, bad arguments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "lucid-error.h"
#include "lucid-store-log.h"

static char *
report_to_json (const char *path, const LucidAuditReport *r,
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

static void
print_text (const char *path, const LucidAuditVerifyOptions *opts,
            const LucidAuditReport *r)
{
  g_autofree char *root_hex = lucid_audit_hex (r->root, 32);
  g_autofree char *head_hex = lucid_audit_hex (r->head, 32);

  printf ("%s: audit log verified\n", path);
  printf ("  entries:     %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
          " checkpoints, %" G_GINT64_FORMAT " signed)\n",
          r->n_entries, r->n_checkpoints, r->n_signed_checkpoints);
  printf ("  root:        %s (tree size %" G_GINT64_FORMAT
          "; keep it elsewhere to detect a truncated tail later)\n",
          root_hex, r->n_entries);
  printf ("  head:        %s\n", head_hex);
  if (r->last_signed_checkpoint > 0) {
    g_autofree char *signer = lucid_audit_hex (r->signer, 32);
    printf ("  signed:      up to row %" G_GINT64_FORMAT
            " (tree size %" G_GINT64_FORMAT ") by key %s%s\n",
            r->last_signed_checkpoint, r->last_signed_checkpoint - 1, signer,
            r->key_trusted ? " (the given public key)"
                           : " (recorded in the log; not trusted without "
                             "--public-key)");
  } else {
    printf ("  signed:      no signed checkpoint\n");
  }
  if (opts->min_signed_size > 0)
    printf ("  min-signed:  at least %" G_GINT64_FORMAT " entries required\n",
            opts->min_signed_size);
  if (opts->expect_root)
    printf ("  expect-root: matches the first %" G_GINT64_FORMAT " entries\n",
            r->expect_root_size);
  if (!r->triggers_intact)
    printf ("  warning:     the append-only triggers of audit_log are missing "
            "or changed (the schema was altered outside Lucid)\n");
}

int
main (int argc, char **argv)
{
  g_autofree char *expect_root = NULL, *public_key = NULL;
  gboolean as_json = FALSE;
  gint64 min_signed_size = 0;
  GOptionEntry entries[] = {
    { "expect-root", 0, 0, G_OPTION_ARG_STRING, &expect_root,
      "The Merkle root (64 hex digits) of the log kept elsewhere; a "
      "truncated tail is detected only this way",
      "HEX" },
    { "public-key", 0, 0, G_OPTION_ARG_FILENAME, &public_key,
      "Trusted Ed25519 public key file: every checkpoint must be signed "
      "by it, and at least one must exist",
      "FILE" },
    { "min-signed-size", 0, 0, G_OPTION_ARG_INT64, &min_signed_size,
      "With --public-key: a checkpoint signed by that key must cover at "
      "least N entries (the signed tree size of an earlier run, kept "
      "elsewhere); catches signed checkpoints deleted after a change",
      "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the report as JSON",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("DB - verify the audit log of a Lucid database");
  g_autoptr (GError) error = NULL;
  LucidAuditVerifyOptions opts = { 0 };
  LucidAuditReport report = { 0 };
  int status;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (
      ctx, "Exit status: 0 verified, 1 the log failed verification (the "
           "first bad row is named), 2 it could not be checked.\n"
           "See docs/audit.md for what verification proves.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr,
             "lucid-verify: %s\nUsage: lucid-verify DB "
             "[--expect-root HEX] [--public-key FILE] "
             "[--min-signed-size N] [--json]\n",
             error ? error->message : "expected one database file");
    return 2;
  }
  opts.expect_root = expect_root;
  opts.public_key_path = public_key;
  opts.min_signed_size = min_signed_size;

  if (lucid_audit_log_verify (argv[1], &opts, &report, &error))
    status = 0;
  else if (g_error_matches (error, LUCID_ERROR, LUCID_ERROR_TAMPERED))
    status = 1;
  else
    status = 2;

  if (as_json) {
    g_autofree char *text = report_to_json (argv[1], &report, error);
    printf ("%s\n", text);
  } else if (status == 0) {
    print_text (argv[1], &opts, &report);
  } else {
    fprintf (stderr, "lucid-verify: %s\n", error->message);
  }
  lucid_audit_report_clear (&report);
  return status;
}
