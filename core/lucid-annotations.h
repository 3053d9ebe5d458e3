/* lucid-annotations.h — the sidecar annotations file of an audit: group
 * attributes and ground truth for the items a pipeline predicts on.
 *
 * Two formats, the same columns (docs/audit.md, "Annotations files"):
 *
 *   CSV (RFC 4180: header row, commas, "quoted ""fields""", CRLF or LF)
 *     stream,start,end,item,truth,weight,gender,age
 *     cam1,0,2.5,,pos,,f,30-39
 *     ,,,doc-17,neg,2,m,
 *
 *   JSON Lines (one object per line)
 *     {"stream":"cam1","start":0,"end":2.5,"truth":"pos","gender":"f"}
 *     {"item":"doc-17","truth":"neg","weight":2,"groups":"gender=m"}
 *
 * Reserved columns: stream (NULL/empty: any stream), start and end (stream
 * time, seconds "12.5" or "[[H:]M:]S[.frac]", up to 9 fractional digits, read
 * exactly; the range is [start, end)), item (an item id), truth (the
 * ground-truth label), weight (finite, ≥ 0; default 1), groups
 * ("attr=value;attr=value").  Every other column is a group attribute; an
 * empty cell (JSON: null or "") leaves the attribute unset.  A row is keyed
 * by item, or else by time range, or else (neither) covers its whole stream.
 * Time ranges of one stream must not overlap.
 *
 * A malformed line is reported as "FILE:LINE: problem"; with
 * LUCID_ANNOTATIONS_SKIP it is skipped and the message kept (see
 * lucid_annotations_get_warnings()), with LUCID_ANNOTATIONS_FATAL loading
 * fails with that message.  A file that cannot be read at all, or a CSV
 * header that is malformed, is always fatal.
 *
 * Threading: immutable once loaded; lookups may run on any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LUCID_ANNOTATIONS_FORMAT_AUTO,  /* by extension (.csv, .jsonl, .ndjson), else by first byte */
  LUCID_ANNOTATIONS_FORMAT_CSV,
  LUCID_ANNOTATIONS_FORMAT_JSONL,
} LucidAnnotationsFormat;

typedef enum {
  LUCID_ANNOTATIONS_SKIP,       /* report malformed lines, skip them */
  LUCID_ANNOTATIONS_FATAL,      /* the first malformed line fails the load */
} LucidAnnotationsPolicy;

typedef struct {
  const char *stream;           /* NULL: any stream */
  const char *item;             /* NULL unless keyed by item */
  gboolean has_range;
  guint64 start, end;           /* ns, [start, end), when has_range */
  const char *truth;            /* NULL: no ground truth */
  double weight;                /* 1 when not given */
  const char *group_key;        /* canonical key (lucid_fairness_group_key), "" if none */
  guint line;                   /* 1-based line of the row in the file */
} LucidAnnotation;

typedef struct _LucidAnnotations LucidAnnotations;

/* Loads @path.  Errors (LUCID_ERROR_IO / MISSING / FORMAT) name the file
 * and, for content, the line. */
LucidAnnotations *lucid_annotations_load (const char *path,
    LucidAnnotationsFormat format, LucidAnnotationsPolicy policy,
    GError ** error);

/* The same from memory; @label stands for the file name in messages. */
LucidAnnotations *lucid_annotations_parse (const char *data, gsize len,
    const char *label, LucidAnnotationsFormat format,
    LucidAnnotationsPolicy policy, GError ** error);

void lucid_annotations_free (LucidAnnotations * annotations);

guint lucid_annotations_n_rows (const LucidAnnotations * annotations);
const LucidAnnotation *lucid_annotations_row (const LucidAnnotations *
    annotations, guint index);

/* "FILE:LINE: problem" for each skipped line, in file order (owned). */
const GPtrArray *lucid_annotations_get_warnings (const LucidAnnotations *
    annotations);

/* The row of item @item in @stream (@stream may be NULL): a row of that
 * stream first, then a row without a stream.  NULL when none. */
const LucidAnnotation *lucid_annotations_lookup_item (const LucidAnnotations
    * annotations, const char *stream, const char *item);

/* The row whose range holds stream time @t (ns) in @stream: a range of that
 * stream first, then one without a stream, then a whole-stream row of
 * @stream, then a whole-stream row without a stream.  NULL when none. */
const LucidAnnotation *lucid_annotations_lookup_time (const LucidAnnotations
    * annotations, const char *stream, guint64 t);

/* The whole-stream row of @stream, then a whole-stream row without a
 * stream: for a buffer without a timestamp, which no time range can hold.
 * NULL when none. */
const LucidAnnotation *lucid_annotations_lookup_stream (const
    LucidAnnotations * annotations, const char *stream);

/* Parses a time "12.5", "1:02.25", "1:00:00" into ns, exactly.  FALSE on
 * anything else (negative, more than 9 fractional digits, overflow). */
gboolean lucid_annotations_parse_time (const char *text, guint64 * out_ns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidAnnotations, lucid_annotations_free)

G_END_DECLS
