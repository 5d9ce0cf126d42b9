#!/usr/bin/env bash
# Issue 9's end-to-end time target: `latentfit fit -k 8` as a process (ReadyToRun and native builds) against
# scikit-learn's GaussianMixture(8).fit on data set 1000 of compare-default-start.sh (100,000 x 16), alternating.
# Needs python3-sklearn and clang (for the native build). Usage: bash bench/time-default-fit.sh [ROUNDS] (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
linker=$(command -v clang || ls /usr/bin/clang-[0-9]* 2> /dev/null | sort -V | tail -1 || true)
dotnet publish src/LatentFit.Cli -c Release -r "$rid" --self-contained false -o bench/.publish -v q --nologo > /dev/null
dotnet publish src/LatentFit.Cli -c Release -r "$rid" -p:PublishAot=true -p:IlcInstructionSet=native \
  -p:CppCompilerAndLinker="$(basename "$linker")" -o bench/.publish-native -v q --nologo > /dev/null
work=$(mktemp -d /tmp/time-default-fit.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/generate_separated.py 100000 16 8 1000 "$work/separated.csv"
/usr/bin/python3 bench/time_default_fit.py "$work/separated.csv" 8 "$rounds" bench/.publish/LatentFit.Cli.dll bench/.publish-native/LatentFit.Cli
