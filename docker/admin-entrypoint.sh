#!/bin/sh
# Command of the asp-admin service (runs under setup-git-user.sh):
#   1. `asp admin migrate` applies the telemetry database migrations; a failure
#      is fatal (the container exits and compose restarts it);
#   2. `asp admin serve` serves the dashboard and JSON API until SIGTERM
#      (extra arguments go to it, e.g. --port).
# The healthcheck (docker/healthcheck.mjs admin) requires step 1 and a
# dashboard that answers.
set -eu
cd /app

log() { printf '{"level":30,"component":"admin-entrypoint","msg":"%s"}\n' "$*"; }

log "applying migrations: asp admin migrate"
if ! node dist/cli/entry.js admin migrate; then
  printf '{"level":50,"component":"admin-entrypoint","msg":"asp admin migrate failed; exiting so that the container is restarted"}\n' >&2
  exit 1
fi
date -u +%Y-%m-%dT%H:%M:%SZ > /tmp/asp-admin-migrated

log "starting the admin: asp admin serve $*"
exec node dist/cli/entry.js admin serve "$@"
