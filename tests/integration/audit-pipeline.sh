#!/usr/bin/env bash
# lucidaudit in a real gst-launch-1.0 text pipeline: the tiny fixture model
# scores each subtitle cue (top-1 'positive' for all 12, with scores
# 0.42-0.62, so threshold=0.5 makes the predictions vary: 8 positive, 4
# negative), tests/data/talk-audit.csv gives each cue's
# ground truth and groups by stream time, lucidaudit audits 5-cue tumbling
# windows and lucidsink logs them; SQL then recomputes every count and
# figure from the stored predictions and the annotations, independently of
# lucidaudit, and checks the alert on the bus and in the store.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
db="$TMP/audit.db"
model="$LUCID_FIXTURES_DIR/tiny-bert"
srt="$DATA/talk.srt"
ann="$DATA/talk-audit.csv"

gst-launch-1.0 -m filesrc location="$srt" ! subparse ! \
  lucidtextenc model="$model" ! \
  lucidaudit annotations="$ann" positive-label=positive threshold=0.5 window=tumbling \
    window-size=5 groupings=gender,gender+age n-boot=50 seed=7 \
    alert="selection_rate[gender=f]>=0, demographic_parity_ratio<0.6" ! \
  lucidsink location="$db" run-label=audit \
  > "$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "audit pipeline failed"; finish; }

# The bus: one lucid-audit message per window, alerts among them.
expect_eq "lucid-audit messages" "$(grep -c 'element "lucidaudit0" (element): lucid-audit,' "$TMP/run.log")" 3
expect_match "lucid-audit-alert on the bus" "$(grep 'lucid-audit-alert,' "$TMP/run.log" | head -1)" \
  'lucid-audit-alert, rule=\(string\)"selection_rate.*metric=\(string\)selection_rate, grouping=\(string\)gender.*new=\(boolean\)true'

# The annotations and the stored predictions, joined by stream time: the
# reference the audit tables must equal.
sqlite3 -batch "$db" <<SQL
CREATE TABLE ann (start REAL, "end" REAL, truth TEXT, gender TEXT, age TEXT);
.mode csv
.import --skip 1 $ann ann
.mode list
CREATE TABLE ref AS
  SELECT (row_number() OVER (ORDER BY r.pts) - 1) / 5 AS w,
         a.gender, a.age, a.truth = 'positive' AS y,
         r.label = 'positive' AND r.score >= 0.5 AS p
  FROM results r JOIN ann a
    ON r.stream_time >= CAST(a.start * 1e9 AS INTEGER)
   AND r.stream_time < CAST(a."end" * 1e9 AS INTEGER);
SQL
expect_eq "every cue annotated" "$(sql "$db" 'SELECT count(*) FROM ref')" 12

expect_eq "windows" "$(sql "$db" 'SELECT group_concat(window_index || ":" || n_events || ":" || partial, " ") FROM (SELECT * FROM audit_windows ORDER BY seq)')" \
  "0:5:0 1:5:0 2:2:1"
expect_eq "window bounds in events" "$(sql "$db" 'SELECT group_concat(start || "-" || "end", " ") FROM (SELECT * FROM audit_windows ORDER BY seq)')" \
  "0-5 5-10 10-15"
expect_eq "closing buffers' stream time" "$(sql "$db" 'SELECT group_concat(ifnull(stream_time, "eos"), " ") FROM (SELECT * FROM audit_windows ORDER BY seq)')" \
  "15000000000 35000000000 eos"

# Counts per window and group equal the recomputation, for one attribute
# and for the intersection.
count_diff() {
  sql "$db" "SELECT count(*) FROM (
    SELECT w.window_index AS wi, g.group_key, g.n, g.tp, g.fp, g.tn, g.fn
    FROM audit_groups g JOIN audit_windows w ON w.seq = g.window_seq
    WHERE g.grouping = '$1'
    EXCEPT
    SELECT w, $2, count(*), sum(y AND p), sum(NOT y AND p), sum(NOT y AND NOT p), sum(y AND NOT p)
    FROM ref GROUP BY w, $2)"
}
expect_eq "gender counts = recomputed" "$(count_diff gender "'gender=' || gender")" 0
expect_eq "age;gender counts = recomputed" "$(count_diff 'age;gender' "'age=' || age || ';gender=' || gender")" 0
expect_eq "groups per window" "$(sql "$db" "SELECT count(*) FROM audit_groups WHERE grouping = 'gender'")" 6

