#!/usr/bin/env bash
# Real gst-launch-1.0 vision pipelines into SQLite with the tiny ViT fixture
# (tests/fixtures/tiny-vit) and the head fixtures (tests/fixtures/heads);
# labels and scores are checked against the goldens of
# tools/make_vision_goldens.py (transformers + numpy), asserted with SQL.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
db="$TMP/vision.db"
model="$LUCID_FIXTURES_DIR/tiny-vit"
heads="$LUCID_FIXTURES_DIR/heads"
golden="$LUCID_FIXTURES_DIR/goldens/vision-tiny-vit.json"

# golden CASE FIELD [HEAD] -> the reference value for a golden case
golden() {
  python3 - "$golden" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
case = next(c for c in doc["cases"] if c["input"] == sys.argv[2])
obj = case["heads"][sys.argv[4]] if len(sys.argv) > 4 else case
print(obj[sys.argv[3]])
PY
}

run() { # run LOGNAME gst-launch-args...
  local log="$TMP/$1.log"; shift
  gst-launch-1.0 -q "$@" > "$log" 2>&1 || { cat "$log"; fail "pipeline $(basename "$log" .log) failed"; }
}

# 1. videotestsrc, solid red, RGB, interval=5: 20 frames at 10 fps -> 4 rows.
run red videotestsrc pattern=red num-buffers=20 ! video/x-raw,format=RGB,framerate=10/1 ! \
  lucidvisionenc model="$model" interval=5 ! lucidsink location="$db" store-embeddings=true run-label=red
expect_eq "rows per interval" "$(sql "$db" 'SELECT count(*) FROM results WHERE run_id = 1')" 4
expect_eq "pts of analysed frames (ns)" \
  "$(sql "$db" 'SELECT group_concat(pts) FROM (SELECT pts FROM results WHERE run_id = 1 ORDER BY pts)')" \
  "0,500000000,1000000000,1500000000"
expect_eq "frame duration (ns)" "$(sql "$db" 'SELECT DISTINCT duration FROM results WHERE run_id = 1')" 100000000
expect_eq "stream time = pts" "$(sql "$db" 'SELECT count(*) FROM results WHERE run_id = 1 AND stream_time = pts')" 4
want_label=$(golden "solid red 320x240" label)
want_score=$(golden "solid red 320x240" score)
expect_eq "label from the fixture head = reference ($want_label)" \
  "$(sql "$db" "SELECT DISTINCT label FROM results WHERE run_id = 1")" "$want_label"
expect_eq "score within 1e-4 of the reference ($want_score)" \
  "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = 1 AND abs(score - $want_score) <= 1e-4")" 4
expect_eq "kind" "$(sql "$db" "SELECT DISTINCT kind FROM results WHERE run_id = 1")" labels
expect_eq "top-3 labels listed" "$(sql "$db" "SELECT DISTINCT json_array_length(extras, '\$.labels') FROM results WHERE run_id = 1")" 3
expect_eq "frame size recorded" "$(sql "$db" "SELECT DISTINCT json_extract(extras, '\$.width') || 'x' || json_extract(extras, '\$.height') FROM results WHERE run_id = 1")" 320x240
sha=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)
expect_eq "provenance: weights sha256" "$(sql "$db" 'SELECT DISTINCT m.sha256 FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = 1')" "$sha"
expect_eq "provenance: model dir" "$(sql "$db" 'SELECT DISTINCT m.dir FROM results r JOIN models m ON m.id = r.model_id')" "$model"
expect_eq "provenance: family" "$(sql "$db" 'SELECT DISTINCT m.family FROM results r JOIN models m ON m.id = r.model_id')" vit
expect_match "provenance: pipeline" "$(sql "$db" 'SELECT pipeline FROM runs WHERE id = 1')" 'videotestsrc.*lucidvisionenc.*lucidsink'
expect_match "provenance: interval recorded" "$(sql "$db" "SELECT properties FROM runs WHERE id = 1")" '"interval":5'
expect_eq "embeddings stored" "$(sql "$db" 'SELECT count(*) || ":" || min(dim) || ":" || min(length(vector)) FROM embeddings')" "4:32:128"

# 2. videotestsrc's default pattern in I420 at an odd size, no converter in
#    front: every frame analysed, labels from id2label.
run smpte videotestsrc num-buffers=6 ! video/x-raw,format=I420,width=97,height=41 ! \
  lucidvisionenc model="$model" top-k=1 ! lucidsink location="$db" run-label=smpte
expect_eq "I420 97x41: one row per frame" "$(sql "$db" 'SELECT count(*) FROM results WHERE run_id = 2')" 6
expect_eq "I420 97x41: labels from id2label" \
  "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = 2 AND label IN ('cat','dog','car') AND score BETWEEN 0 AND 1")" 6
