#!/usr/bin/env bash
# The stochastic methods against batch EM (issue 11): ℓ against passes over the data on a generated Gaussian mixture,
# N = 1,000,000, D = 3, K = 4 (bench/generate_separated.py, data seed 1, centres ~ N(0, 2²): overlapping clusters of
# unequal spread), full covariances, every method from the same k-means++ start (seed 0). em runs EPOCHS iterations;
# online-em (default batch, about N/100 rows, and --batch 1000), online-gradient and sgd (default learning rates) run
# EPOCHS epochs, batch order shuffled with --seed 0. ℓ* is ℓ of EM run to a relative change of 1e-11 from the same
# start. For each run: (ℓ* − ℓ)/|ℓ*| after 1, 2, 3, 5, 10 (up to EPOCHS) passes of learning (EM iterations; epochs of the
# stochastic methods, each of which also spends one pass measuring ℓ at the returned point), and the passes in all.
# Usage: bash bench/online-methods.sh [N D K DATA_SEED EPOCHS]; needs numpy for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}; d=${2:-3}; k=${3:-4}; seed=${4:-1}; epochs=${5:-10}
config=${CONFIGURATION:-Release}   # the numbers are passes and ℓ, which do not depend on the build configuration
dotnet build src/LatentFit.Cli -c "$config" -v q --nologo > /dev/null
cli="dotnet src/LatentFit.Cli/bin/$config/net10.0/LatentFit.Cli.dll"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/generate_separated.py "$n" "$d" "$k" "$seed" "$work/gmm.csv" 2
common=(--data "$work/gmm.csv" -k "$k" --covariance full --seed 0)
$cli compare "${common[@]}" --algorithms em --tol 1e-11 --max-iter 5000 --traces "$work/reference" > /dev/null
$cli compare "${common[@]}" --algorithms em,online-em,online-gradient,sgd --tol 0 --max-iter "$epochs" --traces "$work/runs" > /dev/null
$cli compare "${common[@]}" --algorithms online-em --batch 1000 --tol 0 --max-iter "$epochs" --traces "$work/small" > /dev/null
/usr/bin/python3 - "$work" "$epochs" <<'PY'
import csv, sys
work = sys.argv[1]
def trace(path):
    return [(int(r["iteration"]), float(r["passes"]), float(r["logLikelihood"])) for r in csv.DictReader(open(path))]
best = trace(f"{work}/reference/em.csv")[-1][2]
runs = {"em": f"{work}/runs/em.csv", "online-em (batch N/100)": f"{work}/runs/online-em.csv", "online-em (batch 1000)": f"{work}/small/online-em.csv",
        "online-gradient (α₀ 0.5)": f"{work}/runs/online-gradient.csv", "sgd (Adam, α 0.003)": f"{work}/runs/sgd.csv"}
marks = [m for m in (1, 2, 3, 5, 10, 20, 50) if m <= int(sys.argv[2])]
print(f"ℓ* = {best:.10f} (EM to a relative change of 1e-11)")
print("| run | " + " | ".join(f"after {m}" for m in marks) + " | passes in all |")
print("|---|" + "---|" * (len(marks) + 1))
for name, path in runs.items():
    records = {it: (p, ll) for it, p, ll in trace(path)}
    cells = [f"{(best - records[m][1]) / abs(best):.1e}" if m in records else "–" for m in marks]
    print(f"| {name} | " + " | ".join(cells) + f" | {max(p for p, _ in records.values()):g} |")
PY
