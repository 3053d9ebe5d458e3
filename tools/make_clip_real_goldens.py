#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write parity goldens for a real CLIP model directory, beside the model.

No real CLIP weights are reachable from Lucid's development machines
(docs/MODELS.md), so these goldens cannot be committed: whoever has a CLIP
directory (e.g. from `tools/fetch-model.py openai/clip-vit-base-patch32`)
runs this once, and tests/unit/test-clip.c (/clip/real) then compares Lucid
with transformers on that model:

  DIR/lucid-goldens/clip.json + clip.safetensors
      the committed PNGs (tests/fixtures/clip-images) through the PIL image
      processor (use_fast=False), image and text embeddings (projected,
      normalised), logits_per_image, for a few zero-shot prompts.

Usage: .venv/bin/python tools/make_clip_real_goldens.py
           [DIR, default $LUCID_MODELS_DIR/clip-vit-base-patch32]
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import AutoTokenizer, CLIPImageProcessorPil, CLIPModel  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PROMPTS = ["a photo of a cat", "a photo of a dog", "a colourful gradient",
           "random noise", "four coloured squares", "a diagram"]


def default_dir():
    models = os.environ.get("LUCID_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lucid", "models")
    return Path(models) / "clip-vit-base-patch32"


def main():
    d = Path(sys.argv[1]) if len(sys.argv) > 1 else default_dir()
    torch.set_num_threads(1)
    model = CLIPModel.from_pretrained(str(d), attn_implementation="eager",
                                      dtype=torch.float32).eval()
    proc = CLIPImageProcessorPil.from_pretrained(str(d))
    tok = AutoTokenizer.from_pretrained(str(d))
    pngs = sorted((REPO / "tests" / "fixtures" / "clip-images").glob("*.png"))
    images = [PIL.Image.open(p).convert("RGB") for p in pngs]
    px = proc(images=images, return_tensors="pt")["pixel_values"]
    enc = tok(PROMPTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(pixel_values=px, **enc)
    img = out.image_embeds  # normalised
    txt = out.text_embeds
    tensors = {"logits_per_image": out.logits_per_image.contiguous(),
               "text_embeds": txt.contiguous(), "image_embeds": img.contiguous()}
    meta = []
    for i, (p, im) in enumerate(zip(pngs, images)):
        tensors[f"image{i}.rgb"] = torch.from_numpy(np.array(im, dtype=np.uint8))
        tensors[f"image{i}.pixel_values"] = px[i].contiguous()
        meta.append({"png": p.name, "width": im.width, "height": im.height})
    g = d / "lucid-goldens"
    g.mkdir(exist_ok=True)
    save_file(tensors, str(g / "clip.safetensors"))
    (g / "clip.json").write_text(json.dumps({
        "generator": "tools/make_clip_real_goldens.py",
        "reference": {"transformers": transformers.__version__,
                      "tokenizers": tokenizers.__version__, "torch": torch.__version__,
                      "Pillow": PIL.__version__},
        "model_dir": str(d), "prompts": PROMPTS, "images": meta,
        "logit_scale": float(model.logit_scale.item()),
    }, indent=2) + "\n")
    print(f"{g}: {len(pngs)} images, {len(PROMPTS)} prompts")


if __name__ == "__main__":
    sys.exit(main())
