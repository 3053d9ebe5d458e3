#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write parity goldens for a real ViT model directory, beside the model.

No real ViT weights are reachable from Lucid's development machines
(docs/MODELS.md), so these goldens cannot be committed: whoever has a ViT
directory (e.g. from `tools/fetch-model.py google/vit-base-patch16-224`)
runs this once, and tests/unit/test-vit.c (/vit/real) then compares Lucid
with transformers on that model:

  DIR/lucid-goldens/vit.json + vit.safetensors
      the committed PNGs (tests/fixtures/clip-images) through the PIL image
      processor (use_fast=False): image{i}.rgb, image{i}.pixel_values; then,
      run as one batch, last_hidden_state, logits (ViTForImageClassification
      checkpoints) or pooler_output (ViTModel checkpoints with a pooler).

Usage: .venv/bin/python tools/make_vit_real_goldens.py
           [DIR, default $LUCID_MODELS_DIR/vit-base-patch16-224]
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import ViTForImageClassification, ViTImageProcessorPil, ViTModel  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GENERATOR = "tools/make_vit_real_goldens.py"


def default_dir():
    models = os.environ.get("LUCID_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lucid", "models")
    return Path(models) / "vit-base-patch16-224"


def main():
    d = Path(sys.argv[1]) if len(sys.argv) > 1 else default_dir()
    torch.set_num_threads(1)
    cfg = json.loads((d / "config.json").read_text())
    head = "ViTForImageClassification" in cfg.get("architectures", [])
    cls = ViTForImageClassification if head else ViTModel
    model = cls.from_pretrained(str(d), attn_implementation="eager",
                                dtype=torch.float32).eval()
    proc = ViTImageProcessorPil.from_pretrained(str(d))
    pngs = sorted((REPO / "tests" / "fixtures" / "clip-images").glob("*.png"))
    images = [PIL.Image.open(p).convert("RGB") for p in pngs]
    px = proc(images=images, return_tensors="pt")["pixel_values"]
    tensors = {}
    with torch.no_grad():
        if head:
            out = model(pixel_values=px, output_hidden_states=True)
            # ViTForImageClassification's last hidden state is before the
            # final layernorm; the ViTModel output (what Lucid returns) after.
            base = model.vit(pixel_values=px)
            tensors["last_hidden_state"] = base.last_hidden_state.contiguous()
            tensors["logits"] = out.logits.contiguous()
        else:
            out = model(pixel_values=px)
            tensors["last_hidden_state"] = out.last_hidden_state.contiguous()
            if out.pooler_output is not None:
                tensors["pooler_output"] = out.pooler_output.contiguous()
    meta = []
    for i, (p, im) in enumerate(zip(pngs, images)):
        tensors[f"image{i}.rgb"] = torch.from_numpy(np.array(im, dtype=np.uint8))
        tensors[f"image{i}.pixel_values"] = px[i].contiguous()
        m = {"png": p.name, "width": im.width, "height": im.height}
        if head:
            m["label"] = model.config.id2label[int(tensors["logits"][i].argmax())]
        meta.append(m)
    g = d / "lucid-goldens"
    g.mkdir(exist_ok=True)
    save_file(tensors, str(g / "vit.safetensors"), metadata={"generator": GENERATOR})
    (g / "vit.json").write_text(json.dumps({
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "Pillow": PIL.__version__},
        "model_dir": str(d), "architecture": cls.__name__, "images": meta,
        "outputs": sorted(k for k in tensors if not k.startswith("image")),
    }, indent=2) + "\n")
    print(f"{g}: {len(pngs)} images, {cls.__name__}, outputs "
          f"{sorted(k for k in tensors if not k.startswith('image'))}")


if __name__ == "__main__":
    sys.exit(main())
