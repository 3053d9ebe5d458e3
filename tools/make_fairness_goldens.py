#!/usr/bin/env python3
"""Golden fairness figures for tests/unit/test-fairness.c.

Lucid's fairness core (core/lucid-fairness.c) must reproduce Fairlearn's and
AIF360's figures to 1e-9, including *where* each library answers NaN, inf or
a conventional 0.  This script builds one deterministic synthetic data set
that exercises every such corner, runs the reference libraries on it and
writes tests/fixtures/goldens/fairness-synthetic.json.

The data set (N rows, seed fixed, no RNG state shared with anything else):
  * three attributes: gender {f, m, x}, age {<30, 30-49, 50+}, region {n, s};
  * gender=x never occurs: the *empty group* (AIF360 sees it as a condition
    matching no rows; Fairlearn never sees it at all);
  * age=50+ has no positive ground truth: the *group without positives*
    (TPR/FNR are 0/0 there);
  * region=s;age=<30 is never predicted positive by the model (PPV/FDR 0/0
    in several intersections);
  * non-uniform sample weights in [0.25, 3);
  * the model is biased: it selects gender=f less often.

What is computed, for each of the 7 non-empty attribute subsets (a subset's
groups are the observed value combinations, i.e. the intersections):
  * Fairlearn: demographic_parity_{difference,ratio},
    equalized_odds_{difference,ratio} (agg worst_case and mean),
    equal_opportunity_{difference,ratio}, each with method between_groups and
    to_overall; and the per-group and overall rates through MetricFrame
    (Fairlearn's own rate functions, sklearn's confusion_matrix for the
    predictive values, sklearn's accuracy_score);
  * AIF360 ClassificationMetric: per-group rates of every group key of the
    subset plus the empty gender=x group, and, for several
    privileged/unprivileged definitions (lists of conditions, possibly
    intersectional, possibly empty), statistical_parity_difference,
    disparate_impact, average_odds_difference, average_abs_odds_difference,
    equal_opportunity_difference, and the inequality indices (generalized
    entropy index for several alphas, Theil index, coefficient of variation,
    over all rows, between the two group sets and between all groups).

Non-finite values do not exist in JSON: NaN is written as null, +inf/-inf as
the strings "inf"/"-inf" (see "non_finite" in the output).

Usage: .venv/bin/python tools/make_fairness_goldens.py [OUT.json]
Pins: tools/requirements-audit.txt.

tools/make_aequitas_goldens.py imports make_data(), num(), group_key() and
the constants from here, in a venv without Fairlearn and AIF360: the
reference libraries are imported only when this file runs as a script.
"""

import itertools
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")  # the references warn on every 0/0


def import_references():
    """Import the references on first use, not at module import:
    make_aequitas_goldens.py imports only the data generator (its venv has
    no Fairlearn/AIF360), make_real_fairness_goldens.py the figure
    functions, which call this."""
    global aif360, fairlearn, sklearn, BinaryLabelDataset, ClassificationMetric
    global flm, accuracy_score, confusion_matrix
    import aif360  # noqa: E402
    import fairlearn  # noqa: E402
    import sklearn  # noqa: E402
    from aif360.datasets import BinaryLabelDataset  # noqa: E402
    from aif360.metrics import ClassificationMetric  # noqa: E402
    from fairlearn import metrics as flm  # noqa: E402
    from sklearn.metrics import accuracy_score, confusion_matrix  # noqa: E402


SEED = 20240504
N = 1500
ATTRIBUTES = {
    "gender": ["f", "m", "x"],
    "age": ["<30", "30-49", "50+"],
    "region": ["n", "s"],
}
RATES = ["selection_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr",
         "for", "accuracy", "prevalence"]


