#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate Lucid's single-tower CLIP fixtures and their goldens.

From tests/fixtures/tiny-clip (a CLIPModel; tools/make_clip_fixtures.py),
writes under tests/fixtures/:

  tiny-clip-vision/       CLIPVisionModelWithProjection.save_pretrained
                          (config.json model_type "clip_vision_model",
                          tensors "vision_model.*" + "visual_projection.weight")
                          + the CLIPImageProcessor's preprocessor_config.json
  tiny-clip-vision-bare/  CLIPVisionModel (no projection) with its tensors
                          stored WITHOUT the "vision_model." prefix, which
                          transformers also loads (checked here: no missing
                          or unexpected keys, identical outputs)
  tiny-clip-text/         CLIPTextModelWithProjection.save_pretrained
                          (model_type "clip_text_model", "text_model.*" +
                          "text_projection.weight") + the tokenizer files
  tiny-clip-text-bare/    CLIPTextModel (no projection), tensors without
                          the "text_model." prefix, + the tokenizer files
  goldens/clip-towers.json + .safetensors
                          reference versions, the texts and their ids
                          (checked against `tokenizers`), the frames, and:
                          case{i}.rgb [H, W, 3] U8 (non-solid frames),
                          vision.case{i}.image_embeds [projection_dim]
                          (CLIPVisionModelWithProjection .image_embeds),
                          vision-bare.case{i}.pooler_output [hidden]
                          (CLIPVisionModel .pooler_output),
                          text.text_embeds [texts, projection_dim],
                          text-bare.pooler_output [texts, hidden],
                          split.cosines [cases, texts] = cosine of
                          image_embeds and text_embeds (what lucidclassify
                          text-model=tiny-clip-text scores
                          tiny-clip-vision's embeddings with)

Frames: those of tools/make_clip_zero_shot_goldens.py (tools/
make_vision_goldens.py's frames and tests/fixtures/clip-images/*.png),
pixel values from CLIPImageProcessorPil (use_fast=False).  Float32, one
thread, eager attention.  Deterministic: a re-run gives identical files.

Usage (from the repository root):
    .venv/bin/python tools/make_clip_tower_fixtures.py [--out tests/fixtures]
"""

import argparse
import json
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
from safetensors.numpy import save_file  # noqa: E402
from safetensors.torch import load_file as load_torch  # noqa: E402
from safetensors.torch import save_file as save_torch  # noqa: E402
from transformers import (AutoTokenizer, CLIPImageProcessorPil, CLIPModel,  # noqa: E402
                          CLIPTextModel, CLIPTextModelWithProjection, CLIPVisionModel,
                          CLIPVisionModelWithProjection)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_clip_zero_shot_goldens import cases as frame_cases  # noqa: E402

GENERATOR = "tools/make_clip_tower_fixtures.py"
REPO = Path(__file__).resolve().parent.parent
SOURCE = "tiny-clip"
# fixture -> (class, tower prefix, strip the prefix, files copied from SOURCE)
TOWERS = {
    "tiny-clip-vision": (CLIPVisionModelWithProjection, "vision_model.", False,
                         ["preprocessor_config.json"]),
    "tiny-clip-vision-bare": (CLIPVisionModel, "vision_model.", True,
                              ["preprocessor_config.json"]),
    "tiny-clip-text": (CLIPTextModelWithProjection, "text_model.", False,
                       ["tokenizer.json", "tokenizer_config.json"]),
    "tiny-clip-text-bare": (CLIPTextModel, "text_model.", True,
                            ["tokenizer.json", "tokenizer_config.json"]),
}
LABELS = ["red", "green", "blue"]
TEMPLATE = "a photo of {}"


def load(cls, d):
    model, info = cls.from_pretrained(str(d), attn_implementation="eager",
                                      dtype=torch.float32, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v}
    assert not bad, (d, bad)
    return model.eval()


def write_tower(src, out, name, cls, prefix, strip, files):
    d = out / name
    shutil.rmtree(d, ignore_errors=True)
    # Cut from the CLIPModel: the other tower's tensors are "unexpected".
    model = cls.from_pretrained(str(src), attn_implementation="eager",
                                dtype=torch.float32).eval()
    model.save_pretrained(str(d))
    for f in files:
        shutil.copyfile(src / f, d / f)
    if strip:
        st = d / "model.safetensors"
        sd = load_torch(str(st))
        assert all(k.startswith(prefix) or "projection" in k for k in sd), sorted(sd)
        save_torch({k.removeprefix(prefix): v for k, v in sd.items()}, str(st),
                   metadata={"format": "pt"})
    for p in d.iterdir():
        p.chmod(0o644)
    return load(cls, d)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    src = out / SOURCE

    models = {name: write_tower(src, out, name, *spec) for name, spec in TOWERS.items()}
    full = CLIPModel.from_pretrained(str(src), attn_implementation="eager",
                                     dtype=torch.float32).eval()
    # Each tower directory holds only its own half of CLIPProcessor.
    image_proc = CLIPImageProcessorPil.from_pretrained(str(out / "tiny-clip-vision"))
    tok = AutoTokenizer.from_pretrained(str(out / "tiny-clip-text"))
    ref_tok = tokenizers.Tokenizer.from_file(str(out / "tiny-clip-text" / "tokenizer.json"))

    texts = [TEMPLATE.replace("{}", label) for label in LABELS]
    ids = tok(texts)["input_ids"]
    for t, i in zip(texts, ids):
        assert i == ref_tok.encode(t).ids, (t, i)

    tensors, meta = {}, []
    with torch.no_grad():
        t = tok(texts, return_tensors="pt", padding=True)
        te = models["tiny-clip-text"](**t).text_embeds
        tensors["text.text_embeds"] = te.numpy()
        tensors["text-bare.pooler_output"] = models["tiny-clip-text-bare"](**t).pooler_output.numpy()
        # The towers are CLIPModel's own: the same features.
        ref = full.get_text_features(**t)
        ref = ref.pooler_output if hasattr(ref, "pooler_output") else ref
        assert torch.allclose(te, ref, atol=1e-6), "text tower differs from CLIPModel"
        ten = te / te.norm(dim=-1, keepdim=True)
        cosines = []
        for i, (desc, rgb) in enumerate(frame_cases(out)):
            entry = {"input": desc, "width": int(rgb.shape[1]), "height": int(rgb.shape[0])}
            if desc.startswith("solid"):
                entry["solid"] = [int(v) for v in rgb[0, 0]]
            else:
                tensors[f"case{i}.rgb"] = np.ascontiguousarray(rgb)
            image = PIL.Image.fromarray(rgb, mode="RGB")
            px = image_proc(images=image, return_tensors="pt")["pixel_values"]
            ie = models["tiny-clip-vision"](pixel_values=px).image_embeds
            ref = full.get_image_features(pixel_values=px)
            ref = ref.pooler_output if hasattr(ref, "pooler_output") else ref
            assert torch.allclose(ie, ref, atol=1e-6), "vision tower differs from CLIPModel"
            tensors[f"vision.case{i}.image_embeds"] = ie[0].numpy()
            tensors[f"vision-bare.case{i}.pooler_output"] = (
                models["tiny-clip-vision-bare"](pixel_values=px).pooler_output[0].numpy())
            ien = ie / ie.norm(dim=-1, keepdim=True)
            cos = (ien @ ten.T)[0]
            cosines.append(cos.numpy())
            best = int(cos.argmax())
            entry["split"] = {"label": LABELS[best], "score": float(cos[best])}
            meta.append(entry)
        tensors["split.cosines"] = np.stack(cosines)

    goldens = out / "goldens"
    st = goldens / "clip-towers.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(st),
              metadata={"generator": GENERATOR})
    st.chmod(0o644)
    doc = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__,
                      "tokenizers": tokenizers.__version__, "torch": torch.__version__,
                      "numpy": np.__version__, "Pillow": PIL.__version__,
                      "safetensors": safetensors.__version__,
                      "image_processor": type(image_proc).__name__,
                      "tokenizer": type(tok).__name__},
        "source": SOURCE,
        "tensors": st.name,
        "towers": {name: {"class": cls.__name__, "prefix": "" if strip else prefix}
                   for name, (cls, prefix, strip, _) in TOWERS.items()},
        "labels": LABELS,
        "template": TEMPLATE,
        "texts": texts,
        "ids": ids,
        "notes": ("image_embeds / text_embeds are the *WithProjection outputs (not normalised); "
                  "pooler_output of the bare towers; split.cosines = cosine(image_embeds, "
                  "text_embeds); every tower equals the CLIPModel it was cut from (checked)."),
        "cases": meta,
    }
    (goldens / "clip-towers.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for m in meta:
        print(m["input"], m["split"])


if __name__ == "__main__":
    sys.exit(main())
