#!/usr/bin/env bash
# `lucidctl run` instances do not outlive their use: an interrupted
# lucidctl (SIGINT) stops and deletes its instance, whose max_pipelines
# slot is then free (here max_pipelines = 3: two file pipelines and one
# run); a lucidctl killed with -9 loses its lease and lucidd
# reclaims the instance; a run that ended is deleted after run_reclaim_s
# unless it was started with keep. Asserted with SQL and lucidctl list.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
long="$TMP/long.srt"
make_srt "$long" 2000
short="$TMP/short.srt"
make_srt "$short" 3
cat > "$PIPES/slow-file.pipeline" <<'P'
enabled = false
restart = never
input = src
---
filesrc name=src ! subparse ! identity sleep-time=50000 ! lucidtextenc model=${model} ! lucidsink commit-interval=50
P
# A file pipeline without an input element (so `run` on it is a 400), over
# a 10 s WAV file: its status gives TIME position, duration and progress.
python3 -c "
import wave
w = wave.open('$TMP/tone.wav', 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b'\\x00\\x10' * 80000); w.close()"
cat > "$PIPES/wave.pipeline" <<'P'
enabled = false
restart = never
---
filesrc location=${tmp}/tone.wav ! wavparse ! identity sleep-time=200000 ! fakesink
P
write_conf "max_pipelines = 3" "run_reclaim_s = 2"
start_daemon
run_name() { "$LUCIDCTL" --config "$CONF" list | awk '$1 ~ /^slow-file\.run-/ { print $1 }'; }
run_state() { "$LUCIDCTL" --config "$CONF" list | awk '$1 ~ /^slow-file\.run-/ { print $3 }'; }
run_running() { [ "$(run_state)" = running ]; }
no_run_listed() { [ -z "$(run_name)" ]; }

# 1. SIGINT: lucidctl stops and deletes its instance before it exits
"$LUCIDCTL" --config "$CONF" run "$long" --pipeline slow-file > "$TMP/a.out" 2> "$TMP/a.err" &
client=$!
wait_for 60 "run A is running" run_running
name_a=$(run_name)
wait_for 60 "run A writes rows" sql_true "SELECT count(*) > 3 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = '$name_a'"
# the slot is really taken: a second run is refused while A runs
rc=0; ctl run "$short" --pipeline slow-file > /dev/null 2> "$TMP/full.err" || rc=$?
expect_eq "a second run is refused at max_pipelines" "$rc" 1
expect_match "the refusal names max_pipelines" "$(cat "$TMP/full.err")" 'max_pipelines'
kill -INT "$client"
rc=0; wait "$client" || rc=$?
expect_eq "interrupted lucidctl run exits 128+SIGINT" "$rc" 130
expect_match "lucidctl says what it does" "$(cat "$TMP/a.err")" "interrupted: stopping and deleting $name_a"
expect_eq "the instance is gone when lucidctl exits" "$(run_name)" ""
expect_eq "A: drained (outcome)" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = '$name_a'")" stopped
expect_eq "A: rows sent = stored" \
  "$(q "SELECT rows_sent FROM daemon_runs WHERE pipeline = '$name_a'")" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = '$name_a'")"
expect_eq "A: deleted" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = '$name_a' AND kind = 'delete'")" 1
ctl run "$short" --pipeline slow-file > "$TMP/b.out" 2> "$TMP/b.err" || { cat "$TMP/b.err" >&2; fail "the run after the interrupted one"; }
expect_match "the next run gets the freed slot" "$(cat "$TMP/b.out")" 'done, 3 rows written'

# 2. the client is killed (-9): no one renews the lease, lucidd reclaims
"$LUCIDCTL" --config "$CONF" run "$long" --pipeline slow-file --lease=2 > /dev/null 2>&1 &
client=$!
wait_for 60 "run C is running" run_running
name_c=$(run_name)
kill -9 "$client"
wait "$client" 2> /dev/null || true
wait_for 60 "run C reclaimed after its lease" no_run_listed
expect_match "C: reclaim recorded" "$(q "SELECT message FROM daemon_events WHERE pipeline = '$name_c' AND kind = 'reclaim'")" 'no client asked about this run for 2 s'
expect_eq "C: drained, not killed" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = '$name_c'")" stopped
ctl run "$short" --pipeline slow-file > /dev/null 2>&1 || fail "a run after the reclaimed one"

