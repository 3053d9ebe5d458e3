/* lucidctl-verify.c — `lucidctl verify [DB]`: checks the tamper-evident
 * audit log of a Lucid database with lucid_audit_log_verify() (the same
 * verifier as lucid-verify; docs/audit.md, "The audit log").
 *
 * The database defaults to the daemon's: the [daemon] database of the
 * configuration (--config, else /etc/lucid/lucidd.conf) or, when lucidctl
 * was pointed at a socket instead (--socket, $LUCIDD_SOCKET) or no
 * configuration can be read, the `database` of lucidd's GET /v1/status.
 * Verification reads the file itself, here, with a read-only connection:
 * the user needs read access to it (the daemon never verifies on a
 * client's behalf — the point of verifying is not to trust the writer).
 *
 * Exit status, as lucid-verify: 0 the log verified, 1 it did not (the
 * first bad row is named), 2 it could not be checked (no database known,
 * unreadable file, not a Lucid database, bad options).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "lucid-error.h"
#include "lucid-store-log.h"
#include "lucidctl-verify.h"

/* The report as lucid-verify --json prints it (same members). */
static JsonNode *
report_to_json (const char *path, const LucidAuditReport *r,
                const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
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
    /* -1: not asked, or no prefix matched; 0 is a match (the empty log) */
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
    if (error && r->problem)
      json_builder_add_string_value (b, r->problem);
    else
      json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_text (const char *path, const LucidAuditVerifyOptions *opts,
            const LucidAuditReport *r)
{
  g_autofree char *root_hex = lucid_audit_hex (r->root, 32);
  g_autofree char *head_hex = lucid_audit_hex (r->head, 32);

  g_print ("%s: audit log verified\n", path);
  g_print ("  entries:     %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
           " checkpoints, %" G_GINT64_FORMAT " signed)\n",
           r->n_entries, r->n_checkpoints, r->n_signed_checkpoints);
  g_print ("  root:        %s (tree size %" G_GINT64_FORMAT
           "; keep it elsewhere and pass it as --expect-root later)\n",
           root_hex, r->n_entries);
  g_print ("  head:        %s\n", head_hex);
  if (r->last_signed_checkpoint > 0) {
    g_autofree char *signer = lucid_audit_hex (r->signer, 32);
    g_print ("  signed:      up to row %" G_GINT64_FORMAT
             " (tree size %" G_GINT64_FORMAT ") by key %s%s\n",
             r->last_signed_checkpoint, r->last_signed_checkpoint - 1, signer,
             r->key_trusted ? " (the given public key)"
                            : " (recorded in the log; not trusted without "
                              "--public-key)");
  } else {
    g_print ("  signed:      no signed checkpoint\n");
  }
  if (opts->min_signed_size > 0)
    g_print ("  min-signed:  at least %" G_GINT64_FORMAT " entries required\n",
             opts->min_signed_size);
  if (opts->expect_root)
    g_print ("  expect-root: matches the first %" G_GINT64_FORMAT " entries\n",
             r->expect_root_size);
  if (!r->triggers_intact)
    g_print ("  warning:     the append-only triggers of audit_log are "
             "missing or changed (the schema was altered outside Lucid)\n");
}

int
lucidctl_verify (const char *database, const LucidctlVerifyOptions *o)
{
  LucidAuditVerifyOptions opts = { 0 };
  LucidAuditReport report = { 0 };
  g_autoptr (GError) error = NULL;
  int status;

  if (access (database, R_OK) != 0) {
    /* Name the file and say why, before SQLite's vaguer "unable to open". */
    g_printerr ("lucidctl verify: %s: %s%s\n", database, g_strerror (errno),
                errno == EACCES
                    ? " (run lucidctl verify as lucidd's user or a member of "
                      "its group, or verify a copy of the file)"
                    : "");
    return 2;
  }
  opts.expect_root = o->expect_root;
  opts.public_key_path = o->public_key;
  opts.min_signed_size = o->min_signed_size;
  if (lucid_audit_log_verify (database, &opts, &report, &error))
    status = 0;
  else if (g_error_matches (error, LUCID_ERROR, LUCID_ERROR_TAMPERED))
    status = 1;
  else
    status = 2;

  if (o->json) {
    g_autoptr (JsonNode) root = report_to_json (database, &report, error);
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autofree char *text = NULL;
    json_generator_set_root (gen, root);
    json_generator_set_pretty (gen, TRUE);
    text = json_generator_to_data (gen, NULL);
    g_print ("%s\n", text);
  } else if (status == 0) {
    print_text (database, &opts, &report);
  } else {
    g_printerr ("lucidctl verify: %s\n", error->message);
  }
  lucid_audit_report_clear (&report);
  return status;
}
