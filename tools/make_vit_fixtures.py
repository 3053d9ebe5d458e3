#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate Lucid's tiny ViT fixture and its golden outputs.

Writes, under tests/fixtures/:

  tiny-vit/                      random-weight ViTForImageClassification
                                 (config.json, model.safetensors,
                                 preprocessor_config.json from ViTImageProcessor)
  goldens/vit-tiny-vit.json      case list, reference versions, notes
  goldens/vit-tiny-vit.safetensors
                                 per case i: case{i}.pixel_values [C,H,W] (the
                                 input), case{i}.last_hidden [1+P, hidden],
                                 case{i}.pooled [hidden] (CLS after the final
                                 layernorm, what the classifier reads),
                                 case{i}.logits [num_labels],
                                 case{i}.attn{l} [heads, 1+P, 1+P]
  tiny-vit-bare/                 random-weight bare ViTModel WITH its pooler
                                 (add_pooling_layer=True; no "vit." prefix,
                                 no head), same shapes as tiny-vit
  goldens/vit-tiny-vit-bare.json + .safetensors
                                 per case i (the same pixel values as above):
                                 case{i}.pixel_values, case{i}.last_hidden
                                 [1+P, hidden] (last_hidden_state),
                                 case{i}.pooler [hidden] (pooler_output,
                                 tanh(dense(CLS)))

Everything is computed with transformers' ViTForImageClassification in
float32 on the CPU, one thread, eager attention. ViTForImageClassification
builds its ViTModel with add_pooling_layer=False, so tiny-vit has no pooler
weights; tiny-vit-bare is the ViTModel checkpoint that has one, with
transformers' own pooler_output as its golden. Deterministic: running it twice
gives byte-identical files.

Usage (from the repository root):
    .venv/bin/python tools/make_vit_fixtures.py [--out tests/fixtures]

Needs the packages pinned in tools/requirements.txt plus Pillow 13.0.0 (the
image processor); never run by CI.
"""

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import PIL.Image  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from transformers import ViTConfig, ViTForImageClassification, ViTModel  # noqa: E402

try:  # transformers 5 names the PIL-based processor explicitly
    from transformers import ViTImageProcessorPil as ViTImageProcessor  # noqa: E402
except ImportError:  # pragma: no cover
    from transformers import ViTImageProcessor  # noqa: E402

transformers.utils.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

GENERATOR = "tools/make_vit_fixtures.py"
REPO = Path(__file__).resolve().parent.parent

IMAGE = 32
PATCH = 8
CHANNELS = 3
HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 64
ID2LABEL = {0: "cat", 1: "dog", 2: "car"}
SEED_WEIGHTS = 20240701
SEED_INPUT = 20240702
SEED_BARE = 20240703
TAU = 1e-4
SIZE_LIMIT = 150 * 1024


def write_json(path, obj):
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def randomize(state, seed):
    """Deterministic, non-degenerate values for every tensor: LayerNorm gains
    in [0.6, 1.4] and non-zero betas, so a skipped or misplaced LayerNorm
    shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in sorted(state):
        shape = state[name].shape

        def rn(std):
            return torch.randn(shape, generator=g, dtype=torch.float32) * std

        is_ln = "layernorm" in name
        if is_ln and name.endswith("weight"):
            t = 0.6 + 0.8 * torch.rand(shape, generator=g, dtype=torch.float32)
        elif is_ln:
            t = rn(0.2)
        elif "cls_token" in name or "position_embeddings" in name:
            t = rn(0.5)
        elif "patch_embeddings" in name and name.endswith("weight"):
            t = rn(0.08)  # fan-in 3*8*8 = 192
        elif name.endswith("weight"):
            t = rn(0.2)
        else:
            t = rn(0.1)
        out[name] = t.contiguous()
    return out


def make_model(out):
    d = out / "tiny-vit"
    d.mkdir(parents=True, exist_ok=True)
    for p in d.iterdir():
        p.unlink()
    cfg = ViTConfig(
        image_size=IMAGE, patch_size=PATCH, num_channels=CHANNELS, hidden_size=HIDDEN,
        num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=INTERMEDIATE,
        hidden_act="gelu", layer_norm_eps=1e-12, qkv_bias=True,
        id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()},
    )
    torch.manual_seed(0)
    model = ViTForImageClassification(cfg)
    model.load_state_dict(randomize(model.state_dict(), SEED_WEIGHTS))
    model.eval()
    model.save_pretrained(str(d), safe_serialization=True)
    (d / "model.safetensors").chmod(0o644)  # save_pretrained writes 0600
    proc = ViTImageProcessor(size={"height": IMAGE, "width": IMAGE})
    proc.save_pretrained(str(d))
    return d, proc


