/* fuzz-audit-key.c — libFuzzer target for the audit log's untrusted text:
 * Ed25519 key files (lucid_audit_key_parse, as a secret and as a public
 * key) and checkpoint payloads read back from a database under
 * verification (lucid_audit_checkpoint_parse).
 *
 * Any input must either parse into a consistent result or be refused with
 * a LUCID_ERROR; never crash, leak or read outside the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "lucid-error.h"
#include "lucid-store-log.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_error (gboolean ok, GError *error)
{
  if (ok ? error != NULL : error == NULL || error->domain != LUCID_ERROR)
    abort ();
  g_clear_error (&error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  GError *error = NULL;
  LucidAuditKey key;
  LucidAuditCheckpoint cp;
  gboolean ok;

  ok = lucid_audit_key_parse (text, size, TRUE, "fuzz/key", &key, &error);
  if (ok && !key.has_secret)
    abort ();
  check_error (ok, error);
  error = NULL;
  lucid_audit_key_clear (&key);

  ok = lucid_audit_key_parse (text, size, FALSE, "fuzz/key.pub", &key, &error);
  if (ok && key.has_secret) /* a verifier never keeps a secret */
    abort ();
  check_error (ok, error);
  error = NULL;

  ok = lucid_audit_checkpoint_parse (text, size, "fuzz/checkpoint", &cp,
                                     &error);
  if (ok && (cp.tree_size < 0 || cp.reason == NULL))
    abort ();
  check_error (ok, error);
  lucid_audit_checkpoint_clear (&cp);
  return 0;
}
