#!/usr/bin/env bash
# CLIP zero-shot through real gst-launch-1.0 pipelines into SQLite, with the
# tiny CLIP fixture (tests/fixtures/tiny-clip) and prompts from the pipeline
# string; labels and scores are checked against the goldens of
# tools/make_clip_zero_shot_goldens.py (transformers CLIPProcessor with the
# PIL image processor + CLIPModel: logits_per_image.softmax(-1); prompt
# ensembles with the CLIP paper's template averaging) and, for single
# towers, tools/make_clip_tower_fixtures.py (CLIPVisionModelWithProjection
# + CLIPTextModelWithProjection), asserted with SQL. The fixture's weights are random: the labels mean nothing, they
# only prove Lucid computes what transformers computes.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
db="$TMP/clip.db"
model="$LUCID_FIXTURES_DIR/tiny-clip"
golden="$LUCID_FIXTURES_DIR/goldens/vision-tiny-clip.json"
sha=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)

# golden CASE SET FIELD -> label / score of the reference's top-1;
# golden CASE SET scores -> "label=score" lines, one per label
golden() {
  python3 - "$golden" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
case = next(c for c in doc["cases"] if c["input"] == sys.argv[2])
kind = "ensembles" if sys.argv[3] in doc.get("ensembles", {}) else "sets"
res = case[kind][sys.argv[3]]
labels = doc["ensembles" if kind == "ensembles" else "prompt_sets"][sys.argv[3]]["labels"]
if sys.argv[4] == "template":
    print(doc["ensembles"][sys.argv[3]]["prompt_template"])
elif sys.argv[4] == "scores":
    for label, s in zip(labels, res["scores"]):
        print(f"{label}={s!r}")
else:
    print(res[sys.argv[4]])
PY
}

run() { # run LOGNAME gst-launch-args...
  local log="$TMP/$1.log"; shift
  gst-launch-1.0 -q "$@" > "$log" 2>&1 || { cat "$log"; fail "pipeline $(basename "$log" .log) failed"; }
}

