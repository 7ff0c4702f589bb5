#!/usr/bin/env bash
# Wall time of `asp simulate` for task-a (git workspace) and the 200-task
# workspace-none scenario, in temporary folders. Prints one line per scenario.
#   bash test/bench/time-simulate.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
for scenario in scenarios/task-a.yaml scenarios/load-200.yaml; do
  times=()
  for i in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    node src/cli/asp.js simulate "$scenario" --json --db "$tmp/db.sqlite" --runs-dir "$tmp/runs" --workspaces "$tmp/ws" > "$tmp/out.json" || true
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  inner=$(tail -1 "$tmp/out.json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`${j.totals.tasks} tasks, status ${j.status}, run ${(j.wallMs/1000).toFixed(1)} s inside the command`)})')
  printf '%-26s wall %s s (%s)\n' "$scenario" "$(printf '%s ' "${times[@]}")" "$inner"
done
