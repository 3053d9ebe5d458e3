#!/usr/bin/env bash
# lucidd's control API through lucidctl and curl: create/start/stop/delete,
# status and messages, `lucidctl run` with a file name that holds '!', the
# allowlist, malformed and oversized requests, read-only queries, and the
# socket's refusal of other users. Asserted with SQL.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
srt="$TMP/long.srt"
make_srt "$srt" 400
cat > "$PIPES/talk-file.pipeline" <<'P'
# lucidctl run FILE --pipeline talk-file
enabled = false
restart = never
input = src
---
filesrc name=src ! subparse ! lucidtextenc model=${model} ! lucidsink
P
write_conf "max_connections = 8" "request_timeout = 3"
start_daemon

# create (started), status, messages
ctl create api-one "$(paced_pipeline "$srt")" > "$TMP/create.out" || fail "create api-one"
expect_match "create prints a status table" "$(cat "$TMP/create.out")" 'api-one +api +running'
wait_for 60 "api-one writes rows" sql_true "SELECT count(*) > 5 FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'api-one'"
rows_reported() { grep -Eq '"rows_sent" : [1-9]' <<<"$(ctl status api-one --json)"; }
wait_for 10 "status --json reports rows sent" rows_reported
# filesrc ! subparse answers no TIME duration: progress comes from the
# source's BYTES position/duration, strictly between 0 and 1 mid-stream.
mid_progress() { grep -Eq '"progress" : 0\.[0-9]*[1-9]' <<<"$(ctl status api-one --json)"; }
wait_for 10 "status --json reports progress for a text file source" mid_progress
expect_match "status table" "$(ctl status)" 'api-one +api +running'
expect_eq "stored pipeline" "$(q "SELECT restart || ':' || enabled FROM daemon_pipelines WHERE name = 'api-one'")" "on-failure:1"
expect_match "list shows the file pipeline" "$(ctl list)" 'talk-file +file +stopped'
# a duplicate name is a conflict
rc=0; ctl create api-one "$(paced_pipeline "$srt")" 2> "$TMP/dup.err" || rc=$?
expect_eq "duplicate create exit status" "$rc" 1
expect_match "duplicate create message" "$(cat "$TMP/dup.err")" 'exists.*409'

# stop: drained (EOS), every row sent was committed
ctl stop api-one > /dev/null
wait_for 30 "api-one stopped" state_is api-one stopped
expect_eq "stopped run outcome" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'api-one' ORDER BY id DESC LIMIT 1")" stopped
expect_eq "rows sent = rows stored after stop" \
  "$(q "SELECT rows_sent FROM daemon_runs WHERE pipeline = 'api-one' ORDER BY id DESC LIMIT 1")" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'api-one'")"
expect_eq "lucidsink closed its run at EOS" "$(q "SELECT group_concat(DISTINCT status) FROM runs WHERE label = 'api-one'")" eos
rows_written_status() { sed -n 's/^ *"rows_written" : \([0-9]*\),$/\1/p' <<<"$(ctl status api-one --json)"; }
expect_eq "status rows_written (running counter) = rows stored" "$(rows_written_status)" \
  "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'api-one'")"
expect_eq "stop persisted" "$(q "SELECT enabled FROM daemon_pipelines WHERE name = 'api-one'")" 0
expect_match "messages include the EOS" "$(ctl messages api-one)" '"kind" : "eos"'
ctl start api-one > /dev/null
wait_for 30 "api-one running again" state_is api-one running
metric_rows() { sed -n 's/^lucid_pipeline_rows_written{pipeline="api-one"} \([0-9]*\)$/\1/p' <<<"$(ctl metrics)"; }
expect_match "metrics rows_written counts on from the first run" "$(metric_rows)" '^[1-9][0-9]*$'
expect_eq "two worker runs" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'api-one'")" 2
# start while a stop drains: a restart once the drain is over, never lost.
# 'slow' drains for a few seconds (EOS queues behind 3-5 cues of 1 s).
ctl create slow "filesrc blocksize=64 location=$srt ! subparse ! queue max-size-buffers=3 ! identity sleep-time=1000000 ! fakesink" > /dev/null || fail "create slow"
slow_busy() { grep -Eq '"buffers" : [1-9]' <<<"$(ctl status slow --json)"; }
wait_for 30 "slow pipeline busy" slow_busy
# while it runs, fps is measured ...
fps_of() { sed -n 's/^ *"fps" : \([0-9.e+-]*\),$/\1/p' <<<"$(ctl status "$1" --json)"; }
fps_positive() { awk -v f="$(fps_of slow)" 'BEGIN { exit !(f > 0) }'; }
wait_for 30 "slow reports fps > 0" fps_positive
ctl stop slow > /dev/null
expect_eq "slow is draining" "$(state slow)" draining
ctl start slow > /dev/null
wait_for 60 "start during the drain: running again after it" sql_true "SELECT count(*) = 2 FROM daemon_runs WHERE pipeline = 'slow'"
wait_for 30 "slow running" state_is slow running
expect_eq "the drained run was stopped" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'slow' ORDER BY id LIMIT 1")" stopped
expect_eq "start during the drain persisted" "$(q "SELECT enabled FROM daemon_pipelines WHERE name = 'slow'")" 1
# ... and once the worker is gone, fps is 0 (status and metric), not the
# last run's rate
wait_for 30 "slow reports fps > 0 again" fps_positive
ctl stop slow > /dev/null
wait_for 60 "slow stopped" state_is slow stopped
expect_eq "fps after the stop" "$(awk -v f="$(fps_of slow)" 'BEGIN { print (f == 0) ? "zero" : f }')" zero
expect_match "metric fps after the stop" "$(ctl metrics)" '^lucid_pipeline_fps\{pipeline="slow"\} 0(\.0+)?$'
ctl delete slow > /dev/null

