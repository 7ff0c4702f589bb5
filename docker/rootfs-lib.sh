# Sourced by build-base-image.sh and build-redis-image.sh: assembles a minimal
# Debian-layout root filesystem from this machine's own binaries and their
# shared libraries (found with ldd), for `docker import` without a registry.
#
#   rootfs_exit_if_current IMAGE LABEL FINGERPRINT   exit 0 when up to date (FORCE=1: never)
#   rootfs_init DIR                 merged /usr layout, /tmp, /root, /dev ...
#   rootfs_add_binaries DIR BIN...  each binary at /usr/bin/<name>, plus its libraries
#   rootfs_users DIR UID GID NAME HOME   /etc/passwd, /etc/group, nsswitch
#   rootfs_import DIR IMAGE LABEL=VALUE [--change ...]   tar | docker import

rootfs_log() { printf '[%s] %s\n' "${ROOTFS_LOG_NAME:-rootfs}" "$*" >&2; }

# Ends the calling script (exit 0) when IMAGE's label LABEL already holds
# FINGERPRINT, unless FORCE=1: re-runs cost a second.
rootfs_exit_if_current() {
  local image="$1" label="$2" fingerprint="$3" current
  [ "${FORCE:-0}" -eq 1 ] && return 0
  current="$(docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true)"
  if [ "$current" = "$fingerprint" ]; then
    rootfs_log "$image is up to date ($fingerprint)"
    exit 0
  fi
}

rootfs_init() {
  local root="$1"
  chmod 755 "$root" # becomes / in the image (mktemp made it 0700)
  mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin,share} "$root"/{etc,tmp,root,dev,proc,sys,run,var/tmp}
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 700 "$root/root"
  : >"$root/etc/hosts"
  : >"$root/etc/resolv.conf"
}

# The library at the path ldd resolved it to (the target's content, under the
# soname path the loader asks for); /lib/... is /usr/lib/... under merged /usr.
rootfs_copy_lib() {
  local root="$1" lib="$2" dest
  case "$lib" in
    /usr/*) dest="$lib" ;;
    /*) dest="/usr$lib" ;;
    *) return 0 ;;
  esac
  if [ ! -e "$root$dest" ]; then
    mkdir -p "$root$(dirname "$dest")"
    cp -L "$lib" "$root$dest"
  fi
}

# Binaries by path or by command name; each lands at /usr/bin/<basename of
# the resolved file>, plus a link under the name it was asked by.
rootfs_add_binaries() {
  local root="$1" item path bin lib
  shift
  for item in "$@"; do
    case "$item" in
      /*) path="$item" ;;
      *) path="$(command -v "$item" || true)" ;;
    esac
    [ -n "$path" ] && [ -x "$path" ] || { rootfs_log "missing tool on this machine: $item"; return 1; }
    bin="$(readlink -f "$path")"
    cp -L "$bin" "$root/usr/bin/$(basename "$bin")"
    # A command that is a link to another name (redis-server -> redis-check-rdb)
    # keeps its own name too: some binaries look at argv[0].
    if [ "$(basename "$path")" != "$(basename "$bin")" ] && [ ! -e "$root/usr/bin/$(basename "$path")" ]; then
      ln -s "$(basename "$bin")" "$root/usr/bin/$(basename "$path")"
    fi
    while read -r lib; do rootfs_copy_lib "$root" "$lib"; done < <(
      ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(0x/{print $1}'
    )
  done
}

rootfs_users() {
  local root="$1" uid="$2" gid="$3" name="$4" home="$5"
  cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/bin/sh
${name}:x:${uid}:${gid}:${name}:${home}:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
  cat >"$root/etc/group" <<GROUP
root:x:0:
${name}:x:${gid}:
nogroup:x:65534:
GROUP
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# Runs a command inside the assembled rootfs (as root only; skipped otherwise).
rootfs_smoke() {
  local root="$1"
  shift
  local chroot_bin
  chroot_bin="$(command -v chroot || true)"
  [ -n "$chroot_bin" ] && [ "$(id -u)" -eq 0 ] || return 0
  [ -e "$root/dev/null" ] || mknod -m 666 "$root/dev/null" c 1 3
  env -i PATH=/usr/bin "$chroot_bin" "$root" "$@" >/dev/null
  local status=$?
  rm -f "$root/dev/null"
  return $status
}

# Imports the rootfs as IMAGE; extra arguments are `docker import --change` values.
# Removes the image it replaces (a full copy on vfs) when nothing uses it.
rootfs_import() {
  local root="$1" image="$2" previous_id new_id change
  shift 2
  local -a changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  previous_id="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  rootfs_log "importing $(du -sh "$root" | cut -f1) rootfs as $image"
  tar --numeric-owner -C "$root" -cf - . | docker import "${changes[@]}" - "$image" >/dev/null
  new_id="$(docker image inspect --format '{{.Id}}' "$image")"
  if [ -n "$previous_id" ] && [ "$previous_id" != "$new_id" ]; then
    docker image rm "$previous_id" >/dev/null 2>&1 || true
  fi
}
