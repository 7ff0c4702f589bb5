#!/usr/bin/env bash
# Builds asp-platform:latest from docker/Dockerfile. One command:
#
#   docker/build-image.sh              # auto: public node:20-bookworm-slim when a
#                                      # registry can be reached, else offline
#   docker/build-image.sh --offline    # base asp-base:local, built from this
#                                      # machine's node and git (no registry);
#                                      # also asp-redis:latest for compose.yml
#                                      # (docker/build-redis-image.sh)
#   docker/build-image.sh --online     # base node:20-bookworm-slim (pulled)
#   docker/build-image.sh --base IMAGE # any base with node 20 (git is added
#                                      # with apt when missing)
#   docker/build-image.sh --force      # rebuild even when up to date
#
# Env: ASP_IMAGE (default asp-platform:latest), ASP_UID/ASP_GID (default 1000),
# ASP_OFFLINE=1 (same as --offline).
#
# Offline auto-detection sends nothing to any registry: a base already present
# locally is used as is (node:20-bookworm-slim first, then asp-base:local);
# otherwise the registry's name is resolved with the system resolver, and when
# that fails the build goes offline.
#
# The build context is a staged temp dir (package.json, package-lock.json,
# the compiled dist/ (built first when older than src/), docker/ scripts,
# production node_modules copied from this checkout, so
# no `npm ci` and no native rebuild inside the image), never the whole repo.
# The image carries the label asp.image.fingerprint (sources + lockfile + base
# image id); when it matches, the build is skipped in well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${ASP_IMAGE:-asp-platform:latest}"
ONLINE_BASE="node:20-bookworm-slim"
OFFLINE_BASE="${ASP_BASE_IMAGE:-asp-base:local}"
ASP_UID="${ASP_UID:-1000}"
ASP_GID="${ASP_GID:-1000}"
MODE=auto
BASE=""
FORCE=0
[ "${ASP_OFFLINE:-}" = "1" ] && MODE=offline

while [ $# -gt 0 ]; do
  case "$1" in
    --offline) MODE=offline ;;
    --online) MODE=online ;;
    --base) BASE="${2:?--base needs an image}"; MODE=explicit; shift ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[build-image] %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "no Docker engine answers (start one: docker/start-dockerd.sh)"
  exit 1
fi

if [ "$MODE" = auto ]; then
  if docker image inspect "$ONLINE_BASE" >/dev/null 2>&1; then
    MODE=online
  elif docker image inspect "$OFFLINE_BASE" >/dev/null 2>&1; then
    log "using the offline base $OFFLINE_BASE built before (--online to pull $ONLINE_BASE)"
    MODE=offline
  elif getent hosts registry-1.docker.io >/dev/null 2>&1; then
    MODE=online
  else
    log "no registry reachable: building offline"
    MODE=offline
  fi
fi
case "$MODE" in
  offline)
    "$ROOT/docker/build-base-image.sh"
    # compose.yml's Redis too, from this machine's redis-server (no registry to pull it from).
    if command -v redis-server >/dev/null 2>&1; then
      "$ROOT/docker/build-redis-image.sh"
    else
      log "no redis-server on this machine: asp-redis:latest not built (compose builds it from redis:7-bookworm where a registry is reachable)"
    fi
    BASE="$OFFLINE_BASE" ;;
  online) BASE="$ONLINE_BASE" ;;
esac

# Production dependencies: copied from this checkout when its native modules
# fit the image (Linux build host with node 20, like the base; always for the
# offline base, which is this machine's node), else installed in the image.
host_node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$BASE" = "$OFFLINE_BASE" ] || { [ "$(uname -s)" = Linux ] && [ "$host_node_major" = 20 ]; }; then
  TARGET=copied-deps
else
  TARGET=installed-deps
fi
[ -n "${ASP_IMAGE_TARGET:-}" ] && TARGET="$ASP_IMAGE_TARGET"

# The image runs the compiled engine: build dist/ when it is missing or older than src/.
if [ -d "$ROOT/src" ]; then
  state="$(cd "$ROOT" && node --input-type=module -e 'import { distState } from "./src/cli/dist-build.js"; process.stdout.write(distState())')"
  if [ "$state" != fresh ]; then
    log "dist/ is $state: building it (npm run build)"
    node "$ROOT/src/cli/build.js"
  fi
fi

