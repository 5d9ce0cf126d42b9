"""Runs each case with two builds of the CLI and compares every number they write (see bench/same-numbers.sh).

usage: python3 bench/same_numbers.py BASE.dll NEW.dll WORKDIR   (either may be a native executable)
Model JSON: every numeric leaf except times. compare traces (CSV): every column except time. Relative tolerance
1e-12 (absolute 1e-300 for exact zeros); the number of leaves and their names must match. Quantities that are small
differences of large sums or finite differences — gradient norms (near a maximum ∇ℓ = s − nλ cancels to a few digits),
standard errors (a finite-difference Jacobian of the natural parameters) and the Newton decrement and gain estimate
made from them — are reported but not held to 1e-12: a change of summation order at 1e-16 moves them by up to
|s|/|∇ℓ| times that. So is every trace row of a compare run but the last: adaptive methods (over-relaxed EM's step
rule, Anderson, CG) amplify last-bit differences along their path; where they stop is held to 1e-12 like ℓ and the
parameters everywhere. A case is DIFFERENT when ℓ or a parameter differs by more than 1e-12 relative.
Optional NAME ... after WORKDIR runs only the cases with those names.
"""
import csv
import math
import json
import os
import subprocess
import sys

TOLERANCE = 1e-12
DERIVED = ("gradientNorm", "gradient_norm", "standardErrors", "newtonDecrement", "gainEstimate", ":path:")
IGNORED = {"seconds", "time", "elapsedSeconds", "elapsed", "date", "version", "wallSeconds", "timeSeconds", "created"}


def cases(work):
    generated = os.path.join(work, "generated.csv")
    out = []
    for structure in ["full", "tied", "diag", "spherical"]:
        out.append((f"faithful-k2-{structure}", ["fit", "--data", "faithful", "-k", "2", "--covariance", structure]))
        out.append((f"iris-k3-{structure}", ["fit", "--data", "iris", "-k", "3", "--covariance", structure]))
        out.append((f"generated-k4-{structure}-random", ["fit", "--data", generated, "-k", "4", "--covariance", structure, "--init-method", "random", "--max-iter", "60", "--tol", "0"]))
    out.append(("generated-k4-hc", ["fit", "--data", generated, "-k", "4", "--init-method", "hc"]))
    out.append(("generated-k4-single", ["fit", "--data", generated, "-k", "4", "--precision", "single"]))
    out.append(("generated-k4-restarts3", ["fit", "--data", generated, "-k", "4", "--restarts", "3"]))
    out.append(("iris-k3-restarts4-threads1", ["fit", "--data", "iris", "-k", "3", "--restarts", "4", "--threads", "1"]))
    out.append(("death-poisson-k2", ["fit", "--data", "death_notices", "--model", "poisson", "-k", "2"]))
    out.append(("death-poisson-k3", ["fit", "--data", "death_notices", "--model", "poisson", "-k", "3"]))
    # The algorithms 7968a41 compares by default (incremental-em came later).
    algorithms = "em,gradient,gradient-em,lbfgs,cg,newton,squarem,overrelaxed,anderson,auto"
    out.append(("compare-faithful", ["compare", "--data", "faithful", "-k", "2", "--max-iter", "200", "--algorithms", algorithms]))
    out.append(("compare-death", ["compare", "--data", "death_notices", "--model", "poisson", "-k", "2", "--max-iter", "200", "--algorithms", algorithms]))
    return out


def leaves(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in IGNORED:
                yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, float(value)


def trace_leaves(folder):
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), newline="") as f:
            rows = list(csv.DictReader(f))
        for row_number, row in enumerate(rows):
            # Rows before the last are the path, held like derived quantities (see above).
            where = "final" if row_number == len(rows) - 1 else "path"
            for key, text in row.items():
                if "time" in key.lower() or "second" in key.lower():
                    continue
                try:
                    yield f"{name}:{row_number}:{where}:{key}", float(text)
                except (TypeError, ValueError):
                    continue


def host(tool):
    """A .dll runs on the dotnet host; anything else is a native (ahead-of-time compiled) executable."""
    return ["dotnet", tool] if tool.endswith(".dll") else [tool]


def run(dll, args, work, tag, name):
    folder = os.path.join(work, tag, name)
    os.makedirs(folder, exist_ok=True)
    if args[0] == "fit":
        command = [*host(dll), *args, "--output", os.path.join(folder, "model.json")]
    else:
        command = [*host(dll), *args, "--traces", os.path.join(folder, "traces")]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name} ({tag}) failed with exit code {result.returncode}:\n{result.stdout}\n{result.stderr}")
    if args[0] == "fit":
        with open(os.path.join(folder, "model.json")) as f:
            return list(leaves(json.load(f)))
    return list(trace_leaves(os.path.join(folder, "traces")))


def main():
    base, new, work = sys.argv[1:4]
    chosen = [(name, args) for name, args in cases(work) if not sys.argv[4:] or name in sys.argv[4:]]
    failed = 0
    for name, args in chosen:
        old_values = run(base, args, work, "base", name)
        new_values = run(new, args, work, "new", name)
        old_map, new_map = dict(old_values), dict(new_values)
        problems = []
        worst = worst_derived = 0.0
        for key in sorted(set(old_map) | set(new_map)):
            if key not in old_map or key not in new_map:
                problems.append(f"{key}: only in {'base' if key in old_map else 'new'}")
                continue
            a, b = old_map[key], new_map[key]
            tolerance = math.inf if any(word in key for word in DERIVED) else TOLERANCE
            relative = abs(a - b) / max(abs(a), abs(b), 1e-300)
            worst = max(worst, relative) if tolerance == TOLERANCE else worst
            worst_derived = max(worst_derived, relative) if tolerance != TOLERANCE else worst_derived
            if a != b and not relative <= tolerance:
                problems.append(f"{key}: {a!r} vs {b!r}")
        identical = sum(1 for key in old_map if key in new_map and old_map[key] == new_map[key])
        status = "same" if not problems else "DIFFERENT"
        print(f"{name}: {status} ({identical} of {len(old_map)} numbers bit-identical; largest relative difference {worst:.1e}, of derived quantities {worst_derived:.1e})")
        for line in problems[:10]:
            print(f"    {line}")
        failed += bool(problems)
    print(f"same-numbers: {len(chosen) - failed} cases same, {failed} different")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