# check_scores RUN_ID CASE SET ELEMENT_PREFIX N_ROWS: every label's score in
# the rows' extras within 1e-4 of the reference, and the top-1.
check_scores() {
  local rid=$1 case=$2 set=$3 element=$4 rows=$5 line label score
  expect_eq "run $rid $element: top label = reference" \
    "$(sql "$db" "SELECT DISTINCT label FROM results WHERE run_id = $rid AND element LIKE '$element%'")" \
    "$(golden "$case" "$set" label)"
  while IFS= read -r line; do
    label=${line%%=*}; score=${line#*=}
    expect_eq "run $rid $element: score of '$label' within 1e-4 of $score" \
      "$(sql "$db" "SELECT count(*) FROM results r, json_each(r.extras, '\$.labels') l
                    WHERE r.run_id = $rid AND r.element LIKE '$element%' AND l.value = '$label'
                      AND abs(json_extract(r.extras, '\$.scores[' || l.key || ']') - $score) <= 1e-4")" "$rows"
  done < <(golden "$case" "$set" scores)
}

# 1. The zero-shot pipeline: prompts from the pipeline string, solid
#    videotestsrc frames in RGB (the reference's input; an I420 frame would
#    go through GStreamer's YUV->RGB first), 3 frames each.
for colour in red green blue; do
  run "zs-$colour" videotestsrc pattern=$colour num-buffers=3 ! video/x-raw,format=RGB,framerate=10/1 ! \
    lucidvisionenc model="$model" labels="red,green,blue" prompt-template="a photo of {}" ! \
    lucidsink location="$db" store-embeddings=true run-label="zs-$colour"
  rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'zs-$colour'")
  expect_eq "$colour: one row per frame" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $rid")" 3
  expect_eq "$colour: kind" "$(sql "$db" "SELECT DISTINCT kind FROM results WHERE run_id = $rid")" labels
  expect_eq "$colour: all three labels listed" \
    "$(sql "$db" "SELECT DISTINCT json_array_length(extras, '\$.labels') FROM results WHERE run_id = $rid")" 3
  check_scores "$rid" "solid $colour 320x240" colours lucidvisionenc 3
done
expect_eq "provenance: family" "$(sql "$db" 'SELECT DISTINCT m.family FROM results r JOIN models m ON m.id = r.model_id')" clip
expect_eq "provenance: weights sha256" "$(sql "$db" 'SELECT DISTINCT m.sha256 FROM results r JOIN models m ON m.id = r.model_id')" "$sha"
expect_eq "provenance: model dir" "$(sql "$db" 'SELECT DISTINCT m.dir FROM results r JOIN models m ON m.id = r.model_id')" "$model"
expect_match "provenance: the prompts are in the pipeline" \
  "$(sql "$db" "SELECT pipeline FROM runs WHERE label = 'zs-red'")" 'labels=.?red,green,blue.*prompt-template=.?a photo of \{\}'
expect_match "provenance: labels property recorded" \
  "$(sql "$db" "SELECT properties FROM runs WHERE label = 'zs-red'")" '"labels":"red,green,blue"'
expect_eq "embeddings: projection_dim floats, 9 rows" \
  "$(sql "$db" 'SELECT count(*) || ":" || min(dim) || ":" || max(dim) || ":" || min(length(vector)) FROM embeddings')" "9:16:16:64"

# 2. lucidclassify with text-model= the same CLIP directory, after
#    lucidvisionenc without labels: CLIP's softmax, the same labels and
#    scores as lucidvisionenc labels= on the same frames.
run classify videotestsrc pattern=green num-buffers=3 ! video/x-raw,format=RGB,framerate=10/1 ! \
  lucidvisionenc model="$model" ! \
  lucidclassify text-model="$model" labels="red,green,blue" prompt-template="a photo of {}" ! \
  lucidsink location="$db" run-label=classify
a=$(sql "$db" "SELECT id FROM runs WHERE label = 'zs-green'")
b=$(sql "$db" "SELECT id FROM runs WHERE label = 'classify'")
expect_eq "classify: rows (encoder embedding + classify labels)" \
  "$(sql "$db" "SELECT group_concat(kind) FROM (SELECT kind FROM results WHERE run_id = $b GROUP BY kind ORDER BY kind)")" embedding,labels
expect_eq "classify: scoring clip-softmax, model family clip" \
  "$(sql "$db" "SELECT DISTINCT json_extract(r.extras, '\$.scoring') || ' ' || m.family FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $b AND r.element LIKE 'lucidclassify%'")" \
  "clip-softmax clip"
expect_eq "classify = lucidvisionenc labels= (label and every score within 1e-6)" \
  "$(sql "$db" "SELECT count(*) FROM results x JOIN results y ON x.pts = y.pts AND x.label = y.label
                WHERE x.run_id = $a AND y.run_id = $b AND y.element LIKE 'lucidclassify%'
                  AND (SELECT max(abs(json_extract(x.extras, '\$.scores[' || i.key || ']') - json_extract(y.extras, '\$.scores[' || i.key || ']')))
                       FROM json_each(x.extras, '\$.labels') i) <= 1e-6
                  AND json_extract(x.extras, '\$.labels') = json_extract(y.extras, '\$.labels')")" 3
check_scores "$b" "solid green 320x240" colours lucidclassify 3

# 3. A PNG file through pngdec (RGB, 45x30, odd size) with another prompt
#    set and template, including non-ASCII labels.
run png filesrc location="$LUCID_FIXTURES_DIR/clip-images/gradient-45x30.png" ! pngdec ! \
  lucidvisionenc model="$model" labels="cat;dog;traffic light;crème brûlée" prompt-template="a blurry photo of a {}." top-k=4 ! \
  lucidsink location="$db" run-label=png
rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'png'")
expect_eq "png: one row, frame size" \
  "$(sql "$db" "SELECT count(*) || ':' || json_extract(extras, '\$.width') || 'x' || json_extract(extras, '\$.height') FROM results WHERE run_id = $rid")" "1:45x30"
check_scores "$rid" "png gradient-45x30.png" objects lucidvisionenc 1

# 4. The pipeline exactly as a user writes it, no caps: whatever format
#    videotestsrc picks, every frame gets three labels summing to 1.
run plain videotestsrc pattern=blue num-buffers=2 ! \
  lucidvisionenc model="$model" labels="red,green,blue" prompt-template="a photo of {}" ! \
  lucidsink location="$db" run-label=plain
rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'plain'")
expect_eq "no caps: rows with 3 scores summing to 1" \
  "$(sql "$db" "SELECT count(*) FROM results r WHERE run_id = $rid AND (SELECT abs(sum(value) - 1) < 1e-5 AND count(*) = 3 FROM json_each(r.extras, '\$.scores'))")" 2
# 5. A prompt ensemble from the pipeline string: three templates separated
#    by '|'; each label's text embedding averages its three prompts'.
templates=$(golden "solid red 320x240" colours-ensemble template)
run ensemble videotestsrc pattern=red num-buffers=2 ! video/x-raw,format=RGB,framerate=10/1 ! \
  lucidvisionenc model="$model" labels="red,green,blue" prompt-template="$templates" ! \
  lucidsink location="$db" run-label=ensemble
rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'ensemble'")
expect_eq "ensemble: one row per frame" "$(sql "$db" "SELECT count(*) FROM results WHERE run_id = $rid")" 2
check_scores "$rid" "solid red 320x240" colours-ensemble lucidvisionenc 2
expect_match "ensemble: the templates are in the run's properties" \
  "$(sql "$db" "SELECT properties FROM runs WHERE id = $rid")" '"prompt-template":"a photo of \{\}\.\|a drawing of'

# 6. Single towers: a CLIPVisionModelWithProjection directory embeds the
#    frames, lucidclassify with a CLIPTextModelWithProjection directory
#    labels them (cosines: single towers carry no logit scale).
vision="$LUCID_FIXTURES_DIR/tiny-clip-vision"
text="$LUCID_FIXTURES_DIR/tiny-clip-text"
towers="$LUCID_FIXTURES_DIR/goldens/clip-towers.json"
run towers videotestsrc pattern=blue num-buffers=2 ! video/x-raw,format=RGB,framerate=10/1 ! \
  lucidvisionenc model="$vision" ! \
  lucidclassify text-model="$text" labels="red,green,blue" prompt-template="a photo of {}" ! \
  lucidsink location="$db" store-embeddings=true run-label=towers
rid=$(sql "$db" "SELECT id FROM runs WHERE label = 'towers'")
want=$(python3 - "$towers" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
c = next(c for c in doc["cases"] if c["input"] == "solid blue 320x240")
print(c["split"]["label"], round(c["split"]["score"], 6))
PY
)
# (models.family is config.json's model_type, so it tells the towers apart.)
expect_eq "towers: encoder rows name the image tower" \
  "$(sql "$db" "SELECT DISTINCT m.dir || ' ' || m.family || ' ' || m.sha256 FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $rid AND r.element LIKE 'lucidvisionenc%'")" \
  "$vision clip_vision_model $(sha256sum "$vision/model.safetensors" | cut -d' ' -f1)"
expect_eq "towers: classify rows name the text tower, scoring cosine" \
  "$(sql "$db" "SELECT DISTINCT m.dir || ' ' || m.family || ' ' || json_extract(r.extras, '\$.scoring') FROM results r JOIN models m ON m.id = r.model_id WHERE r.run_id = $rid AND r.element LIKE 'lucidclassify%'")" \
  "$text clip_text_model cosine"
expect_eq "towers: top label and cosine = transformers' (1e-4)" \
  "$(sql "$db" "SELECT DISTINCT label || ' ' || (abs(score - ${want#* }) <= 1e-4) FROM results WHERE run_id = $rid AND element LIKE 'lucidclassify%'")" \
  "${want% *} 1"
expect_eq "towers: projection_dim embeddings stored" \
  "$(sql "$db" "SELECT count(*) || ':' || min(dim) FROM embeddings e JOIN results r ON r.id = e.result_id WHERE r.run_id = $rid")" "2:16"
expect_eq "integrity" "$(sql "$db" 'PRAGMA integrity_check')" ok
finish
