#!/usr/bin/env bash
# `npm test`: the whole suite (unit, integration on a real Postgres, end-to-end on a
# real Docker engine with locally built images). Works on a developer machine with
# Docker (DOCKER_HOST or the default socket) and on a fresh Debian machine as root,
# where it installs docker.io and starts a private engine that it stops again.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "run-tests: $*" >&2; }
started_engine=""

cleanup() {
  local status=$?
  if [[ -n "$started_engine" ]]; then
    say "stopping the private Docker engine"
    infra/docker/private-dockerd.sh stop >&2 || true
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

engine_answers() { docker -H "$1" info >/dev/null 2>&1; }

# 1. A Docker engine: the one named by DOCKER_HOST, the default socket, or our own.
if [[ -n "${DOCKER_HOST:-}" ]] && engine_answers "$DOCKER_HOST"; then
  say "using the Docker engine at $DOCKER_HOST"
elif [[ -z "${DOCKER_HOST:-}" ]] && [[ -S /var/run/docker.sock ]] && engine_answers unix:///var/run/docker.sock; then
  export DOCKER_HOST=unix:///var/run/docker.sock
  say "using the Docker engine at $DOCKER_HOST"
else
  say "no Docker engine answers; starting a private one (infra/docker/private-dockerd.sh)"
  export "$(infra/docker/private-dockerd.sh start)"
  started_engine=yes
fi

# 2. The images the end-to-end tests run (kept between runs; built only when missing).
infra/images/build-all.sh >&2

# 3. Chromium for the browser test (Debian's package; playwright cannot download one here).
if ! command -v chromium >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser test"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    say "chromium is missing: apt-get install chromium (the browser test will fail without it)"
  fi
fi

# 4. Compile (type-checks everything; the tests' global setup migrates from dist/).
npm run --silent build
npx tsc -p tsconfig.json --noEmit

# 5. Unit and integration tests in parallel, then the Docker end-to-end tests one file at a time.
export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}"
npx jest --selectProjects unit integration "$@"
npx jest --selectProjects e2e --runInBand "$@"