# Figures: selection rate per group and the demographic parity difference
# and ratio (Fairlearn between_groups) recomputed from the counts, 1e-9.
expect_eq "selection rates" "$(sql "$db" "SELECT count(*) FROM audit_group_figures f JOIN audit_windows w ON w.seq = f.window_seq
  JOIN (SELECT w AS wi, 'gender=' || gender AS k, avg(p) AS sr FROM ref GROUP BY w, gender) r
    ON r.wi = w.window_index AND r.k = f.group_key
  WHERE f.metric = 'selection_rate' AND f.grouping = 'gender' AND abs(f.value - r.sr) <= 1e-9")" 6
expect_eq "demographic parity difference" "$(sql "$db" "SELECT count(*) FROM audit_between_figures f JOIN audit_windows w ON w.seq = f.window_seq
  JOIN (SELECT wi, max(sr) - min(sr) AS d, min(sr) / max(sr) AS q FROM
          (SELECT w AS wi, avg(p) AS sr FROM ref GROUP BY w, gender) GROUP BY wi) r ON r.wi = w.window_index
  WHERE f.grouping = 'gender' AND f.metric = 'demographic_parity_difference' AND abs(f.value - r.d) <= 1e-9")" 3
# Demographic parity ratio (min / max, NaN when max = 0) per grouping and
# window, recomputed; and the second alert rule (ratio < 0.6) fires in
# exactly the windows and groupings where the recomputed ratio is below
# 0.6, and in no other.
sqlite3 -batch "$db" <<SQL
CREATE TABLE dp AS
  SELECT 'gender' AS grouping, wi, max(sr) - min(sr) AS d,
         CASE WHEN max(sr) > 0 THEN min(sr) / max(sr) END AS q
  FROM (SELECT w AS wi, avg(p) AS sr FROM ref GROUP BY w, gender) GROUP BY wi
  UNION ALL
  SELECT 'age;gender', wi, max(sr) - min(sr),
         CASE WHEN max(sr) > 0 THEN min(sr) / max(sr) END
  FROM (SELECT w AS wi, avg(p) AS sr FROM ref GROUP BY w, gender, age) GROUP BY wi;
SQL
expect_eq "predictions vary (threshold 0.5)" "$(sql "$db" "SELECT sum(p) || '/' || count(*) FROM ref")" "8/12"
expect_eq "DP difference and ratio = recomputed, both groupings" "$(sql "$db" "SELECT count(*) FROM audit_between_figures f
  JOIN audit_windows w ON w.seq = f.window_seq
  JOIN dp ON dp.grouping = f.grouping AND dp.wi = w.window_index
  WHERE (f.metric = 'demographic_parity_difference' AND abs(f.value - dp.d) <= 1e-9)
     OR (f.metric = 'demographic_parity_ratio' AND abs(f.value - dp.q) <= 1e-9)")" 12
expect_eq "the data crosses the rule both ways" "$(sql "$db" "SELECT (SELECT count(*) > 0 FROM dp WHERE q < 0.6) AND (SELECT count(*) > 0 FROM dp WHERE q >= 0.6)")" 1
expect_eq "ratio alerts = windows where SQL says ratio < 0.6" \
  "$(sql "$db" "SELECT group_concat(grouping || '@' || window_index, ' ') FROM (SELECT grouping, window_index FROM audit_breaches WHERE metric = 'demographic_parity_ratio' ORDER BY grouping, window_index)")" \
  "$(sql "$db" "SELECT group_concat(grouping || '@' || wi, ' ') FROM (SELECT grouping, wi FROM dp WHERE q < 0.6 ORDER BY grouping, wi)")"
expect_eq "ratio alerts on the bus" "$(grep -c 'lucid-audit-alert, rule=(string)\"demographic_parity_ratio' "$TMP/run.log")" \
  "$(sql "$db" "SELECT count(*) FROM dp WHERE q < 0.6")"
expect_eq "NaN stored as NULL with a reason" "$(sql "$db" "SELECT count(*) FROM audit_group_figures WHERE (value IS NULL) != (reason NOT IN ('ok', 'zero-by-convention'))")" 0
expect_eq "NaN is JSON null, never a missing key" "$(sql "$db" "SELECT count(*) FROM audit_log l, json_each(l.payload, '\$.figures') f
  WHERE l.kind = 'audit-window' AND (json_type(f.value, '\$.value') IS NULL OR json_type(f.value, '\$.lower') IS NULL)")" 0
