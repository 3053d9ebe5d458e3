-- NNN_audit_verdicts_streams.sql — two additions to the audit figures
-- derived from the tamper-evident audit log (docs/audit.md, "Audit figures
-- in SQLite"):
--
-- 1. the stream each audit window belongs to (several streams may end in
--    one lucidsink): audit_windows gains stream_id (the STREAM_START id
--    lucidaudit saw) and stream (its `stream` property), so the window
--    trigger is recreated with them;
-- 2. Aequitas' reference groups and fairness determinations of each window
--    (lucidaudit convention=aequitas), in two new tables.
--
-- The window payload (kind 'audit-window') carries, for the Aequitas
-- convention, `tau`, `references` (one object per grouping and disparity
-- metric: grouping, metric, group) and `verdicts` (one object per group
-- and parity, then per grouping and parity: grouping, group (absent for the
-- grouping as a whole), parity, verdict = fair | unfair | undefined).  A
-- second AFTER INSERT trigger explodes them in the same transaction.
-- Windows of other conventions have neither member and add no rows here.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

-- 1. Streams.  Windows logged before this migration keep NULL.
ALTER TABLE audit_windows ADD COLUMN stream_id TEXT;
ALTER TABLE audit_windows ADD COLUMN stream TEXT;
CREATE INDEX audit_windows_stream ON audit_windows (stream_id);

DROP TRIGGER audit_log_explode_window;
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
         json_extract(NEW.payload, '$.running_time'),
         json_extract(NEW.payload, '$.stream_id'),
         json_extract(NEW.payload, '$.stream');
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

-- Every breach, with its window and stream.
DROP VIEW audit_breaches;
CREATE VIEW audit_breaches AS
SELECT a.seq, a.created_at, a.run_id, w.element, w.convention, w.class,
       w.window_index, w.start, w."end", w.unit, w.partial, w.stream_time,
       a.rule, a.metric, a.grouping, a.group_key, a.value, a.value_text,
       a.threshold, a.lower, a.upper, a.is_new, w.stream_id, w.stream
FROM audit_alerts AS a
LEFT JOIN audit_windows AS w ON w.seq = a.window_seq;

-- 2. Aequitas.

-- The reference group of each disparity metric in each grouping of a window
-- (with reference=min-metric it differs per metric).
CREATE TABLE audit_references (
  window_seq INTEGER NOT NULL,        -- audit_windows.seq
  grouping   TEXT,
  metric     TEXT,                    -- "ppr_disparity", ...
  group_key  TEXT                     -- the reference group
);
CREATE INDEX audit_references_window ON audit_references (window_seq);

-- Fairness' determinations: Aequitas' parity names ("Statistical Parity",
-- ..., "Supervised Fairness"); group_key NULL: the grouping as a whole
-- (get_group_attribute_fairness).  fair is 1 / 0, NULL when undefined
-- (Aequitas' NaN: the disparities it needs are NaN).
CREATE TABLE audit_verdicts (
  window_seq INTEGER NOT NULL,        -- audit_windows.seq
  grouping   TEXT,
  group_key  TEXT,
  parity     TEXT,
  verdict    TEXT,                    -- fair | unfair | undefined
  fair       INTEGER,
  tau        REAL                     -- fair iff tau <= disparity <= 1/tau
);
CREATE INDEX audit_verdicts_window ON audit_verdicts (window_seq);
CREATE INDEX audit_verdicts_parity ON audit_verdicts (parity, group_key);

CREATE TRIGGER audit_log_explode_aequitas AFTER INSERT ON audit_log
WHEN NEW.kind = 'audit-window' AND json_type(NEW.payload) = 'object'
BEGIN
  INSERT INTO audit_references
  SELECT NEW.seq,
         json_extract(r.value, '$.grouping'),
         json_extract(r.value, '$.metric'),
         json_extract(r.value, '$.group')
  FROM json_each(NEW.payload, '$.references') AS r
  WHERE json_type(NEW.payload, '$.references') = 'array';
  INSERT INTO audit_verdicts
  SELECT NEW.seq,
         json_extract(v.value, '$.grouping'),
         json_extract(v.value, '$.group'),
         json_extract(v.value, '$.parity'),
         json_extract(v.value, '$.verdict'),
         CASE json_extract(v.value, '$.verdict')
           WHEN 'fair' THEN 1 WHEN 'unfair' THEN 0 END,
         json_extract(NEW.payload, '$.tau')
  FROM json_each(NEW.payload, '$.verdicts') AS v
  WHERE json_type(NEW.payload, '$.verdicts') = 'array';
END;

CREATE TRIGGER audit_references_no_update BEFORE UPDATE ON audit_references
BEGIN SELECT RAISE (ABORT, 'audit_references is append-only'); END;
CREATE TRIGGER audit_references_no_delete BEFORE DELETE ON audit_references
BEGIN SELECT RAISE (ABORT, 'audit_references is append-only'); END;
CREATE TRIGGER audit_verdicts_no_update BEFORE UPDATE ON audit_verdicts
BEGIN SELECT RAISE (ABORT, 'audit_verdicts is append-only'); END;
CREATE TRIGGER audit_verdicts_no_delete BEFORE DELETE ON audit_verdicts
BEGIN SELECT RAISE (ABORT, 'audit_verdicts is append-only'); END;

-- Each disparity with its reference group and the verdict of its parity
-- test (the ten single-metric parities), with the window's place in time.
CREATE VIEW audit_disparities AS
SELECT w.seq AS window_seq, w.created_at, w.run_id, w.element, w.class,
       w.window_index, w.start, w."end", w.partial, w.stream_time,
       f.grouping, f.group_key, f.metric, f.value, f.reason, f.lower,
       f.upper, r.group_key AS reference_group, v.verdict, v.tau
FROM audit_group_figures AS f
JOIN audit_windows AS w ON w.seq = f.window_seq
LEFT JOIN audit_references AS r
  ON r.window_seq = f.window_seq AND r.grouping = f.grouping
 AND r.metric = f.metric
LEFT JOIN audit_verdicts AS v
  ON v.window_seq = f.window_seq AND v.grouping = f.grouping
 AND v.group_key = f.group_key
 AND v.parity = CASE f.metric
       WHEN 'ppr_disparity' THEN 'Statistical Parity'
       WHEN 'pprev_disparity' THEN 'Impact Parity'
       WHEN 'precision_disparity' THEN 'Precision Parity'
       WHEN 'fdr_disparity' THEN 'FDR Parity'
       WHEN 'for_disparity' THEN 'FOR Parity'
       WHEN 'fpr_disparity' THEN 'FPR Parity'
       WHEN 'fnr_disparity' THEN 'FNR Parity'
       WHEN 'tpr_disparity' THEN 'TPR Parity'
       WHEN 'tnr_disparity' THEN 'TNR Parity'
       WHEN 'npv_disparity' THEN 'NPV Parity' END
WHERE f.metric LIKE '%\_disparity' ESCAPE '\';

-- The latest verdict of each parity per run, element, class, grouping and
-- group (NULL: the grouping as a whole): "is it fair now, by Aequitas?".
CREATE VIEW audit_latest_verdicts AS
SELECT window_seq, created_at, run_id, element, class, window_index,
       grouping, group_key, parity, verdict, fair, tau
FROM (SELECT v.*, w.created_at, w.run_id, w.element, w.class,
             w.window_index, row_number() OVER (
               PARTITION BY w.run_id, w.element, w.class, v.grouping,
                            v.group_key, v.parity
               ORDER BY v.window_seq DESC) AS rn
      FROM audit_verdicts AS v JOIN audit_windows AS w
        ON w.seq = v.window_seq)
WHERE rn = 1;
