#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install OpenAI CLIP's real BPE vocabulary as a tokenizer directory, for the
# full-vocabulary tokenizer goldens (tests/fixtures/goldens/tokenizer-clip-full.json)
# and tools/make_clip_fixtures.py.  Called by tools/install-models.sh.
#
# Source: the PyPI package open_clip_torch 3.3.0 (MIT), whose wheel ships
# bpe_simple_vocab_16e6.txt.gz (the 48894 merges of OpenAI's CLIP).  It is
# fetched WITHOUT dependencies (`pip download --no-deps`), checked against the
# SHA-256 values below, and only that file is unpacked; tokenizer.json and
# tokenizer_config.json are then built with the Python standard library
# (tools/make_clip_bpe_tokenizer.py: the same document transformers 5's
# CLIPTokenizer saves).  No model weights: no PyPI or Debian package we found
# ships CLIP weights (docs/MODELS.md).
#
# Target: ${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}/clip-bpe
# Usage: tools/install-clip-bpe.sh [--force]
# Exit status: 0 installed or present; 1 download failed; 2 verification
# failed; 3 no usable python3/pip.

set -euo pipefail

PKG="open_clip_torch==3.3.0"
WHEEL_FILE="open_clip_torch-3.3.0-py3-none-any.whl"
WHEEL_SHA256="c549ad5ed6bfc119cc11105033c0a2b9d7a2a4afeb40a58a09aab3da1a0043ce"
MEMBER="open_clip/bpe_simple_vocab_16e6.txt.gz"
VOCAB_SHA256="924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"

force=0
[ "${1:-}" = "--force" ] && force=1
say() { printf 'install-clip-bpe: %s\n' "$*"; }
die() { local rc=$1; shift; printf 'install-clip-bpe: error: %s\n' "$*" >&2; exit "$rc"; }

command -v python3 >/dev/null 2>&1 || die 3 "python3 not found"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}/clip-bpe"

sha256_of() { python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

if [ "$force" -eq 0 ] && [ -f "$dest/tokenizer.json" ] && [ -f "$dest/bpe_simple_vocab_16e6.txt.gz" ] \
        && [ "$(sha256_of "$dest/bpe_simple_vocab_16e6.txt.gz")" = "$VOCAB_SHA256" ]; then
    say "already installed at $dest (vocabulary sha256 verified)"
    exit 0
fi

pip_python=""
if [ -x "$repo_root/.venv/bin/python" ] && "$repo_root/.venv/bin/python" -m pip --version >/dev/null 2>&1; then
    pip_python="$repo_root/.venv/bin/python"
elif python3 -m pip --version >/dev/null 2>&1; then
    pip_python="python3"
else
    die 3 "no pip (Debian: apt-get install python3-pip, or create .venv)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lucid-clip-bpe.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
say "downloading $PKG (no dependencies, ~1.5 MB)"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$pip_python" -m pip download --no-deps --only-binary=:all: \
    --dest "$tmp/dl" "$PKG" >/dev/null || die 1 "download of $PKG failed (is the package registry reachable?)"
wheel="$tmp/dl/$WHEEL_FILE"
[ -f "$wheel" ] || die 1 "pip did not produce $WHEEL_FILE"
[ "$(sha256_of "$wheel")" = "$WHEEL_SHA256" ] || die 2 "wheel sha256 mismatch"

mkdir -p "$tmp/out"
python3 - "$wheel" "$MEMBER" "$tmp/out/bpe_simple_vocab_16e6.txt.gz" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
[ "$(sha256_of "$tmp/out/bpe_simple_vocab_16e6.txt.gz")" = "$VOCAB_SHA256" ] || die 2 "vocabulary sha256 mismatch"
python3 "$repo_root/tools/make_clip_bpe_tokenizer.py" "$tmp/out/bpe_simple_vocab_16e6.txt.gz" "$tmp/out" >/dev/null
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$tmp/out" "$dest"
chmod -R u+rwX,go+rX "$dest"
say "installed CLIP's BPE vocabulary (49408 tokens) at $dest"
