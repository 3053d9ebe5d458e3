#!/usr/bin/env bash
# README command (1): installs what is missing, builds, installs the real
# all-MiniLM-L6-v2 (once), then runs lucidd — Lucid's daemon — in the
# foreground on a temporary state directory with the bundled pipelines of
# pipelines/, lets them run over a subtitle file, analyses one more file
# with `lucidctl run`, shows `lucidctl status` and an SQL summary, and stops
# lucidd cleanly (SIGTERM: every pipeline drains, every row is committed).
#
#   tools/demo.sh [SUBTITLE_FILE] [DATABASE]     defaults: tests/data/talk.srt, demo.db
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
. "$(dirname "$0")/lucid-env.sh"
cd "$LUCID_ROOT"
subs=$(realpath "${1:-tests/data/talk.srt}")
db=$(realpath -m "${2:-demo.db}")

tools/install-deps.sh
tools/build.sh
if ! tools/install-models.sh; then
  say "The demo needs the real model and it could not be installed (see above)."
  exit 1
fi

state=$(mktemp -d "${TMPDIR:-/tmp}/lucid-demo-XXXXXX")
lucidd_pid=
cleanup() {
  if [ -n "$lucidd_pid" ]; then kill -9 "$lucidd_pid" 2> /dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT
conf="$state/lucidd.conf"
cat > "$conf" <<CONF
[daemon]
state_dir = $state
database = $db
pipelines_dir = $LUCID_ROOT/pipelines
drain_timeout = 10
[api]
allowed_paths = $state;$(dirname "$subs");$LUCID_MODELS_DIR
[vars]
data_dir = $LUCID_ROOT/tests/data
models_dir = $LUCID_MODELS_DIR
CONF
export GST_PLUGIN_PATH="$LUCID_ROOT/build/plugins"
lucidctl() { "$LUCID_ROOT/build/daemon/lucidctl" --config "$conf" "$@"; }

say "Starting lucidd (foreground, state in $state, database $db)"
"$LUCID_ROOT/build/daemon/lucidd" --config "$conf" &
lucidd_pid=$!
for _ in $(seq 1 100); do
  lucidctl daemon > /dev/null 2>&1 && break
  sleep 0.1
done

say "Pipelines from pipelines/: talk-topics (once), talk-paced (0.4 s a cue), talk-file (a template)"
sleep 3
lucidctl status

say "lucidctl run $subs --pipeline talk-file"
lucidctl run "$subs" --pipeline talk-file

say "lucidctl status, while talk-paced is still running"
lucidctl status

say "Stopping lucidd (SIGTERM: EOS to every pipeline, every row committed)"
kill -TERM "$lucidd_pid"
wait "$lucidd_pid"
lucidd_pid=

say "What landed in $db (plain SQL; see docs/store.md and docs/daemon.md)"
sqlite3 -box "$db" <<'SQL'
SELECT pipeline, count(*) AS worker_runs, group_concat(outcome) AS outcomes,
       sum(rows_sent) AS rows_sent,
       (SELECT count(*) FROM results x JOIN runs r ON r.id = x.run_id
         WHERE r.label = d.pipeline) AS rows_stored
  FROM daemon_runs d GROUP BY pipeline ORDER BY min(id) DESC LIMIT 6;

SELECT printf('%6.2f', pts / 1e9) AS t_s, label, printf('%.3f', score) AS score,
       substr(json_extract(extras, '$.text'), 1, 60) AS text
  FROM results
 WHERE run_id = (SELECT max(id) FROM runs WHERE label = 'talk-topics')
 ORDER BY pts;

SELECT r.label AS pipeline, x.label AS topic, count(*) AS cues,
       printf('%.3f', avg(x.score)) AS mean_score
  FROM results x JOIN runs r ON r.id = x.run_id
 WHERE x.label IS NOT NULL
   AND r.id IN (SELECT max(id) FROM runs GROUP BY label)
 GROUP BY r.label, x.label ORDER BY r.label, cues DESC;

SELECT m.dir AS model, substr(m.sha256, 1, 16) || '…' AS weights_sha256,
       json_extract(m.config, '$.hidden_size') AS hidden, count(*) AS rows
  FROM results x JOIN models m ON m.id = x.model_id GROUP BY m.id;
SQL
say "Done. Query it yourself: build/daemon/lucidctl query --database $db 'SELECT * FROM daemon_events'"
