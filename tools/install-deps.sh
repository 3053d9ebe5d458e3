#!/usr/bin/env bash
# Installs the Debian 12 packages Lucid needs to build, test and run, skipping
# those already present. Runs apt-get directly as root, through sudo otherwise.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
. "$(dirname "$0")/lucid-env.sh"

packages=(
  # build
  meson ninja-build pkg-config gcc clang
  libglib2.0-dev libjson-glib-dev libopenblas-dev libsqlite3-dev libsodium-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libsoup-3.0-dev
  # run and test
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  sqlite3 python3 python3-venv python3-cryptography util-linux ca-certificates curl
  # sanitizers and fuzzers with clang (libFuzzer, ASan runtime)
  libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "Debian packages: all present"
  exit 0
fi
say "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
