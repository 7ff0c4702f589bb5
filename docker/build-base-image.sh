#!/usr/bin/env bash
# Builds the local base image asp-base:local WITHOUT any registry: assembles a
# minimal root filesystem from this machine's own node binary, git, sh/bash,
# the few coreutils the entrypoints use, their shared libraries (found with
# ldd) and /etc/passwd + /etc/group entries, then `docker import`s it.
#
#   docker/build-base-image.sh            # skip when the image is up to date
#   docker/build-base-image.sh --force    # rebuild regardless
#
# Env: ASP_BASE_IMAGE (default asp-base:local), ASP_UID / ASP_GID (default
# 1000) for the persona user `asp` (home /home/asp).
#
# The image is "up to date" when its label asp.base.fingerprint matches the
# node and git versions and this script's content, so re-runs cost a second.
set -euo pipefail

IMAGE="${ASP_BASE_IMAGE:-asp-base:local}"
ASP_UID="${ASP_UID:-1000}"
ASP_GID="${ASP_GID:-1000}"
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-base-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done

# shellcheck source=docker/rootfs-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/rootfs-lib.sh"
ROOTFS_LOG_NAME=build-base-image
log() { rootfs_log "$@"; }

NODE_BIN="$(readlink -f "$(command -v node)")"
GIT_BIN="$(readlink -f "$(command -v git)")"
[ -x "$NODE_BIN" ] || { log "node not found on this machine"; exit 1; }
[ -x "$GIT_BIN" ] || { log "git not found on this machine"; exit 1; }

script_sum="$(cat "$0" "$(dirname "${BASH_SOURCE[0]}")/rootfs-lib.sh" | sha256sum | cut -c1-16)"
fingerprint="node-$("$NODE_BIN" --version)_git-$("$GIT_BIN" --version | awk '{print $3}')_uid-${ASP_UID}_gid-${ASP_GID}_script-${script_sum}"

rootfs_exit_if_current "$IMAGE" asp.base.fingerprint "$fingerprint"

ROOTFS="$(mktemp -d /tmp/asp-base-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
rootfs_init "$ROOTFS"
mkdir -p "$ROOTFS"/{home/asp,app/data,app/workspaces}

# Binaries: node, git, the shells and the coreutils the entrypoints and
# healthchecks need (setpriv: the compose entrypoint drops root for the
# persona user). Each lands at /usr/bin/<name>.
TOOLS=(bash dash env id cat mkdir ls rm sleep grep chown chmod cp mv ln head tail uname date dirname basename tr sed setpriv)
rootfs_add_binaries "$ROOTFS" "$NODE_BIN" "$GIT_BIN" "${TOOLS[@]}"
ln -s dash "$ROOTFS/usr/bin/sh"
# Debug symbols are a tenth of node's size; the dynamic symbols native addons
# link against stay (--strip-unneeded).
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$ROOTFS/usr/bin/node" "$ROOTFS/usr/bin/git" 2>/dev/null || true
fi
# git finds its builtins through its exec path; the git binary there is enough
# for the builtins (init, add, commit, diff, log, gc ...).
mkdir -p "$ROOTFS/usr/lib/git-core"
ln "$ROOTFS/usr/bin/git" "$ROOTFS/usr/lib/git-core/git"
if [ -d /usr/share/git-core/templates ]; then
  mkdir -p "$ROOTFS/usr/share/git-core"
  cp -a /usr/share/git-core/templates "$ROOTFS/usr/share/git-core/"
fi

# The persona user (UID/GID from the build), root, and nobody.
rootfs_users "$ROOTFS" "$ASP_UID" "$ASP_GID" asp /home/asp
chown -R "${ASP_UID}:${ASP_GID}" "$ROOTFS/home/asp" "$ROOTFS/app/data" "$ROOTFS/app/workspaces"

# Smoke test of the rootfs before importing: the loader finds every library.
rootfs_smoke "$ROOTFS" /usr/bin/node -e 'process.exit(0)' || { log "node does not run in the assembled rootfs"; exit 1; }
rootfs_smoke "$ROOTFS" /usr/bin/git --version || { log "git does not run in the assembled rootfs"; exit 1; }

rootfs_import "$ROOTFS" "$IMAGE" \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV HOME=/root' \
  "LABEL asp.base.fingerprint=$fingerprint" \
  'LABEL org.opencontainers.image.description="ASP offline base: host node and git, no package manager"' \
  'CMD ["node"]'
log "built $IMAGE ($fingerprint)"
