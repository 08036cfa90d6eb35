#!/bin/sh
# allmende-test/rest-server: restic's REST server on :8000 with data in /data.
# Extra arguments go to restic-rest-server (e.g. --append-only, --private-repos).
# With REST_SERVER_USER and REST_SERVER_PASSWORD set, that user is written (bcrypt) into
# /data/.htpasswd and authentication is on; without them the server runs with --no-auth.
set -eu
auth=--no-auth
if [ -n "${REST_SERVER_USER:-}" ]; then
  case "$REST_SERVER_USER" in
    *[!A-Za-z0-9_-]*) echo "REST_SERVER_USER must match [A-Za-z0-9_-]+" >&2; exit 64 ;;
  esac
  [ -n "${REST_SERVER_PASSWORD:-}" ] || { echo "REST_SERVER_PASSWORD is required with REST_SERVER_USER" >&2; exit 64; }
  printf '%s' "$REST_SERVER_PASSWORD" | htpasswd -B -i -c /data/.htpasswd "$REST_SERVER_USER" 2>/dev/null
  auth=""
fi
unset REST_SERVER_PASSWORD
# shellcheck disable=SC2086 # $auth is one flag or nothing
exec restic-rest-server --path /data --listen :8000 $auth "$@"
