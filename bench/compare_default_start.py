"""Issue 9's default-start comparison: LatentFit's default `fit -k 8` against scikit-learn's default
`GaussianMixture(8).fit`, on well-separated clusters of unequal spread (bench/generate_separated.py), in one run.

usage (from the repository root, Debian's python3 with python3-sklearn, after `dotnet build -c Release`, or with
LATENTFIT_CLI naming another build of the tool, as bench/compare-default-start.sh does):
    /usr/bin/python3 bench/compare_default_start.py [DATA_SEEDS [FIT_SEEDS [N [D [K]]]]]
For each data seed: writes the CSV, then runs both sides from FIT_SEEDS seeds (LatentFit `--seed s`, scikit-learn
`random_state=s`), each as its own process, alternating. Prints per data set the final ℓ of every run, whether each
LatentFit run reached the best ℓ scikit-learn found (within 0.01), and the times of seed 0: LatentFit's whole process
(loading the CSV included), scikit-learn's fit alone and its whole process (numpy loading the CSV included); the
ratio is LatentFit's process time over scikit-learn's fit time.
"""
import json, os, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "bench"))
from generate_separated import generate  # noqa: E402
import numpy as np  # noqa: E402

data_seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
fit_seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 6
n, d, k = (int(a) for a in (sys.argv[3:6] + ["100000", "16", "8"][len(sys.argv[3:6]):]))
# bench/compare-default-start.sh sets LATENTFIT_CLI to the published (ReadyToRun) tool; else the Release build.
tool = os.path.join(root, os.environ.get("LATENTFIT_CLI", "src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll"))
# A .dll runs on the dotnet host; anything else is a native (ahead-of-time compiled) executable.
cli = ["dotnet", tool] if tool.endswith(".dll") else [tool]
sklearn_child = r"""
import sys, time, json
import numpy as np
from sklearn.mixture import GaussianMixture
x = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
t = time.perf_counter()
g = GaussianMixture(int(sys.argv[3]), random_state=int(sys.argv[2])).fit(x)
fit = time.perf_counter() - t
print(json.dumps({"ll": float(g.score(x) * len(x)), "iterations": int(g.n_iter_), "fit": fit}))
"""
env = {key: value for key, value in os.environ.items() if key not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def timed(command):
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return out, time.perf_counter() - start


print(f"{n} rows, D={d}, K={k}; {data_seeds} data sets x {fit_seeds} seeds; processes run alternately, one at a time")
print("data | sklearn l (seeds) | LatentFit l (seeds) | LatentFit at sklearn's best | LF process s | sk fit s | sk process s | LF/sk fit | LF/sk process")
all_reached = 0
ratios = []
with tempfile.TemporaryDirectory() as work:
    for data_seed in range(data_seeds):
        x, _ = generate(n, d, k, 1000 + data_seed)
        path = os.path.join(work, f"separated{data_seed}.csv")
        np.savetxt(path, x, delimiter=",", fmt="%.17g", header=",".join(f"x{c + 1}" for c in range(d)), comments="")
        ours, theirs, times = [], [], None
        for seed in range(fit_seeds):
            output = os.path.join(work, "fit.json")
            seed_args = [] if seed == 0 else ["--seed", str(seed)]
            _, lf_seconds = timed(cli + ["fit", "--data", path, "-k", str(k), "-o", output] + seed_args)
            with open(output) as f:
                ours.append(json.load(f)["logLikelihood"])
            out, sk_seconds = timed([sys.executable, "-c", sklearn_child, path, str(seed), str(k)])
            result = json.loads(out)
            theirs.append(result["ll"])
            if seed == 0:
                times = (lf_seconds, result["fit"], sk_seconds)
        best = max(theirs)
        reached = sum(l >= best - 0.01 for l in ours)
        all_reached += reached
        ratios.append((times[0] / times[1], times[0] / times[2]))
        print(f"{1000 + data_seed} | {', '.join(f'{l:.2f}' for l in theirs)} | {', '.join(f'{l:.2f}' for l in ours)} | "
              f"{reached}/{fit_seeds} | {times[0]:.2f} | {times[1]:.2f} | {times[2]:.2f} | {ratios[-1][0]:.2f} | {ratios[-1][1]:.2f}")
print(f"LatentFit reached scikit-learn's best in {all_reached} of {data_seeds * fit_seeds} runs; "
      f"median time ratio LatentFit process / sklearn fit {np.median([r[0] for r in ratios]):.2f}, "
      f"/ sklearn process {np.median([r[1] for r in ratios]):.2f}")
