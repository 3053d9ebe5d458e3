#!/usr/bin/env python3
"""Golden fairness figures on real data shipped in Debian packages.

Lucid's fairness core must equal Fairlearn and AIF360 on real data too, not
only on synthetic corners.  Three data sets ship with Debian 12's R packages:

  ResumeNames  r-cran-aer, AER/data/ResumeNames.rda (Bertrand & Mullainathan,
               "Are Emily and Greg more employable than Lakisha and Jamal?"):
               4870 fictitious resumes.  Prediction: the employer called
               back (call == yes).  Truth: the resume was of high quality.
               Groups: gender, ethnicity, city.
  HMDA         r-cran-aer, AER/data/HMDA.rda (Boston HMDA data, Munnell et
               al.): 2380 mortgage applications.  Prediction: approved
               (deny == no).  Truth: a clean credit record (no public bad
               record, consumer and mortgage credit history scores 1-2).
               Groups: afam, single, selfemp.
  GermanCredit r-cran-caret, caret/data/GermanCredit.RData (Statlog German
               credit): 1000 loans.  Truth: Class == Good.  Prediction: a
               logistic regression on six non-protected features fitted by
               this script (scikit-learn, lbfgs, C=1), threshold 0.5.
               Groups: sex (from the Personal.* columns), age (<25, 25+, as
               in AIF360's German credit example), foreign (ForeignWorker).

The rows Lucid needs (three group attributes, y_true, y_pred) are written to
tests/fixtures/goldens/real/<name>.csv and the reference figures to
tests/fixtures/goldens/fairness-real.json; both are committed, so the tests
need neither R nor Python.  Exporting the .rda files needs Rscript (Debian
r-base-core, with r-cran-aer and r-cran-caret installed); everything after
that is the project's .venv (tools/requirements-audit.txt).

Usage: .venv/bin/python tools/make_real_fairness_goldens.py
"""

import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fairness_goldens as mfg  # noqa: E402

import aif360  # noqa: E402
import fairlearn  # noqa: E402
import sklearn  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

AER = "/usr/lib/R/site-library/AER/data"
CARET = "/usr/lib/R/site-library/caret/data"

R_EXPORT = r"""
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
load(file.path("%s", "ResumeNames.rda"))
write.csv(ResumeNames[, c("gender", "ethnicity", "city", "quality", "call")],
          file.path(out, "ResumeNames.csv"), row.names = FALSE)
load(file.path("%s", "HMDA.rda"))
write.csv(HMDA[, c("afam", "single", "selfemp", "phist", "chist", "mhist", "deny")],
          file.path(out, "HMDA.csv"), row.names = FALSE)
load(file.path("%s", "GermanCredit.RData"))
write.csv(GermanCredit, file.path(out, "GermanCredit.csv"), row.names = FALSE)
cat(R.version.string, "\n", sep = "")
cat(as.character(packageVersion("AER")), "\n", sep = "")
cat(as.character(packageVersion("caret")), "\n", sep = "")
""" % (AER, AER, CARET)


def export_r(tmp):
    script = os.path.join(tmp, "export.R")
    with open(script, "w") as f:
        f.write(R_EXPORT)
    out = subprocess.run(["Rscript", script, tmp], check=True,
                         capture_output=True, text=True).stdout.split("\n")
    return {"R": out[0], "AER": out[1], "caret": out[2]}


def resume_names(tmp):
    df = pd.read_csv(os.path.join(tmp, "ResumeNames.csv"))
    return pd.DataFrame({
        "gender": df["gender"], "ethnicity": df["ethnicity"], "city": df["city"],
        "y_true": (df["quality"] == "high").astype(int),
        "y_pred": (df["call"] == "yes").astype(int)})


def hmda(tmp):
    df = pd.read_csv(os.path.join(tmp, "HMDA.csv"))
    clean = ((df["phist"] == "no") & (df["chist"].astype(int) <= 2)
             & (df["mhist"].astype(int) <= 2))
    return pd.DataFrame({
        "afam": df["afam"], "single": df["single"], "selfemp": df["selfemp"],
        "y_true": clean.astype(int),
        "y_pred": (df["deny"] == "no").astype(int)})


def german_credit(tmp):
    df = pd.read_csv(os.path.join(tmp, "GermanCredit.csv"))
    female = df["Personal.Female.NotSingle"] + df["Personal.Female.Single"]
    features = ["Duration", "Amount", "InstallmentRatePercentage",
                "CheckingAccountStatus.none", "CreditHistory.Critical",
                "SavingsAccountBonds.lt.100"]
    x = df[features].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = (df["Class"] == "Good").astype(int).to_numpy()
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(x, y)
    y_pred = (model.predict_proba(x)[:, 1] >= 0.5).astype(int)
    return pd.DataFrame({
        "sex": np.where(female == 1, "female", "male"),
        "age": np.where(df["Age"] < 25, "<25", "25+"),
        "foreign": np.where(df["ForeignWorker"] == 1, "yes", "no"),
        "y_true": y, "y_pred": y_pred})


