#!/usr/bin/env bash
# Faults under lucidd: kill -9 of a worker mid-stream (restarted; the file
# passes integrity_check; each run's committed rows are a prefix of what
# the source produced), a pipeline that fails at start (backoff, the error
# recorded, 'failed' after restart_limit; the others unaffected), and a
# stalled pipeline (restarted by the stall detector). Restart limits per
# pipeline (a file's restart-limit header, the API's restart_limit, kept
# across a daemon restart) beside the daemon-wide one. Asserted with SQL;
# after the kill -9 and at the end the audit log's chain verifies
# (`lucidctl verify`).
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
srt="$TMP/long.srt"
make_srt "$srt" 3000
broken_desc="filesrc location=$srt ! subparse ! lucidtextenc model=$TMP/no-model ! lucidsink"
printf 'restart-limit = 2\n---\n%s\n' "$broken_desc" > "$PIPES/broken-file.pipeline"
write_conf "restart_limit = 3"
start_daemon
ctl create steady "$(paced_pipeline "$srt")" > /dev/null || fail "create steady"
ctl create victim "$(paced_pipeline "$srt" 5000)" > /dev/null || fail "create victim"
ctl create broken "$broken_desc" > /dev/null || fail "create broken"
ctl create broken-once "$broken_desc" --restart-limit=1 > /dev/null || fail "create broken-once"
ctl create broken-never "$broken_desc" --restart-limit=0 > /dev/null || fail "create broken-never"
rc=0; ctl create bad-limit "$broken_desc" --restart-limit=-2 2> "$TMP/limit.err" || rc=$?
expect_eq "a negative restart limit is refused" "$rc" 1
expect_match "restart limit refusal" "$(cat "$TMP/limit.err")" "restart_limit.*400"
ctl create stuck "videotestsrc is-live=true ! identity drop-probability=1.0 ! fakesink" --stall-timeout=2 > /dev/null || fail "create stuck"
wait_for 60 "victim writes rows" sql_true "SELECT count(*) > 20 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'victim'"

# kill -9 the victim's worker
pid=$(ctl status victim --json | sed -n 's/^ *"pid" : \([0-9]*\),$/\1/p')
expect_match "victim has a worker pid" "$pid" '^[0-9]+$'
kill -9 "$pid"
wait_for 30 "victim restarted" sql_true "SELECT count(*) = 2 FROM daemon_runs WHERE pipeline = 'victim'"
expect_eq "crash recorded" "$(q "SELECT outcome || ':' || exit_signal FROM daemon_runs WHERE pipeline = 'victim' ORDER BY id LIMIT 1")" "crashed:9"
expect_match "crash error text" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'victim' ORDER BY id LIMIT 1")" 'signal 9'
wait_for 30 "victim running again" state_is victim running
expect_eq "integrity after kill -9" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
out=$(ctl verify 2>&1) && rc=0 || rc=$?
expect_eq "audit chain verifies after kill -9 (lucidctl verify)" "$rc" 0
expect_match "lucidctl verify verdict" "$out" 'audit log verified'
# the log holds both runs' run-start entries, and no run-end for the
# killed one (the kill came before it)
expect_eq "every victim run starts in the audit log" \
  "$(q "SELECT count(*) FROM runs r WHERE r.label = 'victim' AND EXISTS (SELECT 1 FROM audit_log l WHERE l.run_id = r.id AND l.kind = 'run-start')")" 2
expect_eq "no run-end for the killed run" \
  "$(q "SELECT count(*) FROM audit_log WHERE kind = 'run-end' AND run_id = (SELECT min(id) FROM runs WHERE label = 'victim')")" 0
# each lucidsink run holds cues 0..n-1: no gap, no duplicate
expect_eq "committed rows are a prefix (per run)" \
  "$(q "SELECT count(*) FROM (SELECT count(*) AS n, count(DISTINCT pts) AS d, min(pts) AS lo, max(pts) AS hi FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'victim' GROUP BY run_id) WHERE n != d OR lo != 0 OR hi != (n - 1) * 1000000000")" 0

