#!/usr/bin/env bash
# lucidd and the audit: a lucidaudit pipeline whose alert fires, run by
# lucidd; its lucid-audit-alert bus messages reach `lucidctl messages`, the
# Prometheus metrics and daemon_events, and their counts equal the alerts
# and windows stored (SQL). `lucidctl verify` over the daemon's database:
# found through the configuration or through the socket, --json, an
# --expect-root kept from an earlier verification, and a tampered copy
# (triggers dropped with the sqlite3 shell, one row edited) that fails
# naming the row; a copy whose derived audit_windows table was edited
# fails the derived check (on by default, --derived) and passes with
# --no-derived, lucid-verify's options. The shipped pipelines/vision-testsrc.pipeline runs with
# the fixture ViT (and pipelines/talk-audit.pipeline when the real model is
# installed). The allowlist checks lucidaudit's annotations path.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
models=${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}
write_conf
cp "$LUCID_SOURCE_ROOT/pipelines/vision-testsrc.pipeline" "$PIPES/"
echo "vision_model = $LUCID_FIXTURES_DIR/tiny-vit" >> "$CONF"
real=0
if [ -f "$models/all-MiniLM-L6-v2/model.safetensors" ]; then
  real=1
  cp "$LUCID_SOURCE_ROOT/pipelines/talk-audit.pipeline" "$PIPES/"
  printf 'data_dir = %s\nmodels_dir = %s\n' "$DATA" "$models" >> "$CONF"
else
  echo "note: real all-MiniLM-L6-v2 not installed; pipelines/talk-audit.pipeline not run"
fi
start_daemon

# An audit pipeline through the API, tiny fixture model, 5-cue tumbling
# windows; the rule holds in every window where gender=f has events.
ctl create audit "filesrc location=$DATA/talk.srt ! subparse ! lucidtextenc model=$MODEL ! lucidaudit annotations=$DATA/talk-audit.csv positive-label=positive window=tumbling window-size=5 groupings=gender n-boot=20 seed=7 alert=\"selection_rate[gender=f]>=0\" ! lucidsink" \
  --restart=never > /dev/null || fail "create audit"
wait_for 60 "audit pipeline finished" state_is audit finished
alerts=$(q "SELECT count(*) FROM audit_alerts JOIN runs ON runs.id = audit_alerts.run_id WHERE runs.label = 'audit'")
windows=$(q "SELECT count(*) FROM audit_windows JOIN runs ON runs.id = audit_windows.run_id WHERE runs.label = 'audit'")
expect_eq "alerts stored (one per window with gender=f)" "$alerts" 3
expect_eq "windows stored" "$windows" 3
msgs=$(ctl messages audit)
expect_eq "lucid-audit-alert messages in lucidctl messages" "$(printf '%s\n' "$msgs" | grep -c '"kind" : "lucid-audit-alert"')" "$alerts"
expect_match "an alert message names its rule and group" "$(printf '%s\n' "$msgs" | grep '"text" : "lucid-audit-alert' | head -1)" \
  'metric=\(string\)selection_rate, grouping=\(string\)gender, .*group=\(string\).*gender.*new=\(boolean\)true'
expect_eq "lucid-audit window messages" "$(printf '%s\n' "$msgs" | grep -c '"kind" : "lucid-audit"')" "$windows"
metrics=$(ctl metrics)
expect_eq "metrics: lucid_pipeline_audit_alerts_total" \
  "$(printf '%s\n' "$metrics" | sed -n 's/^lucid_pipeline_audit_alerts_total{pipeline="audit"} //p')" "$alerts"
expect_eq "metrics: lucid_pipeline_audit_windows_total" \
  "$(printf '%s\n' "$metrics" | sed -n 's/^lucid_pipeline_audit_windows_total{pipeline="audit"} //p')" "$windows"
expect_eq "status: alerts" "$(ctl status audit --json | sed -n 's/^ *"alerts" : \([0-9]*\),$/\1/p')" "$alerts"
expect_eq "daemon_events: one 'alert' row per alert" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = 'audit' AND kind = 'alert'")" "$alerts"

