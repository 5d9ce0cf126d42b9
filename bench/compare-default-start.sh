#!/usr/bin/env bash
# Issue 9: the default `latentfit fit -k 8` against scikit-learn's default GaussianMixture(8).fit on well-separated
# clusters of unequal spread (100,000 rows, 16 columns), 6 data sets x 6 seeds, side by side in one run.
# Needs: apt-get install -y python3-sklearn. Arguments (optional): DATA_SEEDS FIT_SEEDS N D K.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
/usr/bin/python3 bench/compare_default_start.py "$@"
