#!/bin/sh
# HEALTHCHECK of asp-redis: the server answers on its port. No credentials are
# needed: an unauthenticated PING is refused with NOAUTH, which proves the
# server is up and requires authentication.
reply="$(redis-cli -p "${REDIS_PORT:-6379}" ping 2>&1)" || exit 1
case "$reply" in
  *NOAUTH*) exit 0 ;;
  *) echo "unexpected reply: $reply" >&2; exit 1 ;;
esac
