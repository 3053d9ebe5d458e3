/* lucid-store-verify-derived.c — the "derived tables" check of
 * lucid_audit_log_verify(): re-derives every row of the tables the audit
 * log's triggers fill (audit_windows, audit_groups, audit_group_figures,
 * audit_between_figures, audit_references, audit_verdicts, audit_alerts)
 * from the payloads of the (already verified) log, with this file's own
 * copy of the triggers' extraction rules, and compares them with the
 * stored rows in order, naming the first row that differs, is missing or
 * has no log entry behind it (docs/audit.md, "Guarantees").
 *
 * The triggers' text in the database is not trusted (it may have been
 * replaced with the rest), so the rules are the migrations' as of the
 * last one that changed them. Columns added by a later migration read
 * their default for rows logged before it (audit_groups' n_no_truth,
 * pp_no_truth, pn_no_truth: 0), which the comparison allows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-private.h"

#include <string.h>

#include "lucid-error.h"

/* The log entries of a kind whose payload is a JSON object, materialised
 * first so that json_each() never sees another entry's payload. */
#define ENTRIES(kind)                                                          \
  "WITH l AS MATERIALIZED (SELECT seq, created_at, run_id, payload "          \
  "FROM audit_log WHERE kind = '" kind "' AND CASE WHEN json_valid(payload) " \
  "THEN json_type(payload) END = 'object') "
#define WIN ENTRIES ("audit-window")
#define J(path) "json_extract(l.payload, '$." path "')"
#define E(alias, path) "json_extract(" alias ".value, '$." path "')"

typedef struct {
  const char *table;
  const char *key;     /* the column naming the log entry */
  const char *columns; /* stored, in order */
  const char *expect;  /* the same values re-derived, in order */
  const char *with;    /* the WITH clause naming the entries l */
  const char *from;    /* FROM ... WHERE ... ORDER BY of @expect */
  /* Columns (0-based, in @columns) whose stored 0 also matches a payload
   * without the member: they were added to the table later. */
  guint32 zero_if_absent;
} DerivedTable;

static const DerivedTable TABLES[] = {
  { "audit_windows", "seq",
    "seq, created_at, run_id, element, convention, class, window_kind, unit, "
    "window_index, start, \"end\", partial, n_events, n_late, n_no_truth, "
    "n_no_group, n_boot, level, min_group_size, pts, stream_time, "
    "running_time, stream_id, stream",
    "l.seq, l.created_at, l.run_id, " J ("element") ", " J ("convention")
    ", " J ("class") ", " J ("window") ", " J ("unit") ", " J ("index")
    ", " J ("start") ", " J ("end") ", " J ("partial") ", " J ("n_events")
    ", " J ("n_late") ", " J ("n_no_truth") ", " J ("n_no_group")
    ", " J ("n_boot") ", " J ("level") ", " J ("min_group_size")
    ", " J ("pts") ", " J ("stream_time") ", " J ("running_time")
    ", " J ("stream_id") ", " J ("stream"),
    WIN, "l ORDER BY l.seq", 0 },
  { "audit_groups", "window_seq",
    "window_seq, grouping, group_key, n, tp, fp, tn, fn, too_small, "
    "n_no_truth, pp_no_truth, pn_no_truth, too_small_truth",
    "l.seq, " E ("g", "grouping") ", " E ("g", "group") ", " E ("g", "n")
    ", " E ("g", "tp") ", " E ("g", "fp") ", " E ("g", "tn") ", " E ("g", "fn")
    ", " E ("g", "too_small") ", " E ("g", "n_no_truth")
    ", " E ("g", "pp_no_truth") ", " E ("g", "pn_no_truth")
    ", " E ("g", "too_small_truth"),
    WIN, "l, json_each(l.payload, '$.groups') AS g WHERE"
    " json_type(l.payload, '$.groups') = 'array' ORDER BY l.seq, g.id",
    (1u << 9) | (1u << 10) | (1u << 11) },
  { "audit_group_figures", "window_seq",
    "window_seq, grouping, group_key, metric, value, reason, lower, upper, "
    "n_boot_valid",
    "l.seq, " E ("f", "grouping") ", " E ("f", "group") ", " E ("f", "metric")
    ", " E ("f", "value") ", " E ("f", "reason") ", " E ("f", "lower")
    ", " E ("f", "upper") ", " E ("f", "n_boot_valid"),
    WIN, "l, json_each(l.payload, '$.figures') AS f WHERE"
    " json_type(l.payload, '$.figures') = 'array' "
    "AND json_type(f.value, '$.group') = 'text' ORDER BY l.seq, f.id",
    0 },
  { "audit_between_figures", "window_seq",
    "window_seq, grouping, metric, value, reason, lower, upper, n_boot_valid",
    "l.seq, " E ("f", "grouping") ", " E ("f", "metric") ", " E ("f", "value")
    ", " E ("f", "reason") ", " E ("f", "lower") ", " E ("f", "upper")
    ", " E ("f", "n_boot_valid"),
    WIN, "l, json_each(l.payload, '$.figures') AS f WHERE"
    " json_type(l.payload, '$.figures') = 'array' "
    "AND json_type(f.value, '$.group') IS NULL ORDER BY l.seq, f.id",
    0 },
  { "audit_references", "window_seq", "window_seq, grouping, metric, group_key",
    "l.seq, " E ("r", "grouping") ", " E ("r", "metric") ", " E ("r", "group"),
    WIN, "l, json_each(l.payload, '$.references') AS r WHERE"
    " json_type(l.payload, '$.references') = 'array' "
    "ORDER BY l.seq, r.id",
    0 },
  { "audit_verdicts", "window_seq",
    "window_seq, grouping, group_key, parity, verdict, fair, tau",
    "l.seq, " E ("v", "grouping") ", " E ("v", "group") ", " E ("v", "parity")
    ", " E ("v", "verdict") ", CASE " E ("v", "verdict")
    " WHEN 'fair' THEN 1 WHEN 'unfair' THEN 0 END, " J ("tau"),
    WIN, "l, json_each(l.payload, '$.verdicts') AS v WHERE"
    " json_type(l.payload, '$.verdicts') = 'array' ORDER BY l.seq, v.id",
    0 },
  /* An alert's window: the newest window entry before it of the same run,
   * element, class and index (as the trigger looks it up in
   * audit_windows, here straight from the log). */
  { "audit_alerts", "seq",
    "seq, window_seq, created_at, run_id, rule, metric, op, threshold, "
    "grouping, group_key, value, value_text, lower, upper, is_new",
    "l.seq, (SELECT w.seq FROM audit_log AS w WHERE w.kind = 'audit-window' "
    "AND CASE WHEN json_valid(w.payload) THEN json_type(w.payload) END "
    "= 'object' AND w.seq < l.seq "
    "AND w.run_id IS l.run_id "
    "AND json_extract(w.payload, '$.element') IS " J ("element")
    " AND json_extract(w.payload, '$.class') IS " J ("class")
    " AND json_extract(w.payload, '$.index') IS " J ("window_index")
    " ORDER BY w.seq DESC LIMIT 1), l.created_at, l.run_id, " J ("rule")
    ", " J ("metric") ", " J ("op") ", " J ("threshold") ", " J ("grouping")
    ", " J ("group") ", " J ("value") ", " J ("value_text") ", " J ("lower")
    ", " J ("upper") ", " J ("new"),
    ENTRIES ("audit-alert"), "l ORDER BY l.seq",
    0 },
};

