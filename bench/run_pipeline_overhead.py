#!/usr/bin/env python3
# run_pipeline_overhead.py — what the whole vision pipeline (decode →
# colour conversion → preprocessing → encode → sink) adds to the image
# encoder alone (issue 3: "adds under 10% to the encoder alone").
#
# Model (--model-kind): CLIP ViT-B/32 (default) or ViTModel ViT-B/16 shapes
# with random weights (bench/run_vision_bench.py makes them; no real CLIP or
# ViT weights are reachable, and speed does not depend on the weights'
# values).
#
# Measured, in rounds that alternate the two sides and the thread counts so
# that drift on a shared machine hits all alike, each process run for
# N_SMALL and N frames:
#   * encoder alone: bench-vision --batch 1 --iters N (lucid_clip_encode_images
#     / lucid_vit_forward on N images one at a time; preprocessing not
#     included);
#   * pipeline:
#       gst-launch-1.0 filesrc location=clip.mkv ! decodebin ! \
#           lucidvisionenc model=DIR ! lucidsink location=out.db
#     over a file of N frames (640×480, Motion JPEG in Matroska, made here with
#     Debian's GStreamer encoders; decodebin gives I420, lucidvisionenc
#     converts it to RGB, resizes it (bicubic, antialiased) and crops it to
#     224×224), every frame analysed, every row committed.
# Per frame = (run of N − run of N_SMALL) / (N − N_SMALL): the steady state,
# without process start, plugin and model loading, database creation (the
# pipeline's fixed cost is reported apart). Two clocks:
#   * CPU time (user + system of the process and all its threads, from
#     wait4): the work done, which other jobs on a shared machine barely
#     change;
#   * wall time: what a user waits, which swings with other load.
# Both with LUCID_NUM_THREADS=T (Lucid's pool; BLAS single-threaded inside);
# bench-vision also gets --threads T. While each process runs the script
# counts its "lucid-compute" threads (/proc/PID/task/*/comm): Lucid's pool
# has T − 1 of them, so the count shows that T took effect in both. Sanity
# check: the 2-thread encoder alone must be faster (wall) than the 1-thread
# one; when it is not, the script says so and the doc flags it (other load,
# or a pool that did not start).
#
# Before each round the script waits for the machine to be quiet
# (--wait-idle) and it redoes a run that other processes disturbed
# (--max-tries), as run_text_bench.py; the doc records the load it saw.
#
# Overhead = pipeline per frame / encoder per frame − 1. Medians over rounds.
# Nothing asserts on it (no timing assertions anywhere).
#
# Usage: see bench/README.md.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchcommon import (Guard, cpu_busy, load_sentence, log, machine_info, replace_block,
                         versions, wait_idle)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN = "<!-- GENERATED pipeline: bench/run_pipeline_overhead.py -->"
END = "<!-- END GENERATED pipeline -->"
WIDTH, HEIGHT = 640, 480
KINDS = {"clip-vit-b32": "CLIP ViT-B/32 image tower", "vit-b16": "ViTModel ViT-B/16"}


def make_video(path, frames):
    """N frames of videotestsrc's moving ball, Motion JPEG in Matroska."""
    subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "pattern=ball",
                    f"num-buffers={frames}", "!",
                    f"video/x-raw,width={WIDTH},height={HEIGHT},framerate=25/1", "!",
                    "jpegenc", "!", "matroskamux", "!", "filesink", f"location={path}"],
                   check=True)


def env_for(build, threads):
    env = dict(os.environ)
    env["LUCID_NUM_THREADS"] = str(threads)
    env.pop("LUCID_GEMM_KERNEL", None)
    env["GST_PLUGIN_PATH"] = os.path.join(build, "plugins")
    env["GST_REGISTRY"] = os.path.join(build, "bench-registry.bin")
    return env


def pool_threads(pid):
    """How many of @pid's threads are Lucid's pool workers right now."""
    n = 0
    for comm in glob.glob(f"/proc/{pid}/task/*/comm"):
        try:
            with open(comm) as f:
                n += f.read().strip() == "lucid-compute"
        except OSError:
            pass
    return n


