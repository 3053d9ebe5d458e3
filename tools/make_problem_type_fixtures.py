#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate the multi-label fixtures and the goldens of how Lucid turns a
classification head's logits into scores (config.json "problem_type").

Writes, under tests/fixtures/:

  tiny-vit-multilabel/   tests/fixtures/tiny-vit with config.json
                         "problem_type": "multi_label_classification"
                         (same weights and preprocessor_config.json)
  tiny-bert-multilabel/  tests/fixtures/tiny-bert likewise
  goldens/problem-type.json
                         per case: model, input (a solid RGB 320x240 frame
                         by its colour, or a text), the reference's labels
                         and scores (every label, best first) and the
                         function the reference applied

Reference: transformers' ImageClassificationPipeline (ViTImageProcessorPil +
ViTForImageClassification) and TextClassificationPipeline
(BertForSequenceClassification) with top_k=None and the default
function_to_apply, which the pipelines choose from problem_type and
num_labels; float32, one thread. Deterministic.

Usage (from the repository root):
    .venv/bin/python tools/make_problem_type_fixtures.py [--out tests/fixtures]
"""

import argparse
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import PIL.Image  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    BertForSequenceClassification,
    ImageClassificationPipeline,
    TextClassificationPipeline,
    ViTForImageClassification,
)

try:
    from transformers import ViTImageProcessorPil as ViTImageProcessor  # noqa: E402
except ImportError:  # pragma: no cover
    from transformers import ViTImageProcessor  # noqa: E402

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}
TEXTS = ["hello world", "the movie was great", "a bad day"]


def multilabel_copy(src, dst):
    """Copies the fixture @src to @dst with problem_type set."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    cfg_path = dst / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["problem_type"] = "multi_label_classification"
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def function_name(pipe):
    # Mirrors what postprocess() does with function_to_apply=None, so the
    # golden says which one the reference used.
    cfg = pipe.model.config
    if cfg.problem_type == "regression":
        return "identity"
    if cfg.problem_type == "multi_label_classification" or cfg.num_labels == 1:
        return "sigmoid"
    return "softmax"


def entry(model, kind, inp, pipe, result):
    return {
        "model": model,
        kind: inp,
        "function": function_name(pipe),
        "labels": [r["label"] for r in result],
        "scores": [float(r["score"]) for r in result],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures")
    out = Path(ap.parse_args().out)
    torch.set_num_threads(1)
    torch.manual_seed(0)

    cases = []
    for src, dst in (("tiny-vit", "tiny-vit-multilabel"),
                     ("tiny-bert", "tiny-bert-multilabel")):
        multilabel_copy(out / src, out / dst)

    for name in ("tiny-vit", "tiny-vit-multilabel"):
        d = str(out / name)
        pipe = ImageClassificationPipeline(
            model=ViTForImageClassification.from_pretrained(d).eval(),
            image_processor=ViTImageProcessor.from_pretrained(d))
        for colour, rgb in COLOURS.items():
            img = PIL.Image.new("RGB", (320, 240), rgb)
            cases.append(entry(name, "solid", colour, pipe,
                               pipe(img, top_k=None)))

    for name in ("tiny-bert", "tiny-bert-multilabel"):
        d = str(out / name)
        pipe = TextClassificationPipeline(
            model=BertForSequenceClassification.from_pretrained(d).eval(),
            tokenizer=AutoTokenizer.from_pretrained(d))
        for text in TEXTS:
            cases.append(entry(name, "text", text, pipe, pipe(text, top_k=None)))

    golden = {
        "generator": "tools/make_problem_type_fixtures.py",
        "reference": {"transformers": transformers.__version__,
                      "torch": torch.__version__},
        "cases": cases,
    }
    (out / "goldens" / "problem-type.json").write_text(
        json.dumps(golden, indent=2) + "\n")


if __name__ == "__main__":
    main()
