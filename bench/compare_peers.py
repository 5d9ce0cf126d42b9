"""Side-by-side: LatentFit against scikit-learn (and mclust, where R has it) on one Gaussian-mixture problem, same
data, same initial parameters, same number of EM iterations, in one run. Prints ms per EM iteration for each, the ratio, both final
log-likelihoods (they must agree to 1e-6 relative), and LatentFit's achieved GFLOP/s against the machine's dgemm
rate measured in the same run.

usage (from the repository root, Debian's python3 with python3-sklearn):
    /usr/bin/python3 bench/compare_peers.py N D K COV ITERS
The time per iteration is the slope between runs of 1 and ITERS iterations for scikit-learn (its set-up not
counted), and the slope of LatentFit's own trace (fitting time per iteration, reading the data not counted).
COMPARE_PEERS_REPEATS=R (default 1) times scikit-learn, LatentFit in both precisions and dgemm R times each, one
after the other in turn, and keeps each one's best (least ms per iteration, most GFLOP/s): on a shared machine whose
speed drifts by a third from minute to minute, a single timing says as much about the neighbours as about the code.
The ratios use the slopes. Beside them, LatentFit's median iteration (the median of its trace's iterations 2..ITERS,
least over the repeats) and single over double by those medians: one slow iteration, when the neighbours take the
machine for a moment, moves a slope of four or nine iterations but not the median (scikit-learn has no trace to take
a median of, so no ratio uses it).
"""
import json, os, subprocess, sys, tempfile, time, warnings
import numpy as np
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore")
N, D, K = map(int, sys.argv[1:4]); cov = sys.argv[4]; iters = int(sys.argv[5])
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cli = ["dotnet", os.path.join(root, "src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll")]

# The data and start of ../shared/peers/sklearn_gmm_bench.py, with unit covariances given explicitly so that both
# implementations start from exactly the same parameters.
rng = np.random.default_rng(42)
centers = rng.normal(scale=4.0, size=(K, D))
X = centers[rng.integers(0, K, size=N)] + rng.normal(size=(N, D))
means0 = X[rng.choice(N, K, replace=False)]
weights0 = np.full(K, 1.0 / K)
precisions0 = {"full": np.array([np.eye(D)] * K), "tied": np.eye(D), "diag": np.ones((K, D)), "spherical": np.ones(K)}[cov]

def sklearn_run(n):
    g = GaussianMixture(K, covariance_type=cov, max_iter=n, tol=0.0, init_params="random", weights_init=weights0,
                        means_init=means0, precisions_init=precisions0, reg_covar=1e-6, random_state=0)
    t = time.perf_counter(); g.fit(X); return time.perf_counter() - t, g

repeats = int(os.environ.get("COMPARE_PEERS_REPEATS", "1"))
if repeats < 1:
    sys.exit("COMPARE_PEERS_REPEATS must be at least 1")

def sklearn_ms():
    t1, _ = sklearn_run(1)
    tn, g = sklearn_run(iters)
    return (tn - t1) / (iters - 1) * 1000, g

def dgemm_gflops():
    a = np.random.rand(2048, 2048); b = np.random.rand(2048, 2048); a @ b
    t = time.perf_counter(); [a @ b for _ in range(3)]
    return 2 * 2048**3 / ((time.perf_counter() - t) / 3) / 1e9

