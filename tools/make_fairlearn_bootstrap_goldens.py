#!/usr/bin/env python3
"""Fairlearn's bootstrap intervals, trial by trial, for the coverage test.

Fairlearn's MetricFrame(n_boot=, ci_quantiles=, random_state=) resamples
rows (pandas DataFrame.sample with replacement, numpy's RNG) and takes
numpy quantiles of the replicate figures; Lucid uses a Poisson bootstrap
with its own hash-based draws, so the two cannot agree resample by
resample.  What can be compared is how the intervals behave over many
simulated datasets whose true (population) figures are known by
construction: how often the interval holds the truth (coverage) and how
wide it is.  This script records, for every trial of every scenario,
Fairlearn's point estimate and interval of each figure;
tests/unit/test-audit-coverage.c regenerates the *same* datasets (the
generator below is a splitmix64 stream that the test implements too),
checks that Lucid's point estimates equal Fairlearn's to 1e-9 (so the
datasets are the same), runs Lucid's bootstrap on them and compares
coverage and mean width (docs/audit.md, "Coverage", states the tolerance).

Data.  A scenario has groups g0, g1, ... of fixed sizes n_g.  Event i of
group g: y_true = [u0 < prevalence_g], y_pred = [u1 < tpr_g] if y_true
else [u1 < fpr_g], and with weights w = m[y_true][y_pred] * (0.5 + u2)
(else w = 1), u0, u1, u2 three uniforms of the splitmix64 stream of
(scenario seed, trial, event).  The population weighted cell masses are
n_g * P_g(y, y_hat) * m[y][y_hat] (E[0.5 + u] = 1), so every population
rate, the pooled ("overall") rates and every Fairlearn figure have an
exact true value, computed here and stored as "true".

Figures: demographic parity, equalized odds (worst_case) and equal
opportunity, difference and ratio, methods between_groups and to_overall.

Fairlearn's bootstrap, reproduced: MetricFrame's bootstrap draws N_BOOT
uint32 seeds from default_rng(random_state) and resamples the rows with
DataFrame.sample(frac=1, replace=True, random_state=seed), i.e.
RandomState(seed).choice(n, n); each sample's figures are computed
per group (selection_rate, true_positive_rate, false_positive_rate with
sample_weight), combined by difference() / ratio(), and the interval is
np.quantile of the samples at ci_quantiles.  Running MetricFrame on every
trial would take hours (pandas groupby + sklearn per sample), so every
trial uses exactly those resamples (the same row indices) with the
figures computed in numpy, and every CHECK_EVERY-th trial also runs
through Fairlearn itself and must agree to 1e-12: MetricFrame's public
difference() / ratio() / difference_ci() / ratio_ci() for demographic
parity and equal opportunity; equalized_odds_difference() / _ratio() for
the point figures of equalized odds, whose bootstrap interval Fairlearn
does not offer, so it comes from MetricFrame's own bootstrap samples
(combined per sample as equalized_odds_*() combine TPR and FPR, then
np.quantile as Fairlearn does for its public intervals).

Stored per figure: the true value, every trial's point estimate (10
decimals) and interval (6 decimals), Fairlearn's coverage and mean width.

Usage: .venv/bin/python tools/make_fairlearn_bootstrap_goldens.py [out.json]
(about 15 minutes on one core).
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import sys
import warnings

import numpy as np

SEED = 20261129
TRIALS = 300
N_BOOT = 100
# Trials run through MetricFrame itself (the others reproduce its resamples).
CHECK_EVERY = 20
LEVEL = 0.95
WEIGHTS = [[1.0, 2.0], [0.5, 1.5]]  # m[y_true][y_pred]
SCENARIOS = [
    # Three unequal groups, all figures far from parity, no weights.
    {"name": "far", "sizes": [40, 150, 600], "weighted": False,
     "prevalence": [0.6, 0.4, 0.3], "tpr": [0.6, 0.75, 0.9],
     "fpr": [0.3, 0.2, 0.1]},
    # The same with real-valued sample weights that depend on the cell.
    {"name": "far-weighted", "sizes": [40, 150, 600], "weighted": True,
     "prevalence": [0.6, 0.4, 0.3], "tpr": [0.6, 0.75, 0.9],
     "fpr": [0.3, 0.2, 0.1]},
    # Near parity (true differences 0.01-0.03), weighted, four groups.
    {"name": "near-parity", "sizes": [40, 150, 600, 300], "weighted": True,
     "prevalence": [0.4, 0.4, 0.4, 0.42], "tpr": [0.8, 0.78, 0.8, 0.79],
     "fpr": [0.2, 0.21, 0.2, 0.2]},
    # Exact parity: every group has the same distribution.
    {"name": "parity", "sizes": [40, 150, 600], "weighted": False,
     "prevalence": [0.4, 0.4, 0.4], "tpr": [0.8, 0.8, 0.8],
     "fpr": [0.2, 0.2, 0.2]},
]
METHODS = ["between_groups", "to_overall"]
# (name, base metric or pair, kind)
FIGURES = [
    ("demographic_parity_difference", "sel", "difference"),
    ("demographic_parity_ratio", "sel", "ratio"),
    ("equalized_odds_difference", "eo", "difference"),
    ("equalized_odds_ratio", "eo", "ratio"),
    ("equal_opportunity_difference", "tpr", "difference"),
    ("equal_opportunity_ratio", "tpr", "ratio"),
]

MASK = (1 << 64) - 1


def mix64(z):
    """splitmix64's finaliser on a numpy uint64 array (wraps mod 2^64)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
    return z ^ (z >> np.uint64(31))