def check_loads(d):
    """from_pretrained must find every weight (nothing randomly initialised)."""
    model, info = ViTForImageClassification.from_pretrained(
        str(d), output_loading_info=True, attn_implementation="eager", dtype=torch.float32)
    assert not info["missing_keys"], f"missing (random) weights {sorted(info['missing_keys'])}"
    assert not info["mismatched_keys"], info["mismatched_keys"]
    assert not info["unexpected_keys"], info["unexpected_keys"]
    model.eval()
    return model


def gradient_image():
    """A 32x32 RGB image: red ramps left to right, green top to bottom, blue
    along the diagonal, run through the image processor (pixel values as a
    real pipeline would feed them)."""
    y, x = np.mgrid[0:IMAGE, 0:IMAGE]
    r = (x * 255 // (IMAGE - 1)).astype(np.uint8)
    g = (y * 255 // (IMAGE - 1)).astype(np.uint8)
    b = ((x + y) * 255 // (2 * IMAGE - 2)).astype(np.uint8)
    return PIL.Image.fromarray(np.stack([r, g, b], axis=-1), mode="RGB")


def inputs(proc):
    g = torch.Generator().manual_seed(SEED_INPUT)
    # Rounded to float16 and stored as F16 (exact: the C side converts back
    # to the same float32 values) to keep the fixtures small.
    rand = torch.randn((CHANNELS, IMAGE, IMAGE), generator=g, dtype=torch.float32)
    rand = rand.half().float()
    grad = proc(images=gradient_image(), return_tensors="pt")["pixel_values"][0]
    assert grad.shape == (CHANNELS, IMAGE, IMAGE), grad.shape
    return [("seeded randn (std 1), already normalised", rand.contiguous()),
            ("32x32 RGB gradient through the ViTImageProcessor", grad.float().contiguous())]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    goldens = out / "goldens"
    goldens.mkdir(parents=True, exist_ok=True)

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    d, proc = make_model(out)
    model = check_loads(d)
    saved = load_file(str(d / "model.safetensors"))
    print(f"tiny-vit: {len(saved)} tensors, e.g. {sorted(saved)[:3]}")
    assert not any("pooler" in k for k in saved), "unexpected pooler in the checkpoint"

    cases = inputs(proc)
    batch = torch.stack([c[1] for c in cases])
    with torch.no_grad():
        res = model(pixel_values=batch, output_attentions=True, output_hidden_states=True)
    last = res.hidden_states[-1]
    # ViTModel applies the final layernorm after the encoder; reproduce the
    # classifier's input and check it against the logits.
    last = model.vit.layernorm(last)
    with torch.no_grad():
        base = model.vit(pixel_values=batch)
    assert torch.equal(base.last_hidden_state, last), "layernorm placement"
    assert base.pooler_output is None
    logits = res.logits

    # A LayerNorm-free model or a post-norm port must not pass by accident.
    ln_effect = (model.vit.layernorm.weight - 1).abs().max().item()
    assert ln_effect > 0.3, ln_effect

    tensors, meta = {}, []
    for i, (desc, px) in enumerate(cases):
        exact16 = torch.equal(px.half().float(), px)
        tensors[f"case{i}.pixel_values"] = px.half() if exact16 else px
        tensors[f"case{i}.last_hidden"] = last[i].clone()
        tensors[f"case{i}.pooled"] = last[i, 0].clone()
        tensors[f"case{i}.logits"] = logits[i].contiguous()
        for li, a in enumerate(res.attentions):
            tensors[f"case{i}.attn{li}"] = a[i].contiguous()
        label = ID2LABEL[int(logits[i].argmax())]
        meta.append({"input": desc, "label": label})
    # Each case alone must give the batch result (no cross-talk in the reference).
    with torch.no_grad():
        for i, (_, px) in enumerate(cases):
            one = model(pixel_values=px[None]).logits[0]
            assert torch.allclose(one, logits[i], atol=1e-6), (i, one, logits[i])
    assert len({m["label"] for m in meta}) >= 1

    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "safetensors": safetensors.__version__, "Pillow": PIL.__version__,
                      "numpy": np.__version__},
        "model_dir": "tiny-vit",
        "tensors": "vit-tiny-vit.safetensors",
        "architecture": "ViTForImageClassification",
        "tolerance": f"max-abs <= {TAU} * max(1, max|ref|)",
        "notes": (
            "pixel_values [C,H,W] NCHW (F16 where the float32 values are exactly representable, else F32), run as ONE batch in case order; "
            "last_hidden [1+P,H] = ViTModel last_hidden_state (after the final layernorm); "
            "pooled [H] = last_hidden[0], the classifier's input; logits [num_labels]; "
            "attn{l} [heads,1+P,1+P] eager softmax probabilities. No pooler: "
            "ViTForImageClassification builds ViTModel(add_pooling_layer=False)."
        ),
    }
    st_path = goldens / "vit-tiny-vit.safetensors"
    save_file(tensors, str(st_path), metadata={"generator": GENERATOR})
    parts = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()]
    parts.append('  "cases": [')
    parts += ["    " + json.dumps(m) + ("," if i + 1 < len(meta) else "")
              for i, m in enumerate(meta)]
    parts += ["  ]", "}"]
    text = "\n".join(parts) + "\n"
    json.loads(text)
    (goldens / "vit-tiny-vit.json").write_text(text, encoding="utf-8")

    files = list(d.iterdir()) + [st_path, goldens / "vit-tiny-vit.json"]
    total = sum(p.stat().st_size for p in files)
    print(f"cases: {[m['label'] for m in meta]}; max|logit| {logits.abs().max().item():.3f}")
    print(f"tiny-vit fixtures: {total} bytes")
    assert total < SIZE_LIMIT, f"fixtures are {total} bytes, over {SIZE_LIMIT}"

    make_bare(out, cases)