ctl delete api-one > "$TMP/del0.out" || fail "lucidctl delete api-one"
expect_eq "lucidctl delete prints words, not JSON" "$(cat "$TMP/del0.out")" "api-one: deleted"
expect_eq "deleted from daemon_pipelines" "$(q "SELECT count(*) FROM daemon_pipelines")" 0
# delete of a pipeline whose drain takes seconds: DELETE answers 202
# while the worker drains; lucidctl waits until the name is free.
ctl create slow2 "filesrc blocksize=64 location=$srt ! subparse ! queue max-size-buffers=3 ! identity sleep-time=1000000 ! fakesink" > /dev/null || fail "create slow2"
slow2_busy() { grep -Eq '"buffers" : [1-9]' <<<"$(ctl status slow2 --json)"; }
wait_for 30 "slow2 busy" slow2_busy
expect_eq "DELETE while running: 202 draining" \
  "$(curl -s -o "$TMP/del.body" -w '%{http_code}' --unix-socket "$SOCK" -X DELETE http://lucidd/v1/pipelines/slow2):$(tr -d ' \n' < "$TMP/del.body")" \
  '202:{"ok":"draining","name":"slow2"}'
expect_eq "still listed, draining" "$(state slow2)" draining
ctl delete slow2 > "$TMP/del.out" 2>&1 || fail "lucidctl delete slow2 (during its drain)"
expect_eq "lucidctl delete waited for the drain" "$(cat "$TMP/del.out")" "slow2: deleted"
rc=0; ctl status slow2 > /dev/null 2> "$TMP/gone.err" || rc=$?
expect_eq "gone as soon as lucidctl delete returned" "$rc" 1
expect_match "404 names the pipeline" "$(cat "$TMP/gone.err")" "no such pipeline 'slow2'.*404"
ctl create slow2 "$(paced_pipeline "$srt")" --no-start > /dev/null || fail "the name is free again at once"
expect_eq "lucidctl --json delete" "$(ctl --json delete slow2 | tr -d ' \n')" '{"name":"slow2","deleted":true}'
rc=0; out=$(ctl --json delete slow2 2> /dev/null) || rc=$?
expect_eq "lucidctl --json delete error: exit 1, JSON on stdout" "$rc:$(tr -d ' \n' <<<"$out")" "1:{\"error\":\"nosuchpipeline'slow2'\",\"status\":404}"

# lucidctl run: the file name goes into filesrc's location after parsing,
# so '!' and spaces in it cannot change the pipeline.
odd="$TMP/odd ! name.srt"
cp "$DATA/talk.srt" "$odd"
n_cues=$(grep -c -- '-->' "$odd")
ctl run "$odd" --pipeline talk-file > "$TMP/run.out" 2> "$TMP/run.err" || { cat "$TMP/run.err"; fail "lucidctl run"; }
expect_match "run reports rows" "$(cat "$TMP/run.out")" "done, $n_cues rows written"
expect_eq "run rows in SQL" "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label LIKE 'talk-file.run-%'")" "$n_cues"
rc=0; ctl run /etc/passwd --pipeline talk-file > /dev/null 2> "$TMP/run2.err" || rc=$?
expect_eq "run outside allowed paths fails" "$rc" 1
expect_match "run outside allowed paths says why" "$(cat "$TMP/run2.err")" 'outside the paths allowed'

