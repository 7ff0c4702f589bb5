#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the *.docker.test.ts
# integration tests and the docker runtime. Idempotent: installs Debian's
# docker.io when dockerd is missing, starts dockerd when no engine answers,
# and waits (bounded) until `docker info` answers. Also installs Debian's
# docker-compose (v1) when no compose implementation is present, so that
# `docker compose config` / `docker-compose config` can check compose.yml.
#
# The engine runs without a bridge and without iptables: every container the
# project starts uses host networking and talks only to 127.0.0.1. Its storage
# driver is overlay2 where the kernel allows it, else vfs (storage_driver below).
#
#   docker/start-dockerd.sh            # install if missing, start, wait
#   ASP_DOCKERD_WAIT=120 docker/start-dockerd.sh
#
# Exits 0 when an engine answers, non-zero (with the reason) otherwise.
set -euo pipefail

WAIT_SECONDS="${ASP_DOCKERD_WAIT:-60}"
LOG_FILE="${ASP_DOCKERD_LOG:-/tmp/dockerd.log}"

log() { printf '[start-dockerd] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "need root for: $*"; return 1
  fi
}

engine_answers() { docker info >/dev/null 2>&1; }

# overlay2 when this kernel mounts an overlay on the engine's data root (a
# container is created in a fraction of a second), else vfs, which works
# everywhere but copies the whole image for every container (seconds each; a
# docker-runtime run starts three). ASP_DOCKERD_STORAGE_DRIVER forces one.
# Images are kept per driver: after a switch, docker/build-image.sh builds them again.
storage_driver() {
  if [ -n "${ASP_DOCKERD_STORAGE_DRIVER:-}" ]; then echo "$ASP_DOCKERD_STORAGE_DRIVER"; return; fi
  local root=/var/lib/docker probe
  as_root mkdir -p "$root"
  probe="$(as_root mktemp -d "$root/overlay-probe.XXXXXX")" || { echo vfs; return; }
  as_root mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  if as_root mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    as_root umount "$probe/merged"
    echo overlay2
  else
    echo vfs
  fi
  as_root rm -rf "$probe"
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if engine_answers; then
  log "an engine already answers"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io (dockerd, containerd, runc)"
    apt_install docker.io
  fi
  if ! command -v docker >/dev/null 2>&1; then
    log "no docker CLI after install"; exit 1
  fi
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is running but does not answer yet; waiting"
  else
    driver="$(storage_driver)"
    log "starting dockerd ($driver, no bridge, no iptables), log in $LOG_FILE"
    # setsid: the daemon outlives this script and its terminal.
    as_root setsid dockerd --storage-driver="$driver" --bridge=none --iptables=false >"$LOG_FILE" 2>&1 < /dev/null &
  fi
  deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until engine_answers; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "no engine answered within ${WAIT_SECONDS}s; last lines of $LOG_FILE:"
      tail -n 20 "$LOG_FILE" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 1
  done
  log "engine answers: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
fi

# A compose implementation: the plugin (`docker compose`) or the standalone
# docker-compose. Debian bookworm only packages the standalone v1.
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker-compose (Debian package)"
  apt_install docker-compose || log "docker-compose could not be installed; compose checks will be skipped"
fi
exit 0
