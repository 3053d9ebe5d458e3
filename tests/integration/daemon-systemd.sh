#!/usr/bin/env bash
# lucidd under a service manager: the sd_notify protocol (READY=1,
# STATUS=, WATCHDOG=1, STOPPING=1) on a real datagram socket, and the
# optional loopback TCP listener, which refuses requests without the bearer
# token. Prometheus metrics over both listeners.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

# The generated unit (daemon/lucidd.service.in) agrees with the build:
# ExecStart names the configuration lucidd reads by default, which is
# where meson installs lucidd.conf; a ConfigurationDirectory= is that
# file's directory (declared only for a sysconfdir below /etc); the
# workers' GStreamer registry lives in the unit's CacheDirectory= (so
# ProtectSystem=strict does not force a plugin scan at every worker start).
unit="$LUCID_BUILD_ROOT/daemon/lucidd.service"
unit_conf=$(sed -n 's/^ExecStart=[^ ]*lucidd --config \([^ ]*\)$/\1/p' "$unit")
default_conf=$("$LUCIDD" --help | sed -n 's/.*(default \(.*\))$/\1/p')
expect_match "ExecStart passes --config" "$unit_conf" '^/.*/lucidd\.conf$'
expect_eq "the unit's --config is lucidd's default configuration" "$unit_conf" "$default_conf"
if command -v meson > /dev/null; then
  installed_conf=$(meson introspect --installed "$LUCID_BUILD_ROOT" | python3 -c 'import json, sys; print(*[v for k, v in json.load(sys.stdin).items() if k.endswith("/daemon/lucidd.conf")])')
  expect_eq "lucidd.conf is installed where the unit's --config points" "$installed_conf" "$unit_conf"
else
  echo "SKIP: install path of lucidd.conf (meson not on PATH)"
fi
conf_dir=$(sed -n 's/^ConfigurationDirectory=//p' "$unit")
if [ -n "$conf_dir" ]; then
  expect_eq "ConfigurationDirectory= is the configuration's directory" "/etc/$conf_dir/lucidd.conf" "$unit_conf"
else
  expect_eq "no ConfigurationDirectory= for a configuration outside /etc" "${unit_conf#/etc/}" "$unit_conf"
fi
expect_eq "CacheDirectory=lucid" "$(sed -n 's/^CacheDirectory=//p' "$unit")" lucid
expect_eq "the workers' registry in the cache directory" "$(sed -n 's/^Environment=GST_REGISTRY=//p' "$unit")" '%C/lucid/registry.bin'
if command -v systemd-analyze > /dev/null; then
  sed "s|^ExecStart=[^ ]*|ExecStart=$LUCIDD|" "$unit" > "$TMP/lucidd.service"
  rc=0; systemd-analyze verify "$TMP/lucidd.service" > "$TMP/verify.out" 2>&1 || rc=$?
  expect_eq "systemd-analyze verify accepts the unit" "$rc" 0
  [ "$rc" = 0 ] || cat "$TMP/verify.out" >&2
else
  echo "SKIP: systemd-analyze not installed"
fi

notify_log="$TMP/notify.log"
python3 - "$TMP/notify.sock" "$notify_log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a') as out:
    while True:
        data = s.recv(4096)
        out.write(data.decode() + '\n--\n')
        out.flush()
PY
listener=$!
for _ in $(seq 1 50); do [ -S "$TMP/notify.sock" ] && break; sleep 0.1; done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=0123456789abcdef-lucid-test-token
printf '%s\n' "$token" > "$TMP/token"
srt="$TMP/long.srt"
make_srt "$srt" 2000
printf 'stall-timeout = 0\n---\n%s\n' "$(paced_pipeline "$srt")" > "$PIPES/paced.pipeline"
# As under lucidd.service: a closed state directory (0750), the socket in
# the runtime directory systemd made (RuntimeDirectory=lucid, 0755,
# $RUNTIME_DIRECTORY), a socket group whose members use lucidctl.
sock_group=users
write_conf "tcp_port = $port" "tcp_token_file = $TMP/token" "socket_group = $sock_group"
chmod 711 "$TMP"
chmod 750 "$STATE"
mkdir -m 755 "$TMP/run"
# lucidctl reads the same configuration; given the same environment it
# finds the socket there too (outside the unit, the default /run/lucid).
export RUNTIME_DIRECTORY="$TMP/run"

