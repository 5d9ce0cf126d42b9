"""Reference: scikit-learn's default GaussianMixture fit on well-separated clusters of unequal spread, for issue 9's
default-start tests.

Writes separated_5000x4.csv (5,000 rows, 4 columns, K=5 clusters from ../../../bench/generate_separated.py, seed
20261209, values rounded to 6 decimals) and sklearn_default_fit.json: for random_state 0..5, the final log-likelihood
score(X)*N of the default `GaussianMixture(5).fit` (greedy k-means++ start, tol 1e-3, reg_covar 1e-6) and its
iterations; `best` the highest; `bestTight` the same best run continued from its parameters with tol=0 for 1,000 more
iterations (the maximum it converges to, which scikit-learn's default tolerance stops short of); `bestMeans` its
means (K×D, the clusters a good start must find).

Regenerate (Debian's python3, where apt's scikit-learn lives):
    cd tests/LatentFit.Tests/References && /usr/bin/python3 sklearn_default_fit.py
"""
import json, os, sys, warnings
import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
from generate_separated import generate  # noqa: E402

N, D, K, SEED = 5000, 4, 5, 20261209
x, _ = generate(N, D, K, SEED)
path = os.path.join(HERE, "separated_5000x4.csv")
np.savetxt(path, x, delimiter=",", fmt="%.6f", header=",".join(f"x{c + 1}" for c in range(D)), comments="")
x = np.loadtxt(path, delimiter=",", skiprows=1)

runs = []
for seed in range(6):
    g = GaussianMixture(K, random_state=seed).fit(x)
    runs.append((float(g.score(x) * N), int(g.n_iter_), g))

best_loglik, _, best = max(runs, key=lambda r: r[0])
tight = GaussianMixture(K, tol=0, max_iter=1000, weights_init=best.weights_, means_init=best.means_,
                        precisions_init=best.precisions_, random_state=0).fit(x)
result = {
    "generator": "bench/generate_separated.py 5000 4 5 20261209, rounded to 6 decimals",
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "runs": [{"randomState": seed, "loglik": ll, "iterations": it} for seed, (ll, it, _) in enumerate(runs)],
    "best": best_loglik,
    "bestTight": float(tight.score(x) * N),
    "bestMeans": tight.means_.tolist(),
}
with open(os.path.join(HERE, "sklearn_default_fit.json"), "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(json.dumps({k: v for k, v in result.items() if k != "bestMeans"}, indent=1))
