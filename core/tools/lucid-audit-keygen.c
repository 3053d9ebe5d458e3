/* lucid-audit-keygen — creates an Ed25519 key pair for signing audit log
 * checkpoints (a thin main over lucid_audit_key_generate(); the file format
 * is in docs/audit.md).
 *
 *   lucid-audit-keygen SECRET_FILE [PUBLIC_FILE]
 *
 * SECRET_FILE is created with mode 0600 and must not exist; PUBLIC_FILE
 * (default SECRET_FILE.pub) is what verifiers get.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include "lucid-store-log.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *public_path = NULL;

  if (argc < 2 || argc > 3 || argv[1][0] == '-') {
    fprintf (stderr, "Usage: lucid-audit-keygen SECRET_FILE [PUBLIC_FILE]\n"
                     "Creates an Ed25519 key pair for lucidsink's audit log "
                     "checkpoints.\n");
    return 2;
  }
  public_path
      = argc == 3 ? g_strdup (argv[2]) : g_strconcat (argv[1], ".pub", NULL);
  if (!lucid_audit_key_generate (argv[1], public_path, &error)) {
    fprintf (stderr, "lucid-audit-keygen: %s\n", error->message);
    return 1;
  }
  printf ("secret key: %s (keep it secret)\npublic key: %s\n", argv[1],
          public_path);
  return 0;
}
