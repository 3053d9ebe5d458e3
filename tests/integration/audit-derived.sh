#!/usr/bin/env bash
# The tables derived from the audit log (audit_windows, audit_groups,
# audit_group_figures, audit_between_figures, audit_references,
# audit_verdicts, audit_alerts) against forged rows (docs/audit.md,
# "Guarantees"): a real gst-launch-1.0 pipeline (tiny fixture model,
# lucidaudit with Fairlearn, AIF360 and Aequitas, an alert) logs its
# windows with lucidsink; then
#   - a plain INSERT of a forged figure is refused by the insert guards,
#     for an old window and for the newest log entry alike;
#   - with the guards (and the append-only triggers) dropped, a forged,
#     edited or deleted derived row is named by lucid-verify's derived
#     check (on by default), and passes only with --no-derived;
#   - `lucidctl verify` (when LUCIDCTL is given) gives the same verdict in
#     every case, with the same options.
#
# Usage (meson): audit-derived.sh LUCID-VERIFY [LUCIDCTL]
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
VERIFY=$1 CTL=${2:-}
base="$TMP/base.db" db="$TMP/t.db"
common="annotations=$DATA/talk-audit-missing-truth.csv positive-label=positive threshold=0.5 window=tumbling window-size=6 groupings=gender n-boot=20"

gst-launch-1.0 -m filesrc location="$DATA/talk.srt" ! subparse ! \
  lucidtextenc model="$LUCID_FIXTURES_DIR/tiny-bert" ! \
  lucidaudit name=fl $common alert="demographic_parity_ratio<1.01" ! \
  lucidaudit name=aif $common convention=aif360 privileged=gender=m unprivileged=gender=f ! \
  lucidaudit name=aeq $common convention=aequitas ! \
  lucidsink location="$base" run-label=derived \
  > "$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "pipeline failed"; finish; }

for t in audit_windows audit_groups audit_group_figures audit_between_figures \
         audit_references audit_verdicts audit_alerts; do
  expect_eq "$t has rows" "$(sql "$base" "SELECT count(*) > 0 FROM $t")" 1
done

# The cookbook's Aequitas variants (docs/audit.md) find the Aequitas rows.
expect_eq "cookbook, Aequitas: pprev_disparity per group" "$(sql "$base" "SELECT count(*) FROM audit_disparities
  WHERE metric = 'pprev_disparity' AND grouping = 'gender' AND element = 'aeq'")" \
  "$(sql "$base" "SELECT 2 * count(*) FROM audit_windows WHERE element = 'aeq'")"
expect_eq "cookbook, Aequitas: pprev per group" "$(sql "$base" "SELECT count(*) FROM audit_group_figures f
  JOIN audit_windows w ON w.seq = f.window_seq WHERE w.element = 'aeq' AND f.metric = 'pprev'")" \
  "$(sql "$base" "SELECT 2 * count(*) FROM audit_windows WHERE element = 'aeq'")"

# run WHAT WANT_RC REGEX [options]
# (and the same with lucidctl verify)
run() {
  local what=$1 want=$2 re=$3 rc=0 out; shift 3
  out=$(timeout 60 "$VERIFY" "$db" "$@" 2>&1) || rc=$?
  expect_eq "$what: exit" "$rc" "$want"
  expect_match "$what: says" "$out" "$re"
  [ -n "$CTL" ] || return 0
  rc=0; out=$(timeout 60 "$CTL" verify "$db" "$@" 2>&1) || rc=$?
  expect_eq "$what: lucidctl verify exit" "$rc" "$want"
  expect_match "$what: lucidctl verify says" "$out" "$re"
}
cp "$base" "$db"
total=$(sql "$db" "SELECT (SELECT count(*) FROM audit_windows) + (SELECT count(*) FROM audit_groups)
  + (SELECT count(*) FROM audit_group_figures) + (SELECT count(*) FROM audit_between_figures)
  + (SELECT count(*) FROM audit_references) + (SELECT count(*) FROM audit_verdicts)
  + (SELECT count(*) FROM audit_alerts)")
run "clean" 0 "derived: +$total rows of the audit figure tables match"
expect_eq "clean: json derived_checked" "$("$VERIFY" "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["derived_checked"], d["derived_rows"])')" "True $total"

# ---- the insert guards ----------------------------------------------------
W=$(sql "$db" "SELECT min(seq) FROM audit_windows WHERE element = 'fl'")
forge="INSERT INTO audit_between_figures (window_seq, grouping, metric, value, lower, upper, n_boot_valid)
       VALUES ($W, 'gender', 'demographic_parity_ratio', 0.1, 0.05, 0.2, 20)"
