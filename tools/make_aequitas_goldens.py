#!/usr/bin/env python3
"""Golden Aequitas figures for tests/unit/test-aequitas.c.

Lucid's fairness core (core/lucid-fairness.c, the lucid_aequitas_* functions)
must reproduce Aequitas' per-group metrics (Group.get_crosstabs), its
disparities against a reference group (Bias.get_disparity_major_group,
get_disparity_min_metric, get_disparity_predefined_groups) and its fairness
determinations (Fairness.get_group_value_fairness and
get_group_attribute_fairness) to 1e-9, including where Aequitas answers NaN
or its divide-by-zero fill value (10.0).  This script runs Aequitas on
deterministic synthetic data and writes
tests/fixtures/goldens/fairness-aequitas.json.

THE VENV.  Aequitas pins an older pandas than the project's .venv wants, so
it lives in its own venv, outside the repository:

    python3 -m venv /tmp/aeq-venv
    /tmp/aeq-venv/bin/pip install -r tools/requirements-aequitas.txt
    /tmp/aeq-venv/bin/python tools/make_aequitas_goldens.py [OUT.json]

THE DATA.  The generator is tools/make_fairness_goldens.py's make_data(),
imported from it with its seed, N, attributes, num() and group_key() (same
corners: the group without positives age=50+, the never-selected
intersection age=<30;region=s, the selection bias against gender=f).  That
module imports Fairlearn and AIF360 only when run as a script, so importing
it here needs neither.

WEIGHTS.  Aequitas takes unweighted rows.  Each event's real weight w is
turned into an integer frequency weight ceil(w) in {1, 2, 3}, and Aequitas
gets every row repeated that many times (np.repeat).  Lucid gets each event
once with weight ceil(w): the test thereby checks that weighted sums equal
replicated rows.

GROUPS.  Aequitas groups by one column at a time.  For each of the 7
non-empty subsets of {age, gender, region} the script builds one string
column whose value is Lucid's canonical key of the subset
("age=<30;gender=f"), so Aequitas' groups are the observed intersections and
its (sorted) group order is Lucid's key order.  The empty group gender=x does
not exist for Aequitas (it only sees observed values).

EDGE CASES.  Small hand-made data sets for the conventions the synthetic data
does not reach: a metric NaN in every group (min-metric reference falls back
to the first group), nobody selected anywhere (ppr = pp/0), a tie in group
size (majority = first in sorted order), a predefined reference whose metric
is 0 (x/0 -> 10.0, 0/0 -> NaN).

REAL DATA.  The rows of tools/make_real_fairness_goldens.py (ResumeNames,
HMDA, GermanCredit from Debian's r-cran-aer and r-cran-caret, committed in
tests/fixtures/goldens/real/) are run through Aequitas too, unit weights,
every attribute subset, under "real".

Non-finite values: NaN is null (JSON has no NaN); fairness determinations
are true, false or null (Aequitas' NaN, "undefined").
"""

import itertools
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")  # pandas' FutureWarnings on all-NaN idxmin

import aequitas  # noqa: E402
from aequitas.bias import Bias  # noqa: E402
from aequitas.fairness import Fairness  # noqa: E402
from aequitas.group import Group  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fairness_goldens import (  # noqa: E402
    ATTRIBUTES, N, SEED, group_key, make_data, num)

# Group.get_crosstabs' metrics, and the ten Bias computes disparities of.
METRICS = ["ppr", "pprev", "precision", "fdr", "for", "fpr", "fnr", "tpr",
           "tnr", "npv", "prev", "accuracy"]
DISPARITY_METRICS = ["ppr", "pprev", "precision", "fdr", "for", "fpr", "fnr",
                     "tpr", "tnr", "npv"]
