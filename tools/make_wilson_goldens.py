#!/usr/bin/env python3
"""Wilson score intervals from statsmodels, for tests/unit/test-fairness.c.

Lucid's lucid_fairness_wilson() gives each per-group rate num/den (weighted
counts, see lucid-fairness.h) the Wilson interval at a level.  The
reference is statsmodels.stats.proportion.proportion_confint(count=num,
nobs=den, alpha=1-level, method="wilson"), which accepts real (weighted)
counts, and the normal quantile z = scipy.stats.norm.isf((1-level)/2) that
it uses.  Cases: each of the eleven rates on a unit-weight cell and on a
weighted cell, several levels, and the edges (p = 0, p = 1, den < 1).
Output: tests/fixtures/goldens/wilson-statsmodels.json (versions inside).

Usage: .venv/bin/python tools/make_wilson_goldens.py [out.json]
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import sys

# The rates as lucid-fairness.h defines them: (numerator, denominator).
RATES = {
    "selection_rate": (lambda c: c["tp"] + c["fp"], lambda c: c["tp"] + c["fp"] + c["tn"] + c["fn"]),
    "tpr": (lambda c: c["tp"], lambda c: c["tp"] + c["fn"]),
    "fpr": (lambda c: c["fp"], lambda c: c["fp"] + c["tn"]),
    "fnr": (lambda c: c["fn"], lambda c: c["tp"] + c["fn"]),
    "tnr": (lambda c: c["tn"], lambda c: c["fp"] + c["tn"]),
    "ppv": (lambda c: c["tp"], lambda c: c["tp"] + c["fp"]),
    "npv": (lambda c: c["tn"], lambda c: c["tn"] + c["fn"]),
    "fdr": (lambda c: c["fp"], lambda c: c["tp"] + c["fp"]),
    "for": (lambda c: c["fn"], lambda c: c["tn"] + c["fn"]),
    "accuracy": (lambda c: c["tp"] + c["tn"], lambda c: c["tp"] + c["fp"] + c["tn"] + c["fn"]),
    "prevalence": (lambda c: c["tp"] + c["fn"], lambda c: c["tp"] + c["fp"] + c["tn"] + c["fn"]),
}
CELLS = [
    {"tp": 5, "fp": 3, "tn": 1, "fn": 1, "n": 10},
    {"tp": 3.5, "fp": 8.75, "tn": 2, "fn": 0, "n": 9},
    {"tp": 120, "fp": 7, "tn": 300, "fn": 41, "n": 468},
    {"tp": 0, "fp": 4, "tn": 6, "fn": 2, "n": 12},
    {"tp": 0.25, "fp": 0.5, "tn": 0.125, "fn": 0.0, "n": 3},
]
LEVELS = [0.95, 0.90, 0.99, 0.5]


def main():
    import scipy
    import statsmodels
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportion_confint

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "fixtures", "goldens", "wilson-statsmodels.json")
    cases = []
    for cell in CELLS:
        for rate, (num, den) in RATES.items():
            if den(cell) == 0:
                continue
            for level in LEVELS:
                lo, hi = proportion_confint(count=num(cell), nobs=den(cell),
                                            alpha=1 - level, method="wilson")
                cases.append({"cell": cell, "rate": rate, "level": level,
                              "count": num(cell), "nobs": den(cell),
                              "lower": float(lo), "upper": float(hi)})
    golden = {
        "generator": "tools/make_wilson_goldens.py",
        "reference": "statsmodels.stats.proportion.proportion_confint(method='wilson'); "
                     "z = scipy.stats.norm.isf((1 - level) / 2)",
        "versions": {"statsmodels": statsmodels.__version__, "scipy": scipy.__version__},
        "z": {str(level): float(norm.isf((1 - level) / 2)) for level in LEVELS},
        "cases": cases,
    }
    with open(out_path, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", out_path, len(cases), "cases")


if __name__ == "__main__":
    main()
