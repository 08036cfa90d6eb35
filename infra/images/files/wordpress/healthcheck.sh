#!/bin/sh
# `docker exec <ctr> allmende-healthcheck`: Apache and PHP answer (no database needed).
set -eu
exec curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:${ALLMENDE_HTTP_PORT:-80}/wp-includes/images/blank.gif"