def timed(cmd, env):
    """Runs @cmd; returns (wall ms, CPU ms of the process and all its threads
    (wait4), the most lucid-compute threads seen, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        workers = 0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid != 0:
                break
            workers = max(workers, pool_threads(p.pid))
            time.sleep(0.02)
        wall = (time.perf_counter() - t0) * 1000
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.exit(f"{cmd[0]} failed ({p.returncode}): {err.read().decode()[-2000:]}")
        cpu = (ru.ru_utime + ru.ru_stime) * 1000
        return wall, cpu, workers, out.read().decode()


def encoder_alone(bench, build, model, kind, frames, threads):
    """bench-vision over @frames calls: (wall ms of the calls, CPU ms of the
    whole process, pool workers seen)."""
    _, cpu, workers, out = timed([bench, "--model", model, "--kind", kind, "--batch", "1",
                                  "--threads", str(threads), "--warmup", "2",
                                  "--iters", str(frames)], env_for(build, threads))
    js = json.loads(out.strip().splitlines()[-1])
    return sum(js["ms"]), cpu, workers


def pipeline(build, model, video, db, threads, frames):
    """The whole gst-launch-1.0 run: (wall ms, CPU ms, pool workers seen);
    checks that every frame landed in the database."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    cmd = ["gst-launch-1.0", "-q", "filesrc", f"location={video}", "!", "decodebin", "!",
           "lucidvisionenc", f"model={model}", "!", "lucidsink", f"location={db}"]
    wall, cpu, workers, _ = timed(cmd, env_for(build, threads))
    import sqlite3
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT count(*) FROM results").fetchone()[0]
    if rows != frames:
        sys.exit(f"pipeline stored {rows} rows for {frames} frames")
    return wall, cpu, workers


