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

log() { printf '[build-base-image] %s\n' "$*" >&2; }

NODE_BIN="$(readlink -f "$(command -v node)")"
GIT_BIN="$(readlink -f "$(command -v git)")"
[ -x "$NODE_BIN" ] || { log "node not found on this machine"; exit 1; }
[ -x "$GIT_BIN" ] || { log "git not found on this machine"; exit 1; }

script_sum="$(sha256sum "$0" | cut -c1-16)"
fingerprint="node-$("$NODE_BIN" --version)_git-$("$GIT_BIN" --version | awk '{print $3}')_uid-${ASP_UID}_gid-${ASP_GID}_script-${script_sum}"

if [ "$FORCE" -eq 0 ]; then
  current="$(docker image inspect --format '{{ index .Config.Labels "asp.base.fingerprint" }}' "$IMAGE" 2>/dev/null || true)"
  if [ "$current" = "$fingerprint" ]; then
    log "$IMAGE is up to date ($fingerprint)"
    exit 0
  fi
fi

ROOTFS="$(mktemp -d /tmp/asp-base-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
chmod 755 "$ROOTFS" # becomes / in the image (mktemp made it 0700)

# Debian's merged /usr layout.
mkdir -p "$ROOTFS"/usr/{bin,sbin,lib,lib64,local/bin,share} "$ROOTFS"/{etc,tmp,root,home/asp,app/data,app/workspaces,dev,proc,sys,var/tmp}
ln -s usr/bin "$ROOTFS/bin"
ln -s usr/sbin "$ROOTFS/sbin"
ln -s usr/lib "$ROOTFS/lib"
ln -s usr/lib64 "$ROOTFS/lib64"
chmod 1777 "$ROOTFS/tmp" "$ROOTFS/var/tmp"
chmod 700 "$ROOTFS/root"

# Binaries: node, git, the shells and the coreutils the entrypoints and
# healthchecks need. Each lands at /usr/bin/<name>.
TOOLS=(bash dash env id cat mkdir ls rm sleep grep chown chmod cp mv ln head tail uname date dirname basename tr sed)
declare -a BINARIES=("$NODE_BIN" "$GIT_BIN")
for tool in "${TOOLS[@]}"; do
  path="$(command -v "$tool" || true)"
  [ -n "$path" ] && [ -x "$path" ] || { log "missing tool on this machine: $tool"; exit 1; }
  BINARIES+=("$(readlink -f "$path")")
done

for bin in "${BINARIES[@]}"; do
  cp -L "$bin" "$ROOTFS/usr/bin/$(basename "$bin")"
done
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

# Shared libraries, each at the path ldd resolved it to (the target's content,
# under the soname path the loader asks for).
copy_lib() {
  local lib="$1"
  # /lib/x86_64-linux-gnu/... and /lib64/... are /usr/lib/... under merged /usr.
  local dest
  case "$lib" in
    /usr/*) dest="$lib" ;;
    /*) dest="/usr$lib" ;;
    *) return 0 ;;
  esac
  if [ ! -e "$ROOTFS$dest" ]; then
    mkdir -p "$ROOTFS$(dirname "$dest")"
    cp -L "$lib" "$ROOTFS$dest"
  fi
}
for bin in "${BINARIES[@]}"; do
  while read -r lib; do copy_lib "$lib"; done < <(
    ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(0x/{print $1}'
  )
done

# The persona user (UID/GID from the build), root, and nobody.
cat >"$ROOTFS/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
asp:x:${ASP_UID}:${ASP_GID}:ASP persona:/home/asp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<EOF
root:x:0:
asp:x:${ASP_GID}:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
: >"$ROOTFS/etc/hosts"
: >"$ROOTFS/etc/resolv.conf"
chown -R "${ASP_UID}:${ASP_GID}" "$ROOTFS/home/asp" "$ROOTFS/app/data" "$ROOTFS/app/workspaces"

# Smoke test of the rootfs before importing: the loader finds every library.
CHROOT="$(command -v chroot || true)"
if [ -n "$CHROOT" ] && [ "$(id -u)" -eq 0 ]; then
  mknod -m 666 "$ROOTFS/dev/null" c 1 3
  env -i PATH=/usr/bin "$CHROOT" "$ROOTFS" /usr/bin/node -e 'process.exit(0)' || { log "node does not run in the assembled rootfs"; exit 1; }
  env -i PATH=/usr/bin "$CHROOT" "$ROOTFS" /usr/bin/git --version >/dev/null || { log "git does not run in the assembled rootfs"; exit 1; }
  rm -f "$ROOTFS/dev/null"
fi

previous_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
log "importing $(du -sh "$ROOTFS" | cut -f1) rootfs as $IMAGE"
tar --numeric-owner -C "$ROOTFS" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV HOME=/root' \
  --change "LABEL asp.base.fingerprint=$fingerprint" \
  --change 'LABEL org.opencontainers.image.description="ASP offline base: host node and git, no package manager"' \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
new_id="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous_id" ] && [ "$previous_id" != "$new_id" ]; then
  docker image rm "$previous_id" >/dev/null 2>&1 || true # still used by an image: stays
fi
log "built $IMAGE ($fingerprint)"
