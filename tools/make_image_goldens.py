#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate Lucid's image-preprocessing goldens (PIL resampling, ViT and CLIP
image processors).

Writes, under tests/fixtures/goldens/:

  image-vit.preprocessor_config.json   ViTImageProcessor, 32x32, bilinear
  image-clip.preprocessor_config.json  CLIPImageProcessor, shortest_edge 24,
                                       bicubic, centre crop 24x24
  image-clip-pad.preprocessor_config.json
                                       CLIPImageProcessor without resizing,
                                       crop 24x24 (pads images smaller than
                                       the crop with zeros)
  image-clip-crop.preprocessor_config.json
                                       CLIPImageProcessor, shortest_edge 32,
                                       bicubic, centre crop 24x24 (the crop
                                       cuts both sides)
  image-preprocess.json                case list, reference versions, notes
  image-preprocess.safetensors         input.NAME U8 [H,W,3] (the case's
                                       "input"; "hash" pattern inputs are not
                                       stored: the test rebuilds them and
                                       checks their SHA-256); per case i:
                                       case{i}.resized U8 [h,w,3] (PIL's
                                       Image.resize alone; left out, with
                                       "resized_stored": false, when over
                                       16 KiB, e.g. extreme aspect ratios),
                                       case{i}.pixel_values F32 [3,H,W]
                                       (process cases only)