def main():
    ap = argparse.ArgumentParser(description="What the vision pipeline adds to the encoder "
                                 "alone (bench/README.md)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"),
                    help="meson build dir with bench/bench-vision and plugins/ "
                         "(default: the release build build-bench)")
    ap.add_argument("--models-dir",
                    default=os.path.join(tempfile.gettempdir(), "lucid-vision-bench"))
    ap.add_argument("--model-kind", default="clip-vit-b32", choices=sorted(KINDS),
                    help="the model (default clip-vit-b32)")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--wait-idle", type=float, default=300,
                    help="before each round, wait up to S seconds for other load to drop "
                         "below 10%% of the CPUs (default 300)")
    ap.add_argument("--max-tries", type=int, default=4,
                    help="measure a disturbed run at most N times (default 4)")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--json", help="also write the raw results here")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    bench = os.path.join(build, "bench", "bench-vision")
    if not os.access(bench, os.X_OK) or not os.path.exists(
            os.path.join(build, "plugins", "libgstlucid.so")):
        sys.exit(f"run_pipeline_overhead: {build} lacks bench/bench-vision or "
                 "plugins/libgstlucid.so (meson setup build-bench -Dbuildtype=release && "
                 "ninja -C build-bench bench/bench-vision plugins/libgstlucid.so)")
    t_start = time.time()
    load_start = os.getloadavg()
    info = json.loads(subprocess.run([bench, "--info"], capture_output=True, text=True,
                                     check=True).stdout)
    if info.get("buildtype") != "release":
        log(f"WARNING: {build} is a '{info.get('buildtype')}' build, not release")

    from run_vision_bench import MODELS, make_model
    kind, patch = MODELS[a.model_kind]
    model = os.path.join(a.models_dir, a.model_kind)
    make_model(model, kind, patch)
    thread_counts = [int(t) for t in a.threads.split(",")]
    guard = Guard(a.wait_idle, max(1, a.max_tries))
    busy_before = []

    rounds = {t: [] for t in thread_counts}
    with tempfile.TemporaryDirectory() as tmp:
        big, small = os.path.join(tmp, "big.mkv"), os.path.join(tmp, "small.mkv")
        make_video(big, a.frames)
        make_video(small, a.small)
        db = os.path.join(tmp, "out.db")
        pipeline(build, model, small, db, 1, a.small)  # registry, page cache
        d = a.frames - a.small
        for r in range(a.rounds):
            busy_before.append(wait_idle(a.wait_idle))
            log(f"== round {r + 1}/{a.rounds} (machine {busy_before[-1]:.0%} busy before)")
            order = thread_counts if r % 2 == 0 else thread_counts[::-1]
            for threads in order:
                def g(what, fn, *args):
                    return guard.run(f"round {r} t{threads} {what}", lambda: (fn(*args), 0.0))
                e_big = g("encoder N", encoder_alone, bench, build, model, kind, a.frames,
                          threads)
                p_big = g("pipeline N", pipeline, build, model, big, db, threads, a.frames)
                e_small = g("encoder N_small", encoder_alone, bench, build, model, kind,
                            a.small, threads)
                p_small = g("pipeline N_small", pipeline, build, model, small, db, threads,
                            a.small)
                rd = {"threads": threads, "round": r,
                      # wall: bench-vision's own per-call times (no load)
                      "enc_wall": e_big[0] / a.frames,
                      "enc_cpu": (e_big[1] - e_small[1]) / d,
                      "pipe_wall": (p_big[0] - p_small[0]) / d,
                      "pipe_cpu": (p_big[1] - p_small[1]) / d,
                      "enc_pool_workers": min(e_big[2], e_small[2]),
                      "pipe_pool_workers": min(p_big[2], p_small[2])}
                rd["pipe_fixed_wall"] = p_small[0] - a.small * rd["pipe_wall"]
                rd["over_cpu"] = rd["pipe_cpu"] / rd["enc_cpu"] - 1
                rd["over_wall"] = rd["pipe_wall"] / rd["enc_wall"] - 1
                rounds[threads].append(rd)
                log(json.dumps(rd))

    rows, problems = [], []
    for threads in thread_counts:
        rs = rounds[threads]
        med = {k: statistics.median(rd[k] for rd in rs)
               for k in ("enc_wall", "enc_cpu", "pipe_wall", "pipe_cpu", "pipe_fixed_wall")}
        row = dict(med, threads=threads,
                   over_cpu=med["pipe_cpu"] / med["enc_cpu"] - 1,
                   over_wall=med["pipe_wall"] / med["enc_wall"] - 1,
                   rounds_cpu=[rd["over_cpu"] for rd in rs],
                   rounds_wall=[rd["over_wall"] for rd in rs],
                   enc_pool_workers=min(rd["enc_pool_workers"] for rd in rs),
                   pipe_pool_workers=min(rd["pipe_pool_workers"] for rd in rs))
        for side in ("enc", "pipe"):
            if row[f"{side}_pool_workers"] != threads - 1:
                problems.append(
                    f"{threads} thread(s): {'bench-vision' if side == 'enc' else 'the pipeline'}"
                    f" ran {row[f'{side}_pool_workers']} lucid-compute pool workers, expected "
                    f"{threads - 1} (LUCID_NUM_THREADS did not take effect)")
        rows.append(row)
        print(json.dumps(row), flush=True)
    by_t = {r["threads"]: r for r in rows}
    speedup = {}
    if 1 in by_t and 2 in by_t:
        for side in ("enc", "pipe"):
            speedup[side] = by_t[1][f"{side}_wall"] / by_t[2][f"{side}_wall"]
        if speedup["enc"] < 1.1:
            problems.append(
                f"the 2-thread encoder alone is not faster than the 1-thread one (wall "
                f"{by_t[2]['enc_wall']:.1f} against {by_t[1]['enc_wall']:.1f} ms/frame, "
                f"×{speedup['enc']:.2f}): other load, or the pool did not run")
    for p in problems:
        log("WARNING: " + p)

    R = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
         "command": "bench/run_pipeline_overhead.py " + " ".join(sys.argv[1:]),
         "wall_s": time.time() - t_start, "machine": machine_info(), "versions": versions(),
         "lucid": info, "model_kind": a.model_kind, "frames": a.frames, "small": a.small,
         "rows": rows, "rounds": rounds, "speedup_2t": speedup, "problems": problems,
         "busy_before": busy_before, "busy_after": cpu_busy(), "load_start": load_start,
         "load_end": os.getloadavg(), "redone": guard.redone,
         "kept_disturbed": guard.kept_disturbed, "max_tries": max(1, a.max_tries)}
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(R, f, indent=1)
    if a.write_docs:
        write_docs(a.doc, R)
        log("wrote", a.doc)


