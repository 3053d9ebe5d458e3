#!/usr/bin/env bash
# README command (1): installs what is missing, builds, installs the real
# all-MiniLM-L6-v2 (once), runs the text pipeline over a subtitle file and
# prints an SQL summary of what landed in the database.
#
#   tools/demo.sh [SUBTITLE_FILE] [DATABASE]     defaults: tests/data/talk.srt, demo.db
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
. "$(dirname "$0")/lucid-env.sh"
cd "$LUCID_ROOT"
subs=$(realpath "${1:-tests/data/talk.srt}")
db=${2:-demo.db}
model="$LUCID_MODELS_DIR/all-MiniLM-L6-v2"
labels="sports,politics,weather,technology,cooking"

tools/install-deps.sh
tools/build.sh
if ! tools/install-models.sh; then
  say "The demo needs the real model and it could not be installed (see above)."
  exit 1
fi

export GST_PLUGIN_PATH="$LUCID_ROOT/build/plugins"
say "Running: filesrc $subs ! subparse ! lucidtextenc (all-MiniLM-L6-v2, zero-shot topics) ! lucidsink $db"
gst-launch-1.0 -q \
  filesrc location="$subs" ! subparse ! \
  lucidtextenc model="$model" labels="$labels" top-k=2 ! \
  lucidsink location="$db" store-embeddings=true run-label=demo

say "What landed in $db (plain SQL; see docs/store.md for more queries)"
sqlite3 -box "$db" <<'SQL'
SELECT r.id AS run, r.label, r.started_at, r.status,
       (SELECT count(*) FROM results WHERE run_id = r.id) AS results,
       (SELECT count(*) FROM embeddings e JOIN results x ON x.id = e.result_id
         WHERE x.run_id = r.id) AS embeddings
  FROM runs r ORDER BY r.id DESC LIMIT 3;

SELECT printf('%6.2f', pts / 1e9) AS t_s, label, printf('%.3f', score) AS score,
       substr(json_extract(extras, '$.text'), 1, 60) AS text
  FROM results WHERE run_id = (SELECT max(id) FROM runs) ORDER BY pts;

SELECT label AS topic, count(*) AS cues, printf('%.3f', avg(score)) AS mean_score
  FROM results WHERE run_id = (SELECT max(id) FROM runs)
  GROUP BY label ORDER BY cues DESC;

SELECT m.dir AS model, substr(m.sha256, 1, 16) || '…' AS weights_sha256,
       json_extract(m.config, '$.hidden_size') AS hidden, count(*) AS rows
  FROM results x JOIN models m ON m.id = x.model_id
 WHERE x.run_id = (SELECT max(id) FROM runs) GROUP BY m.id;
SQL
say "Done. Query it yourself: sqlite3 $db 'SELECT * FROM results LIMIT 5'"
