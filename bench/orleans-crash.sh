#!/usr/bin/env bash
# The crash test of issue 14 with real processes on 127.0.0.1: three silo processes, N rows in S shards, an EM fit of
# ITERATIONS iterations with --backend orleans, and a kill -9 of one silo (not the primary; with --redis any but the
# first) when the fit's E-step number KILL_AT reaches the silos. The fit must finish with the local backend's θ and ℓ,
# bit for bit; the script prints both fits' times, the failed and recovered calls the coordinator reported, and the
# stall the crash caused (the longest "answered after" of a shard).
#
# usage: bash bench/orleans-crash.sh [--redis] [N D K SHARDS ITERATIONS KILL_AT]
#        defaults: N=1000000 D=4 K=4 SHARDS=8 ITERATIONS=50 KILL_AT=10; --redis starts a redis-server on port 16379
#        (Debian package redis-server) and uses Redis membership instead of a primary silo.
# needs: numpy (the data come from bench/generate_separated.py)
set -euo pipefail
cd "$(dirname "$0")/.."

redis=0
if [ "${1:-}" = "--redis" ]; then
  redis=1
  shift
fi
n=${1:-1000000} d=${2:-4} k=${3:-4} shards=${4:-8} iterations=${5:-50} kill_at=${6:-10}
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/LatentFit.Cli -v q -nologo >/dev/null
cli=(dotnet src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll)

echo "data: N=$n D=$d K=$k in $shards shards; EM $iterations iterations; kill -9 of a silo at E-step $kill_at"
/usr/bin/python3 bench/generate_separated.py "$n" "$d" "$k" 7 "$work/data.csv"
"${cli[@]}" shard --data "$work/data.csv" --shards "$shards" --output "$work/shards" >/dev/null

membership=()
if [ "$redis" -eq 1 ]; then
  redis-server --port 16379 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  pids+=($!)
  sleep 1
  membership=(--redis 127.0.0.1:16379)
fi

# Silo i: silo port 21400+i, gateway 31400+i; silo 0 is the primary of development clustering.
start_silo() {
  local i=$1
  local extra=("${membership[@]}")
  if [ "$redis" -eq 0 ] && [ "$i" -gt 0 ]; then
    extra=(--primary 127.0.0.1:21400)
  fi
  "${cli[@]}" silo --port $((21400 + i)) --gateway-port $((31400 + i)) "${extra[@]}" --verbose >"$work/silo$i.out" 2>"$work/silo$i.err" &
  pids+=($!)
  eval "silo${i}_pid=$!"
}
wait_up() {
  local i=$1
  for _ in $(seq 1 240); do
    grep -q "is up" "$work/silo$i.out" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "silo $i did not come up:" >&2
  cat "$work/silo$i.err" >&2
  exit 1
}
start_silo 0
wait_up 0
start_silo 1
start_silo 2
wait_up 1
wait_up 2
echo "silos up: 127.0.0.1:21400 (gateway 31400), :21401 (31401), :21402 (31402)${membership[*]:+, membership ${membership[*]}}"

fit=(fit --data "$work/shards" -k "$k" --seed 1 --max-iter "$iterations" --tol 0 --standard-errors no --threads 2)
start=$(date +%s.%N)
"${cli[@]}" "${fit[@]}" --backend local -o "$work/local.json" >/dev/null
local_seconds=$(echo "$(date +%s.%N) - $start" | bc)

# The victim holds shard 1 (silo 1 of the three, in address order, k mod 3); its E-step calls are counted on the
# primary's log through shard 0, which every E-step of EM calls once.
start=$(date +%s.%N)
"${cli[@]}" "${fit[@]}" --backend orleans --gateways 127.0.0.1:31400,127.0.0.1:31401,127.0.0.1:31402 -o "$work/orleans.json" \
  >"$work/fit.out" 2>"$work/fit.err" &
fit_pid=$!
pids+=($fit_pid)
killed=""
while kill -0 "$fit_pid" 2>/dev/null; do
  calls=$(grep -c "shard 0 of .*E-step" "$work/silo0.err" 2>/dev/null || true)
  if [ -z "$killed" ] && [ "${calls:-0}" -ge "$kill_at" ]; then
    kill -9 "$silo1_pid"
    killed=$(date +%s.%N)
    echo "kill -9 of silo 1 (pid $silo1_pid) after shard 0's E-step call $calls"
  fi
  sleep 0.05
done
wait "$fit_pid" && status=0 || status=$?
orleans_seconds=$(echo "$(date +%s.%N) - $start" | bc)
if [ "$status" -ne 0 ]; then
  echo "the orleans fit failed (exit $status):" >&2
  cat "$work/fit.err" >&2
  exit 1
fi
[ -n "$killed" ] || { echo "the fit ended before E-step $kill_at; nothing was killed" >&2; exit 1; }

echo "coordinator's reports (standard error of the fit):"
sed 's/^/  /' "$work/fit.err"
/usr/bin/python3 - "$work/local.json" "$work/orleans.json" "$work/fit.err" "$local_seconds" "$orleans_seconds" <<'PY'
import json, re, sys
local, orleans = (json.load(open(p)) for p in sys.argv[1:3])
# The fit's θ and ℓ as written (shortest round-trip decimals, so equal text is equal bits once parsed).
fields = ("logLikelihood", "weights", "means", "covariances", "restartLogLikelihoods")
same = all(json.dumps(local.get(f)) == json.dumps(orleans.get(f)) for f in fields)
trace_local = [r.get("logLikelihood") for r in local.get("trace", [])]
trace_orleans = [r.get("logLikelihood") for r in orleans.get("trace", [])]
same_trace = [repr(v) for v in trace_local] == [repr(v) for v in trace_orleans]
stalls = [float(m) for m in re.findall(r"answered after ([0-9.]+) s", open(sys.argv[3]).read())]
print(f"log-likelihood: local {local.get('logLikelihood')!r}, orleans {orleans.get('logLikelihood')!r}")
print(f"θ and ℓ bit-identical: {'yes' if same else 'NO'}; ℓ trace ({len(trace_local)} records) bit-identical: {'yes' if same_trace else 'NO'}")
print(f"fit time: local {float(sys.argv[4]):.1f} s, orleans with the crash {float(sys.argv[5]):.1f} s")
print(f"stall caused by the crash: {max(stalls) if stalls else 0:.1f} s (longest time a shard's calls failed before one was answered; {len(stalls)} shard(s) recovered)")
sys.exit(0 if same and same_trace else 1)
PY
