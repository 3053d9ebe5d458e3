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

#include "lucid-error.h"
#include "lucid-store-log.h"
#include "lucidctl-verify.h"

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
    g_autofree char *text
        = lucid_audit_report_to_json (database, &report, error);
    g_print ("%s\n", text);
  } else if (status == 0) {
    g_autofree char *text
        = lucid_audit_report_to_text (database, &opts, &report);
    g_print ("%s", text);
  } else {
    g_printerr ("lucidctl verify: %s\n", error->message);
  }
  lucid_audit_report_clear (&report);
  return status;
}
