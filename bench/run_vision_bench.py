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
# Engines, same weights, same pixels:
#   * Lucid: bench-vision (lucid_clip_encode_images / lucid_vit_forward,
#     pool of n threads, BLAS single-threaded inside it), with the GEMM
#     kernel the CPU backend picks (weights packed at load) and again with
#     LUCID_GEMM_KERNEL=blas (OpenBLAS per call: the path before packing);
#     the release build build-bench/bench/bench-vision by default;
#   * ONNX Runtime: the image tower (+ projection + L2 normalisation for
#     CLIP) exported with torch.onnx.export from the model loaded with
#     attn_implementation="eager" (SDPA exports a graph the optimizer cannot
#     fuse), optimised with onnxruntime.transformers.optimizer (model_type
#     "clip" / "vit", opt_level 0: fused Attention, SkipLayerNormalization,
#     QuickGelu / BiasGelu); session ORT_ENABLE_ALL, intra_op n, inter_op 1.
#     Every encoder layer must end up as one fused Attention node (12); the
#     script stops otherwise (--allow-unfused: go on, flagged in the doc).
#     Where the optimizer fuses fewer on the exported graph (ViTModel: it
#     scales Q·Kᵀ with a Mul, which ORT's no-mask BERT pattern does not
#     match, and casts the softmax fp32 → fp32), the graph is first
#     rewritten exactly (the Mul by 1/√d becomes a Div by √d, the no-op
#     Casts go) and optimised again; the doc says when that happened;
#   * PyTorch: CLIPModel.get_image_features + normalisation / ViTModel (SDPA
#     attention), eval, inference_mode, torch.set_num_threads(n).
#   * roofline: bench-vision --gemm-roofline, OpenBLAS's sgemm alone at every
#     GEMM shape of the forward pass (as bench-text's roofline): a reference
#     point, not a bound (Lucid's own packed GEMM can beat it).
# ONNX Runtime and PyTorch each run in one worker process per model and
# thread count; the driver asks one engine at a time for a turn of --iters
# timed calls (after --warmup) and rotates the order each of --rounds
# rounds, so drift on the machine hits every engine alike (as
# run_text_bench.py). Before each case it waits for the machine to be quiet
# (--wait-idle) and redoes a turn that other processes disturbed
# (--max-tries); the doc records the load it saw. Reported: median and
# p10–p90 over every timed call of every round.
#
# Usage: see bench/README.md.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchcommon import (Guard, Worker, cpu_busy, load_sentence, log,
                         machine_info, replace_block, summary, versions, wait_idle)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# name: (kind, patch)
MODELS = {"clip-vit-b32": ("clip", 32), "clip-vit-b16": ("clip", 16),
          "vit-b16": ("vit", 16)}
ENGINES = ("lucid", "lucid_blas", "ort", "torch")
LAYERS = 12          # one fused Attention node per encoder layer expected
OPSET = 17
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
    if kind == "vit" and os.path.exists(os.path.join(d, "model.safetensors")) \
            and not os.path.exists(os.path.join(d, "preprocessor_config.json")):
        # made by an older version of this script, without the processor
        # lucidvisionenc needs (run_pipeline_overhead.py --model-kind vit)
        from transformers import ViTImageProcessorPil
        ViTImageProcessorPil(size={"height": 224, "width": 224}).save_pretrained(d)
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return
    os.makedirs(d, exist_ok=True)
    if kind == "vit":
        from transformers import ViTConfig, ViTImageProcessorPil, ViTModel
        cfg = ViTConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, hidden_act="gelu", image_size=224,
                        patch_size=patch, num_channels=3, qkv_bias=True)
        torch.manual_seed(0)
        ViTModel(cfg, add_pooling_layer=False).eval().save_pretrained(
            d, safe_serialization=True)
        ViTImageProcessorPil(size={"height": 224, "width": 224}).save_pretrained(d)
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


def load_tower(model_dir, kind, attn):
    from transformers import CLIPModel, ViTModel
    cls = ViTModel if kind == "vit" else CLIPModel
    model = cls.from_pretrained(model_dir, attn_implementation=attn).eval()
    return ImageTower(model, kind).module


