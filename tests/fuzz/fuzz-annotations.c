/* fuzz-annotations.c — libFuzzer target for lucid_annotations_parse().
 *
 * The first byte picks the format (bits 0-1: auto, CSV, JSON Lines) and the
 * policy (bit 2: fatal); the rest is the file.  Any input must load or be
 * refused with a LUCID_ERROR_FORMAT message that starts with the file
 * name; neither may crash, leak or read outside the input.  When it loads,
 * every row must satisfy the documented invariants, every warning must name
 * the file and a line (except the one that says the file has no `truth`
 * column, which names the file and may come with malformed=fatal too), and
 * each row must be found again by its own key.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-annotations.h"
#include "lucid-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  LucidAnnotationsFormat format = (data[0] & 3) % 3;
  LucidAnnotationsPolicy policy = (data[0] & 4) ? LUCID_ANNOTATIONS_FATAL
      : LUCID_ANNOTATIONS_SKIP;
  GError *error = NULL;
  LucidAnnotations *ann = lucid_annotations_parse ((const char *) data + 1,
      size - 1, "fuzz.txt", format, policy, &error);
  if (!ann) {
    check (error != NULL && error->domain == LUCID_ERROR
        && error->code == LUCID_ERROR_FORMAT
        && g_str_has_prefix (error->message, "fuzz.txt"));
    g_error_free (error);
    return 0;
  }
  check (error == NULL);
  const GPtrArray *warnings = lucid_annotations_get_warnings (ann);
  guint n_line_warnings = 0;
  for (guint i = 0; i < warnings->len; i++) {
    const char *w = warnings->pdata[i];
    if (g_str_has_prefix (w, "fuzz.txt: no 'truth' column (columns: ")) {
      check (i == warnings->len - 1);   /* once, after the lines */
      continue;
    }
    check (g_str_has_prefix (w, "fuzz.txt:") && g_ascii_isdigit (w[9]));
    n_line_warnings++;
  }
  check (policy == LUCID_ANNOTATIONS_SKIP || n_line_warnings == 0);
  guint n = lucid_annotations_n_rows (ann);
  for (guint i = 0; i < n; i++) {
    const LucidAnnotation *r = lucid_annotations_row (ann, i);
    check (r->group_key != NULL && r->line >= 1);
    check (isfinite (r->weight) && r->weight >= 0);
    check (!r->has_range || r->start < r->end);
    check (!r->stream || *r->stream);
    const LucidAnnotation *back;
    if (r->item) {
      back = lucid_annotations_lookup_item (ann, r->stream, r->item);
      check (back == r);
    } else if (r->has_range) {
      back = lucid_annotations_lookup_time (ann, r->stream, r->start);
      check (back == r);
      back = lucid_annotations_lookup_time (ann, r->stream, r->end - 1);
      check (back == r);
    }
  }
  lucid_annotations_lookup_time (ann, "x", 0);
  lucid_annotations_lookup_item (ann, NULL, "x");
  lucid_annotations_free (ann);
  return 0;
}