# Fingerprint of everything that goes into the image, computed without staging.
base_id="$(docker image inspect --format '{{.Id}}' "$BASE" 2>/dev/null || echo "unpulled:$BASE")"
fingerprint="$(
  cd "$ROOT"
  {
    echo "base=$base_id uid=$ASP_UID gid=$ASP_GID target=$TARGET"
    find dist docker package.json package-lock.json -type f ! -name .tsbuildinfo -printf '%p %s %T@\n' | LC_ALL=C sort
    sha256sum package-lock.json
  } | sha256sum | cut -c1-32
)"
if [ "$FORCE" -eq 0 ]; then
  current="$(docker image inspect --format '{{ index .Config.Labels "asp.image.fingerprint" }}' "$IMAGE" 2>/dev/null || true)"
  if [ "$current" = "$fingerprint" ]; then
    log "$IMAGE is up to date (base $BASE)"
    exit 0
  fi
fi

STAGE="$(mktemp -d /tmp/asp-image-context.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/app/docker"
cp "$ROOT/docker/Dockerfile" "$STAGE/Dockerfile"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$STAGE/app/"
cp -a "$ROOT/dist" "$STAGE/app/dist"
rm -f "$STAGE/app/dist/.tsbuildinfo"
cp -a "$ROOT/docker/setup-git-user.sh" "$ROOT/docker/admin-entrypoint.sh" "$ROOT/docker/compose-entrypoint.sh" "$ROOT/docker/asp" "$ROOT/docker/healthcheck.mjs" "$STAGE/app/docker/"

# Production dependencies only: the lockfile's packages not marked dev, that
# exist in this checkout (optional platform packages of other OSes do not);
# nested paths are covered by their top-level package. Build leftovers of
# native modules (object files, sources), type declarations, source maps and
# docs stay out (a third of the size; nothing loads them at run time).
if [ "$TARGET" = copied-deps ] && [ ! -d "$ROOT/node_modules" ]; then
  log "no node_modules in $ROOT: run npm ci first"
  exit 1
fi
if [ "$TARGET" = copied-deps ]; then
(
  cd "$ROOT"
  node -e '
    const fs = require("node:fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    const paths = Object.entries(lock.packages ?? {})
      .filter(([p, meta]) => p.startsWith("node_modules/") && !meta.dev && fs.existsSync(p))
      .map(([p]) => p)
      .sort();
    const kept = [];
    for (const p of paths) if (!kept.some((k) => p.startsWith(k + "/"))) kept.push(p);
    process.stdout.write(kept.join("\n") + "\n");
  ' >"$STAGE/prod-modules.txt"
  tar -cf - \
    --exclude='node_modules/better-sqlite3/build/Release/obj*' \
    --exclude='node_modules/better-sqlite3/build/Release/.deps' \
    --exclude='node_modules/better-sqlite3/build/Release/test_extension.node' \
    --exclude='node_modules/better-sqlite3/build/Release/*.a' \
    --exclude='node_modules/better-sqlite3/build/deps' \
    --exclude='node_modules/better-sqlite3/deps' \
    --exclude='node_modules/better-sqlite3/src' \
    --exclude='node_modules/cpu-features/build' \
    --exclude='node_modules/cpu-features/deps' \
    --exclude='*.map' \
    --exclude='*.d.ts' \
    --exclude='*.d.cts' \
    --exclude='*.d.mts' \
    --exclude='*.md' \
    --files-from="$STAGE/prod-modules.txt"
) | tar -C "$STAGE/app" -xf -
rm -f "$STAGE/prod-modules.txt"
fi

build_env=()
if ! docker buildx version >/dev/null 2>&1; then
  # No BuildKit client: the classic builder (deprecated but built in).
  build_env=(DOCKER_BUILDKIT=0)
fi

previous_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
log "building $IMAGE from base $BASE, target $TARGET (context $(du -sh "$STAGE" | cut -f1))"
started=$(date +%s)
if ! output="$(env "${build_env[@]}" docker build \
  --network host \
  --build-arg "BASE_IMAGE=$BASE" \
  --build-arg "ASP_UID=$ASP_UID" \
  --build-arg "ASP_GID=$ASP_GID" \
  --target "$TARGET" \
  --label "asp.image.fingerprint=$fingerprint" \
  --tag "$IMAGE" \
  "$STAGE" 2>&1)"; then
  printf '%s\n' "$output" >&2
  log "docker build failed"
  exit 1
fi
# The replaced image would stay behind untagged (a full copy on vfs).
new_id="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous_id" ] && [ "$previous_id" != "$new_id" ]; then
  docker image rm "$previous_id" >/dev/null 2>&1 || true
fi
log "built $IMAGE in $(( $(date +%s) - started ))s: $(docker image ls --format '{{.Size}}' "$IMAGE" | head -n1)"
