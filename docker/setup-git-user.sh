#!/bin/sh
# ENTRYPOINT of asp-platform:latest. Gives the container's git the persona's
# identity, then runs the command (default: the persona listener).
#
#   GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL  -> git config --global user.name / user.email
#
# The workspaces volume is shared by every persona (and, with the docker
# runtime, by the host), so its repositories are owned by whoever created
# them: git's ownership check is relaxed for them (safe.directory), scoped to
# this container's user and HOME.
set -eu

if [ -z "${HOME:-}" ] || [ "$HOME" = "/" ]; then
  export HOME=/home/asp
fi
if ! mkdir -p "$HOME" 2>/dev/null || [ ! -w "$HOME" ]; then
  # A read-only or foreign HOME: keep the global config somewhere writable.
  export GIT_CONFIG_GLOBAL="${TMPDIR:-/tmp}/asp-gitconfig-$(id -u)"
fi

if [ -n "${GIT_AUTHOR_NAME:-}" ]; then
  git config --global user.name "$GIT_AUTHOR_NAME"
fi
if [ -n "${GIT_AUTHOR_EMAIL:-}" ]; then
  git config --global user.email "$GIT_AUTHOR_EMAIL"
fi
if ! git config --global --get-all safe.directory 2>/dev/null | grep -qx '\*'; then
  git config --global --add safe.directory '*'
fi

exec "$@"
