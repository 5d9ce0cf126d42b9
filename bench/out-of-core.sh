#!/usr/bin/env bash
# Out of core (issue 14): a Gaussian mixture fitted to shards on disk 4× larger than the memory the fit may use.
# Generates N = 8,000,000 rows × D = 16 columns (1.02 GB of float64, K = 8 clusters, seed 14) as 8 shards, outside the
# limit; then fits a gmm (K = 8, full covariances, random-responsibility start, 3 EM iterations) to the shard directory
# inside a cgroup-v1 memory group limited to 256 MiB, and prints the group's peak (memory.max_usage_in_bytes, page
# cache included), the fit's peak RSS (VmHWM, which counts the shard pages mapped in at the time) and its peak
# anonymous RSS (RssAnon: what the process itself holds; the mapped pages are page cache the kernel may drop).
# Then fits the first 200,000 rows both ways, the CSV file in memory and its shards (S = 4, written by latentfit
# shard), k-means++ start, 10 EM iterations, and prints both ℓ and their relative difference.
# Needs root and a writable /sys/fs/cgroup/memory. Usage: bash bench/out-of-core.sh [ROWS] [LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-8000000}"; limit="${2:-256M}"; dimension=16; components=8
dotnet build bench/LatentFit.OutOfCore -c Release -v q --nologo > /dev/null
dotnet build src/LatentFit.Cli -c Release -v q --nologo > /dev/null
cli=(dotnet src/LatentFit.Cli/bin/Release/net10.0/LatentFit.Cli.dll)
work="$(mktemp -d)"; group=/sys/fs/cgroup/memory/lf-ooc-$$
trap 'rmdir "$group" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet bench/LatentFit.OutOfCore/bin/Release/net10.0/LatentFit.OutOfCore.dll "$rows" "$dimension" "$components" 8 "$work/shards" 200000 "$work/subset.csv"
echo "shard directory: $(du -sh "$work/shards" | cut -f1) on disk; memory limit of the fit: $limit"

# The kernel may still hold the shards' pages from writing them (charged to the writer's group, not the fit's): evict
# those files' pages alone, so that the fit reads from disk and its group is charged for what it maps in.
sync
python3 -c 'import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$work"/shards/*.lfs
mkdir "$group"
echo "$limit" > "$group/memory.limit_in_bytes"
(
    echo $BASHPID > "$group/cgroup.procs"
    "${cli[@]}" fit --data "$work/shards" -k "$components" --init-method random --max-iter 3 --tol 0 --standard-errors no --threads 2 > "$work/fit.txt" 2>&1 &
    pid=$!
    hwm=0; anon=0
    while kill -0 "$pid" 2> /dev/null; do
        if status="$(cat /proc/$pid/status 2> /dev/null)"; then
            h=$(awk '/^VmHWM:/ {print $2}' <<< "$status"); a=$(awk '/^RssAnon:/ {print $2}' <<< "$status")
            [[ -n "$h" && "$h" -gt "$hwm" ]] && hwm=$h
            [[ -n "$a" && "$a" -gt "$anon" ]] && anon=$a
        fi
        sleep 0.2
    done
    wait "$pid" && code=0 || code=$?
    echo "fit exit code $code; peak RSS (VmHWM) $((hwm / 1024)) MiB, peak anonymous RSS $((anon / 1024)) MiB"
)
head -3 "$work/fit.txt"
echo "cgroup limit $(( $(cat "$group/memory.limit_in_bytes") / 1048576 )) MiB, cgroup peak (memory.max_usage_in_bytes, page cache included) $(( $(cat "$group/memory.max_usage_in_bytes") / 1048576 )) MiB, limit hit $(cat "$group/memory.failcnt") times"

# The first 200,000 rows: in memory from the CSV file, and from 4 shards of it.
"${cli[@]}" shard --data "$work/subset.csv" --shards 4 --output "$work/subset" | tail -1
fit=(-k "$components" --max-iter 10 --tol 0 --standard-errors no --threads 2)
"${cli[@]}" fit --data "$work/subset.csv" "${fit[@]}" -o "$work/csv.json" > /dev/null
"${cli[@]}" fit --data "$work/subset" "${fit[@]}" -o "$work/shards.json" > /dev/null
python3 - "$work/csv.json" "$work/shards.json" <<'PY'
import json, sys
a, b = (json.load(open(p))["logLikelihood"] for p in sys.argv[1:3])
print(f"200,000 rows, 10 EM iterations: log-likelihood {a!r} from the CSV in memory, {b!r} from 4 shards; relative difference {abs(a - b) / abs(a):.2e}")
PY
