/* lucidd-report.h — the reports a lucid-worker writes to lucidd (fd 3), one
 * JSON object per line (lucid-worker.c lists them):
 *
 *   {"type": "stats", "state": "PLAYING", "position": ns, "duration": ns,
 *    "progress": 0.5, "buffers": n, "rows": n, "latency": ns,
 *    "encoders": [{"element": "e", "buckets": [n x 13], "sum": s,
 *                  "count": n}]}
 *   {"type": "message", "kind": "error", "source": "src", "text": "..."}
 *   {"type": "refused", "text": "..."}      {"type": "ok", "text": "..."}
 *
 * lucidd trusts no byte of it: a worker may die mid-line or be corrupted,
 * so each line is checked here before anything reads it (GStreamer-free;
 * tests/fuzz/fuzz-report.c). A line that fails is a malformed report:
 * lucidd records it, kills the worker and restarts it as a failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The longest line lucidd reads (a stats report with a few encoders is
 * under 2 KiB); a longer one is malformed, so a broken worker cannot make
 * lucidd buffer without bound. */
#define LUCIDD_REPORT_MAX (1024 * 1024)

/* Parses and checks one report line of @len bytes (no newline; need not be
 * NUL-terminated). Returns the report object (unref with
 * json_object_unref()), every member lucidd reads of the type it expects:
 * "type" one of stats, message, refused, ok; strings where strings are
 * expected; integers for counts and times (counts >= 0, times >= -1);
 * "progress" a number; "encoders" an array of objects with a string
 * "element" and exactly LUCID_LATENCY_N_BUCKETS non-negative integer
 * buckets. Other members are ignored. NULL with a LUCID_ERROR_FORMAT error
 * saying what is wrong otherwise. */
JsonObject *lucidd_report_parse (const char *line, gsize len, GError **error);

G_END_DECLS
