#!/usr/bin/env bash
# lucidd's lifecycle: API pipelines persist across a daemon restart (with
# their stopped/started state), SIGHUP reloads the pipeline files and
# starts/stops/restarts only what changed, SIGTERM drains every pipeline
# (EOS) so that every row sent to a lucidsink is committed, and lucidd
# exits 0. Asserted with SQL.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
srt="$TMP/long.srt"
make_srt "$srt" 3000
label_rows() { q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = '$1'"; }
runs_of() { q "SELECT count(*) FROM daemon_runs WHERE pipeline = '$1'"; }

file_pipeline() { # NAME BODY
  printf 'restart = on-failure\n---\n%s\n' "$2" > "$PIPES/$1.pipeline"
}
file_pipeline keep "$(paced_pipeline "$srt")"
file_pipeline change "$(paced_pipeline "$srt")"
file_pipeline remove "$(paced_pipeline "$srt")"
file_pipeline halt "$(paced_pipeline "$srt")"
write_conf
start_daemon
ctl create api-on "$(paced_pipeline "$srt")" > /dev/null || fail "create api-on"
ctl create api-off "$(paced_pipeline "$srt")" --no-start > /dev/null || fail "create api-off"
for p in keep change remove halt api-on; do
  wait_for 60 "$p writes rows" sql_true "SELECT count(*) > 3 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = '$p'"
done
expect_eq "api-off not started" "$(state api-off)" stopped

# A second lucidd on the same configuration exits non-zero before it
# touches anything: the live daemon's runs are not marked crashed, no
# event is recorded, the first daemon keeps serving.
open_runs=$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'running'")
events=$(q "SELECT count(*) FROM daemon_events")
rc=0; "$LUCIDD" --config "$CONF" > "$TMP/second.log" 2>&1 || rc=$?
expect_eq "second lucidd exit status" "$rc" 1
expect_match "second lucidd says why" "$(cat "$TMP/second.log")" 'lucidd.lock: another lucidd runs on this state directory'
expect_eq "the live daemon's runs still running" "$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'running'")" "$open_runs"
expect_eq "none marked crashed" "$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'crashed'")" 0
expect_eq "no event from the second lucidd" "$(q "SELECT count(*) FROM daemon_events")" "$events"
expect_match "the first lucidd still answers" "$(ctl status)" 'api-on +api +running'

# SIGHUP: one file unchanged, one changed, one removed, one added, and a
# broken one that is reported and skipped.
# A file pipeline stopped through the API stays stopped when its file did
# not change (the client's wanted state is not part of the definition).
ctl stop halt > /dev/null || fail "stop halt"
wait_for 30 "halt stopped through the API" state_is halt stopped
file_pipeline change "$(paced_pipeline "$srt" 10000)"
rm "$PIPES/remove.pipeline"
file_pipeline add "$(paced_pipeline "$srt")"
printf 'restart = sometimes\n---\nfakesrc ! fakesink\n' > "$PIPES/broken.pipeline"
# a file named like an API pipeline: ignored, and recorded as an error
file_pipeline api-on "$(paced_pipeline "$srt")"
# a second file naming the running 'keep' pipeline, sorted before its
# file: the running definition stays, the newcomer is reported
printf 'name = keep\n---\n%s\n' "$(paced_pipeline "$srt" 7000)" > "$PIPES/a-twin.pipeline"
kill -HUP "$LUCIDD_PID"
wait_for 30 "added pipeline runs" state_is add running
wait_for 30 "removed pipeline gone" sh -c "! \"$LUCIDCTL\" --config \"$CONF\" status remove"
wait_for 30 "changed pipeline restarted" sql_true "SELECT count(*) = 2 FROM daemon_runs WHERE pipeline = 'change'"
expect_eq "unchanged pipeline kept its worker" "$(runs_of keep)" 1
expect_eq "a file naming a running pipeline does not replace it" "$(ctl status keep --json | grep -c 'sleep-time=7000')" 0
expect_match "the name clash is an error event naming both files" \
  "$(q "SELECT message FROM daemon_events WHERE pipeline = 'keep' AND kind = 'error'")" \
  "a-twin\.pipeline also names pipeline 'keep', which runs from $PIPES/keep\.pipeline: it is ignored"
expect_eq "API pipeline untouched by reload" "$(runs_of api-on)" 1
expect_eq "stopped file pipeline stays stopped over SIGHUP" "$(state halt)" stopped
expect_eq "stopped file pipeline not restarted by SIGHUP" "$(runs_of halt)" 1
expect_eq "removed pipeline drained" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'remove'")" stopped
expect_match "name clash recorded as an error event" "$(q "SELECT message FROM daemon_events WHERE pipeline = 'api-on' AND kind = 'error'")" 'uses the name of an api pipeline; file ignored'
expect_match "broken file reported with file:line" "$(grep broken.pipeline "$TMP/lucidd.log")" 'broken.pipeline:1: restart must be'
expect_match "reload recorded" "$(q "SELECT group_concat(message, ',') FROM daemon_events WHERE kind = 'reload'")" 'file changed.*file removed|file removed.*file changed'

