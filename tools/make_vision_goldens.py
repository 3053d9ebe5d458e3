#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate the goldens of Lucid's vision wrapper and heads, and the small
head files the tests use.

Writes, under tests/fixtures/:

  heads/probe.safetensors        linear probe over 32-value embeddings
                                 (tiny-vit's and tiny-bert's hidden size):
                                 weight [4, 32], bias [4], softmax, labels
                                 indoor/outdoor/day/night
  heads/probe-sigmoid.safetensors  the same weights, "lucid.activation":
                                 "sigmoid"
  heads/centroids.safetensors    nearest centroid (cosine): the reference
                                 embeddings of solid red, green and blue
                                 frames, labels red/green/blue
  heads/centroids-euclidean.safetensors  the same rows, euclidean metric
  goldens/vision-tiny-vit.json   cases, reference versions, expected
                                 top labels and scores
  goldens/vision-tiny-vit.safetensors
                                 per case i: case{i}.rgb [H, W, 3] U8 (the
                                 frame; solid frames are given by their
                                 "solid" colour in the JSON), case{i}.embedding [32] (CLS after
                                 the final LayerNorm), case{i}.probs [3]
                                 (softmax of the logits), case{i}.<head>
                                 [labels] (each head file's scores)

Reference: transformers' ViTImageProcessorPil (the PIL-based processor) and
ViTForImageClassification on tests/fixtures/tiny-vit in float32, one
thread; head scores with numpy in float64 from the reference embeddings
(softmax / sigmoid of W·e + b; cosine; minus the Euclidean distance).
Deterministic: running it twice gives byte-identical files.

Usage (from the repository root):
    .venv/bin/python tools/make_vision_goldens.py [--out tests/fixtures]
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
import safetensors.numpy  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402
from transformers import ViTForImageClassification  # noqa: E402

try:
    from transformers import ViTImageProcessorPil as ViTImageProcessor  # noqa: E402
except ImportError:  # pragma: no cover
    from transformers import ViTImageProcessor  # noqa: E402

GENERATOR = "tools/make_vision_goldens.py"
REPO = Path(__file__).resolve().parent.parent
SEED = 20261129
PROBE_LABELS = ["indoor", "outdoor", "day", "night"]
SOLID = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
         "white": (255, 255, 255), "black": (0, 0, 0)}


