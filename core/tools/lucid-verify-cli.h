/* lucid-verify-cli.h — the command line of the audit log verifier, shared
 * by `lucid-verify` and `lucidctl verify` so both take the same options,
 * check them the same way and print the same report (docs/audit.md,
 * "The audit log"; docs/daemon.md). A static library of core/tools, not
 * part of liblucid's API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The verifier's options after the command line (usage and --help). */
#define LUCID_VERIFY_CLI_SYNOPSIS                                              \
  "[--expect-root HEX] [--public-key FILE] [--min-signed-size N] "             \
  "[--derived|--no-derived] [--json]"

typedef struct {
  char *expect_root;       /* 64 hex digits, or NULL */
  char *public_key;        /* trusted Ed25519 public key file, or NULL */
  gint64 min_signed_size;  /* 0: no check (needs public_key) */
  gboolean derived;        /* --derived: check the derived tables (default) */
  gboolean no_derived;     /* --no-derived: check the log only */
  gboolean json;           /* print the JSON report */
  GPtrArray *help_strings; /* owned help texts of the entries */
} LucidVerifyCli;

/* Adds the verifier's options to @ctx's main group, storing into @cli
 * (zero-initialised, cleared with lucid_verify_cli_clear() after @ctx is
 * freed). @help_prefix (e.g. "verify: ", or "") starts each help text;
 * @with_json adds --json (lucidctl has its own, global one: set
 * @cli->json from it). */
void lucid_verify_cli_add_options (GOptionContext *ctx, LucidVerifyCli *cli,
                                   const char *help_prefix, gboolean with_json);

/* TRUE when an option only the verifier takes (all but --json) was given. */
gboolean lucid_verify_cli_given (const LucidVerifyCli *cli);

/* Verifies the audit log of @database with @cli's options and prints the
 * verdict: the report (text or, with json, JSON) on stdout, the problem on
 * stderr prefixed by "@program: ". @unreadable_hint (or NULL) follows the
 * message when the file exists but cannot be read. Returns the exit
 * status: 0 verified, 1 tampered (the first bad row named), 2 cannot be
 * checked (bad options, unreadable file, not a Lucid database). */
int lucid_verify_cli_run (const LucidVerifyCli *cli, const char *program,
                          const char *database, const char *unreadable_hint);

void lucid_verify_cli_clear (LucidVerifyCli *cli);

G_END_DECLS
