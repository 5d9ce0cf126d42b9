#!/usr/bin/env bash
# Issue 5's side-by-side table: LatentFit (both precisions) against scikit-learn and mclust on the four reference
# problems, same data, same start, same iteration count, in one run.
# Needs: apt-get install -y python3-sklearn libopenblas0-pthread r-base-core r-cran-mclust (mclust is skipped without R).
#
# Usage: [COMPARE_PEERS_REPEATS=R] bash bench/compare-peers.sh [native|256|128|all]
#   COMPARE_PEERS_REPEATS=R: each timing R times in turn, the best of each kept (see compare_peers.py); default 1.
#   native (default): every instruction set the machine has; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this
#                     command alone, so numpy runs its fastest kernel.
#   256:  LatentFit without AVX-512 (DOTNET_EnableAVX512=0; .NET 10 ignores .NET 8's DOTNET_EnableAVX512F, both are set) beside OpenBLAS's AVX2 kernels (OPENBLAS_CORETYPE=Haswell).
#   128:  LatentFit without AVX2 or AVX-512 (DOTNET_EnableAVX2=0 as well: Vector256 is then not accelerated) beside
#         OpenBLAS's SSE kernels (OPENBLAS_CORETYPE=Nehalem).
#   all:  each of the paths the machine has, one after the other (issue 13: measure every path on one machine).
# Each block starts with a line naming the path and the machine's instruction sets, so a table can be read back.
set -euo pipefail
cd "$(dirname "$0")/.."
choice="${1:-native}"
case "$choice" in native|256|128|all) ;; *) echo "unknown path \"$choice\"; choose native, 256, 128 or all" >&2; exit 2 ;; esac
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
cases() {
  run 200000 16 16 full 10
  run 1000000 2 3 full 10
  run 1000000 16 8 diag 10
  run 200000 50 10 full 5
}
path() {
  case "$1" in
    native)
      echo "== path native: the machine's widest vectors (avx512f: $(has avx512f && echo yes || echo no), avx2: $(has avx2 && echo yes || echo no)); numpy with its own OpenBLAS kernel choice"
      run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare_peers.py "$@"; } ;;
    256)
      has avx2 || { echo "== path 256: skipped, the machine has no AVX2"; return; }
      echo "== path 256: LatentFit with DOTNET_EnableAVX512=0 (Vector256 at most), numpy with OPENBLAS_CORETYPE=Haswell (AVX2 kernels)"
      run() { env -u OPENBLAS_L2_SIZE DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/compare_peers.py "$@"; } ;;
    128)
      echo "== path 128: LatentFit with DOTNET_EnableAVX512=0 DOTNET_EnableAVX2=0 (Vector128), numpy with OPENBLAS_CORETYPE=Nehalem (SSE kernels)"
      run() { env -u OPENBLAS_L2_SIZE DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 DOTNET_EnableAVX2=0 OPENBLAS_CORETYPE=Nehalem /usr/bin/python3 bench/compare_peers.py "$@"; } ;;
  esac
  cases
}
if [ "$choice" = all ]; then
  has avx512f && path native
  # mclust once, on the first path: R's speed does not depend on the .NET settings.
  if has avx512f; then export COMPARE_PEERS_SKIP_MCLUST=1; fi
  path 256
  export COMPARE_PEERS_SKIP_MCLUST=1
  path 128
else
  path "$choice"
fi
