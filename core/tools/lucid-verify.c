/* lucid-verify — checks the tamper-evident audit log of a Lucid database
 * (a thin main over lucid_audit_log_verify(); docs/audit.md).
 *
 *   lucid-verify DB [--expect-root HEX] [--public-key FILE]
 *                [--min-signed-size N] [--no-derived] [--json]
 *
 * Exit status: 0 the log verified, 1 it did not (the first bad row is
 * named), 2 it could not be checked (unreadable file, bad arguments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <locale.h>
#include <stdio.h>

#include "lucid-error.h"
#include "lucid-store-log.h"



int
main (int argc, char **argv)
{
  g_autofree char *expect_root = NULL, *public_key = NULL;
  gboolean as_json = FALSE, derived = FALSE, no_derived = FALSE;
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
    { "derived", 0, 0, G_OPTION_ARG_NONE, &derived,
      "Re-derive the audit figure tables (audit_windows, audit_groups, "
      "audit_*_figures, audit_references, audit_verdicts, audit_alerts) "
      "from the log's payloads and compare, naming the first row that "
      "differs (the default)",
      NULL },
    { "no-derived", 0, 0, G_OPTION_ARG_NONE, &no_derived,
      "Check the log only, not the tables derived from it", NULL },
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
             "[--min-signed-size N] [--no-derived] [--json]\n",
             error ? error->message : "expected one database file");
    return 2;
  }
  opts.expect_root = expect_root;
  opts.public_key_path = public_key;
  opts.min_signed_size = min_signed_size;
  if (derived && no_derived) {
    fprintf (stderr, "lucid-verify: --derived and --no-derived contradict "
                     "each other\n");
    return 2;
  }
  opts.skip_derived = no_derived;

  if (lucid_audit_log_verify (argv[1], &opts, &report, &error))
    status = 0;
  else if (g_error_matches (error, LUCID_ERROR, LUCID_ERROR_TAMPERED))
    status = 1;
  else
    status = 2;

  if (as_json) {
    g_autofree char *text = lucid_audit_report_to_json (argv[1], &report, error);
    printf ("%s\n", text);
  } else if (status == 0) {
    g_autofree char *text = lucid_audit_report_to_text (argv[1], &opts, &report);
    fputs (text, stdout);
  } else {
    fprintf (stderr, "lucid-verify: %s\n", error->message);
  }
  lucid_audit_report_clear (&report);
  return status;
}
