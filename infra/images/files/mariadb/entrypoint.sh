#!/bin/bash
# Entrypoint of allmende/mariadb:10.11 (Debian bookworm mariadb-server).
#
# First start (no /var/lib/mysql/mysql): initialise the datadir, give root a
# random password (root keeps unix_socket login, so `docker exec <ctr> mariadb`
# works as root), and create MARIADB_DATABASE and MARIADB_USER/MARIADB_PASSWORD
# (MYSQL_* names accepted too). Then run mariadbd as user mysql in the foreground.
#
# Best started as mysql (--user mysql, no capabilities, read-only root with tmpfs mounts on
# /run/mysqld and /tmp): a fresh volume on /var/lib/mysql already belongs to mysql (Docker
# copies the image's directory). Started as root, it prepares the directories and drops to mysql.
set -euo pipefail

DATADIR=/var/lib/mysql
# The temporary server used during initialisation listens on its own socket, so
# `mariadb-admin ping` (the healthcheck, default socket) only succeeds once the
# real server runs with the database and user in place.
SOCKET=/run/mysqld/init.sock

log() { echo "allmende-mariadb: $*" >&2; }
die() { log "ERROR: $*"; exit 64; }
privileged=false
[[ "$(id -u)" == 0 ]] && privileged=true
# Runs a command as mysql: switches user when root, else already is.
as_mysql() { if $privileged; then setpriv --reuid=mysql --regid=mysql --init-groups "$@"; else "$@"; fi; }

# SQL literal that no value can break out of: the bytes travel as a hex
# literal and are turned into a string by the server.
sql_string() {
  local hex
  hex="$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n')"
  if [[ -z "$hex" ]]; then printf "''"; else printf "CONVERT(X'%s' USING utf8mb4)" "$hex"; fi
}

tmp_pid=""
init_failed() {
  log "initialisation failed, removing the partial datadir"
  if [[ -n "$tmp_pid" ]]; then kill "$tmp_pid" 2>/dev/null || true; wait "$tmp_pid" 2>/dev/null || true; fi
  find "$DATADIR" -mindepth 1 -delete
}

initialise() {
  local db="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
  local user="${MARIADB_USER:-${MYSQL_USER:-}}"
  local password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
  local name_re='^[a-zA-Z0-9_]{1,32}$'
  if [[ -n "$db" && ! "$db" =~ $name_re ]]; then die "MARIADB_DATABASE must match $name_re"; fi
  if [[ -n "$user" ]]; then
    [[ "$user" =~ $name_re ]] || die "MARIADB_USER must match $name_re"
    [[ "$user" != root ]] || die "MARIADB_USER must not be root"
    [[ -n "$password" ]] || die "MARIADB_PASSWORD is required with MARIADB_USER"
  fi

  log "initialising $DATADIR"
  # On failure, leave no half-initialised datadir behind (it would be taken
  # as initialised on the next start). This branch only runs on an empty datadir.
  trap init_failed EXIT
  # --user=mysql also creates mysql@localhost (unix socket), the account of the backup hook;
  # --rpm skips chown-ing the PAM helper, which an unprivileged run cannot do (and does not use).
  mariadb-install-db --user=mysql --rpm --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=socket >/dev/null

  as_mysql mariadbd --datadir="$DATADIR" --skip-networking --socket="$SOCKET" --skip-log-error &
  tmp_pid=$!
  local i
  for ((i = 0; i < 60; i++)); do
    mariadb-admin --socket="$SOCKET" ping --silent >/dev/null 2>&1 && break
    kill -0 "$tmp_pid" 2>/dev/null || die "temporary mariadbd exited"
    sleep 0.5
  done
  mariadb-admin --socket="$SOCKET" ping --silent >/dev/null 2>&1 || die "temporary mariadbd did not start"

  local root_pw
  root_pw="$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    # root: unix_socket inside the container, or a random password nobody is told
    # (hex digits only, so a plain literal is safe; USING PASSWORD() takes literals only).
    echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$root_pw');"
    echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));"
    # install-db adds a proxy grant for the build-time hostname; the official image drops it too.
    echo "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost');"
    if [[ -n "$db" ]]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    fi
    if [[ -n "$user" ]]; then
      # CREATE USER cannot take expressions, so build it server-side with QUOTE().
      echo "SET @u = $(sql_string "$user"), @p = $(sql_string "$password");"
      echo "SET @s = CONCAT('CREATE USER ', QUOTE(@u), '@''%'' IDENTIFIED BY ', QUOTE(@p));"
      echo "PREPARE s FROM @s; EXECUTE s; DEALLOCATE PREPARE s;"
      if [[ -n "$db" ]]; then
        echo "SET @s = CONCAT('GRANT ALL ON \`$db\`.* TO ', QUOTE(@u), '@''%''');"
        echo "PREPARE s FROM @s; EXECUTE s; DEALLOCATE PREPARE s;"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$SOCKET" --protocol=socket --user="$(id -un)"   # root, or mysql@localhost (unix socket)

  mariadb-admin --socket="$SOCKET" shutdown
  wait "$tmp_pid" || true
  trap - EXIT
  log "initialised${db:+ database $db}${user:+, user $user}"
}

if [[ "${1:-}" == mariadbd || "${1:-}" == mysqld ]]; then
  if $privileged; then
    mkdir -p "$DATADIR" /run/mysqld
    chown mysql:mysql "$DATADIR" /run/mysqld
    chmod 750 "$DATADIR"
  else
    for dir in "$DATADIR" /run/mysqld /tmp; do
      [[ -w "$dir" ]] || die "$dir is not writable for $(id -un); mount the data volume there (a tmpfs for /run/mysqld and /tmp)"
    done
  fi
  if [[ ! -d "$DATADIR/mysql" ]]; then
    initialise
  fi
  if $privileged; then exec setpriv --reuid=mysql --regid=mysql --init-groups "$@"; fi
  exec "$@"
fi
exec "$@"