Two kinds of case: "resize" (PIL Image.resize(size, resample) alone, every
convolution filter: 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming) and
"process" (transformers' PIL-based image processor, use_fast=False, on a PIL
RGB image; `resized` then holds PIL's resize of the same input to the size
the processor resizes to, and the script checks that rescaling and
normalising it in float32 the way transformers does reproduces the
processor's pixel_values bit for bit).

The "hash" pattern (width w, height h, seed s), in uint32 arithmetic:
  n = (x*374761393 + y*668265263 + s*2246822519) mod 2^32
  n = ((n ^ (n >> 15)) * 2654435761) mod 2^32;  n ^= n >> 13
  R = (x*255 // (w-1)) ^ (n & 31),  G = y*255 // (h-1),  B = n >> 24
(a horizontal and a vertical gradient, with noise, and pure noise: what
antialiasing must average).

Usage (from the repository root):
    .venv/bin/python tools/make_image_goldens.py [--out tests/fixtures/goldens]

Needs transformers 5.24.0 and Pillow 13.0.0; deterministic (byte-identical
output on a re-run); never run by CI.
"""

import argparse
import hashlib
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
import transformers  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402
from transformers import CLIPImageProcessorPil, ViTImageProcessorPil  # noqa: E402

GENERATOR = "tools/make_image_goldens.py"
REPO = Path(__file__).resolve().parent.parent
SIZE_LIMIT = 192 * 1024
RESAMPLE_NAMES = {1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}


def hash_pattern(w, h, seed):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    m = np.uint64(0xFFFFFFFF)
    n = (x * np.uint64(374761393) + y * np.uint64(668265263)
         + np.uint64(seed) * np.uint64(2246822519)) & m
    n = ((n ^ (n >> np.uint64(15))) * np.uint64(2654435761)) & m
    n ^= n >> np.uint64(13)
    r = (x * np.uint64(255) // np.uint64(w - 1)) ^ (n & np.uint64(31))
    g = y * np.uint64(255) // np.uint64(h - 1)
    b = n >> np.uint64(24)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def gradient(w, h):
    y, x = np.mgrid[0:h, 0:w]
    r = x * 255 // (w - 1)
    g = y * 255 // (h - 1)
    b = (x + y) * 255 // (w + h - 2)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def noise(w, h, seed):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3)).astype(np.uint8)


# name -> (array, description)
def make_inputs():
    return {
        "grad37x53": (gradient(37, 53), "37x53 (WxH) RGB gradient"),
        "noise20x15": (noise(20, 15, 11), "20x15 uniform noise (upscaled)"),
        "noise32x32": (noise(32, 32, 12), "32x32 uniform noise (ViT: no resize)"),
        "hash640x480": (hash_pattern(640, 480, 7), "640x480 hash pattern, seed 7"),
        "hash53x37": (hash_pattern(53, 37, 3), "53x37 hash pattern, seed 3"),
        "hash23x263": (hash_pattern(23, 263, 5), "23x263 hash pattern, seed 5"),
        "hash17x249": (hash_pattern(17, 249, 6), "17x249 hash pattern, seed 6"),
        "hash30x70": (hash_pattern(30, 70, 9), "30x70 hash pattern, seed 9"),
        # Extreme aspect ratios: resized by the shortest edge they become far
        # longer than the crop (2000x2 -> 24000x24).
        "hash2000x2": (hash_pattern(2000, 2, 13), "2000x2 hash pattern, seed 13"),
        "hash2x2000": (hash_pattern(2, 2000, 14), "2x2000 hash pattern, seed 14"),
        "hash300x3000": (hash_pattern(300, 3000, 15), "300x3000 hash pattern, seed 15"),
    }


CONFIGS = {
    "vit": lambda: ViTImageProcessorPil(size={"height": 32, "width": 32}),
    "clip": lambda: CLIPImageProcessorPil(size={"shortest_edge": 24},
                                          crop_size={"height": 24, "width": 24}),
    "clip-pad": lambda: CLIPImageProcessorPil(do_resize=False,
                                              crop_size={"height": 24, "width": 24}),
    "clip-crop": lambda: CLIPImageProcessorPil(size={"shortest_edge": 32},
                                               crop_size={"height": 24, "width": 24}),
}
RESIZED_STORE_LIMIT = 16 * 1024

# (kind, config or resample, input, target size (w, h) for resize cases)
CASES = [
    ("resize", 2, "grad37x53", (16, 20)),
    ("resize", 3, "grad37x53", (16, 20)),
    ("resize", 1, "hash53x37", (19, 13)),
    ("resize", 4, "hash53x37", (19, 13)),
    ("resize", 5, "hash53x37", (19, 13)),
    ("resize", 3, "noise20x15", (41, 29)),
    ("resize", 1, "noise20x15", (41, 29)),
    ("resize", 2, "noise20x15", (20, 29)),  # vertical pass only
    ("resize", 3, "hash53x37", (17, 37)),   # horizontal pass only
    # Pillow >= 13 resizes vertically first when the height shrinks by more
    # than twice as many pixels as the width (src_h - h > 2 * (src_w - w)):
    ("resize", 2, "hash23x263", (36, 53)),  # vertical first, width grows
    ("resize", 3, "hash17x249", (24, 30)),  # vertical first
    ("resize", 5, "hash23x263", (12, 20)),  # vertical first, both shrink
    ("resize", 4, "hash23x263", (12, 20)),  # vertical first, both shrink
    ("resize", 1, "hash30x70", (10, 29)),   # 41 > 2 * 20: vertical first
    ("resize", 1, "hash30x70", (10, 30)),   # 40 == 2 * 20: horizontal first
    ("resize", 3, "noise20x15", (50, 17)),  # -2 > 2 * -30, but height grows:
                                            # horizontal first
    ("process", "vit", "grad37x53", None),
    ("process", "vit", "hash640x480", None),
    ("process", "vit", "noise20x15", None),
    ("process", "vit", "noise32x32", None),
    ("process", "clip", "hash640x480", None),
    ("process", "clip", "grad37x53", None),
    ("process", "clip", "noise20x15", None),
    ("process", "clip-pad", "noise20x15", None),
    ("process", "clip", "hash2000x2", None),      # 24000x24, horizontal first
    ("process", "clip", "hash2x2000", None),      # 24x24000
    ("process", "clip-crop", "hash53x37", None),  # crop cuts rows and columns
    ("process", "clip-crop", "hash300x3000", None),  # 32x320, vertical first
]


def resize_size(proc, w, h):
    """The (w, h) the PIL backend resizes to (transformers' own helper)."""
    if not proc.do_resize:
        return (w, h)
    s = proc.size
    if s.shortest_edge:
        chw = np.zeros((3, h, w), np.uint8)
        nh, nw = transformers.image_transforms.get_resize_output_image_size(
            chw, size=s.shortest_edge, default_to_square=False,
            input_data_format="channels_first")
        return (nw, nh)
    return (s.width, s.height)


def float_chain(proc, resized):
    """Rescale + normalise as transformers' numpy code does: rescale in
    float64 then cast to float32; normalise in float32."""
    x = resized.transpose(2, 0, 1)
    if proc.do_center_crop:
        ch, cw = proc.crop_size.height, proc.crop_size.width
        h, w = x.shape[1:]
        top, left = (h - ch) // 2, (w - cw) // 2
        out = np.zeros((3, ch, cw), np.uint8)
        for r in range(ch):
            for c in range(cw):
                if 0 <= top + r < h and 0 <= left + c < w:
                    out[:, r, c] = x[:, top + r, left + c]
        x = out
    if proc.do_rescale:
        x = (x.astype(np.float64) * proc.rescale_factor).astype(np.float32)
    x = x.astype(np.float32)
    if proc.do_normalize:
        mean = np.array(proc.image_mean, np.float32)[:, None, None]
        std = np.array(proc.image_std, np.float32)[:, None, None]
        x = (x - mean) / std
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "goldens"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    inputs = make_inputs()
    procs = {name: make() for name, make in CONFIGS.items()}
    written = []
    for name, proc in procs.items():
        path = out / f"image-{name}.preprocessor_config.json"
        path.write_text(proc.to_json_string(), encoding="utf-8")
        written.append(path)

    tensors, cases = {}, []
    for i, (kind, what, in_name, size) in enumerate(CASES):
        arr, desc = inputs[in_name]
        h, w = arr.shape[:2]
        img = PIL.Image.fromarray(arr, mode="RGB")
        case = {"kind": kind, "input": in_name, "width": w, "height": h}
        if in_name.startswith("hash"):
            seed = int(desc.rsplit(" ", 1)[1])
            case["pattern"] = {"name": "hash", "seed": seed,
                               "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
        else:
            tensors[f"input.{in_name}"] = arr
        if kind == "resize":
            resample = what
            case["resample"] = resample
        else:
            proc = procs[what]
            case["config"] = f"image-{what}.preprocessor_config.json"
            resample = int(proc.resample)
            size = resize_size(proc, w, h)
            px = proc(images=img, return_tensors="np")["pixel_values"][0]
            assert px.dtype == np.float32, px.dtype
            tensors[f"case{i}.pixel_values"] = np.ascontiguousarray(px)
        if size == (w, h):
            resized = arr  # PIL returns a copy: no resampling
        else:
            resized = np.asarray(img.resize(size, resample=resample, reducing_gap=None))
        assert resized.shape == (size[1], size[0], 3), resized.shape
        case["resized_width"], case["resized_height"] = size
        if resized.nbytes <= RESIZED_STORE_LIMIT:
            tensors[f"case{i}.resized"] = np.ascontiguousarray(resized)
        else:
            case["resized_stored"] = False
        if kind == "process":
            chain = float_chain(proc, resized)
            assert np.array_equal(chain, px), (i, np.abs(chain - px).max())
        case["description"] = f"{kind} {desc} -> {size[0]}x{size[1]} " + (
            RESAMPLE_NAMES[resample] if kind == "resize" else f"with {what}")
        cases.append(case)

    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "Pillow": PIL.__version__,
                      "numpy": np.__version__, "safetensors": safetensors.__version__},
        "tensors": "image-preprocess.safetensors",
        "notes": (
            "input.NAME U8 [H,W,3] (absent for 'hash' pattern inputs, see the generator); "
            "case{i}.resized U8 [h,w,3] = PIL Image.resize((w,h), resample, reducing_gap=None); "
            "case{i}.pixel_values F32 [3,H,W] = transformers' PIL-based processor "
            "(ViTImageProcessorPil / CLIPImageProcessorPil, i.e. use_fast=False) on a PIL RGB image."
        ),
    }
    st_path = out / "image-preprocess.safetensors"
    save_file(tensors, str(st_path), metadata={"generator": GENERATOR})
    st_path.chmod(0o644)  # save_file writes 0600
    parts = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()]
    parts.append('  "cases": [')
    parts += ["    " + json.dumps(c) + ("," if i + 1 < len(cases) else "")
              for i, c in enumerate(cases)]
    parts += ["  ]", "}"]
    text = "\n".join(parts) + "\n"
    json.loads(text)
    js_path = out / "image-preprocess.json"
    js_path.write_text(text, encoding="utf-8")
    written += [st_path, js_path]

    total = sum(p.stat().st_size for p in written)
    print(f"{len(cases)} cases, {len(tensors)} tensors, {total} bytes")
    assert total < SIZE_LIMIT, f"image goldens are {total} bytes, over {SIZE_LIMIT}"


if __name__ == "__main__":
    sys.exit(main())
