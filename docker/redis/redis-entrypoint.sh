#!/bin/sh
# ENTRYPOINT of asp-redis:latest (compose.yml's redis service). Starts as root
# only to hand the ACL file (the Docker secret redis_acl, possibly root-owned
# 0600 on the host) to the redis user on the tmpfs /run/redis, then runs
# redis-server as that user with:
#   --aclfile  every client authenticates: the default user is off; one user per
#              persona limited to its own queue keys, one for the runner/admin
#   --port ${REDIS_PORT:-6379} --bind ${REDIS_BIND:-* -::*} --protected-mode no
#              (no unauthenticated access exists to protect)
#   --dir /data and the command's arguments (compose: --appendonly yes --save "")
set -euf # -f: REDIS_BIND holds "*" patterns, never file names
ACL_SECRET="${ASP_REDIS_ACL_FILE:-/run/secrets/redis_acl}"
REDIS_USER_ID="${REDIS_UID:-999}"
REDIS_GROUP_ID="${REDIS_GID:-999}"

if [ ! -f "$ACL_SECRET" ]; then
  printf '{"level":50,"component":"redis-entrypoint","msg":"the ACL file %s is missing: run npm run compose:init on the host (it writes secrets/redis_users.acl), then docker compose up -d again"}\n' "$ACL_SECRET" >&2
  exit 2
fi
mkdir -p /run/redis
cat "$ACL_SECRET" >/run/redis/users.acl
chmod 0600 /run/redis/users.acl
chown -R "$REDIS_USER_ID:$REDIS_GROUP_ID" /run/redis
chown "$REDIS_USER_ID:$REDIS_GROUP_ID" /data
# shellcheck disable=SC2086
exec setpriv --reuid="$REDIS_USER_ID" --regid="$REDIS_GROUP_ID" --clear-groups --inh-caps=-all --no-new-privs \
  redis-server --aclfile /run/redis/users.acl --port "${REDIS_PORT:-6379}" --bind ${REDIS_BIND:-* -::*} \
  --protected-mode no --dir /data "$@"
