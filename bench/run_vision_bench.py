#!/usr/bin/env python3
# run_vision_bench.py — Lucid's image encoders against ONNX Runtime and
# PyTorch: CLIP ViT-B/32 and ViT-B/16 image towers and a ViTModel ViT-B/16,
# batch 1 and 8, 1 and 2 threads, with the GEMM roofline.
#
# No real CLIP or ViT weights are reachable (docs/MODELS.md), so the models
# are CLIPModel / ViTModel with transformers' default random initialisation
# at the real shapes (hidden 768, 12 layers, 12 heads, MLP 3072, 224×224,
# patch 32 / 16; CLIP: quick GELU, projection 512, a tiny untimed text
# tower; ViT: exact GELU, no pooler, the CLS row of last_hidden_state out).
# Speed does not depend on the weights' values.
#
# Engines, same weights, same pixels, each in its own process:
#   * Lucid: bench-vision (lucid_clip_encode_images / lucid_vit_forward,
#     pool of n threads, BLAS single-threaded inside it), with the GEMM
#     kernel the CPU backend picks (weights packed at load) and again with
#     LUCID_GEMM_KERNEL=blas (OpenBLAS per call: the path before packing);
#   * ONNX Runtime: the image tower + projection + L2 normalisation exported
#     with torch.onnx.export (dynamic batch), optimised with
#     onnxruntime.transformers.optimizer (model_type "clip" / "vit"; fused
#     attention, skip layer norm) when that succeeds, session ORT_ENABLE_ALL,
#     intra_op_num_threads n, inter_op 1;
#   * PyTorch: CLIPModel.get_image_features + normalisation / ViTModel, eval,
#     inference_mode, torch.set_num_threads(n) (OMP/MKL n).
#   * roofline: bench-vision --gemm-roofline, OpenBLAS's sgemm alone at every
#     GEMM shape of the forward pass (as bench-text's roofline).
# Median of the timed iterations (after warm-up). The engines run one after
# the other, not interleaved: on a shared machine, read ratios as rough.
#
# Usage:
#   .venv/bin/python bench/run_vision_bench.py [--bench build/bench/bench-vision]
#       [--iters 5] [--iters8 3] [--warmup 1] [--write-docs]
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# name: (kind, patch)
MODELS = {"clip-vit-b32": ("clip", 32), "clip-vit-b16": ("clip", 16),
          "vit-b16": ("vit", 16)}
ENGINES = ("lucid", "lucid_blas", "ort", "torch")
BEGIN = "<!-- GENERATED vision: bench/run_vision_bench.py -->"
END = "<!-- END GENERATED vision -->"


def pixels(batch):
    import numpy as np
    # the same generator as bench-vision.c
    state = 12345
    n = batch * 3 * 224 * 224
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = ((state >> 8) / 16777216.0) * 4.0 - 2.0
    return out.reshape(batch, 3, 224, 224)


def make_model(d, kind, patch):
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return
    os.makedirs(d, exist_ok=True)
    if kind == "vit":
        from transformers import ViTConfig, ViTModel
        cfg = ViTConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, hidden_act="gelu", image_size=224,
                        patch_size=patch, num_channels=3, qkv_bias=True)
        torch.manual_seed(0)
        ViTModel(cfg, add_pooling_layer=False).eval().save_pretrained(
            d, safe_serialization=True)
        return
    cfg = CLIPConfig(
        text_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                         num_attention_heads=2, vocab_size=49408),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                           num_attention_heads=12, image_size=224, patch_size=patch),
        projection_dim=512)
    torch.manual_seed(0)
    m = CLIPModel(cfg).eval()
    m.save_pretrained(d, safe_serialization=True)
    CLIPImageProcessorPil(size={"shortest_edge": 224},
                          crop_size={"height": 224, "width": 224}).save_pretrained(d)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(ROOT, "tests", "fixtures", "tiny-clip", f), d)


class ImageTower:
    def __init__(self, model, kind):
        import torch

        class V(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, px):
                return self.m(pixel_values=px).last_hidden_state[:, 0]
        if kind == "vit":
            self.module = V(model).eval()
            return

        class M(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, px):
                e = self.m.get_image_features(pixel_values=px)
                e = e.pooler_output if hasattr(e, "pooler_output") else e
                return e / e.norm(dim=-1, keepdim=True)
        self.module = M(model).eval()


