#!/usr/bin/env bash
# README command (1): installs what is missing, builds, installs the real
# all-MiniLM-L6-v2 (once), then runs lucidd — Lucid's daemon — in the
# foreground on a temporary state directory with the bundled pipelines of
# pipelines/ (text topics, a paced text stream, a bias audit with alerts,
# vision on a generated test pattern), analyses one more file with
# `lucidctl run`, shows `lucidctl status` and the audit alerts, stops lucidd
# cleanly (SIGTERM: every pipeline drains, every row is committed), labels
# test frames zero-shot with a real CLIP when one is in the models directory
# (clip-vit-base-patch32; skipped otherwise), prints
# an SQL summary and verifies the database's audit log (`lucidctl verify`).
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

# The vision pipeline's model: a real ViT found in the models directory
# (config.json model_type "vit" with its preprocessor), else the
# random-weight fixture, which shows the plumbing but not a classifier.
vision_model="$LUCID_ROOT/tests/fixtures/tiny-vit"
for cfg in "$LUCID_MODELS_DIR"/*/config.json; do
  dir=$(dirname "$cfg")
  if grep -Eq '"model_type": *"vit"' "$cfg" && [ -f "$dir/preprocessor_config.json" ]; then
    vision_model=$dir
    break
  fi
done

# A real CLIP for zero-shot labels, when tools/fetch-model.py put one in the
# models directory (clip-vit-base-patch32 first, else any CLIPModel with its
# tokenizer and preprocessor); none: the demo skips that step.
clip_model=
for dir in "$LUCID_MODELS_DIR/clip-vit-base-patch32" "$LUCID_MODELS_DIR"/*; do
  cfg="$dir/config.json"
  if [ -f "$cfg" ] && grep -Eq '"model_type": *"clip"' "$cfg" && [ -f "$dir/model.safetensors" ] &&
    [ -f "$dir/tokenizer.json" ] && [ -f "$dir/preprocessor_config.json" ]; then
    clip_model=$dir
    break
  fi
done

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
vision_model = $vision_model
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

say "Pipelines from pipelines/: talk-topics (once), talk-paced (0.4 s a cue), talk-audit (once),"
say "vision-testsrc (once; model $vision_model), talk-file (a template)"
sleep 3
lucidctl status

say "lucidctl run $subs --pipeline talk-file"
lucidctl run "$subs" --pipeline talk-file

say "lucidctl status, while talk-paced is still running"
lucidctl status

say "Audit alerts of talk-audit: lucid-audit-alert bus messages (lucidctl messages), counted in the metrics"
lucidctl messages talk-audit --json |
  sed -n 's/.*"text" : "lucid-audit-alert, .*metric=(string)\([a-z_]*\), grouping=(string)\([a-z]*\),.*value=(double)\([-0-9.e]*\).*/  lucid-audit-alert: \1 of \2 = \3/p' | head -6
lucidctl metrics | grep -E '^lucid_pipeline_audit_(alerts|windows)_total\{pipeline="talk-audit"\}'

say "Stopping lucidd (SIGTERM: EOS to every pipeline, every row committed)"
kill -TERM "$lucidd_pid"
wait "$lucidd_pid"
lucidd_pid=

if [ -n "$clip_model" ]; then
  say "Zero-shot labels with CLIP ($clip_model): solid red, green and blue test frames"
  for pattern in red green blue; do
    gst-launch-1.0 -q videotestsrc pattern=$pattern num-buffers=2 ! \
      lucidvisionenc model="$clip_model" labels="red,green,blue,a cat" top-k=2 ! \
      lucidsink location="$db" run-label="clip-zero-shot-$pattern"
  done
  sqlite3 -box "$db" <<'SQL'
SELECT r.label AS run, x.label, printf('%.3f', x.score) AS score,
       json_extract(x.extras, '$.prompt-template') AS template,
       json_extract(x.extras, '$.scoring') AS scoring
  FROM results x JOIN runs r ON r.id = x.run_id
 WHERE r.label LIKE 'clip-zero-shot-%' AND x.pts = 0 ORDER BY r.id;
SQL
else
  say "No CLIP model under $LUCID_MODELS_DIR (tools/fetch-model.py openai/clip-vit-base-patch32): zero-shot step skipped"
fi

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

SELECT r.label AS pipeline, x.label AS vision_label, count(*) AS frames,
       printf('%.3f', avg(x.score)) AS mean_score,
       printf('%.2f–%.2f', min(x.pts) / 1e9, max(x.pts) / 1e9) AS t_s,
       max((SELECT e.dim FROM embeddings e WHERE e.result_id = x.id)) AS embedding_dim
  FROM results x JOIN runs r ON r.id = x.run_id
 WHERE r.id = (SELECT max(id) FROM runs WHERE label = 'vision-testsrc')
 GROUP BY x.label ORDER BY frames DESC;

SELECT m.dir AS model, substr(m.sha256, 1, 16) || '…' AS weights_sha256,
       json_extract(m.config, '$.model_type') AS type,
       json_extract(m.config, '$.hidden_size') AS hidden, count(*) AS rows
  FROM results x JOIN models m ON m.id = x.model_id GROUP BY m.id;

-- the latest between-group figures of the talk-audit run (docs/audit.md)
SELECT grouping, metric, printf('%.3f', value) AS value,
       printf('[%.3f, %.3f]', lower, upper) AS bootstrap_95, window_index AS window
  FROM audit_latest_figures
 WHERE group_key IS NULL
   AND run_id = (SELECT max(id) FROM runs WHERE label = 'talk-audit')
 ORDER BY grouping, metric;

SELECT window_index AS window, rule, grouping, printf('%.3f', value) AS value,
       CASE WHEN is_new THEN 'new' ELSE '' END AS crossing
  FROM audit_breaches
 WHERE run_id = (SELECT max(id) FROM runs WHERE label = 'talk-audit')
 ORDER BY seq;
SQL

say "lucidctl verify: the tamper-evident audit log of $db (figures, alerts, runs, models)"
"$LUCID_ROOT/build/daemon/lucidctl" verify "$db"
say "Done. Query it yourself: build/daemon/lucidctl query --database $db 'SELECT * FROM daemon_events'"