def uniforms(scenario_index, trial, count):
    """count doubles in [0, 1): u[j] = (mix64(base + (j+1)*gamma) >> 11) / 2^53,
    base = mix64(SEED * 1000003 + scenario_index * 65536 + trial)."""
    with np.errstate(over="ignore"):
        base = mix64(np.array([(SEED * 1000003 + scenario_index * 65536
                                + trial) & MASK], dtype=np.uint64))[0]
        j = np.arange(1, count + 1, dtype=np.uint64)
        x = mix64(base + j * np.uint64(0x9e3779b97f4a7c15))
    return (x >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def dataset(scenario_index, s, trial):
    """Events in group order; u0, u1, u2 of event i are u[3i], u[3i+1], u[3i+2]."""
    sizes = s["sizes"]
    n = sum(sizes)
    u = uniforms(scenario_index, trial, 3 * n).reshape(n, 3)
    g = np.repeat(np.arange(len(sizes)), sizes)
    prev = np.array(s["prevalence"])[g]
    tpr = np.array(s["tpr"])[g]
    fpr = np.array(s["fpr"])[g]
    y = (u[:, 0] < prev).astype(int)
    yp = (u[:, 1] < np.where(y == 1, tpr, fpr)).astype(int)
    if s["weighted"]:
        w = np.array(WEIGHTS)[y, yp] * (0.5 + u[:, 2])
    else:
        w = np.ones(n)
    return np.array(["g%d" % k for k in g]), y, yp, w


def true_figures(s):
    """Population figures from the exact weighted cell masses."""
    m = np.array(WEIGHTS) if s["weighted"] else np.ones((2, 2))
    rates = []  # per group: sel, tpr, fpr
    tot = np.zeros((2, 2))
    for k, n in enumerate(s["sizes"]):
        pi, t, f = s["prevalence"][k], s["tpr"][k], s["fpr"][k]
        p = np.array([[(1 - pi) * (1 - f), (1 - pi) * f],
                      [pi * (1 - t), pi * t]]) * m * n
        tot += p
        rates.append(p)

    def r(p):
        return {"sel": (p[0, 1] + p[1, 1]) / p.sum(),
                "tpr": p[1, 1] / p[1].sum(), "fpr": p[0, 1] / p[0].sum()}

    groups = [r(p) for p in rates]
    overall = r(tot)
    out = {}
    for method in METHODS:
        diff, ratio = {}, {}
        for b in ("sel", "tpr", "fpr"):
            v = [x[b] for x in groups]
            if method == "between_groups":
                diff[b] = max(v) - min(v)
                ratio[b] = min(v) / max(v)
            else:
                o = overall[b]
                diff[b] = max(abs(x - o) for x in v)
                ratio[b] = min(min(x / o, o / x) for x in v)
        for name, base, kind in FIGURES:
            d = diff if kind == "difference" else ratio
            if base == "eo":
                v = max(d["tpr"], d["fpr"]) if kind == "difference" \
                    else min(d["tpr"], d["fpr"])
            else:
                v = d[base]
            out["%s/%s" % (name, method)] = v
    return out


def group_rates(g, y, yp, w, n_groups):
    """Per group and overall [sel, tpr, fpr] as Fairlearn's selection_rate,
    true_positive_rate and false_positive_rate compute them with
    sample_weight (weighted sums; every denominator is > 0 here)."""
    out = np.empty((n_groups + 1, 3))
    for k in range(n_groups + 1):
        sel = slice(None) if k == n_groups else (g == k)
        gy, gp, gw = y[sel], yp[sel], w[sel]
        pos, neg = gy == 1, gy == 0
        assert gw.sum() > 0 and gw[pos].sum() > 0 and gw[neg].sum() > 0
        out[k] = [np.dot(gp == 1, gw) / gw.sum(),
                  np.dot(gp[pos] == 1, gw[pos]) / gw[pos].sum(),
                  np.dot(gp[neg] == 1, gw[neg]) / gw[neg].sum()]
    return out


def figures_of(rates):
    """Every figure of FIGURES x METHODS from group_rates() output, exactly as
    MetricFrame.difference() / ratio() and equalized_odds_*() combine them."""
    by_group, overall = rates[:-1], rates[-1]
    out = {}
    for method in METHODS:
        if method == "between_groups":
            diff = by_group.max(0) - by_group.min(0)
            ratio = by_group.min(0) / by_group.max(0)
        else:
            diff = np.abs(by_group - overall).max(0)
            r = by_group / overall
            ratio = np.where(r > 1, 1 / r, r).min(0)
        d = {"difference": dict(zip(("sel", "tpr", "fpr"), diff)),
             "ratio": dict(zip(("sel", "tpr", "fpr"), ratio))}
        for name, base, kind in FIGURES:
            x = d[kind]
            if base == "eo":
                v = max(x["tpr"], x["fpr"]) if kind == "difference" \
                    else min(x["tpr"], x["fpr"])
            else:
                v = x[base]
            out["%s/%s" % (name, method)] = v
    return out


def fairlearn_resamples(random_state, n):
    """The row indices of MetricFrame's bootstrap samples: fairlearn's
    generate_bootstrap_samples() draws N_BOOT uint32 seeds from
    default_rng(random_state), and each sample is
    DataFrame.sample(frac=1, replace=True, random_state=seed), i.e.
    RandomState(seed).choice(n, n, replace=True)."""
    seeds = np.random.default_rng(seed=int(random_state)).integers(
        low=0, high=np.iinfo(np.uint32).max, size=N_BOOT, dtype=np.uint32)
    return [np.random.RandomState(s).choice(n, size=n, replace=True)
            for s in seeds]


def check_against_fairlearn(g, y, yp, w, random_state, q, value, lower, upper):
    """One trial through Fairlearn itself: MetricFrame's public point figures
    and bootstrap intervals (demographic parity, equal opportunity; and
    equalized odds from MetricFrame's own bootstrap samples) must equal the
    fast path's to 1e-12."""
    import pandas as pd
    from fairlearn.metrics import (MetricFrame, equalized_odds_difference,
                                   equalized_odds_ratio, false_positive_rate,
                                   selection_rate, true_positive_rate)

    class KeepSamples(MetricFrame):
        """MetricFrame that keeps the bootstrap samples its intervals come
        from (equalized odds has no public interval)."""

        def _populate_results_ci(self, bootstrap_samples, ci_quantiles):
            self.kept_samples = bootstrap_samples
            super()._populate_results_ci(bootstrap_samples, ci_quantiles)

    metrics = {"sel": selection_rate, "tpr": true_positive_rate,
               "fpr": false_positive_rate}
    sf = pd.Series(["g%d" % k for k in g], name="g")
    mf = KeepSamples(metrics=metrics, y_true=y, y_pred=yp,
                     sensitive_features=sf,
                     sample_params={k: {"sample_weight": w} for k in metrics},
                     n_boot=N_BOOT, ci_quantiles=q, random_state=random_state)
    for method in METHODS:
        for name, base, kind in FIGURES:
            k = "%s/%s" % (name, method)
            if base in ("sel", "tpr"):
                pv = getattr(mf, kind)(method=method)[base]
                ci = getattr(mf, kind + "_ci")(method=method)
                lo, hi = ci[0][base], ci[1][base]
            else:
                f = equalized_odds_difference if kind == "difference" \
                    else equalized_odds_ratio
                pv = f(y, yp, sensitive_features=sf, method=method,
                       sample_weight=w, agg="worst_case")
                reps = [getattr(r, kind)(None, method=method, errors="raise")
                        for r in mf.kept_samples]
                worst = max if kind == "difference" else min
                samples = [worst(x["tpr"], x["fpr"]) for x in reps]
                lo, hi = np.quantile(samples, q)
            assert abs(pv - value[k]) < 1e-12, (k, pv, value[k])
            assert abs(lo - lower[k]) < 1e-12, (k, lo, lower[k])
            assert abs(hi - upper[k]) < 1e-12, (k, hi, upper[k])


def main():
    import fairlearn
    import pandas as pd
    import sklearn

    warnings.simplefilter("ignore")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "fixtures", "goldens", "fairlearn-bootstrap-coverage.json")
    q = [(1 - LEVEL) / 2, (1 + LEVEL) / 2]
    scenarios = []
    for si, s in enumerate(SCENARIOS):
        truth = true_figures(s)
        keys = list(truth)
        ng = len(s["sizes"])
        trials = {k: {"value": [], "lower": [], "upper": []} for k in keys}
        for t in range(TRIALS):
            gs, y, yp, w = dataset(si, s, t)
            g = np.array([int(x[1:]) for x in gs])
            random_state = SEED + 7919 * t + si
            value = figures_of(group_rates(g, y, yp, w, ng))
            reps = [figures_of(group_rates(g[i], y[i], yp[i], w[i], ng))
                    for i in fairlearn_resamples(random_state, len(g))]
            lower, upper = {}, {}
            for k in keys:
                lower[k], upper[k] = np.quantile([r[k] for r in reps], q)
            if t % CHECK_EVERY == 0:
                check_against_fairlearn(g, y, yp, w, random_state, q, value,
                                        lower, upper)
            for k in keys:
                trials[k]["value"].append(round(float(value[k]), 10))
                trials[k]["lower"].append(round(float(lower[k]), 6))
                trials[k]["upper"].append(round(float(upper[k]), 6))
        figures = {}
        for k in keys:
            lo = np.array(trials[k]["lower"])
            hi = np.array(trials[k]["upper"])
            cov = float(np.mean((lo <= truth[k]) & (truth[k] <= hi)))
            figures[k] = dict(trials[k], true=truth[k], coverage=cov,
                              mean_width=float(np.mean(hi - lo)))
            print("%-13s %-45s true %.4f coverage %.3f width %.4f"
                  % (s["name"], k, truth[k], cov, figures[k]["mean_width"]),
                  flush=True)
        scenarios.append(dict(s, figures=figures))
    golden = {
        "generator": "tools/make_fairlearn_bootstrap_goldens.py",
        "reference": "fairlearn.metrics.MetricFrame(metrics={selection_rate, "
                     "true_positive_rate, false_positive_rate}, sample_params="
                     "sample_weight, n_boot, ci_quantiles, random_state): "
                     "difference_ci(), ratio_ci(); equalized odds from the "
                     "same bootstrap samples; every trial's resamples are "
                     "Fairlearn's, trials with index %% %d == 0 run through "
                     "MetricFrame itself and agree to 1e-12" % CHECK_EVERY,
        "versions": {"fairlearn": fairlearn.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__, "scikit-learn": sklearn.__version__},
        "seed": SEED, "trials": TRIALS, "n_boot": N_BOOT, "level": LEVEL,
        "weights": WEIGHTS, "checked_every": CHECK_EVERY,
        "random_state": "SEED + 7919 * trial + scenario_index",
        "scenarios": scenarios,
    }
    with open(out_path, "w") as f:
        json.dump(golden, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print("wrote", out_path)


if __name__ == "__main__":
    main()