expect_eq "NULL figures are JSON null in the log" "$(sql "$db" "SELECT count(*) > 0 FROM audit_log l, json_each(l.payload, '\$.figures') f
  WHERE l.kind = 'audit-window' AND json_type(f.value, '\$.value') = 'null'")" 1
# Basic bootstrap intervals need not contain the figure (docs/audit.md);
# what the method guarantees: ordered, inside Fairlearn's [0, 1].
expect_eq "bootstrap intervals ordered, in [0, 1]" "$(sql "$db" "SELECT count(*) FROM audit_between_figures WHERE n_boot_valid > 0 AND NOT (0 <= lower AND lower <= upper AND upper <= 1)")" 0
expect_eq "every between figure has an interval" "$(sql "$db" "SELECT count(*) FROM audit_between_figures WHERE value IS NOT NULL AND lower IS NULL")" 0

# Alerts: every window where gender=f has events breaches the first rule;
# only the first of a run of breaches is new.
expect_eq "breaches of rule 1" "$(sql "$db" "SELECT count(*) FROM audit_breaches WHERE metric = 'selection_rate'")" \
  "$(sql "$db" "SELECT count(DISTINCT w) FROM ref WHERE gender = 'f'")"
expect_eq "new breaches of rule 1" "$(sql "$db" "SELECT count(*) FROM audit_breaches WHERE metric = 'selection_rate' AND is_new")" 1
expect_eq "breaches link to their window" "$(sql "$db" "SELECT count(*) FROM audit_breaches WHERE element IS NULL")" 0

# The views.
expect_eq "latest figure per metric and group" "$(sql "$db" "SELECT window_index FROM audit_latest_figures WHERE metric = 'selection_rate' AND group_key = 'gender=f'")" 2
expect_eq "figure over time" "$(sql "$db" "SELECT count(*) FROM audit_figures_over_time WHERE metric = 'demographic_parity_difference' AND grouping = 'gender'")" 3

# Everything came through the tamper-evident log, and nothing can be edited.
expect_eq "log entries" "$(sql "$db" "SELECT count(*) FROM audit_log WHERE kind = 'audit-window'")" 3
expect_eq "alert entries = breaches" "$(sql "$db" "SELECT count(*) FROM audit_log WHERE kind = 'audit-alert'")" \
  "$(sql "$db" "SELECT count(*) FROM audit_alerts")"
if sqlite3 "$db" "UPDATE audit_between_figures SET value = 0" 2>/dev/null; then
  fail "an audit figure could be edited"
else
  ok "audit figures refuse UPDATE"
fi
if sqlite3 "$db" "DELETE FROM audit_alerts" 2>/dev/null; then
  fail "an alert could be deleted"
else
  ok "alerts refuse DELETE"
fi
expect_eq "integrity" "$(sql "$db" 'PRAGMA integrity_check')" ok

# The figures are tamper-evident: the log verifies, and a window's figure
# edited in its log entry (behind the append-only trigger's back) is caught
# by lucid-verify, naming the entry.
VERIFY="$LUCID_BUILD_ROOT/core/lucid-verify"
if [ -x "$VERIFY" ]; then
  out=$("$VERIFY" "$db" 2>&1) && rc=0 || rc=$?
  expect_eq "lucid-verify on the audit database" "$rc" 0
  expect_match "lucid-verify verdict" "$out" 'audit log verified'
  sqlite3 "$db" ".backup '$TMP/tampered.db'"
  S=$(sql "$db" "SELECT min(seq) FROM audit_log WHERE kind = 'audit-window'")
  sql "$TMP/tampered.db" "DROP TRIGGER audit_log_no_update;
    UPDATE audit_log SET payload = json_set(payload, '\$.figures[0].value', 0.99) WHERE seq = $S"
  out=$("$VERIFY" "$TMP/tampered.db" 2>&1) && rc=0 || rc=$?
  expect_eq "lucid-verify on an edited figure" "$rc" 1
  expect_match "lucid-verify names the edited window" "$out" "audit log row $S: "
else
  fail "lucid-verify not built at $VERIFY"
fi

