#!/usr/bin/env bash
# Issue 10 ("same numbers"): runs the same CLI fits with a base commit (default 7968a41, the last commit before the
# redesign) and with this working tree, and compares every number of the written models and of the compare traces
# to 1e-12 relative (bench/same_numbers.py lists what is compared). Usage: bash bench/same-numbers.sh [BASE_COMMIT]
# Needs Debian's /usr/bin/python3 with numpy (for the generated data set). Prints one line per case and exits 1 on a difference.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-7968a41}
work=$(mktemp -d /tmp/same-numbers.XXXXXX)
trap 'git worktree remove --force "$work/base-tree" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/base-tree" "$base"
dotnet build "$work/base-tree/src/LatentFit.Cli" -c Release -o "$work/base-bin" -v q --nologo > /dev/null
dotnet build src/LatentFit.Cli -c Release -o "$work/new-bin" -v q --nologo > /dev/null
/usr/bin/python3 bench/generate_separated.py 20000 5 4 7 "$work/generated.csv"
/usr/bin/python3 bench/same_numbers.py "$work/base-bin/LatentFit.Cli.dll" "$work/new-bin/LatentFit.Cli.dll" "$work"
