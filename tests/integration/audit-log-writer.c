/* audit-log-writer — writes a run with N audit log entries through the real
 * store (lucid_store_append_log), for tests/integration/audit-log.sh.
 *
 *   audit-log-writer DB N CHECKPOINT_ENTRIES [SECRET_KEY_FILE]
 *
 * One run (run-start), a model (model entry), N entries of kind
 * "audit-window" with payload {"window": i, "group": "g<i%3>"} interleaved
 * with result rows, run end (run-end + checkpoint), close.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "lucid-store.h"

int
main (int argc, char **argv)
{
  LucidStoreOptions options = { 0 };
  LucidRunInfo info = { .pipeline = "audit-log-writer",
                        .properties_json = "{}",
                        .lucid_version = "test",
                        .host = "localhost",
                        .label = "integration" };
  g_autoptr (GError) error = NULL;
  LucidStore *store;
  gint64 run, model;
  int n;

  if (argc < 4 || argc > 5) {
    fprintf (stderr, "usage: audit-log-writer DB N CHECKPOINT_ENTRIES "
                     "[SECRET_KEY_FILE]\n");
    return 2;
  }
  n = atoi (argv[2]);
  options.log_checkpoint_entries = (guint)atoi (argv[3]);
  options.log_signing_key = argc == 5 ? argv[4] : NULL;
  store = lucid_store_open (argv[1], &options, &error);
  if (store == NULL)
    goto fail;
  if (!(run = lucid_store_begin_run (store, &info, &error)))
    goto fail;
  if (!(model = lucid_store_ensure_model (store, "/models/tiny", "00ff", "bert",
                                          "{\"hidden_size\": 32}", &error)))
    goto fail;
  for (int i = 0; i < n; i++) {
    g_autofree char *payload
        = g_strdup_printf ("{\"window\": %d, \"group\": \"g%d\"}", i, i % 3);
    LucidResultRow row;

    lucid_store_result_row_init (&row);
    row.run_id = run;
    row.model_id = model;
    row.element = "enc";
    row.kind = "labels";
    row.label = "x";
    if (!lucid_store_append_result (store, &row, NULL, &error)
        || !lucid_store_append_log (store, run, "audit-window", payload, NULL,
                                    &error))
      goto fail;
  }
  if (!lucid_store_end_run (store, run, "eos", &error)
      || !lucid_store_flush (store, &error))
    goto fail;
  lucid_store_close (store);
  return 0;

fail:
  fprintf (stderr, "audit-log-writer: %s\n", error->message);
  lucid_store_close (store);
  return 1;
}