rc=0; out=$(sqlite3 -batch "$db" "$forge" 2>&1) || rc=$?
expect_eq "forged INSERT into an old window refused (sqlite3 exit != 0)" "$((rc != 0))" 1
expect_match "forged INSERT: message" "$out" "audit_between_figures is derived from the audit log"
L=$(sql "$db" "SELECT max(seq) FROM audit_log")
for t in audit_groups audit_group_figures audit_between_figures audit_references audit_verdicts; do
  rc=0; out=$(sqlite3 -batch "$db" "INSERT INTO $t (window_seq) VALUES ($L)" 2>&1) || rc=$?
  expect_eq "$t: INSERT for the newest entry (a $(sql "$db" "SELECT kind FROM audit_log WHERE seq = $L")) refused (sqlite3 exit != 0)" "$((rc != 0))" 1
done
for t in audit_windows audit_alerts; do
  S=$(sql "$db" "SELECT max(seq) FROM $t")
  rc=0; out=$(sqlite3 -batch "$db" "INSERT INTO $t (seq, created_at) SELECT seq, created_at FROM $t WHERE seq = $S" 2>&1) || rc=$?
  expect_eq "$t: second row for an entry refused (sqlite3 exit != 0)" "$((rc != 0))" 1
done
run "after refused inserts" 0 "audit log verified"

# ---- behind the triggers' back -------------------------------------------
fresh() {
  cp "$base" "$db"
  sql "$db" "$(sql "$db" "SELECT group_concat('DROP TRIGGER ' || name, '; ') FROM sqlite_schema
    WHERE type = 'trigger' AND (name LIKE '%insert_guard' OR name LIKE 'audit%no_update'
      OR name LIKE 'audit%no_delete') AND tbl_name != 'audit_log'")"
}
fresh
sql "$db" "$forge"
expect_eq "forged figure visible in the views" "$(sql "$db" "SELECT count(*) FROM audit_figures_over_time
  WHERE window_seq = $W AND metric = 'demographic_parity_ratio' AND upper = 0.2")" 1
R=$(sql "$db" "SELECT max(rowid) FROM audit_between_figures")
run "forged between-group figure" 1 "audit_between_figures row $R \(window_seq $W\)"
run "forged between-group figure, --no-derived" 0 "derived: +not checked" --no-derived
run "forged between-group figure, --derived" 1 "audit_between_figures row $R \(window_seq $W\)" --derived

fresh
R=$(sql "$db" "SELECT min(rowid) FROM audit_between_figures WHERE metric = 'demographic_parity_ratio'")
sql "$db" "UPDATE audit_between_figures SET upper = 0.2 WHERE rowid = $R"
run "edited between-group upper bound" 1 "audit_between_figures row $R \(window_seq [0-9]+\): upper is 0.2, the audit_log payload says"

fresh
R=$(sql "$db" "SELECT min(rowid) FROM audit_group_figures WHERE metric = 'selection_rate'")
sql "$db" "UPDATE audit_group_figures SET value = 0.5 WHERE rowid = $R"
run "edited per-group selection rate" 1 "audit_group_figures row $R \(window_seq [0-9]+\): value is 0.5"

fresh
R=$(sql "$db" "SELECT min(rowid) FROM audit_verdicts")
sql "$db" "UPDATE audit_verdicts SET verdict = 'fair', fair = 1 - coalesce(fair, 0) WHERE rowid = $R"
run "edited Aequitas verdict" 1 "audit_verdicts row $R "

fresh
R=$(sql "$db" "SELECT min(rowid) FROM audit_alerts")
sql "$db" "UPDATE audit_alerts SET value = -1 WHERE rowid = $R"
run "edited alert" 1 "audit_alerts row $R \(seq [0-9]+\): value is -1"

fresh
sql "$db" "DELETE FROM audit_groups WHERE rowid = (SELECT max(rowid) FROM audit_groups)"
run "deleted last group row" 1 "audit_groups lacks a row that audit_log entry [0-9]+ gives"

fresh
R=$(sql "$db" "SELECT min(rowid) FROM audit_windows")
sql "$db" "UPDATE audit_windows SET n_events = n_events + 1 WHERE rowid = $R"
run "edited window" 1 "audit_windows row $R \(seq [0-9]+\): n_events is"
finish