# Per data set: the AIF360 privileged/unprivileged definitions.
DATASETS = [
    ("resumenames", resume_names, ["gender", "ethnicity", "city"], [
        {"name": "ethnicity", "privileged": ["ethnicity=cauc"], "unprivileged": ["ethnicity=afam"]},
        {"name": "gender", "privileged": ["gender=male"], "unprivileged": ["gender=female"]},
        {"name": "intersection", "privileged": ["ethnicity=cauc;gender=male"],
         "unprivileged": ["ethnicity=afam;gender=female"]},
    ]),
    ("hmda", hmda, ["afam", "single", "selfemp"], [
        {"name": "afam", "privileged": ["afam=no"], "unprivileged": ["afam=yes"]},
        {"name": "single-selfemp", "privileged": ["selfemp=no;single=no"],
         "unprivileged": ["selfemp=yes", "single=yes"]},
    ]),
    ("germancredit", german_credit, ["sex", "age", "foreign"], [
        {"name": "age", "privileged": ["age=25+"], "unprivileged": ["age=<25"]},
        {"name": "sex", "privileged": ["sex=male"], "unprivileged": ["sex=female"]},
        {"name": "foreign", "privileged": ["foreign=no"], "unprivileged": ["foreign=yes"]},
    ]),
]


def figures_for(df, attrs, cases):
    values = {a: sorted(df[a].astype(str).unique()) for a in attrs}
    d = {a: np.array([values[a].index(v) for v in df[a].astype(str)]) for a in attrs}
    d["y_true"] = df["y_true"].to_numpy()
    d["y_pred"] = df["y_pred"].to_numpy()
    d["weight"] = np.ones(len(df))
    saved = dict(mfg.ATTRIBUTES)
    mfg.ATTRIBUTES.clear()
    mfg.ATTRIBUTES.update(values)
    try:
        partitions = []
        for k in range(1, len(attrs) + 1):
            for sub in itertools.combinations(attrs, k):
                sub = sorted(sub)
                partitions.append({"attributes": sub,
                                   "fairlearn": mfg.fairlearn_figures(d, sub)})
        frame = pd.DataFrame({a: d[a].astype(float) for a in attrs})
        frame["y"] = d["y_true"].astype(float)
        truth = BinaryLabelDataset(df=frame, label_names=["y"],
                                   protected_attribute_names=list(attrs),
                                   favorable_label=1.0, unfavorable_label=0.0)
        pred = truth.copy(deepcopy=True)
        pred.labels = d["y_pred"].astype(float).reshape(-1, 1)
        aif = [dict(case, figures=mfg.aif360_figures(truth, pred, case))
               for case in cases]
        ineq = mfg.aif360_inequality(
            truth, pred, [mfg.condition(k) for k in cases[0]["privileged"]],
            [mfg.condition(k) for k in cases[0]["unprivileged"]])
    finally:
        mfg.ATTRIBUTES.clear()
        mfg.ATTRIBUTES.update(saved)
    return partitions, aif, ineq


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    gold_dir = os.path.join(root, "tests", "fixtures", "goldens")
    os.makedirs(os.path.join(gold_dir, "real"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        r_versions = export_r(tmp)
        sets = []
        for name, loader, attrs, cases in DATASETS:
            df = loader(tmp)
            rel = os.path.join("real", name + ".csv")
            df[attrs + ["y_true", "y_pred"]].to_csv(
                os.path.join(gold_dir, rel), index=False, lineterminator="\n",
                quoting=csv.QUOTE_MINIMAL)
            partitions, aif, ineq = figures_for(df, attrs, cases)
            sets.append({"name": name, "rows": rel, "n": len(df),
                         "attributes": attrs, "partitions": partitions,
                         "aif360": aif, "aif360_inequality": ineq})
            print(f"{name}: {len(df)} rows")
    golden = {
        "generator": "tools/make_real_fairness_goldens.py",
        "versions": dict(r_versions, fairlearn=fairlearn.__version__,
                         aif360=aif360.__version__,
                         **{"scikit-learn": sklearn.__version__},
                         numpy=np.__version__, pandas=pd.__version__),
        "non_finite": "NaN is null; +inf and -inf are the strings \"inf\" and \"-inf\"",
        "rates": mfg.RATES,
        "weights": "unit",
        "datasets": sets,
    }
    with open(os.path.join(gold_dir, "fairness-real.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print("wrote tests/fixtures/goldens/fairness-real.json")


if __name__ == "__main__":
    main()