def worker(args):
    import numpy as np
    import time
    n = args.threads
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(n)
    import torch
    from transformers import CLIPModel, ViTModel
    torch.set_num_threads(n)
    px = pixels(args.batch)
    kind = args.kind
    cls = ViTModel if kind == "vit" else CLIPModel
    model = cls.from_pretrained(args.model, attn_implementation="sdpa").eval()
    tower = ImageTower(model, kind).module
    note = ""
    if args.worker == "torch":
        x = torch.from_numpy(px)

        def run():
            with torch.inference_mode():
                return tower(x).numpy()
    else:
        import onnxruntime as ort
        onnx_path = os.path.join(args.model, "image.onnx")
        opt_path = os.path.join(args.model, "image-opt.onnx")
        if not os.path.exists(onnx_path):
            torch.onnx.export(tower, (torch.from_numpy(pixels(1)),), onnx_path,
                              input_names=["pixel_values"], output_names=["embeds"],
                              dynamic_axes={"pixel_values": {0: "b"}, "embeds": {0: "b"}},
                              opset_version=17, dynamo=False)
        path = onnx_path
        if not os.path.exists(opt_path):
            try:
                from onnxruntime.transformers import optimizer
                o = optimizer.optimize_model(onnx_path, model_type=kind, num_heads=12,
                                             hidden_size=768)
                o.save_model_to_file(opt_path)
            except Exception as e:  # keep the plain graph, say so
                note = f"optimizer failed: {type(e).__name__}"
        if os.path.exists(opt_path):
            path = opt_path
            note = note or f"transformers optimizer ({kind})"
        so = ort.SessionOptions()
        so.intra_op_num_threads = n
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

        def run():
            return sess.run(None, {"pixel_values": px})[0]
    for _ in range(args.warmup):
        out = run()
    ms = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        out = run()
        ms.append((time.perf_counter() - t0) * 1000)
    np.save(args.dump, out)
    ms_sorted = sorted(ms)
    print(json.dumps({"engine": args.worker, "batch": args.batch, "threads": n, "ms": ms,
                      "median_ms": ms_sorted[len(ms) // 2], "note": note}))


def run_engine(engine, model, kind, batch, threads, a, tmp):
    lucid = engine.startswith("lucid")
    dump = os.path.join(tmp, f"{engine}.bin" if lucid else f"{engine}.npy")
    iters = str(a.iters if batch == 1 else a.iters8)
    if lucid:
        cmd = [a.bench, "--model", model, "--kind", kind, "--batch", str(batch),
               "--threads", str(threads), "--iters", iters, "--warmup", str(a.warmup),
               "--dump", dump]
    else:
        cmd = [sys.executable, __file__, "--worker", engine, "--kind", kind, "--model", model,
               "--batch", str(batch), "--threads", str(threads), "--iters", iters,
               "--warmup", str(a.warmup), "--dump", dump]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.pop("LUCID_GEMM_KERNEL", None)
    if engine == "lucid_blas":
        env["LUCID_GEMM_KERNEL"] = "blas"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{engine} failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1]), dump


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "bench-vision"))
    ap.add_argument("--models-dir", default=os.path.join(tempfile.gettempdir(), "lucid-vision-bench"))
    ap.add_argument("--iters", type=int, default=5, help="timed calls at batch 1")
    ap.add_argument("--iters8", type=int, default=3, help="timed calls at batch 8")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--kind", default="clip")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--json", help="also write the rows here")
    ap.add_argument("--worker")
    ap.add_argument("--model")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--dump")
    a = ap.parse_args()
    if a.worker:
        return worker(a)

    import numpy as np
    import onnxruntime
    import torch
    import transformers
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.models.split(","):
            kind, patch = MODELS[name]
            d = os.path.join(a.models_dir, name)
            make_model(d, kind, patch)
            for batch in (1, 8):
                for threads in (1, 2):
                    res = {}
                    outs = {}
                    for engine in ENGINES:
                        r, dump = run_engine(engine, d, kind, batch, threads, a, tmp)
                        res[engine] = r
                        o = (np.fromfile(dump, dtype=np.float32).reshape(batch, -1)
                             if engine.startswith("lucid") else np.load(dump))
                        outs[engine] = o / np.linalg.norm(o, axis=-1, keepdims=True)
                    cos = min(float((outs[e][i] * outs["torch"][i]).sum())
                              for e in ("lucid", "lucid_blas") for i in range(batch))
                    rf = subprocess.run([a.bench, "--gemm-roofline", "--patch", str(patch),
                                         "--batch", str(batch), "--threads", str(threads)],
                                        capture_output=True, text=True, check=True)
                    roof = json.loads(rf.stdout.strip().splitlines()[-1])
                    row = {"model": name, "batch": batch, "threads": threads,
                           "lucid_ms": res["lucid"]["median_ms"],
                           "lucid_blas_ms": res["lucid_blas"]["median_ms"],
                           "ort_ms": res["ort"]["median_ms"],
                           "torch_ms": res["torch"]["median_ms"], "ort_note": res["ort"]["note"],
                           "roofline_ms": roof["roofline_ms"], "gemm_gflop": roof["gemm_gflop"],
                           "min_cos_lucid_torch": cos}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, "iters": a.iters, "iters8": a.iters8,
                       "warmup": a.warmup, "ort": onnxruntime.__version__,
                       "torch": torch.__version__, "transformers": transformers.__version__,
                       "load": os.getloadavg()}, f, indent=1)
    if a.write_docs:
        write_docs(rows, a, onnxruntime.__version__, torch.__version__,
                   transformers.__version__)


