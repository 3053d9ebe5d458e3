#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate the zero-shot goldens of Lucid's vision wrapper and elements for
the tiny CLIP fixture (tests/fixtures/tiny-clip).

Writes, under tests/fixtures/goldens/:

  vision-tiny-clip.json          reference versions, the prompt sets, and per
                                 frame and prompt set the softmax scores,
                                 the top label and its score
  vision-tiny-clip.safetensors   per case i: case{i}.rgb [H, W, 3] U8 (the
                                 frame; solid frames are given by their
                                 "solid" colour in the JSON),
                                 case{i}.embedding [projection_dim] (the
                                 L2-normalised projected image embedding),
                                 case{i}.{set}.logits and case{i}.{set}.probs
                                 [labels] for each prompt set; {set}.text_embeds
                                 [labels, projection_dim] (L2-normalised);
                                 the same for each prompt ensemble {ens}
                                 (below)

Frames: those of tools/make_vision_goldens.py (a 45x31 gradient, 7x3 and 1x1
noise, solid red/green/blue/white/black at videotestsrc's default 320x240)
and the three PNGs of tests/fixtures/clip-images (decoded by Pillow).

Reference: transformers' CLIPProcessor with the PIL image processor
(CLIPImageProcessorPil: backend="pil", which is what use_fast=False selects)
and its tokenizer (transformers 5's CLIPTokenizer, backed by the `tokenizers`
library: the ids are checked against tokenizers.Tokenizer on tokenizer.json
here), and CLIPModel in float32 on one thread: scores =
outputs.logits_per_image.softmax(-1), the model called once per frame with
all the prompts of a set (padded), exactly as the transformers zero-shot
example does.  The embedding is get_image_features() / its L2 norm.

Prompt ensembles (several templates per label, the elements'
prompt-template="t1|t2|t3"): each label's text embedding is the CLIP paper's
recipe as open_clip's zero-shot classifier builds it —
normalize(mean over templates of normalize(get_text_features(prompt)))
— and logits = exp(logit_scale) * normalize(image features) @ thoseᵀ, probs
= logits.softmax(-1), all from CLIPModel in float32.

Deterministic: running it twice gives byte-identical files.

Usage (from the repository root):
    .venv/bin/python tools/make_clip_zero_shot_goldens.py [--out tests/fixtures]
"""

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import PIL.Image  # noqa: E402
import safetensors  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402
from transformers import CLIPImageProcessorPil, CLIPModel, CLIPProcessor  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_vision_goldens import frames as vision_frames  # noqa: E402

GENERATOR = "tools/make_clip_zero_shot_goldens.py"
REPO = Path(__file__).resolve().parent.parent
MODEL = "tiny-clip"
PNGS = ["gradient-45x30.png", "noise-24x40.png", "blocks-32x32.png"]

# name -> (labels, prompt template); "{}" stands for the label, as in the
# elements' prompt-template property.  "colours" is what the integration
# test's pipeline string says.
PROMPT_SETS = {
    "colours": (["red", "green", "blue"], "a photo of {}"),
    "objects": (["cat", "dog", "traffic light", "crème brûlée"], "a blurry photo of a {}."),
}

# name -> (labels, templates): prompt ensembles.  "colours-ensemble" is what
# the integration test's pipeline string says (templates joined by "|").
ENSEMBLES = {
    "colours-ensemble": (["red", "green", "blue"],
                         ["a photo of {}.", "a drawing of {}.", "the colour {}"]),
    "objects-ensemble": (["cat", "dog", "traffic light"],
                         ["a blurry photo of a {}.", "a photo of the big {}.",
                          "itap of a {}.", "art of the {}."]),
}


def cases(fixtures):
    out = list(vision_frames())
    for png in PNGS:
        rgb = np.asarray(PIL.Image.open(fixtures / "clip-images" / png).convert("RGB"))
        out.append((f"png {png}", np.ascontiguousarray(rgb)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    model_dir = out / MODEL
    proc = CLIPProcessor.from_pretrained(str(model_dir), backend="pil")
    assert isinstance(proc.image_processor, CLIPImageProcessorPil), type(proc.image_processor)
    model = CLIPModel.from_pretrained(str(model_dir), attn_implementation="eager",
                                      dtype=torch.float32).eval()
    ref_tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))

    prompts = {}
    for name, (labels, template) in PROMPT_SETS.items():
        texts = [template.replace("{}", label) for label in labels]
        enc = proc.tokenizer(texts)["input_ids"]
        for t, ids in zip(texts, enc):
            assert ids == ref_tok.encode(t).ids, (t, ids)
        prompts[name] = (labels, template, texts, enc)

    frame_cases = cases(out)
    tensors, meta = {}, []
    scale = model.logit_scale.exp()
    ensembles = {}
    with torch.no_grad():
        for name, (labels, templates) in ENSEMBLES.items():
            texts = [tpl.replace("{}", label) for label in labels for tpl in templates]
            enc = proc.tokenizer(texts)["input_ids"]
            for t, ids in zip(texts, enc):
                assert ids == ref_tok.encode(t).ids, (t, ids)
            te = model.get_text_features(**proc(text=texts, return_tensors="pt", padding=True))
            te = te.pooler_output if hasattr(te, "pooler_output") else te
            te = te / te.norm(dim=-1, keepdim=True)
            emb = te.reshape(len(labels), len(templates), -1).mean(dim=1)
            emb = emb / emb.norm(dim=-1, keepdim=True)
            tensors[f"{name}.text_embeds"] = emb.numpy()
            ensembles[name] = (labels, templates, texts, emb)
        for name, (labels, template, texts, enc) in prompts.items():
            t = proc(text=texts, return_tensors="pt", padding=True)
            te = model.get_text_features(**t)
            te = te.pooler_output if hasattr(te, "pooler_output") else te
            tensors[f"{name}.text_embeds"] = (te / te.norm(dim=-1, keepdim=True)).numpy()
        for i, (desc, rgb) in enumerate(frame_cases):
            image = PIL.Image.fromarray(rgb, mode="RGB")
            entry = {"input": desc, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                     "sets": {}}
            if desc.startswith("solid"):
                entry["solid"] = [int(v) for v in rgb[0, 0]]
            else:
                tensors[f"case{i}.rgb"] = np.ascontiguousarray(rgb)
            px = proc(images=image, return_tensors="pt")["pixel_values"]
            ie = model.get_image_features(pixel_values=px)
            ie = ie.pooler_output if hasattr(ie, "pooler_output") else ie
            ien = ie / ie.norm(dim=-1, keepdim=True)
            tensors[f"case{i}.embedding"] = ien[0].numpy()
            entry["ensembles"] = {}
            for name, (labels, templates, texts, emb) in ensembles.items():
                logits = (scale * ien @ emb.T)[0]
                probs = logits.softmax(-1)
                tensors[f"case{i}.{name}.logits"] = logits.numpy()
                tensors[f"case{i}.{name}.probs"] = probs.numpy()
                best = int(probs.argmax())
                entry["ensembles"][name] = {"label": labels[best], "score": float(probs[best]),
                                            "scores": [float(p) for p in probs]}
            for name, (labels, template, texts, enc) in prompts.items():
                inputs = proc(text=texts, images=image, return_tensors="pt", padding=True)
                outputs = model(**inputs)
                logits = outputs.logits_per_image[0]
                probs = logits.softmax(-1)
                tensors[f"case{i}.{name}.logits"] = logits.numpy()
                tensors[f"case{i}.{name}.probs"] = probs.numpy()
                best = int(probs.argmax())
                entry["sets"][name] = {"label": labels[best], "score": float(probs[best]),
                                       "scores": [float(p) for p in probs]}
            meta.append(entry)

    goldens = out / "goldens"
    st = goldens / "vision-tiny-clip.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(st),
              metadata={"generator": GENERATOR})
    st.chmod(0o644)
    doc = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__,
                      "tokenizers": tokenizers.__version__, "torch": torch.__version__,
                      "numpy": np.__version__, "Pillow": PIL.__version__,
                      "safetensors": safetensors.__version__,
                      "image_processor": type(proc.image_processor).__name__,
                      "tokenizer": type(proc.tokenizer).__name__},
        "model_dir": MODEL,
        "tensors": st.name,
        "logit_scale_exp": float(model.logit_scale.exp().item()),
        "prompt_sets": {name: {"labels": labels, "template": template, "prompts": texts,
                               "ids": enc}
                        for name, (labels, template, texts, enc) in prompts.items()},
        "ensembles": {name: {"labels": labels, "templates": templates,
                             "prompt_template": "|".join(templates), "prompts": texts}
                      for name, (labels, templates, texts, _) in ensembles.items()},
        "notes": ("embedding = get_image_features(pixel_values) / its L2 norm, pixel values from "
                  "CLIPImageProcessorPil (use_fast=False); per prompt set, logits = "
                  "CLIPModel(**CLIPProcessor(text=prompts, images=frame, padding=True))"
                  ".logits_per_image[0] = exp(logit_scale) * cosine, probs = logits.softmax(-1) "
                  "(float32, as the reference computes it)."),
        "cases": meta,
    }
    (goldens / "vision-tiny-clip.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for m in meta:
        print(m["input"], {k: (v["label"], round(v["score"], 4)) for k, v in m["sets"].items()})


if __name__ == "__main__":
    sys.exit(main())