# allowlist: a forbidden element, and a path outside the allowed ones
rc=0; ctl create bad "videotestsrc num-buffers=1 ! filesink location=$TMP/x" 2> "$TMP/allow.err" || rc=$?
expect_eq "filesink refused" "$rc" 1
expect_match "filesink refusal names the element" "$(cat "$TMP/allow.err")" "filesink.*allowlist.*403"
rc=0; ctl create bad2 "filesrc location=/etc/passwd ! subparse ! fakesink" 2> "$TMP/allow2.err" || rc=$?
expect_eq "path outside allowed refused" "$rc" 1
expect_match "path refusal message" "$(cat "$TMP/allow2.err")" "location=/etc/passwd is outside"
# File-valued properties beyond 'location': queue2's temporary file and
# lucidsink's signing key are held to the allowed paths too.
rc=0; ctl create bad5 "filesrc location=$DATA/talk.srt ! queue2 temp-template=/var/tmp/lucid-XXXXXX ring-buffer-max-size=1000000 ! subparse ! fakesink" 2> "$TMP/allow5.err" || rc=$?
expect_eq "queue2 temp-template outside refused" "$rc" 1
expect_match "temp-template refusal message" "$(cat "$TMP/allow5.err")" "temp-template=/var/tmp/lucid-XXXXXX is outside"
rc=0; ctl create bad6 "filesrc location=$DATA/talk.srt ! subparse ! lucidtextenc model=$MODEL ! lucidsink location=$TMP/k.db audit-signing-key=/etc/ssh/ssh_host_ed25519_key" 2> "$TMP/allow6.err" || rc=$?
expect_eq "audit-signing-key outside refused" "$rc" 1
expect_match "audit-signing-key refusal message" "$(cat "$TMP/allow6.err")" "audit-signing-key=/etc/ssh/ssh_host_ed25519_key is outside"
# Download buffering writes the stream to a temporary file the bin names
# itself (outside the allowed paths): refused, and its ring buffer too;
# the same uridecodebin without them is accepted.
rc=0; ctl create bad7 "uridecodebin uri=file://$DATA/talk.srt download=true ! fakesink" 2> "$TMP/allow7.err" || rc=$?
expect_eq "uridecodebin download=true refused" "$rc" 1
expect_match "download refusal message" "$(cat "$TMP/allow7.err")" "download buffering.*temporary file.*403"
rc=0; ctl create bad8 "uridecodebin uri=file://$DATA/talk.srt ring-buffer-max-size=1000000 ! fakesink" 2> "$TMP/allow8.err" || rc=$?
expect_eq "uridecodebin ring-buffer-max-size refused" "$rc" 1
expect_match "ring buffer refusal message" "$(cat "$TMP/allow8.err")" "ring-buffer-max-size=1000000.*403"
ctl create uri-ok "uridecodebin uri=file://$DATA/talk.srt ! fakesink" --no-start > /dev/null || fail "uridecodebin without download accepted"
ctl delete uri-ok > /dev/null || fail "delete uri-ok"
rc=0; ctl create bad3 "filesrc location=$TMP/../../etc/passwd ! subparse ! fakesink" 2> /dev/null || rc=$?
expect_eq "'..' escape refused" "$rc" 1
ln -s /etc "$TMP/etc-link"
rc=0; ctl create bad4 "filesrc location=$TMP/etc-link/passwd ! subparse ! fakesink" 2> /dev/null || rc=$?
expect_eq "symlink escape refused" "$rc" 1
# decodebin's children are checked as they appear: a wav file decoded by
# wavparse (not on the default allowlist) fails the pipeline.
gst-launch-1.0 -q audiotestsrc num-buffers=20 ! wavenc ! filesink location="$TMP/a.wav"
ctl create deep "filesrc location=$TMP/a.wav ! decodebin ! fakesink" --restart=never > /dev/null || fail "create deep"
wait_for 30 "deep pipeline failed" state_is deep failed
expect_match "deep-element-added refusal recorded" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'deep'")" 'not in the allowlist'
expect_eq "deep refusal outcome" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'deep'")" refused
expect_eq "refused pipelines not stored" "$(q "SELECT count(*) FROM daemon_pipelines WHERE name LIKE 'bad%'")" 0
ctl delete deep > /dev/null

