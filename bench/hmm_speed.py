"""Baum–Welch speed of LatentFit against pomegranate 0.14.8, side by side in one run (issue 11, "Speed").

A Gaussian HMM with K states and D-dimensional full covariances generates S sequences of T steps (seeded); a
start θ₀ away from the truth is written beside them. pomegranate runs Baum–Welch from θ₀ on the first
S_pom sequences; the LatentFit driver (bench/LatentFit.HmmSpeed) runs EM from the same θ₀ on that subset and on
all S sequences. Time per iteration is the slope between two iteration counts (n1, n2), which removes each
program's setup; ℓ after n2 iterations must agree to 1e-8 relative on the subset. Usage:

    /usr/bin/python3 bench/hmm_speed.py WORKDIR DRIVER_DLL [--sequences 500] [--length 1000] [--pomegranate-sequences 50]
        [--states 8] [--dimension 4] [--iterations 2,6] [--threads 1,2,3] [--seed 11]
"""

import argparse
import json
import os

# One BLAS thread: pomegranate runs with n_jobs=1, and the comparison is thread for thread.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
import subprocess
import sys
import time

import numpy as np


def generate(rng, states, dimension, sequences, length):
    """A well-mixed HMM with overlapping states (so the posteriors are not all 0/1) and its sampled sequences."""
    means = rng.normal(0.0, 2.5, size=(states, dimension))
    covariances = []
    for _ in range(states):
        a = rng.normal(size=(dimension, dimension))
        covariances.append(a @ a.T / dimension + 0.5 * np.eye(dimension))
    covariances = np.array(covariances)
    transition = rng.dirichlet(np.ones(states), size=states) + 4.0 * np.eye(states)
    transition /= transition.sum(axis=1, keepdims=True)
    initial = rng.dirichlet(np.ones(states))
    cholesky = np.linalg.cholesky(covariances)
    values = np.empty((sequences * length, dimension))
    cumulative = np.cumsum(transition, axis=1)
    for s in range(sequences):
        state = rng.choice(states, p=initial)
        uniforms = rng.random(length)
        noise = rng.normal(size=(length, dimension))
        for t in range(length):
            if t > 0:
                state = min(int(np.searchsorted(cumulative[state], uniforms[t])), states - 1)
            values[s * length + t] = means[state] + cholesky[state] @ noise[t]
    return values


def start_parameters(rng, values, states):
    """θ₀: means at random observations, every covariance the pooled one, near-uniform transitions, uniform δ."""
    dimension = values.shape[1]
    means = values[rng.choice(len(values), size=states, replace=False)]
    pooled = np.cov(values.T, bias=True).reshape(dimension, dimension)
    transition = np.full((states, states), 0.5 / states) + 0.5 * np.eye(states)
    return {
        "initial": [1.0 / states] * states,
        "transition": transition.tolist(),
        "means": means.tolist(),
        "covariances": [pooled.tolist()] * states,
    }


def pomegranate_run(values, length, sequences, start, iterations):
    """Wall and processor seconds of pomegranate's fit from θ₀ with exactly `iterations` Baum–Welch iterations, and ℓ(θ_iterations)."""
    from pomegranate import HiddenMarkovModel, MultivariateGaussianDistribution

    distributions = [MultivariateGaussianDistribution(np.array(m), np.array(c)) for m, c in zip(start["means"], start["covariances"])]
    model = HiddenMarkovModel.from_matrix(np.array(start["transition"]), distributions, np.array(start["initial"]))
    data = [values[s * length:(s + 1) * length] for s in range(sequences)]
    began, began_processor = time.perf_counter(), time.process_time()
    # min = max iterations and no stopping threshold: exactly `iterations` M-steps after the first E-step.
    _, history = model.fit(data, max_iterations=iterations, min_iterations=iterations, stop_threshold=-np.inf,
                           return_history=True, n_jobs=1)
    seconds, processor = time.perf_counter() - began, time.process_time() - began_processor
    return seconds, processor, history.log_probabilities[-1]