def write_docs(path, R):
    m, v, info = R["machine"], R["versions"], R["lucid"]
    rows = R["rows"]
    L = [f"_Generated {R['date']} by `{R['command']}` ({R['wall_s']:.0f} s)._", ""]
    L.append(f"- Model: {KINDS[R['model_kind']]} (`{R['model_kind']}`, random weights at the "
             f"real shapes); {R['small']} and {R['frames']} frames of 640×480 Motion JPEG.")
    L.append(f"- CPU: {m['model']}, {m['cpus']} logical CPUs; kernel {m['kernel']}.")
    L.append("- " + load_sentence(R["busy_before"], R, "round"))
    L.append(f"- Lucid {v['lucid']}, meson buildtype "
             + (f"**{info.get('buildtype')}**" if info.get("buildtype") == "release"
                else f"**{info.get('buildtype')} — not the release build**")
             + f", GEMM kernel {info.get('gemm')}, `{v['gcc']}`.")
    L.append("- Threads: " + "; ".join(
        f"LUCID_NUM_THREADS={r['threads']}: {r['enc_pool_workers']} pool workers seen in "
        f"bench-vision, {r['pipe_pool_workers']} in the pipeline (expected "
        f"{r['threads'] - 1})" for r in rows)
        + ("" if not R["speedup_2t"] else
           f"; 2 threads against 1, wall: encoder alone ×{R['speedup_2t']['enc']:.2f} "
           f"faster, pipeline ×{R['speedup_2t']['pipe']:.2f}") + ".")
    for p in R["problems"]:
        L.append(f"- **Check failed: {p}.**")
    L += ["", "Per frame, steady state (N − N_small frames); medians over rounds. CPU: user + "
          "system time of the process and all its threads; encoder wall: bench-vision's own "
          "per-call times.", "",
          "| threads | clock | encoder alone ms/frame | pipeline ms/frame | overhead | "
          "overhead per round |",
          "|---|---|---|---|---|---|"]
    for r in rows:
        for clock in ("cpu", "wall"):
            L.append(
                f"| {r['threads']} | {'CPU' if clock == 'cpu' else 'wall'} | "
                f"{r['enc_' + clock]:.1f} | {r['pipe_' + clock]:.1f} | "
                f"{100 * r['over_' + clock]:+.1f}% | "
                f"{', '.join(f'{100 * o:+.1f}%' for o in r['rounds_' + clock])} |")
    L += ["", "Pipeline fixed cost (process start, plugin and model loading, "
          "database), wall: " + ", ".join(
              f"{r['pipe_fixed_wall']:.0f} ms at {r['threads']} thread(s)" for r in rows) + "."]
    if R["model_kind"] == "clip-vit-b32":
        replace_block(path, BEGIN, END, "\n".join(L), "Vision pipeline overhead (issue 3)")
    else:   # its own block, so both models' results stay in the doc
        k = R["model_kind"]
        replace_block(path, BEGIN.replace("pipeline:", f"pipeline {k}:"),
                      END.replace("pipeline", f"pipeline {k}"), "\n".join(L),
                      f"Vision pipeline overhead, {KINDS[k]} (issue 3)")


if __name__ == "__main__":
    sys.exit(main())
