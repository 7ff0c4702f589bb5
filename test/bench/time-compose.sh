#!/usr/bin/env bash
# Time to bring the compose stack up, and the wall time of task-a with
# `--runtime compose` beside the process and docker runtimes, measured in the
# same run on the same machine. Uses the shipped compose.yml with
# test/compose.host.yml (host networking: this machine's loopback rule), a
# unique project name, free loopback ports and a temp folder; removes the
# stack (down -v) at the end. Images are built first and not timed.
#
#   bash test/bench/time-compose.sh [runs]      # default 3 runs per runtime
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
tmp="$(mktemp -d /tmp/asp-bench-compose.XXXXXX)"
project="asp-bench-$(basename "$tmp" | tr -dc 'a-z0-9' | tail -c 6)"
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
redis_port="$(free_port)"
admin_port="$(free_port)"
dc() { "${compose[@]}" -p "$project" --env-file "$tmp/bench.env" -f compose.yml -f test/compose.host.yml "$@"; }
cleanup() {
  dc down -v --timeout 5 >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

printf 'load average: %s; compose: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$("${compose[@]}" version --short 2>/dev/null || "${compose[@]}" version | head -1)"
docker/build-image.sh >/dev/null
OPENAI_API_KEY="bench-key" node src/cli/asp.js compose init --secrets "$tmp/secrets" --data "$tmp/data" --workspaces "$tmp/workspaces" --dot-env none >/dev/null
cat >"$tmp/bench.env" <<ENV
ASP_SECRETS_DIR=$tmp/secrets
ASP_DATA_DIR=$tmp/data
ASP_WORKSPACES_DIR=$tmp/workspaces
ASP_REDIS_PORT=$redis_port
ASP_ADMIN_PORT=$admin_port
ASP_CONTAINER_PREFIX=$project
ENV

start=$(date +%s.%N)
dc up -d >/dev/null 2>&1
returned=$(date +%s.%N)
services=(redis jordan alex sarah admin)
until [ "$(for s in "${services[@]}"; do docker inspect --format '{{.State.Health.Status}}' "$project-$s"; done | sort -u)" = healthy ]; do
  if [ "$(echo "$(date +%s.%N) - $start > 300" | bc)" = 1 ]; then echo "stack not healthy after 300 s" >&2; exit 1; fi
  sleep 0.5
done
healthy=$(date +%s.%N)
printf '%-30s up -d returned %.1f s, all 5 healthy %.1f s\n' "compose up (images built)" "$(echo "$returned - $start" | bc)" "$(echo "$healthy - $start" | bc)"

for runtime in process docker compose; do
  times=()
  digest=""
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s.%N)
    if [ "$runtime" = compose ]; then
      ASP_SECRETS_DIR="$tmp/secrets" ASP_REDIS_PORT="$redis_port" node src/cli/asp.js simulate scenarios/task-a.yaml --runtime compose --json \
        --db "$tmp/data/asp_telemetry.db" --workspaces "$tmp/workspaces" --runs-dir "$tmp/runs" >"$tmp/out.json"
    else
      node src/cli/asp.js simulate scenarios/task-a.yaml --runtime "$runtime" --json \
        --db "$tmp/$runtime.db" --workspaces "$tmp/ws-$runtime" --runs-dir "$tmp/runs-$runtime" >"$tmp/out.json"
    fi
    t1=$(date +%s.%N)
    times+=("$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")")
    digest="$(tail -1 "$tmp/out.json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`${j.status} ${j.digest.slice(0,12)}`)})')"
  done
  printf '%-30s wall %s s (%s)\n' "task-a --runtime $runtime" "${times[*]}" "$digest"
done
