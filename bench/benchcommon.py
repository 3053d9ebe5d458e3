# benchcommon.py — what the benchmark drivers share: statistics, the other
# load on the machine (wait for quiet, redo disturbed measurements), the
# machine and library versions, the generated blocks of docs/BENCHMARKS.md.
# Imported by run_text_bench.py, run_vision_bench.py and
# run_pipeline_overhead.py (each puts bench/ first on sys.path by running
# from it).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def log(*a):
    print(*a, file=sys.stderr, flush=True)

# -------------------------------------------------------------- statistics --

def quantile(xs, q):
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (pos - lo) * (s[hi] - s[lo])


def summary(xs):
    return {"median": quantile(xs, 0.5), "p10": quantile(xs, 0.1), "p90": quantile(xs, 0.9),
            "n": len(xs)}


def cpu_busy(seconds=1.0):
    """Fraction of all CPUs busy over @seconds (other people's load too)."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return sum(v), idle
    try:
        t0, i0 = snap()
        time.sleep(seconds)
        t1, i1 = snap()
    except OSError:
        return 0.0
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy_s():
    """CPU seconds the whole machine has been busy (or stolen by the host)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu_s():
    import resource
    t = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        t += r.ru_utime + r.ru_stime
    return t


class Guard:
    """Runs measurements and redoes those that other processes disturbed.

    Foreign CPU time during a measurement = machine busy time (including time
    stolen by the hypervisor) − our own processes' CPU time. Above 5 % of the
    machine, the measurement is discarded, we wait for quiet, and retry."""

    def __init__(self, wait_s, tries=4):
        self.wait_s, self.tries = wait_s, tries
        self.redone = 0
        self.kept_disturbed = 0

    def run(self, what, fn):
        """fn() -> (result, cpu seconds of worker processes it used)."""
        for attempt in range(self.tries):
            b0, o0, t0 = machine_busy_s(), own_cpu_s(), time.time()
            res, worker_cpu = fn()
            b1, o1, t1 = machine_busy_s(), own_cpu_s(), time.time()
            wall = t1 - t0
            foreign = (b1 - b0) - (o1 - o0) - worker_cpu
            if foreign <= 0.05 * wall * (os.cpu_count() or 1) + 0.03:
                return res
            if attempt + 1 < self.tries:
                self.redone += 1
                log(f"{what}: {foreign:.2f} CPU-s of other work in {wall:.1f} s; redoing it")
                wait_idle(self.wait_s)
        self.kept_disturbed += 1
        log(f"{what}: still disturbed after {self.tries} tries; kept")
        return res


def wait_idle(limit_s, threshold=0.10):
    """Waits (up to @limit_s) until the machine is quiet; returns the last busy fraction."""
    t_end = time.time() + limit_s
    busy = cpu_busy()
    while busy > threshold and time.time() < t_end:
        log(f"machine {busy:.0%} busy with other work; waiting (--wait-idle)")
        time.sleep(5)
        busy = cpu_busy()
    return busy


def machine_info():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    except OSError:
        pass
    flags = info.get("Flags", "").split()
    return {
        "model": info.get("Model name", platform.processor()),
        "cpus": os.cpu_count(),
        "threads_per_core": info.get("Thread(s) per core", "?"),
        "avx512": sorted(f for f in flags if f.startswith("avx512")),
        "amx": sorted(f for f in flags if f.startswith("amx")),
        "avx2": "avx2" in flags,
        "l2": info.get("L2 cache", "?"),
        "l3": info.get("L3 cache", "?"),
        "hypervisor": info.get("Hypervisor vendor", ""),
        "kernel": platform.release(),
    }


def versions():
    v = {"python": platform.python_version()}
    for mod in ("torch", "transformers", "onnx", "onnxruntime", "numpy"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            v[mod] = "absent"
    try:
        v["gcc"] = subprocess.run(["cc", "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        v["gcc"] = "?"
    try:
        v["lucid"] = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                    capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        v["lucid"] = "?"
    try:
        import torch
        cfg = torch.__config__.show()
        m = re.search(r"Math Kernel Library Version ([^\s]+)", cfg)
        v["torch_blas"] = f"MKL {m.group(1)}" if m else "?"
        m = re.search(r"CPU capability usage: (\w+)", cfg)
        v["torch_isa"] = m.group(1) if m else "?"
    except Exception:  # noqa: BLE001
        pass
    return v


def load_sentence(busy, R, what="case"):
    """The measured load in words for a generated doc: quiet or not, and the
    evidence. @busy: busy fractions sampled before each @what; @R holds
    busy_after, load_start, load_end (os.getloadavg()), redone,
    kept_disturbed, max_tries."""
    quiet = max(busy) <= 0.10 and R["kept_disturbed"] == 0 and R["busy_after"] <= 0.10
    state = "quiet" if quiet else "**not quiet** (read the ratios as rough)"
    n = R["max_tries"]
    return (f"Machine {state}: other load before each {what} (share of all CPUs busy, "
            f"sampled 1 s; the driver waits up to --wait-idle for < 10 %) "
            f"median {quantile(busy, 0.5):.0%}, at most {max(busy):.0%}; "
            f"{R['busy_after']:.0%} after; load average "
            f"{R['load_start'][0]:.1f} at the start, {R['load_end'][0]:.1f} at the end. "
            f"Measurements during which other processes (or the hypervisor) used more than "
            f"5 % of the machine were redone: {R['redone']} redone, {R['kept_disturbed']} "
            f"kept disturbed after {n} tr{'y' if n == 1 else 'ies'}.")


def replace_block(path, begin, end, block, heading):
    """Puts @block between the @begin and @end markers of @path (appends
    them under @heading when absent); text outside the markers is kept."""
    text = open(path, encoding="utf-8").read()
    block = begin + "\n\n" + block.rstrip("\n") + "\n\n" + end
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    open(path, "w", encoding="utf-8").write(text)


class Worker:
    """A reference engine in its own process (@script --worker ENGINE
    --threads N plus @args), with its BLAS/OpenMP pools sized to @threads,
    answering one JSON line per JSON request on its stdin."""

    def __init__(self, script, engine, threads, args=(), env=None):
        e = dict(os.environ)
        e.update(env or {})
        e.update({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                  "OPENBLAS_NUM_THREADS": str(threads)})
        self.engine = engine
        self.p = subprocess.Popen(
            [sys.executable, os.path.abspath(script), "--worker", engine, "--threads",
             str(threads), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=e, text=True)

    def ask(self, obj):
        self.p.stdin.write(json.dumps(obj) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.engine} worker died")
        return json.loads(line)

    def close(self):
        try:
            self.p.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        self.p.wait(timeout=60)
