#!/usr/bin/env bash
# Baum–Welch speed of LatentFit against pomegranate 0.14.8, side by side in one run (issue 11, "Speed"): a Gaussian
# HMM with K = 8 states and D = 4 full covariances generates S = 500 sequences of T = 1,000 steps (seed 11); every
# fit starts from the same θ₀ (means at random observations, the pooled covariance, Γ = ½I + ½/K, uniform δ).
# pomegranate runs on the first 50 sequences (about 0.6 s an iteration), LatentFit on those 50 and on all 500 with 1,
# 2 and 3 threads; ms per iteration is the slope between 2 and 6 iterations (setup removed), wall clock and processor
# time. Checks ℓ after 2 and 6 iterations against pomegranate's (1e-8 relative) and the final ℓ and η bit for bit
# across thread counts. Usage: bash bench/hmm-speed.sh [extra options of bench/hmm_speed.py, e.g. --threads 1,2];
# needs numpy and python3-pomegranate for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/LatentFit.HmmSpeed -c Release -v q --nologo > /dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "instruction sets: $(grep -m1 -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')(the Gaussian kernels take the widest width the runtime accelerates, the forward–backward's state loops the widest that suits K)"
/usr/bin/python3 bench/hmm_speed.py "$work" bench/LatentFit.HmmSpeed/bin/Release/net10.0/LatentFit.HmmSpeed.dll "$@"
