"""Reference: scikit-learn's best of 10 starts for the --restarts target of issue 9.

Reads restart_targets_mclust.json (made by restart_targets.R) and the data it names, fits
GaussianMixture(n_components=k, covariance_type=..., n_init=10, random_state=0) with its default start
(k-means), its default reg_covar=1e-6, and tol=1e-10, max_iter=100000 so that each start runs to its maximum
(the default tol=1e-3 on the mean log-likelihood stops short), and writes restart_targets.json: every case with
mclust's numbers and `sklearnLoglik` = score(X) * n, plus `target` = max(mclustLoglik, sklearnLoglik).

Regenerate (after restart_targets.R):
    apt-get update && apt-get install -y python3-sklearn
    cd tests/LatentFit.Tests/References && /usr/bin/python3 restart_targets.py
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))
EMBEDDED = os.path.join(HERE, "..", "..", "..", "src", "LatentFit", "Data", "Datasets")


def load(name):
    if name in ("faithful", "iris"):
        path = os.path.join(EMBEDDED, name + ".csv")
    else:
        path = os.path.join(HERE, "data", name + ".csv")
    x = np.genfromtxt(path, delimiter=",", skip_header=1)
    if name == "iris":
        x = x[:, :4]
    return x.reshape(len(x), -1)


def main():
    with open(os.path.join(HERE, "restart_targets_mclust.json")) as f:
        reference = json.load(f)
    cases = []
    for case in reference["cases"]:
        x = load(case["dataset"])
        assert x.shape == (case["rows"], case["dimension"]), (case["dataset"], x.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm = GaussianMixture(n_components=case["k"], covariance_type=case["covariance"], n_init=10,
                                 random_state=0, tol=1e-10, max_iter=100000).fit(x)
        ll = float(gm.score(x) * len(x))
        case = dict(case)
        case["sklearnLoglik"] = ll
        mclust = case["mclustLoglik"]
        case["target"] = ll if mclust is None else max(ll, mclust)
        cases.append(case)
        print("%-18s k=%2d %-9s mclust %14.6f sklearn %14.6f" % (case["dataset"], case["k"], case["covariance"],
                                                               float("nan") if mclust is None else mclust, ll))
    out = {
        "generator": "restart_targets.R (%s) then /usr/bin/python3 restart_targets.py (scikit-learn %s, numpy %s)"
                     % (reference["generator"], sklearn.__version__, np.__version__),
        "cases": cases,
    }
    with open(os.path.join(HERE, "restart_targets.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
