"""Time per EM iteration and peak memory of two builds of the CLI, alternating (see bench/compare-commits.sh).

usage: python3 bench/compare_commits.py BASE.dll NEW.dll WORKDIR ROUNDS [PROBLEM_INDEX ...]
PROBLEM_INDEX (0-3) picks some of the four problems; all by default.
The problems, data and start are those of bench/compare_peers.py. Time per iteration is the slope of each fit's own
trace (reading the data not counted); the medians over the rounds are compared.
"""
import json
import os
import statistics
import subprocess
import sys

import numpy as np

PROBLEMS = [(200000, 16, 16, "full", 10), (1000000, 2, 3, "full", 10), (1000000, 16, 8, "diag", 10), (200000, 50, 10, "full", 5)]


def problem_files(work, n, d, k, cov):
    rng = np.random.default_rng(42)
    centres = rng.normal(scale=4.0, size=(k, d))
    x = centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))
    means0 = x[rng.choice(n, k, replace=False)]
    data = os.path.join(work, f"x-{n}-{d}-{k}.csv")
    np.savetxt(data, x, delimiter=",", header=",".join(f"x{i}" for i in range(d)), comments="", fmt="%.17g")
    init = os.path.join(work, f"init-{n}-{d}-{k}.json")
    with open(init, "w") as f:
        json.dump({"weights": [1.0 / k] * k, "means": means0.tolist(), "covariances": [np.eye(d).tolist()] * k}, f)
    return data, init


def ms_per_iteration(dll, data, init, cov, iters, out):
    subprocess.run(["dotnet", dll, "fit", "--data", data, "--init", init, "--covariance", cov, "--tol", "0", "--max-iter", str(iters),
                    "--standard-errors", "no", "--output", out], check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        fit = json.load(f)
    trace = fit["trace"]
    return (trace[iters]["seconds"] - trace[1]["seconds"]) / (iters - 1) * 1000, fit["logLikelihood"]


def peak_kib(dll, data):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", "dotnet", dll, "fit", "--data", data, "-k", "4", "--covariance", "full",
                             "--max-iter", "20", "--tol", "0", "--standard-errors", "no"], capture_output=True, text=True, check=True)
    return int(result.stderr.strip().splitlines()[-1])


def main():
    base, new, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    chosen = [PROBLEMS[int(i)] for i in sys.argv[5:]] or PROBLEMS
    worst = 0.0
    for n, d, k, cov, iters in chosen:
        data, init = problem_files(work, n, d, k, cov)
        times = {"base": [], "new": []}
        lls = {}
        for _ in range(rounds):
            for tag, dll in (("base", base), ("new", new)):
                ms, ll = ms_per_iteration(dll, data, init, cov, iters, os.path.join(work, f"{tag}.json"))
                times[tag].append(ms)
                lls[tag] = ll
        b, w = statistics.median(times["base"]), statistics.median(times["new"])
        worst = max(worst, w / b)
        print(f"{cov} N={n} D={d} K={k}, {iters} iterations: base {b:.1f} ms/iter, new {w:.1f} ms/iter, new/base {w / b:.3f} "
              f"(base runs {', '.join(f'{t:.1f}' for t in times['base'])}; new {', '.join(f'{t:.1f}' for t in times['new'])}); "
              f"minima {min(times['base']):.1f} and {min(times['new']):.1f}; ℓ base {lls['base']!r}, new {lls['new']!r}", flush=True)
        if n == 1000000 and d == 16:
            data_kib = n * d * 8 / 1024
            for tag, dll in (("base", base), ("new", new)):
                peak = peak_kib(dll, data)
                print(f"  peak RSS {tag}: {peak} KiB = {peak / data_kib:.2f}x the float64 data", flush=True)
        os.remove(data)
    print(f"compare-commits: worst new/base time per iteration {worst:.3f}")


if __name__ == "__main__":
    main()
