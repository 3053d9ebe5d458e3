#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate Lucid's tiny CLIP fixtures and their golden outputs.

Writes, under tests/fixtures/:

  tiny-clip/          random CLIPModel (transformers), quick_gelu, with a
                      real-format byte-level BPE tokenizer.json (CLIP's own
                      vocabulary cut to its first MERGES merges, written by
                      transformers 5's CLIPTokenizer: Split regex with the
                      <|startoftext|>/<|endoftext|> alternatives, merges as
                      pairs), one extra added token above <|endoftext|> (so
                      "first eos" and "highest id" pooling differ), and a
                      CLIPImageProcessor preprocessor_config.json
  tiny-clip-legacy/   the same weights with the legacy config
                      (text_config.eos_token_id 2: pooling at the highest
                      id) and a legacy tokenizer.json (the converter's Split
                      regex, merges as "a b" strings, no use_regex key)
  clip-images/*.png   three small RGB images (made here with numpy)
  goldens/tokenizer-clip-tiny.json, tokenizer-clip-legacy.json
                      ids / type ids / offsets from `tokenizers`
  goldens/tokenizer-clip-full.json
                      the same strings with CLIP's full 49408-token
                      vocabulary (model_dir @MODELS@/clip-bpe: run
                      tools/install-models.sh)
  goldens/clip-tiny-clip.json + .safetensors,
  goldens/clip-tiny-clip-legacy.json + .safetensors
                      RGB8 of the PNGs, pixel values (CLIPImageProcessor,
                      use_fast=False), text ids, text/image embeddings
                      (projected, before and after L2), pooled outputs,
                      logits_per_image, logit scale

CLIP's BPE vocabulary comes from the open_clip_torch wheel
(bpe_simple_vocab_16e6.txt.gz), which tools/install-models.sh installs to
$LUCID_MODELS_DIR/clip-bpe/ (or pass --bpe-vocab FILE).

Deterministic: running it twice gives byte-identical files.
Usage: .venv/bin/python tools/make_clip_fixtures.py
"""

import argparse
import gzip
import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import PIL.Image  # noqa: E402
import safetensors  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel  # noqa: E402
from transformers.convert_slow_tokenizer import bytes_to_unicode  # noqa: E402
from transformers.models.clip.tokenization_clip import CLIPTokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import (  # noqa: E402
    PAIRS, TRUNCATION_CASES, dump_golden_json, tokenizer_strings)

transformers.utils.logging.set_verbosity_error()

GENERATOR = "tools/make_clip_fixtures.py"
REPO = Path(__file__).resolve().parent.parent
MERGES = 600           # merges kept in the tiny vocabulary
MAX_POS = 32           # text max_position_embeddings (= model_max_length)
IMAGE, PATCH = 32, 8
HIDDEN, LAYERS, HEADS, INTER, PROJ = 32, 2, 4, 64, 16
SEED = 20241129
TAU = 1e-4
SIZE_LIMIT = 1000 * 1024
EXTRA_TOKEN = "<|extra|>"

CLIP_STRINGS = [
    "a photo of a cat",
    "A PHOTO OF A DOG.",
    "a photo of a café, naïve résumé — déjà vu!",
    "cafe\u0301 and e\u0301\u0301 and a\u0301\u0328 and \u212b and \uf900",
    "\u1100\u1161\u11a8 hangul jamo, 안녕하세요",
    "emoji 😀😀 👍🏽 🇫🇷 hi😀there",
    "it's don't we're you've i'm we'll he'd IT'S",
    "''s !'s a''b",
    "<|startoftext|>hello<|endoftext|>",
    "<|STARTOFTEXT|> shouted <|ENDOFTEXT|>",
    "x<|endoftext|>y",
    "numbers 1234567890 ٣٤ ½ and 3.14",
    "tabs\tand\nnewlines\r\n  and   spaces\u00a0\u3000here",
    "İstanbul Straße ΣΑΣ ǅ",
    "東京は日本の首都です。我是学生",
    "Привет, мир! Καλημέρα κόσμε",
    "#! hash bang",
    "supercalifragilisticexpialidocious " * 3,
    EXTRA_TOKEN + " extra token",
    "a photo of a " + EXTRA_TOKEN,
]


def write_json(path, obj):
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def bpe_vocab_path(arg):
    if arg:
        return Path(arg)
    models = os.environ.get("LUCID_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lucid", "models")
    return Path(models) / "clip-bpe" / "bpe_simple_vocab_16e6.txt.gz"


def load_bpe(path, n_merges=None):
    """CLIP's vocabulary as open_clip's SimpleTokenizer builds it: 256 byte
    characters, the same with </w>, one token per merge, then the two
    specials."""
    lines = gzip.open(path).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    if n_merges is not None:
        merges = merges[:n_merges]
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}, merges


def save_tokenizer(d, vocab, merges, max_len, extra=None):
    tok = CLIPTokenizer(vocab=vocab, merges=merges)
    if extra:
        tok.add_tokens([extra])
    tok.model_max_length = max_len
    tok.save_pretrained(str(d))
    for name in ("tokenizer_config.json",):
        cfg = json.loads((d / name).read_text())
        cfg["model_max_length"] = max_len
        write_json(d / name, cfg)
    return tok


def legacy_tokenizer_json(path):
    """The older file layout (the converter's pattern, "a b" merges)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for p in doc["pre_tokenizer"]["pretokenizers"]:
        if p["type"] == "Split":
            p["pattern"]["Regex"] = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
        if p["type"] == "ByteLevel":
            p.pop("use_regex", None)
    doc["model"]["merges"] = [" ".join(m) for m in doc["model"]["merges"]]
    doc["model"].pop("ignore_merges", None)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    Tokenizer.from_file(str(path))  # still loads in the reference


def tokenizer_golden(d, strings, model_dir, max_len):
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    tok.no_padding()
    cases = []

    def enc(text, pair, ml):
        if ml:
            tok.enable_truncation(ml, strategy="longest_first", stride=0)
        else:
            tok.no_truncation()
        e = tok.encode(text, pair) if pair is not None else tok.encode(text)
        cases.append({"text": text, "pair": pair, "max_length": ml, "ids": list(e.ids),
                      "type_ids": list(e.type_ids), "offsets": [list(o) for o in e.offsets]})

    for s in strings:
        enc(s, None, 0)
    for s in strings[:10]:
        enc(s, None, max_len)
    for a, b in PAIRS:
        enc(a, b, 0)
    for a, b in TRUNCATION_CASES:
        for ml in (8, 12):
            enc(a, b, ml)
    return ({"generator": GENERATOR, "reference": f"tokenizers {tokenizers.__version__}",
             "model_dir": model_dir}, cases)


def randomize(state, seed):
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in sorted(state):
        shape = state[name].shape

        def rn(std):
            return torch.randn(shape, generator=g, dtype=torch.float32) * std

        is_ln = "layer_norm" in name or "layrnorm" in name or "layernorm" in name
        if name == "logit_scale":
            t = torch.tensor(2.3, dtype=torch.float32)
        elif is_ln and name.endswith("weight"):
            t = 0.6 + 0.8 * torch.rand(shape, generator=g, dtype=torch.float32)
        elif is_ln:
            t = rn(0.2)
        elif "embedding" in name:
            t = rn(0.5)
        elif "patch_embedding" in name:
            t = rn(0.08)
        elif name.endswith("weight"):
            t = rn(0.2)
        else:
            t = rn(0.1)
        # representable in float16: tiny-clip-legacy stores F16 weights
        out[name] = t.half().float().contiguous()
    return out


def clip_config(vocab_size, eos_token_id):
    return CLIPConfig(
        text_config=dict(vocab_size=vocab_size, hidden_size=HIDDEN, intermediate_size=INTER,
                         num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                         max_position_embeddings=MAX_POS, hidden_act="quick_gelu",
                         layer_norm_eps=1e-5, projection_dim=PROJ, bos_token_id=vocab_size - 3,
                         eos_token_id=eos_token_id, pad_token_id=1),
        vision_config=dict(hidden_size=HIDDEN, intermediate_size=INTER, num_hidden_layers=LAYERS,
                           num_attention_heads=HEADS, image_size=IMAGE, patch_size=PATCH,
                           hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=PROJ),
        projection_dim=PROJ, logit_scale_init_value=2.6592)


def make_images(d):
    d.mkdir(parents=True, exist_ok=True)
    out = []
    # a gradient, wider than tall
    y, x = np.mgrid[0:30, 0:45]
    img = np.stack([x * 255 // 44, y * 255 // 29, (x + y) * 255 // 73], -1).astype(np.uint8)
    out.append(("gradient-45x30.png", img))
    # seeded noise, taller than wide
    rng = np.random.default_rng(SEED)
    out.append(("noise-24x40.png", rng.integers(0, 256, (40, 24, 3), dtype=np.uint8)))
    # blocks, exactly the model size
    b = np.zeros((32, 32, 3), np.uint8)
    b[:16, :16] = (255, 0, 0)
    b[:16, 16:] = (0, 255, 0)
    b[16:, :16] = (0, 0, 255)
    b[16:, 16:] = (250, 250, 250)
    out.append(("blocks-32x32.png", b))
    for name, a in out:
        PIL.Image.fromarray(a, mode="RGB").save(d / name, optimize=True)
    # read back, as a user would
    return [(name, np.asarray(PIL.Image.open(d / name).convert("RGB"))) for name, _ in out]


def model_goldens(d, model, proc, tok, images, texts, ids_cases, name, goldens):
    tensors, meta = {}, {"images": [], "texts": [], "ids_cases": []}
    pil = [PIL.Image.fromarray(a) for _, a in images]
    px = proc(images=pil, return_tensors="pt")["pixel_values"]
    enc = [tok(t, truncation=True, max_length=MAX_POS)["input_ids"] for t in texts]
    with torch.no_grad():
        img_out = model.vision_model(pixel_values=px)
        img_emb = model.visual_projection(img_out.pooler_output)
        txt_pooled, txt_emb = [], []
        for ids in enc + [c for c in ids_cases]:
            o = model.text_model(input_ids=torch.tensor([ids]))
            txt_pooled.append(o.pooler_output[0])
            txt_emb.append(model.text_projection(o.pooler_output)[0])
        # the whole model, as one call, for the logits
        full = model(input_ids=torch.tensor([enc[0]]), pixel_values=px)
    txt_emb = torch.stack(txt_emb)
    img_n = img_emb / img_emb.norm(dim=-1, keepdim=True)
    txt_n = txt_emb / txt_emb.norm(dim=-1, keepdim=True)
    scale = model.logit_scale.exp()
    logits = scale * img_n @ txt_n[:len(texts)].T
    assert torch.allclose(full.logits_per_image[:, 0], logits[:, 0], atol=1e-5)
    for i, (fname, a) in enumerate(images):
        tensors[f"image{i}.rgb"] = torch.from_numpy(np.array(a, dtype=np.uint8))
        tensors[f"image{i}.pixel_values"] = px[i].contiguous()
        tensors[f"image{i}.pooled"] = img_out.pooler_output[i].contiguous()
        tensors[f"image{i}.embeds"] = img_emb[i].contiguous()
        tensors[f"image{i}.embeds_normalized"] = img_n[i].contiguous()
        meta["images"].append({"png": f"clip-images/{fname}", "height": int(a.shape[0]),
                               "width": int(a.shape[1])})
    for j, t in enumerate(texts):
        tensors[f"text{j}.pooled"] = txt_pooled[j].contiguous()
        tensors[f"text{j}.embeds"] = txt_emb[j].contiguous()
        tensors[f"text{j}.embeds_normalized"] = txt_n[j].contiguous()
        meta["texts"].append({"text": t, "ids": enc[j]})
    for k, ids in enumerate(ids_cases):
        j = len(texts) + k
        tensors[f"ids{k}.pooled"] = txt_pooled[j].contiguous()
        tensors[f"ids{k}.embeds"] = txt_emb[j].contiguous()
        meta["ids_cases"].append({"ids": list(ids)})
    tensors["logits_per_image"] = logits.contiguous()
    st = goldens / f"clip-{name}.safetensors"
    save_file(tensors, str(st), metadata={"generator": GENERATOR})
    st.chmod(0o644)
    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                      "torch": torch.__version__, "Pillow": PIL.__version__,
                      "safetensors": safetensors.__version__},
        "model_dir": name, "tensors": st.name,
        "tolerance": f"max-abs <= {TAU} * max(1, max|ref|)",
        "logit_scale": float(model.logit_scale.item()),
        "dtype_on_disk": "F16" if name.endswith("legacy") else "F32",
        "notes": ("image{i}.rgb [H,W,3] U8 = the PNG decoded by Pillow; pixel_values [3,32,32] from "
                  "CLIPImageProcessorPil (use_fast=False); pooled = vision/text pooler_output; embeds = "
                  "after visual/text_projection; embeds_normalized = L2-normalised; logits_per_image "
                  "[images, texts] = exp(logit_scale) * cosine. Texts tokenized with truncation to "
                  f"{MAX_POS}; ids_cases run the text tower on the given ids as they are."),
    }
    write_json(goldens / f"clip-{name}.json", {**header, **meta})
    return [st, goldens / f"clip-{name}.json"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    ap.add_argument("--bpe-vocab", help="bpe_simple_vocab_16e6.txt.gz (default: installed copy)")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    goldens = out / "goldens"
    goldens.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    bpe = bpe_vocab_path(args.bpe_vocab)
    if not bpe.exists():
        sys.exit(f"{bpe}: missing; run tools/install-models.sh (it installs CLIP's BPE vocabulary)")
    vocab, merges = load_bpe(bpe, MERGES)
    strings, _ = tokenizer_strings()
    strings = CLIP_STRINGS + strings

    written = []
    d = out / "tiny-clip"
    dl = out / "tiny-clip-legacy"
    for x in (d, dl):
        shutil.rmtree(x, ignore_errors=True)
        x.mkdir(parents=True)
    tok = save_tokenizer(d, vocab, merges, MAX_POS, extra=EXTRA_TOKEN)
    tokl = save_tokenizer(dl, vocab, merges, MAX_POS)
    legacy_tokenizer_json(dl / "tokenizer.json")
    eos = vocab["<|endoftext|>"]
    assert tok.convert_tokens_to_ids(EXTRA_TOKEN) == eos + 1

    for sub, name in ((d, "clip-tiny"), (dl, "clip-legacy")):
        h, cases = tokenizer_golden(sub, strings, sub.name, MAX_POS)
        dump_golden_json(goldens / f"tokenizer-{name}.json", h, cases)
        written.append(goldens / f"tokenizer-{name}.json")

    # unknown byte characters (plain, fused) and ignore_merges: options CLIP's
    # files do not use but the loader accepts
    for name, opts in (("clip-unk", {"fuse_unk": False}), ("clip-unk-fused", {"fuse_unk": True}),
                       ("clip-ignore-merges", {"ignore_merges": True})):
        sub = out / "tokenizers" / name
        shutil.rmtree(sub, ignore_errors=True)
        sub.mkdir(parents=True)
        doc = json.loads((d / "tokenizer.json").read_text(encoding="utf-8"))
        m = doc["model"]
        m["merges"] = m["merges"][:60]
        keep = {a + b for a, b in m["merges"]}
        drop_unk = name.startswith("clip-unk")
        m["vocab"] = {t: i for t, i in m["vocab"].items()
                      if (i < 512 and not (drop_unk and "\u0100" <= t[0] <= "\u0143"))
                      or t in keep or i >= 512 + MERGES}
        m["merges"] = [[a, b] for a, b in m["merges"]
                       if a in m["vocab"] and b in m["vocab"] and a + b in m["vocab"]]
        m.update(opts)
        doc["added_tokens"] = [t for t in doc["added_tokens"] if t["content"] in m["vocab"]]
        (sub / "tokenizer.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
        h, cases = tokenizer_golden(sub, strings[:24], f"tokenizers/{name}", MAX_POS)
        dump_golden_json(goldens / f"tokenizer-{name}.json", h, cases)
        written += [sub / "tokenizer.json", goldens / f"tokenizer-{name}.json"]

    # the full vocabulary (model not in the repository)
    full_dir = bpe.parent
    if (full_dir / "tokenizer.json").exists():
        h, cases = tokenizer_golden(full_dir, strings, "@MODELS@/clip-bpe", 77)
        dump_golden_json(goldens / "tokenizer-clip-full.json", h, cases)
        print(f"tokenizer-clip-full: {len(cases)} cases")
    else:
        print(f"note: {full_dir}/tokenizer.json missing, tokenizer-clip-full.json not rewritten")

    proc = CLIPImageProcessorPil(size={"shortest_edge": IMAGE},
                                 crop_size={"height": IMAGE, "width": IMAGE})
    images = make_images(out / "clip-images")
    texts = ["a photo of a cat", "a photo of a dog", "#! hash bang", "a photo of a " + EXTRA_TOKEN,
             "emoji 😀 and a very long text that will certainly be truncated at the maximum "
             "length of the tiny model, which is thirty-two tokens"]
    bos = vocab["<|startoftext|>"]
    # ids run as given: no eos at all; eos twice; an id above eos before it
    a, b, c = tok("a photo of", add_special_tokens=False)["input_ids"][:3]
    ids_cases = [[bos, a, b, c], [bos, a, eos, b, eos], [bos, eos + 1, a, eos]]

    for sub, eos_id, t in ((d, eos, tok), (dl, 2, tokl)):
        cfg = clip_config(len(vocab) + 1, eos_id)
        torch.manual_seed(0)
        model = CLIPModel(cfg)
        model.load_state_dict(randomize(model.state_dict(), SEED))
        model.eval()
        model.save_pretrained(str(sub), safe_serialization=True)
        if sub == dl:  # F16 on disk (exact: the weights are F16 values)
            from safetensors.torch import load_file
            w = load_file(str(sub / "model.safetensors"))
            save_file({k: v.half() for k, v in w.items()}, str(sub / "model.safetensors"),
                      metadata={"format": "pt"})
        (sub / "model.safetensors").chmod(0o644)
        proc.save_pretrained(str(sub))
        back, info = CLIPModel.from_pretrained(str(sub), output_loading_info=True,
                                               attn_implementation="eager", dtype=torch.float32)
        assert not info["missing_keys"] and not info["unexpected_keys"], info
        back.eval()
        written += model_goldens(sub, back, proc, t, images, texts, ids_cases, sub.name, goldens)
        written += list(sub.iterdir())
    written += list((out / "clip-images").iterdir())
    total = sum(p.stat().st_size for p in written)
    print(f"CLIP fixtures: {total} bytes in {len(written)} files")
    assert total < SIZE_LIMIT, total


if __name__ == "__main__":
    sys.exit(main())