# the failing pipeline: backoff, its error, then 'failed'
wait_for 60 "broken gave up" state_is broken failed
expect_eq "broken: restart_limit + 1 attempts" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken'")" 4
expect_eq "broken: every run an error" "$(q "SELECT group_concat(DISTINCT outcome) FROM daemon_runs WHERE pipeline = 'broken'")" error
expect_match "broken: the element's error recorded" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'broken' LIMIT 1")" 'no-model'
expect_eq "broken: backoff events" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = 'broken' AND kind = 'backoff'")" 3
# the delay doubles from backoff_initial_ms (200 in write_conf): 200, 400, 800
expect_eq "broken: backoff delays double" "$(q "SELECT group_concat(replace(substr(message, instr(message, ' in ') + 4), ' ms', ''), ',') FROM (SELECT message FROM daemon_events WHERE pipeline = 'broken' AND kind = 'backoff' ORDER BY id)")" "200,400,800"
expect_match "broken: last error in status" "$(ctl status broken)" 'no-model'
# each pipeline with its own limit: exactly limit + 1 failed starts, then
# 'failed' for good; the daemon-wide limit (3) for those without one
wait_for 60 "broken-once gave up" state_is broken-once failed
wait_for 60 "broken-never gave up" state_is broken-never failed
wait_for 60 "broken-file gave up" state_is broken-file failed
expect_eq "broken-once (API limit 1): 2 attempts" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken-once'")" 2
expect_eq "broken-never (API limit 0): 1 attempt" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken-never'")" 1
expect_eq "broken-file (file limit 2): 3 attempts" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken-file'")" 3
expect_eq "broken-once: backoff events" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = 'broken-once' AND kind = 'backoff'")" 1
expect_eq "broken-once: the give-up names its limit" "$(q "SELECT message FROM daemon_events WHERE pipeline = 'broken-once' AND kind = 'failed'")" "gave up after 2 failed starts in a row (restart limit 1)"
expect_match "status shows each pipeline's limit" "$(ctl status broken-file --json)" '"restart_limit" : 2,'
expect_match "status shows the daemon's limit by default" "$(ctl status broken --json)" '"restart_limit" : 3,'
expect_match "status table LIMIT column" "$(ctl status broken-once)" 'broken-once +api +failed +[0-9]+ +1 '
expect_eq "API limits stored (NULL = the daemon's)" "$(q "SELECT group_concat(name || '=' || ifnull(restart_limit, 'default'), ',') FROM (SELECT * FROM daemon_pipelines WHERE name LIKE 'broken%' ORDER BY name)")" "broken=default,broken-never=0,broken-once=1"

# the stalled pipeline is restarted by the stall detector
wait_for 30 "stall detected" sql_true "SELECT count(*) >= 1 FROM daemon_events WHERE pipeline = 'stuck' AND kind = 'stall'"
wait_for 30 "stalled run recorded" sql_true "SELECT count(*) >= 1 FROM daemon_runs WHERE pipeline = 'stuck' AND outcome = 'stalled'"
ctl stop stuck > /dev/null

# SIGTERM on a worker alone drains it like lucidd's EOS: outcome 'eos',
# every row it sent is stored, its lucidsink run closed at EOS.
ctl create termed "$(paced_pipeline "$srt" 5000)" --restart=never > /dev/null || fail "create termed"
wait_for 60 "termed writes rows" sql_true "SELECT count(*) > 5 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'termed'"
tpid=$(ctl status termed --json | sed -n 's/^ *"pid" : \([0-9]*\),$/\1/p')
kill -TERM "$tpid"
wait_for 30 "termed worker drained and exited" sql_true "SELECT count(*) = 1 FROM daemon_runs WHERE pipeline = 'termed' AND ended_at IS NOT NULL"
expect_eq "termed: SIGTERM drains (outcome)" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'termed'")" eos
expect_eq "termed: rows sent = stored" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'termed'")" \
  "$(q "SELECT rows_sent FROM daemon_runs WHERE pipeline = 'termed'")"
expect_eq "termed: lucidsink run closed at EOS" "$(q "SELECT group_concat(status) FROM runs WHERE label = 'termed'")" eos

