#!/usr/bin/env bash
# The --restarts target of issue 9 on the whole reference table (88 fits: 12 data sets, mostly from mclust, K and the
# four covariance structures): LatentFit with 10 restarts against the better of mclust's Mclust(G, modelName) and
# scikit-learn's GaussianMixture(n_init=10), within 0.01. Prints one line per case (mclust, scikit-learn, LatentFit
# at reg_covar 1e-6 and then at 0) and the failures; the default test run takes only a subset (RestartTargetTests).
# The reference numbers are stored in tests/LatentFit.Tests/References/restart_targets.json; no peer is needed here.
set -uo pipefail
cd "$(dirname "$0")/.."
LATENTFIT_RESTART_TARGETS=all dotnet test tests/LatentFit.Tests -c Release --filter "FullyQualifiedName~RestartTargetTests" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "^ *[a-z0-9_]+ k=[0-9]+ |^  Failed |^Total tests|^ *(Passed|Failed): "
