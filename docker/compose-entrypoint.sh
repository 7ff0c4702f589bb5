#!/bin/sh
# ENTRYPOINT of the compose services asp-jordan, asp-alex, asp-sarah and
# asp-admin (compose.yml). Starts as root only to hand the Docker secrets to
# the persona user, then runs everything else as that user:
#
#   1. the persona user: ASP_UID/ASP_GID when set, else the owner of the shared
#      /app/workspaces when that is not root (files written there then belong
#      to the host user who owns the folder, and git on the host reads them
#      without "dubious ownership"), else 1000 (the image's `asp` user);
#   2. /run/secrets/api_key and /run/secrets/redis_password (bind mounts of the
#      host's files, possibly root-owned 0600) are copied to the tmpfs /run/asp,
#      owned by the persona user, mode 0600: only that user (and root) can read
#      them. The Redis URL (ASP_REDIS_USER at ASP_REDIS_ADDR, with the
#      password) goes to /run/asp/redis_url (ASP_REDIS_URL_FILE);
#   3. the API key reaches the command as OPENAI_API_KEY, in its process
#      environment only (not `docker inspect`, not the logs);
#   4. setpriv drops to the persona user (no capabilities, no new privileges)
#      and runs setup-git-user.sh (git identity) with the command.
#
# `asp` (docker/asp, on PATH) drops to the same user for `docker compose exec`.
# A missing secret stops the container with a message saying how to make it.
set -eu

SECRETS=/run/secrets
PRIVATE=/run/asp

log() { printf '{"level":%s,"component":"compose-entrypoint","msg":"%s"}\n' "$1" "$2" >&2; }
die() {
  log 50 "$1"
  exit 2
}

if [ "$(id -u)" != 0 ]; then
  # Started unprivileged (`user:` set): nothing to hand over.
  exec /app/docker/setup-git-user.sh "$@"
fi

# "uid gid" of a path (ls -n: mode links uid gid ...).
owner_of() {
  # shellcheck disable=SC2046
  set -- $(ls -ldn "$1")
  echo "$3 $4"
}

# 1. The persona user.
workspace_owner="$(owner_of /app/workspaces)"
owner_uid="${workspace_owner% *}"
owner_gid="${workspace_owner#* }"
if [ -n "${ASP_UID:-}" ]; then
  uid="$ASP_UID"
  gid="${ASP_GID:-$ASP_UID}"
elif [ "$owner_uid" != 0 ]; then
  uid="$owner_uid"
  gid="$owner_gid"
else
  uid=1000
  gid="${ASP_GID:-1000}"
fi

# 2. The secrets, for the persona user only.
mkdir -p "$PRIVATE"
chmod 0711 "$PRIVATE"
hand_over() { # hand_over <secret> <file under /run/asp>
  src="$SECRETS/$1"
  [ -f "$src" ] || die "secret $1 is missing ($src): run 'npm run compose:init' on the host (it writes secrets/), then 'docker compose up -d' again"
  cat "$src" >"$PRIVATE/$2.tmp"
  chmod 0600 "$PRIVATE/$2.tmp"
  chown "$uid:$gid" "$PRIVATE/$2.tmp"
  mv "$PRIVATE/$2.tmp" "$PRIVATE/$2"
}
hand_over api_key api_key
if [ -n "${ASP_REDIS_USER:-}" ]; then
  [ -f "$SECRETS/redis_password" ] || die "secret redis_password is missing: run 'npm run compose:init' on the host (it writes secrets/), then 'docker compose up -d' again"
  password="$(cat "$SECRETS/redis_password")"
  umask 077
  printf 'redis://%s:%s@%s\n' "$ASP_REDIS_USER" "$password" "${ASP_REDIS_ADDR:-redis:6379}" >"$PRIVATE/redis_url.tmp"
  umask 022
  chown "$uid:$gid" "$PRIVATE/redis_url.tmp"
  mv "$PRIVATE/redis_url.tmp" "$PRIVATE/redis_url"
  unset password
fi
printf '%s:%s\n' "$uid" "$gid" >"$PRIVATE/persona-user"

# 3. + 4. The command, as the persona user, with the key as OPENAI_API_KEY.
OPENAI_API_KEY="$(cat "$PRIVATE/api_key")"
export OPENAI_API_KEY
log 30 "running as $uid:$gid: $*"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all --no-new-privs \
  /app/docker/setup-git-user.sh "$@"