run smpte-rgb videotestsrc num-buffers=6 ! video/x-raw,format=I420,width=97,height=41 ! videoconvert ! \
  video/x-raw,format=RGB ! lucidvisionenc model="$model" top-k=1 ! lucidsink location="$db" run-label=smpte-rgb
srgb=$(sql "$db" "SELECT id FROM runs WHERE label = 'smpte-rgb'")
echo "I420 vs RGB: max score difference $(sql "$db" "SELECT max(abs(x.score - y.score)) FROM results x JOIN results y ON x.pts = y.pts WHERE x.run_id = 2 AND y.run_id = $srgb")"
expect_eq "I420 97x41 = videoconvert to RGB: label and score within 1e-4, per frame" \
  "$(sql "$db" "SELECT count(*) FROM results x JOIN results y ON x.pts = y.pts AND x.label = y.label AND abs(x.score - y.score) <= 1e-4 WHERE x.run_id = 2 AND y.run_id = $srgb")" 6

# 3. A file encoded now with Debian's plugins, decoded by decodebin straight
#    into the encoder (whatever raw format the decoder gives).
clip="$TMP/clip.ogv"
if gst-inspect-1.0 theoraenc > /dev/null 2>&1 && gst-inspect-1.0 oggmux > /dev/null 2>&1; then
  gst-launch-1.0 -q videotestsrc pattern=ball num-buffers=30 ! video/x-raw,width=96,height=72,framerate=10/1 ! \
    theoraenc ! oggmux ! filesink location="$clip"
else
  clip="$TMP/clip.mkv"
  gst-launch-1.0 -q videotestsrc pattern=ball num-buffers=30 ! video/x-raw,width=96,height=72,framerate=10/1 ! \
    jpegenc ! matroskamux ! filesink location="$clip"
fi
run file filesrc location="$clip" ! decodebin ! lucidvisionenc model="$model" interval=10 ! \
  lucidsink location="$db" run-label=file
frun=$(sql "$db" "SELECT id FROM runs WHERE label = 'file'")
expect_eq "decoded file: rows per interval" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $frun")" 3
expect_eq "decoded file: pts" \
  "$(sql "$db" "SELECT group_concat(pts) FROM (SELECT pts FROM results WHERE run_id = $frun ORDER BY pts)")" \
  "0,1000000000,2000000000"
expect_eq "decoded file: labels from id2label" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $frun AND label IN ('cat','dog','car')")" 3
expect_eq "decoded file: frame size" "$(sql "$db" "SELECT DISTINCT json_extract(extras, '\$.width') FROM results WHERE run_id = $frun")" 96
# The same frames converted to RGB by videoconvert first: the element's own
# conversion of the decoder's format must give (nearly) the same numbers.
# Both converters are GstVideoConverter with its defaults, so the bound is
# tight: same label and every listed score within 1e-4 (0 here with
# GStreamer 1.22).
run file-rgb filesrc location="$clip" ! decodebin ! videoconvert ! video/x-raw,format=RGB ! \
  lucidvisionenc model="$model" interval=10 ! lucidsink location="$db" run-label=file-rgb
frgb=$(sql "$db" "SELECT id FROM runs WHERE label = 'file-rgb'")
echo "decoded vs RGB: max score difference $(sql "$db" "SELECT max(abs(x.score - y.score)) FROM results x JOIN results y ON x.pts = y.pts WHERE x.run_id = $frun AND y.run_id = $frgb")"
expect_eq "decoded file = videoconvert to RGB: label and score within 1e-4, per frame" \
  "$(sql "$db" "SELECT count(*) FROM results x JOIN results y ON x.pts = y.pts AND x.label = y.label AND abs(x.score - y.score) <= 1e-4 WHERE x.run_id = $frun AND y.run_id = $frgb")" 3

# 4. Batching changes nothing: batch-size 4 with a latency bound.
run batched videotestsrc pattern=red num-buffers=20 ! video/x-raw,format=RGB,framerate=10/1 ! \
  lucidvisionenc model="$model" interval=5 batch-size=4 max-latency=100000000 ! lucidsink location="$db" run-label=batched
expect_eq "batched: same rows and labels" \
  "$(sql "$db" "SELECT count(*) FROM results a JOIN results b ON a.pts = b.pts AND a.label = b.label AND abs(a.score - b.score) < 1e-6 WHERE a.run_id = 1 AND b.run_id = (SELECT id FROM runs WHERE label = 'batched')")" 4

