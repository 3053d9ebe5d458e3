#!/usr/bin/env bash
# Real gst-launch-1.0 text pipelines over a subtitle file into SQLite, with
# the tiny fixture model; asserted with SQL.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
db="$TMP/out.db"
model="$LUCID_FIXTURES_DIR/tiny-bert"
srt="$DATA/talk.srt"
n_cues=$(grep -c -- '-->' "$srt")

gst-launch-1.0 -q filesrc location="$srt" ! subparse ! \
  lucidtextenc model="$model" ! lucidsink location="$db" store-embeddings=true run-label=first \
  > "$TMP/run1.log" 2>&1 || { cat "$TMP/run1.log"; fail "first pipeline failed"; finish; }

expect_eq "results rows" "$(sql "$db" 'SELECT count(*) FROM results')" "$n_cues"
expect_eq "first cue pts (ns)" "$(sql "$db" 'SELECT pts FROM results ORDER BY pts LIMIT 1')" 1000000000
expect_eq "first cue duration (ns)" "$(sql "$db" 'SELECT duration FROM results ORDER BY pts LIMIT 1')" 2500000000
expect_eq "second cue pts (ns)" "$(sql "$db" 'SELECT pts FROM results ORDER BY pts LIMIT 1 OFFSET 1')" 4000000000
expect_eq "last cue end (ns)" "$(sql "$db" 'SELECT pts + duration FROM results ORDER BY pts DESC LIMIT 1')" 45000000000
expect_eq "stream time = pts from 0" "$(sql "$db" 'SELECT count(*) FROM results WHERE stream_time = pts')" "$n_cues"
# the tiny model has a classification head: every row gets one of its labels
expect_eq "labels from id2label" "$(sql "$db" "SELECT count(*) FROM results WHERE label IN ('negative','neutral','positive') AND score BETWEEN 0 AND 1")" "$n_cues"
expect_eq "markup stripped in text" "$(sql "$db" "SELECT count(*) FROM results WHERE json_extract(extras, '\$.text') LIKE '%<i>%'")" 0
expect_match "entity decoded" "$(sql "$db" "SELECT json_extract(extras, '\$.text') FROM results WHERE json_extract(extras, '\$.text') LIKE '%sourdough%'")" 'crust & soft'
# provenance: result -> model with the SHA-256 of the weights on disk
sha=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)
expect_eq "provenance sha256" "$(sql "$db" 'SELECT DISTINCT m.sha256 FROM results r JOIN models m ON m.id = r.model_id')" "$sha"
# The settings the model directory resolved to ride on every row: no
# sentence-transformers files, so mean pooling, no normalisation, and
# max_position_embeddings (tokenizer_config.json's model_max_length is
# transformers' "no limit").
expect_eq "resolved settings recorded" "$(sql "$db" "SELECT DISTINCT json_extract(extras, '\$.pooling') || ',' || json_extract(extras, '\$.normalized') || ',' || json_extract(extras, '\$.\"max-length\"') FROM results")" "mean,0,64"
expect_eq "model dir recorded" "$(sql "$db" 'SELECT DISTINCT m.dir FROM results r JOIN models m ON m.id = r.model_id')" "$model"
expect_match "model config recorded" "$(sql "$db" "SELECT json_extract(config, '\$.hidden_size') FROM models")" '^32$'
# The tokenizer files are part of the model's provenance, as the vision
# models' preprocessor_config.json is: their SHA-256 in models.files.
for f in tokenizer.json vocab.txt tokenizer_config.json special_tokens_map.json config.json; do
  expect_eq "model file digest recorded: $f" \
    "$(sql "$db" "SELECT json_extract(files, '\$.\"$f\"') FROM models")" \
    "$(sha256sum "$model/$f" | cut -d' ' -f1)"
done
expect_eq "no preprocessor for a text model" "$(sql "$db" 'SELECT preprocessor IS NULL FROM models')" 1
# provenance: result -> run with the pipeline string and element properties
expect_match "run pipeline string" "$(sql "$db" 'SELECT pipeline FROM runs WHERE id = 1')" 'subparse.*lucidtextenc.*lucidsink'
expect_match "run properties" "$(sql "$db" 'SELECT properties FROM runs WHERE id = 1')" 'tiny-bert'
expect_eq "run ended at EOS" "$(sql "$db" "SELECT status FROM runs WHERE id = 1")" eos
expect_eq "run label" "$(sql "$db" "SELECT label FROM runs WHERE id = 1")" first
# embeddings: one float32 vector of hidden_size per result
expect_eq "embeddings rows" "$(sql "$db" 'SELECT count(*) FROM embeddings')" "$n_cues"
expect_eq "embedding dims" "$(sql "$db" 'SELECT DISTINCT dim || ":" || length(vector) FROM embeddings')" "32:128"
expect_eq "integrity" "$(sql "$db" 'PRAGMA integrity_check')" ok

# Re-running appends a second run instead of clobbering the first.
gst-launch-1.0 -q filesrc location="$srt" ! subparse ! \
  lucidtextenc model="$model" output=embedding ! lucidsink location="$db" run-label=second \
  > "$TMP/run2.log" 2>&1 || { cat "$TMP/run2.log"; fail "second pipeline failed"; }
expect_eq "runs after re-run" "$(sql "$db" 'SELECT count(*) FROM runs')" 2
expect_eq "results after re-run" "$(sql "$db" 'SELECT count(*) FROM results')" $((2 * n_cues))
expect_eq "second run is embeddings only" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = 2 AND kind = 'embedding' AND label IS NULL")" "$n_cues"
expect_eq "no embeddings stored without store-embeddings" "$(sql "$db" 'SELECT count(*) FROM embeddings e JOIN results r ON r.id = e.result_id WHERE r.run_id = 2')" 0
expect_eq "one model row for both runs" "$(sql "$db" 'SELECT count(*) FROM models')" 1

# Batching does not change results: batch-size 4 with a latency bound gives
# the same labels, in order.
gst-launch-1.0 -q filesrc location="$srt" ! subparse ! \
  lucidtextenc model="$model" batch-size=4 max-latency=100000000 ! lucidsink location="$db" run-label=batched \
  > "$TMP/run3.log" 2>&1 || { cat "$TMP/run3.log"; fail "batched pipeline failed"; }
expect_eq "batched rows" "$(sql "$db" 'SELECT count(*) FROM results WHERE run_id = 3')" "$n_cues"
expect_eq "batched labels equal unbatched" \
  "$(sql "$db" 'SELECT group_concat(label) FROM (SELECT label FROM results WHERE run_id = 3 ORDER BY pts)')" \
  "$(sql "$db" 'SELECT group_concat(label) FROM (SELECT label FROM results WHERE run_id = 1 ORDER BY pts)')"
expect_eq "batched scores equal unbatched" \
  "$(sql "$db" 'SELECT count(*) FROM results a JOIN results b ON a.pts = b.pts WHERE a.run_id = 1 AND b.run_id = 3 AND abs(a.score - b.score) < 1e-5')" "$n_cues"
finish