# malformed and oversized requests: 4xx, the daemon keeps serving
code() { curl -s -o "$TMP/body" -w '%{http_code}' --unix-socket "$SOCK" "$@"; }
expect_eq "malformed JSON" "$(code -X POST -H 'Content-Type: application/json' -d '{"name": "x", ' http://lucidd/v1/pipelines)" 400
expect_match "malformed JSON message" "$(cat "$TMP/body")" 'request body'
expect_eq "duplicate key" "$(code -X POST -d '{"name":"a","name":"b","pipeline":"fakesrc ! fakesink"}' http://lucidd/v1/pipelines)" 400
expect_eq "unknown member" "$(code -X POST -d '{"name":"a","pipeline":"fakesrc ! fakesink","x":1}' http://lucidd/v1/pipelines)" 400
expect_eq "bad name" "$(code -X POST -d '{"name":"../a","pipeline":"fakesrc ! fakesink"}' http://lucidd/v1/pipelines)" 400
expect_eq "not an object" "$(code -X POST -d '[1,2]' http://lucidd/v1/pipelines)" 400
# a NUL inside a string would cut it short ("x\u0000y" named the pipeline
# "x"): refused, as is a raw NUL byte; an escaped backslash before u0000
# is plain text
expect_eq "a \\u0000 escape in a string" "$(code -X POST -d '{"name":"x\u0000y","pipeline":"fakesrc ! fakesink"}' http://lucidd/v1/pipelines)" 400
expect_match "... says why" "$(cat "$TMP/body")" 'NUL character'
printf '{"name":"x\0y","pipeline":"fakesrc ! fakesink"}' > "$TMP/nul.json"
expect_eq "a raw NUL byte in a string" "$(code -X POST --data-binary @"$TMP/nul.json" http://lucidd/v1/pipelines)" 400
expect_match "... says why" "$(cat "$TMP/body")" 'NUL character'
expect_eq "no pipeline 'x' made of either" "$(code http://lucidd/v1/pipelines/x)" 404
expect_eq "an escaped backslash before u0000 is text, not a NUL" "$(code -X POST -d '{"sql":"SELECT 1 \\u0000"}' http://lucidd/v1/query)" 400
expect_match "... refused by SQLite, not as a NUL" "$(cat "$TMP/body")" 'syntax error|unrecognized token'
head -c 200000 /dev/zero | tr '\0' 'a' > "$TMP/big"
expect_eq "oversized body" "$(code -X POST --data-binary @"$TMP/big" http://lucidd/v1/pipelines)" 413
# A declared 100 MB body is refused on its headers: the answer comes
# before the body (which is never sent in full) and lucidd buffers none
# of it.
rss_before=$(rss_kb "$LUCIDD_PID")
for _ in 1 2 3; do
  expect_eq "100 MB Content-Length answered 413 at once" "$(huge_request "unix:$SOCK")" 413
done
expect_eq "lucidd buffered none of the declared bodies (RSS grew < 8 MiB)" \
  "$([ $(( $(rss_kb "$LUCIDD_PID") - rss_before )) -lt 8192 ] && echo yes)" yes
expect_eq "chunked body" "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" http://lucidd/v1/pipelines)" 411
expect_eq "unknown path" "$(code http://lucidd/v2/nothing)" 404
expect_eq "unknown pipeline" "$(code http://lucidd/v1/pipelines/nope)" 404
expect_eq "daemon still answers" "$(code http://lucidd/v1/status)" 200
# finished clients leave no file descriptor behind in lucidd
fds_before=$(ls "/proc/$LUCIDD_PID/fd" | wc -l)
for _ in $(seq 1 20); do
  code http://lucidd/v1/pipelines > /dev/null
  code -X POST -d '{' http://lucidd/v1/pipelines > /dev/null
  ctl status > /dev/null
done
expect_eq "lucidd fds after 60 requests" "$(ls "/proc/$LUCIDD_PID/fd" | wc -l)" "$fds_before"
# Slow clients: 8 connections (max_connections) that never finish their
# request hold every slot, so a 9th is refused (503) without being read;
# after request_timeout lucidd closes the 8, and answers again.
hold_slots() {
  python3 - "$SOCK" <<'PY'
import socket, sys
held = []
for _ in range(8):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(30)
    s.sendall(b"POST /v1/pipelines HTTP/1.1\r\nHost: lucidd\r\nContent-Le")
    held.append(s)
extra = socket.socket(socket.AF_UNIX); extra.connect(sys.argv[1]); extra.settimeout(30)
head = extra.recv(4096).split(b"\r\n")[0].split()
closed = 0
for s in held:
    try:
        while s.recv(4096):
            pass
        closed += 1
    except OSError:
        pass
print(head[1].decode() if len(head) > 1 else "none", closed)
PY
}
expect_eq "9th connection refused; the 8 half-sent requests closed" "$(hold_slots)" "503 8"
expect_match "a late request's close is logged" "$(cat "$TMP/lucidd.log")" 'no complete request in 3 s'
expect_match "the daemon answers after the slow clients are gone" "$(ctl status)" 'talk-file'
expect_match "metrics" "$(ctl metrics)" 'lucid_pipeline_up\{pipeline="talk-file"\} 0'