# An API pipeline that reached the end of its file (restart = never)
# stays finished: stored as not enabled, not run again by a restart.
ctl create once "filesrc location=$DATA/talk.srt ! subparse ! lucidtextenc model=$MODEL ! lucidsink" --restart=never > /dev/null || fail "create once"
wait_for 60 "once finished" state_is once finished
once_rows=$(label_rows once)
expect_match "once wrote its rows" "$once_rows" '^[1-9][0-9]*$'
expect_eq "a finished API pipeline is stored as not enabled" "$(q "SELECT enabled FROM daemon_pipelines WHERE name = 'once'")" 0

# SIGTERM mid-stream: every pipeline gets EOS, every row sent is stored.
sleep 1
stop_daemon TERM
expect_eq "no run left open" "$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'running'")" 0
expect_eq "every run drained" "$(q "SELECT count(*) FROM daemon_runs WHERE ended_at IS NOT NULL AND outcome NOT IN ('stopped') AND pipeline != 'once'")" 0
for p in keep change add api-on; do
  sent=$(q "SELECT sum(rows_sent) FROM daemon_runs WHERE pipeline = '$p'")
  stored=$(label_rows "$p")
  expect_eq "$p: rows sent ($sent) = rows stored" "$stored" "$sent"
  expect_match "$p: was mid-stream" "$stored" '^[1-9][0-9]*$'
done
expect_eq "drained before the end of the file" "$(q "SELECT count(*) FROM daemon_runs WHERE rows_sent >= 3000")" 0
expect_eq "lucidsink runs closed at EOS" "$(q "SELECT count(*) FROM runs WHERE status != 'eos'")" 0
expect_eq "integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok

# Restart: API pipelines come back from SQLite with their wanted state.
# At start nothing runs 'keep' yet, so neither of the two files naming
# it is used (file name order does not decide), and an error says so.
start_daemon
expect_eq "a name two files claim at start: not started" "$(ctl status keep > /dev/null 2>&1 && echo listed || echo absent)" absent
expect_match "... an error event naming both files" \
  "$(q "SELECT message FROM daemon_events WHERE pipeline = 'keep' AND kind = 'error' ORDER BY id DESC LIMIT 1")" \
  "the files $PIPES/a-twin\.pipeline, $PIPES/keep\.pipeline name the same pipeline 'keep': none of them is used"
expect_match "api-on back" "$(ctl status api-on)" 'api-on +api +running'
expect_match "api-off back, still stopped" "$(ctl status api-off)" 'api-off +api +stopped'
wait_for 60 "api-on writes again" sql_true "SELECT count(*) = 2 FROM runs WHERE label = 'api-on'"
expect_eq "the finished pipeline did not run again after the restart" "$(runs_of once):$(label_rows once)" "1:$once_rows"
expect_match "... and is listed stopped" "$(ctl status once)" 'once +api +stopped'
# A request during the drain starts nothing (503) and cannot hold the
# daemon up: api-off stays stopped and lucidd still exits 0. 'slow' keeps
# the drain going for a few seconds (EOS queues behind 3-5 cues of 1 s).
ctl create slow "filesrc blocksize=64 location=$srt ! subparse ! queue max-size-buffers=3 ! identity sleep-time=1000000 ! fakesink" > /dev/null || fail "create slow"
slow_busy() { grep -Eq '"buffers" : [1-9]' <<<"$(ctl status slow --json)"; }
wait_for 30 "slow pipeline busy" slow_busy
kill -INT "$LUCIDD_PID"
sleep 0.3
start_out=$(ctl start api-off 2>&1) && fail "start during the drain was accepted: $start_out"
expect_match "start during the drain refused" "$start_out" 'shutting down'
run_out=$(ctl create late "$(paced_pipeline "$srt")" 2>&1) && fail "create during the drain was accepted: $run_out"
expect_match "create during the drain refused" "$run_out" 'shutting down'
alive() { local s; s=$(ps -o stat= -p "$1" 2> /dev/null) && [ "${s#Z}" = "$s" ]; }
for _ in $(seq 1 300); do alive "$LUCIDD_PID" || break; sleep 0.1; done
if alive "$LUCIDD_PID"; then fail "lucidd still running 30 s after SIGINT"; kill -9 "$LUCIDD_PID"; fi
rc=0; wait "$LUCIDD_PID" || rc=$?
expect_eq "lucidd exit status after SIGINT with requests during the drain" "$rc" 0
LUCIDD_PID=
expect_eq "api-off never started during the drain" "$(runs_of api-off)" 0
expect_eq "integrity after SIGINT" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
expect_eq "rows sent = stored over both daemons" "$(label_rows api-on)" "$(q "SELECT sum(rows_sent) FROM daemon_runs WHERE pipeline = 'api-on'")"
finish
