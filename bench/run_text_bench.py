#!/usr/bin/env python3
# run_text_bench.py — Lucid's text encoder against ONNX Runtime and PyTorch.
#
# Same machine, same run, same weights (all-MiniLM-L6-v2), same token ids:
#   * Lucid: build-bench/bench/bench-text (lucid_bert_forward on a packed
#     batch; Lucid's compute pool on n threads, LUCID_NUM_THREADS = n, with
#     BLAS single-threaded inside it);
#   * ONNX Runtime: the model exported with torch.onnx.export (dynamic axes),
#     then onnxruntime.transformers.optimizer (model_type bert: fused
#     Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization),
#     session with intra_op_num_threads = n, inter_op 1, ORT_ENABLE_ALL;
#   * PyTorch: transformers BertModel (SDPA attention), eval, inference_mode,
#     torch.set_num_threads(n), OMP_NUM_THREADS = MKL_NUM_THREADS = n.
# Each reference runs in its own worker process (so no two thread pools share
# the cores); the driver asks one engine at a time for a chunk of timed
# iterations and rotates the order each round, so slow drift of the machine
# hits every engine alike. Results: medians and ratios in docs/BENCHMARKS.md
# (between the GENERATED markers; text outside them is kept).
#
# Usage: see bench/README.md.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# statistics, other load, machine and versions: shared with the vision benches
from benchcommon import (Guard, Worker, cpu_busy, log, machine_info, quantile, summary,
                         versions, wait_idle)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL_NAME = "all-MiniLM-L6-v2"

# Ordinary English prose (written for this benchmark) from which every case
# takes its token ids: real word pieces, so that the attention and GELU inputs
# look like the inputs the encoder sees in use.
PASSAGE = (
    "The river that runs through the old town was once the reason the town "
    "existed at all. Barges carried grain, timber and salt downstream to the "
    "coast, and the merchants who grew rich from that trade built the tall "
    "stone houses that still line the eastern bank. When the railway arrived "
    "in the middle of the nineteenth century, the barges slowly disappeared, "
    "the warehouses were boarded up, and for almost a hundred years the "
    "waterfront was a place people hurried past on their way to somewhere "
    "else. Things began to change in the early two thousands, when the city "
    "council bought three of the empty warehouses and invited artists, small "
    "bakeries and a bicycle repair cooperative to move in at a nominal rent. "
    "Critics called the scheme a waste of public money and predicted that "
    "nobody would walk down to the river on a cold Tuesday evening just to "
    "buy bread or look at paintings. They were wrong. Within five years the "
    "footpaths along both banks were busy from early morning until late at "
    "night, a weekly market had taken over the old customs square, and "
    "property prices in the surrounding streets had doubled, which brought "
    "problems of its own. Long-time residents complained that they could no "
    "longer afford the neighbourhood their families had lived in for "
    "generations, and several of the original tenants were eventually priced "
    "out by restaurants and boutique hotels. Today the council publishes an "
    "annual report on the waterfront that tracks footfall, air quality, noise "
    "complaints, the number of independent businesses and the share of "
    "housing that remains affordable. The latest edition notes that flooding "
    "is now the most serious long-term risk: the river rose above its banks "
    "twice last winter, and engineers warn that the medieval walls were "
    "never designed for the volumes of water that heavier storms now bring. "
    "A public consultation on new flood defences opens next month, and the "
    "planning office says it will hold meetings in every district, translate "
    "its documents into the six most widely spoken languages in the city, "
    "and publish every submission it receives online, with personal details "
    "removed, so that residents can see for themselves how their comments "
    "were weighed against the cost estimates and the engineering surveys."
)

FIXED_LENGTHS = (32, 128, 256)
FIXED_BATCHES = (1, 8)
# The mixed batch: eight texts of realistic, different lengths (tokens
# including [CLS] and [SEP]); padded to 200 for ONNX Runtime and PyTorch.
MIXED_LENGTHS = (12, 19, 31, 44, 67, 98, 143, 200)


# ---------------------------------------------------------------- workers --

