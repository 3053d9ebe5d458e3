#!/usr/bin/env bash
# Events without ground truth through a real gst-launch-1.0 pipeline: the
# tiny fixture model scores talk.srt's 12 cues (threshold 0.5), the
# annotations tests/data/talk-audit-missing-truth.csv give 4 of them no
# truth (gender=m;age=old none at all), and three lucidaudit instances in
# the default missing-truth=prediction-only mode — Fairlearn, AIF360
# (privileged gender=m) and Aequitas — each close one 12-event window that
# lucidsink logs.  SQL then checks every figure against the goldens of
# tools/make_missing_truth_goldens.py --talk / --talk-aequitas: Fairlearn,
# AIF360 and Aequitas run on all 12 rows for the prediction-only figures and
# on the 8 rows with truth for the others, to 1e-9, NULL exactly where the
# reference is NaN; and the per-group counts of both kinds.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
db="$TMP/missing.db"
model="$LUCID_FIXTURES_DIR/tiny-bert"
srt="$DATA/talk.srt"
ann="$DATA/talk-audit-missing-truth.csv"
goldens="$LUCID_FIXTURES_DIR/goldens"
common="annotations=$ann positive-label=positive threshold=0.5 window=tumbling window-size=12 groupings=gender,age+gender"

gst-launch-1.0 -m filesrc location="$srt" ! subparse ! \
  lucidtextenc model="$model" ! \
  lucidaudit name=fl $common ! \
  lucidaudit name=aif $common convention=aif360 privileged=gender=m unprivileged=gender=f ! \
  lucidaudit name=aeq $common convention=aequitas ! \
  lucidsink location="$db" run-label=missing-truth \
  > "$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "pipeline failed"; finish; }

# The goldens were computed from these predictions: the pipeline must still
# give them (else the comparison below would be meaningless).
sqlite3 -batch "$db" <<SQL
CREATE TABLE want_pred (stream_time INTEGER, label TEXT, score REAL, predicted INTEGER);
.mode csv
.import --skip 4 $DATA/talk-audit-predictions.csv want_pred
SQL
expect_eq "predictions = tests/data/talk-audit-predictions.csv" "$(sql "$db" "SELECT count(*) FROM results r JOIN want_pred p
  ON p.stream_time = r.stream_time AND p.label = r.label AND abs(p.score - r.score) < 1e-6
  AND (r.score >= 0.5) = (p.predicted = 1)")" 12

expect_eq "one full window per element" "$(sql "$db" "SELECT group_concat(element || ':' || n_events || ':' || partial || ':' || n_no_truth, ' ')
  FROM (SELECT * FROM audit_windows ORDER BY element)")" "aeq:12:0:0 aif:12:0:0 fl:12:0:0"

# Per-group counts: the events with truth in n, tp, fp, tn, fn; the others
# in n_no_truth, pp_no_truth, pn_no_truth (recomputed from the annotations
# and the predictions, independently of lucidaudit).
sqlite3 -batch "$db" <<SQL
CREATE TABLE ann (start REAL, "end" REAL, truth TEXT, gender TEXT, age TEXT);
.mode csv
.import --skip 1 $ann ann
.mode list
CREATE TABLE ref AS
  SELECT a.gender, a.age, nullif(a.truth, '') AS truth, p.predicted AS p
  FROM ann a JOIN want_pred p ON p.stream_time = CAST(a.start * 1e9 AS INTEGER);
SQL
expect_eq "rows without truth" "$(sql "$db" "SELECT count(*) FROM ref WHERE truth IS NULL")" 4
count_diff() {
  sql "$db" "SELECT count(*) FROM (
    SELECT g.group_key, g.n, g.tp, g.fp, g.tn, g.fn, g.n_no_truth, g.pp_no_truth, g.pn_no_truth
    FROM audit_groups g JOIN audit_windows w ON w.seq = g.window_seq
    WHERE g.grouping = '$1' AND w.element = 'fl'
    EXCEPT
    SELECT $2, count(truth), total(truth = 'positive' AND p), total(truth <> 'positive' AND p),
           total(truth <> 'positive' AND NOT p), total(truth = 'positive' AND NOT p),
           count(*) - count(truth), total(truth IS NULL AND p), total(truth IS NULL AND NOT p)
    FROM ref GROUP BY $2)"
}
expect_eq "gender counts = recomputed" "$(count_diff gender "'gender=' || gender")" 0
expect_eq "age;gender counts = recomputed" "$(count_diff 'age;gender' "'age=' || age || ';gender=' || gender")" 0
expect_eq "groups per element" "$(sql "$db" "SELECT count(*) FROM audit_groups g JOIN audit_windows w ON w.seq = g.window_seq WHERE w.element = 'fl'")" 6
expect_eq "a group without any truth" "$(sql "$db" "SELECT g.n || ':' || g.n_no_truth FROM audit_groups g JOIN audit_windows w ON w.seq = g.window_seq
  WHERE w.element = 'fl' AND g.group_key = 'age=old;gender=m'")" "0:3"
expect_eq "selection rate from the stored counts" "$(sql "$db" "SELECT count(*) FROM audit_groups g
  JOIN audit_group_figures f ON f.window_seq = g.window_seq AND f.group_key = g.group_key AND f.metric = 'selection_rate'
  WHERE abs((g.tp + g.fp + g.pp_no_truth) / (g.tp + g.fp + g.tn + g.fn + g.pp_no_truth + g.pn_no_truth) - f.value) <= 1e-12")" 12

