#!/usr/bin/env bash
# The whole suite: unit, integration on a real Postgres, end-to-end on the real Docker
# engine at DOCKER_HOST (`npm test` runs this through infra/docker/with-engine.sh,
# which provides the engine and the images).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { echo "run-tests: $*" >&2; }

# Chromium for the browser test (Debian's package; playwright cannot download one here).
if ! command -v chromium >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser test"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    say "chromium is missing: apt-get install chromium (the browser test fails without it)"
  fi
fi

# certutil: the browser test trusts the edge's own CA in a browser profile of its own.
if ! command -v certutil >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's libnss3-tools (certutil) for the browser test"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libnss3-tools >&2
  else
    say "certutil is missing: apt-get install libnss3-tools (the browser test through the edge fails without it)"
  fi
fi

# Knot DNS: the custom-domain and readiness tests start a real authoritative server on loopback.
if ! [[ -x /usr/sbin/knotd ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's knot for the DNS tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends knot >&2
  else
    say "knot is missing: apt-get install knot (the DNS tests fail without it)"
  fi
fi

# Compile (the tests' global setup migrates from dist/). The type check of the tests too runs
# beside the first tier below, and fails the run at its end.
npm run --silent build
typecheck_log="$(mktemp)"
npx tsc -p tsconfig.json --noEmit >"$typecheck_log" 2>&1 &
typecheck_pid=$!

# Unit and integration tests (beside them the browser tests), then the end-to-end tests one file at a time, then the
# chaos tier (faults injected into a whole control plane on a private engine of its own,
# ALLMENDE_DOCKERD_NAME=chaos, which it starts and stops itself; it prints a table of faults).
export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}"
# The browser tier (the pages in Chromium; no Docker engine) runs beside the first one: that
# tier uses one jest worker on a 2-core machine, so the second core is free. Its output follows.
browser_log="$(mktemp)"
npx jest --selectProjects browser --runInBand "$@" >"$browser_log" 2>&1 &
browser_pid=$!
first_status=0
npx jest --selectProjects unit service integration "$@" || first_status=$?
browser_status=0
wait "$browser_pid" || browser_status=$?
cat "$browser_log"
rm -f "$browser_log"
typecheck_status=0
wait "$typecheck_pid" || typecheck_status=$?
cat "$typecheck_log"
rm -f "$typecheck_log"
if (( first_status != 0 || browser_status != 0 || typecheck_status != 0 )); then
  say "failed: unit/service/integration exit $first_status, browser exit $browser_status, type check exit $typecheck_status"
  exit 1
fi
npx jest --selectProjects e2e --runInBand "$@"
npx jest --selectProjects chaos --runInBand "$@"