PARITIES = ["Statistical Parity", "Impact Parity", "FDR Parity", "FPR Parity",
            "FOR Parity", "FNR Parity", "TPR Parity", "TNR Parity",
            "NPV Parity", "Precision Parity", "TypeI Parity", "TypeII Parity",
            "Equalized Odds", "Unsupervised Fairness", "Supervised Fairness"]
TAUS = [0.8, 0.9]


def verdict(x):
    """Aequitas' True / False / NaN determination -> true / false / null."""
    if x is True or x is np.True_:
        return True
    if x is False or x is np.False_:
        return False
    if isinstance(x, float) and math.isnan(x):
        return None
    raise ValueError(f"unexpected determination {x!r}")


def run_aequitas(keys, y_true, y_pred, reps, ref_given, tau_list):
    """keys: per-row group key (string); reps: per-row integer frequency."""
    df = pd.DataFrame({
        "score": np.repeat(np.asarray(y_pred, dtype=int), reps),
        "label_value": np.repeat(np.asarray(y_true, dtype=int), reps),
        "grp": np.repeat(np.asarray(keys, dtype=object), reps),
    })
    xtab, _ = Group().get_crosstabs(df, attr_cols=["grp"])
    xtab = xtab.reset_index(drop=True)
    groups = {}
    for _, row in xtab.iterrows():
        groups[row["attribute_value"]] = {
            **{m: num(row[m]) for m in METRICS},
            **{c: int(row[c]) for c in ("tp", "fp", "tn", "fn", "group_size",
                                        "pp", "k", "total_entities")},
        }
    out = {"groups": groups, "order": list(xtab["attribute_value"]),
           "references": {}}
    b = Bias()
    f = Fairness()
    refs = {
        "majority": lambda: b.get_disparity_major_group(xtab.copy(), df),
        "min_metric": lambda: b.get_disparity_min_metric(xtab.copy(), df),
    }
    if ref_given is not None:
        refs["given"] = lambda: b.get_disparity_predefined_groups(
            xtab.copy(), df, {"grp": ref_given})
    for name, fn in refs.items():
        bdf = fn()
        rec = {"ref_group": {m: bdf[m + "_ref_group_value"].iloc[0]
                             for m in DISPARITY_METRICS},
               "disparity": {}, "fairness": {}}
        if name == "min_metric":
            # one reference per metric; the same for every row
            for m in DISPARITY_METRICS:
                assert bdf[m + "_ref_group_value"].nunique() == 1
        for _, row in bdf.iterrows():
            rec["disparity"][row["attribute_value"]] = {
                m: num(row[m + "_disparity"]) for m in DISPARITY_METRICS}
        for tau in tau_list:
            gv = f.get_group_value_fairness(bdf.copy(), tau=tau)
            ga = f.get_group_attribute_fairness(gv)
            per_group = {}
            for _, row in gv.iterrows():
                per_group[row["attribute_value"]] = {
                    p: verdict(row[p]) for p in PARITIES}
            attr = {p: verdict(ga[p].iloc[0]) for p in PARITIES}
            rec["fairness"][repr(tau)] = {"tau": tau, "groups": per_group,
                                          "attribute": attr}
        out["references"][name] = rec
    return out


def synthetic(d):
    reps = np.ceil(d["weight"]).astype(int)
    partitions = []
    names = list(ATTRIBUTES)
    for k in range(1, len(names) + 1):
        for attrs in itertools.combinations(names, k):
            attrs = sorted(attrs)
            keys = [group_key({a: ATTRIBUTES[a][d[a][i]] for a in attrs})
                    for i in range(N)]
            present = sorted(set(keys))
            # A given reference that is not the majority: the last key.
            res = run_aequitas(keys, d["y_true"], d["y_pred"], reps,
                               present[-1], TAUS)
            res["attributes"] = attrs
            res["given_reference"] = present[-1]
            partitions.append(res)
    return reps, partitions