def write_docs(rows, a, ort_v, torch_v, tf_v):
    lines = [BEGIN, "",
             f"Run {datetime.date.today().isoformat()} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs, **shared with other jobs** (noisy: read the ratios "
             f"as rough), onnxruntime {ort_v}, torch {torch_v}, transformers {tf_v}. "
             "Random weights at the real ViT-B shapes (no real CLIP or ViT weights are "
             f"reachable). Median of {a.iters} calls at batch 1, {a.iters8} at batch 8, "
             f"after {a.warmup} warm-up call{'s' if a.warmup != 1 else ''}; the image "
             "encoder only (pixel values in; CLIP: normalised 512-d embeddings out, ViT: the "
             "CLS row of last_hidden_state). `Lucid` packs the weights once at load "
             "(the CPU backend's own GEMM); `Lucid blas` is the same build with "
             "`LUCID_GEMM_KERNEL=blas` (OpenBLAS repacking per call: the path before "
             "packing), in the same run. `roofline`: OpenBLAS's sgemm alone at every "
             "GEMM shape of one forward pass (patch embedding, four Linear layers, the "
             "per-head attention products), each at the better of BLAS on n threads and "
             "1 thread ÷ n, summed (`bench-vision --gemm-roofline`, as the text bench). "
             "Ratio = Lucid time / reference time (below 1: Lucid faster).", "",
             "| model | batch | threads | Lucid ms | Lucid blas ms | ORT ms | PyTorch ms | "
             "roofline ms | Lucid/ORT | blas/ORT | Lucid/PyTorch | Lucid/roofline | "
             "Lucid img/s | min cos(Lucid, PyTorch) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['batch']} | {r['threads']} | {r['lucid_ms']:.1f} | "
            f"{r['lucid_blas_ms']:.1f} | {r['ort_ms']:.1f} | {r['torch_ms']:.1f} | "
            f"{r['roofline_ms']:.1f} | {r['lucid_ms'] / r['ort_ms']:.2f} | "
            f"{r['lucid_blas_ms'] / r['ort_ms']:.2f} | {r['lucid_ms'] / r['torch_ms']:.2f} | "
            f"{r['lucid_ms'] / r['roofline_ms']:.2f} | {r['batch'] * 1000 / r['lucid_ms']:.1f} | "
            f"{r['min_cos_lucid_torch']:.6f} |")
    notes = sorted({r["ort_note"] for r in rows})
    lines += ["", f"ONNX Runtime graph: {'; '.join(notes)}.", "", END]
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read()
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n## Image encoders (issue 3)\n\n" + block + "\n"
    open(path, "w", encoding="utf-8").write(text)

if __name__ == "__main__":
    sys.exit(main())