# A signed audit log from gst-launch-1.0: lucidsink's audit-signing-key
# (a key pair from lucid-audit-keygen) signs every checkpoint, one every
# 4 entries (audit-checkpoint-entries); lucid-verify against the public key
# passes, and an edit behind the triggers' back is caught, as is a check
# against another key.
KEYGEN="$LUCID_BUILD_ROOT/core/lucid-audit-keygen"
if [ -x "$VERIFY" ] && [ -x "$KEYGEN" ]; then
  "$KEYGEN" "$TMP/audit.key" > /dev/null
  "$KEYGEN" "$TMP/other.key" > /dev/null
  sdb="$TMP/signed.db"
  gst-launch-1.0 filesrc location="$srt" ! subparse ! \
    lucidtextenc model="$model" ! \
    lucidaudit annotations="$ann" positive-label=positive window=tumbling \
      window-size=2 groupings=gender ! \
    lucidsink location="$sdb" audit-signing-key="$TMP/audit.key" \
      audit-checkpoint-entries=4 \
    > "$TMP/signed.log" 2>&1 || { cat "$TMP/signed.log"; fail "signed pipeline failed"; }
  expect_eq "signed: every checkpoint signed" \
    "$(sql "$sdb" "SELECT count(*) FROM audit_checkpoints WHERE NOT signed")" 0
  # run-start, model, 6 windows, run-end: more than 8 entries, so at least
  # two interval checkpoints, never more than 4 entries + itself apart.
  expect_eq "signed: interval checkpoints" \
    "$(sql "$sdb" "SELECT count(*) > 1 FROM audit_checkpoints WHERE reason = 'interval'")" 1
  expect_eq "signed: gaps between interval checkpoints" \
    "$(sql "$sdb" "SELECT count(*) FROM (SELECT tree_size - lag(tree_size) OVER (ORDER BY seq) AS d
      FROM audit_checkpoints) WHERE d > 5")" 0
  out=$("$VERIFY" "$sdb" --public-key "$TMP/audit.key.pub" 2>&1) && rc=0 || rc=$?
  expect_eq "signed: lucid-verify --public-key" "$rc" 0
  expect_match "signed: verdict" "$out" 'audit log verified'
  out=$("$VERIFY" "$sdb" --public-key "$TMP/other.key.pub" 2>&1) && rc=0 || rc=$?
  expect_eq "signed: lucid-verify with another key" "$rc" 1
  sqlite3 "$sdb" ".backup '$TMP/signed-tampered.db'"
  S=$(sql "$sdb" "SELECT max(seq) FROM audit_log WHERE kind = 'audit-window'")
  sql "$TMP/signed-tampered.db" "DROP TRIGGER audit_log_no_update;
    UPDATE audit_log SET payload = json_set(payload, '\$.n_events', 3) WHERE seq = $S"
  out=$("$VERIFY" "$TMP/signed-tampered.db" --public-key "$TMP/audit.key.pub" 2>&1) && rc=0 || rc=$?
  expect_eq "signed: lucid-verify on an edited window" "$rc" 1
  expect_match "signed: names the edited row" "$out" "audit log row $S: "
  # A key file that others can read is refused, naming the file.
  cp "$TMP/audit.key" "$TMP/open.key"; chmod 644 "$TMP/open.key"
  if gst-launch-1.0 fakesrc num-buffers=1 ! \
      lucidsink location="$TMP/open.db" audit-signing-key="$TMP/open.key" \
      > "$TMP/open.log" 2>&1; then
    fail "a group/other-readable signing key was accepted"
  fi
  expect_match "open key named" "$(cat "$TMP/open.log")" "ERROR.*open.key.*chmod 600"
else
  fail "lucid-verify or lucid-audit-keygen not built"
fi

# Malformed annotations: named with file:line; fatal stops the pipeline.
printf 'start,end,truth,gender\n1,3.5,positive,f\n9,4,negative,m\n' > "$TMP/bad.csv"
if gst-launch-1.0 filesrc location="$srt" ! subparse ! lucidtextenc model="$model" ! \
    lucidaudit annotations="$TMP/bad.csv" malformed=fatal positive-label=positive ! fakesink \
    > "$TMP/bad.log" 2>&1; then
  fail "malformed=fatal did not fail"
fi
expect_match "fatal names file:line" "$(cat "$TMP/bad.log")" 'bad.csv:3: end 4 is not after start 9'
gst-launch-1.0 filesrc location="$srt" ! subparse ! lucidtextenc model="$model" ! \
  lucidaudit annotations="$TMP/bad.csv" positive-label=positive ! fakesink \
  > "$TMP/skip.log" 2>&1 || fail "malformed=skip failed"
expect_match "skip warns with file:line" "$(cat "$TMP/skip.log")" 'WARNING.*bad.csv:3: end 4 is not after start 9'
finish