static gboolean
is_number (int type)
{
  return type == SQLITE_INTEGER || type == SQLITE_FLOAT;
}

/* Whether stored column @i of @a equals re-derived column @i of @b, as the
 * column's affinity would have stored it (a number in a REAL column, a
 * number in a TEXT column as its text). */
static gboolean
same_value (sqlite3_stmt *a, sqlite3_stmt *b, int i, gboolean zero_if_absent)
{
  int ta = sqlite3_column_type (a, i), tb = sqlite3_column_type (b, i);

  if (tb == SQLITE_NULL && zero_if_absent && is_number (ta)
      && sqlite3_column_double (a, i) == 0)
    return TRUE;
  if (ta == SQLITE_NULL || tb == SQLITE_NULL)
    return ta == tb;
  if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER)
    return sqlite3_column_int64 (a, i) == sqlite3_column_int64 (b, i);
  if (is_number (ta) && is_number (tb))
    return sqlite3_column_double (a, i) == sqlite3_column_double (b, i);
  if (ta == SQLITE_BLOB || tb == SQLITE_BLOB)
    return ta == tb && sqlite3_column_bytes (a, i) == sqlite3_column_bytes (b, i)
           && memcmp (sqlite3_column_blob (a, i), sqlite3_column_blob (b, i),
                      (size_t)sqlite3_column_bytes (a, i))
                  == 0;
  return g_strcmp0 ((const char *)sqlite3_column_text (a, i),
                    (const char *)sqlite3_column_text (b, i))
         == 0;
}

/* The value of column @i of @s for a message; new string. */
static char *
show_value (sqlite3_stmt *s, int i)
{
  switch (sqlite3_column_type (s, i)) {
    case SQLITE_NULL:
      return g_strdup ("NULL");
    case SQLITE_TEXT:
      return g_strdup_printf ("'%s'", sqlite3_column_text (s, i));
    case SQLITE_BLOB:
      return g_strdup ("a BLOB");
    default:
      return g_strdup ((const char *)sqlite3_column_text (s, i));
  }
}

/* Compares one table; NULL when its rows are exactly the re-derived ones,
 * else the first difference. Sets @error (returning NULL) when SQLite
 * fails. Adds the rows compared to @n_rows. */
