#!/usr/bin/env bash
# Bad input to the vision elements through real gst-launch-1.0 runs: each
# case fails with a message naming the file and the problem, never a crash
# or hang; odd but valid frame sizes work.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
model="$LUCID_FIXTURES_DIR/tiny-vit"
heads="$LUCID_FIXTURES_DIR/heads"

# expect_error WHAT REGEX gst-launch-args...
#
# The sources are live (videotestsrc is-live=true): gst-launch-1.0 (1.22)
# quits its main loop from its bus sync handler when an ERROR is posted,
# and a quit issued before g_main_loop_run() starts is lost. A non-live
# source streams as soon as the pipeline goes to PAUSED, so an error the
# first caps cause (set_caps, not-negotiated) can be posted in that window;
# GstBin then marks the state change failed, no PAUSED state message comes,
# and gst-launch waits forever (a sink prerolled on the source's EOS). A live
# source sends buffers only in PLAYING, which gst-launch sets from inside its
# main loop; a buffer push resends refused caps (or fails), so an error is
# always posted again while the loop runs. Without is-live this hung 3 runs
# in 12 on a loaded machine.
expect_error() {
  local what=$1 re=$2; shift 2
  local rc=0
  timeout 60 gst-launch-1.0 "$@" > "$TMP/err.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then fail "$what: pipeline succeeded"; return; fi
  if [ "$rc" -eq 124 ] || { [ "$rc" -gt 128 ] && [ "$rc" -lt 255 ]; }; then
    fail "$what: crashed or hung (exit $rc)"; cat "$TMP/err.log"; return
  fi
  if grep -Eq -- "$re" "$TMP/err.log"; then ok "$what: error names /$re/"
  else fail "$what: message does not match /$re/:"; cat "$TMP/err.log"; fi
}
copy_model() { rm -rf "$TMP/m"; cp -r "$model" "$TMP/m"; }

expect_error "text-only model" "tiny-bert/config.json.*is a text model" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$LUCID_FIXTURES_DIR/tiny-bert" ! fakesink

copy_model; rm "$TMP/m/preprocessor_config.json"
expect_error "missing preprocessor_config.json" "$TMP/m/preprocessor_config.json" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/m" ! fakesink

copy_model; printf '{"size": {"height": 32' > "$TMP/m/preprocessor_config.json"
expect_error "malformed preprocessor_config.json" "$TMP/m/preprocessor_config.json" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/m" ! fakesink

copy_model; head -c 2000 "$model/model.safetensors" > "$TMP/m/model.safetensors"
expect_error "truncated weights" "$TMP/m/model.safetensors" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/m" ! fakesink

# Pickled weights instead of safetensors: the one shared message says how
# to convert them (and names no option that does not exist).
copy_model; mv "$TMP/m/model.safetensors" "$TMP/m/pytorch_model.bin"
expect_error "ViT with only pytorch_model.bin" "$TMP/m/model.safetensors: missing; found pytorch_model.bin.*safetensors.torch.save_file" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/m" ! fakesink
if grep -q -- "--convert" "$TMP/err.log"; then fail "missing-weights message names a --convert option"; fi

# CLIP directories (tests/fixtures/tiny-clip) missing what the family needs.
clip="$LUCID_FIXTURES_DIR/tiny-clip"
copy_clip() { rm -rf "$TMP/c"; cp -r "$clip" "$TMP/c"; }
copy_clip; rm "$TMP/c/preprocessor_config.json"
expect_error "CLIP without preprocessor_config.json" "$TMP/c/preprocessor_config.json" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/c" labels="red,green" ! fakesink
copy_clip; mv "$TMP/c/model.safetensors" "$TMP/c/pytorch_model.bin"
expect_error "CLIP with only pytorch_model.bin" "$TMP/c/model.safetensors: missing; found pytorch_model.bin.*safetensors.torch.save_file" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/c" labels="red,green" ! fakesink
copy_clip; rm "$TMP/c/tokenizer.json"
expect_error "CLIP without tokenizer.json" "$TMP/c: no tokenizer.json" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/c" labels="red,green" ! fakesink
copy_clip; printf '{"model_type": "clip_text_model", "hidden_size": 32}' > "$TMP/c/config.json"
expect_error "CLIP text tower alone (text-only model)" "$TMP/c/config.json.*\"clip_text_model\" is a text model" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/c" ! fakesink
expect_error "labels= on a CLIP image tower alone" "labels= needs a text tower; $LUCID_FIXTURES_DIR/tiny-clip-vision is a CLIP image tower on its own" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$LUCID_FIXTURES_DIR/tiny-clip-vision" labels="red" ! fakesink
expect_error "CLIP text tower to the vision element" "tiny-clip-text/config.json.*\"clip_text_model\" is a text model" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$LUCID_FIXTURES_DIR/tiny-clip-text" ! fakesink
expect_error "CLIPTextModel without projection as text-model" "tiny-clip-text-bare is a CLIPTextModel without text_projection" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$LUCID_FIXTURES_DIR/tiny-clip-vision" ! lucidclassify text-model="$LUCID_FIXTURES_DIR/tiny-clip-text-bare" labels="red" ! fakesink
copy_clip; rm "$TMP/c/preprocessor_config.json"; cp "$LUCID_FIXTURES_DIR/tiny-clip-vision/"{config.json,model.safetensors} "$TMP/c/"
expect_error "CLIP image tower without preprocessor_config.json" "$TMP/c/preprocessor_config.json" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$TMP/c" ! fakesink
expect_error "empty template in a prompt ensemble" "template 2 of 2 is empty" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$clip" labels="red" prompt-template="a photo of {}|" ! fakesink
expect_error "CLIP prompt-template without {}" "prompt-template" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$clip" labels="red" prompt-template="a photo" ! fakesink
expect_error "lucidclassify: CLIP head after a ViT (32 vs 16 values)" "16-value embeddings; this one has 32" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify text-model="$clip" labels="red,green" ! fakesink

