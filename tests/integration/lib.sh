# Shared helpers for the integration tests (sourced). Each test runs real
# gst-launch-1.0 pipelines against the plugin in the build tree and asserts
# with SQL through the sqlite3 shell.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
: "${LUCID_SOURCE_ROOT:?run through meson test}"
: "${LUCID_FIXTURES_DIR:?run through meson test}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lucid-it-XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
DATA="$LUCID_SOURCE_ROOT/tests/data"

# Sanitizer run (tools/check.sh): gst-launch-1.0 is not instrumented, so the
# ASan runtime is preloaded into it alone (not into bash or sqlite3) through
# a wrapper first on PATH, which `timeout` and `setpriv` find too. It uses
# ASan's precise unwinder: a run with a fresh registry (the unprivileged
# case) scans the system plugins, some of which leak at load, and only full
# stacks reach the frames tests/lsan.supp names.
if [ -n "${LUCID_ASAN_PRELOAD:-}" ]; then
  mkdir -p "$TMP/bin"
  real=$(command -v gst-launch-1.0)
  cat > "$TMP/bin/gst-launch-1.0" <<WRAP
#!/bin/sh
LD_PRELOAD="$LUCID_ASAN_PRELOAD" ASAN_OPTIONS="\${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0" exec "$real" "\$@"
WRAP
  chmod 755 "$TMP/bin" "$TMP/bin/gst-launch-1.0"
  PATH="$TMP/bin:$PATH"
fi
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

# sql DB QUERY -> prints the result (one value per line, '|' between columns)
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() {
  if [ "$2" == "$3" ]; then ok "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# expect_match WHAT TEXT REGEX
expect_match() {
  # A here-string, not a pipe: grep -q exits at the first match, and under
  # pipefail a writer killed by SIGPIPE would turn a match into a failure.
  if grep -Eq -- "$3" <<<"$2"; then ok "$1 matches /$3/"; else fail "$1: '$2' does not match /$3/"; fi
}

finish() {
  if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
  echo "all checks passed"
}
