#!/usr/bin/env bash
# Issue 10 ("same speed"): time per EM iteration of a base commit's build and this working tree's, side by side in
# one run, on compare-peers.sh's four problems (same data, same start, same iteration count), alternating the two
# builds ROUNDS times; then the peak resident set of each on N = 1M, D = 16.
# Usage: bash bench/compare-commits.sh [BASE_COMMIT] [ROUNDS] [PROBLEM_INDEX ...]   (default 7968a41, 3, all four). Needs Debian's /usr/bin/python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-7968a41}
rounds=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
work=$(mktemp -d /tmp/compare-commits.XXXXXX)
trap 'git worktree remove --force "$work/base-tree" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/base-tree" "$base"
dotnet build "$work/base-tree/src/LatentFit.Cli" -c Release -o "$work/base-bin" -v q --nologo > /dev/null
dotnet build src/LatentFit.Cli -c Release -o "$work/new-bin" -v q --nologo > /dev/null
/usr/bin/python3 bench/compare_commits.py "$work/base-bin/LatentFit.Cli.dll" "$work/new-bin/LatentFit.Cli.dll" "$work" "$rounds" "$@"