# ---------------------------------------------------------- ONNX export --

def rewrite_for_fusion(src, dst):
    """Rewrites @src exactly so that ORT's BERT attention pattern matches:
    fp32 → fp32 Casts after a Softmax go, and a Mul of a MatMul by a scalar
    constant c becomes a Div by 1/c (only where 1/(1/c) == c in fp32).
    Returns (casts removed, Muls rewritten)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(src)
    g = m.graph
    prod = {o: n for n in g.node for o in n.output}
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in g.node
              if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"}
    consts.update({i.name: numpy_helper.to_array(i) for i in g.initializer})
    rename, nodes, n_mul = {}, [], 0
    for n in g.node:
        if n.op_type == "Cast" and n.attribute[0].i == TensorProto.FLOAT:
            src_name = rename.get(n.input[0], n.input[0])
            p = prod.get(src_name)
            if p is not None and p.op_type == "Softmax":
                rename[n.output[0]] = src_name
                continue
        for i, x in enumerate(n.input):
            if x in rename:
                n.input[i] = rename[x]
        c = consts.get(n.input[1]) if n.op_type == "Mul" and len(n.input) == 2 else None
        p = prod.get(n.input[0]) if c is not None else None
        if (p is not None and p.op_type == "MatMul" and c.size == 1
                and c.dtype == np.float32 and float(c) != 0.0):
            inv = np.float32(1.0) / c
            if np.float32(1.0) / inv == c:
                name = n.output[0] + "_divisor"
                g.initializer.append(numpy_helper.from_array(inv.astype(np.float32), name))
                n = helper.make_node("Div", [n.input[0], name], list(n.output),
                                     name=(n.name or name) + "_div")
                n_mul += 1
        nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(m, dst)
    return len(rename), n_mul


def optimize(raw, kind):
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions
    om = optimizer.optimize_model(raw, model_type=kind, num_heads=12, hidden_size=768,
                                  optimization_options=FusionOptions(kind), opt_level=0,
                                  use_gpu=False)
    return om, {k: v for k, v in om.get_fused_operator_statistics().items() if v}


def export_onnx(model_dir, kind):
    """Exports the image tower (eager attention) and optimises it, once per
    export settings and versions: the file names carry them, so a cache made
    with other settings or libraries is never reused. Returns (path, info)."""
    import onnxruntime
    import torch
    import transformers
    tag = (f"eager-opset{OPSET}-{kind}-l0-ort{onnxruntime.__version__}"
           f"-tf{transformers.__version__}-torch{torch.__version__}")
    raw = os.path.join(model_dir, f"image-{tag}.onnx")
    opt = os.path.join(model_dir, f"image-opt-{tag}.onnx")
    side = os.path.join(model_dir, f"image-opt-{tag}.json")
    # the earlier version of this script cached image.onnx / image-opt.onnx
    # (SDPA export, unfused attention): never use them, drop them
    for f in ("image.onnx", "image-opt.onnx"):
        if os.path.exists(os.path.join(model_dir, f)):
            os.unlink(os.path.join(model_dir, f))
    st = os.stat(os.path.join(model_dir, "model.safetensors"))
    src = {"weights_size": st.st_size, "weights_mtime": st.st_mtime}
    if os.path.exists(opt) and os.path.exists(side):
        info = json.load(open(side))
        if info.get("source") == src:
            return opt, info
    log(f"exporting {model_dir} to ONNX ({tag}) ...")
    tower = load_tower(model_dir, kind, "eager")
    with torch.no_grad():
        torch.onnx.export(tower, (torch.from_numpy(pixels(1)),), raw,
                          input_names=["pixel_values"], output_names=["embeds"],
                          dynamic_axes={"pixel_values": {0: "b"}, "embeds": {0: "b"}},
                          opset_version=OPSET, do_constant_folding=True, dynamo=False)
    om, stats = optimize(raw, kind)
    info = {"source": src, "file": os.path.basename(opt), "model_type": kind,
            "fusions_plain": stats, "rewrite": None}
    if stats.get("Attention", 0) < LAYERS:
        rw = os.path.join(model_dir, f"image-rw-{tag}.onnx")
        casts, muls = rewrite_for_fusion(raw, rw)
        om2, stats2 = optimize(rw, kind)
        log(f"optimizer: {stats.get('Attention', 0)} Attention on the exported graph; "
            f"after the rewrite ({casts} Casts removed, {muls} Mul → Div): "
            f"{stats2.get('Attention', 0)}")
        if stats2.get("Attention", 0) > stats.get("Attention", 0):
            om, stats = om2, stats2
            info["rewrite"] = {"casts_removed": casts, "mul_to_div": muls}
    info["fusions"] = stats
    om.save_model_to_file(opt)
    json.dump(info, open(side, "w"), indent=1)
    for f in (raw, os.path.join(model_dir, f"image-rw-{tag}.onnx")):
        if os.path.exists(f):
            os.unlink(f)     # only the optimised graph is used
    return opt, info


# ---------------------------------------------------------------- workers --

def worker_main(a):
    """ONNX Runtime or PyTorch in its own process; JSON lines on stdin/stdout."""
    import numpy as np
    n = a.threads
    out = sys.stdout
    sys.stdout = sys.stderr   # keep library chatter off the protocol
    if a.worker == "torch":
        import torch
        torch.set_num_threads(n)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        tower = load_tower(a.model, a.kind, "sdpa")

        def run(px):
            with torch.inference_mode():
                return tower(torch.from_numpy(px)).numpy()
    else:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = n
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])

        def run(px):
            return sess.run(None, {"pixel_values": px})[0]
    px_cache = {}

    def px_for(b):
        if b not in px_cache:
            px_cache[b] = pixels(b)
        return px_cache[b]

    def reply(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "quit":
            break
        px = px_for(msg["batch"])
        if msg["cmd"] == "time":
            cpu0 = time.process_time()
            for _ in range(msg["warmup"]):
                run(px)
            samples = []
            for _ in range(msg["iters"]):
                t0 = time.perf_counter()
                run(px)
                samples.append((time.perf_counter() - t0) * 1e3)
            reply({"samples_ms": samples, "cpu_s": time.process_time() - cpu0})
        elif msg["cmd"] == "dump":
            np.save(msg["path"], np.asarray(run(px), dtype=np.float32))
            reply({"ok": True})


def lucid_run(bench, args, blas=False):
    env = dict(os.environ)
    env.pop("LUCID_GEMM_KERNEL", None)
    if blas:
        env["LUCID_GEMM_KERNEL"] = "blas"
    cmd = [bench] + args
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser(description="Lucid's image encoders against ONNX Runtime "
                                 "and PyTorch (bench/README.md)")
    ap.add_argument("--bench", default=os.path.join(ROOT, "build-bench", "bench", "bench-vision"),
                    help="bench-vision binary (default: the release build "
                         "build-bench/bench/bench-vision)")
    ap.add_argument("--models-dir",
                    default=os.path.join(tempfile.gettempdir(), "lucid-vision-bench"))
    ap.add_argument("--models", default=",".join(MODELS), help="comma list (default all)")
    ap.add_argument("--thread-counts", default="1,2", help="comma list (default 1,2)")
    ap.add_argument("--batches", default="1,8", help="comma list (default 1,8)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds per case; each engine takes one turn per round, the order "
                         "rotating (default 3)")
    ap.add_argument("--iters", type=int, default=10,
                    help="timed calls per turn at batch 1 (default 10)")
    ap.add_argument("--iters8", type=int, default=3,
                    help="timed calls per turn at batch > 1 (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls per turn (default 1)")
    ap.add_argument("--wait-idle", type=float, default=300,
                    help="before each case, wait up to S seconds for other load to drop "
                         "below 10%% of the CPUs (default 300)")
    ap.add_argument("--max-tries", type=int, default=4,
                    help="measure a disturbed turn at most N times (default 4)")
    ap.add_argument("--allow-unfused", action="store_true",
                    help="go on when ORT's optimizer fuses fewer than one Attention per "
                         "layer (flagged in the doc) instead of stopping")
    ap.add_argument("--write-docs", action="store_true",
                    help="write the results into docs/BENCHMARKS.md")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--kind", default="clip", help=argparse.SUPPRESS)
    ap.add_argument("--onnx", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker_main(a)

    import numpy as np
    t_start = time.time()
    load_start = os.getloadavg()
    if not os.access(a.bench, os.X_OK):
        sys.exit(f"run_vision_bench: {a.bench} not built (meson setup build-bench "
                 "-Dbuildtype=release && ninja -C build-bench bench/bench-vision)")
    info = lucid_run(a.bench, ["--info"])
    info["path"] = os.path.relpath(os.path.abspath(a.bench), ROOT)
    if info.get("buildtype") != "release":
        log(f"WARNING: {a.bench} is a '{info.get('buildtype')}' build, not release; "
            "the doc says so")
    threads_list = [int(t) for t in a.thread_counts.split(",")]
    batches = [int(b) for b in a.batches.split(",")]
    guard = Guard(a.wait_idle, max(1, a.max_tries))
    rows, graphs = [], {}
    tmp = tempfile.mkdtemp(prefix="lucid-vbench-")
    try:
        for name in a.models.split(","):
            kind, patch = MODELS[name]
            d = os.path.join(a.models_dir, name)
            make_model(d, kind, patch)
            onnx_path, ginfo = export_onnx(d, kind)
            graphs[name] = ginfo
            n_att = ginfo["fusions"].get("Attention", 0)
            log(f"{name}: ORT graph {ginfo['file']}: {ginfo['fusions']}")
            if n_att != LAYERS:
                msg = (f"{name}: ONNX Runtime's optimizer fused {n_att} Attention nodes, "
                       f"expected {LAYERS} (one per layer): the ORT baseline would run "
                       "unfused attention")
                if not a.allow_unfused:
                    sys.exit(f"run_vision_bench: {msg}; stopping (--allow-unfused to go on)")
                log("WARNING: " + msg)
            for th in threads_list:
                workers = {e: Worker(__file__, e, th, ("--model", d, "--kind", kind, "--onnx", onnx_path))
                           for e in ("ort", "torch")}
                for batch in batches:
                    busy = wait_idle(a.wait_idle)
                    log(f"== {name} batch {batch} threads {th} "
                        f"(machine {busy:.0%} busy before)")
                    iters = a.iters if batch == 1 else a.iters8
                    samples = {e: [] for e in ENGINES}
                    roofs = []
                    turns = list(ENGINES) + ["roofline"]
                    dumps = {e: os.path.join(tmp, f"{e}.f32") for e in ("lucid", "lucid_blas")}
                    for r in range(a.rounds):
                        order = turns[r % len(turns):] + turns[:r % len(turns)]
                        for e in order:
                            what = f"{name} b{batch} t{th} {e}"
                            if e == "roofline":
                                roofs.append(guard.run(what, lambda: (lucid_run(
                                    a.bench, ["--gemm-roofline", "--patch", str(patch),
                                              "--batch", str(batch), "--threads", str(th)]),
                                    0.0)))
                                continue
                            if e.startswith("lucid"):
                                def turn(e=e):
                                    return lucid_run(a.bench, [
                                        "--model", d, "--kind", kind, "--batch", str(batch),
                                        "--threads", str(th), "--iters", str(iters),
                                        "--warmup", str(a.warmup), "--dump", dumps[e]],
                                        blas=e == "lucid_blas")["ms"], 0.0
                            else:
                                def turn(e=e):
                                    j = workers[e].ask({"cmd": "time", "batch": batch,
                                                        "warmup": a.warmup, "iters": iters})
                                    return j["samples_ms"], j["cpu_s"]
                            samples[e] += guard.run(what, turn)
                            time.sleep(0.3)   # let spinning pool threads go idle
                    # agreement: the embeddings of the last turn of each engine
                    outs = {}
                    for e in ("torch", "ort"):
                        pth = os.path.join(tmp, f"{e}.npy")
                        workers[e].ask({"cmd": "dump", "batch": batch, "path": pth})
                        outs[e] = np.load(pth).reshape(batch, -1)
                    for e in dumps:
                        outs[e] = np.fromfile(dumps[e], dtype=np.float32).reshape(batch, -1)
                    outs = {e: o / np.linalg.norm(o, axis=-1, keepdims=True)
                            for e, o in outs.items()}

                    def min_cos(e):
                        return float(min((outs[e][i] * outs["torch"][i]).sum()
                                         for i in range(batch)))
                    ops = [dict(o) for o in roofs[0]["ops"]]
                    for i, op in enumerate(ops):
                        op["ms_per_call"] = min(rf["ops"][i]["ms_per_call"] for rf in roofs)
                    row = {"model": name, "kind": kind, "batch": batch, "threads": th,
                           "busy_before": busy,
                           "roofline_ms": sum(o["calls"] * o["ms_per_call"] for o in ops),
                           "roofline_rounds_ms": [rf["roofline_ms"] for rf in roofs],
                           "gemm_gflop": roofs[0]["gemm_gflop"],
                           "min_cos_lucid_torch": min_cos("lucid"),
                           "min_cos_lucid_blas_torch": min_cos("lucid_blas"),
                           "min_cos_ort_torch": min_cos("ort")}
                    for e in ENGINES:
                        row[e] = summary(samples[e])
                    rows.append(row)
                    log(json.dumps({k: (v["median"] if isinstance(v, dict) else v)
                                    for k, v in row.items()}))
                for w in workers.values():
                    w.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    import onnxruntime
    R = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
         "command": "bench/run_vision_bench.py " + " ".join(sys.argv[1:]),
         "wall_s": time.time() - t_start, "machine": machine_info(), "versions": versions(),
         "lucid": info, "ort_graphs": graphs, "ort_version": onnxruntime.__version__,
         "rows": rows, "rounds": a.rounds, "iters": a.iters, "iters8": a.iters8,
         "warmup": a.warmup, "busy_after": cpu_busy(), "load_start": load_start,
         "load_end": os.getloadavg(), "redone": guard.redone,
         "kept_disturbed": guard.kept_disturbed, "max_tries": max(1, a.max_tries),
         "allow_unfused": a.allow_unfused}
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(R, f, indent=1)
    if a.write_docs:
        write_docs(a.doc, R)
        log("wrote", a.doc)


# --------------------------------------------------------------- document --

def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def fmt_ms(s):
    return f"{s['median']:.1f} ({s['p10']:.1f}–{s['p90']:.1f})"


def write_docs(path, R):
    m, v, info = R["machine"], R["versions"], R["lucid"]
    build_ok = info.get("buildtype") == "release"
    L = [f"_Generated {R['date']} by `{R['command']}` ({R['wall_s']:.0f} s)._", ""]
    L.append(f"- CPU: {m['model']}, {m['cpus']} logical CPUs, AVX-512 "
             f"{'yes' if m['avx512'] else 'no'}, kernel {m['kernel']}.")
    L.append("- " + load_sentence([r["busy_before"] for r in R["rows"]], R))
    L.append(f"- Lucid {v['lucid']}: `{info['path']}`, meson buildtype "
             + (f"**{info.get('buildtype')}**" if build_ok
                else f"**{info.get('buildtype')} — not the release build**")
             + f" (compiler optimisation {'on' if info.get('optimized') else '**off**'}), "
             f"`{v['gcc']}`; GEMM kernel **{info.get('gemm')}**; BLAS `{info.get('blas')}`.")
    L.append(f"- ONNX Runtime {v['onnxruntime']}, onnx {v['onnx']}, PyTorch {v['torch']} "
             f"({v.get('torch_blas', '?')}, {v.get('torch_isa', '?')}), transformers "
             f"{v['transformers']}, numpy {v['numpy']}, Python {v['python']}.")
    for name, g in R["ort_graphs"].items():
        n_att = g["fusions"].get("Attention", 0)
        fus = ", ".join(f"{k} ×{n}" for k, n in sorted(g["fusions"].items()))
        line = (f"- ORT graph for {name} (`{g['file']}`: eager export, opset {OPSET}, "
                f"`optimize_model(model_type=\"{g['model_type']}\", opt_level=0)`): {fus}")
        if g.get("rewrite"):
            rw = g["rewrite"]
            line += (f"; the optimizer fused {g['fusions_plain'].get('Attention', 0)} "
                     f"Attention on the exported graph as is, so the graph was first "
                     f"rewritten exactly ({rw['mul_to_div']} Mul by 1/√d → Div by √d, "
                     f"{rw['casts_removed']} fp32→fp32 Casts after Softmax removed)")
        if n_att != LAYERS:
            line += (f". **Attention NOT fully fused: {n_att} of {LAYERS} layers — "
                     "ONNX Runtime runs unfused attention here**")
        L.append(line + ".")
    L.append("")
    L.append(f"Median ms per call (p10–p90 in brackets) over every timed call of "
             f"{plural(R['rounds'], 'round')}; each round every engine (and the roofline) "
             f"takes one turn of {plural(R['iters'], 'call')} at batch 1 / {R['iters8']} at "
             f"batch 8 after {plural(R['warmup'], 'warm-up call')}, the order "
             "rotating from round to round. Random weights at the real ViT-B shapes (no "
             "real CLIP or ViT weights are reachable); the image encoder only (pixel values "
             "in; CLIP: normalised 512-d embeddings out, ViT: the CLS row of "
             "last_hidden_state). `Lucid` packs the weights once at load (the CPU backend's "
             "own GEMM); `Lucid blas` is the same binary with `LUCID_GEMM_KERNEL=blas` "
             "(OpenBLAS repacking per call, unfused attention: the path before packing). "
             "`roofline`: OpenBLAS's sgemm alone at every GEMM shape of one forward pass "
             "(patch embedding, four Linear layers, the per-head attention products), each "
             "at the better of BLAS on n threads and 1 thread ÷ n and at its best over the "
             "rounds, summed (`bench-vision --gemm-roofline`) — a reference point, not a "
             "lower bound: Lucid's own packed GEMM can beat it. Ratio = Lucid time / "
             "reference time (below 1: Lucid faster). Cosines: the lowest over the batch "
             "between each engine's embedding and PyTorch's.")
    L.append("")
    L.append("| model | batch | threads | Lucid ms | Lucid blas ms | ORT ms | PyTorch ms | "
             "roofline ms | Lucid/ORT | blas/ORT | Lucid/PyTorch | Lucid/roofline | "
             "Lucid img/s | min cos Lucid | min cos ORT |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in R["rows"]:
        lm, bm = r["lucid"]["median"], r["lucid_blas"]["median"]
        om, tm = r["ort"]["median"], r["torch"]["median"]
        L.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {fmt_ms(r['lucid'])} | "
                 f"{fmt_ms(r['lucid_blas'])} | {fmt_ms(r['ort'])} | {fmt_ms(r['torch'])} | "
                 f"{r['roofline_ms']:.1f} | {lm / om:.2f} | {bm / om:.2f} | {lm / tm:.2f} | "
                 f"{lm / r['roofline_ms']:.2f} | {r['batch'] * 1000 / lm:.1f} | "
                 f"{min(r['min_cos_lucid_torch'], r['min_cos_lucid_blas_torch']):.6f} | "
                 f"{r['min_cos_ort_torch']:.6f} |")
    L.append("")
    targets = [r for r in R["rows"] if r["model"] in ("clip-vit-b32", "vit-b16")]
    if targets:
        L.append("Target (issue 3): Lucid within 1.1× of ONNX Runtime fp32 for ViT-B/16 and "
                 "CLIP ViT-B/32: " + "; ".join(
                     f"{r['model']} b{r['batch']} t{r['threads']} "
                     f"{r['lucid']['median'] / r['ort']['median']:.2f} "
                     + ("met" if r['lucid']['median'] <= 1.1 * r['ort']['median']
                        else "**missed**") for r in targets) + ".")
        L.append("")
    replace_block(path, BEGIN, END, "\n".join(L), "CLIP image encoders (issue 3)")


if __name__ == "__main__":
    sys.exit(main())
