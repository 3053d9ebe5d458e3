#!/usr/bin/env bash
# The demo pipeline with the real all-MiniLM-L6-v2: zero-shot topic labels
# for the bundled subtitles must be the obvious ones. Skips (exit 77, shown
# as SKIP by meson) when tools/install-models.sh could not install it.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
models=${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}
model="$models/all-MiniLM-L6-v2"
if [ ! -f "$model/model.safetensors" ]; then
  echo "SKIP: real model not installed at $model: run tools/install-models.sh"
  exit 77
fi
db="$TMP/real.db"
gst-launch-1.0 -q filesrc location="$DATA/talk.srt" ! subparse ! \
  lucidtextenc model="$model" labels="sports,politics,weather,technology,cooking" ! \
  lucidsink location="$db" store-embeddings=true > "$TMP/run.log" 2>&1 \
  || { cat "$TMP/run.log"; fail "pipeline failed"; finish; }
label_at() { sql "$db" "SELECT label FROM results WHERE pts = $1"; }
expect_eq "cue 2 (cup final)" "$(label_at 4000000000)" sports
expect_eq "cue 3 (budget debate)" "$(label_at 8000000000)" politics
expect_eq "cue 4 (rain)" "$(label_at 11500000000)" weather
expect_eq "cue 5 (phone)" "$(label_at 15000000000)" technology
expect_eq "cue 6 (sourdough)" "$(label_at 19000000000)" cooking
expect_eq "cue 8 (snow)" "$(label_at 27000000000)" weather
expect_eq "cue 9 (tennis)" "$(label_at 31000000000)" sports
expect_eq "embedding dims" "$(sql "$db" 'SELECT DISTINCT dim FROM embeddings')" 384
# normalised embeddings (modules.json Normalize): unit length
norm=$(python3 - "$db" <<'PY'
import sqlite3, struct, sys, math
con = sqlite3.connect(sys.argv[1])
worst = 0.0
for (blob,) in con.execute('SELECT vector FROM embeddings'):
    v = struct.unpack('<%df' % (len(blob) // 4), blob)
    worst = max(worst, abs(math.sqrt(sum(x * x for x in v)) - 1.0))
print('ok' if worst < 1e-5 else 'bad %g' % worst)
PY
)
expect_eq "unit-norm embeddings" "$norm" ok
finish
