#!/usr/bin/env bash
# Issue 9: the default `latentfit fit -k 8` against scikit-learn's default GaussianMixture(8).fit on well-separated
# clusters of unequal spread (100,000 rows, 16 columns), 6 data sets x 6 seeds, side by side in one run.
# Needs: apt-get install -y python3-sklearn; clang for the native tool (else the ReadyToRun one is measured).
# Arguments (optional): DATA_SEEDS FIT_SEEDS N D K. LATENTFIT_BUILD=readytorun measures the ReadyToRun tool instead.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
linker=$(command -v clang || ls /usr/bin/clang-[0-9]* 2> /dev/null | sort -V | tail -1 || true)
if [[ -n "$linker" && "${LATENTFIT_BUILD:-native}" == native ]]; then
  # The tool compiled ahead of time to native code for this machine's instruction set (see src/LatentFit.Cli/LatentFit.Cli.csproj).
  dotnet publish src/LatentFit.Cli -c Release -r "$rid" -p:PublishAot=true -p:IlcInstructionSet=native \
    -p:CppCompilerAndLinker="$(basename "$linker")" -o bench/.publish-native -v q --nologo > /dev/null
  tool=bench/.publish-native/LatentFit.Cli
else
  # The tool as published for this machine's runtime (ReadyToRun).
  dotnet publish src/LatentFit.Cli -c Release -r "$rid" --self-contained false -o bench/.publish -v q --nologo > /dev/null
  tool=bench/.publish/LatentFit.Cli.dll
fi
echo "tool: $tool"
LATENTFIT_CLI=$tool /usr/bin/python3 bench/compare_default_start.py "$@"
