#!/usr/bin/env bash
# Death-notice Poisson mixture: LatentFit's optimisers against the SQUAREM R package, from the same five starts,
# both stopping when the parameters move by less than 1e-8. Runs the R package (through the reference script of
# the tests) and LatentFit in one go and prints R's EM-map and objective evaluations beside LatentFit's passes over
# the data (one pass = one E-step, which gives ℓ and the EM map at one θ).
# Needs: apt-get install -y r-base-core r-cran-squarem; run from anywhere in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
cli="dotnet src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd tests/LatentFit.Tests/References && Rscript squarem_poisson.R "$work/r.json" 2> "$work/r-warnings.txt")
echo "start (p, λ1, λ2) | R EM fpevals | R SQUAREM fpevals + objfevals | LatentFit passes: em, squarem, anderson, newton, auto"
python3 - "$work/r.json" <<'PY' | while read -r p l1 l2 emR sqR objR; do
import json, sys
r = json.load(open(sys.argv[1]))
runs = [(r["start"], r["em"]["fpevals"], r["squarem"]["fpevals"], r["squarem"]["objfevals"])]
runs += [(o["start"], o["emFpevals"], o["fpevals"], o["objfevals"]) for o in r["squaremOtherStarts"]]
for start, em, sq, obj in runs:
    print(*[f"{v:g}" for v in start], em, sq, obj)
PY
  printf '{"weights": [%s, %s], "rates": [%s, %s]}\n' "$p" "$(awk "BEGIN { print 1 - $p }")" "$l1" "$l2" > "$work/start.json"
  passes=$($cli compare --data death_notices --model poisson --init "$work/start.json" --algorithms em,squarem,anderson,newton,auto \
    --tol 0 --param-tol 1e-8 --max-iter 100000 | awk -F'│' '/│ (em|squarem|anderson|newton|auto) /{gsub(/ /,"",$6); printf "%s ", $6}')
  echo "($p, $l1, $l2) | $emR | $sqR + $objR | $passes"
done