# GST_REGISTRY as the unit sets it (a fresh file in a cache directory):
# lucidd passes its environment to the workers, which write it.
mkdir -p "$TMP/cache/lucid"
NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=400000 GST_REGISTRY="$TMP/cache/lucid/registry.bin" start_daemon
unset NOTIFY_SOCKET WATCHDOG_USEC
expect_eq "socket in \$RUNTIME_DIRECTORY" "$([ -S "$TMP/run/lucidd.sock" ] && [ ! -e "$STATE/lucidd.sock" ] && echo yes)" yes
expect_eq "socket mode under the runtime directory" "$(stat -c %a "$TMP/run/lucidd.sock")" 660
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  # a user whose only group is the socket's: no access to the database,
  # results through the socket
  member() { setpriv --reuid=nobody --regid="$sock_group" --clear-groups "$@"; }
  rc=0; member "$LUCIDCTL" --config "$CONF" status > "$TMP/member.out" 2> "$TMP/member.err" || rc=$?
  expect_eq "a socket_group member runs lucidctl status" "$rc" 0
  [ "$rc" = 0 ] || cat "$TMP/member.err" >&2
  expect_match "member's status lists the pipeline" "$(cat "$TMP/member.out")" 'paced +file'
  rc=0; member sqlite3 "$DB" "SELECT 1" > /dev/null 2>&1 || rc=$?
  expect_eq "the member cannot open the database itself" "$([ "$rc" != 0 ] && echo refused)" refused
  rc=0; out=$(member "$LUCIDCTL" --config "$CONF" query "SELECT count(*) > 0 FROM daemon_runs WHERE pipeline = 'paced'" 2> "$TMP/member-q.err") || rc=$?
  expect_eq "a socket_group member queries through the socket" "$rc:$out" "0:1"
  rc=0; setpriv --reuid=nobody --regid=nogroup --clear-groups "$LUCIDCTL" --config "$CONF" status > /dev/null 2>&1 || rc=$?
  expect_eq "a user outside the group is still refused" "$([ "$rc" != 0 ] && echo refused)" refused
else
  echo "SKIP: socket_group member checks need root and setpriv"
fi
wait_for 30 "READY=1 sent" grep -q '^READY=1' "$notify_log"
wait_for 30 "STATUS= with a running pipeline" grep -q '^STATUS=1 pipelines: 1 running, 0 failed' "$notify_log"
wait_for 30 "the worker wrote GST_REGISTRY of lucidd's environment" test -s "$TMP/cache/lucid/registry.bin"
wait_for 10 "WATCHDOG=1 pings" sh -c "[ \$(grep -c '^WATCHDOG=1' '$notify_log') -ge 2 ]"

# TCP: loopback only, bearer token required
tcp() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
expect_eq "TCP without a token" "$(tcp "http://127.0.0.1:$port/v1/status")" 401
expect_eq "TCP with a wrong token" "$(tcp -H "Authorization: Bearer wrong-token-wrong-token" "http://127.0.0.1:$port/v1/status")" 401
expect_eq "TCP with a token prefix" "$(tcp -H "Authorization: Bearer ${token:0:20}" "http://127.0.0.1:$port/v1/status")" 401
expect_eq "TCP with the token" "$(tcp -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/status")" 200
expect_match "TCP status body" "$(cat "$TMP/body")" '"running" : 1'
expect_eq "TCP create without a token" "$(tcp -X POST -d '{"name":"x","pipeline":"fakesrc ! fakesink"}' "http://127.0.0.1:$port/v1/pipelines")" 401
rss_before=$(rss_kb "$LUCIDD_PID")
for _ in 1 2 3; do
  expect_eq "TCP, no token, 100 MB Content-Length: 401 at once" "$(huge_request "tcp:$port")" 401
  expect_eq "TCP, token, 100 MB Content-Length: 413 at once" "$(huge_request "tcp:$port" "Authorization: Bearer $token")" 413