def worker_main(kind, threads):
    """A reference engine in its own process; JSON lines on stdin/stdout."""
    import numpy as np
    if kind == "torch":
        import torch
        from transformers import AutoModel
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        model = AutoModel.from_pretrained(args_model_dir(), attn_implementation="sdpa")
        model.eval()
    else:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(os.environ["LUCID_BENCH_ONNX"], so,
                                    providers=["CPUExecutionProvider"])
        in_types = {i.name: i.type for i in sess.get_inputs()}
        out_name = sess.get_outputs()[0].name

    cases, seq_feeds = {}, {}
    out = sys.stdout

    def conv(feeds):
        if kind == "torch":
            return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in feeds.items()}
        return {k: np.ascontiguousarray(v.astype(np.int32) if "int32" in in_types[k] else v)
                for k, v in feeds.items() if k in in_types}
    sys.stdout = sys.stderr   # keep library chatter off the protocol

    def reply(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    def run(c):
        if kind == "torch":
            with torch.inference_mode():
                return model(**c).last_hidden_state
        return sess.run([out_name], c)[0]

    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "quit":
            break
        if cmd == "load":
            for name, seqs in msg["cases"].items():
                b, L = len(seqs), max(len(s) for s in seqs)
                ids = np.zeros((b, L), dtype=np.int64)
                mask = np.zeros((b, L), dtype=np.int64)
                for i, s in enumerate(seqs):
                    ids[i, :len(s)] = s
                    mask[i, :len(s)] = 1
                feeds = {"input_ids": ids, "attention_mask": mask,
                         "token_type_ids": np.zeros_like(ids)}
                cases[name] = conv(feeds)
                # The same sequences one at a time, unpadded (batch 1 each).
                seq_feeds[name] = [conv({k: v[i:i + 1, :len(s)] for k, v in feeds.items()})
                                   for i, s in enumerate(seqs)]
            reply({"ok": True})
        elif cmd == "time":
            if msg.get("per_seq"):
                feeds = seq_feeds[msg["case"]]

                def one():
                    for f in feeds:
                        run(f)
            else:
                c = cases[msg["case"]]

                def one():
                    run(c)
            cpu0 = time.process_time()
            for _ in range(msg["warmup"]):
                one()
            samples = []
            t_end = time.perf_counter() + msg["min_time"]
            while len(samples) < msg["min_iters"] or time.perf_counter() < t_end:
                t0 = time.perf_counter()
                one()
                samples.append((time.perf_counter() - t0) * 1e3)
            reply({"samples_ms": samples, "cpu_s": time.process_time() - cpu0})
        elif cmd == "gemm" and kind == "torch":
            # PyTorch's BLAS (MKL) at the same Linear shapes: y = x·wᵀ + b.
            res = []
            cpu0 = time.process_time()
            with torch.inference_mode():
                for op in msg["ops"]:
                    x = torch.randn(op["m"], op["k"]) * 0.1
                    w = torch.randn(op["n"], op["k"]) * 0.1
                    bias = torch.randn(op["n"]) * 0.1
                    y = torch.empty(op["m"], op["n"])
                    for _ in range(3):
                        torch.addmm(bias, x, w.t(), out=y)
                    reps, per = [], 1
                    while True:
                        t0 = time.perf_counter()
                        for _ in range(per):
                            torch.addmm(bias, x, w.t(), out=y)
                        dt = time.perf_counter() - t0
                        if dt > 2e-3:
                            break
                        per *= 2
                    t_end = time.perf_counter() + msg["min_time"]
                    while len(reps) < 5 or time.perf_counter() < t_end:
                        t0 = time.perf_counter()
                        for _ in range(per):
                            torch.addmm(bias, x, w.t(), out=y)
                        reps.append((time.perf_counter() - t0) * 1e3 / per)
                    res.append(quantile(reps, 0.5))
            reply({"ms_per_call": res, "cpu_s": time.process_time() - cpu0})
        elif cmd == "dump":
            h = run(cases[msg["case"]])
            h = h.numpy() if kind == "torch" else h
            np.save(msg["path"], np.asarray(h, dtype=np.float32))
            reply({"ok": True})


def args_model_dir():
    return os.environ["LUCID_BENCH_MODEL"]


# ------------------------------------------------------------------ Lucid --

def lucid_run(bench, model_dir, ids_file, threads, env, extra, case):
    e = dict(os.environ)
    e.update(env)
    # bench-text sets LUCID_NUM_THREADS itself and keeps BLAS on one thread
    e.pop("OPENBLAS_NUM_THREADS", None)
    inp = ["--texts", ids_file[len("texts:"):]] if ids_file.startswith("texts:") \
        else ["--ids", ids_file]
    cmd = [bench, "--model", model_dir] + inp + ["--threads", str(threads),
                                                 "--case", case] + extra
    r = subprocess.run(cmd, env=e, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def lucid_info(bench, env):
    e = dict(os.environ)
    e.update(env)
    r = subprocess.run([bench, "--info"], env=e, capture_output=True, text=True, check=True)
    j = json.loads(r.stdout)
    m = re.search(r"core (\w+)", j.get("blas", ""))
    j["core"] = m.group(1) if m else "?"
    return j


# ------------------------------------------------------------ preparation --

def build_cases(tok):
    """Token-id lists per case, cut from PASSAGE with the reference tokenizer."""
    enc = tok(PASSAGE, add_special_tokens=False, return_offsets_mapping=True)
    body, offsets = enc["input_ids"], enc["offset_mapping"]
    cls, sep = tok.cls_token_id, tok.sep_token_id

    def seq(start, n):            # n tokens including [CLS] and [SEP]
        return [cls] + [body[(start + i) % len(body)] for i in range(n - 2)] + [sep]

    cases, texts = {}, {}
    for L in FIXED_LENGTHS:
        for b in FIXED_BATCHES:
            cases[f"len{L}-b{b}"] = [seq(37 * i, L) for i in range(b)]
    # The mixed batch as real texts: cut PASSAGE after token n-2 (extended to
    # the end of its word) and tokenize the cut text again, so the ids are
    # exactly what the tokenizer makes of that text.
    mixed, mixed_texts = [], []
    for i, n in enumerate(MIXED_LENGTHS):
        start = (53 * i) % (len(body) - 210)
        while start > 0 and offsets[start][0] == offsets[start - 1][1]:
            start += 1                 # begin on a word start
        a = offsets[start][0]
        end = offsets[start + n - 3][1]
        while end < len(PASSAGE) and PASSAGE[end].isalnum():
            end += 1
        text = PASSAGE[a:end]
        ids = tok(text)["input_ids"]
        mixed.append(ids)
        mixed_texts.append(text)
    cases["mixed-b8"] = mixed
    texts["mixed-b8"] = mixed_texts
    return cases, texts


def export_onnx(model_dir, cache):
    """Exports once (cached) and optimizes with the ORT transformer optimizer."""
    import torch
    from transformers import AutoModel
    raw = os.path.join(cache, "minilm.onnx")
    opt = os.path.join(cache, "minilm-opt.onnx")
    stats_path = os.path.join(cache, "minilm-opt.json")
    stamp = os.path.join(cache, "source.json")
    st = os.stat(os.path.join(model_dir, "model.safetensors"))
    src = {"model": os.path.abspath(model_dir), "size": st.st_size, "mtime": st.st_mtime,
           "torch": torch.__version__}
    try:
        import onnxruntime
        src["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    if (os.path.exists(opt) and os.path.exists(stamp) and os.path.exists(stats_path)
            and json.load(open(stamp)) == src):
        return opt, json.load(open(stats_path))
    os.makedirs(cache, exist_ok=True)
    log(f"exporting {model_dir} to ONNX ...")
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager")
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.int64)
    dyn = {n: {0: "batch", 1: "sequence"}
           for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")}

    class Wrap(torch.nn.Module):      # one output: the last hidden state
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    with torch.no_grad():
        torch.onnx.export(Wrap(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), raw,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], dynamic_axes=dyn,
                          opset_version=17, do_constant_folding=True, dynamo=False)
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    fo = FusionOptions("bert")
    om = optimizer.optimize_model(raw, model_type="bert", num_heads=cfg["num_attention_heads"],
                                  hidden_size=cfg["hidden_size"], optimization_options=fo,
                                  opt_level=0, use_gpu=False)
    stats = {k: v for k, v in om.get_fused_operator_statistics().items() if v}
    om.save_model_to_file(opt)
    json.dump(stats, open(stats_path, "w"))
    json.dump(src, open(stamp, "w"))
    return opt, stats



# --------------------------------------------------------------- document --

BEGIN = "<!-- BEGIN GENERATED by bench/run_text_bench.py: edits here are overwritten -->"
END = "<!-- END GENERATED -->"


def fmt_ms(s):
    return f"{s['median']:.2f} ({s['p10']:.2f}–{s['p90']:.2f})"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "—"


def write_doc(path, R):
    engines = R["engines"]
    lucid_keys = [e for e in engines if e.startswith("lucid")]
    L = []
    L.append(f"_Generated {R['date']} by `{R['command']}` ({R['wall_s']:.0f} s)._")
    L.append("")
    m, v = R["machine"], R["versions"]
    L.append("### Machine and versions")
    L.append("")
    L.append(f"- CPU: {m['model']}, {m['cpus']} logical CPUs "
             f"({m['threads_per_core']} thread/core), L2 {m['l2']}, L3 {m['l3']}"
             + (f", {m['hypervisor']} guest" if m["hypervisor"] else "") + ".")
    L.append(f"- AVX-512: {'yes (' + ' '.join(m['avx512']) + ')' if m['avx512'] else 'no'}; "
             f"AVX2: {'yes' if m['avx2'] else 'no'}; AMX: {' '.join(m['amx']) or 'no'}.")
    for k in lucid_keys:
        b = R["blas"][k]
        own = b.get("gemm", "blas") != "blas"
        L.append(f"- {R['labels'][k]}: Linear layers on "
                 + (f"Lucid's packed GEMM (**{b['gemm']}** kernel), attention on Lucid's "
                    f"fused kernel (lucid-attention.c, **{b['gemm']}**), "
                    if own else "BLAS sgemm, attention per head on BLAS sgemm + softmax_rows, ")
                 + f"BLAS `{b.get('blas')}` — kernel core **{b.get('core', '?')}**.")
    L.append(f"- Lucid {v['lucid']}, `{v['gcc']}`, meson buildtype release; "
             f"PyTorch {v['torch']} ({v.get('torch_blas', '?')}, {v.get('torch_isa', '?')}), "
             f"transformers {v['transformers']}; ONNX Runtime {v['onnxruntime']}, "
             f"onnx {v['onnx']}; Python {v['python']}, numpy {v['numpy']}; kernel {m['kernel']}.")
    L.append("- Other load on the machine (share of all CPUs busy, sampled for 1 s before each "
             "case; the driver waits for < 10 %): "
             + ", ".join(f"at most {R['busy_max'].get(t, b):.0%} before the {t}-thread cases"
                         for t, b in R["busy_before"].items())
             + f", {R['busy_after']:.0%} after. Measurements during which other processes "
             "(or the hypervisor) used more than 5 % of the machine were redone: "
             f"{R['redone']} redone, {R['kept_disturbed']} kept disturbed after "
             f"{R.get('max_tries', 4)} tr{'y' if R.get('max_tries', 4) == 1 else 'ies'}.")
    L.append(f"- Model: `{MODEL_NAME}` (BERT, 6 layers, hidden 384, 12 heads, FFN 1536, "
             f"exact GELU), fp32. ORT graph after the optimizer: "
             + ", ".join(f"{k} ×{n}" for k, n in sorted(R["ort_fusions"].items())) + ".")
    L.append("")
    L.append("### Results")
    L.append("")
    L.append("Median ms per forward pass (p10–p90 in brackets) over every timed iteration "
             f"of {R['rounds']} alternating rounds; ratios are of medians (< 1: Lucid faster). "
             "`roofline` is the least time the encoder's GEMMs allow with OpenBLAS: cblas_sgemm "
             "timed alone, its operands hot in cache, at every GEMM shape Lucid issues for that "
             "batch (Lucid's BLAS and kernel core; Lucid's own packed GEMM can beat it), "
             "each call at the better of BLAS on n threads and BLAS on 1 thread ÷ n and at its "
             "best over the rounds (the GEMMs take turns with the engines), summed over the "
             "calls of one forward pass. Tokens: real tokens (what Lucid computes) / padded "
             "tokens (what ONNX Runtime and PyTorch compute).")
    L.append("")
    for th in R["threads"]:
        L.append(f"#### {th} thread{'s' if th > 1 else ''}")
        L.append("")
        hdr = ["case", "tokens"] + [R["labels"][e] for e in engines] + ["roofline"]
        for k in lucid_keys:
            short = R["short"][k]
            hdr += [f"{short}/ORT", f"{short}/PyTorch", f"{short}/roofline"]
        L.append("| " + " | ".join(hdr) + " |")
        L.append("|" + "---|" * len(hdr))
        for case in R["cases"]:
            res = R["results"][str(th)][case]
            seqs = R["case_seqs"][case]
            real = sum(seqs)
            padded = len(seqs) * max(seqs)
            row = [f"`{case}`", f"{real}/{padded}" if real != padded else f"{real}"]
            for e in engines:
                row.append(fmt_ms(res[e]))
            roof = res["roofline_ms"]
            row.append(f"{roof:.2f}")
            for k in lucid_keys:
                lm = res[k]["median"]
                row += [ratio(lm, res["ort"]["median"]), ratio(lm, res["torch"]["median"]),
                        ratio(lm, roof)]
            L.append("| " + " | ".join(row) + " |")
        L.append("")
    if any("ort_seq" in R["results"][str(t)].get("mixed-b8", {}) for t in R["threads"]):
        L.append("Without padding for the references: ONNX Runtime running the eight "
                 "`mixed-b8` sequences one at a time (batch 1 each, no padding; what a "
                 "caller could do instead of padding):")
        L.append("")
        for t in R["threads"]:
            res = R["results"][str(t)]["mixed-b8"]
            L.append(f"- {t} thread{'s' if t > 1 else ''}: ORT one by one {fmt_ms(res['ort_seq'])}"
                     " ms; " + ", ".join(f"{R['short'][k]}/that "
                                         f"{ratio(res[k]['median'], res['ort_seq']['median'])}"
                                         for k in lucid_keys) + ".")
        L.append("")
    # targets
    L.append("### Targets")
    L.append("")
    L.append("From the issue: fp32 within 1.05× of ONNX Runtime at batch 1, and faster than it "
             "(≤ 0.8×) on the mixed-length batch (Lucid packs tokens; ONNX Runtime and PyTorch "
             "pad to the longest sequence and mask).")
    L.append("")
    L.append("| target | threads | " + " | ".join(R["labels"][k] for k in lucid_keys) + " |")
    L.append("|---|---|" + "---|" * len(lucid_keys))
    for th in R["threads"]:
        for case in R["cases"]:
            if case.endswith("-b1"):
                goal, lim = "≤ 1.05× ORT", 1.05
            elif case.startswith("mixed"):
                goal, lim = "≤ 0.80× ORT", 0.80
            else:
                continue
            res = R["results"][str(th)][case]
            cells = []
            for k in lucid_keys:
                r_ = res[k]["median"] / res["ort"]["median"]
                cells.append(f"{r_:.2f}× {'met' if r_ <= lim else '**missed**'}")
            L.append(f"| `{case}` {goal} | {th} | " + " | ".join(cells) + " |")
    L.append("")
    # agreement
    L.append("### Agreement (same token ids, last hidden state, real tokens only)")
    L.append("")
    L.append("Max-abs difference; the DESIGN tolerance is 1e-4·max(1, max|ref|) with "
             "PyTorch as the reference.")
    L.append("")
    hdr = ["case", "max\\|PyTorch\\|"] + [f"{R['short'][k]} vs PyTorch" for k in lucid_keys] \
        + ["ORT vs PyTorch", f"{R['short'][lucid_keys[0]]} vs ORT", "within tolerance"]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "---|" * len(hdr))
    for case in R["cases"]:
        a = R["agreement"].get(case)
        if not a:
            continue
        row = [f"`{case}`", f"{a['ref_max']:.3g}"]
        row += [f"{a[k + '_vs_torch']:.2e}" for k in lucid_keys]
        row += [f"{a['ort_vs_torch']:.2e}", f"{a[lucid_keys[0] + '_vs_ort']:.2e}",
                "yes" if a["ok"] else "**no**"]
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    # roofline details
    L.append("### GEMM roofline details")
    L.append("")
    for th in R["threads"]:
        rf = R["roofline_detail"][str(th)]
        L.append(f"- {th} thread{'s' if th > 1 else ''}: large square sgemm (1024³) "
                 + ", ".join(f"{R['short'][k]} {rf[k]['square1024_gflops']:.0f} GFLOP/s"
                             for k in lucid_keys) + ".")
    L.append("")
    L.append("sgemm GFLOP/s at the encoder's shapes: OpenBLAS (as in `roofline`) "
             "and, for the four Linear layers, PyTorch's MKL (`torch.addmm`, same shapes) — "
             "what a different GEMM would allow:")
    L.append("")
    hdr = ["case", "op", "M×N×K", "calls/pass"]
    for t in R["threads"]:
        hdr += [f"OpenBLAS {t}t", f"MKL {t}t"]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "---|" * len(hdr))
    for case in [c for c in ("len32-b1", "len128-b1", "len128-b8", "mixed-b8") if c in R["cases"]]:
        ops0 = R["roofline_ops"][str(R["threads"][0])][case]
        for i, op in enumerate(ops0):
            if i >= 4 and case == "mixed-b8":
                break
            row = [f"`{case}`", op["op"], f"{op['m']}×{op['n']}×{op['k']}", f"{op['calls']:.0f}"]
            for t in R["threads"]:
                o = R["roofline_ops"][str(t)][case][i]
                row += [f"{o['gflops']:.0f}",
                        f"{o['mkl_gflops']:.0f}" if "mkl_gflops" in o else "—"]
            L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("Time of one forward pass's GEMMs alone (ms): Linear layers with OpenBLAS / with "
             "MKL, attention products (per sequence and head) with OpenBLAS:")
    L.append("")
    L.append("| case | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in R["threads"])
             + " |")
    L.append("|---|" + "---|" * len(R["threads"]))
    for case in R["cases"]:
        cells = []
        for t in R["threads"]:
            rf = R["results"][str(t)][case]["roofline"]
            cells.append(f"{rf['linear_ms']:.2f} / {rf.get('mkl_linear_ms', float('nan')):.2f}"
                         f" / {rf['attention_ms']:.2f}")
        L.append(f"| `{case}` | " + " | ".join(cells) + " |")
    L.append("")
    if any("lucid_e2e" in R["results"][str(t)].get("mixed-b8", {}) for t in R["threads"]):
        key = "lucid_core" if "lucid_core" in R["engines"] else "lucid"
        L.append("### End to end (tokenizer included)")
        L.append("")
        L.append("`mixed-b8` as texts through `lucid_text_model_run` (Lucid's tokenizer, "
                 "packing, encoder, mean pooling, L2 normalisation), in the same rotation:")
        L.append("")
        for t in R["threads"]:
            res = R["results"][str(t)]["mixed-b8"]
            L.append(f"- {t} thread{'s' if t > 1 else ''}: {fmt_ms(res['lucid_e2e'])} ms, "
                     f"encoder alone {fmt_ms(res[key])} ms.")
        L.append("")
    gen = "\n".join(L)

    head = ("# Benchmarks\n\n"
            "How fast Lucid's encoders run against the reference implementations on the same "
            "machine, in the same run (DESIGN.md, \"Errors, tests, performance\"). Never run "
            "in CI; numbers below are from one machine and one run — rerun them on yours "
            "(bench/README.md).\n\n")
    old = open(path).read() if os.path.exists(path) else ""
    if BEGIN in old and END in old:
        pre, rest = old.split(BEGIN, 1)
        _, post = rest.split(END, 1)
    else:
        pre, post = head + "## Text encoder (all-MiniLM-L6-v2)\n\n", "\n"
    with open(path, "w") as f:
        f.write(pre + BEGIN + "\n" + gen + "\n" + END + post)


