# shellcheck shell=bash
# Shared by the Mastodon stand-in commands (sourced). See infra/images/README.md:
# this is NOT Mastodon; it mimics how the upstream images behave towards the
# Allmende control plane (commands, ports, health endpoints, env, database).

# The Mastodon release this image stands in for, written by build-mastodon-standin.sh
# (4.3.0 or 4.4.0). Images built before that file existed were 4.3.0.
# shellcheck disable=SC2034 # used by the scripts that source this file
STANDIN_VERSION="$(cat /opt/mastodon/standin/VERSION 2>/dev/null || echo 4.3.0)"
# Its schema migrations, oldest first (db-prepare has the SQL of each). `rails db:migrate`
# applies the ones schema_migrations lacks; until then a newer web refuses to serve.
STANDIN_MIGRATIONS=(20241001000000)
case "$STANDIN_VERSION" in
  4.4.*) STANDIN_MIGRATIONS+=(20250430151215) ;;
esac
# shellcheck disable=SC2034
STANDIN_MIGRATION="${STANDIN_MIGRATIONS[-1]}"

standin_log() { echo "[mastodon-standin] $*" >&2; }

# Mastodon 4.3 and 4.4 do not boot without these; the stand-in refuses the same way.
require_rails_env() {
  local v missing=()
  for v in LOCAL_DOMAIN SECRET_KEY_BASE OTP_SECRET ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY; do
    [[ -n "${!v:-}" ]] || missing+=("$v")
  done
  if ((${#missing[@]})); then
    echo "Missing required environment variables: ${missing[*]}" >&2
    echo "(Mastodon stand-in: LOCAL_DOMAIN, SECRET_KEY_BASE, OTP_SECRET and ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY must be set)" >&2
    exit 1
  fi
  for v in ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT; do
    [[ -n "${!v:-}" ]] || standin_log "warning: $v is not set (real Mastodon ${STANDIN_VERSION%.*} requires it)"
  done
}

# psql against the tenant's database, configured like Mastodon (DB_* env).
# Values only ever reach SQL as psql variables (-v name=value, used as :'name').
pg() {
  PGPASSWORD="${DB_PASS:-}" PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}" \
    psql -X -q -v ON_ERROR_STOP=1 \
    -h "${DB_HOST:-localhost}" -p "${DB_PORT:-5432}" -U "${DB_USER:-mastodon}" \
    "$@"
}
pg_db() { pg -d "${DB_NAME:-mastodon_production}" "$@"; }

# True when the database answers and db:prepare has created schema_migrations.
db_ready() {
  local out
  out="$(pg_db -tA -c "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'" 2>/dev/null)" || return 1
  [[ "$out" == 1 ]]
}

# The versions of STANDIN_MIGRATIONS missing from schema_migrations, space separated (empty:
# none pending). Fails when the database does not answer.
pending_migrations() {
  local IFS=,
  pg_db -tA -v versions="${STANDIN_MIGRATIONS[*]}" <<'SQL'
SELECT coalesce(string_agg(v, ' ' ORDER BY v), '')
FROM unnest(string_to_array(:'versions', ',')) AS v
WHERE v NOT IN (SELECT version FROM schema_migrations);
SQL
}

# What Rails says when the code needs migrations the database lacks.
pending_migration_error() { # pending_migration_error VERSIONS
  echo "ActiveRecord::PendingMigrationError: Migrations are pending. To resolve this issue, run: bin/rails db:migrate RAILS_ENV=${RAILS_ENV:-production} (pending: $1)"
}

redis_ping() {
  local args=()
  if [[ -n "${REDIS_URL:-}" ]]; then
    args=(-u "$REDIS_URL")
  else
    args=(-h "${REDIS_HOST:-localhost}" -p "${REDIS_PORT:-6379}")
  fi
  [[ "$(REDISCLI_AUTH="${REDIS_PASSWORD:-}" timeout 5 redis-cli "${args[@]}" ping 2>/dev/null)" == PONG ]]
}

random_hex() { od -An -v -N "$1" -tx1 /dev/urandom | tr -d ' \n'; }
