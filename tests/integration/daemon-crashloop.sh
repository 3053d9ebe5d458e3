#!/usr/bin/env bash
# Long test (suite daemon-long; runs when LUCID_LONG_TESTS=1): 20 times,
# kill -9 the whole daemon while two pipelines write, then check the
# database: PRAGMA integrity_check, each run's committed rows are a prefix
# of what the source produced (cues 0..n-1, no gap, no duplicate), the
# audit log's chain verifies (`lucidctl verify`), no worker survived its
# daemon, and the next lucidd closes the dangling runs as 'crashed' and
# starts the persisted pipelines again.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
if [ "${LUCID_LONG_TESTS:-0}" != 1 ]; then echo "SKIP: set LUCID_LONG_TESTS=1"; exit 77; fi
. "$(dirname "$0")/daemon-lib.sh"
srt="$TMP/long.srt"
make_srt "$srt" 20000
write_conf
start_daemon
ctl create w1 "$(paced_pipeline "$srt" 5000)" > /dev/null || fail "create w1"
ctl create w2 "$(paced_pipeline "$srt" 8000)" > /dev/null || fail "create w2"
prefix_violations() {
  sqlite3 "$DB" "SELECT count(*) FROM (SELECT count(*) AS n, count(DISTINCT pts) AS d, min(pts) AS lo, max(pts) AS hi FROM results GROUP BY run_id) WHERE n != d OR lo != 0 OR hi != (n - 1) * 1000000000"
}
total_before=0
for i in $(seq 1 20); do
  before=$(sqlite3 "$DB" "SELECT count(*) FROM results")
  wait_for 60 "round $i: rows are being written" sql_true "SELECT count(*) > $before + 20 FROM results" > /dev/null
  pids=$(sqlite3 "$DB" "SELECT pid FROM daemon_runs WHERE outcome = 'running'")
  kill -9 "$LUCIDD_PID"
  wait "$LUCIDD_PID" 2> /dev/null || true
  LUCIDD_PID=
  survivors=0
  for _ in $(seq 1 50); do
    survivors=0
    for p in $pids; do if kill -0 "$p" 2> /dev/null; then survivors=$((survivors + 1)); fi; done
    [ "$survivors" = 0 ] && break
    sleep 0.1
  done
  expect_eq "round $i: no worker outlived lucidd" "$survivors" 0
  expect_eq "round $i: integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
  expect_eq "round $i: every run is a prefix" "$(prefix_violations)" 0
  ctl verify > "$TMP/verify.out" 2>&1 && rc=0 || { rc=$?; cat "$TMP/verify.out" >&2; }
  expect_eq "round $i: audit chain verifies" "$rc" 0
  start_daemon
  expect_eq "round $i: dangling runs closed" "$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'running' AND id <= (SELECT max(id) - 2 FROM daemon_runs)")" 0
done
rows=$(q "SELECT count(*) FROM results")
runs=$(q "SELECT count(*) FROM daemon_runs WHERE outcome = 'crashed'")
echo "crash loop: 20 rounds, $rows rows committed, $runs worker runs closed as crashed"
expect_eq "crashed runs recorded" "$runs" 40
stop_daemon TERM
expect_eq "final integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
ctl verify && rc=0 || rc=$?
expect_eq "final audit chain" "$rc" 0
finish
