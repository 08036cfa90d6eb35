#!/usr/bin/env bash
# Smoke check of every Allmende image in the engine at DOCKER_HOST.
#
#   DOCKER_HOST=unix:///run/allmende-test-docker.sock infra/images/verify.sh [NAME...]
#
# NAME: busybox prosody prosody-13 wordpress wordpress-6.8 postgres-mastodon caddy (default:
# all; wordpress includes mariadb, postgres-mastodon includes postgres, redis and both Mastodon
# stand-ins; prosody-13 and wordpress-6.8 also upgrade data made by 0.12 and 6.1).
# Everything runs on a throwaway network with labels
# allmende.verify=<run id>; host ports are published on 127.0.0.1 only (random
# ports) and everything created is removed on exit. Ends with "N passed, N failed".
# shellcheck disable=SC2016 # the bash -c snippets take their values as "$1", unexpanded on purpose
# No -e: a failing check is counted and the run goes on.
set -uo pipefail
cd "$(dirname "$0")" || exit 1

RUN="allmende-verify-$$"
NET="$RUN"
LABEL="allmende.verify=$RUN"
passed=0
failed=0

log() { echo "[verify] $*" >&2; }
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION CMD...
  local desc="$1"; shift
  if "$@"; then ok "$desc"; else bad "$desc"; return 1; fi
}

