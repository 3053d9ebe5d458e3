-- NNN_audit_views_streams.sql — the figure views by stream.
--
-- audit_windows has said which stream each window belongs to (stream_id,
-- stream) since the verdicts/streams migration, but the views written
-- before it did not: audit_figures_over_time had no stream columns, and
-- audit_latest_figures / audit_latest_verdicts picked one "latest" row per
-- run, element, class, grouping, group and metric — so with several
-- streams audited by one element (or by same-named elements in different
-- bins) in one run, the latest figure of one stream hid the other's.  The
-- three views are recreated with stream_id and stream as columns and in
-- the partitions, and audit_disparities gains the two columns.  No table changes; rows are untouched.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

DROP VIEW audit_latest_figures;
DROP VIEW audit_figures_over_time;
DROP VIEW audit_latest_verdicts;
DROP VIEW audit_disparities;

-- Every figure of every window, per-group and between-group together, with
-- the window's place in time and its stream: "figure over time" (filter on
-- metric, grouping, group_key, stream; order by window_seq).
CREATE VIEW audit_figures_over_time AS
SELECT w.seq AS window_seq, w.created_at, w.run_id, w.element, w.convention,
       w.class, w.window_index, w.start, w."end", w.unit, w.partial,
       w.stream_time, f.grouping, f.group_key, f.metric, f.value, f.reason,
       f.lower, f.upper, w.stream_id, w.stream
FROM audit_windows AS w
JOIN (SELECT window_seq, grouping, group_key, metric, value, reason, lower,
             upper FROM audit_group_figures
      UNION ALL
      SELECT window_seq, grouping, NULL, metric, value, reason, lower, upper
      FROM audit_between_figures) AS f ON f.window_seq = w.seq;

-- The latest value of each figure: per run, element, stream (id and
-- name), class, grouping, group (NULL: between groups) and metric, the row
-- of the newest window.  Windows logged before streams were recorded
-- (NULL stream_id and stream) share one partition, as before.
CREATE VIEW audit_latest_figures AS
SELECT window_seq, created_at, run_id, element, convention, class,
       window_index, start, "end", partial, grouping, group_key, metric,
       value, reason, lower, upper, stream_id, stream
FROM (SELECT t.*, row_number() OVER (
        PARTITION BY run_id, element, stream_id, stream, class, grouping,
                     group_key, metric
        ORDER BY window_seq DESC) AS rn
      FROM audit_figures_over_time AS t)
WHERE rn = 1;

-- The latest verdict of each parity per run, element, stream, class,
-- grouping and group (NULL: the grouping as a whole).
CREATE VIEW audit_latest_verdicts AS
SELECT window_seq, created_at, run_id, element, class, window_index,
       grouping, group_key, parity, verdict, fair, tau, stream_id, stream
FROM (SELECT v.*, w.created_at, w.run_id, w.element, w.class,
             w.window_index, w.stream_id, w.stream, row_number() OVER (
               PARTITION BY w.run_id, w.element, w.stream_id, w.stream,
                            w.class, v.grouping, v.group_key, v.parity
               ORDER BY v.window_seq DESC) AS rn
      FROM audit_verdicts AS v JOIN audit_windows AS w
        ON w.seq = v.window_seq)
WHERE rn = 1;

-- Each Aequitas disparity with its reference group, verdict and stream.
CREATE VIEW audit_disparities AS
SELECT w.seq AS window_seq, w.created_at, w.run_id, w.element, w.class,
       w.window_index, w.start, w."end", w.partial, w.stream_time,
       f.grouping, f.group_key, f.metric, f.value, f.reason, f.lower,
       f.upper, r.group_key AS reference_group, v.verdict, v.tau, w.stream_id,
       w.stream
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