static char *
check_table (sqlite3 *db, const char *path, const DerivedTable *t,
             gint64 *n_rows, GError **error)
{
  g_autofree char *sql_have = g_strdup_printf (
      "SELECT %s, rowid FROM %s ORDER BY %s, rowid", t->columns, t->table,
      t->key);
  g_autofree char *sql_want
      = g_strdup_printf ("%sSELECT %s FROM %s", t->with, t->expect, t->from);
  sqlite3_stmt *have = NULL, *want = NULL;
  char *problem = NULL;
  int ncol, rc_have, rc_want;

  if (sqlite3_prepare_v2 (db, sql_have, -1, &have, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, sql_want, -1, &want, NULL) != SQLITE_OK) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, db, path,
                              "cannot read the derived audit tables");
    goto out;
  }
  ncol = sqlite3_column_count (want);
  for (;;) {
    rc_have = sqlite3_step (have);
    rc_want = sqlite3_step (want);
    if (rc_have == SQLITE_DONE && rc_want == SQLITE_DONE)
      break;
    if ((rc_have != SQLITE_ROW && rc_have != SQLITE_DONE)
        || (rc_want != SQLITE_ROW && rc_want != SQLITE_DONE)) {
      lucid_store_set_db_error (error, LUCID_ERROR_DB, db, path,
                                "cannot read the derived audit tables");
      goto out;
    }
    if (rc_want == SQLITE_DONE) {
      problem = g_strdup_printf (
          "%s row %" G_GINT64_FORMAT " (%s %" G_GINT64_FORMAT
          ") comes from no audit_log payload (added behind the triggers' "
          "back, or its log entry deleted)",
          t->table, (gint64)sqlite3_column_int64 (have, ncol), t->key,
          (gint64)sqlite3_column_int64 (have, 0));
      goto out;
    }
    if (rc_have == SQLITE_DONE) {
      problem = g_strdup_printf (
          "%s lacks a row that audit_log entry %" G_GINT64_FORMAT
          " gives (deleted behind the triggers' back)",
          t->table, (gint64)sqlite3_column_int64 (want, 0));
      goto out;
    }
    for (int i = 0; i < ncol; i++) {
      if (same_value (have, want, i, (t->zero_if_absent >> i) & 1))
        continue;
      {
        g_auto (GStrv) names = g_strsplit (t->columns, ",", -1);
        g_autofree char *stored = show_value (have, i);
        g_autofree char *logged = show_value (want, i);
        if (i == 0)
          problem = g_strdup_printf (
              "%s row %" G_GINT64_FORMAT " (%s %" G_GINT64_FORMAT
              ") is not where the log puts it: the row the audit_log "
              "payload of entry %" G_GINT64_FORMAT
              " gives is missing or out of place (rows added, deleted or "
              "changed behind the triggers' back)",
              t->table, (gint64)sqlite3_column_int64 (have, ncol), t->key,
              (gint64)sqlite3_column_int64 (have, 0),
              (gint64)sqlite3_column_int64 (want, 0));
        else
          problem = g_strdup_printf (
              "%s row %" G_GINT64_FORMAT " (%s %" G_GINT64_FORMAT
              "): %s is %s, the audit_log payload says %s (changed behind "
              "the triggers' back)",
              t->table, (gint64)sqlite3_column_int64 (have, ncol), t->key,
              (gint64)sqlite3_column_int64 (have, 0),
              g_strstrip (names[i]), stored, logged);
      }
      goto out;
    }
    (*n_rows)++;
  }

out:
  sqlite3_finalize (have);
  sqlite3_finalize (want);
  return problem;
}

gboolean
lucid_audit_derived_verify (sqlite3 *db, const char *path,
                            LucidAuditReport *report, GError **error)
{
  sqlite3_stmt *s = NULL;
  gboolean have_tables;

  /* The connection is read-only (SQLITE_OPEN_READONLY); its authorizer,
   * meant for users' queries, refuses the json_each() table-valued
   * function this file's fixed statements need, so it is lifted here. */
  sqlite3_set_authorizer (db, NULL, NULL);
  /* A database without the audit figure tables has nothing derived. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                          "AND name = 'audit_windows'",
                          -1, &s, NULL)
      != SQLITE_OK) {
    sqlite3_finalize (s);
    lucid_store_set_db_error (error, LUCID_ERROR_DB, db, path,
                              "cannot read the schema");
    return FALSE;
  }
  have_tables = sqlite3_step (s) == SQLITE_ROW;
  sqlite3_finalize (s);
  if (!have_tables)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (TABLES); i++) {
    GError *local = NULL;
    char *problem
        = check_table (db, path, &TABLES[i], &report->n_derived_rows, &local);
    if (local) {
      g_propagate_error (error, local);
      return FALSE;
    }
    if (problem) {
      report->ok = FALSE;
      report->bad_seq = 0;
      report->problem = problem;
      return TRUE;
    }
  }
  report->derived_checked = TRUE;
  return TRUE;
}