# A worker that does not exit after its EOS (here: stopped with SIGSTOP)
# is killed at drain_timeout + 2 s (22 s) and recorded as such, not only
# as "signal 9".
# Beside it, a worker whose EOS cannot reach its sink within drain_timeout
# (20 s: 160 cues queued before a 0.25 s-per-cue identity, 40 s) gives up
# its own drain (exit status 3) before lucidd's kill at 22 s (short sleeps:
# the worker's teardown waits for the one in progress): a stop that was
# asked for, so outcome 'stopped', with the worker's error text kept.
ctl create frozen "$(paced_pipeline "$srt" 5000)" > /dev/null || fail "create frozen"
ctl create sluggish "filesrc blocksize=64 location=$srt ! subparse ! queue max-size-buffers=160 max-size-bytes=0 max-size-time=0 ! identity sleep-time=250000 ! fakesink" > /dev/null || fail "create sluggish"
wait_for 60 "frozen writes rows" sql_true "SELECT count(*) > 5 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'frozen'"
sluggish_busy() { grep -Eq '"buffers" : [1-9]' <<<"$(ctl status sluggish --json)"; }
wait_for 30 "sluggish busy" sluggish_busy
fpid=$(ctl status frozen --json | sed -n 's/^ *"pid" : \([0-9]*\),$/\1/p')
kill -STOP "$fpid"
ctl stop frozen > /dev/null
ctl stop sluggish > /dev/null
wait_for 60 "frozen killed at the drain's bound" state_is frozen stopped
wait_for 30 "sluggish gave up its drain" state_is sluggish stopped
expect_eq "sluggish: a drain that timed out, as asked: outcome and status" "$(q "SELECT outcome || ':' || exit_status FROM daemon_runs WHERE pipeline = 'sluggish'")" "stopped:3"
expect_match "sluggish: the worker's error kept" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'sluggish'")" 'drain timed out'
expect_eq "sluggish: not restarted" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'sluggish'")" 1
ctl delete sluggish > /dev/null
expect_eq "frozen: outcome and signal" "$(q "SELECT outcome || ':' || exit_signal FROM daemon_runs WHERE pipeline = 'frozen'")" "stopped:9"
expect_match "frozen: the run says it was killed at the drain's bound" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'frozen'")" 'did not exit within drain_timeout \+ 2 s \(22 s\).*killed'
expect_match "frozen: an error event too" "$(q "SELECT message FROM daemon_events WHERE pipeline = 'frozen' AND kind = 'error'")" 'did not exit within drain_timeout'
ctl delete frozen > /dev/null

# stopped for good (stored as not enabled): see after the restart below
ctl stop broken > /dev/null || fail "stop broken"
# the steady pipeline never noticed
expect_eq "steady: one worker run" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'steady'")" 1
expect_eq "steady: still running" "$(state steady)" running
stop_daemon TERM
expect_eq "steady: rows sent = stored" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'steady'")" \
  "$(q "SELECT rows_sent FROM daemon_runs WHERE pipeline = 'steady'")"
expect_eq "integrity at the end" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
ctl verify > /dev/null 2>&1 && rc=0 || rc=$?
expect_eq "audit chain verifies at the end" "$rc" 0

# The API pipeline's own limit outlives the daemon: the next lucidd loads
# it, and broken-once gives up after 2 more attempts, not 4.
# 'broken' (stopped, so the next lucidd does not start it) shows what
# daemon_runs remembers: its restarts and its last run's end.
start_daemon
broken_status=$(ctl status broken --json)
expect_match "broken: stopped after the restart" "$broken_status" '"state" : "stopped",'
expect_match "broken: restarts from daemon_runs (attempt > 0)" "$broken_status" '"restarts" : 3,'
expect_match "broken: last outcome from daemon_runs" "$broken_status" '"last_outcome" : "error",'
expect_match "broken: last exit status from daemon_runs" "$broken_status" '"last_exit_status" : 1,'
expect_match "broken: last error from daemon_runs" "$broken_status" '"last_error" : ".*no-model'
expect_match "broken: restarts in the metrics too" "$(ctl metrics)" 'lucid_pipeline_restarts_total\{pipeline="broken"\} 3'
expect_match "restart limit reloaded from SQLite" "$(ctl status broken-once --json)" '"restart_limit" : 1,'
wait_for 60 "broken-once gave up again" sh -c "[ \"\$(\"$LUCIDCTL\" --config \"$CONF\" query \"SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken-once'\")\" = 4 ]"
wait_for 30 "broken-once failed after the restart" state_is broken-once failed
expect_eq "broken-once: no attempt beyond its limit" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'broken-once'")" 4
stop_daemon TERM
finish
