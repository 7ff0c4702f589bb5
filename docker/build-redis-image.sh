#!/usr/bin/env bash
# Builds asp-redis:latest (compose.yml's redis service) WITHOUT any registry:
# a root filesystem of this machine's redis-server and redis-cli, a shell,
# setpriv and the few tools of docker/redis/redis-entrypoint.sh, their shared
# libraries (ldd), a `redis` user (UID/GID 999), `docker import`ed with the
# same entrypoint, healthcheck script and command as docker/redis/Dockerfile
# (the image compose builds from the public redis:7-bookworm where a registry
# is reachable). docker/build-image.sh --offline calls it.
#
#   docker/build-redis-image.sh            # skip when the image is up to date
#   docker/build-redis-image.sh --force    # rebuild regardless
#
# Env: ASP_REDIS_IMAGE (default asp-redis:latest).
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=docker/rootfs-lib.sh
. "$DIR/rootfs-lib.sh"
ROOTFS_LOG_NAME=build-redis-image
log() { rootfs_log "$@"; }

IMAGE="${ASP_REDIS_IMAGE:-asp-redis:latest}"
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-redis-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done

REDIS_BIN="$(command -v redis-server || true)"
[ -n "$REDIS_BIN" ] || { log "redis-server is not installed on this machine (apt-get install redis-server)"; exit 1; }
version="$("$REDIS_BIN" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
script_sum="$(cat "$0" "$DIR/rootfs-lib.sh" "$DIR/redis/redis-entrypoint.sh" "$DIR/redis/redis-health.sh" | sha256sum | cut -c1-16)"
fingerprint="redis-${version}_script-${script_sum}"

rootfs_exit_if_current "$IMAGE" asp.redis.fingerprint "$fingerprint"

ROOTFS="$(mktemp -d /tmp/asp-redis-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
rootfs_init "$ROOTFS"
rootfs_add_binaries "$ROOTFS" redis-server redis-cli dash cat mkdir chmod chown mv setpriv
ln -s dash "$ROOTFS/usr/bin/sh"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/data"
cp "$DIR/redis/redis-entrypoint.sh" "$ROOTFS/usr/local/bin/asp-redis-entrypoint"
cp "$DIR/redis/redis-health.sh" "$ROOTFS/usr/local/bin/asp-redis-health"
chmod 755 "$ROOTFS/usr/local/bin/"*
rootfs_users "$ROOTFS" 999 999 redis /data
chown 999:999 "$ROOTFS/data"

rootfs_smoke "$ROOTFS" /usr/bin/redis-server --version || { log "redis-server does not run in the assembled rootfs"; exit 1; }

rootfs_import "$ROOTFS" "$IMAGE" \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV REDIS_UID=999 REDIS_GID=999' \
  "LABEL asp.redis.fingerprint=$fingerprint" \
  'LABEL org.opencontainers.image.description="ASP offline Redis: this machine'"'"'s redis-server with the ASP entrypoint"' \
  'WORKDIR /data' \
  'ENTRYPOINT ["/usr/local/bin/asp-redis-entrypoint"]' \
  'CMD ["--appendonly", "yes", "--save", ""]'
log "built $IMAGE ($fingerprint)"
