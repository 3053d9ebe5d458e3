/* lucidctl-verify.h — `lucidctl verify`: the audit log verifier of
 * lucid-store-log.h behind lucidctl's options (docs/daemon.md).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *expect_root; /* 64 hex digits, or NULL */
  const char *public_key;  /* trusted Ed25519 public key file, or NULL */
  gint64 min_signed_size;  /* 0: no check (needs public_key) */
  gboolean json;           /* print lucid-verify's JSON report */
} LucidctlVerifyOptions;

/* Verifies @database's audit log and prints the verdict (stdout; the
 * problem on stderr when not --json). Returns the exit status: 0 verified,
 * 1 tampered (the first bad row named), 2 cannot be checked. */
int lucidctl_verify (const char *database, const LucidctlVerifyOptions *o);

G_END_DECLS