def driver_run(driver, data_path, start_path, length, sequences, iterations, threads):
    command = ["dotnet", driver, data_path, start_path, str(length), str(sequences), ",".join(map(str, iterations)),
               ",".join(map(str, threads))]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("driver")
    parser.add_argument("--sequences", type=int, default=500)
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--pomegranate-sequences", type=int, default=50)
    parser.add_argument("--states", type=int, default=8)
    parser.add_argument("--dimension", type=int, default=4)
    parser.add_argument("--iterations", default="2,6")
    parser.add_argument("--threads", default="1,2,3")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    n1, n2 = map(int, args.iterations.split(","))
    threads = list(map(int, args.threads.split(",")))

    rng = np.random.default_rng(args.seed)
    values = generate(rng, args.states, args.dimension, args.sequences, args.length)
    start = start_parameters(rng, values, args.states)
    os.makedirs(args.workdir, exist_ok=True)
    data_path = os.path.join(args.workdir, "hmm-speed.csv")
    start_path = os.path.join(args.workdir, "hmm-speed-start.json")
    # %.17g round-trips every double: the driver reads the very values pomegranate gets.
    np.savetxt(data_path, values, fmt="%.17g", delimiter=",")
    with open(start_path, "w") as f:
        json.dump(start, f)

    subset = args.pomegranate_sequences
    # The faster of two runs for each count: the machine may be shared, and a slow run measures the neighbours.
    pomegranate = {}
    for n in (n1, n2):
        runs = [pomegranate_run(values, args.length, subset, start, n) for _ in range(2)]
        pomegranate[n] = (min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2])
    pomegranate_ms = [1000 * (pomegranate[n2][i] - pomegranate[n1][i]) / (n2 - n1) for i in (0, 1)]
    small = driver_run(args.driver, data_path, start_path, args.length, subset, [n1, n2], threads)
    full = driver_run(args.driver, data_path, start_path, args.length, args.sequences, [n1, n2], threads)

    print(f"K={args.states} D={args.dimension} full covariances, sequences of {args.length} steps; "
          f"ms per Baum–Welch iteration = slope between {n1} and {n2} iterations; wall clock and processor time")
    print("| implementation | sequences | threads | wall ms/iteration | processor ms/iteration "
          "| µs/observation (wall) | × pomegranate (wall, per observation) | × pomegranate (processor, per observation) |")
    print("|---|---|---|---|---|---|---|---|")
    pomegranate_per_observation = [ms * 1e3 / (subset * args.length) for ms in pomegranate_ms]
    print(f"| pomegranate 0.14.8 | {subset} | 1 | {pomegranate_ms[0]:.1f} | {pomegranate_ms[1]:.1f} "
          f"| {pomegranate_per_observation[0]:.3f} | 1 | 1 |")
    for result, count in ((small, subset), (full, args.sequences)):
        for run in result["runs"]:
            wall, processor = run["msPerIteration"], run["processorMsPerIteration"]
            per_observation = [ms * 1e3 / (count * args.length) for ms in (wall, processor)]
            print(f"| LatentFit | {count} | {run['threads']} | {wall:.2f} | {processor:.2f} | {per_observation[0]:.4f} "
                  f"| {pomegranate_per_observation[0] / per_observation[0]:.1f} "
                  f"| {pomegranate_per_observation[1] / per_observation[1]:.1f} |")

    worst = 0.0
    for run in small["runs"]:
        for n, value in zip((n1, n2), run["logLikelihood"]):
            worst = max(worst, abs(value - pomegranate[n][2]) / abs(pomegranate[n][2]))
    print(f"ℓ after {n1} and {n2} iterations on {subset} sequences: pomegranate {pomegranate[n1][2]:.15g}, "
          f"{pomegranate[n2][2]:.15g}; LatentFit {small['runs'][0]['logLikelihood'][0]:.15g}, "
          f"{small['runs'][0]['logLikelihood'][1]:.15g}; largest relative difference {worst:.2e} (must be ≤ 1e-8)")
    identical = all(r["bits"] == result["runs"][0]["bits"] for result in (small, full) for r in result["runs"])
    print(f"final ℓ and η bit-identical across threads {threads} (each data set): {identical}")
    if worst > 1e-8 or not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
