#!/usr/bin/env bash
# Bad input through real gst-launch-1.0 runs: each case must fail (or warn)
# with a message naming the file and the problem — never crash or hang.
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
model="$LUCID_FIXTURES_DIR/tiny-bert"
srt="$DATA/talk.srt"

# expect_error WHAT REGEX gst-launch-args...
expect_error() {
  local what=$1 re=$2; shift 2
  local rc=0
  timeout 60 gst-launch-1.0 "$@" > "$TMP/err.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then fail "$what: pipeline succeeded"; return; fi
  # gst-launch-1.0 exits 255 on an error message; 124 is timeout's, 129-254
  # a signal's (a crash)
  if [ "$rc" -eq 124 ] || { [ "$rc" -gt 128 ] && [ "$rc" -lt 255 ]; }; then
    fail "$what: crashed or hung (exit $rc)"; cat "$TMP/err.log"; return
  fi
  if grep -Eq -- "$re" "$TMP/err.log"; then ok "$what: error names /$re/"
  else fail "$what: message does not match /$re/:"; cat "$TMP/err.log"; fi
}

copy_model() { rm -rf "$TMP/m"; cp -r "$model" "$TMP/m"; }

expect_error "missing model dir" "/nonexistent/model.*does not exist" \
  filesrc location="$srt" ! subparse ! lucidtextenc model=/nonexistent/model ! fakesink

copy_model; head -c 3000 "$model/model.safetensors" > "$TMP/m/model.safetensors"
expect_error "truncated safetensors" "$TMP/m/model.safetensors" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

copy_model; printf 'garbage!' > "$TMP/m/model.safetensors"
expect_error "corrupt safetensors" "$TMP/m/model.safetensors" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

copy_model; rm "$TMP/m/model.safetensors"
expect_error "missing weights" "$TMP/m/model.safetensors: missing \\(Lucid reads a model.s weights from model.safetensors\\)" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink
cp "$model/model.safetensors" "$TMP/m/pytorch_model.bin"
expect_error "only pytorch_model.bin" "$TMP/m/model.safetensors: missing; found pytorch_model.bin.*safetensors.torch.save_file" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

# A tensor missing, and one of the wrong shape: rewritten with the
# safetensors package's rules by tools/edit_safetensors.py.
copy_model
python3 "$LUCID_SOURCE_ROOT/tools/edit_safetensors.py" "$TMP/m/model.safetensors" \
  drop bert.embeddings.LayerNorm.weight
expect_error "missing tensor" "$TMP/m/model.safetensors: tensor .bert.embeddings.LayerNorm.weight. is missing" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

copy_model
python3 "$LUCID_SOURCE_ROOT/tools/edit_safetensors.py" "$TMP/m/model.safetensors" \
  truncate-rows bert.encoder.layer.0.attention.self.query.weight 3
expect_error "tensor of the wrong shape" "$TMP/m/model.safetensors: tensor .bert.encoder.layer.0.attention.self.query.weight. has shape \\[3, 32\\], expected \\[32, 32\\]" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

copy_model; printf '{"model_type": "bert", "hidden_size": ' > "$TMP/m/config.json"
expect_error "malformed config.json" "$TMP/m/config.json" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

copy_model; printf '{"model": {"type": "WordPiece", "vocab": [1,2' > "$TMP/m/tokenizer.json"
expect_error "malformed tokenizer.json" "$TMP/m/tokenizer.json" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$TMP/m" ! fakesink

expect_error "video caps refused" "not-negotiated|not negotiated|could not link|can't handle|Could not link" \
  videotestsrc num-buffers=1 ! lucidtextenc model="$model" ! fakesink

sqlite3 "$TMP/newer.db" 'PRAGMA user_version = 999; CREATE TABLE t(x);'
expect_error "database from a newer schema" "$TMP/newer.db.*(newer|999)" \
  filesrc location="$srt" ! subparse ! lucidtextenc model="$model" ! lucidsink location="$TMP/newer.db"

expect_error "sink without location" "location" \
  fakesrc num-buffers=1 ! lucidsink

# Non-UTF-8 text is repaired with a warning, not refused.
printf 'caf\xe9 au lait \xff\xfe is fine\n' > "$TMP/latin1.txt"
rc=0
gst-launch-1.0 filesrc location="$TMP/latin1.txt" ! text/x-raw,format=utf8 ! \
  lucidtextenc model="$model" ! lucidsink location="$TMP/utf8.db" > "$TMP/utf8.log" 2>&1 || rc=$?
expect_eq "non-UTF-8 input exit status" "$rc" 0
expect_match "non-UTF-8 warning" "$(cat "$TMP/utf8.log")" "WARNING.*(UTF-8|utf-8)"
expect_eq "non-UTF-8 row stored" "$(sql "$TMP/utf8.db" 'SELECT count(*) FROM results')" 1

# An unwritable database path, tried as an unprivileged user (CI runs as
# root, which no file mode stops). The plugin and its library are copied to
# a directory that user can read.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  u="$TMP/unpriv"; mkdir -p "$u/plugins" "$u/lib" "$u/ro"
  cp "$LUCID_BUILD_ROOT/plugins/libgstlucid.so" "$u/plugins/"
  find "$LUCID_BUILD_ROOT/core" -maxdepth 1 -name 'liblucid.so*' ! -type d -exec cp -P {} "$u/lib/" \;
  find "$LUCID_BUILD_ROOT/plugins" -maxdepth 1 -name 'libgstlucidmeta-1.0.so*' ! -type d -exec cp -P {} "$u/lib/" \;
  chmod -R a+rX "$u"; chmod 755 "$u/ro"; chmod 1777 "$u"
  rc=0
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$u" \
    GST_REGISTRY="$u/registry.bin" GST_PLUGIN_PATH="$u/plugins" LD_LIBRARY_PATH="$u/lib" \
    timeout 60 gst-launch-1.0 fakesrc num-buffers=1 ! lucidsink location="$u/ro/out.db" \
    > "$TMP/ro.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && { [ "$rc" -lt 129 ] || [ "$rc" -eq 255 ]; } && grep -q "$u/ro/out.db" "$TMP/ro.log"; then
    ok "unwritable database path refused as nobody, naming the path"
  else
    fail "unwritable database path (exit $rc):"; cat "$TMP/ro.log"
  fi
else
  echo "SKIP: unwritable-path case needs root + setpriv to run as an unprivileged user"
fi
finish
