#!/usr/bin/env bash
# Issue 14's overhead target: the per-iteration time of an EM fit whose E-step runs on an Orleans cluster of one
# local silo, against the local backend, on the same shard directory (N = 10⁶ rows, D = 16, K = 8, 8 shards), from the
# same start (seed 1, k-means++), the same 20 EM iterations; the two fits alternate, ROUNDS rounds each, in one run.
# Per-iteration time is taken from each fit's trace: (seconds at the last iteration − seconds at iteration 1) / (its
# iterations − 1), so the data loading, the start (which runs on the coordinator either way) and the first E-step
# (where the silo loads its shards) are left out; with more than 20 iterations the ratio from iteration 10 on is printed
# too (after the processes' warm-up). Also checks that the two fits' θ and ℓ are the same bits.
#
# usage: bash bench/orleans-overhead.sh [N D K SHARDS ITERATIONS ROUNDS]   (defaults 1000000 16 8 8 20 3)
# needs: numpy (the data come from bench/generate_separated.py)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000} d=${2:-16} k=${3:-8} shards=${4:-8} iterations=${5:-20} rounds=${6:-3}
work="$(mktemp -d)"
silo_pid=""
cleanup() {
  [ -n "$silo_pid" ] && { kill "$silo_pid" 2>/dev/null || true; sleep 1; kill -9 "$silo_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/LatentFit.Cli -v q -nologo >/dev/null
cli=(dotnet src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; kernel path: $("${cli[@]}" fit --data faithful -k 2 --max-iter 1 --standard-errors no -o "$work/probe.json" >/dev/null && /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['kernelPath'])" "$work/probe.json")"
echo "data: N=$n D=$d K=$k in $shards shards; $iterations EM iterations; $rounds rounds"
/usr/bin/python3 bench/generate_separated.py "$n" "$d" "$k" 7 "$work/data.csv"
"${cli[@]}" shard --data "$work/data.csv" --shards "$shards" --output "$work/shards" >/dev/null
rm "$work/data.csv"

"${cli[@]}" silo --port 21500 --gateway-port 31500 >"$work/silo.out" 2>"$work/silo.err" &
silo_pid=$!
for _ in $(seq 1 240); do
  grep -q "is up" "$work/silo.out" 2>/dev/null && break
  sleep 0.5
done
grep -q "is up" "$work/silo.out" || { echo "the silo did not come up:" >&2; cat "$work/silo.err" >&2; exit 1; }

fit=(fit --data "$work/shards" -k "$k" --seed 1 --max-iter "$iterations" --tol 0 --standard-errors no --threads "$(nproc)")
for round in $(seq 1 "$rounds"); do
  "${cli[@]}" "${fit[@]}" --backend local -o "$work/local$round.json" >/dev/null
  "${cli[@]}" "${fit[@]}" --backend orleans --gateways 127.0.0.1:31500 -o "$work/orleans$round.json" >/dev/null
done

/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def per_iteration(path):
    fit = json.load(open(path))
    trace = fit["trace"]
    def slope(first):
        return (trace[-1]["seconds"] - trace[first]["seconds"]) / (trace[-1]["iteration"] - trace[first]["iteration"])
    # Also from iteration 10 on, where there are 20 or more: both processes are still compiling code in the first
    # iterations, and on a machine they share that work takes cores from the silo's E-step (docs/benchmarks.md).
    return slope(1), (slope(10) if len(trace) > 20 else None), fit
fields = ("logLikelihood", "weights", "means", "covariances")
local, orleans, local_late, orleans_late, same = [], [], [], [], True
for r in range(1, rounds + 1):
    (l, ll, lf), (o, ol, of) = per_iteration(f"{work}/local{r}.json"), per_iteration(f"{work}/orleans{r}.json")
    local.append(l); orleans.append(o)
    same &= all(json.dumps(lf[f]) == json.dumps(of[f]) for f in fields)
    late = ""
    if ll is not None:
        local_late.append(ll); orleans_late.append(ol)
        late = f"; from iteration 10: local {1000 * ll:.1f}, orleans {1000 * ol:.1f}, ratio {ol / ll:.3f}"
    print(f"round {r}: local {1000 * l:.1f} ms/iteration, orleans (1 silo) {1000 * o:.1f} ms/iteration, ratio {o / l:.3f}{late}")
ml, mo = statistics.median(local), statistics.median(orleans)
print(f"median: local {1000 * ml:.1f} ms, orleans {1000 * mo:.1f} ms per iteration; orleans/local {mo / ml:.3f} (target ≤ 1.10)")
if local_late:
    ml, mo = statistics.median(local_late), statistics.median(orleans_late)
    print(f"median from iteration 10: local {1000 * ml:.1f} ms, orleans {1000 * mo:.1f} ms per iteration; orleans/local {mo / ml:.3f}")
print(f"θ and ℓ bit-identical in every round: {'yes' if same else 'NO'}")
sys.exit(0 if same else 1)
PY