def make_data():
    rng = np.random.default_rng(SEED)
    gender = rng.choice(2, size=N, p=[0.45, 0.55])          # never 2 (x)
    age = rng.choice(3, size=N, p=[0.5, 0.35, 0.15])
    region = rng.choice(2, size=N, p=[0.7, 0.3])
    p_true = 0.25 + 0.2 * (gender == 1) + 0.1 * (age == 1)
    y_true = (rng.random(N) < p_true).astype(int)
    y_true[age == 2] = 0                                    # no positives
    p_pred = np.where(y_true == 1, 0.8, 0.15) - 0.12 * (gender == 0)
    y_pred = (rng.random(N) < p_pred).astype(int)
    y_pred[(region == 1) & (age == 0)] = 0                  # never selected
    weight = np.round(0.25 + 2.75 * rng.random(N), 6)
    return {"gender": gender, "age": age, "region": region,
            "y_true": y_true, "y_pred": y_pred, "weight": weight}


def num(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def group_key(assignment):
    """Lucid's canonical key: attribute=value pairs sorted by attribute."""
    return ";".join(f"{a}={v}" for a, v in sorted(assignment.items()))


def fairlearn_rate_functions():
    import_references()
    def cm_pred(yt, yp, sample_weight):
        return confusion_matrix(yt, yp, labels=[0, 1], sample_weight=sample_weight,
                                normalize="pred")

    def ppv(yt, yp, sample_weight):
        return cm_pred(yt, yp, sample_weight)[1, 1]

    def npv(yt, yp, sample_weight):
        return cm_pred(yt, yp, sample_weight)[0, 0]

    def fdr(yt, yp, sample_weight):
        return cm_pred(yt, yp, sample_weight)[0, 1]

    def for_(yt, yp, sample_weight):
        return cm_pred(yt, yp, sample_weight)[1, 0]

    def prevalence(yt, yp, sample_weight):
        return flm.selection_rate(yt, yt, sample_weight=sample_weight)

    return {
        "selection_rate": flm.selection_rate,
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "fnr": flm.false_negative_rate,
        "tnr": flm.true_negative_rate,
        "ppv": ppv, "npv": npv, "fdr": fdr, "for": for_,
        "accuracy": accuracy_score,
        "prevalence": prevalence,
    }


def fairlearn_figures(d, attrs):
    import_references()
    sf = pd.DataFrame({a: np.array(ATTRIBUTES[a])[d[a]] for a in attrs})
    yt, yp, w = d["y_true"], d["y_pred"], d["weight"]
    fns = fairlearn_rate_functions()
    mf = flm.MetricFrame(metrics=fns, y_true=yt, y_pred=yp, sensitive_features=sf,
                         sample_params={k: {"sample_weight": w} for k in fns})
    groups = {}
    for idx, row in mf.by_group.iterrows():
        idx = idx if isinstance(idx, tuple) else (idx,)
        groups[group_key(dict(zip(attrs, idx)))] = {r: num(row[r]) for r in RATES}
    out = {"groups": groups,
           "overall": {r: num(mf.overall[r]) for r in RATES}}
    kw = dict(sensitive_features=sf, sample_weight=w)
    for method in ("between_groups", "to_overall"):
        f = {}
        f["demographic_parity_difference"] = flm.demographic_parity_difference(yt, yp, method=method, **kw)
        f["demographic_parity_ratio"] = flm.demographic_parity_ratio(yt, yp, method=method, **kw)
        f["equal_opportunity_difference"] = flm.equal_opportunity_difference(yt, yp, method=method, **kw)
        f["equal_opportunity_ratio"] = flm.equal_opportunity_ratio(yt, yp, method=method, **kw)
        for agg in ("worst_case", "mean"):
            f[f"equalized_odds_difference_{agg}"] = flm.equalized_odds_difference(yt, yp, method=method, agg=agg, **kw)
            f[f"equalized_odds_ratio_{agg}"] = flm.equalized_odds_ratio(yt, yp, method=method, agg=agg, **kw)
        out[method] = {k: num(v) for k, v in f.items()}
    return out


def aif360_datasets(d):
    import_references()
    df = pd.DataFrame({a: d[a].astype(float) for a in ATTRIBUTES})
    df["y"] = d["y_true"].astype(float)
    df["w"] = d["weight"]
    truth = BinaryLabelDataset(df=df, label_names=["y"],
                               protected_attribute_names=list(ATTRIBUTES),
                               instance_weights_name="w",
                               favorable_label=1.0, unfavorable_label=0.0)
    pred = truth.copy(deepcopy=True)
    pred.labels = d["y_pred"].astype(float).reshape(-1, 1)
    return truth, pred


def condition(key):
    """'age=50+;gender=f' -> {'age': 2, 'gender': 0} (AIF360 wants codes)."""
    out = {}
    for pair in key.split(";"):
        a, v = pair.split("=", 1)
        out[a] = float(ATTRIBUTES[a].index(v))
    return out


def aif360_group_rates(truth, pred, key):
    import_references()
    cm = ClassificationMetric(truth, pred, privileged_groups=[condition(key)],
                              unprivileged_groups=[{"gender": -1.0}])  # never matches
    pm = cm.performance_measures(privileged=True)
    return {
        "selection_rate": num(cm.selection_rate(privileged=True)),
        "tpr": num(pm["TPR"]), "fpr": num(pm["FPR"]), "fnr": num(pm["FNR"]),
        "tnr": num(pm["TNR"]), "ppv": num(pm["PPV"]), "npv": num(pm["NPV"]),
        "fdr": num(pm["FDR"]), "for": num(pm["FOR"]), "accuracy": num(pm["ACC"]),
        "prevalence": num(cm.base_rate(privileged=True)),
    }


# Privileged / unprivileged definitions: each a list of condition keys
# (AIF360 ORs the conditions of a list; a key with several pairs is an
# intersection).
AIF360_CASES = [
    {"name": "gender", "privileged": ["gender=m"], "unprivileged": ["gender=f"]},
    {"name": "empty-unprivileged", "privileged": ["gender=m"], "unprivileged": ["gender=x"]},
    {"name": "empty-privileged", "privileged": ["gender=x"], "unprivileged": ["gender=f"]},
    {"name": "no-positives", "privileged": ["age=<30"], "unprivileged": ["age=50+"]},
    {"name": "never-selected", "privileged": ["age=30-49;region=s"], "unprivileged": ["age=<30;region=s"]},
    {"name": "intersection", "privileged": ["age=30-49;gender=m", "age=<30;gender=m"],
     "unprivileged": ["age=50+;gender=f", "gender=f;region=s"]},
    {"name": "three-way", "privileged": ["age=30-49;gender=m;region=n"],
     "unprivileged": ["age=<30;gender=f;region=s"]},
]


# Generalized entropy index exponents: AIF360 special-cases 0 and 1; a
# negative one meets a zero benefit (a false negative) and is +inf.
GE_ALPHAS = [0.0, 0.5, 1.0, 2.0, 3.0, -1.0]


def aif360_figures(truth, pred, case):
    import_references()
    cm = ClassificationMetric(truth, pred,
                              privileged_groups=[condition(k) for k in case["privileged"]],
                              unprivileged_groups=[condition(k) for k in case["unprivileged"]])
    return {
        "statistical_parity_difference": num(cm.statistical_parity_difference()),
        "disparate_impact": num(cm.disparate_impact()),
        "average_odds_difference": num(cm.average_odds_difference()),
        "average_abs_odds_difference": num(cm.average_abs_odds_difference()),
        "equal_opportunity_difference": num(cm.equal_opportunity_difference()),
        # Inequality indices ignore instance weights in AIF360.
        "between_group_generalized_entropy_index": {
            str(a): num(cm.between_group_generalized_entropy_index(alpha=a))
            for a in GE_ALPHAS},
        "between_group_theil_index": num(cm.between_group_theil_index()),
        "between_group_coefficient_of_variation":
            num(cm.between_group_coefficient_of_variation()),
    }


def aif360_inequality(truth, pred, privileged=({"gender": 1.0},),
                      unprivileged=({"gender": 0.0},)):
    """Indices over the whole data set, and between all groups (AIF360: every
    combination of the protected attributes' values, i.e. the full
    intersection of gender, age and region).  The group sets do not enter
    these figures; ClassificationMetric just needs some."""
    import_references()
    cm = ClassificationMetric(truth, pred, privileged_groups=list(privileged),
                              unprivileged_groups=list(unprivileged))
    return {
        "alphas": GE_ALPHAS,
        "weights": "ignored by AIF360: compare with unit-weight counts",
        "generalized_entropy_index": {
            str(a): num(cm.generalized_entropy_index(alpha=a)) for a in GE_ALPHAS},
        "theil_index": num(cm.theil_index()),
        "coefficient_of_variation": num(cm.coefficient_of_variation()),
        "between_all_groups_generalized_entropy_index": {
            str(a): num(cm.between_all_groups_generalized_entropy_index(alpha=a))
            for a in GE_ALPHAS},
        "between_all_groups_theil_index": num(cm.between_all_groups_theil_index()),
        "between_all_groups_coefficient_of_variation":
            num(cm.between_all_groups_coefficient_of_variation()),
    }


# Tiny single-attribute data sets whose Fairlearn figures are NaN: nobody
# is positive (every TPR is 0 by convention, so TPR ratios are 0/0), and
# nobody is selected (selection-rate ratios are 0/0).
EDGE_CASES = [
    {"name": "no-positives-anywhere", "group": ["a", "a", "a", "b", "b", "b"],
     "y_true": [0, 0, 0, 0, 0, 0], "y_pred": [1, 0, 0, 1, 1, 0],
     "weight": [1.0, 2.0, 0.5, 1.5, 1.0, 3.0]},
    {"name": "nobody-selected", "group": ["a", "a", "b", "b", "c"],
     "y_true": [1, 0, 1, 0, 1], "y_pred": [0, 0, 0, 0, 0],
     "weight": [1.0, 2.0, 0.5, 1.5, 1.0]},
]


def edge_case_figures(case):
    import_references()
    sf = pd.DataFrame({"group": case["group"]})
    d = {"group": np.zeros(len(case["group"]), dtype=int),
         "y_true": np.array(case["y_true"]), "y_pred": np.array(case["y_pred"]),
         "weight": np.array(case["weight"])}
    ATTRIBUTES_EDGE = {"group": sorted(set(case["group"]))}
    d["group"] = np.array([ATTRIBUTES_EDGE["group"].index(g) for g in case["group"]])
    saved = dict(ATTRIBUTES)
    ATTRIBUTES.clear()
    ATTRIBUTES.update(ATTRIBUTES_EDGE)
    try:
        out = fairlearn_figures(d, ["group"])
    finally:
        ATTRIBUTES.clear()
        ATTRIBUTES.update(saved)
    del sf
    return out


def main():
    import_references()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "fixtures", "goldens", "fairness-synthetic.json")
    d = make_data()
    truth, pred = aif360_datasets(d)

    partitions = []
    names = list(ATTRIBUTES)
    for k in range(1, len(names) + 1):
        for attrs in itertools.combinations(names, k):
            attrs = sorted(attrs)
            fl = fairlearn_figures(d, attrs)
            keys = sorted(fl["groups"])
            if attrs == ["gender"]:
                keys.append("gender=x")   # the empty group, for AIF360
            partitions.append({
                "attributes": attrs,
                "fairlearn": fl,
                "aif360_groups": {k_: aif360_group_rates(truth, pred, k_) for k_ in keys},
            })

    golden = {
        "generator": "tools/make_fairness_goldens.py",
        "versions": {"fairlearn": fairlearn.__version__, "aif360": aif360.__version__,
                     "scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__},
        "seed": SEED,
        "non_finite": "NaN is null; +inf and -inf are the strings \"inf\" and \"-inf\"",
        "rates": RATES,
        "inputs": {
            "attributes": {a: {"values": v, "codes": d[a].tolist()}
                           for a, v in ATTRIBUTES.items()},
            "y_true": d["y_true"].tolist(),
            "y_pred": d["y_pred"].tolist(),
            "weight": d["weight"].tolist(),
        },
        "partitions": partitions,
        "aif360": [dict(case, figures=aif360_figures(truth, pred, case))
                   for case in AIF360_CASES],
        "aif360_inequality": aif360_inequality(truth, pred),
        "edge_cases": [dict(case, fairlearn=edge_case_figures(case))
                       for case in EDGE_CASES],
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(golden, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
