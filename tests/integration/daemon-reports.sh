#!/usr/bin/env bash
# lucidd against a worker that misbehaves on its report pipe (fd 3), and
# against a pipeline check that hangs. The faults are injected by a small
# stand-in for lucid-worker (configured as [daemon] worker) that, chosen by
# pipeline name, writes garbage, wrong types, an endless line, or half a
# report before killing itself, and then runs the real lucid-worker; for
# every other name it is the real worker (exec). lucidd runs with
# G_DEBUG=fatal-criticals (test_env): a json-glib warning would kill it.
# Each time lucidd must record the error, kill and restart the worker as a
# failure (restart limit 1: two runs, then 'failed'), keep serving, and
# leave the other pipelines alone. A `create` whose check hangs gets a
# clear 403 after [daemon] check_timeout and the check process is killed.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
export LUCID_REAL_WORKER="$LUCID_BUILD_ROOT/daemon/lucid-worker"
export LUCID_SHIM_DIR="$TMP"
shim="$TMP/worker-shim.sh"
cat > "$shim" <<'SH'
#!/usr/bin/env bash
name=; check=0
for a in "$@"; do
  case $a in --name=*) name=${a#--name=} ;; --check) check=1 ;; esac
done
if [ "$check" = 1 ]; then
  case $name in hang*) echo $$ > "$LUCID_SHIM_DIR/hang.pid"; exec sleep 600 ;; esac
  exec "$LUCID_REAL_WORKER" "$@"
fi
case $name in
  garbage*) printf 'this is not a report\n' >&3 ;;
  badtypes*) printf '{"type":"stats","buffers":"many","encoders":[{"element":"x","buckets":"no"}]}\n' >&3 ;;
  endless*) head -c 2000000 /dev/zero | tr '\0' x >&3 ;;
  cutoff*) printf '{"type":"stats","buffers":' >&3; kill -9 $$ ;;
esac
exec "$LUCID_REAL_WORKER" "$@"
SH
chmod +x "$shim"
# check_timeout: long enough for a real check under ASan on a loaded
# machine (the creates below), short enough for the hanging one.
write_conf "worker = $shim" "check_timeout = 8"
start_daemon
live="videotestsrc is-live=true ! video/x-raw,width=32,height=32,framerate=10/1 ! fakesink"
ctl create steady "$live" > /dev/null || fail "create steady (through the stand-in)"
for name in garbage badtypes endless cutoff; do
  ctl create "$name" "$live" --restart-limit=1 > /dev/null || fail "create $name"
done
for name in garbage badtypes endless cutoff; do
  wait_for 60 "$name: failed after its restart limit" state_is "$name" failed
  expect_eq "$name: restarted once (2 runs)" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = '$name'")" 2
done
# malformed reports: the run is an error, the worker was killed by lucidd
for name in garbage badtypes endless; do
  expect_eq "$name: outcome and signal" "$(q "SELECT group_concat(DISTINCT outcome || ':' || exit_signal) FROM daemon_runs WHERE pipeline = '$name'")" "error:9"
  expect_match "$name: the run's error says why" "$(q "SELECT error FROM daemon_runs WHERE pipeline = '$name' LIMIT 1")" '^malformed report from the worker, killed it: '
  expect_eq "$name: an error event per run" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = '$name' AND kind = 'error' AND message LIKE 'malformed report%'")" 2
done
expect_match "garbage: not JSON" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'garbage' LIMIT 1")" 'worker report: '
expect_match "badtypes: names the member" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'badtypes' LIMIT 1")" "'buffers'"
expect_match "endless: the line bound" "$(q "SELECT error FROM daemon_runs WHERE pipeline = 'endless' LIMIT 1")" 'a report line longer than 1048576 bytes'
expect_match "status shows the malformed report" "$(ctl status garbage --json)" '"last_error" : "malformed report'
# half a report, then the worker died: a crash, the cut-off recorded
expect_eq "cutoff: crashed by signal 9" "$(q "SELECT group_concat(DISTINCT outcome || ':' || exit_signal) FROM daemon_runs WHERE pipeline = 'cutoff'")" "crashed:9"
half=$(printf '{"type":"stats","buffers":' | wc -c)
expect_eq "cutoff: the cut-off report recorded per run" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = 'cutoff' AND kind = 'error' AND message LIKE 'the worker''s last report was cut off after $half bytes%'")" 2
# lucidd never stopped serving; the others never noticed
kill -0 "$LUCIDD_PID" || fail "lucidd is gone"
ctl daemon > /dev/null || fail "lucidd answers"
expect_eq "steady: one run" "$(q "SELECT count(*) FROM daemon_runs WHERE pipeline = 'steady'")" 1
expect_eq "steady: still running" "$(state steady)" running
fps_ok() { grep -Eq '"buffers" : [1-9]' <<<"$(ctl status steady --json)"; }
wait_for 10 "steady: its reports are read (buffers counted)" fps_ok

# create --check that never finishes: a clear refusal after check_timeout,
# the check process killed, nothing stored
rc=0; ctl create hang-check "$live" 2> "$TMP/hang.err" || rc=$?
expect_eq "hanging check refused" "$rc" 1
expect_match "hanging check message" "$(cat "$TMP/hang.err")" 'did not finish in 8 s \(\[daemon\] check_timeout\) and was killed.*403'
hang_pid=$(cat "$TMP/hang.pid")
expect_match "the check ran" "$hang_pid" '^[0-9]+$'
wait_for 10 "the hanging check process was killed" sh -c "! kill -0 $hang_pid"
expect_eq "hang-check not stored" "$(q "SELECT count(*) FROM daemon_pipelines WHERE name = 'hang-check'")" 0
expect_eq "hang-check timeout recorded" "$(q "SELECT count(*) FROM daemon_events WHERE pipeline = 'hang-check' AND kind = 'error' AND message LIKE '%check_timeout%'")" 1
ctl create after-hang "$live" --no-start > /dev/null || fail "create after the hanging check"

stop_daemon TERM
expect_eq "steady: stopped by the drain" "$(q "SELECT outcome FROM daemon_runs WHERE pipeline = 'steady'")" stopped
finish