expect_error "labels= on a ViT model" "labels= needs a CLIP model; $model is a ViT model" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" labels="cat,dog" ! fakesink

expect_error "prompt-template without {}" "prompt-template" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" labels="cat" prompt-template="a photo" ! fakesink

expect_error "audio caps refused" "not-negotiated|not negotiated|could not link|Could not link" \
  audiotestsrc num-buffers=2 ! lucidvisionenc model="$model" ! fakesink

expect_error "10-bit packed v210 refused" "not-negotiated|not negotiated|could not link|Could not link" \
  videotestsrc is-live=true num-buffers=2 ! video/x-raw,format=v210,width=48,height=8 ! lucidvisionenc model="$model" ! fakesink

expect_error "unsupported device" "Device \"cuda\" is not supported" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" device=cuda ! fakesink

# A processor that resizes by shortest edge without a crop gives other
# sizes for non-square frames than the model takes: refused at caps time.
copy_model
cat > "$TMP/m/preprocessor_config.json" <<'JSON'
{"image_processor_type": "ViTImageProcessor", "size": {"shortest_edge": 32},
 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
JSON
expect_error "frame size the model cannot take" "turns a 320×240 frame into 42×32" \
  videotestsrc is-live=true num-buffers=2 ! video/x-raw,width=320,height=240 ! lucidvisionenc model="$TMP/m" ! fakesink

# Odd but valid frame sizes are analysed.
for size in "1 1" "7 3" "3 301"; do
  set -- $size
  rc=0
  gst-launch-1.0 -q videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=$1,height=$2 ! \
    lucidvisionenc model="$model" ! lucidsink location="$TMP/odd.db" > "$TMP/odd.log" 2>&1 || rc=$?
  expect_eq "frame ${1}x${2} analysed (exit status)" "$rc" 0
done
expect_eq "odd frames: one row each" "$(sql "$TMP/odd.db" 'SELECT count(*) FROM results')" 6
# Extreme aspect ratios through CLIP's shortest-edge resize and crop: 2000x2
# resizes to 32000x32 before the 32x32 crop, as transformers' processor
# does (only the crop is computed); analysed, not refused.
for size in "2000 2" "2 2000"; do
  set -- $size
  rc=0
  gst-launch-1.0 -q videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=$1,height=$2 ! \
    lucidvisionenc model="$LUCID_FIXTURES_DIR/tiny-clip" ! lucidsink location="$TMP/aspect.db" > "$TMP/aspect.log" 2>&1 || rc=$?
  expect_eq "CLIP frame ${1}x${2} analysed (exit status)" "$rc" 0
  [ "$rc" -eq 0 ] || cat "$TMP/aspect.log"
done
expect_eq "extreme aspect ratios: one row each" "$(sql "$TMP/aspect.db" 'SELECT count(*) FROM results')" 4

# lucidclassify settings and head files.
expect_error "classify without a head" "either head=.*or text-model=" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify ! fakesink
expect_error "missing head file" "/nonexistent/head.safetensors" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify head=/nonexistent/head.safetensors ! fakesink
printf 'garbage!' > "$TMP/garbage.safetensors"
expect_error "corrupt head file" "$TMP/garbage.safetensors" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify head="$TMP/garbage.safetensors" ! fakesink
# A model's weights are safetensors but not a head.
expect_error "safetensors that is not a head" "not a Lucid head file" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify head="$model/model.safetensors" ! fakesink
# A head for 5-value embeddings after a 32-value encoder.
python3 - "$TMP/dim5.safetensors" <<'PY'
import json, struct, sys
h = json.dumps({"__metadata__": {"lucid.head": "nearest-centroid", "lucid.labels": "[\"a\",\"b\"]"},
                "centroids": {"dtype": "F32", "shape": [2, 5], "data_offsets": [0, 40]}}).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + struct.pack("<10f", *range(10)))
PY
expect_error "head of another embedding size" "dim5.safetensors.*5-value embeddings; this one has 32" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify head="$TMP/dim5.safetensors" ! fakesink
expect_error "labels= with a head file" "labels= goes with text-model=" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify head="$heads/probe.safetensors" labels=a,b ! fakesink
expect_error "zero-shot with a vision model dir" "tiny-vit" \
  videotestsrc is-live=true num-buffers=2 ! lucidvisionenc model="$model" ! lucidclassify text-model="$model" labels=a,b ! fakesink
finish
