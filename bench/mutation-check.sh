#!/usr/bin/env bash
# Mutation check, run on demand (slow: one build and one run of the whole test suite per mutant; about 3 minutes
# each on 2 cores). Plants each bug below, one at a time, in a temporary copy of the working tree (tracked and
# untracked files, never the working tree itself), runs the whole suite, and reports for each mutant whether the
# suite failed, and which tests failed. Every mutant must be caught: the script exits 1 if any survives.
#
#   bash bench/mutation-check.sh            # every mutant
#   bash bench/mutation-check.sh NAME...    # only these (names in the table below)
#
# Not part of `dotnet test` or CI. The results are recorded in docs/testing.md.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

copy="$(mktemp -d "${TMPDIR:-/tmp}/latentfit-mutants.XXXXXX")"
trap 'rm -rf "$copy"' EXIT
git ls-files -co --exclude-standard -z | (cd "$root" && xargs -0 cp --parents -t "$copy")
echo "copy of the working tree: $copy"
(cd "$copy" && dotnet build >"$copy/build.log" 2>&1) || { echo "the unmutated copy does not build; see $copy/build.log" >&2; tail -20 "$copy/build.log" >&2; exit 2; }

python3 - "$copy" "$@" <<'PY'
import glob, os, subprocess, sys, xml.etree.ElementTree as ET

copy, only = sys.argv[1], set(sys.argv[2:])

# name: (file, [(text, replacement), ...], what the bug is). Each text must occur exactly once in its file.
MUTANTS = {
    "chunk-drops-last-row": ("src/LatentFit/Execution/IExecutionBackend.cs",
        [("return data.Block(range.Start, range.Count);", "return data.Block(range.Start, Math.Min(range.Count, partition.TargetRows - 1));")],
        "every backend drops the last row of every full block"),
    "sharded-merges-out-of-order": ("src/LatentFit/Execution/ShardedBackend.cs",
        [("var flat = MemoryMarshal.Cast<byte, double>(messages[b % shards].AsSpan((b / shards) * length * sizeof(double), length * sizeof(double)));",
          "int at = count > 2 && (b == 1 || b == 2) ? 3 - b : b;\n            var flat = MemoryMarshal.Cast<byte, double>(messages[at % shards].AsSpan((at / shards) * length * sizeof(double), length * sizeof(double)));")],
        "the sharded backend's coordinator merges blocks 1 and 2 in the other order (as messages arrive)"),
    "se-jacobian-over-h": ("src/LatentFit/Diagnostics/StandardErrors.cs",
        [("(plus[a] - minus[a]) / (2 * h)", "(plus[a] - minus[a]) / h")],
        "the standard errors' central-difference Jacobian divides by h instead of 2h"),
    "poisson-gradient-sign": ("src/LatentFit/Models/Poisson/PoissonEmissionFamily.cs",
        [("gradient[j] = statistics.WeightedSums[j] - occupancies[j] * current.Rates[j];",
          "gradient[j] = occupancies[j] * current.Rates[j] - statistics.WeightedSums[j];")],
        "wrong sign of ∂ℓ/∂log λ in the Poisson gradient"),
    "m-step-without-reg-covar": ("src/LatentFit/Models/Gaussian/GaussianEmissionFamily.cs",
        [("Structure.Maximize(statistics.Scatter, shifts, occupancies, totalWeight, d, regularization, centreAtNewMeans, covariances);",
          "Structure.Maximize(statistics.Scatter, shifts, occupancies, totalWeight, d, 0, centreAtNewMeans, covariances);")],
        "the Gaussian M-step leaves out reg_covar"),
    "merge-drops-first-moments": ("src/LatentFit/Models/Gaussian/GaussianEmissionStatistics.cs",
        [("        Accumulators.AddScaled(FirstMoments, other.FirstMoments, factor);\n", "")],
        "merging two chunks' statistics keeps the first chunk's first moments only"),
    "log-sum-exp-without-max-shift": ("src/LatentFit/Models/Mixtures/MixturePosterior.cs",
        [("            TensorPrimitives.Subtract(Column(logDensities, j), max, Column(logDensities, j));\n", "            _ = j;\n"),
         ("        TensorPrimitives.Add(sum, max, sum);\n", "")],
        "the portable (TensorPrimitives) responsibilities exponentiate log-densities without taking out each row's maximum"),
    "poisson-drops-row-weights": ("src/LatentFit/Models/Poisson/PoissonEmissionFamily.cs",
        [("sum += block.RowWeight(n) * posteriors[j * b + n] * block[n, 0];", "sum += posteriors[j * b + n] * block[n, 0];")],
        "the Poisson emission's weighted sums ignore the rows' frequency weights"),
    "poisson-rate-over-n": ("src/LatentFit/Models/Poisson/PoissonEmissionFamily.cs",
        [("rates[j] = statistics.WeightedSums[j] / occupancies[j];", "rates[j] = statistics.WeightedSums[j] / totalWeight;")],
        "the Poisson M-step divides a component's count sum by N instead of by its responsibility sum"),
}

def run(command, log):
    with open(log, "w") as out:
        return subprocess.run(command, cwd=copy, stdout=out, stderr=subprocess.STDOUT).returncode

def failed_tests(results):
    names = []
    for path in glob.glob(results + "/**/*.trx", recursive=True):
        for node in ET.parse(path).getroot().iter():
            if node.tag.endswith("UnitTestResult") and node.get("outcome") == "Failed":
                names.append(node.get("testName"))
    return sorted(set(names))

survivors = []
rows = []
for name, (path, edits, what) in MUTANTS.items():
    if only and name not in only:
        continue
    full = os.path.join(copy, path)
    original = open(full, encoding="utf-8").read()
    mutated = original
    for text, replacement in edits:
        if mutated.count(text) != 1:
            sys.exit(f"{name}: expected the text to occur once in {path}, found {mutated.count(text)}: {text!r}")
        mutated = mutated.replace(text, replacement)
    open(full, "w", encoding="utf-8").write(mutated)
    try:
        results = os.path.join(copy, "mutant-results", name)
        if run(["dotnet", "build", "--no-restore"], os.path.join(copy, f"{name}.build.log")) != 0:
            verdict, caught = "does not build (fix the mutant)", []
            survivors.append(name)
        else:
            code = run(["dotnet", "test", "--no-build", "--logger", "trx", "--results-directory", results], os.path.join(copy, f"{name}.test.log"))
            caught = failed_tests(results)
            if code != 0 and caught:
                verdict = f"caught by {len(caught)} test(s)"
            elif code != 0:
                verdict = "the test run failed without a failed test (see the log)"
                survivors.append(name)
            else:
                verdict = "SURVIVED: no test failed"
                survivors.append(name)
    finally:
        open(full, "w", encoding="utf-8").write(original)
    rows.append((name, what, verdict, caught))
    print(f"{name}: {verdict}", flush=True)
    for test in caught[:8]:
        print(f"    {test}", flush=True)
    if len(caught) > 8:
        print(f"    … and {len(caught) - 8} more", flush=True)

print()
print("| mutant | planted bug | result | failing tests |")
print("|---|---|---|---|")
for name, what, verdict, caught in rows:
    methods = list(dict.fromkeys(".".join(t.split("(")[0].rsplit(".", 2)[-2:]) for t in caught))
    shown = "; ".join(methods[:3]) + (f" (+{len(methods) - 3} more)" if len(methods) > 3 else "")
    print(f"| `{name}` | {what} | {verdict} | {shown} |")
if survivors:
    print(f"\nsurvived: {', '.join(survivors)}")
sys.exit(1 if survivors else 0)
PY
