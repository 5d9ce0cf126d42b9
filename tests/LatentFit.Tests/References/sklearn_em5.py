"""Reference: scikit-learn's EM from fixed initial parameters, for LatentFit's tests.

For faithful (K=2) and iris (K=3, the four measurements) and each covariance structure, writes the initial
parameters init_<data>_<cov>.json (LatentFit's model JSON shape) and runs scikit-learn's GaussianMixture
from exactly those parameters for 1 and for 5 EM iterations (tol=0, reg_covar=1e-6). Records
loglik = score(X)*N, the total log-likelihood at the parameters after the last M-step, in sklearn_em5.json.

Regenerate (Debian's python3, where apt's scikit-learn lives):
    apt-get update && apt-get install -y python3-sklearn
    cd tests/LatentFit.Tests/References && /usr/bin/python3 sklearn_em5.py
"""
import csv, json, os, warnings
import numpy as np
import sklearn
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "src", "LatentFit", "Data", "Datasets")


def load(name):
    with open(os.path.join(DATA, name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h != "Species"]
    return np.array([[float(r[i]) for i in keep] for r in body if r])


def initial(X, k, cov):
    """Deliberately non-optimal, reproducible start: means at fixed rows, unequal weights, data covariance."""
    n, d = X.shape
    rows = {2: [0, 100], 3: [0, 60, 120]}[k]
    means = X[rows].copy()
    weights = np.array({2: [0.4, 0.6], 3: [0.2, 0.3, 0.5]}[k])
    S = np.cov(X.T, bias=True).reshape(d, d)
    scales = {2: [1.0, 0.5], 3: [1.0, 0.5, 0.25]}[k]
    if cov == "full":
        covs = [S * s for s in scales]
    elif cov == "tied":
        covs = [S * 0.5 for _ in range(k)]
    elif cov == "diag":
        covs = [np.diag(np.diag(S)) * s for s in scales]
    else:
        covs = [np.eye(d) * np.trace(S) / d * s for s in scales]
    return weights, means, np.array(covs)


def precisions(covs, cov):
    if cov == "full":
        return np.array([np.linalg.inv(c) for c in covs])
    if cov == "tied":
        return np.linalg.inv(covs[0])
    if cov == "diag":
        return np.array([1.0 / np.diag(c) for c in covs])
    return np.array([1.0 / c[0, 0] for c in covs])


def full_covariances(gm, cov, k, d):
    c = gm.covariances_
    if cov == "full":
        return c
    if cov == "tied":
        return np.array([c for _ in range(k)])
    if cov == "diag":
        return np.array([np.diag(v) for v in c])
    return np.array([np.eye(d) * v for v in c])


def loglik(X, w, m, covs):
    dens = sum(w[j] * multivariate_normal(m[j], covs[j]).pdf(X) for j in range(len(w)))
    return float(np.sum(np.log(dens)))


def fit(X, k, cov, w, m, covs, iterations):
    gm = GaussianMixture(k, covariance_type=cov, max_iter=iterations, tol=0.0, reg_covar=1e-6,
                         weights_init=w, means_init=m, precisions_init=precisions(covs, cov),
                         init_params="random_from_data", random_state=0)
    gm.fit(X)
    assert gm.n_iter_ == iterations, (gm.n_iter_, iterations)
    return gm


cases = []
for name, k in [("faithful", 2), ("iris", 3)]:
    X = load(name)
    n, d = X.shape
    for cov in ["full", "tied", "diag", "spherical"]:
        w, m, covs = initial(X, k, cov)
        init_file = f"init_{name}_{cov}.json"
        with open(os.path.join(HERE, init_file), "w") as f:
            json.dump({"weights": w.tolist(), "means": m.tolist(), "covariances": covs.tolist()}, f, indent=1)
        one = fit(X, k, cov, w, m, covs, 1)
        five = fit(X, k, cov, w, m, covs, 5)
        cases.append({
            "dataset": name, "k": k, "covariance": cov, "init": init_file, "iterations": 5,
            "loglikInit": loglik(X, w, m, covs),
            "loglikAfter1": float(one.score(X) * n),
            "loglik": float(five.score(X) * n),
            "weights": five.weights_.tolist(), "means": five.means_.tolist(),
            "covariances": full_covariances(five, cov, k, d).tolist(),
        })
        print(f"{name:8s} K={k} {cov:9s} l0={cases[-1]['loglikInit']:.10f} l1={cases[-1]['loglikAfter1']:.10f} l5={cases[-1]['loglik']:.10f}")

with open(os.path.join(HERE, "sklearn_em5.json"), "w") as f:
    json.dump({"generator": f"/usr/bin/python3 sklearn_em5.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})",
               "regCovar": 1e-6, "cases": cases}, f, indent=1)
