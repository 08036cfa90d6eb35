#!/bin/sh
# Entrypoint of allmende/redis:7 (Debian bookworm redis-server), like the
# official image: data in /data, runs as user redis. REDIS_PASSWORD, if set,
# becomes requirepass (passed as an argument, never written into a config file).
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  mkdir -p /data
  chown redis:redis /data
  set -- redis-server /etc/redis/allmende.conf "$@"
  if [ -n "${REDIS_PASSWORD:-}" ]; then
    set -- "$@" --requirepass "$REDIS_PASSWORD"
  fi
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
