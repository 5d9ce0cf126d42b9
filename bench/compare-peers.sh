#!/usr/bin/env bash
# Issue 5's side-by-side table: LatentFit (both precisions) against scikit-learn and mclust on the four reference
# problems, same data, same start, same iteration count, in one run.
# Needs: apt-get install -y python3-sklearn libopenblas0-pthread r-base-core r-cran-mclust (mclust is skipped without R).
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this command alone, so numpy runs its fastest kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare_peers.py "$@"; }
run 200000 16 16 full 10
run 1000000 2 3 full 10
run 1000000 16 8 diag 10
run 200000 50 10 full 5