# 5. lucidclassify: nearest centroids of red/green/blue frames and a linear
#    probe, after the encoder, each row with its head's provenance.
for colour in green blue; do
  run "classify-$colour" videotestsrc pattern=$colour num-buffers=4 ! video/x-raw,format=RGB ! \
    lucidvisionenc model="$model" interval=2 ! lucidclassify head="$heads/centroids.safetensors" top-k=1 ! \
    lucidclassify head="$heads/probe.safetensors" ! lucidsink location="$db" run-label="classify-$colour"
  rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'classify-$colour'")
  expect_eq "$colour: rows (encoder + 2 heads, every 2nd frame)" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $rid")" 6
  expect_eq "$colour: centroid label" \
    "$(sql "$db" "SELECT DISTINCT r.label FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $rid AND m.family = 'nearest-centroid'")" \
    "$(golden "solid $colour 320x240" label centroids)"
  expect_eq "$colour: probe label = numpy reference" \
    "$(sql "$db" "SELECT DISTINCT r.label FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $rid AND m.family = 'linear-probe'")" \
    "$(golden "solid $colour 320x240" label probe)"
  expect_eq "$colour: probe score within 1e-4 of numpy" \
    "$(sql "$db" "SELECT count(*) FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $rid AND m.family = 'linear-probe' AND abs(r.score - $(golden "solid $colour 320x240" score probe)) <= 1e-4")" 2
done
head_sha=$(sha256sum "$heads/centroids.safetensors" | cut -d' ' -f1)
expect_eq "head provenance: sha256 and path" \
  "$(sql "$db" "SELECT DISTINCT m.sha256 || ' ' || m.dir FROM models m WHERE m.family = 'nearest-centroid'")" \
  "$head_sha $heads/centroids.safetensors"
expect_eq "head rows name the embedding's model" \
  "$(sql "$db" "SELECT DISTINCT json_extract(r.extras, '\$.input-model-id') FROM results r JOIN models m ON m.id = r.model_id WHERE m.family = 'nearest-centroid'")" "$sha"

# 6. Zero-shot through a BERT text model over lucidtextenc's embeddings
#    agrees with lucidtextenc's own zero-shot labels.
srt="$DATA/talk.srt"
run zs-textenc filesrc location="$srt" ! subparse ! lucidtextenc model="$LUCID_FIXTURES_DIR/tiny-bert" \
  labels="food,weather,sports" top-k=1 ! lucidsink location="$db" run-label=zs-textenc
run zs-classify filesrc location="$srt" ! subparse ! lucidtextenc model="$LUCID_FIXTURES_DIR/tiny-bert" output=embedding ! \
  lucidclassify text-model="$LUCID_FIXTURES_DIR/tiny-bert" labels="food,weather,sports" top-k=1 ! \
  lucidsink location="$db" run-label=zs-classify
a=$(sql "$db" "SELECT id FROM runs WHERE label = 'zs-textenc'")
b=$(sql "$db" "SELECT id FROM runs WHERE label = 'zs-classify'")
n_cues=$(grep -c -- '-->' "$srt")
expect_eq "zero-shot: one classify row per cue" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $b AND element LIKE 'lucidclassify%'")" "$n_cues"
expect_eq "zero-shot: same labels and cosines as lucidtextenc labels=" \
  "$(sql "$db" "SELECT count(*) FROM results x JOIN results y ON x.pts = y.pts AND x.label = y.label AND abs(x.score - y.score) < 1e-5 WHERE x.run_id = $a AND y.run_id = $b AND y.element LIKE 'lucidclassify%'")" "$n_cues"
expect_eq "zero-shot (BERT): default template recorded" \
  "$(sql "$db" "SELECT DISTINCT json_extract(extras, '\$.prompt-template') || ' ' || json_extract(extras, '\$.scoring') FROM results WHERE run_id = $b AND element LIKE 'lucidclassify%'")" "{} cosine"

# 7. Provenance of scores: a head's scoring function is in the extras, and
#    CLIP zero-shot through lucidvisionenc labels= and lucidclassify
#    text-model= with both templates left at their defaults records the
#    same template and gives the same scores.
expect_eq "head rows record their scoring" "$(sql "$db" "SELECT DISTINCT json_extract(extras, '\$.scoring') FROM results WHERE run_id = 1")" softmax
clip="$LUCID_FIXTURES_DIR/tiny-clip"
run zs-clip videotestsrc pattern=blue num-buffers=2 ! video/x-raw,format=RGB ! \
  lucidvisionenc model="$clip" labels="red,green,blue" ! \
  lucidclassify text-model="$clip" labels="red,green,blue" ! lucidsink location="$db" run-label=zs-clip