def frames():
    """(name, uint8 [H, W, 3]) cases: odd sizes, a 1x1, solid colours at
    videotestsrc's default 320x240 (what the integration tests feed)."""
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:31, 0:45]
    grad = np.stack([x * 255 // 44, y * 255 // 30, (x + y) * 255 // 74], axis=-1)
    out = [("gradient 45x31", grad.astype(np.uint8)),
           ("noise 7x3", rng.integers(0, 256, (3, 7, 3), dtype=np.uint8)),
           ("noise 1x1", rng.integers(0, 256, (1, 1, 3), dtype=np.uint8))]
    for name, rgb in SOLID.items():
        out.append((f"solid {name} 320x240", np.broadcast_to(
            np.array(rgb, dtype=np.uint8), (240, 320, 3)).copy()))
    return out


def save_head(path, tensors, metadata):
    """safetensors with a deterministic header (safetensors' own writer keeps
    __metadata__ in a hash map, so its key order changes from run to run)."""
    dtypes = {np.dtype(np.float32): "F32"}
    header, blobs, offset = {"__metadata__": dict(sorted(metadata.items()))}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name]).astype("<f4", copy=False)
        b = a.tobytes()
        header[name] = {"dtype": dtypes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    path.write_bytes(len(h).to_bytes(8, "little") + h + b"".join(blobs))
    path.chmod(0o644)


def softmax(z):
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def cosine(e, rows):
    return rows @ e / (np.linalg.norm(rows, axis=1) * np.linalg.norm(e))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    model_dir = out / "tiny-vit"
    proc = ViTImageProcessor.from_pretrained(str(model_dir))
    model = ViTForImageClassification.from_pretrained(
        str(model_dir), attn_implementation="eager", dtype=torch.float32).eval()
    id2label = model.config.id2label

    cases = frames()
    embs, probs = [], []
    with torch.no_grad():
        for _, rgb in cases:
            px = proc(images=PIL.Image.fromarray(rgb, mode="RGB"),
                      return_tensors="pt")["pixel_values"]
            hs = model.vit(pixel_values=px).last_hidden_state
            logits = model(pixel_values=px).logits[0]
            assert torch.allclose(model.classifier(hs[:, 0])[0], logits, atol=1e-6)
            embs.append(hs[0, 0].numpy().astype(np.float32))
            probs.append(torch.softmax(logits.double(), -1).numpy())

    heads_dir = out / "heads"
    heads_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED + 1)
    dim = embs[0].shape[0]
    weight = (rng.standard_normal((len(PROBE_LABELS), dim)) * 0.5).astype(np.float32)
    bias = (rng.standard_normal(len(PROBE_LABELS)) * 0.1).astype(np.float32)
    names = [c[0] for c in cases]
    centroid_rows = np.stack([embs[names.index(f"solid {c} 320x240")]
                              for c in ("red", "green", "blue")]).astype(np.float32)
    heads = {
        "probe": ({"weight": weight, "bias": bias},
                  {"lucid.head": "linear-probe", "lucid.labels": json.dumps(PROBE_LABELS)}),
        "probe-sigmoid": ({"weight": weight, "bias": bias},
                          {"lucid.head": "linear-probe", "lucid.activation": "sigmoid",
                           "lucid.labels": json.dumps(PROBE_LABELS)}),
        "centroids": ({"centroids": centroid_rows},
                      {"lucid.head": "nearest-centroid",
                       "lucid.labels": json.dumps(["red", "green", "blue"])}),
        "centroids-euclidean": ({"centroids": centroid_rows},
                                {"lucid.head": "nearest-centroid", "lucid.metric": "euclidean",
                                 "lucid.labels": json.dumps(["red", "green", "blue"])}),
    }
    for name, (tensors, meta) in heads.items():
        save_head(heads_dir / f"{name}.safetensors", tensors, {**meta, "generator": GENERATOR})
        safetensors.numpy.load_file(str(heads_dir / f"{name}.safetensors"))  # reader accepts it

    def head_scores(name, e):
        e = e.astype(np.float64)
        if name.startswith("probe"):
            z = weight.astype(np.float64) @ e + bias.astype(np.float64)
            return softmax(z) if name == "probe" else 1 / (1 + np.exp(-z))
        rows = centroid_rows.astype(np.float64)
        if name == "centroids":
            return cosine(e, rows)
        return -np.linalg.norm(rows - e, axis=1)

    tensors, meta = {}, []
    for i, ((desc, rgb), emb, p) in enumerate(zip(cases, embs, probs)):
        if not desc.startswith("solid"):  # solid frames: "solid" in the JSON
            tensors[f"case{i}.rgb"] = np.ascontiguousarray(rgb)
        tensors[f"case{i}.embedding"] = emb
        tensors[f"case{i}.probs"] = p.astype(np.float32)
        entry = {"input": desc, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                 "label": id2label[int(p.argmax())], "score": float(p.max()), "heads": {}}
        if desc.startswith("solid"):
            entry["solid"] = [int(v) for v in rgb[0, 0]]
        for name in heads:
            s = head_scores(name, emb)
            tensors[f"case{i}.{name}"] = s.astype(np.float64)
            labels = json.loads(heads[name][1]["lucid.labels"])
            entry["heads"][name] = {"label": labels[int(s.argmax())], "score": float(s.max())}
        meta.append(entry)

    goldens = out / "goldens"
    save_file(tensors, str(goldens / "vision-tiny-vit.safetensors"),
              metadata={"generator": GENERATOR})
    (goldens / "vision-tiny-vit.safetensors").chmod(0o644)
    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "numpy": np.__version__, "Pillow": PIL.__version__,
                      "safetensors": safetensors.__version__},
        "model_dir": "tiny-vit",
        "tensors": "vision-tiny-vit.safetensors",
        "heads": {n: f"heads/{n}.safetensors" for n in heads},
        "notes": ("rgb [H,W,3] U8 frame; embedding = ViTModel last_hidden_state[0, 0] "
                  "(CLS after the final LayerNorm) from ViTImageProcessorPil pixel "
                  "values; probs = softmax(logits) in float64; head scores from numpy "
                  "float64 on the reference embedding."),
    }
    doc = dict(header, cases=meta)
    (goldens / "vision-tiny-vit.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for m in meta:
        print(m["input"], m["label"], round(m["score"], 4),
              {k: v["label"] for k, v in m["heads"].items()})


if __name__ == "__main__":
    sys.exit(main())
