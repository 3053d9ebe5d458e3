-- 004_aequitas_verdicts.sql — Aequitas' reference groups and fairness
-- determinations of each audit window (lucidaudit convention=aequitas),
-- derived from the tamper-evident audit log like the tables of the audit
-- figures migration (docs/audit.md, "Audit figures in SQLite").
--
-- The window payload (kind 'audit-window') carries, for the Aequitas
-- convention, `tau`, `references` (one object per grouping and disparity
-- metric: grouping, metric, group) and `verdicts` (one object per group
-- and parity, then per grouping and parity: grouping, group (absent for the
-- grouping as a whole), parity, verdict = fair | unfair | undefined).  A
-- second AFTER INSERT trigger explodes them in the same transaction; the
-- tables of the earlier migration and their trigger are left as they are.
-- Windows of other conventions have neither member and add no rows here.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

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