# The shipped vision pipeline, with the fixture ViT: 30 frames, 30 rows.
wait_for 60 "vision-testsrc finished" state_is vision-testsrc finished
expect_eq "vision rows" "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'vision-testsrc'")" 30
expect_eq "vision rows carry the fixture's labels" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'vision-testsrc' AND results.label IN ('cat', 'dog', 'car')")" 30
expect_eq "vision embeddings stored" \
  "$(q "SELECT count(DISTINCT e.result_id) FROM embeddings e JOIN results x ON x.id = e.result_id JOIN runs r ON r.id = x.run_id WHERE r.label = 'vision-testsrc' AND e.dim = 32")" 30
if [ "$real" = 1 ]; then
  wait_for 60 "talk-audit finished" state_is talk-audit finished
  n=$(q "SELECT count(*) FROM audit_alerts JOIN runs ON runs.id = audit_alerts.run_id WHERE runs.label = 'talk-audit'")
  expect_match "talk-audit raised alerts" "$n" '^[1-9][0-9]*$'
  expect_eq "talk-audit: metrics count its alerts" \
    "$(ctl metrics | sed -n 's/^lucid_pipeline_audit_alerts_total{pipeline="talk-audit"} //p')" "$n"
fi

# The allowlist: an annotations file outside allowed_paths is refused.
out=$(ctl create snoop "filesrc location=$DATA/talk.srt ! subparse ! lucidtextenc model=$MODEL ! lucidaudit annotations=/etc/passwd positive-label=positive ! fakesink" 2>&1) && rc=0 || rc=$?
expect_eq "annotations outside allowed_paths: refused" "$rc" 1
expect_match "refusal names the property" "$out" 'annotations=/etc/passwd is outside'

# lucidctl verify: the daemon's database, through the configuration.
out=$(ctl verify 2>&1) && rc=0 || rc=$?
expect_eq "lucidctl verify (configuration's database)" "$rc" 0
expect_match "verdict names the database" "$out" "^$DB: audit log verified"
expect_match "entries counted" "$out" 'entries: +[1-9][0-9]* \('
# ... and through the socket alone (GET /v1/status names the database).
json=$("$LUCIDCTL" --socket "$SOCK" verify --json) && rc=0 || rc=$?
expect_eq "lucidctl --socket verify --json" "$rc" 0
expect_match "JSON: database" "$json" "\"database\" : \"$DB\""
expect_match "JSON: ok" "$json" '"ok" : true'
expect_match "JSON: triggers intact" "$json" '"triggers_intact" : true'
root=$(printf '%s\n' "$json" | sed -n 's/^ *"root" : "\([0-9a-f]*\)",$/\1/p')
size=$(printf '%s\n' "$json" | sed -n 's/^ *"tree_size" : \([0-9]*\),$/\1/p')
expect_match "JSON: root" "$root" '^[0-9a-f]{64}$'
expect_eq "JSON: tree size = audit_log rows" "$size" "$(q 'SELECT count(*) FROM audit_log')"

# The log grows (another run); the kept root still matches its prefix.
ctl restart audit > /dev/null || fail "restart audit"
wait_for 60 "audit ran again" sql_true "SELECT count(*) = 2 FROM runs WHERE label = 'audit' AND ended_at IS NOT NULL"
json=$(ctl verify --json --expect-root "$root") && rc=0 || rc=$?
expect_eq "verify --expect-root (grown log)" "$rc" 0
expect_match "expect_root_size = the earlier tree size" "$json" "\"expect_root_size\" : $size,"
zero=$(printf '0%.0s' $(seq 1 64))
out=$(ctl verify --expect-root "$zero" 2>&1) && rc=0 || rc=$?
expect_eq "verify with a root the log never had" "$rc" 1
expect_match "named as such" "$out" 'no prefix .* has the expected root'

# A tampered copy: the append-only triggers dropped with the sqlite3 shell,
# one row's created_at (a hashed column) edited.
sqlite3 "$DB" ".backup '$TMP/tampered.db'"
S=$(sqlite3 "$TMP/tampered.db" "SELECT min(seq) FROM audit_log WHERE kind = 'audit-alert'")
sqlite3 "$TMP/tampered.db" "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
  UPDATE audit_log SET created_at = '2000-01-01T00:00:00.000Z' WHERE seq = $S"