done
expect_eq "lucidd buffered none of the declared bodies (RSS grew < 8 MiB)" \
  "$([ $(( $(rss_kb "$LUCIDD_PID") - rss_before )) -lt 8192 ] && echo yes)" yes
expect_eq "nothing created" "$(q "SELECT count(*) FROM daemon_pipelines")" 0
if command -v ss > /dev/null; then
  expect_eq "listens on loopback only" "$(ss -ltnH "sport = :$port" | awk '{print $4}' | sort -u)" "127.0.0.1:$port"
fi

# Metrics (Prometheus text) on the socket and on TCP
wait_for 30 "paced pipeline counted" sh -c "\"$LUCIDCTL\" --config \"$CONF\" metrics | grep -Eq '^lucid_pipeline_rows_sent_total\\{pipeline=\"paced\"\\} [1-9]'"
metrics=$(ctl metrics)
expect_match "metrics: up" "$metrics" '^lucid_pipeline_up\{pipeline="paced"\} 1$'
expect_match "metrics: TYPE lines" "$metrics" '^# TYPE lucid_pipeline_buffers_total counter$'
expect_match "metrics: restarts" "$metrics" '^lucid_pipeline_restarts_total\{pipeline="paced"\} 0$'
inf=$(printf '%s\n' "$metrics" | sed -n 's/^lucid_encoder_latency_seconds_bucket{pipeline="paced",element="lucidtextenc0",le="+Inf"} //p')
count=$(printf '%s\n' "$metrics" | sed -n 's/^lucid_encoder_latency_seconds_count{pipeline="paced",element="lucidtextenc0"} //p')
expect_match "encoder latency histogram counted buffers" "$count" '^[1-9][0-9]*$'
expect_eq "histogram +Inf bucket = count" "$inf" "$count"
expect_eq "histogram buckets are cumulative" "$(printf '%s\n' "$metrics" | awk -F' ' '/^lucid_encoder_latency_seconds_bucket\{pipeline="paced"/ { if ($2 < prev) bad = 1; prev = $2 } END { print bad + 0 }')" 0
# --json everywhere: the metrics as an array of {metric, labels, value}
jm=$(ctl --json metrics)
expect_match "metrics --json: a series with its labels and value" "$(tr -d ' \n' <<<"$jm")" '\{"metric":"lucid_pipeline_up","labels":\{"pipeline":"paced"\},"value":1(\.0)?\}'
expect_match "metrics --json: histogram buckets keep their le label" "$(tr -d ' \n' <<<"$jm")" '"labels":\{"pipeline":"paced","element":"lucidtextenc0","le":"\+Inf"\}'
expect_eq "metrics --json: one object per series" "$(grep -c '"metric"' <<<"$jm")" "$(grep -vc '^#' <<<"$metrics")"
expect_eq "metrics over TCP" "$(tcp -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics")" 200
expect_match "TCP metrics body" "$(cat "$TMP/body")" 'lucid_pipeline_fps\{pipeline="paced"\}'

stop_daemon TERM
expect_match "STOPPING=1 at SIGTERM" "$(cat "$notify_log")" '^STOPPING=1'
# While it drains, lucidd asks systemd for the time the drain may still
# take (EXTEND_TIMEOUT_USEC), so a TimeoutStopSec shorter than the drain
# cannot SIGKILL it mid-drain: sent after STOPPING=1, and the first one
# covers drain_timeout (20 s in write_conf) + 2 s + the 5 s margin.
extend=$(awk '/^STOPPING=1/ { stopping = 1 } stopping && /^EXTEND_TIMEOUT_USEC=/ { sub(/^EXTEND_TIMEOUT_USEC=/, ""); print; exit }' "$notify_log")
expect_match "EXTEND_TIMEOUT_USEC sent while draining" "$extend" '^[0-9]+$'
expect_eq "the extension covers the drain bound" "$([ "${extend:-0}" -gt 26000000 ] && [ "${extend:-0}" -le 27000000 ] && echo yes)" yes
kill "$listener" 2> /dev/null || true
expect_eq "rows sent = stored" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM results JOIN runs ON runs.id = results.run_id WHERE runs.label = 'paced'")" \
  "$(sqlite3 "$DB" "SELECT rows_sent FROM daemon_runs WHERE pipeline = 'paced'")"
finish
