#!/usr/bin/env bash
# Wall time of `asp simulate` for task-a (git workspace) and the 200-task
# workspace-none scenario, in temporary folders, beside `node -e 0` and
# `asp --help` timed in the same turns (ratios are what to compare: absolute
# times move with the machine's load). Prints one line per scenario.
#   bash test/bench/time-simulate.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
node src/cli/asp.js --help >/dev/null # warm the file cache
for scenario in scenarios/task-a.yaml scenarios/load-200.yaml; do
  times=() bare=() help=()
  for i in $(seq 1 "$runs"); do
    start=$(now); node -e 0; end=$(now)
    bare+=("$(echo "$end - $start" | bc)")
    start=$(now); node src/cli/asp.js --help >/dev/null; end=$(now)
    help+=("$(echo "$end - $start" | bc)")
    start=$(now)
    node src/cli/asp.js simulate "$scenario" --json --db "$tmp/db.sqlite" --runs-dir "$tmp/runs" --workspaces "$tmp/ws" > "$tmp/out.json" || true
    end=$(now)
    times+=("$(echo "$end - $start" | bc)")
  done
  inner=$(tail -1 "$tmp/out.json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`${j.totals.tasks} tasks, status ${j.status}, run ${(j.wallMs/1000).toFixed(1)} s inside the command`)})')
  wall=$(median "${times[@]}") node_s=$(median "${bare[@]}") help_s=$(median "${help[@]}")
  printf '%-26s wall %s s (median %.2f s: ×%.1f of node -e 0 %.2f s, ×%.1f of asp --help %.2f s; %s)\n' "$scenario" "$(printf '%.2f ' "${times[@]}")" "$wall" "$(echo "$wall / $node_s" | bc -l)" "$node_s" "$(echo "$wall / $help_s" | bc -l)" "$help_s" "$inner"
done
