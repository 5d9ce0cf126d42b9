#!/usr/bin/env bash
# Issue 9: the default `latentfit fit -k 8` against scikit-learn's default GaussianMixture(8).fit on well-separated
# clusters of unequal spread (100,000 rows, 16 columns), 6 data sets x 6 seeds, side by side in one run.
# Needs: apt-get install -y python3-sklearn. Arguments (optional): DATA_SEEDS FIT_SEEDS N D K.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tool as published for this machine's runtime (ReadyToRun, see src/LatentFit.Cli/LatentFit.Cli.csproj).
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
dotnet publish src/LatentFit.Cli -c Release -r "$rid" --self-contained false -o bench/.publish -v q --nologo > /dev/null
LATENTFIT_CLI=bench/.publish/LatentFit.Cli.dll /usr/bin/python3 bench/compare_default_start.py "$@"