# ------------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--worker", choices=["torch", "ort"], help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--model", help="model dir (default $LUCID_MODELS_DIR/" + MODEL_NAME
                    + ", then ~/.cache/lucid/models/" + MODEL_NAME + ")")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"),
                    help="meson build dir holding bench/bench-text (default build-bench)")
    ap.add_argument("--thread-counts", default="1,2", help="comma list (default 1,2)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    ap.add_argument("--chunk-time", type=float, default=1.0,
                    help="seconds of timed iterations per engine per round")
    ap.add_argument("--cases", default="", help="comma list of case names (default all)")
    ap.add_argument("--openblas-coretype", default="auto",
                    help="also run Lucid with OPENBLAS_CORETYPE=X ('auto': SkylakeX when the "
                         "CPU has AVX-512 and OpenBLAS picked another core; 'none': never)")
    ap.add_argument("--blas-variant", default="on", choices=["on", "off"],
                    help="also run Lucid with LUCID_GEMM_KERNEL=blas: its Linear layers and "
                         "attention products on OpenBLAS sgemm, with the separate softmax, as "
                         "before the packed GEMM and the fused attention (default on)")
    ap.add_argument("--wait-idle", type=float, default=300,
                    help="before each thread count, wait up to S seconds for other load to "
                         "drop below 10%% of the CPUs (default 300)")
    ap.add_argument("--max-tries", type=int, default=4,
                    help="measure a disturbed turn at most N times (default 4; 1 on a machine "
                         "that is never quiet, where retrying only makes the run longer)")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--no-doc", action="store_true")
    a = ap.parse_args()

    if a.worker:
        worker_main(a.worker, a.threads)
        return

    t_start = time.time()
    model_dir = a.model
    if not model_dir:
        base = os.environ.get("LUCID_MODELS_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lucid", "models")
        model_dir = os.path.join(base, MODEL_NAME)
    if not os.path.exists(os.path.join(model_dir, "model.safetensors")):
        sys.exit(f"run_text_bench: no model at {model_dir} (tools/install-models.sh, "
                 "or --model DIR)")
    bench = os.path.join(a.build, "bench", "bench-text")
    if not os.access(bench, os.X_OK):
        sys.exit(f"run_text_bench: {bench} not built (meson setup {a.build} "
                 "-Dbuildtype=release && ninja -C {a.build})")
    threads = [int(t) for t in a.thread_counts.split(",")]
    os.environ["LUCID_BENCH_MODEL"] = model_dir

    from transformers import AutoTokenizer
    import numpy as np
    tok = AutoTokenizer.from_pretrained(model_dir)
    cases, texts = build_cases(tok)
    if a.cases:
        keep = a.cases.split(",")
        cases = {k: v for k, v in cases.items() if k in keep}
    onnx_path, fusions = export_onnx(model_dir, os.path.join(a.build, "bench-onnx"))
    os.environ["LUCID_BENCH_ONNX"] = onnx_path
    log("ORT fusions:", fusions)

    # Lucid variants: as installed, and with the OpenBLAS core forced where
    # OpenBLAS's run-time detection misses the CPU.
    engines_lucid = {"lucid": {}}
    labels = {"lucid": "Lucid", "ort": "ORT", "torch": "PyTorch"}
    short = {"lucid": "Lucid"}
    blas = {"lucid": lucid_info(bench, {})}
    mach = machine_info()
    core = a.openblas_coretype
    if core == "auto":
        detected = blas["lucid"].get("core", "").lower()
        core = ("SkylakeX" if mach["avx512"] and detected not in
                ("skylakex", "cooperlake", "sapphirerapids") else "none")
    if core != "none":
        engines_lucid["lucid_core"] = {"OPENBLAS_CORETYPE": core}
        labels["lucid_core"] = f"Lucid (OPENBLAS_CORETYPE={core})"
        short["lucid_core"] = f"Lucid[{core}]"
        blas["lucid_core"] = lucid_info(bench, engines_lucid["lucid_core"])
    if len(engines_lucid) > 1:
        labels["lucid"] = f"Lucid (OpenBLAS {blas['lucid'].get('core', 'default')})"
    best_env = engines_lucid.get("lucid_core", {})
    # Lucid's Linear layers on its own packed GEMM (lucid-gemm.c) unless
    # LUCID_GEMM_KERNEL=blas; the variant keeps the "before" in the same run.
    if blas["lucid"].get("gemm", "blas") != "blas":
        labels["lucid"] = f"Lucid (own GEMM, {blas['lucid']['gemm']})"
        if a.blas_variant == "on":
            engines_lucid["lucid_blas"] = dict(best_env, LUCID_GEMM_KERNEL="blas")
            labels["lucid_blas"] = "Lucid (OpenBLAS GEMMs and attention: before)"
            short["lucid_blas"] = "Lucid[BLAS]"
            blas["lucid_blas"] = lucid_info(bench, engines_lucid["lucid_blas"])
    engines = list(engines_lucid) + ["ort", "torch"]

    tmp = tempfile.mkdtemp(prefix="lucid-bench-")
    ids_files = {}
    for name, seqs in cases.items():
        p = os.path.join(tmp, name + ".ids")
        with open(p, "w") as f:
            for s in seqs:
                f.write(" ".join(map(str, s)) + "\n")
        ids_files[name] = p
    texts_file = os.path.join(tmp, "mixed.txt")
    with open(texts_file, "w") as f:
        f.write("\n".join(texts["mixed-b8"]) + "\n")

    results, agreement, roof_detail, roof_ops = {}, {}, {}, {}
    busy_before, busy_max = {}, {}
    guard = Guard(a.wait_idle, max(1, a.max_tries))
    try:
        for th in threads:
            busy_before[str(th)] = wait_idle(a.wait_idle)
            log(f"== {th} thread(s) (machine {busy_before[str(th)]:.0%} busy before)")
            workers = {e: Worker(__file__, e, th) for e in ("ort", "torch")}
            for w in workers.values():
                w.ask({"cmd": "load", "cases": cases})
            res_th = results.setdefault(str(th), {})
            for name in cases:
                busy = wait_idle(a.wait_idle)
                busy_max[str(th)] = max(busy_max.get(str(th), 0.0), busy)
                big = sum(len(s) for s in cases[name]) > 1000
                case_engines = engines + (["ort_seq", "lucid_e2e"] if name == "mixed-b8"
                                          else [])
                samples = {e: [] for e in case_engines}
                # The roofline and MKL's GEMMs take turns with the engines too;
                # each GEMM shape keeps its best (least) time over the rounds.
                rfs, mkls = [], []
                lin_ops = None
                turns = case_engines + ["roofline", "mkl"]
                for r in range(a.rounds):
                    order = turns[r % len(turns):] + turns[:r % len(turns)]
                    for e in order:
                        warm = 1 if big else 3
                        if e == "roofline":
                            rf = guard.run(f"{name} roofline th={th}", lambda: (lucid_run(
                                bench, model_dir, ids_files[name], th, best_env,
                                ["--gemm-roofline", "--gemm-time", "0.1", "--no-square"],
                                name), 0.0))
                            rfs.append(rf)
                            lin_ops = lin_ops or [{k: o[k] for k in ("m", "n", "k")}
                                                  for o in rf["ops"][:4]]
                            continue
                        if e == "mkl":
                            if lin_ops is None:
                                continue

                            def mkl():
                                j = workers["torch"].ask({"cmd": "gemm", "ops": lin_ops,
                                                          "min_time": 0.1})
                                return j, j["cpu_s"]
                            mkls.append(guard.run(f"{name} MKL gemm th={th}", mkl)["ms_per_call"])
                            continue
                        if e in engines_lucid or e == "lucid_e2e":
                            def chunk(e=e):
                                e2e_ = e == "lucid_e2e"
                                return lucid_run(
                                    bench, model_dir,
                                    "texts:" + texts_file if e2e_ else ids_files[name], th,
                                    best_env if e2e_ else engines_lucid[e],
                                    ["--warmup", str(warm), "--min-time", str(a.chunk_time),
                                     "--min-iters", "2" if big else "5", "--samples"], name), 0.0
                        else:
                            def chunk(e=e):
                                j = workers[e.split("_")[0]].ask({
                                    "cmd": "time", "case": name, "warmup": warm,
                                    "min_time": a.chunk_time, "min_iters": 2 if big else 5,
                                    "per_seq": e.endswith("_seq")})
                                return j, j["cpu_s"]
                        j = guard.run(f"{name} {e} th={th}", chunk)
                        samples[e] += j["samples_ms"]
                        time.sleep(0.3)    # let spinning pool threads go idle
                res_th[name] = {e: summary(samples[e]) for e in case_engines}
                ops = [dict(o) for o in rfs[0]["ops"]]
                for i, op in enumerate(ops):
                    flop = 2.0 * op["m"] * op["n"] * op["k"]
                    op["ms_per_call"] = min(rf["ops"][i]["ms_per_call"] for rf in rfs)
                    op["gflops"] = flop / (op["ms_per_call"] * 1e6)
                    op["gflops_1t"] = max(rf["ops"][i]["gflops_1t"] for rf in rfs)
                    if i < 4 and mkls:
                        op["mkl_ms_per_call"] = min(m[i] for m in mkls)
                        op["mkl_gflops"] = flop / (op["mkl_ms_per_call"] * 1e6)
                roof = {
                    "linear_ms": sum(o["calls"] * o["ms_per_call"] for o in ops[:4]),
                    "attention_ms": sum(o["calls"] * o["ms_per_call"] for o in ops[4:]),
                    "gemm_gflop": rfs[0]["gemm_gflop"],
                    "rounds": [rf["roofline_ms"] for rf in rfs],
                }
                roof["roofline_ms"] = roof["linear_ms"] + roof["attention_ms"]
                if mkls:
                    roof["mkl_linear_ms"] = sum(o["calls"] * o["mkl_ms_per_call"]
                                                for o in ops[:4])
                res_th[name]["roofline_ms"] = roof["roofline_ms"]
                res_th[name]["roofline"] = roof
                roof_ops.setdefault(str(th), {})[name] = ops
                log(f"{name:>10} th={th}: " + "  ".join(
                    f"{e}={res_th[name][e]['median']:.2f}" for e in case_engines)
                    + f"  roofline={roof['roofline_ms']:.2f} (rounds: "
                    + ", ".join(f"{x:.2f}" for x in roof["rounds"]) + ")")

                if th == threads[0]:      # agreement, once per case
                    ref_p = os.path.join(tmp, name + ".torch.npy")
                    ort_p = os.path.join(tmp, name + ".ort.npy")
                    workers["torch"].ask({"cmd": "dump", "case": name, "path": ref_p})
                    workers["ort"].ask({"cmd": "dump", "case": name, "path": ort_p})
                    ref, ortv = np.load(ref_p), np.load(ort_p)
                    seqs = cases[name]
                    H = ref.shape[-1]

                    def real(x):
                        return np.concatenate([x[i, :len(s)] for i, s in enumerate(seqs)])

                    ref_r, ort_r = real(ref), real(ortv)
                    a_ = {"ref_max": float(np.abs(ref_r).max()),
                          "ort_vs_torch": float(np.abs(ort_r - ref_r).max())}
                    tol = 1e-4 * max(1.0, a_["ref_max"])
                    ok = True
                    for e, env in engines_lucid.items():
                        dump = os.path.join(tmp, f"{name}.{e}.f32")
                        lucid_run(bench, model_dir, ids_files[name], th, env,
                                  ["--warmup", "0", "--iters", "1", "--dump", dump], name)
                        lv = np.fromfile(dump, dtype=np.float32).reshape(-1, H)
                        a_[e + "_vs_torch"] = float(np.abs(lv - ref_r).max())
                        a_[e + "_vs_ort"] = float(np.abs(lv - ort_r).max())
                        ok = ok and a_[e + "_vs_torch"] <= tol
                    a_["ok"] = ok
                    agreement[name] = a_
                    log(f"{name:>10} agreement: " + json.dumps(a_))
            for w in workers.values():
                w.close()
            roof_detail[str(th)] = {}
            for e, env in engines_lucid.items():
                ids_f = ids_files.get("len128-b8", next(iter(ids_files.values())))
                rf = guard.run(f"{e} square sgemm th={th}", lambda env=env: (lucid_run(
                    bench, model_dir, ids_f, th, env, ["--gemm-roofline"], ""), 0.0))
                roof_detail[str(th)][e] = rf
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    R = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": "bench/run_text_bench.py " + " ".join(sys.argv[1:]),
        "wall_s": time.time() - t_start,
        "machine": mach, "versions": versions(), "blas": blas,
        "engines": engines, "labels": labels, "short": short,
        "threads": threads, "rounds": a.rounds, "cases": list(cases),
        "case_seqs": {k: [len(s) for s in v] for k, v in cases.items()},
        "results": results, "agreement": agreement, "ort_fusions": fusions,
        "roofline_detail": roof_detail,
        "roofline_ops": roof_ops or {str(t): [] for t in threads},
        "busy_before": busy_before, "busy_max": busy_max, "busy_after": cpu_busy(),
        "redone": guard.redone, "kept_disturbed": guard.kept_disturbed,
        "max_tries": max(1, a.max_tries),
    }
    if a.json:
        with open(a.json, "w") as f:
            json.dump(R, f, indent=1)
    if not a.no_doc:
        write_doc(a.doc, R)
        log("wrote", a.doc)


if __name__ == "__main__":
    main()
