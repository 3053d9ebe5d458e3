#!/usr/bin/env python3
"""Golden figures for events WITHOUT ground truth (lucidaudit's default
missing-truth=prediction-only), from Fairlearn, AIF360 and Aequitas.

Lucid keeps, per group, the confusion table of the events with truth and the
predicted positives / negatives of the events without (core/lucid-fairness.h).
Its figures must then equal what a user gets by running each library twice:

  * on ALL rows, for the figures that read the predictions only: selection
    rate; Fairlearn demographic_parity_{difference,ratio}; AIF360
    statistical_parity_difference and disparate_impact; Aequitas ppr, pprev,
    their disparities, reference groups and the Statistical / Impact Parity
    and Unsupervised Fairness determinations;
  * on the rows WITH truth, for every other figure: TPR, FPR, FNR, TNR, PPV,
    NPV, FDR, FOR, accuracy, prevalence; Fairlearn equalized odds and equal
    opportunity; AIF360 average (abs) odds and equal opportunity difference
    and the inequality indices; Aequitas' other eight disparities and
    their parities.

No library takes a row without a label (Aequitas refuses a label column
with anything but 0/1; Fairlearn and AIF360 need y_true for every row), so
for the all-rows run the script gives the rows a placeholder label (0): the
prediction-only figures do not read it, which the script checks by running
them again with the opposite placeholder (1) and requiring equal results.

THE DATA.  tools/make_fairness_goldens.py's make_data() (1500 rows, three
attributes, weights in [0.25, 3), a group without positives, a never-selected
intersection, the empty gender=x), with the truth removed from
  * every row of the intersection age=50+;region=s (a group with events but
    none with truth: Fairlearn's truth run does not have it, AIF360's sees an
    empty selection, Aequitas' second run has no such group), and
  * 30 % of the other rows, drawn with their own seed (MISSING_SEED).
"y_true" in the output is null for those rows.

Two outputs, from two venvs (Aequitas pins an older pandas; see
tools/requirements-aequitas.txt):

    .venv/bin/python tools/make_missing_truth_goldens.py
        -> tests/fixtures/goldens/fairness-missing-truth.json
           (Fairlearn and AIF360; the same shape as fairness-synthetic.json,
           so tests/unit/test-fairness.c checks it with the same code)
    /tmp/aeq-venv/bin/python tools/make_missing_truth_goldens.py --aequitas
        -> tests/fixtures/goldens/fairness-missing-truth-aequitas.json
           (the same shape as fairness-aequitas.json's synthetic part, for
           tests/unit/test-aequitas.c; weights ceil(w) as row repetitions,
           as there)

NaN is null; +inf / -inf are "inf" / "-inf".  Library versions are recorded
in each file.
"""

import itertools
import json
import math
import os
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fairness_goldens as mfg  # noqa: E402

MISSING_SEED = 20261129
MISSING_SHARE = 0.3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDENS = os.path.join(ROOT, "tests", "fixtures", "goldens")
PREDICTION_ONLY_RATES = ["selection_rate"]


def missing_mask(d):
    """Rows without truth: age=50+;region=s entirely, 30 % of the rest."""
    rng = np.random.default_rng(MISSING_SEED)
    miss = rng.random(len(d["y_true"])) < MISSING_SHARE
    miss |= (d["age"] == 2) & (d["region"] == 1)
    return miss


def subset(d, rows):
    return {k: v[rows] for k, v in d.items()}


def with_label(d, label):
    out = dict(d)
    out["y_true"] = np.full(len(d["y_true"]), label, dtype=int)
    return out