c=$(sql "$db" "SELECT id FROM runs WHERE label = 'zs-clip'")
expect_eq "CLIP zero-shot: both elements record CLIP's default template and clip-softmax" \
  "$(sql "$db" "SELECT group_concat(t, ';') FROM (SELECT DISTINCT substr(element, 1, 14) || ':' || json_extract(extras, '\$.prompt-template') || ':' || json_extract(extras, '\$.scoring') AS t FROM results WHERE run_id = $c ORDER BY t)")" \
  "lucidclassify0:a photo of {}:clip-softmax;lucidvisionenc:a photo of {}:clip-softmax"
expect_eq "CLIP zero-shot: same labels and scores from both elements by default" \
  "$(sql "$db" "SELECT count(*) FROM results x JOIN results y ON x.pts = y.pts AND x.label = y.label AND abs(x.score - y.score) < 1e-5 WHERE x.run_id = $c AND y.run_id = $c AND x.element LIKE 'lucidvisionenc%' AND y.element LIKE 'lucidclassify%'")" 2

# Provenance covers the preprocessing: the models row holds the text of
# preprocessor_config.json and the SHA-256 of every file Lucid reads from
# the directory (recomputed here independently), and a run whose
# preprocessing differs while the weights are the same gets its own row.
# files_want DIR -> the expected models.files text (see core/lucid-model-files.c)
files_want() {
  python3 - "$1" <<'PY'
import hashlib, json, os, sys
names = ["1_Pooling/config.json", "config.json", "merges.txt", "modules.json",
         "preprocessor_config.json", "sentence_bert_config.json",
         "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
         "vocab.json", "vocab.txt"]
d = sys.argv[1]
files = {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest()
         for n in names if os.path.exists(os.path.join(d, n))}
print(json.dumps(files, separators=(",", ":")))
PY
}
want_files=$(files_want "$model")
expect_eq "provenance: digests of the model's files" \
  "$(sql "$db" 'SELECT DISTINCT m.files FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = 1')" "$want_files"
expect_eq "provenance: files_sha256 = SHA-256 of the files text" \
  "$(sql "$db" 'SELECT DISTINCT m.files_sha256 FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = 1')" \
  "$(printf '%s' "$want_files" | sha256sum | cut -d' ' -f1)"
expect_eq "provenance: preprocessor_config.json recorded (resample, size, mean, std)" \
  "$(sql "$db" "SELECT DISTINCT json_extract(m.preprocessor, '\$.resample') || ' ' || json_extract(m.preprocessor, '\$.size.height') || 'x' || json_extract(m.preprocessor, '\$.size.width') || ' ' || json_extract(m.preprocessor, '\$.image_mean') || ' ' || json_extract(m.preprocessor, '\$.image_std') FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = 1")" \
  "2 32x32 [0.5,0.5,0.5] [0.5,0.5,0.5]"
expect_eq "provenance view: model_preprocessor" \
  "$(sql "$db" "SELECT DISTINCT json_extract(model_preprocessor, '\$.image_processor_type') FROM results_with_provenance WHERE run_id = 1")" ViTImageProcessor
pdb="$TMP/preprocessing.db"
rm -rf "$TMP/pm"; cp -r "$model" "$TMP/pm"
run pre-a videotestsrc pattern=red num-buffers=2 ! video/x-raw,format=RGB ! \
  lucidvisionenc model="$TMP/pm" ! lucidsink location="$pdb" run-label=pre-a
python3 - "$TMP/pm/preprocessor_config.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["resample"] = 3          # bicubic instead of bilinear: nothing else changes
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
run pre-b videotestsrc pattern=red num-buffers=2 ! video/x-raw,format=RGB ! \
  lucidvisionenc model="$TMP/pm" ! lucidsink location="$pdb" run-label=pre-b
expect_eq "runs differing only in preprocessing: same weights, two models rows" \
  "$(sql "$pdb" "SELECT count(DISTINCT sha256) || ' ' || count(*) FROM models")" "1 2"
expect_eq "each run's rows name its own preprocessing" \
  "$(sql "$pdb" "SELECT group_concat(x, ';') FROM (SELECT DISTINCT run_label || ':' || json_extract(model_preprocessor, '\$.resample') AS x FROM results_with_provenance ORDER BY x)")" \
  "pre-a:2;pre-b:3"
expect_eq "the changed file's digest differs, the others do not" \
  "$(sql "$pdb" "SELECT count(DISTINCT json_extract(files, '\$.\"preprocessor_config.json\"')) || ' ' || count(DISTINCT json_extract(files, '\$.\"config.json\"')) || ' ' || count(DISTINCT files_sha256) FROM models")" "2 1 2"
expect_eq "the second row is in the audit log too" \
  "$(sql "$pdb" "SELECT count(*) FROM audit_log WHERE kind = 'model' AND json_extract(payload, '\$.preprocessor.resample') IS NOT NULL")" 2
expect_eq "integrity" "$(sql "$db" 'PRAGMA integrity_check')" ok
finish
