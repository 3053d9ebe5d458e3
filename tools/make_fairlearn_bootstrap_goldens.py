#!/usr/bin/env python3
"""Fairlearn's bootstrap intervals, measured: coverage and mean width.

Fairlearn's MetricFrame(n_boot=, ci_quantiles=, random_state=) resamples
rows (multinomial, numpy's RNG) and takes percentiles of the replicate
figures; Lucid uses a Poisson bootstrap with its own hash-based draws, so
the two cannot agree resample by resample.  What can be compared is how
the intervals behave: over many seeded synthetic streams with a known true
figure, how often the interval holds the truth (coverage) and how wide it
is.  This script records that for Fairlearn; tests/unit/test-audit-coverage.c
runs Lucid on streams drawn from the same distributions and checks its
coverage and width are statistically within tolerance (and, at parity,
where Fairlearn's percentile interval of max-min / min/max cannot hold 0 / 1,
that Lucid's does).

Each scenario: two groups a and b of n events each, predictions Bernoulli(p_a)
and Bernoulli(p_b) (truth = prediction; only the demographic parity figures
are measured, they do not use truth).  True figures: |p_a - p_b| and
min/max.

Usage: .venv/bin/python tools/make_fairlearn_bootstrap_goldens.py [out.json]
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import sys
import warnings

import numpy as np

SEED = 20261129
TRIALS = 120
N_BOOT = 100
LEVEL = 0.95
SCENARIOS = [
    {"name": "parity", "n": 300, "p_a": 0.3, "p_b": 0.3},
    {"name": "biased", "n": 300, "p_a": 0.3, "p_b": 0.5},
]


def run(scenario, rng):
    from fairlearn.metrics import MetricFrame, selection_rate

    n, pa, pb = scenario["n"], scenario["p_a"], scenario["p_b"]
    true = {"demographic_parity_difference": abs(pa - pb),
            "demographic_parity_ratio": min(pa, pb) / max(pa, pb)}
    hits = {k: 0 for k in true}
    width = {k: 0.0 for k in true}
    g = np.array(["a"] * n + ["b"] * n)
    for t in range(TRIALS):
        yp = np.concatenate([rng.random(n) < pa, rng.random(n) < pb]).astype(int)
        q = (1 - LEVEL) / 2
        mf = MetricFrame(metrics=selection_rate, y_true=yp, y_pred=yp,
                         sensitive_features=g, n_boot=N_BOOT,
                         ci_quantiles=[q, 1 - q],
                         random_state=int(rng.integers(2**31)))
        ci = {"demographic_parity_difference": mf.difference_ci(),
              "demographic_parity_ratio": mf.ratio_ci()}
        for k, (lo, hi) in ci.items():
            lo, hi = float(lo), float(hi)
            hits[k] += lo <= true[k] <= hi
            width[k] += hi - lo
    return {k: {"true": true[k], "coverage": hits[k] / TRIALS,
                "mean_width": width[k] / TRIALS} for k in true}


def main():
    import fairlearn
    import pandas as pd
    import sklearn

    warnings.simplefilter("ignore")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "fixtures", "goldens", "fairlearn-bootstrap-coverage.json")
    rng = np.random.default_rng(SEED)
    golden = {
        "generator": "tools/make_fairlearn_bootstrap_goldens.py",
        "reference": "fairlearn.metrics.MetricFrame(n_boot, ci_quantiles, "
                     "random_state): difference_ci(), ratio_ci(), "
                     "method between_groups",
        "versions": {"fairlearn": fairlearn.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__, "scikit-learn": sklearn.__version__},
        "seed": SEED, "trials": TRIALS, "n_boot": N_BOOT, "level": LEVEL,
        "scenarios": [dict(s, figures=run(s, rng)) for s in SCENARIOS],
    }
    with open(out_path, "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", out_path)


if __name__ == "__main__":
    main()
