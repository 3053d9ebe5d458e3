/* lucid-verify-cli.c — the verifier's options and verdict, one copy for
 * lucid-verify and lucidctl verify (lucid-verify-cli.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "lucid-error.h"
#include "lucid-store-log.h"
#include "lucid-verify-cli.h"

static const char *
help (LucidVerifyCli *cli, const char *prefix, const char *text)
{
  char *s = g_strconcat (prefix, text, NULL);

  g_ptr_array_add (cli->help_strings, s);
  return s;
}

void
lucid_verify_cli_add_options (GOptionContext *ctx, LucidVerifyCli *cli,
                              const char *help_prefix, gboolean with_json)
{
  const char *p = help_prefix ? help_prefix : "";

  if (cli->help_strings == NULL)
    cli->help_strings = g_ptr_array_new_with_free_func (g_free);
  {
    GOptionEntry entries[] = {
      { "expect-root", 0, 0, G_OPTION_ARG_STRING, &cli->expect_root,
        help (cli, p,
              "the Merkle root (64 hex digits) of the log kept elsewhere; a "
              "truncated tail is detected only this way"),
        "HEX" },
      { "public-key", 0, 0, G_OPTION_ARG_FILENAME, &cli->public_key,
        help (cli, p,
              "trusted Ed25519 public key file: every checkpoint must be "
              "signed by it, and at least one must exist"),
        "FILE" },
      { "min-signed-size", 0, 0, G_OPTION_ARG_INT64, &cli->min_signed_size,
        help (cli, p,
              "with --public-key, a checkpoint signed by that key must "
              "cover at least N entries (the signed tree size of an earlier "
              "run, kept elsewhere); catches signed checkpoints deleted "
              "after a change"),
        "N" },
      { "derived", 0, 0, G_OPTION_ARG_NONE, &cli->derived,
        help (cli, p,
              "re-derive the audit figure tables (audit_windows, "
              "audit_groups, audit_*_figures, audit_references, "
              "audit_verdicts, audit_alerts) from the log's payloads and "
              "compare, naming the first row that differs (the default)"),
        NULL },
      { "no-derived", 0, 0, G_OPTION_ARG_NONE, &cli->no_derived,
        help (cli, p, "check the log only, not the tables derived from it"),
        NULL },
      { NULL },
    };
    GOptionEntry json[] = {
      { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json,
        help (cli, p, "print the report as JSON"), NULL },
      { NULL },
    };

    /* The main group copies the entries (not the help texts, which
     * help_strings keeps). */
    g_option_context_add_main_entries (ctx, entries, NULL);
    if (with_json)
      g_option_context_add_main_entries (ctx, json, NULL);
  }
}

gboolean
lucid_verify_cli_given (const LucidVerifyCli *cli)
{
  return cli->expect_root != NULL || cli->public_key != NULL
         || cli->min_signed_size != 0 || cli->derived || cli->no_derived;
}

int
lucid_verify_cli_run (const LucidVerifyCli *cli, const char *program,
                      const char *database, const char *unreadable_hint)
{
  LucidAuditVerifyOptions opts = { 0 };
  LucidAuditReport report = { 0 };
  g_autoptr (GError) error = NULL;
  int status;

  if (cli->derived && cli->no_derived) {
    g_printerr ("%s: --derived and --no-derived contradict each other\n",
                program);
    return 2;
  }
  if (access (database, R_OK) != 0) {
    /* Name the file and say why, before SQLite's vaguer "unable to open". */
    int e = errno;

    g_set_error (&error, LUCID_ERROR, LUCID_ERROR_IO, "%s: %s%s", database,
                 g_strerror (e),
                 e == EACCES && unreadable_hint ? unreadable_hint : "");
    status = 2;
  } else {
    opts.expect_root = cli->expect_root;
    opts.public_key_path = cli->public_key;
    opts.min_signed_size = cli->min_signed_size;
    opts.skip_derived = cli->no_derived;
    if (lucid_audit_log_verify (database, &opts, &report, &error))
      status = 0;
    else if (g_error_matches (error, LUCID_ERROR, LUCID_ERROR_TAMPERED))
      status = 1;
    else
      status = 2;
  }

  if (cli->json) {
    g_autofree char *text
        = lucid_audit_report_to_json (database, &report, error);
    g_print ("%s\n", text);
  } else if (status == 0) {
    g_autofree char *text
        = lucid_audit_report_to_text (database, &opts, &report);
    g_print ("%s", text);
  } else {
    g_printerr ("%s: %s\n", program, error->message);
  }
  lucid_audit_report_clear (&report);
  return status;
}

void
lucid_verify_cli_clear (LucidVerifyCli *cli)
{
  g_clear_pointer (&cli->expect_root, g_free);
  g_clear_pointer (&cli->public_key, g_free);
  g_clear_pointer (&cli->help_strings, g_ptr_array_unref);
}