def make_bare(out, cases):
    """tiny-vit-bare: a bare ViTModel with its pooler, and transformers' own
    last_hidden_state and pooler_output on the cases' pixel values."""
    d = out / "tiny-vit-bare"
    d.mkdir(parents=True, exist_ok=True)
    for p in d.iterdir():
        p.unlink()
    cfg = ViTConfig(
        image_size=IMAGE, patch_size=PATCH, num_channels=CHANNELS, hidden_size=HIDDEN,
        num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=INTERMEDIATE,
        hidden_act="gelu", layer_norm_eps=1e-12, qkv_bias=True,
    )
    torch.manual_seed(0)
    model = ViTModel(cfg, add_pooling_layer=True)
    model.load_state_dict(randomize(model.state_dict(), SEED_BARE))
    model.save_pretrained(str(d), safe_serialization=True)
    (d / "model.safetensors").chmod(0o644)
    ViTImageProcessor(size={"height": IMAGE, "width": IMAGE}).save_pretrained(str(d))
    model, info = ViTModel.from_pretrained(
        str(d), output_loading_info=True, attn_implementation="eager", dtype=torch.float32)
    assert not info["missing_keys"], f"missing (random) weights {sorted(info['missing_keys'])}"
    assert not info["unexpected_keys"], info["unexpected_keys"]
    model.eval()
    saved = load_file(str(d / "model.safetensors"))
    assert "pooler.dense.weight" in saved and not any(k.startswith("vit.") for k in saved)

    batch = torch.stack([c[1] for c in cases])
    with torch.no_grad():
        res = model(pixel_values=batch)
    assert res.pooler_output is not None
    tensors = {}
    for i, (_, px) in enumerate(cases):
        exact16 = torch.equal(px.half().float(), px)
        tensors[f"case{i}.pixel_values"] = px.half() if exact16 else px
        tensors[f"case{i}.last_hidden"] = res.last_hidden_state[i].contiguous()
        tensors[f"case{i}.pooler"] = res.pooler_output[i].contiguous()
    goldens = out / "goldens"
    st_path = goldens / "vit-tiny-vit-bare.safetensors"
    save_file(tensors, str(st_path), metadata={"generator": GENERATOR})
    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "safetensors": safetensors.__version__, "Pillow": PIL.__version__,
                      "numpy": np.__version__},
        "model_dir": "tiny-vit-bare",
        "tensors": "vit-tiny-vit-bare.safetensors",
        "architecture": "ViTModel(add_pooling_layer=True)",
        "tolerance": f"max-abs <= {TAU} * max(1, max|ref|)",
        "notes": ("pixel_values [C,H,W] as in vit-tiny-vit, run as ONE batch in case order; "
                  "last_hidden [1+P,H] = last_hidden_state; pooler [H] = pooler_output "
                  "(tanh(dense(last_hidden[0])))."),
        "cases": [{"input": desc} for desc, _ in cases],
    }
    write_json(goldens / "vit-tiny-vit-bare.json", header)
    total = sum(p.stat().st_size for p in list(d.iterdir()) + [st_path])
    print(f"tiny-vit-bare fixtures: {total} bytes; "
          f"max|pooler| {res.pooler_output.abs().max().item():.3f}")
    assert total < SIZE_LIMIT, f"fixtures are {total} bytes, over {SIZE_LIMIT}"


if __name__ == "__main__":
    sys.exit(main())
