#!/usr/bin/env bash
# Runs a command with a Docker engine and Allmende's images available:
#   infra/docker/with-engine.sh <command> [args...]
# Uses the engine at DOCKER_HOST or the default socket when one answers; otherwise
# starts a private one (installing docker.io when needed) and stops it afterwards.
# Images are built locally when missing (no registry is reachable).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "with-engine: $*" >&2; }
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

infra/images/build-all.sh >&2
"$@"