out=$(ctl verify "$TMP/tampered.db" 2>&1) && rc=0 || rc=$?
expect_eq "tampered copy: exit 1" "$rc" 1
expect_match "tampered copy: the row is named" "$out" "^lucidctl verify: $TMP/tampered.db: audit log row $S: "
json=$(ctl verify "$TMP/tampered.db" --json) && rc=0 || rc=$?
expect_eq "tampered copy --json: exit 1" "$rc" 1
expect_match "JSON: bad_seq" "$json" "\"bad_seq\" : $S,"
expect_match "JSON: triggers gone" "$json" '"triggers_intact" : false'
# A copy with a derived table edited behind its triggers' back (the log
# itself untouched): the derived check names the row; --no-derived skips it.
sqlite3 "$DB" ".backup '$TMP/derived.db'"
sqlite3 "$TMP/derived.db" "$(sqlite3 "$TMP/derived.db" "SELECT group_concat('DROP TRIGGER ' || name, '; ')
  FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_windows'")"
R=$(sqlite3 "$TMP/derived.db" "SELECT min(rowid) FROM audit_windows")
sqlite3 "$TMP/derived.db" "UPDATE audit_windows SET n_events = n_events + 1 WHERE rowid = $R"
for opt in "" --derived; do
  out=$(ctl verify "$TMP/derived.db" $opt 2>&1) && rc=0 || rc=$?
  expect_eq "edited audit_windows ${opt:-(default)}: exit 1" "$rc" 1
  expect_match "edited audit_windows ${opt:-(default)}: the row is named" "$out" \
    "^lucidctl verify: $TMP/derived.db: .*audit_windows row $R \(seq [0-9]+\): n_events is"
done
out=$(ctl verify "$TMP/derived.db" --no-derived 2>&1) && rc=0 || rc=$?
expect_eq "edited audit_windows --no-derived: exit 0" "$rc" 0
expect_match "edited audit_windows --no-derived: derived not checked" "$out" 'derived: +not checked \(--no-derived\)'
json=$(ctl verify "$TMP/derived.db" --no-derived --json) && rc=0 || rc=$?
expect_eq "edited audit_windows --no-derived --json: exit 0" "$rc" 0
expect_match "JSON: derived_checked false" "$json" '"derived_checked" : false'
out=$(ctl verify "$TMP/derived.db" --derived --no-derived 2>&1) && rc=0 || rc=$?
expect_eq "--derived --no-derived: exit 2" "$rc" 2
expect_match "--derived --no-derived: says so" "$out" 'contradict each other'
out=$(ctl status --no-derived 2>&1) && rc=0 || rc=$?
expect_eq "--no-derived outside verify: exit 2" "$rc" 2
expect_match "--no-derived outside verify: says why" "$out" 'are options of verify'
# Cannot check: not a database, a missing file, an unreadable one.
printf 'not a database' > "$TMP/junk.db"
out=$(ctl verify "$TMP/junk.db" 2>&1) && rc=0 || rc=$?
expect_eq "not a database: exit 2" "$rc" 2
expect_match "not a database: named" "$out" "$TMP/junk.db"
out=$(ctl verify "$TMP/missing.db" 2>&1) && rc=0 || rc=$?
expect_eq "missing file: exit 2" "$rc" 2
expect_match "missing file: named" "$out" "$TMP/missing.db: No such file"
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  cp "$DB" "$TMP/private.db" && chmod 600 "$TMP/private.db"
  out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$LUCIDCTL" verify "$TMP/private.db" 2>&1) && rc=0 || rc=$?
  expect_eq "unreadable database: exit 2" "$rc" 2
  expect_match "unreadable database: says why" "$out" 'Permission denied \(run lucidctl verify as'
fi
stop_daemon TERM
out=$(ctl verify 2>&1) && rc=0 || rc=$?
expect_eq "verify after shutdown (no daemon needed)" "$rc" 0
finish
