"""Well-separated Gaussian clusters of unequal spread, for issue 9's default-start comparison.

usage: /usr/bin/python3 bench/generate_separated.py N D K SEED OUT.csv [CENTRE_SCALE]
K clusters of equal expected size; centres ~ N(0, CENTRE_SCALE²) per coordinate (4 by default; smaller values make
the clusters overlap, as bench/incremental-em.sh does); cluster k has covariance s_k² Q diag(λ) Qᵀ
with s_k ~ U(0.5, 2), Q a random rotation and λ ~ U(0.5, 1.5) per coordinate (full random covariances). Writes a
CSV with a header x1..xD, 17 significant digits.
"""
import sys
import numpy as np


def generate(n, d, k, seed, centre_scale=4.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=centre_scale, size=(k, d))
    factors = []
    for _ in range(k):
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        scale = rng.uniform(0.5, 2.0)
        factors.append(scale * q * np.sqrt(rng.uniform(0.5, 1.5, size=d)))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + np.einsum("nij,nj->ni", np.asarray(factors)[labels], rng.normal(size=(n, d)))
    return x, labels


if __name__ == "__main__":
    n, d, k, seed = map(int, sys.argv[1:5])
    x, _ = generate(n, d, k, seed, float(sys.argv[6]) if len(sys.argv) > 6 else 4.0)
    np.savetxt(sys.argv[5], x, delimiter=",", fmt="%.17g", header=",".join(f"x{c + 1}" for c in range(d)), comments="")
