#!/bin/sh
# `docker exec <ctr> allmende-healthcheck`: 0 when redis answers PONG.
if [ -n "${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH="$REDIS_PASSWORD"; export REDISCLI_AUTH; fi
[ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ]
