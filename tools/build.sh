#!/usr/bin/env bash
# Configures (once) and builds Lucid in ./build. Extra arguments go to
# `meson setup` (e.g. -Dwerror=true).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
. "$(dirname "$0")/lucid-env.sh"
cd "$LUCID_ROOT"
builddir=${LUCID_BUILD_DIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
  say "Configuring $builddir"
  meson setup "$builddir" "$@"
elif [ $# -gt 0 ]; then
  meson configure "$builddir" "$@"
fi
say "Building $builddir"
ninja -C "$builddir"
