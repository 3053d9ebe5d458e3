#!/usr/bin/env bash
# Long test (suite daemon-long; runs when LUCID_LONG_TESTS=1, as
# tools/check.sh's first stage does): 16 unpaced pipelines (tiny-bert on
# every cue, as fast as the model goes, so 16 workers oversubscribe the
# cores and the scheduler decides the shares) for 60 s under one lucidd.
# Checks: each pipeline gets at least half its
# fair share of buffers; each worker's RSS grows by at most max(5%, 4 MiB)
# between 10 s and 60 s; each worker's and lucidd's open file descriptors
# are the same at both points; after SIGTERM every row sent is stored.
# Prints the numbers.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
if [ "${LUCID_LONG_TESTS:-0}" != 1 ]; then echo "SKIP: set LUCID_LONG_TESTS=1"; exit 77; fi
. "$(dirname "$0")/daemon-lib.sh"
N=${LUCID_LOAD_PIPELINES:-16}
SECS=${LUCID_LOAD_SECONDS:-60}
srt="$TMP/long.srt"
make_srt "$srt" 200000 # more than 16 workers encode in 60 s
write_conf "max_pipelines = 64"
start_daemon
for i in $(seq 1 "$N"); do
  ctl create "load$i" "$(paced_pipeline "$srt" 0)" > /dev/null || fail "create load$i"
done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
pid_of() { ctl status "$1" --json | sed -n 's/^ *"pid" : \([0-9]*\),$/\1/p'; }
sleep 10
declare -A rss0 fd0
for i in $(seq 1 "$N"); do
  p=$(pid_of "load$i"); rss0[$i]=$(rss "$p"); fd0[$i]=$(fds "$p")
  ls -l "/proc/$p/fd" > "$TMP/fds$i.txt" 2>&1
done
dfd0=$(fds "$LUCIDD_PID"); drss0=$(rss "$LUCIDD_PID")
sleep $((SECS - 10))
for i in $(seq 1 "$N"); do
  p=$(pid_of "load$i"); r=$(rss "$p"); f=$(fds "$p")
  allowed=$(( rss0[$i] / 20 > 4096 ? rss0[$i] / 20 : 4096 ))
  echo "load$i: RSS ${rss0[$i]} -> $r KiB, fds ${fd0[$i]} -> $f"
  if [ $((r - rss0[$i])) -le "$allowed" ]; then ok "load$i RSS growth $((r - rss0[$i])) KiB <= $allowed"; else fail "load$i RSS grew $((r - rss0[$i])) KiB > $allowed"; fi
  expect_eq "load$i fds unchanged" "$f" "${fd0[$i]}"
  if [ "$f" != "${fd0[$i]}" ]; then
    echo "load$i fds at 10 s:" >&2; cat "$TMP/fds$i.txt" >&2
    echo "load$i fds now:" >&2; ls -l "/proc/$p/fd" >&2
  fi
done
echo "lucidd: RSS $drss0 -> $(rss "$LUCIDD_PID") KiB, fds $dfd0 -> $(fds "$LUCIDD_PID")"
expect_eq "lucidd fds unchanged" "$(fds "$LUCIDD_PID")" "$dfd0"
expect_eq "no restarts under load" "$(q "SELECT count(*) FROM daemon_runs")" "$N"
stop_daemon TERM
q "SELECT pipeline, buffers FROM daemon_runs ORDER BY buffers" | tr '\n' ' '; echo
read -r lo mean < <(sqlite3 -separator ' ' "$DB" "SELECT min(buffers), avg(buffers) FROM daemon_runs")
echo "buffers per pipeline: min $lo, mean $mean over ${SECS}s"
expect_eq "no pipeline reached the end of its file" "$(q "SELECT count(*) FROM daemon_runs WHERE buffers >= 200000")" 0
expect_eq "each pipeline >= half its fair share" "$(sqlite3 "$DB" "SELECT min(buffers) >= 0.5 * avg(buffers) FROM daemon_runs")" 1
accounting="SELECT pipeline, outcome, exit_status, exit_signal, error, rows_sent,
  (SELECT count(*) FROM results x JOIN runs r ON r.id = x.run_id WHERE r.label = d.pipeline) AS stored
  FROM daemon_runs d"
expect_eq "every row accounted for" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM ($accounting) WHERE rows_sent IS NOT stored")" 0
# On a mismatch, what lucidd recorded about those runs (the next person
# needs it: the run's outcome, its error, the events around its end).
if [ "$(sqlite3 "$DB" "SELECT count(*) FROM ($accounting) WHERE rows_sent IS NOT stored")" != 0 ]; then
  sqlite3 -header "$DB" "SELECT * FROM ($accounting) WHERE rows_sent IS NOT stored" >&2
  sqlite3 "$DB" "SELECT e.* FROM daemon_events e JOIN ($accounting) a ON a.pipeline = e.pipeline WHERE a.rows_sent IS NOT a.stored" >&2
fi
echo "rows stored: $(sqlite3 "$DB" "SELECT count(*) FROM results")"
# Every worker drained: an error close to the end shows no restart (the
# restart count above is read before it, or the drain cancels the
# backoff), but it does show here.
expect_eq "every run stopped by the drain, exit status 0" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM daemon_runs WHERE outcome != 'stopped' OR exit_status IS NOT 0")" 0
# How often a worker's writer waited 15 s or more for the write lock (it
# keeps its rows meanwhile; the store says so in the log).
echo "waits of 15 s or more for the write lock: $(grep -c 'no write lock for' "$TMP/lucidd.log" || true)"
expect_eq "integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
if [ "$FAILS" -gt 0 ]; then
  cp "$TMP/lucidd.log" "$LUCID_BUILD_ROOT/daemon-load-lucidd.log"
  echo "lucidd's log (workers' messages included): $LUCID_BUILD_ROOT/daemon-load-lucidd.log" >&2
fi
finish
