# shellcheck shell=bash
# Shared by the Mastodon stand-in commands (sourced). See infra/images/README.md:
# this is NOT Mastodon; it mimics how the upstream images behave towards the
# Allmende control plane (commands, ports, health endpoints, env, database).

# shellcheck disable=SC2034 # used by the scripts that source this file
STANDIN_VERSION=4.3.0
# shellcheck disable=SC2034
STANDIN_MIGRATION=20241001000000

standin_log() { echo "[mastodon-standin] $*" >&2; }

# Mastodon 4.3 does not boot without these; the stand-in refuses the same way.
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
    [[ -n "${!v:-}" ]] || standin_log "warning: $v is not set (real Mastodon 4.3 requires it)"
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
