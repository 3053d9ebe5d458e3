/* lucid-verify — checks the tamper-evident audit log of a Lucid database
 * (a thin main over lucid_audit_log_verify(); docs/audit.md). Its options
 * and report are lucid-verify-cli.c's, which `lucidctl verify` shares.
 *
 *   lucid-verify DB [--expect-root HEX] [--public-key FILE]
 *                [--min-signed-size N] [--derived|--no-derived] [--json]
 *
 * Exit status: 0 the log verified, 1 it did not (the first bad row is
 * named), 2 it could not be checked (unreadable file, bad arguments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <locale.h>

#include "lucid-verify-cli.h"

int
main (int argc, char **argv)
{
  LucidVerifyCli cli = { 0 };
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("DB - verify the audit log of a Lucid database");
  lucid_verify_cli_add_options (ctx, &cli, "", TRUE);
  g_option_context_set_description (
      ctx, "Exit status: 0 verified, 1 the log failed verification (the "
           "first bad row is named), 2 it could not be checked.\n"
           "See docs/audit.md for what verification proves.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    g_printerr (
        "lucid-verify: %s\nUsage: lucid-verify DB " LUCID_VERIFY_CLI_SYNOPSIS
        "\n",
        error ? error->message : "expected one database file");
    status = 2;
  } else {
    status = lucid_verify_cli_run (&cli, "lucid-verify", argv[1], NULL);
  }
  g_clear_pointer (&ctx, g_option_context_free);
  lucid_verify_cli_clear (&cli);
  return status;
}
