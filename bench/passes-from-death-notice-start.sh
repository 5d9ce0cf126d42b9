#!/usr/bin/env bash
# Issue 12: passes over the data of every full-data optimiser from the death-notice start (π, λ₁, λ₂) = (0.3, 1, 2.5),
# all stopping when the parameters move by less than 1e-8, beside R's optim BFGS with an analytic gradient (function and
# gradient evaluations, reltol 1e-14) from the same start. SQUAREM's R counts from that start are in
# tests/LatentFit.Tests/References/squarem_poisson.json (bash bench/compare-squarem.sh prints them).
# Needs: apt-get install -y r-base-core; run from anywhere in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
cli="dotnet src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "R optim BFGS:"
Rscript bench/optim_bfgs_poisson.R 2> /dev/null
echo '{"weights": [0.3, 0.7], "rates": [1.0, 2.5]}' > "$work/start.json"
$cli compare --data death_notices --model poisson --init "$work/start.json" --tol 0 --param-tol 1e-8 --max-iter 100000 --step 1
