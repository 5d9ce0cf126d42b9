"""Independent reference for incremental-em (issue 10): plain EM and Neal & Hinton's (1998) incremental EM for a
full-covariance Gaussian mixture in numpy, from a start written by LatentFit (`fit ... --max-iter 0 --output`).

usage: /usr/bin/python3 bench/incremental_em_reference.py DATA.csv START.json B SWEEPS [OUT_PREFIX [MODES [CHUNK_ROWS]]]

The groups are LatentFit's (runs of whole blocks of min(CHUNK_ROWS, ⌈N/B⌉) rows; CHUNK_ROWS 4096 as the CLI's
default). Per group b the statistics n_bk = Σ r, s_bk = Σ r (x − c), S_bk = Σ r (x − c)(x − c)ᵀ about one fixed centre c (the
data's mean, so the moments are well centred), each group's computed at the θ of the step that last visited it. The
M-step takes their sum: w = n/N, μ = c + s/n, Σ = S/n − (s/n)(s/n)ᵀ + 1e-6 I (LatentFit's --reg-covar default).
Three runs, ℓ computed separately (uncounted) where a run records it:
  em          one full E-step and M-step per pass;
  sweep       LatentFit's sweep: a full E-step (refresh every group), M-step, then per group E-step + M-step (2 passes);
  neal-hinton per group E-step + M-step only, after one initial full E-step (1 pass per sweep).
MODES (comma-separated) picks runs; writes OUT_PREFIX-MODE.csv (passes, logLikelihood) as it goes and prints passes to 1e-4/1e-6/1e-8 of the best ℓ.
"""
import json
import sys

import numpy as np
from scipy.linalg import solve_triangular

REG = 1e-6


def load_start(path, d):
    fit = json.load(open(path))
    p = fit.get("parameters", fit)
    w = np.asarray(p["weights"], dtype=float)
    mu = np.asarray(p["means"], dtype=float).reshape(len(w), d)
    cov = np.asarray(p["covariances"], dtype=float).reshape(len(w), d, d)
    return w, mu, cov


def log_joint(x, w, mu, cov):
    """log w_k + log N(x | μ_k, Σ_k), N × K."""
    n, d = x.shape
    out = np.empty((n, len(w)))
    for k in range(len(w)):
        chol = np.linalg.cholesky(cov[k])
        z = solve_triangular(chol, (x - mu[k]).T, lower=True)
        out[:, k] = np.log(w[k]) - 0.5 * (z * z).sum(0) - np.log(np.diag(chol)).sum() - 0.5 * d * np.log(2 * np.pi)
    return out


def estep(x, theta, c):
    lj = log_joint(x, *theta)
    m = lj.max(1, keepdims=True)
    r = np.exp(lj - m)
    s = r.sum(1, keepdims=True)
    r /= s
    xc = x - c
    n = r.sum(0)
    s1 = r.T @ xc
    s2 = np.stack([(xc * r[:, k:k + 1]).T @ xc for k in range(r.shape[1])])
    return np.array([(m[:, 0] + np.log(s[:, 0])).sum()]), n, s1, s2


def mstep(n, s1, s2, c, total):
    w = n / total
    shift = s1 / n[:, None]
    mu = c + shift
    cov = s2 / n[:, None, None] - np.einsum("ki,kj->kij", shift, shift) + REG * np.eye(s2.shape[1])
    return w, mu, cov


def loglik(x, theta):
    lj = log_joint(x, *theta)
    m = lj.max(1, keepdims=True)
    return float((m[:, 0] + np.log(np.exp(lj - m).sum(1))).sum())


class Trace(list):
    """(passes, ℓ) records, each also written to OUT as it comes (a run can be watched, or cut short)."""

    def __init__(self, out, start):
        super().__init__()
        self.out = open(out, "w") if out else None
        if self.out:
            self.out.write("passes,logLikelihood\n")
        self.append(1.0, start)

    def append(self, passes, value):
        super().append((passes, value))
        if self.out:
            self.out.write(f"{passes:g},{value:.17g}\n")
            self.out.flush()


def group_bounds(rows, groups, chunk_rows):
    """LatentFit's groups (FitProblem.CreateBlockStatistics): blocks of min(chunk, ⌈N/B⌉) rows, B runs of whole blocks."""
    target = max(1, min(chunk_rows, -(-rows // groups)))
    starts = list(range(0, rows, target))
    count = max(1, min(groups, len(starts)))
    return [starts[g * len(starts) // count] if g < count else rows for g in range(count)] + [rows]


def run(x, theta, groups, sweeps, mode, out=None, chunk_rows=4096):
    total = len(x)
    c = x.mean(0)
    bounds = group_bounds(total, groups, chunk_rows)
    groups = len(bounds) - 1
    trace = Trace(out, loglik(x, theta))
    if mode == "em":
        for it in range(1, sweeps + 1):
            _, n, s1, s2 = estep(x, theta, c)
            theta = mstep(n, s1, s2, c, total)
            trace.append(float(it + 1), loglik(x, theta))
        return trace
    stats = [estep(x[bounds[g]:bounds[g + 1]], theta, c)[1:] for g in range(groups)]
    passes = 1.0
    if mode == "neal-hinton":
        theta = mstep(*(sum(s[i] for s in stats) for i in range(3)), c, total)
    for sweep in range(1, sweeps + 1):
        if mode == "sweep":
            stats = [estep(x[bounds[g]:bounds[g + 1]], theta, c)[1:] for g in range(groups)]
            theta = mstep(*(sum(s[i] for s in stats) for i in range(3)), c, total)
        for g in range(groups):
            stats[g] = estep(x[bounds[g]:bounds[g + 1]], theta, c)[1:]
            theta = mstep(*(sum(s[i] for s in stats) for i in range(3)), c, total)
        passes += 2 if mode == "sweep" else 1  # a sweep of LatentFit's also counts the pass that measures ℓ
        trace.append(passes, loglik(x, theta))
    return trace


if __name__ == "__main__":
    data, start, groups, sweeps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    prefix = sys.argv[5] if len(sys.argv) > 5 else None
    x = np.loadtxt(data, delimiter=",", skiprows=1)
    theta = load_start(start, x.shape[1])
    modes = sys.argv[6].split(",") if len(sys.argv) > 6 else ["em", "sweep", "neal-hinton"]
    chunk_rows = int(sys.argv[7]) if len(sys.argv) > 7 else 4096
    traces = {mode: run(x, theta, groups, sweeps, mode, f"{prefix}-{mode}.csv" if prefix else None, chunk_rows) for mode in modes}
    best = max(ll for t in traces.values() for _, ll in t)
    print(f"best ℓ = {best:.10f}")
    for mode, trace in traces.items():
        reached = [next((f"{p:g}" for p, ll in trace if best - ll <= tol * abs(best)), "not reached") for tol in (1e-4, 1e-6, 1e-8)]
        print(f"{mode}: final ℓ {trace[-1][1]:.8f} after {trace[-1][0]:g} passes; passes to 1e-4/1e-6/1e-8: {' / '.join(reached)}")