# lucidctl query is read-only
rc=0; ctl query "DELETE FROM results" 2> "$TMP/q.err" || rc=$?
expect_eq "query DELETE refused" "$rc" 1
rc=0; ctl query "ATTACH '$TMP/x.db' AS x" 2> /dev/null || rc=$?
expect_eq "query ATTACH refused" "$rc" 1
rc=0; ctl query "SELECT 1; DELETE FROM results" 2> /dev/null || rc=$?
expect_eq "query with a second statement refused" "$rc" 1
# ... and through the socket, for users who cannot read the database
expect_eq "remote query = local query" "$(ctl query --remote "SELECT count(*), max(id) FROM results")" "$(q "SELECT count(*), max(id) FROM results")"
expect_match "remote query --json" "$(ctl --json query --remote "SELECT 1 AS one, NULL AS absent")" '"absent" : null'
rc=0; ctl query --remote "DELETE FROM results" 2> "$TMP/rq.err" || rc=$?
expect_eq "remote DELETE refused" "$rc" 1
expect_match "remote DELETE refusal" "$(cat "$TMP/rq.err")" 'not authorized.*400'
rc=0; ctl query --remote "SELECT 1; SELECT 2" 2> /dev/null || rc=$?
expect_eq "remote second statement refused" "$rc" 1
# ... bounded in bytes: no value over 1 MiB is built, no reply over 8 MiB
rc=0; ctl query --remote "SELECT randomblob(100000000)" > "$TMP/rq-big.out" 2> "$TMP/rq-big.err" || rc=$?
expect_eq "a 100 MB value refused" "$rc:$(wc -c < "$TMP/rq-big.out")" "1:0"
expect_match "the refusal names the limit" "$(cat "$TMP/rq-big.err")" 'too big.*1 MiB'
many="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT x, randomblob(900000) FROM c"
rc=0; ctl query --remote "$many" > "$TMP/rq-many.out" 2> "$TMP/rq-many.err" || rc=$?
expect_eq "36 MB of rows: the query succeeds" "$rc" 0
expect_eq "... with fewer than all 40 rows and under 9 MB" \
  "$(n=$(wc -l < "$TMP/rq-many.out"); [ "$n" -ge 1 ] && [ "$n" -lt 40 ] && [ "$(wc -c < "$TMP/rq-many.out")" -lt 9000000 ] && echo yes)" yes
expect_match "... and says the reply was cut" "$(cat "$TMP/rq-many.err")" 'cut at 8 MiB'
ctl --json query --remote "$many" > /dev/null 2> "$TMP/rq-many-json.err"
expect_match "--json says so too (stderr)" "$(cat "$TMP/rq-many-json.err")" 'cut at 8 MiB'
expect_match "the reply itself: truncated with the note" \
  "$(curl -s --unix-socket "$SOCK" -d "{\"sql\": \"$many\"}" http://lucidd/v1/query | tail -c 200 | tr -d '\n')" \
  '"truncated" : true, *"note" : "the reply was cut at 8 MiB'
expect_eq "rows intact after the refused writes" "$(q "SELECT count(*) > 0 FROM results")" 1

# Another user: refused by the socket's mode (0660) ...
expect_eq "socket mode" "$(stat -c %a "$SOCK")" 660
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  rc=0; nobody "$LUCIDCTL" --socket "$SOCK" status > /dev/null 2> "$TMP/nobody.err" || rc=$?
  expect_eq "nobody cannot connect" "$rc" 3
  # ... and by the peer-credential check when the mode is opened by mistake
  chmod 666 "$SOCK"
  rc=0; nobody "$LUCIDCTL" --socket "$SOCK" status > /dev/null 2> "$TMP/nobody2.err" || rc=$?
  expect_eq "nobody refused by SO_PEERCRED" "$rc" 1
  expect_match "peer-credential refusal" "$(cat "$TMP/nobody2.err")" 'not root.*403'
  chmod 660 "$SOCK"
else
  echo "SKIP: other-user checks need root and setpriv"
fi

stop_daemon TERM
expect_eq "integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
finish
