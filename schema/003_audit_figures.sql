-- 003_audit_figures.sql — lucidaudit's figures as tables, filled only from
-- the tamper-evident audit log (docs/audit.md, "Audit figures in SQLite").
--
-- lucidsink writes each closed audit window as an audit_log entry of kind
-- 'audit-window' (payload: the window as JSON) and each alert as one of
-- kind 'audit-alert'.  The AFTER INSERT triggers below explode those
-- payloads into normalised tables in the same transaction, so every row
-- here is derived from a hash-chained log entry (its seq is kept) and can
-- be re-derived and checked from the log.  Like the log, these tables
-- refuse UPDATE and DELETE.  The triggers never refuse a log entry: a
-- payload of another shape (not an object, fields missing) gives rows with
-- NULLs, or none, and the entry itself is logged as it is.  For the same
-- reason `seq` is indexed but neither a key nor a foreign key here: these
-- tables are derived, the log is the record, and lucid-verify judges the
-- log (an entry forged behind the triggers' back still lands here, and the
-- verifier names it).  Join on seq / window_seq.
--
-- A figure that is NaN or infinite in the reference library is NULL in
-- `value`, and `reason` says why (zero-denominator, divide-by-zero,
-- empty-group, undefined-input, too-small); `reason` = 'zero-by-convention'
-- marks a 0 that the library returns for a zero denominator.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

CREATE TABLE audit_windows (
  seq            INTEGER NOT NULL,   -- the audit_log entry it came from
  created_at     TEXT NOT NULL,
  run_id         INTEGER REFERENCES runs (id),
  element        TEXT,
  convention     TEXT,               -- fairlearn | aif360 | aequitas
  class          TEXT,               -- the positive label audited
  window_kind    TEXT,               -- cumulative | tumbling | sliding
  unit           TEXT,               -- count | time
  window_index   INTEGER,
  start          INTEGER,            -- [start, end): events or stream ns
  "end"          INTEGER,
  partial        INTEGER,            -- closed by EOS or a flush
  n_events       INTEGER,
  n_late         INTEGER,
  n_no_truth     INTEGER,
  n_no_group     INTEGER,
  n_boot         INTEGER,
  level          REAL,
  min_group_size INTEGER,
  pts            INTEGER,            -- of the buffer that closed it (ns)
  stream_time    INTEGER,
  running_time   INTEGER
);
CREATE INDEX audit_windows_seq ON audit_windows (seq);
CREATE INDEX audit_windows_run ON audit_windows (run_id, element, class,
  window_index);

-- Per-group weighted confusion counts of a window.
CREATE TABLE audit_groups (
  window_seq INTEGER NOT NULL,          -- audit_windows.seq
  grouping   TEXT,                   -- "gender" or "age;gender"
  group_key  TEXT,                   -- "age=30-39;gender=f"
  n          INTEGER,
  tp REAL, fp REAL, tn REAL, fn REAL,
  too_small  INTEGER
);
CREATE INDEX audit_groups_window ON audit_groups (window_seq);

-- Per-group rates (Fairlearn/AIF360) or metrics (Aequitas) with Wilson
-- intervals, and Aequitas disparities with bootstrap intervals.
CREATE TABLE audit_group_figures (
  window_seq   INTEGER NOT NULL,      -- audit_windows.seq
  grouping     TEXT,
  group_key    TEXT,
  metric       TEXT,
  value        REAL,
  reason       TEXT,
  lower        REAL,
  upper        REAL,
  n_boot_valid INTEGER
);
CREATE INDEX audit_group_figures_window ON audit_group_figures (window_seq);
CREATE INDEX audit_group_figures_metric ON audit_group_figures (metric,
  group_key);

-- Between-group figures (Fairlearn differences/ratios per grouping; AIF360
-- privileged vs unprivileged with grouping '') with bootstrap intervals.
CREATE TABLE audit_between_figures (
  window_seq   INTEGER NOT NULL,      -- audit_windows.seq
  grouping     TEXT,
  metric       TEXT,
  value        REAL,
  reason       TEXT,
  lower        REAL,
  upper        REAL,
  n_boot_valid INTEGER
);
CREATE INDEX audit_between_figures_window ON audit_between_figures
  (window_seq);
CREATE INDEX audit_between_figures_metric ON audit_between_figures (metric);