# 3. runs started through the API without lucidctl: an ended run nobody
# deletes is reclaimed after run_reclaim_s; with keep it stays
post_run() { curl -s --unix-socket "$SOCK" -X POST "http://lucidd/v1/pipelines/slow-file/run" -d "$1" | sed -n 's/^ *"name" : "\(.*\)",$/\1/p'; }
name_d=$(post_run "{\"input\": \"$short\"}")
expect_match "D started through the API" "$name_d" '^slow-file\.run-'
wait_for 60 "D ended and was reclaimed" sql_true "SELECT count(*) = 1 FROM daemon_events WHERE pipeline = '$name_d' AND kind = 'delete'"
expect_match "D: reclaim recorded" "$(q "SELECT message FROM daemon_events WHERE pipeline = '$name_d' AND kind = 'reclaim'")" 'the run ended finished'
expect_eq "D: its rows stay" "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = '$name_d'")" 3
name_e=$(post_run "{\"input\": \"$short\", \"keep\": true}")
wait_for 60 "E finished" state_is "$name_e" finished
sleep 4 # two reclaim windows: an unkept run would be gone by now
expect_eq "E (keep) still listed" "$(state "$name_e")" finished
expect_eq "E: no reclaim" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = '$name_e' AND kind = 'reclaim'")" 0
ctl delete "$name_e" > /dev/null || fail "delete E"

# 4. `run` on a pipeline that names no input element: a bad request (400),
# whatever lucidd's state
rc=$(curl -s -o "$TMP/noinput" -w '%{http_code}' --unix-socket "$SOCK" -X POST "http://lucidd/v1/pipelines/wave/run" -d "{\"input\": \"$TMP/tone.wav\"}")
expect_eq "run on a pipeline without an input element" "$rc" 400
expect_match "... says why" "$(cat "$TMP/noinput")" "names no input element"

# 5. a file pipeline's status: TIME position and duration (the WAV file's
# 10 s), progress = position / duration, the LATENCY query's minimum
ctl start wave > /dev/null || fail "start wave"
wave_mid() { ctl status wave --json | python3 -c '
import json, sys
s = json.load(sys.stdin); s = s[0] if isinstance(s, list) else s
pos, dur = s["position_ns"], s["duration_ns"]
sys.exit(0 if s["state"] == "running" and s["buffers"] >= 3 and pos and dur and 0 < pos < dur else 1)'; }
wait_for 30 "wave: running with a position" wave_mid
ctl status wave --json > "$TMP/wave.json"
wave_field() { python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s = s[0] if isinstance(s, list) else s; print(s[sys.argv[2]])' "$TMP/wave.json" "$1"; }
expect_eq "wave: duration_ns of a 10 s WAV file" "$(wave_field duration_ns)" 10000000000
expect_match "wave: position_ns inside the file" "$(wave_field position_ns)" '^[1-9][0-9]{8,9}$'
expect_eq "wave: progress = position / duration" \
  "$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s = s[0] if isinstance(s, list) else s; print(abs(s["progress"] - s["position_ns"] / s["duration_ns"]) < 1e-6)' "$TMP/wave.json")" True
expect_match "wave: latency_ns answered" "$(wave_field latency_ns)" '^[0-9]+$'
wait_for 30 "wave finished" state_is wave finished
expect_eq "wave: progress 1 once finished" "$(ctl status wave --json | python3 -c 'import json, sys; s = json.load(sys.stdin); s = s[0] if isinstance(s, list) else s; print(s["progress"])')" 1.0

stop_daemon TERM
expect_eq "integrity at the end" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
finish