# Every golden figure, per element, grouping, group and metric.
sqlite3 -batch "$db" <<SQL
CREATE TABLE golden AS
  SELECT json_extract(f.value, '\$.element') AS element,
         json_extract(f.value, '\$.grouping') AS grouping,
         json_extract(f.value, '\$.group') AS group_key,
         json_extract(f.value, '\$.metric') AS metric,
         json_extract(f.value, '\$.value') AS value
  FROM json_each(readfile('$goldens/audit-missing-truth-talk.json'), '\$.figures') f
  UNION ALL
  SELECT json_extract(f.value, '\$.element'), json_extract(f.value, '\$.grouping'),
         json_extract(f.value, '\$.group'), json_extract(f.value, '\$.metric'),
         json_extract(f.value, '\$.value')
  FROM json_each(readfile('$goldens/audit-missing-truth-talk-aequitas.json'), '\$.figures') f;
CREATE TABLE got AS
  SELECT w.element, f.grouping, f.group_key, f.metric, f.value, f.reason
  FROM audit_windows w JOIN audit_group_figures f ON f.window_seq = w.seq
  UNION ALL
  SELECT w.element, f.grouping, NULL, f.metric, f.value, f.reason
  FROM audit_windows w JOIN audit_between_figures f ON f.window_seq = w.seq;
SQL
n_golden=$(sql "$db" "SELECT count(*) FROM golden")
expect_eq "golden figures present" "$(sql "$db" "SELECT count(*) > 250 FROM golden")" 1
expect_eq "golden NaN cases present" "$(sql "$db" "SELECT count(*) >= 20 FROM golden WHERE value IS NULL")" 1
match="SELECT count(*) FROM golden g JOIN got r ON r.element = g.element AND r.grouping = g.grouping
  AND r.group_key IS g.group_key AND r.metric = g.metric"
expect_eq "every golden figure reported" "$(sql "$db" "$match")" "$n_golden"
expect_eq "figures = Fairlearn / AIF360 / Aequitas (1e-9, NaN = NULL, inf = NULL + divide-by-zero)" \
  "$(sql "$db" "$match WHERE (typeof(g.value) IN ('real', 'integer') AND r.value IS NOT NULL AND abs(r.value - g.value) <= 1e-9)
     OR (g.value IS NULL AND r.value IS NULL AND r.reason NOT IN ('ok', 'zero-by-convention'))
     OR (g.value IN ('inf', '-inf') AND r.value IS NULL AND r.reason = 'divide-by-zero')")" "$n_golden"
for e in fl aif aeq; do
  expect_eq "$e: golden figures compared" "$(sql "$db" "SELECT count(*) > 20 FROM golden WHERE element = '$e'")" 1
done
# Aequitas' reference groups (each from its own run) and Fairness'
# determinations (tau 0.8), per group and per grouping: exactly Aequitas'.
aeq="$goldens/audit-missing-truth-talk-aequitas.json"
refs_want=$(sql "$db" "SELECT group_concat(x, ' ') FROM (SELECT json_extract(r.value, '\$.grouping') || '/' || json_extract(r.value, '\$.metric') || '=' || json_extract(r.value, '\$.group') AS x
  FROM json_each(readfile('$aeq'), '\$.references') r ORDER BY x)")
refs_got=$(sql "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.grouping || '/' || r.metric || '=' || r.group_key AS x
  FROM audit_references r JOIN audit_windows w ON w.seq = r.window_seq WHERE w.element = 'aeq' ORDER BY x)")
expect_eq "Aequitas references (20)" "$(sql "$db" "SELECT json_array_length(readfile('$aeq'), '\$.references')")" 20
expect_eq "Aequitas references = Aequitas'" "$refs_got" "$refs_want"
verdicts_want=$(sql "$db" "SELECT group_concat(x, ' ') FROM (SELECT json_extract(v.value, '\$.grouping') || '/' || ifnull(json_extract(v.value, '\$.group'), '*') || '/' || json_extract(v.value, '\$.parity') || '=' || json_extract(v.value, '\$.verdict') AS x
  FROM json_each(readfile('$aeq'), '\$.verdicts') v ORDER BY x)")
verdicts_got=$(sql "$db" "SELECT group_concat(x, ' ') FROM (SELECT v.grouping || '/' || ifnull(v.group_key, '*') || '/' || v.parity || '=' || v.verdict AS x
  FROM audit_verdicts v JOIN audit_windows w ON w.seq = v.window_seq WHERE w.element = 'aeq' ORDER BY x)")
expect_eq "Aequitas determinations (120)" "$(sql "$db" "SELECT json_array_length(readfile('$aeq'), '\$.verdicts')")" 120
expect_eq "Aequitas determinations = Aequitas'" "$verdicts_got" "$verdicts_want"
expect_eq "undefined truth-based verdicts of the group without truth" "$(sql "$db" "SELECT group_concat(DISTINCT verdict) FROM audit_verdicts
  WHERE group_key = 'age=old;gender=m' AND parity NOT IN ('Statistical Parity', 'Impact Parity', 'Unsupervised Fairness')")" undefined
expect_eq "truth-based figures of a group without truth: NULL, no-truth" \
  "$(sql "$db" "SELECT group_concat(DISTINCT reason) FROM got WHERE element = 'fl' AND group_key = 'age=old;gender=m' AND metric <> 'selection_rate'")" "no-truth"
expect_eq "its selection rate is a number (2 of its 3 events selected)" \
  "$(sql "$db" "SELECT round(value, 6) FROM got WHERE element = 'fl' AND group_key = 'age=old;gender=m' AND metric = 'selection_rate'")" 0.666667
expect_eq "integrity" "$(sql "$db" 'PRAGMA integrity_check')" ok
finish