CREATE TABLE audit_alerts (
  seq          INTEGER NOT NULL,     -- the audit_log entry it came from
  window_seq   INTEGER,              -- audit_windows.seq of its window
  created_at   TEXT NOT NULL,
  run_id       INTEGER REFERENCES runs (id),
  rule         TEXT,        -- normalised: "demographic_parity_ratio<0.8…"
  metric       TEXT,
  op           TEXT,
  threshold    REAL,
  grouping     TEXT,
  group_key    TEXT,                 -- NULL for a between-group figure
  value        REAL,                 -- NULL: infinite (see value_text)
  value_text   TEXT,
  lower        REAL,
  upper        REAL,
  is_new       INTEGER               -- the rule did not hold in the previous window
);
CREATE INDEX audit_alerts_seq ON audit_alerts (seq);
CREATE INDEX audit_alerts_window ON audit_alerts (window_seq);

CREATE TRIGGER audit_log_explode_window AFTER INSERT ON audit_log
WHEN NEW.kind = 'audit-window' AND json_type(NEW.payload) = 'object'
BEGIN
  INSERT INTO audit_windows
  SELECT NEW.seq, NEW.created_at, NEW.run_id,
         json_extract(NEW.payload, '$.element'),
         json_extract(NEW.payload, '$.convention'),
         json_extract(NEW.payload, '$.class'),
         json_extract(NEW.payload, '$.window'),
         json_extract(NEW.payload, '$.unit'),
         json_extract(NEW.payload, '$.index'),
         json_extract(NEW.payload, '$.start'),
         json_extract(NEW.payload, '$.end'),
         json_extract(NEW.payload, '$.partial'),
         json_extract(NEW.payload, '$.n_events'),
         json_extract(NEW.payload, '$.n_late'),
         json_extract(NEW.payload, '$.n_no_truth'),
         json_extract(NEW.payload, '$.n_no_group'),
         json_extract(NEW.payload, '$.n_boot'),
         json_extract(NEW.payload, '$.level'),
         json_extract(NEW.payload, '$.min_group_size'),
         json_extract(NEW.payload, '$.pts'),
         json_extract(NEW.payload, '$.stream_time'),
         json_extract(NEW.payload, '$.running_time');
  INSERT INTO audit_groups
  SELECT NEW.seq,
         json_extract(g.value, '$.grouping'),
         json_extract(g.value, '$.group'),
         json_extract(g.value, '$.n'),
         json_extract(g.value, '$.tp'), json_extract(g.value, '$.fp'),
         json_extract(g.value, '$.tn'), json_extract(g.value, '$.fn'),
         json_extract(g.value, '$.too_small')
  FROM json_each(NEW.payload, '$.groups') AS g
  WHERE json_type(NEW.payload, '$.groups') = 'array';
  INSERT INTO audit_group_figures
  SELECT NEW.seq,
         json_extract(f.value, '$.grouping'),
         json_extract(f.value, '$.group'),
         json_extract(f.value, '$.metric'),
         json_extract(f.value, '$.value'),
         json_extract(f.value, '$.reason'),
         json_extract(f.value, '$.lower'),
         json_extract(f.value, '$.upper'),
         json_extract(f.value, '$.n_boot_valid')
  FROM json_each(NEW.payload, '$.figures') AS f
  WHERE json_type(NEW.payload, '$.figures') = 'array'
    AND json_type(f.value, '$.group') = 'text';
  INSERT INTO audit_between_figures
  SELECT NEW.seq,
         json_extract(f.value, '$.grouping'),
         json_extract(f.value, '$.metric'),
         json_extract(f.value, '$.value'),
         json_extract(f.value, '$.reason'),
         json_extract(f.value, '$.lower'),
         json_extract(f.value, '$.upper'),
         json_extract(f.value, '$.n_boot_valid')
  FROM json_each(NEW.payload, '$.figures') AS f
  WHERE json_type(NEW.payload, '$.figures') = 'array'
    AND json_type(f.value, '$.group') IS NULL;
END;