paths = set()  # the SIMD kernel path each LatentFit run reported (fit JSON "kernelPath")
with tempfile.TemporaryDirectory() as work:
    data = os.path.join(work, "x.csv")
    np.savetxt(data, X, delimiter=",", header=",".join(f"x{i}" for i in range(D)), comments="", fmt="%.17g")
    init = os.path.join(work, "init.json")
    json.dump({"weights": weights0.tolist(), "means": means0.tolist(), "covariances": [np.eye(D).tolist()] * K}, open(init, "w"))
    def latentfit_run(precision, reg="1e-6"):
        out = os.path.join(work, f"fit-{precision}.json")
        subprocess.run(cli + ["fit", "--data", data, "--init", init, "--covariance", cov, "--tol", "0", "--max-iter", str(iters),
                              "--standard-errors", "no", "--precision", precision, "--reg-covar", reg, "--output", out],
                       check=True, stdout=subprocess.DEVNULL)
        fit = json.load(open(out))
        trace = fit["trace"]
        paths.add(fit.get("kernelPath", "unreported"))
        steps = sorted(trace[i]["seconds"] - trace[i - 1]["seconds"] for i in range(2, iters + 1))
        median = (steps[(len(steps) - 1) // 2] + steps[len(steps) // 2]) / 2 * 1000
        return (trace[iters]["seconds"] - trace[1]["seconds"]) / (iters - 1) * 1000, fit["logLikelihood"], median
    sk_ms = lf_ms = single_ms = lf_median = single_median = float("inf"); gemm = 0.0
    for _ in range(repeats):
        ms, g = sklearn_ms()
        sk_ms = min(sk_ms, ms)
        ms, lf_ll, median = latentfit_run("double")
        lf_ms, lf_median = min(lf_ms, ms), min(lf_median, median)
        ms, single_ll, median = latentfit_run("single")
        single_ms, single_median = min(single_ms, ms), min(single_median, median)
        gemm = max(gemm, dgemm_gflops())
    sk_ll = g.score(X) * N

    # mclust (VVV, VVI) from the same start for the same iterations, where R and mclust are installed; it has no
    # variance floor, so its ℓ is checked against a LatentFit run with --reg-covar 0.
    mclust = None
    # COMPARE_PEERS_SKIP_MCLUST=1 (compare-peers.sh all, on the narrower paths): R does not depend on the .NET settings.
    if cov in ("full", "diag") and not os.environ.get("COMPARE_PEERS_SKIP_MCLUST") and subprocess.run(["Rscript", "-e", "library(mclust)"], capture_output=True).returncode == 0:
        binary = os.path.join(work, "x.bin")
        X.astype("<f8").tofile(binary)
        start = os.path.join(work, "start.txt")
        with open(start, "w") as f:
            f.write(" ".join(repr(v) for v in np.concatenate([weights0, means0.ravel(), np.array([np.eye(D)] * K).ravel()])))
        result = subprocess.run(["Rscript", os.path.join(root, "bench/mclust_em.R"), binary, str(N), str(D), str(K),
                                 {"full": "VVV", "diag": "VVI"}[cov], start, str(iters)], capture_output=True, text=True, check=True)
        mclust_ms, mclust_ll = map(float, result.stdout.split())
        _, unfloored_ll, _ = latentfit_run("double", reg="0")
        mclust = (mclust_ms, mclust_ll, unfloored_ll)

# Floating-point work of one EM iteration (Mahalanobis terms plus scatter matrices), as in issue 5:
flops = {"full": 4 * N * K * D * D, "tied": 4 * N * K * D * D, "diag": 6 * N * K * D, "spherical": 6 * N * K * D}[cov]
# What LatentFit's kernels execute for full covariances: the triangular L⁻¹ and the symmetric scatter need
# N·K·D(D+1)/2 multiply-adds each, 2·N·K·D(D+1) flops in all, about half of the count above.
executed = {"full": 2 * N * K * D * (D + 1), "tied": 2 * N * K * D * (D + 1)}.get(cov, flops)
rel = abs(lf_ll - sk_ll) / abs(sk_ll)
print(f"{cov} N={N} D={D} K={K}, {iters} iterations{'' if repeats == 1 else f', best of {repeats}'}: scikit-learn {sk_ms:.1f} ms/iter, LatentFit {lf_ms:.1f} ms/iter, "
      f"ratio {sk_ms / lf_ms:.1f}x; LatentFit {flops / lf_ms / 1e6:.1f} GFLOP/s = {100 * flops / lf_ms / 1e6 / gemm:.0f}% of dgemm "
      f"(executed: {executed / lf_ms / 1e6:.1f} GFLOP/s = {100 * executed / lf_ms / 1e6 / gemm:.0f}%) "
      f"({gemm:.0f} GFLOP/s, OpenBLAS core {os.environ.get('OPENBLAS_CORETYPE', 'auto')}; LatentFit kernels {'/'.join(sorted(paths))}); final loglik sklearn {sk_ll:.6f} LatentFit {lf_ll:.6f} (relative difference {rel:.1e}"
      f"{'' if rel <= 1e-6 else ' EXCEEDS 1e-6'})")
if mclust is not None:
    mclust_ms, mclust_ll, unfloored_ll = mclust
    mclust_rel = abs(mclust_ll - unfloored_ll) / abs(mclust_ll)
    print(f"    mclust {mclust_ms:.1f} ms/iter, ratio {mclust_ms / lf_ms:.1f}x; final loglik mclust {mclust_ll:.6f} LatentFit "
          f"(--reg-covar 0) {unfloored_ll:.6f} (relative difference {mclust_rel:.1e}{'' if mclust_rel <= 1e-6 else ' EXCEEDS 1e-6'})")
single_rel = abs(single_ll - sk_ll) / abs(sk_ll)
print(f"    --precision single: LatentFit {single_ms:.1f} ms/iter, ratio {sk_ms / single_ms:.1f}x, {flops / single_ms / 1e6:.1f} GFLOP/s; "
      f"final loglik {single_ll:.6f} (relative difference from scikit-learn {single_rel:.1e}{'' if single_rel <= 1e-6 else ' EXCEEDS 1e-6'})")
print(f"    median iteration: double {lf_median:.1f} ms, single {single_median:.1f} ms; single over double {lf_ms / single_ms:.2f} "
      f"by slopes, {lf_median / single_median:.2f} by medians")
