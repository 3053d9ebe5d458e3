#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exhaustive comparison of Lucid's byte-level BPE tokenizer with tokenizers.

Not part of the test suite (about 10 minutes and 1 GB of temporary JSON):
writes golden files in a temporary fixtures directory and runs
build/tests/test-tokenizer on them.

  all-N.json  every Unicode scalar value c in the text
              "A" c "b" c c " ." c "9" c, through CLIP's full vocabulary
              ($LUCID_MODELS_DIR/clip-bpe, tools/install-models.sh);
              U+10FFFF is left out: the golden harness uses it as its
              stand-in for U+0000.
  nfc.json    every character that decomposes (or is a combining mark):
              its NFD + "x", reversed marks, with U+0323 U+0301, doubled —
              through a tokenizer whose normalizer is NFC alone, so the NFC
              offsets are compared one by one.

Usage: .venv/bin/python tools/check_bpe_exhaustive.py [--build build]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

from tokenizers import Tokenizer

REPO = Path(__file__).resolve().parent.parent


def models_dir():
    return Path(os.environ.get("LUCID_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lucid", "models"))


def write_golden(path, model_dir, tok, texts):
    cases = []
    for s, e in zip(texts, tok.encode_batch(texts)):
        cases.append({"text": s, "pair": None, "max_length": 0, "ids": e.ids,
                      "type_ids": e.type_ids, "offsets": [list(o) for o in e.offsets]})
    path.write_text(json.dumps({"generator": "tools/check_bpe_exhaustive.py",
                                "reference": "tokenizers", "model_dir": model_dir,
                                "cases": cases}))
    return len(cases)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(REPO / "build"))
    a = ap.parse_args()
    src = models_dir() / "clip-bpe" / "tokenizer.json"
    if not src.exists():
        sys.exit(f"{src} missing: run tools/install-models.sh")
    with tempfile.TemporaryDirectory() as tmp:
        fx = Path(tmp)
        (fx / "goldens").mkdir()
        (fx / "full").mkdir()
        (fx / "nfc").mkdir()
        shutil.copy(src, fx / "full" / "tokenizer.json")
        doc = json.loads(src.read_text(encoding="utf-8"))
        doc["normalizer"] = {"type": "NFC"}
        (fx / "nfc" / "tokenizer.json").write_text(json.dumps(doc), encoding="utf-8")
        full = Tokenizer.from_file(str(fx / "full" / "tokenizer.json"))
        nfc = Tokenizer.from_file(str(fx / "nfc" / "tokenizer.json"))

        chunks = [(0, 0x10000), (0x10000, 0x20000), (0x20000, 0x10FFFF)]
        n = 0
        for i, (lo, hi) in enumerate(chunks):
            texts = []
            for cp in range(lo, hi):
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                c = chr(cp)
                texts.append("A" + c + "b" + c + c + " ." + c + "9" + c)
            n += write_golden(fx / "goldens" / f"tokenizer-all-{i}.json", "full", full, texts)
        texts = []
        for cp in range(0x110000):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            c = chr(cp)
            d = unicodedata.normalize("NFD", c)
            if d == c and unicodedata.combining(c) == 0:
                continue
            texts += [d + "x", "x" + d[::-1] + "y", c + "\u0323\u0301x", d + d]
        m = write_golden(fx / "goldens" / "tokenizer-nfc.json", "nfc", nfc, texts)
        print(f"{n} code-point cases, {m} NFC cases; running test-tokenizer", flush=True)
        env = dict(os.environ, LUCID_FIXTURES_DIR=str(fx))
        ok = True
        for name in [f"all-{i}" for i in range(len(chunks))] + ["nfc"]:
            r = subprocess.run([os.path.join(a.build, "tests", "test-tokenizer"), "-p",
                                f"/tokenizer/golden/tokenizer-{name}"],
                               env=env, capture_output=True, text=True)
            tail = [ln for ln in (r.stdout + r.stderr).splitlines()
                    if "differ" in ln or ln.startswith(("ok", "not ok"))]
            print(name, tail[-1] if tail else r.returncode)
            ok = ok and r.returncode == 0
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