-- An alert belongs to the latest window of the same run, element, class
-- and index (lucidsink logs a window's alerts right after the window).
CREATE TRIGGER audit_log_explode_alert AFTER INSERT ON audit_log
WHEN NEW.kind = 'audit-alert' AND json_type(NEW.payload) = 'object'
BEGIN
  INSERT INTO audit_alerts
  SELECT NEW.seq,
         (SELECT w.seq FROM audit_windows AS w
          WHERE w.run_id IS NEW.run_id
            AND w.element IS json_extract(NEW.payload, '$.element')
            AND w.class IS json_extract(NEW.payload, '$.class')
            AND w.window_index IS json_extract(NEW.payload, '$.window_index')
          ORDER BY w.seq DESC LIMIT 1),
         NEW.created_at, NEW.run_id,
         json_extract(NEW.payload, '$.rule'),
         json_extract(NEW.payload, '$.metric'),
         json_extract(NEW.payload, '$.op'),
         json_extract(NEW.payload, '$.threshold'),
         json_extract(NEW.payload, '$.grouping'),
         json_extract(NEW.payload, '$.group'),
         json_extract(NEW.payload, '$.value'),
         json_extract(NEW.payload, '$.value_text'),
         json_extract(NEW.payload, '$.lower'),
         json_extract(NEW.payload, '$.upper'),
         json_extract(NEW.payload, '$.new');
END;

-- Append-only, like the log they come from.
CREATE TRIGGER audit_windows_no_update BEFORE UPDATE ON audit_windows
BEGIN SELECT RAISE (ABORT, 'audit_windows is append-only'); END;
CREATE TRIGGER audit_windows_no_delete BEFORE DELETE ON audit_windows
BEGIN SELECT RAISE (ABORT, 'audit_windows is append-only'); END;
CREATE TRIGGER audit_groups_no_update BEFORE UPDATE ON audit_groups
BEGIN SELECT RAISE (ABORT, 'audit_groups is append-only'); END;
CREATE TRIGGER audit_groups_no_delete BEFORE DELETE ON audit_groups
BEGIN SELECT RAISE (ABORT, 'audit_groups is append-only'); END;
CREATE TRIGGER audit_group_figures_no_update BEFORE UPDATE ON audit_group_figures
BEGIN SELECT RAISE (ABORT, 'audit_group_figures is append-only'); END;
CREATE TRIGGER audit_group_figures_no_delete BEFORE DELETE ON audit_group_figures
BEGIN SELECT RAISE (ABORT, 'audit_group_figures is append-only'); END;
CREATE TRIGGER audit_between_figures_no_update BEFORE UPDATE ON audit_between_figures
BEGIN SELECT RAISE (ABORT, 'audit_between_figures is append-only'); END;
CREATE TRIGGER audit_between_figures_no_delete BEFORE DELETE ON audit_between_figures
BEGIN SELECT RAISE (ABORT, 'audit_between_figures is append-only'); END;
CREATE TRIGGER audit_alerts_no_update BEFORE UPDATE ON audit_alerts
BEGIN SELECT RAISE (ABORT, 'audit_alerts is append-only'); END;
CREATE TRIGGER audit_alerts_no_delete BEFORE DELETE ON audit_alerts
BEGIN SELECT RAISE (ABORT, 'audit_alerts is append-only'); END;

-- Every figure of every window, per-group and between-group together, with
-- the window's place in time: "figure over time" (filter on metric,
-- grouping, group_key; order by seq).
CREATE VIEW audit_figures_over_time AS
SELECT w.seq AS window_seq, w.created_at, w.run_id, w.element, w.convention,
       w.class, w.window_index, w.start, w."end", w.unit, w.partial,
       w.stream_time, f.grouping, f.group_key, f.metric, f.value, f.reason,
       f.lower, f.upper
FROM audit_windows AS w
JOIN (SELECT window_seq, grouping, group_key, metric, value, reason, lower,
             upper FROM audit_group_figures
      UNION ALL
      SELECT window_seq, grouping, NULL, metric, value, reason, lower, upper
      FROM audit_between_figures) AS f ON f.window_seq = w.seq;

-- The latest value of each figure: per run, element, class, grouping,
-- group (NULL: between groups) and metric, the row of the newest window.
CREATE VIEW audit_latest_figures AS
SELECT window_seq, created_at, run_id, element, convention, class,
       window_index, start, "end", partial, grouping, group_key, metric,
       value, reason, lower, upper
FROM (SELECT t.*, row_number() OVER (
        PARTITION BY run_id, element, class, grouping, group_key, metric
        ORDER BY window_seq DESC) AS rn
      FROM audit_figures_over_time AS t)
WHERE rn = 1;

-- Every breach, with its window.
CREATE VIEW audit_breaches AS
SELECT a.seq, a.created_at, a.run_id, w.element, w.convention, w.class,
       w.window_index, w.start, w."end", w.unit, w.partial, w.stream_time,
       a.rule, a.metric, a.grouping, a.group_key, a.value, a.value_text,
       a.threshold, a.lower, a.upper, a.is_new
FROM audit_alerts AS a
LEFT JOIN audit_windows AS w ON w.seq = a.window_seq;
