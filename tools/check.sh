#!/usr/bin/env bash
# README command (2): installs what is missing, builds, and runs every test:
#   1. the full suite (unit, element, integration, fuzz-corpus replay) on a
#      -Dwerror=true build, with the real model when it can be installed,
#      and the long daemon tests (daemon-long: crashloop ~40 s, load ~65 s);
#   2. the same suites again under AddressSanitizer +
#      UndefinedBehaviorSanitizer (CUDA off; gst-launch-1.0 gets the ASan
#      runtime preloaded);
#   3. each libFuzzer target for a few seconds over its committed corpus.
# Ends with one line "lucid-check: N passed, N failed, N skipped".
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
. "$(dirname "$0")/lucid-env.sh"
cd "$LUCID_ROOT"
start=$(date +%s)
fuzz_seconds=${LUCID_FUZZ_SECONDS:-10}

tools/install-deps.sh
if ! tools/install-models.sh; then
  say "WARNING: the real all-MiniLM-L6-v2 could not be installed; real-model tests will SKIP"
fi

t_setup=$(( $(date +%s) - start ))
say "1/3 Build (-Dwerror=true) and full test suite"
LUCID_BUILD_DIR=build tools/build.sh -Dwerror=true
status=0
LUCID_LONG_TESTS=1 meson test -C build --print-errorlogs --num-processes 2 || status=1
python3 tools/count-tests.py build/meson-logs/testlog.json > build/counts.txt

t_stage1=$(date +%s)
say "2/3 AddressSanitizer + UndefinedBehaviorSanitizer build"
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Dcuda=disabled \
    -Dwerror=true -Dbuildtype=debug
fi
ninja -C build-asan
# GStreamer and GLib keep process-lifetime caches that LeakSanitizer reports
# as leaks; tests/lsan.supp lists exactly those.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export LSAN_OPTIONS=suppressions=$LUCID_ROOT/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# gst-plugin-scanner is not built with ASan and cannot load the ASan-built
# plugin: scan the registry inside the (instrumented) test process instead.
export GST_REGISTRY_FORK=no
export LUCID_ASAN_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# Build the test registry once up front: scanning the system plugins leaks
# in some of them, and ASan's fast unwinder cannot see through GLib to match
# the suppressions (a bare g_malloc frame). So the scan runs once here, with
# leak detection off, and the tests reuse its registry.
LD_PRELOAD="$LUCID_ASAN_PRELOAD" ASAN_OPTIONS=detect_leaks=0 \
  GST_REGISTRY="$LUCID_ROOT/build-asan/gst-registry.bin" \
  GST_PLUGIN_PATH="$LUCID_ROOT/build-asan/plugins" gst-inspect-1.0 lucid > /dev/null
# daemon-long ran in stage 1; under ASan it would only be skipped.
meson test -C build-asan --print-errorlogs --num-processes 2 --no-suite daemon-long || status=1
python3 tools/count-tests.py build-asan/meson-logs/testlog.json > build-asan/counts.txt
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS GST_REGISTRY_FORK LUCID_ASAN_PRELOAD

t_stage2=$(date +%s)
say "3/3 libFuzzer targets, ${fuzz_seconds}s each"
fuzz_pass=0 fuzz_fail=0
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzers=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dplugin=disabled -Dcuda=disabled -Dtests=true
fi
ninja -C build-fuzz
for f in build-fuzz/tests/fuzz/fuzz-*; do
  [ -x "$f" ] && [ -f "$f" ] || continue
  name=$(basename "$f"); name=${name#fuzz-}
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  if "$f" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="build-fuzz/crash-$name-" "$work" > "build-fuzz/fuzz-$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -c . "build-fuzz/fuzz-$name.log") log lines)"
    fuzz_pass=$((fuzz_pass + 1))
  else
    echo "fuzz $name: FAILED, see build-fuzz/fuzz-$name.log"; tail -30 "build-fuzz/fuzz-$name.log"
    fuzz_fail=$((fuzz_fail + 1)); status=1
  fi
  rm -rf "$work"
done

read -r p1 f1 s1 < build/counts.txt
read -r p2 f2 s2 < build-asan/counts.txt
t_end=$(date +%s)
say "Stages: install ${t_setup}s, build + full suite $(( t_stage1 - start - t_setup ))s, sanitizers $(( t_stage2 - t_stage1 ))s, fuzzers $(( t_end - t_stage2 ))s"
say "Done in $(( $(date +%s) - start ))s (full suite: $p1 passed, $f1 failed, $s1 skipped; sanitizers: $p2 passed, $f2 failed, $s2 skipped; fuzzers: $fuzz_pass passed, $fuzz_fail failed)"
echo "lucid-check: $((p1 + p2 + fuzz_pass)) passed, $((f1 + f2 + fuzz_fail)) failed, $((s1 + s2)) skipped"
exit $status
