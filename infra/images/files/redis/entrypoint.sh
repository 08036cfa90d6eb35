#!/bin/sh
# Entrypoint of allmende/redis:7 (Debian bookworm redis-server), like the
# official image: data in /data, runs as user redis (best started as redis: --user redis,
# no capabilities, read-only root; a fresh volume on /data already belongs to redis).
#
# REDIS_PASSWORD, if set, becomes requirepass through configuration read from stdin
# (`redis-server FILE -`), never an argument: a command line is readable by every local
# user. Every byte of it is written as a \xHH escape inside double quotes, so no value can
# end the string or add a directive.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  if [ "$(id -u)" = 0 ]; then
    mkdir -p /data
    chown redis:redis /data
    set -- setpriv --reuid=redis --regid=redis --init-groups redis-server /etc/redis/allmende.conf "$@"
  else
    [ -w /data ] || { echo "allmende-redis: /data is not writable for $(id -un); mount the data volume there" >&2; exit 73; }
    set -- redis-server /etc/redis/allmende.conf "$@"
  fi
  if [ -n "${REDIS_PASSWORD:-}" ]; then
    # printf is a shell builtin: the password reaches od on stdin only.
    escaped="$(printf '%s' "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')"
    # "-" as the last argument: redis-server reads more configuration from stdin.
    exec "$@" - <<CONFIG
requirepass "$escaped"
CONFIG
  fi
  exec "$@"
fi
exec "$@"