cleanup() {
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL" 2>/dev/null || true)"
  # shellcheck disable=SC2086 # one id per word
  [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  docker volume rm "$RUN-caddy-data" "$RUN-xmpp-data" "$RUN-wp-content" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker version >/dev/null 2>&1 || { echo "no Docker engine at ${DOCKER_HOST:-default socket}" >&2; exit 1; }
docker network create --label "$LABEL" "$NET" >/dev/null || exit 1

run() { # run NAME IMAGE [docker run args...] -- [command...]
  local name="$RUN-$1" alias="$1" image="$2"; shift 2
  local args=()
  while (($#)) && [[ "$1" != -- ]]; do args+=("$1"); shift; done
  [[ "${1:-}" == -- ]] && shift
  # The short name is the DNS alias other containers use (db, pg, redis, ...).
  docker run -d --name "$name" --label "$LABEL" --network "$NET" --network-alias "$alias" \
    "${args[@]}" "$image" "$@" >/dev/null
}
host_port() { # host_port NAME CONTAINER_PORT -> 127.0.0.1:PORT
  docker port "$RUN-$1" "$2/tcp" | grep -m1 '^127\.0\.0\.1:'
}
wait_for() { # wait_for SECONDS CMD...
  local t="$1"; shift
  local i
  for ((i = 0; i < t * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1"; }
code_is() { [[ "$(http_code "$2")" == "$1" ]]; }
# (body captured first: grep -q closing the pipe early would fail curl under pipefail)
body_has() { local body; body="$(curl -s --max-time 10 "$1")" && grep -q -- "$2" <<<"$body"; }
logs_of() { docker logs "$RUN-$1" 2>&1 | tail -n 20 | sed 's/^/    | /'; }

verify_busybox() {
  log "busybox"
  check "busybox: sh runs" bash -c "[[ \"\$(docker run --rm --label '$LABEL' allmende/busybox:1 sh -c 'echo hello')\" == hello ]]"
  run bb allmende/busybox:1 -p 127.0.0.1::8080 -- sh -c 'mkdir -p /www && echo busybox-ok >/www/index.html && exec httpd -f -p 8080 -h /www'
  local addr
  addr="$(host_port bb 8080)"
  check "busybox: httpd answers on $addr" wait_for 10 body_has "http://$addr/" busybox-ok
}

verify_prosody() { # verify_prosody [IMAGE NAME]
  local image="${1:-allmende/prosody:0.12}" xmpp="${2:-xmpp}" label="prosody${1:+ ${1##*:}}"
  log "$label"
  local domain=chat.verify.test pw="pa'ss \"w0rd\$"
  run "$xmpp" "$image" -p 127.0.0.1::5222 -p 127.0.0.1::5280 \
    -e ALLMENDE_XMPP_DOMAIN="$domain" -e ALLMENDE_XMPP_ADMINS="admin@$domain" --
  check "$label: healthcheck (stream features with STARTTLS)" wait_for 30 docker exec "$RUN-$xmpp" allmende-healthcheck \
    || logs_of "$xmpp"
  check "$label: runs as user prosody" runs_as "$xmpp" prosody
  check "$label: prosodyctl register admin" docker exec "$RUN-$xmpp" prosodyctl register admin "$domain" "$pw"
  local c2s http
  c2s="$(host_port "$xmpp" 5222)"
  http="$(host_port "$xmpp" 5280)"
  check "$label: $c2s answers <stream:stream> with STARTTLS" bash -c '
    exec 3<>/dev/tcp/${1%:*}/${1#*:}
    printf "<?xml version=\"1.0\"?><stream:stream to=\"%s\" xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" version=\"1.0\">" "$2" >&3
    r=""; while IFS= read -r -t 5 -d ">" c <&3; do r+="$c>"; [[ "$r" == *"</stream:features>"* ]] && break; done
    [[ "$r" == *"<stream:stream"* && "$r" == *"urn:ietf:params:xml:ns:xmpp-tls"* ]]' _ "$c2s" "$domain"
  if command -v python3 >/dev/null 2>&1; then
    check "$label: client login with STARTTLS + SCRAM-SHA-1 + bind" \
      python3 ./xmpp-login-check.py "${c2s%:*}" "${c2s#*:}" "$domain" admin "$pw"
    check "$label: wrong password is refused" bash -c '! python3 ./xmpp-login-check.py "$@" 2>/dev/null' _ \
      "${c2s%:*}" "${c2s#*:}" "$domain" admin wrong
  else
    log "python3 missing: skipping the full STARTTLS+SCRAM login"
  fi
  check "$label: BOSH on $http answers" code_is 200 "http://$http/http-bind"
  docker restart "$RUN-$xmpp" >/dev/null
  c2s="$(host_port "$xmpp" 5222)"
  check "$label: up again after restart" wait_for 30 docker exec "$RUN-$xmpp" allmende-healthcheck
  check "$label: certificate made once and kept across the restart" \
    bash -c '[[ "$(docker logs "$1" 2>&1 | grep -c "generating self-signed")" == 1 ]]' _ "$RUN-$xmpp"
  if command -v python3 >/dev/null 2>&1; then
    check "$label: the account still logs in after restart" \
      python3 ./xmpp-login-check.py "${c2s%:*}" "${c2s#*:}" "$domain" admin "$pw"
  fi
}

verify_wordpress() { # verify_wordpress [IMAGE SUFFIX]
  local image="${1:-allmende/wordpress:6.1}" sfx="${2:-}" label="wordpress${1:+ ${1##*:}}"
  local db="db$sfx" wp="wp$sfx"
  log "mariadb + $label"
  local dbpw=$'db\'pa"ss\\w`$(x)' admpw="adm'in \"pw\$1\\"
  run "$db" allmende/mariadb:10.11 -e MARIADB_DATABASE=wp_verify -e MARIADB_USER=wp_verify -e MARIADB_PASSWORD="$dbpw" --
  check "mariadb: mariadb-admin ping" wait_for 60 docker exec "$RUN-$db" mariadb-admin ping --silent || logs_of "$db"
  check "mariadb: runs as user mysql" runs_as "$db" mysql
  check "mariadb: user logs in over TCP with its password" \
    docker exec -e PW="$dbpw" "$RUN-$db" bash -c 'mariadb -h 127.0.0.1 -u wp_verify -p"$PW" wp_verify -e "SELECT 1" >/dev/null'
  docker restart "$RUN-$db" >/dev/null
  check "mariadb: after restart (no re-initialisation) the user still logs in" bash -c '
    for i in $(seq 1 60); do docker exec "$1" mariadb-admin ping --silent >/dev/null 2>&1 && break; sleep 0.5; done
    [[ "$(docker logs "$1" 2>&1 | grep -c "allmende-mariadb: initialising")" == 1 ]] &&
    docker exec -e PW="$2" "$1" bash -c "mariadb -h 127.0.0.1 -u wp_verify -p\"\$PW\" wp_verify -e \"SELECT 1\" >/dev/null"' _ "$RUN-$db" "$dbpw"
  check "mariadb: wrong password refused" \
    bash -c "! docker exec '$RUN-$db' mariadb -h 127.0.0.1 -u wp_verify -pnope wp_verify -e 'SELECT 1' >/dev/null 2>&1"
  run "$wp" "$image" -p 127.0.0.1::80 \
    -e DB_HOST="$db" -e DB_NAME=wp_verify -e DB_USER=wp_verify -e DB_PASSWORD="$dbpw" \
    -e WORDPRESS_AUTH_KEY=verify-auth-key -e WORDPRESS_NONCE_SALT=verify-nonce-salt --
  local addr
  addr="$(host_port "$wp" 80)"
  check "$label: /wp-admin/install.php shows 'WordPress › Installation'" \
    wait_for 30 body_has "http://$addr/wp-admin/install.php" 'WordPress &rsaquo; Installation' || logs_of "$wp"
  check "$label: allmende-wp-install" docker exec "$RUN-$wp" allmende-wp-install \
    --url="http://$addr" --title='Verify "Site"' --admin_user=admin --admin_password="$admpw" --admin_email=admin@verify.test
  check "$label: allmende-wp-install again says already installed" \
    bash -c "docker exec '$RUN-$wp' allmende-wp-install --url='http://$addr' --title=x --admin_user=admin --admin_email=a@verify.test | grep -q 'already installed'"
  check "$label: allmende-wp-install rejects a bad email" bash -c "! docker exec '$RUN-$wp' allmende-wp-install \
    --url='http://$addr' --title=x --admin_user=admin2 --admin_email=not-an-email >/dev/null 2>&1"
  check "$label: /wp-login.php answers 200 'Log In'" body_has "http://$addr/wp-login.php" 'Log In'
  check "$label: admin logs in (302 to /wp-admin/)" bash -c '
    [[ "$(curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -b "wordpress_test_cookie=WP%20Cookie%20check" \
      --data-urlencode log=admin --data-urlencode "pwd=$2" "http://$1/wp-login.php")" == "302 http://$1/wp-admin/" ]]' _ "$addr" "$admpw"
  check "$label: front page renders the site title" body_has "http://$addr/" '<title>Verify'
  check "$label: allmende-healthcheck" docker exec "$RUN-$wp" allmende-healthcheck
  check "$label: allmende-wp-update-db: nothing to do on a fresh install" bash -c \
    "docker exec '$RUN-$wp' allmende-wp-update-db | grep -Eq '^WordPress [0-9.]+: database version ([0-9]+) -> \\1 \\(already up to date\\)$'"
}

# Data of the older release opened by the newer one: Prosody 0.12 -> 13 on one volume.
verify_prosody_upgrade() {
  log "prosody 0.12 -> 13 (same data volume)"
  local domain=up.verify.test pw="alice's pw" vol="$RUN-xmpp-data" c2s
  command -v python3 >/dev/null 2>&1 || { log "python3 missing: skipping the Prosody upgrade check"; return 0; }
  # shellcheck disable=SC2054 # a tmpfs option list
  local opts=(--user prosody --read-only --cap-drop ALL --tmpfs /run/prosody:rw,size=1m
    --mount "type=volume,source=$vol,target=/var/lib/prosody" -p 127.0.0.1::5222 -e ALLMENDE_XMPP_DOMAIN="$domain")
  run xmppold allmende/prosody:0.12 "${opts[@]}" --
  check "prosody 0.12 -> 13: 0.12 up (read-only root, user prosody)" wait_for 30 docker exec "$RUN-xmppold" allmende-healthcheck \
    || logs_of xmppold
  check "prosody 0.12 -> 13: accounts made on 0.12" bash -c '
    printf "%s\n" "$2" | docker exec -i "$1" allmende-prosody-set-password alice "$3" >/dev/null &&
    printf "bob-pw\n" | docker exec -i "$1" allmende-prosody-set-password bob "$3" >/dev/null' _ "$RUN-xmppold" "$pw" "$domain"
  c2s="$(host_port xmppold 5222)"
  check "prosody 0.12 -> 13: a message archived on 0.12" bash -c '
    python3 ./xmpp-login-check.py "${1%:*}" "${1#*:}" "$2" alice "$3" --send "bob@$2" "before the upgrade" --mam-count 2>/dev/null | grep -qx "mam: 1"' \
    _ "$c2s" "$domain" "$pw"
  docker rm -f "$RUN-xmppold" >/dev/null
  run xmppnew allmende/prosody:13 "${opts[@]}" --
  check "prosody 0.12 -> 13: 13 starts on the 0.12 volume" wait_for 30 docker exec "$RUN-xmppnew" allmende-healthcheck \
    || logs_of xmppnew
  check "prosody 0.12 -> 13: no errors or config warnings in the log" bash -c \
    '! docker logs "$1" 2>&1 | grep -E "[[:space:]](error|warn)[[:space:]]"' _ "$RUN-xmppnew"
  c2s="$(host_port xmppnew 5222)"
  check "prosody 0.12 -> 13: the 0.12 account logs in, its archive kept" bash -c '
    python3 ./xmpp-login-check.py "${1%:*}" "${1#*:}" "$2" alice "$3" --mam-count 2>/dev/null | grep -qx "mam: 1"' \
    _ "$c2s" "$domain" "$pw"
  check "prosody 0.12 -> 13: wrong password refused" bash -c '! python3 ./xmpp-login-check.py "$@" 2>/dev/null' _ \
    "${c2s%:*}" "${c2s#*:}" "$domain" alice wrong
  check "prosody 0.12 -> 13: SQLite schema upgraded at start (prosody_unique_index)" bash -c \
    '[[ "$(docker exec "$1" sqlite3 /var/lib/prosody/prosody.sqlite "SELECT group_concat(name) FROM sqlite_master WHERE tbl_name = '"'prosody'"' AND type = '"'index'"'")" == prosody_unique_index ]]' \
    _ "$RUN-xmppnew"
  check "prosody 0.12 -> 13: allmende-prosody-set-password on 13 (new account, existing one)" bash -c '
    printf "carol-pw\n" | docker exec -i "$1" allmende-prosody-set-password carol "$2" | grep -qx "created carol@$2" &&
    printf "bob-new\n" | docker exec -i "$1" allmende-prosody-set-password bob "$2" | grep -qx "password of bob@$2 set" &&
    python3 ./xmpp-login-check.py "${3%:*}" "${3#*:}" "$2" bob bob-new >/dev/null 2>&1' _ "$RUN-xmppnew" "$domain" "$c2s"
}

# A site made by the older image served by the newer one: WordPress 6.1 -> 6.8 on one content
# volume and database, with allmende-wp-update-db in between (as the template's upgrade hook).
verify_wordpress_upgrade() {
  log "wordpress 6.1 -> 6.8 (same content volume and database)"
  local pw=dbpw-up host=wp-up.verify.test
  run dbup allmende/mariadb:10.11 -e MARIADB_DATABASE=wp -e MARIADB_USER=wp -e MARIADB_PASSWORD="$pw" --
  wait_for 60 docker exec "$RUN-dbup" mariadb-admin ping --silent
  local opts=(--user www-data --read-only --cap-drop ALL --tmpfs /run/apache2 --tmpfs /run/lock
    --tmpfs /var/lib/php/sessions:mode=1733 --tmpfs /tmp
    --mount "type=volume,source=$RUN-wp-content,target=/var/lib/wordpress/wp-content"
    -e ALLMENDE_HTTP_PORT=8080 -e DB_HOST=dbup -e DB_NAME=wp -e DB_USER=wp -e DB_PASSWORD="$pw"
    -e WP_HOME="http://$host" -e WP_SITEURL="http://$host")
  run wpold allmende/wordpress:6.1 "${opts[@]}" --
  check "wordpress 6.1 -> 6.8: 6.1 up (www-data, read-only root)" wait_for 30 docker exec "$RUN-wpold" allmende-healthcheck \
    || logs_of wpold
  check "wordpress 6.1 -> 6.8: installed on 6.1 with a post" bash -c '
    printf "adm pw\n" | docker exec -i "$1" allmende-wp-install --url "http://$2" --title Up --admin_user admin \
      --prompt=admin_password --admin_email admin@verify.test >/dev/null &&
    docker exec -i "$1" php <<'"'PHP'"'
<?php
$_SERVER["HTTP_HOST"] = "localhost";
require "/usr/share/wordpress/wp-load.php";
exit(wp_insert_post(["post_title" => "Canary from 6.1", "post_status" => "publish", "post_author" => 1]) > 0 ? 0 : 1);
PHP' _ "$RUN-wpold" "$host"
  docker rm -f "$RUN-wpold" >/dev/null
  run wpnew allmende/wordpress:6.8 "${opts[@]}" --
  check "wordpress 6.1 -> 6.8: 6.8 up on the 6.1 volume" wait_for 30 docker exec "$RUN-wpnew" allmende-healthcheck \
    || logs_of wpnew
  local out
  out="$(docker exec "$RUN-wpnew" allmende-wp-update-db 2>&1)"
  check "wordpress 6.1 -> 6.8: allmende-wp-update-db upgrades ($out)" \
    grep -Eq '^WordPress 6\.8\.[0-9]+: database version 53496 -> [0-9]+ \(upgraded\)$' <<<"$out"
  out="$(docker exec "$RUN-wpnew" allmende-wp-update-db 2>&1)"
  check "wordpress 6.1 -> 6.8: a second run has nothing to do ($out)" \
    grep -Eq '^WordPress 6\.8\.[0-9]+: database version ([0-9]+) -> \1 \(already up to date\)$' <<<"$out"
  check "wordpress 6.1 -> 6.8: the 6.1 post is served by 6.8 (theme twentytwentythree)" bash -c '
    b="$(docker exec "$1" curl -s -H "Host: $2" http://127.0.0.1:8080/)" &&
    grep -q "Canary from 6.1" <<<"$b" && grep -q "WordPress 6\.8" <<<"$b" && grep -q "themes/twentytwentythree" <<<"$b"' _ "$RUN-wpnew" "$host"
  check "wordpress 6.1 -> 6.8: the admin made on 6.1 logs in on 6.8 (302 to /wp-admin/)" bash -c '
    [[ "$(docker exec "$1" curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Host: $2" \
      -b "wordpress_test_cookie=WP%20Cookie%20check" --data-urlencode log=admin --data-urlencode "pwd=adm pw" \
      http://127.0.0.1:8080/wp-login.php)" == "302 http://$2/wp-admin/" ]]' _ "$RUN-wpnew" "$host"
  check "wordpress 6.1 -> 6.8: the volume got a link to 6.8's twentytwentyfive" \
    docker exec "$RUN-wpnew" test -d /var/lib/wordpress/wp-content/themes/twentytwentyfive/
}

account_row_is() {
  [[ "$(docker exec "$RUN-pg" psql -U mastodon -d mastodon_production -tAc \
    "SELECT email || '|' || role || '|' || confirmed FROM accounts WHERE username = 'owner'")" == "$1" ]]
}
runs_as() { # runs_as NAME USER: PID 1 of the container runs with USER's uid
  [[ "$(docker exec "$RUN-$1" awk '/^Uid:/ { print $2 }' /proc/1/status)" == "$(docker exec "$RUN-$1" id -u "$2")" ]]
}

verify_postgres_mastodon() {
  log "postgres + redis + mastodon stand-in"
  local pgpw=$'pg\'pa"ss\\$x'
  run pg allmende/postgres:15 -e POSTGRES_USER=mastodon -e POSTGRES_PASSWORD="$pgpw" -e POSTGRES_DB=mastodon_production --
  run redis allmende/redis:7 --
  check "postgres: ready" wait_for 60 docker exec "$RUN-pg" allmende-healthcheck || logs_of pg
  check "postgres: runs as user postgres" runs_as pg postgres
  check "postgres: password login over TCP" docker exec -e PGPASSWORD="$pgpw" "$RUN-pg" \
    psql -h 127.0.0.1 -U mastodon -d mastodon_production -tAc 'SELECT 1' >/dev/null
  docker restart "$RUN-pg" >/dev/null
  check "postgres: after restart (no re-initialisation) the password still works" bash -c '
    for i in $(seq 1 60); do docker exec "$1" allmende-healthcheck >/dev/null 2>&1 && break; sleep 0.5; done
    [[ "$(docker logs "$1" 2>&1 | grep -c "allmende-postgres: initialising")" == 1 ]] &&
    docker exec -e PGPASSWORD="$2" "$1" psql -h 127.0.0.1 -U mastodon -d mastodon_production -tAc "SELECT 1" >/dev/null' _ "$RUN-pg" "$pgpw"
  check "postgres: wrong password refused over TCP" bash -c "! docker exec -e PGPASSWORD=nope '$RUN-pg' \
    psql -h 127.0.0.1 -U mastodon -d mastodon_production -tAc 'SELECT 1' >/dev/null 2>&1"
  check "redis: PONG" wait_for 20 docker exec "$RUN-redis" allmende-healthcheck || logs_of redis
  check "redis: runs as user redis" runs_as redis redis

  local img=allmende-test/mastodon-standin:4.3
  local env=(-e LOCAL_DOMAIN=social.verify.test -e SECRET_KEY_BASE=skb -e OTP_SECRET=otp
    -e ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=p -e ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY=d
    -e ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT=s
    -e DB_HOST=pg -e DB_PORT=5432 -e DB_USER=mastodon -e DB_PASS="$pgpw" -e DB_NAME=mastodon_production
    -e REDIS_HOST=redis -e REDIS_PORT=6379)
  run web "$img" -p 127.0.0.1::3000 "${env[@]}" -- bundle exec puma -C config/puma.rb
  run streaming "$img" -p 127.0.0.1::4000 "${env[@]}" -- node ./streaming/index.js
  run sidekiq "$img" "${env[@]}" -- bundle exec sidekiq
  local web stream
  web="$(host_port web 3000)"
  stream="$(host_port streaming 4000)"
  check "mastodon-standin: web /health is 503 before db:prepare" wait_for 20 code_is 503 "http://$web/health" || logs_of web
  check "mastodon-standin: streaming health 200 OK" wait_for 20 body_has "http://$stream/api/v1/streaming/health" '^OK$'
  check "mastodon-standin: rails db:prepare" docker run --rm --label "$LABEL" --network "$NET" "${env[@]}" "$img" \
    bundle exec rails db:prepare
  check "mastodon-standin: rails db:prepare is idempotent" docker run --rm --label "$LABEL" --network "$NET" "${env[@]}" "$img" \
    bundle exec rails db:prepare
  check "mastodon-standin: web /health 200 OK after db:prepare" wait_for 10 body_has "http://$web/health" '^OK$'
  local out
  out="$(docker exec "$RUN-web" bin/tootctl accounts create owner --email "o'wner@verify.test" --confirmed --role Owner 2>&1 || true)"
  check "mastodon-standin: tootctl accounts create prints OK + New password" \
    bash -c 'grep -qx OK <<<"$1" && grep -qE "^New password: [0-9a-f]{32}$" <<<"$1"' _ "$out"
  check "mastodon-standin: tootctl refuses a duplicate" bash -c "! docker exec '$RUN-web' tootctl accounts create OWNER --email x@verify.test >/dev/null 2>&1"
  check "mastodon-standin: tootctl refuses without SECRET_KEY_BASE" bash -c "! docker exec -e SECRET_KEY_BASE= '$RUN-web' \
    tootctl accounts create u2 --email u2@verify.test >/dev/null 2>&1"
  check "mastodon-standin: account row stored with the exact email" account_row_is "o'wner@verify.test|Owner|true"
  check "mastodon-standin: tootctl version" bash -c "[[ \"\$(docker exec '$RUN-web' tootctl version)\" == 4.3.0 ]]"
  check "mastodon-standin: sidekiq sees redis" wait_for 15 bash -c "docker logs '$RUN-sidekiq' 2>&1 | grep -q 'Redis answers PONG'" \
    || logs_of sidekiq
  check "mastodon-standin: web refuses to start without the secrets" bash -c \
    "! docker run --rm --label '$LABEL' '$img' bundle exec puma -C config/puma.rb >/dev/null 2>&1"

  # 4.3 -> 4.4 on the same database: the upgrade hook's `rails db:migrate`, run in 4.4's web.
  local img44=allmende-test/mastodon-standin:4.4 out
  run web44 "$img44" "${env[@]}" -- bundle exec puma -C config/puma.rb
  check "mastodon-standin 4.4: web answers 503 PendingMigrationError on the 4.3 schema" wait_for 20 bash -c \
    "docker exec '$RUN-web44' curl -s -w ' %{http_code}' http://localhost:3000/health | grep -q 'PendingMigrationError.* 503\$'" \
    || logs_of web44
  check "mastodon-standin 4.4: its log says migrations are pending" bash -c \
    "docker logs '$RUN-web44' 2>&1 | grep -q 'Migrations are pending'"
  out="$(docker exec "$RUN-web44" bundle exec rails db:migrate 2>&1)"
  check "mastodon-standin 4.4: rails db:migrate applies 20250430151215" \
    grep -q '^== 20250430151215 AddAvatarMetaToAccounts: migrated' <<<"$out"
  check "mastodon-standin 4.4: the 4.3 web still serves on the migrated database" body_has "http://$web/health" '^OK$'
  check "mastodon-standin 4.4: its web /health 200 after db:migrate" \
    docker exec "$RUN-web44" curl -fsS -o /dev/null http://localhost:3000/health
  check "mastodon-standin 4.4: db:migrate again applies nothing" bash -c \
    "docker exec '$RUN-web44' bundle exec rails db:migrate 2>/dev/null | grep -c . | grep -qx 0"
  check "mastodon-standin 4.4: accounts has the new columns, the 4.3 owner kept" bash -c \
    "[[ \"\$(docker exec '$RUN-pg' psql -U mastodon -d mastodon_production -tAc \"SELECT avatar_meta IS NULL FROM accounts WHERE username = 'owner'\")\" == t ]]"
  check "mastodon-standin 4.4: tootctl version" bash -c "[[ \"\$(docker exec '$RUN-web44' tootctl version)\" == 4.4.0 ]]"
}

# Listening TCP sockets in the container, except Docker's resolver on 127.0.0.11.
tcp_listeners() { docker exec "$RUN-$1" cat /proc/net/tcp /proc/net/tcp6 | awk '$4 == "0A" && $2 !~ /^0B00007F:/ { print $2 }'; }

verify_caddy() {
  log "caddy"
  local admin=(curl -sS --unix-socket /run/caddy/admin.sock -H 'Host: ')
  run caddy allmende/caddy:2.6 --read-only --cap-drop ALL --security-opt no-new-privileges:true \
    --tmpfs /run/caddy:rw,size=1m,mode=0700,uid=990,gid=990 --tmpfs /tmp:rw,size=16m \
    --mount "type=volume,source=$RUN-caddy-data,target=/var/lib/caddy" --
  check "caddy: admin API answers on the unix socket" wait_for 15 docker exec "$RUN-caddy" "${admin[@]}" http://localhost/config/admin \
    || logs_of caddy
  check "caddy: runs as user caddy" runs_as caddy caddy
  check "caddy: no TCP listener at all (admin API on the socket only)" bash -c "[[ -z \"\$(tcp_listeners caddy)\" ]]"
  local config='{"admin":{"listen":"unix//run/caddy/admin.sock"},"apps":{"http":{"servers":{"s":{"listen":[":8080"],"routes":[{"handle":[{"handler":"static_response","body":"caddy-ok"}]}]}}}}}'
  check "caddy: loads a config through the socket" bash -c "docker exec -i '$RUN-caddy' ${admin[*]@Q} -H 'Content-Type: application/json' --data-binary @- http://localhost/load <<<'$config'"
  docker restart -t 2 "$RUN-caddy" >/dev/null
  check "caddy: serves the autosaved config again after a restart (--resume)" \
    wait_for 15 bash -c "[[ \"\$(docker exec '$RUN-caddy' curl -s http://127.0.0.1:8080/)\" == caddy-ok ]]" || logs_of caddy
}
export -f tcp_listeners
export RUN

targets=("$@")
((${#targets[@]})) || targets=(busybox prosody prosody-13 wordpress wordpress-6.8 postgres-mastodon caddy)
for t in "${targets[@]}"; do
  case "$t" in
    busybox) verify_busybox ;;
    caddy) verify_caddy ;;
    prosody) verify_prosody ;;
    prosody-13) verify_prosody allmende/prosody:13 xmpp13; verify_prosody_upgrade ;;
    wordpress | mariadb) verify_wordpress ;;
    wordpress-6.8) verify_wordpress allmende/wordpress:6.8 68; verify_wordpress_upgrade ;;
    postgres-mastodon | postgres | redis | mastodon-standin | mastodon-standin-4.4) verify_postgres_mastodon ;;
    *) echo "unknown target $t" >&2; exit 64 ;;
  esac
done

echo "$passed passed, $failed failed"
((failed == 0))
