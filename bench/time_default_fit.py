"""Issue 9's time target, side by side: scikit-learn's GaussianMixture(K).fit and each given LatentFit tool's whole
`fit -k K` process on the same CSV, alternating, ROUNDS times (see bench/time-default-fit.sh).

usage: /usr/bin/python3 bench/time_default_fit.py DATA.csv K ROUNDS TOOL [TOOL ...]
A TOOL ending in .dll runs on the dotnet host; anything else is a native executable. Prints each round's seconds and
the median of the per-round ratios tool process / scikit-learn fit (the issue's measure) and / scikit-learn process.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SKLEARN_CHILD = r"""
import sys, time, json
import numpy as np
from sklearn.mixture import GaussianMixture
x = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
t = time.perf_counter()
g = GaussianMixture(int(sys.argv[2]), random_state=0).fit(x)
print(json.dumps({"fit": time.perf_counter() - t, "ll": float(g.score(x) * len(x))}))
"""
ENV = {key: value for key, value in os.environ.items() if key not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def timed(command):
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=ENV).stdout
    return out, time.perf_counter() - start


def main():
    data, k, rounds, tools = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    ratios = {tool: ([], []) for tool in tools}
    with tempfile.TemporaryDirectory() as work:
        output = os.path.join(work, "fit.json")
        for r in range(rounds):
            out, sk_process = timed([sys.executable, "-c", SKLEARN_CHILD, data, k])
            sk = json.loads(out)
            line = [f"round {r + 1}: sklearn fit {sk['fit']:.2f} s (process {sk_process:.2f} s, l {sk['ll']:.2f})"]
            for tool in tools:
                host = ["dotnet", tool] if tool.endswith(".dll") else [tool]
                _, seconds = timed([*host, "fit", "--data", data, "-k", k, "-o", output])
                with open(output) as f:
                    ll = json.load(f)["logLikelihood"]
                ratios[tool][0].append(seconds / sk["fit"])
                ratios[tool][1].append(seconds / sk_process)
                line.append(f"{os.path.basename(tool)} {seconds:.2f} s (l {ll:.2f})")
            print("; ".join(line), flush=True)
    for tool in tools:
        fit, process = ratios[tool]
        print(f"{tool}: median process / sklearn fit {statistics.median(fit):.2f} (rounds {', '.join(f'{v:.2f}' for v in fit)}), "
              f"/ sklearn process {statistics.median(process):.2f}")


if __name__ == "__main__":
    main()
