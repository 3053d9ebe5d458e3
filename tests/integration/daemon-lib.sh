# Helpers for the daemon integration tests (sourced after lib.sh): a real
# lucidd in the foreground on a temporary state directory, driven only
# through lucidctl (or curl on its socket), asserted with SQL.
# SPDX-License-Identifier: LGPL-2.1-or-later
: "${LUCID_BUILD_ROOT:?run through meson test}"
LUCIDD="$LUCID_BUILD_ROOT/daemon/lucidd"
LUCIDCTL="$LUCID_BUILD_ROOT/daemon/lucidctl"
STATE="$TMP/state"
CONF="$TMP/lucidd.conf"
PIPES="$TMP/pipelines"
DB="$STATE/lucid.db"
SOCK="$STATE/lucidd.sock"
MODEL="$LUCID_FIXTURES_DIR/tiny-bert"
mkdir -p "$PIPES" "$STATE"
chmod 755 "$STATE" "$PIPES"
LUCIDD_PID=
# Sanitizer run: lucid-worker loads GStreamer, whose process-lifetime caches
# tests/lsan.supp names; only full stacks reach those frames (see lib.sh).
if [ -n "${LUCID_ASAN_PRELOAD:-}" ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"
fi

# write_conf [EXTRA DAEMON KEYS...] -> $CONF
write_conf() {
  {
    echo "[daemon]"
    echo "state_dir = $STATE"
    echo "pipelines_dir = $PIPES"
    echo "drain_timeout = 20"
    echo "backoff_initial_ms = 200"
    echo "backoff_max_ms = 1000"
    echo "stall_timeout = 0"
    for kv in "$@"; do echo "$kv"; done
    echo "[api]"
    echo "allowed_paths = $TMP;$LUCID_FIXTURES_DIR;$DATA"
    echo "[vars]"
    echo "model = $MODEL"
    echo "data = $DATA"
    echo "tmp = $TMP"
  } > "$CONF"
}

ctl() { "$LUCIDCTL" --config "$CONF" "$@"; }

# start_daemon: starts lucidd and waits for its socket to answer.
start_daemon() {
  (cd "$TMP" && ulimit -c unlimited && exec "$LUCIDD" --config "$CONF" >> "$TMP/lucidd.log" 2>&1) &
  LUCIDD_PID=$!
  for _ in $(seq 1 200); do
    if ctl daemon > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$LUCIDD_PID" 2> /dev/null; then break; fi
    sleep 0.1
  done
  cat "$TMP/lucidd.log" >&2
  fail "lucidd did not start"
  finish
}

# stop_daemon [SIGNAL]: signals lucidd, waits, checks it exits 0.
stop_daemon() {
  local sig=${1:-TERM} rc=0
  kill -"$sig" "$LUCIDD_PID"
  wait "$LUCIDD_PID" || rc=$?
  expect_eq "lucidd exit status after SIG$sig" "$rc" 0
  if [ "$rc" != 0 ]; then cp "$TMP/lucidd.log" "${LUCID_BUILD_ROOT}/lucidd-failed.log"; grep -v '^lucidd-Message' "$TMP/lucidd.log" | tail -60 >&2; fi
  LUCIDD_PID=
}

cleanup_daemon() {
  if [ -n "$LUCIDD_PID" ]; then kill -9 "$LUCIDD_PID" 2> /dev/null || true; fi
  if ls "$TMP"/core* > /dev/null 2>&1; then mkdir -p /tmp/lucid-cores && cp "$TMP"/core* /tmp/lucid-cores/; fi
  rm -rf "$TMP"
}
trap cleanup_daemon EXIT

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local n=$((secs * 10))
  for _ in $(seq 1 "$n"); do
    if "$@" > /dev/null 2>&1; then ok "$what"; return 0; fi
    sleep 0.1
  done
  fail "$what (waited ${secs}s)"
  tail -20 "$TMP/lucidd.log" >&2
  return 1
}

# q SQL -> result through lucidctl's read-only connection
q() { ctl query "$1"; }
# sql_true SQL: succeeds when SQL returns 1
sql_true() { [ "$(q "$1")" = 1 ]; }

# state NAME -> the pipeline's state
state() { ctl status "$1" --json | sed -n 's/^ *"state" : "\(.*\)",$/\1/p'; }
state_is() { [ "$(state "$1")" = "$2" ]; }

# make_srt FILE N: N cues, cue i (from 0) at i seconds for 0.5 s.
make_srt() {
  local f=$1 n=$2
  awk -v n="$n" 'BEGIN {
    for (i = 0; i < n; i++) {
      h = int(i / 3600); m = int(i / 60) % 60; s = i % 60;
      printf "%d\n%02d:%02d:%02d,000 --> %02d:%02d:%02d,500\nCue number %d says the match went well.\n\n", i + 1, h, m, s, h, m, s, i;
    }
  }' > "$f"
}

# paced_pipeline SRT [SLEEP_US]: a text pipeline that takes its time.
paced_pipeline() {
  echo "filesrc location=$1 ! subparse ! identity sleep-time=${2:-20000} ! lucidtextenc model=$MODEL ! lucidsink commit-interval=50"
}

# huge_request unix:PATH|tcp:PORT [HEADER]: declares a 100 MB body, sends
# 1 KiB of it, prints the status code of the answer (which must come
# without the rest of the body), or "none".
huge_request() {
  python3 - "$@" <<'PY'
import socket, sys
where, extra = sys.argv[1], (sys.argv[2] + "\r\n" if len(sys.argv) > 2 else "")
if where.startswith("unix:"):
    s = socket.socket(socket.AF_UNIX); s.connect(where[5:])
else:
    s = socket.create_connection(("127.0.0.1", int(where[4:])))
s.settimeout(20)
s.sendall(("POST /v1/pipelines HTTP/1.1\r\nHost: lucidd\r\n" + extra +
           "Content-Length: 100000000\r\n\r\n").encode() + b"a" * 1024)
try:
    head = s.recv(4096).split(b"\r\n")[0].split()
    print(head[1].decode() if len(head) > 1 else "none")
except OSError:
    print("none")
PY
}
# rss_kb PID -> resident set size in KiB
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }
