#!/bin/bash
# Entrypoint of allmende/postgres:15 (Debian bookworm postgresql-15), modelled
# on the official postgres image: on first start (no $PGDATA/PG_VERSION) run
# initdb with POSTGRES_USER (superuser, default postgres) / POSTGRES_PASSWORD
# (required) and create POSTGRES_DB (default: the user name). Local socket
# connections are trusted (only `docker exec` reaches them); TCP needs the
# password (scram-sha-256). Runs postgres as user postgres in the foreground.
#
# Best started as postgres (--user postgres, no capabilities, read-only root with tmpfs
# mounts on /var/run/postgresql and /tmp): a fresh volume on $PGDATA already belongs to
# postgres (Docker copies the image's directory). Started as root, it prepares the
# directories and drops to postgres.
set -euo pipefail

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
log() { echo "allmende-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 64; }
privileged=false
[[ "$(id -u)" == 0 ]] && privileged=true
# Runs a command as postgres: switches user when root, else already is.
as_postgres() { if $privileged; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }

initialise() {
  local user="${POSTGRES_USER:-postgres}"
  local db="${POSTGRES_DB:-$user}"
  local password="${POSTGRES_PASSWORD:-}"
  local name_re='^[a-zA-Z_][a-zA-Z0-9_]{0,62}$'
  [[ "$user" =~ $name_re ]] || die "POSTGRES_USER must match $name_re"
  [[ "$db" =~ $name_re ]] || die "POSTGRES_DB must match $name_re"
  [[ -n "$password" ]] || die "POSTGRES_PASSWORD is required on first start"
  [[ "$password" != *$'\n'* ]] || die "POSTGRES_PASSWORD must be one line"

  log "initialising $PGDATA"
  # initdb reads the password from a file, so it never appears on a command line.
  local pwfile
  pwfile="$(mktemp)"
  chmod 600 "$pwfile"
  printf '%s\n' "$password" >"$pwfile"
  if $privileged; then chown postgres:postgres "$pwfile"; fi
  if ! as_postgres initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null; then
    rm -f "$pwfile"
    find "$PGDATA" -mindepth 1 -delete
    die "initdb failed"
  fi
  rm -f "$pwfile"
  {
    echo "# Allmende: any address may connect with a password."
    echo "host all all 0.0.0.0/0 scram-sha-256"
    echo "host all all ::/0 scram-sha-256"
  } >>"$PGDATA/pg_hba.conf"
  {
    echo "listen_addresses = '*'"
    echo "password_encryption = scram-sha-256"
  } >>"$PGDATA/postgresql.auto.conf"

  if [[ "$db" != postgres ]]; then
    as_postgres pg_ctl --pgdata="$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
    # psql's :"name" quoting: the name is never pasted into the SQL text.
    as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc -U "$user" -d postgres -v db="$db" <<'SQL' >/dev/null
CREATE DATABASE :"db";
SQL
    as_postgres pg_ctl --pgdata="$PGDATA" -w -m fast stop >/dev/null
  fi
  log "initialised (user $user, database $db)"
}

if [[ "${1:-}" == postgres ]]; then
  if $privileged; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2775 /var/run/postgresql
  else
    for dir in "$PGDATA" /var/run/postgresql /tmp; do
      [[ -w "$dir" ]] || die "$dir is not writable for $(id -un); mount the data volume there (a tmpfs for /var/run/postgresql and /tmp)"
    done
  fi
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    initialise
  fi
  if $privileged; then exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"; fi
  exec "$@"
fi
exec "$@"
