#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a CLIP tokenizer directory (tokenizer.json, tokenizer_config.json,
special_tokens_map.json) from OpenAI CLIP's BPE file
bpe_simple_vocab_16e6.txt.gz, with the Python standard library only.

The vocabulary is built the way open_clip's / OpenAI's SimpleTokenizer
builds it (256 byte characters, the same with "</w>", one token per merge
of the first 48894 lines, then <|startoftext|> and <|endoftext|>: 49408
tokens), and tokenizer.json has exactly the layout transformers 5's
CLIPTokenizer saves (tools/make_clip_fixtures.py checks that
`tokenizers` gives the same encodings as the transformers-built one).

Usage: python3 tools/make_clip_bpe_tokenizer.py BPE_GZ OUT_DIR
"""
import gzip
import json
import sys
from pathlib import Path

MAX_LEN = 77  # CLIP's context length


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def main():
    gz, out = Path(sys.argv[1]), Path(sys.argv[2])
    lines = gzip.open(gz).read().decode("utf-8").split("\n")
    merges = [m.split() for m in lines[1:49152 - 256 - 2 + 1]]
    chars = bytes_to_unicode()
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    ids = {t: i for i, t in enumerate(vocab)}
    bos, eos = ids["<|startoftext|>"], ids["<|endoftext|>"]

    def special(i, t):
        return {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(bos, "<|startoftext|>"), special(eos, "<|endoftext|>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", eos],
                           "cls": ["<|startoftext|>", bos], "trim_offsets": False,
                           "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>",
                  "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": ids, "merges": merges},
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    cfg = {"backend": "tokenizers", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
           "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
           "tokenizer_class": "CLIPTokenizer", "model_max_length": MAX_LEN}
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    print(f"{out}: {len(vocab)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