# Edge cases: one attribute "g"; every row weight 1 unless "reps" is given.
EDGE_CASES = [
    {"name": "no-positives-anywhere",  # tpr, fnr, for... NaN in every group
     "group": ["a", "a", "a", "b", "b", "b", "c"],
     "y_true": [0, 0, 0, 0, 0, 0, 0], "y_pred": [1, 0, 0, 1, 1, 0, 0],
     "given": "b"},
    {"name": "nobody-selected",        # k = 0: ppr NaN; precision NaN
     "group": ["a", "a", "b", "b", "c"],
     "y_true": [1, 0, 1, 0, 1], "y_pred": [0, 0, 0, 0, 0], "given": "c"},
    {"name": "size-tie",               # majority tie: first in order
     "group": ["b", "b", "a", "a", "c"],
     "y_true": [1, 0, 1, 1, 0], "y_pred": [1, 1, 0, 1, 0], "given": "a"},
    {"name": "zero-reference",         # given ref has ppr = 0 -> 10.0 / NaN
     "group": ["a", "a", "b", "b", "c", "c"],
     "y_true": [1, 0, 1, 0, 1, 0], "y_pred": [0, 0, 1, 0, 0, 0],
     "reps": [2, 1, 1, 3, 1, 1], "given": "a"},
    {"name": "single-group",
     "group": ["a", "a", "a"], "y_true": [1, 0, 1], "y_pred": [1, 1, 0],
     "given": "a"},
]


def real_datasets(root):
    """The real rows tools/make_real_fairness_goldens.py exported
    (tests/fixtures/goldens/real/NAME.csv: three group attributes, y_true,
    y_pred; unit weights), every attribute subset as one Aequitas column."""
    out = []
    real_dir = os.path.join(root, "tests", "fixtures", "goldens", "real")
    for name in ("resumenames", "hmda", "germancredit"):
        df = pd.read_csv(os.path.join(real_dir, name + ".csv"), dtype=str)
        attrs_all = list(df.columns[:3])
        partitions = []
        for k in range(1, 4):
            for attrs in itertools.combinations(attrs_all, k):
                attrs = sorted(attrs)
                keys = [group_key({a: row[a] for a in attrs})
                        for _, row in df.iterrows()]
                present = sorted(set(keys))
                res = run_aequitas(keys, df["y_true"].astype(int),
                                   df["y_pred"].astype(int),
                                   np.ones(len(df), dtype=int), present[-1],
                                   TAUS)
                res["attributes"] = attrs
                res["given_reference"] = present[-1]
                partitions.append(res)
        out.append({"name": name, "rows": os.path.join("real", name + ".csv"),
                    "partitions": partitions})
        print(f"{name}: {len(df)} rows")
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "fixtures", "goldens", "fairness-aequitas.json")
    d = make_data()
    reps, partitions = synthetic(d)
    edges = []
    for case in EDGE_CASES:
        r = case.get("reps", [1] * len(case["group"]))
        res = run_aequitas(case["group"], case["y_true"], case["y_pred"],
                           np.asarray(r), case["given"], TAUS)
        edges.append(dict(case, reps=r, **res))
    golden = {
        "generator": "tools/make_aequitas_goldens.py",
        "versions": {"aequitas": aequitas.__version__ if hasattr(aequitas, "__version__") else None,
                     "numpy": np.__version__, "pandas": pd.__version__},
        "seed": SEED,
        "non_finite": "NaN is null; determinations are true/false/null",
        "metrics": METRICS,
        "disparity_metrics": DISPARITY_METRICS,
        "parities": PARITIES,
        "fill_divbyzero": 10.0,
        "inputs": {
            "attributes": {a: {"values": v, "codes": d[a].tolist()}
                           for a, v in ATTRIBUTES.items()},
            "y_true": d["y_true"].tolist(),
            "y_pred": d["y_pred"].tolist(),
            "reps": reps.tolist(),
        },
        "partitions": partitions,
        "edge_cases": edges,
        "real": real_datasets(root),
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as fh:
        json.dump(golden, fh, separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