def same(a, b):
    """Equal JSON-ready values (None = NaN)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


# ---- Fairlearn and AIF360 ------------------------------------------------


def merge_rates(all_rates, truth_rates):
    """selection_rate from the all-rows run, the rest from the truth run
    (None where the truth run has no such group: Fairlearn's NaN)."""
    out = {}
    for r in mfg.RATES:
        src = all_rates if r in PREDICTION_ONLY_RATES else truth_rates
        out[r] = src.get(r) if src is not None else None
    return out


FAIRLEARN_PREDICTION_ONLY = ("demographic_parity_difference",
                             "demographic_parity_ratio")


def fairlearn_merged(d_all0, d_all1, d_truth, attrs):
    fa = mfg.fairlearn_figures(d_all0, attrs)
    fb = mfg.fairlearn_figures(d_all1, attrs)
    ft = mfg.fairlearn_figures(d_truth, attrs)
    for key in fa["groups"]:
        assert fa["groups"][key]["selection_rate"] == fb["groups"][key]["selection_rate"]
    groups = {k: merge_rates(fa["groups"][k], ft["groups"].get(k))
              for k in fa["groups"]}
    out = {"groups": groups, "overall": merge_rates(fa["overall"], ft["overall"])}
    for method in ("between_groups", "to_overall"):
        out[method] = {}
        for name in ft[method]:
            if name in FAIRLEARN_PREDICTION_ONLY:
                assert same(fa[method][name], fb[method][name]), name
                out[method][name] = fa[method][name]
            else:
                out[method][name] = ft[method][name]
    return out


AIF360_PREDICTION_ONLY = ("statistical_parity_difference", "disparate_impact")

# Besides make_fairness_goldens' cases: a set whose events all lack truth.
AIF360_CASES = mfg.AIF360_CASES + [
    {"name": "no-truth", "privileged": ["age=<30"],
     "unprivileged": ["age=50+;region=s"]},
]


def fairlearn_aif360(out_path):
    mfg.import_references()
    d = mfg.make_data()
    miss = missing_mask(d)
    d_truth = subset(d, ~miss)
    d_all0, d_all1 = with_label(d, 0), with_label(d, 1)
    truth_ds, pred_ds = mfg.aif360_datasets(d_truth)
    all0_ds = mfg.aif360_datasets(d_all0)
    all1_ds = mfg.aif360_datasets(d_all1)

    partitions = []
    names = list(mfg.ATTRIBUTES)
    for k in range(1, len(names) + 1):
        for attrs in itertools.combinations(names, k):
            attrs = sorted(attrs)
            fl = fairlearn_merged(d_all0, d_all1, d_truth, attrs)
            keys = sorted(fl["groups"])
            if attrs == ["gender"]:
                keys.append("gender=x")
            aif = {}
            for key in keys:
                ra = mfg.aif360_group_rates(*all0_ds, key)
                rb = mfg.aif360_group_rates(*all1_ds, key)
                assert ra["selection_rate"] == rb["selection_rate"]
                aif[key] = merge_rates(ra, mfg.aif360_group_rates(
                    truth_ds, pred_ds, key))
            partitions.append({"attributes": attrs, "fairlearn": fl,
                               "aif360_groups": aif})

    cases = []
    for case in AIF360_CASES:
        fa = mfg.aif360_figures(*all0_ds, case)
        fb = mfg.aif360_figures(*all1_ds, case)
        ft = mfg.aif360_figures(truth_ds, pred_ds, case)
        figs = {}
        for name in ft:
            if name in AIF360_PREDICTION_ONLY:
                assert same(fa[name], fb[name]), name
                figs[name] = fa[name]
            else:
                figs[name] = ft[name]
        cases.append(dict(case, figures=figs))

    y_true = [None if m else int(y) for m, y in zip(miss, d["y_true"])]
    golden = {
        "generator": "tools/make_missing_truth_goldens.py",
        "versions": {"fairlearn": mfg.fairlearn.__version__,
                     "aif360": mfg.aif360.__version__,
                     "scikit-learn": mfg.sklearn.__version__,
                     "numpy": np.__version__, "pandas": mfg.pd.__version__},
        "seed": mfg.SEED,
        "missing_seed": MISSING_SEED,
        "non_finite": "NaN is null; +inf and -inf are the strings \"inf\" and \"-inf\"",
        "runs": "selection_rate, demographic_parity_*, statistical_parity_difference "
                "and disparate_impact on all rows; every other figure on the rows "
                "with truth (y_true not null)",
        "rates": mfg.RATES,
        "inputs": {
            "attributes": {a: {"values": v, "codes": d[a].tolist()}
                           for a, v in mfg.ATTRIBUTES.items()},
            "y_true": y_true,
            "y_pred": d["y_pred"].tolist(),
            "weight": d["weight"].tolist(),
        },
        "n_missing": int(miss.sum()),
        "partitions": partitions,
        "aif360": cases,
        # Indices read the truth (benefit y_pred - y_true + 1): rows with
        # truth only; AIF360 ignores weights here.
        "aif360_inequality": mfg.aif360_inequality(truth_ds, pred_ds),
    }
    with open(out_path, "w") as f:
        json.dump(golden, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {out_path}: {int(miss.sum())} of {len(miss)} rows without truth")


# ---- Aequitas -------------------------------------------------------------

AEQ_PREDICTION_ONLY = ("ppr", "pprev")
AEQ_PREDICTION_PARITIES = ("Statistical Parity", "Impact Parity",
                           "Unsupervised Fairness")


def aequitas_part(out_path):
    import pandas as pd
    import make_aequitas_goldens as mag

    d = mfg.make_data()
    miss = missing_mask(d)
    reps = np.ceil(d["weight"]).astype(int)
    partitions = []
    names = list(mfg.ATTRIBUTES)
    for k in range(1, len(names) + 1):
        for attrs in itertools.combinations(names, k):
            attrs = sorted(attrs)
            keys = np.array([mfg.group_key({a: mfg.ATTRIBUTES[a][d[a][i]]
                                            for a in attrs})
                             for i in range(mfg.N)], dtype=object)
            # The given reference: the last group with truth (a group
            # without truth is no group of the second run, where Bias
            # would refuse it).
            given = sorted(set(keys[~miss]))[-1]
            a0 = mag.run_aequitas(keys, np.zeros(mfg.N, int), d["y_pred"],
                                  reps, given, mag.TAUS)
            a1 = mag.run_aequitas(keys, np.ones(mfg.N, int), d["y_pred"],
                                  reps, given, mag.TAUS)
            t = mag.run_aequitas(keys[~miss], d["y_true"][~miss],
                                 d["y_pred"][~miss], reps[~miss], given,
                                 mag.TAUS)
            res = merge_aequitas(a0, a1, t)
            res["attributes"] = attrs
            res["given_reference"] = given
            partitions.append(res)
    golden = {
        "generator": "tools/make_missing_truth_goldens.py --aequitas",
        "versions": {"aequitas": mag.aequitas.__version__
                     if hasattr(mag.aequitas, "__version__") else None,
                     "pandas": pd.__version__, "numpy": np.__version__},
        "seed": mfg.SEED, "missing_seed": MISSING_SEED,
        "non_finite": "NaN is null; determinations are true/false/null",
        "metrics": mag.METRICS,
        "disparity_metrics": mag.DISPARITY_METRICS,
        "parities": mag.PARITIES,
        "runs": "ppr, pprev, their disparities, references and parities "
                "(Statistical, Impact, Unsupervised) on all rows (label "
                "placeholder 0, checked against 1); everything else on the "
                "rows with truth; null where that run has no such group",
        "inputs": {
            "attributes": {a: {"values": v, "codes": d[a].tolist()}
                           for a, v in mfg.ATTRIBUTES.items()},
            "y_true": [None if m else int(y) for m, y in zip(miss, d["y_true"])],
            "y_pred": d["y_pred"].tolist(),
            "reps": reps.tolist(),
        },
        "partitions": partitions,
    }
    with open(out_path, "w") as f:
        json.dump(golden, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {out_path}: {len(partitions)} groupings")


def merge_aequitas(a, b, t):
    """make_aequitas_goldens.run_aequitas()'s result object, merged from the
    all-rows runs @a (placeholder label 0) and @b (1) and the truth run @t:
    each figure from the run it belongs to, null where that run has no such
    group; the prediction-only ones checked equal in @a and @b."""
    groups = {}
    for g, ga in a["groups"].items():
        gt = t["groups"].get(g)
        assert all(same(ga[m], b["groups"][g][m]) for m in AEQ_PREDICTION_ONLY)
        merged = {}
        for m, v in ga.items():
            if m in AEQ_PREDICTION_ONLY or m in ("group_size", "pp", "k",
                                                 "total_entities"):
                merged[m] = v
            elif m in ("tp", "fp", "tn", "fn"):
                merged[m] = gt[m] if gt else 0
            else:
                merged[m] = gt[m] if gt else None
        groups[g] = merged
    refs = {}
    for name, ra in a["references"].items():
        rb, rt = b["references"][name], t["references"][name]
        rec = {"ref_group": {}, "disparity": {}, "fairness": {}}
        for m in ra["ref_group"]:
            if m in AEQ_PREDICTION_ONLY:
                assert ra["ref_group"][m] == rb["ref_group"][m]
                rec["ref_group"][m] = ra["ref_group"][m]
            else:
                rec["ref_group"][m] = rt["ref_group"][m]
        for g, da in ra["disparity"].items():
            dt = rt["disparity"].get(g)
            rec["disparity"][g] = {}
            for m, v in da.items():
                if m in AEQ_PREDICTION_ONLY:
                    assert same(v, rb["disparity"][g][m]), (name, g, m)
                    rec["disparity"][g][m] = v
                else:
                    rec["disparity"][g][m] = dt[m] if dt else None
        for tau, fa in ra["fairness"].items():
            fb, ft = rb["fairness"][tau], rt["fairness"][tau]
            per_group = {}
            for g, va in fa["groups"].items():
                vt = ft["groups"].get(g)
                per_group[g] = {}
                for p, v in va.items():
                    if p in AEQ_PREDICTION_PARITIES:
                        assert v == fb["groups"][g][p], (name, g, p)
                        per_group[g][p] = v
                    else:
                        per_group[g][p] = vt[p] if vt else None
            attribute = {p: (fa if p in AEQ_PREDICTION_PARITIES else ft)
                         ["attribute"][p] for p in fa["attribute"]}
            rec["fairness"][tau] = {"tau": fa["tau"], "groups": per_group,
                                    "attribute": attribute}
        refs[name] = rec
    return {"groups": groups, "order": a["order"], "references": refs}


# ---- the integration test's pipeline --------------------------------------
#
# tests/integration/audit-missing-truth.sh runs gst-launch-1.0: the tiny
# fixture model scores talk.srt's 12 cues (tests/data/talk-audit-predictions.csv
# records what it gives, and the test checks the pipeline still does), the
# annotations tests/data/talk-audit-missing-truth.csv give 4 of them no truth
# (gender=m;age=old has none at all), and three lucidaudit instances (fl:
# Fairlearn, aif: AIF360 with privileged gender=m, unprivileged gender=f,
# aeq: Aequitas, majority reference) each close one 12-event window over the
# groupings gender and age;gender.  The goldens are flat rows (element,
# grouping, group or null, metric, value) that the test compares with
# audit_group_figures / audit_between_figures in SQL.

TALK_GROUPINGS = [["gender"], ["age", "gender"]]


def talk_rows():
    import csv
    data = os.path.join(ROOT, "tests", "data")
    with open(os.path.join(data, "talk-audit-missing-truth.csv")) as f:
        ann = list(csv.DictReader(f))
    with open(os.path.join(data, "talk-audit-predictions.csv")) as f:
        preds = list(csv.DictReader(x for x in f if not x.startswith("#")))
    assert len(ann) == len(preds) == 12
    rows = []
    for a, p in zip(ann, preds):
        assert abs(float(a["start"]) * 1e9 - int(p["stream_time"])) < 1
        rows.append({"gender": a["gender"], "age": a["age"],
                     "y_true": None if a["truth"] == "" else int(a["truth"] == "positive"),
                     "y_pred": int(p["predicted"])})
    return rows


def talk_key(row, attrs):
    return mfg.group_key({a: row[a] for a in attrs})


def flat(element, grouping, group, metric, value):
    return {"element": element, "grouping": grouping, "group": group,
            "metric": metric, "value": value}


def talk_fairlearn_aif360(out_path):
    mfg.import_references()
    import pandas as pd
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric
    flm = mfg.flm
    rows = talk_rows()
    truth_rows = [r for r in rows if r["y_true"] is not None]
    out = []
    fns = mfg.fairlearn_rate_functions()

    def frame(rs, attrs, label=None):
        sf = pd.DataFrame({"g": [talk_key(r, attrs) for r in rs]})
        yt = np.array([label if label is not None else r["y_true"] for r in rs])
        yp = np.array([r["y_pred"] for r in rs])
        return sf, yt, yp

    for attrs in TALK_GROUPINGS:
        grouping = ";".join(attrs)
        sf_a, yt_a, yp_a = frame(rows, attrs, 0)
        sf_t, yt_t, yp_t = frame(truth_rows, attrs)
        mf_a = flm.MetricFrame(metrics=fns, y_true=yt_a, y_pred=yp_a,
                               sensitive_features=sf_a, sample_params={
                                   k: {"sample_weight": np.ones(len(yt_a))}
                                   for k in fns})
        mf_t = flm.MetricFrame(metrics=fns, y_true=yt_t, y_pred=yp_t,
                               sensitive_features=sf_t, sample_params={
                                   k: {"sample_weight": np.ones(len(yt_t))}
                                   for k in fns})
        for key, row in mf_a.by_group.iterrows():
            for r in mfg.RATES:
                if r in PREDICTION_ONLY_RATES:
                    v = mfg.num(row[r])
                else:
                    v = mfg.num(mf_t.by_group.loc[key, r]) \
                        if key in mf_t.by_group.index else None
                out.append(flat("fl", grouping, key, r, v))
        kw_a = dict(sensitive_features=sf_a)
        kw_t = dict(sensitive_features=sf_t)
        out += [
            flat("fl", grouping, None, "demographic_parity_difference",
                 mfg.num(flm.demographic_parity_difference(yt_a, yp_a, **kw_a))),
            flat("fl", grouping, None, "demographic_parity_ratio",
                 mfg.num(flm.demographic_parity_ratio(yt_a, yp_a, **kw_a))),
            flat("fl", grouping, None, "equalized_odds_difference",
                 mfg.num(flm.equalized_odds_difference(yt_t, yp_t, **kw_t))),
            flat("fl", grouping, None, "equalized_odds_ratio",
                 mfg.num(flm.equalized_odds_ratio(yt_t, yp_t, **kw_t))),
            flat("fl", grouping, None, "equal_opportunity_difference",
                 mfg.num(flm.equal_opportunity_difference(yt_t, yp_t, **kw_t))),
            flat("fl", grouping, None, "equal_opportunity_ratio",
                 mfg.num(flm.equal_opportunity_ratio(yt_t, yp_t, **kw_t))),
        ]

    codes = {"gender": ["f", "m"], "age": ["old", "young"]}

    def datasets(rs, attrs, label=None):
        df = pd.DataFrame({a: [float(codes[a].index(r[a])) for r in rs]
                           for a in attrs})
        df["y"] = [float(label if label is not None else r["y_true"]) for r in rs]
        truth = BinaryLabelDataset(df=df, label_names=["y"],
                                   protected_attribute_names=list(attrs),
                                   favorable_label=1.0, unfavorable_label=0.0)
        pred = truth.copy(deepcopy=True)
        pred.labels = np.array([[float(r["y_pred"])] for r in rs])
        return truth, pred

    def cond(key):
        return {a: float(codes[a].index(v))
                for a, v in (p.split("=") for p in key.split(";"))}

    priv, unpriv = [{"gender": 1.0}], [{"gender": 0.0}]
    attrs_all = ["age", "gender"]
    all_ds = datasets(rows, attrs_all, 0)
    truth_ds = datasets(truth_rows, attrs_all)
    for attrs in TALK_GROUPINGS:
        grouping = ";".join(attrs)
        for key in sorted({talk_key(r, attrs) for r in rows}):
            cm_a = ClassificationMetric(*all_ds, privileged_groups=[cond(key)],
                                        unprivileged_groups=[{"gender": -1.0}])
            cm_t = ClassificationMetric(*truth_ds, privileged_groups=[cond(key)],
                                        unprivileged_groups=[{"gender": -1.0}])
            pm = cm_t.performance_measures(privileged=True)
            vals = {"selection_rate": cm_a.selection_rate(privileged=True),
                    "tpr": pm["TPR"], "fpr": pm["FPR"], "fnr": pm["FNR"],
                    "tnr": pm["TNR"], "ppv": pm["PPV"], "npv": pm["NPV"],
                    "fdr": pm["FDR"], "for": pm["FOR"], "accuracy": pm["ACC"],
                    "prevalence": cm_t.base_rate(privileged=True)}
            out += [flat("aif", grouping, key, r, mfg.num(vals[r]))
                    for r in mfg.RATES]
        # between all groups of this grouping: a dataset whose protected
        # attributes are the grouping's (AIF360's groups are their
        # combinations)
        ts = datasets(truth_rows, attrs)
        cm = ClassificationMetric(*ts, privileged_groups=[{"gender": 1.0}],
                                  unprivileged_groups=[{"gender": 0.0}])
        out += [
            flat("aif", grouping, None, "between_all_groups_generalized_entropy_index",
                 mfg.num(cm.between_all_groups_generalized_entropy_index(alpha=2))),
            flat("aif", grouping, None, "between_all_groups_theil_index",
                 mfg.num(cm.between_all_groups_theil_index())),
            flat("aif", grouping, None, "between_all_groups_coefficient_of_variation",
                 mfg.num(cm.between_all_groups_coefficient_of_variation())),
        ]
    cm_a = ClassificationMetric(*all_ds, privileged_groups=priv,
                                unprivileged_groups=unpriv)
    cm_t = ClassificationMetric(*truth_ds, privileged_groups=priv,
                                unprivileged_groups=unpriv)
    out += [
        flat("aif", "", None, "statistical_parity_difference",
             mfg.num(cm_a.statistical_parity_difference())),
        flat("aif", "", None, "disparate_impact", mfg.num(cm_a.disparate_impact())),
        flat("aif", "", None, "average_odds_difference",
             mfg.num(cm_t.average_odds_difference())),
        flat("aif", "", None, "average_abs_odds_difference",
             mfg.num(cm_t.average_abs_odds_difference())),
        flat("aif", "", None, "equal_opportunity_difference",
             mfg.num(cm_t.equal_opportunity_difference())),
        flat("aif", "", None, "generalized_entropy_index",
             mfg.num(cm_t.generalized_entropy_index(alpha=2))),
        flat("aif", "", None, "theil_index", mfg.num(cm_t.theil_index())),
        flat("aif", "", None, "coefficient_of_variation",
             mfg.num(cm_t.coefficient_of_variation())),
        flat("aif", "", None, "between_group_generalized_entropy_index",
             mfg.num(cm_t.between_group_generalized_entropy_index(alpha=2))),
        flat("aif", "", None, "between_group_theil_index",
             mfg.num(cm_t.between_group_theil_index())),
        flat("aif", "", None, "between_group_coefficient_of_variation",
             mfg.num(cm_t.between_group_coefficient_of_variation())),
    ]
    write_talk(out_path, out, {"fairlearn": mfg.fairlearn.__version__,
                               "aif360": mfg.aif360.__version__,
                               "scikit-learn": mfg.sklearn.__version__,
                               "numpy": np.__version__,
                               "pandas": pd.__version__})


def talk_aequitas(out_path):
    import pandas as pd
    import make_aequitas_goldens as mag
    rows = talk_rows()
    has = np.array([r["y_true"] is not None for r in rows])
    out, refs, verdicts = [], [], []
    for attrs in TALK_GROUPINGS:
        grouping = ";".join(attrs)
        keys = np.array([talk_key(r, attrs) for r in rows], dtype=object)
        yp = np.array([r["y_pred"] for r in rows])
        yt = np.array([r["y_true"] if r["y_true"] is not None else 0
                       for r in rows])
        ones = np.ones(len(rows), int)
        a0 = mag.run_aequitas(keys, 0 * ones, yp, ones, None, mag.TAUS)
        a1 = mag.run_aequitas(keys, ones, yp, ones, None, mag.TAUS)
        t = mag.run_aequitas(keys[has], yt[has], yp[has], ones[has], None,
                             mag.TAUS)
        m = merge_aequitas(a0, a1, t)
        for g, vals in m["groups"].items():
            for metric in mag.METRICS:
                out.append(flat("aeq", grouping, g, metric, vals[metric]))
        major = m["references"]["majority"]
        for g, d in major["disparity"].items():
            for metric, v in d.items():
                # a group that is no group of the truth run has no
                # truth-based disparity in Lucid either
                if v is None and g not in t["groups"]:
                    continue
                out.append(flat("aeq", grouping, g, metric + "_disparity", v))
        for metric, g in major["ref_group"].items():
            refs.append({"grouping": grouping, "metric": metric + "_disparity",
                         "group": g})
        fair = major["fairness"][repr(0.8)]
        word = {True: "fair", False: "unfair", None: "undefined"}
        for g, parities in fair["groups"].items():
            for parity, v in parities.items():
                verdicts.append({"grouping": grouping, "group": g,
                                 "parity": parity, "verdict": word[v]})
        for parity, v in fair["attribute"].items():
            verdicts.append({"grouping": grouping, "group": None,
                             "parity": parity, "verdict": word[v]})
    write_talk(out_path, out, {"aequitas": mag.aequitas.__version__
                               if hasattr(mag.aequitas, "__version__") else None,
                               "pandas": pd.__version__, "numpy": np.__version__},
               {"references": refs, "verdicts": verdicts, "tau": 0.8})


def write_talk(out_path, figures, versions, extra=None):
    golden = {"generator": "tools/make_missing_truth_goldens.py " + " ".join(sys.argv[1:]),
              "versions": versions,
              "runs": "prediction-only figures on all 12 rows (label placeholder), "
                      "the others on the 8 rows with truth",
              "non_finite": "NaN is null",
              "figures": figures}
    golden.update(extra or {})
    with open(out_path, "w") as f:
        json.dump(golden, f, indent=0, allow_nan=False)
        f.write("\n")
    print(f"wrote {out_path}: {len(figures)} figures")


if __name__ == "__main__":
    if "--talk" in sys.argv[1:]:
        talk_fairlearn_aif360(os.path.join(GOLDENS, "audit-missing-truth-talk.json"))
    elif "--talk-aequitas" in sys.argv[1:]:
        talk_aequitas(os.path.join(GOLDENS, "audit-missing-truth-talk-aequitas.json"))
    elif "--aequitas" in sys.argv[1:]:
        args = [x for x in sys.argv[1:] if x != "--aequitas"]
        aequitas_part(args[0] if args else os.path.join(
            GOLDENS, "fairness-missing-truth-aequitas.json"))
    else:
        fairlearn_aif360(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
            GOLDENS, "fairness-missing-truth.json"))
