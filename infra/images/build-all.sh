#!/usr/bin/env bash
# Build every Allmende image into the engine at DOCKER_HOST (no registry needed).
#
#   DOCKER_HOST=unix:///run/allmende-test-docker.sock infra/images/build-all.sh [NAME...]
#
# NAME is one of: busybox prosody wordpress mariadb postgres redis mastodon-standin caddy
# restic rest-server sshd plain-debian
# (default: all). Existing tags are kept unless FORCE=1. Prints time and size per image.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source ./lib.sh

ALL=(busybox prosody wordpress mariadb postgres redis mastodon-standin caddy restic rest-server sshd plain-debian)
declare -A TAGS=(
  [busybox]=allmende/busybox:1
  [prosody]=allmende/prosody:0.12
  [wordpress]=allmende/wordpress:6
  [mariadb]=allmende/mariadb:10.11
  [postgres]=allmende/postgres:15
  [redis]=allmende/redis:7
  [mastodon-standin]=allmende-test/mastodon-standin:4.3
  [caddy]=allmende/caddy:2.6
  [restic]=allmende/restic:0.18
  [rest-server]=allmende-test/rest-server:0.13
  [sshd]=allmende-test/sshd:1
  [plain-debian]=allmende-test/plain-debian:12
)
names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for n in "${names[@]}"; do
  [[ -n "${TAGS[$n]:-}" ]] || die "unknown image '$n' (known: ${ALL[*]})"
done

require_docker
require_root
summary=()
total_start=$SECONDS

# The shared Debian base is timed on its own (only slow the first time).
start=$SECONDS
DEBIAN_SUITE=bookworm ensure_base_tarball
summary+=("$(printf '%-36s %5ss  %s' "(debian bookworm minbase tarball)" "$((SECONDS - start))" "$(du -h "$(DEBIAN_SUITE=bookworm base_tarball)" | cut -f1)")")

for n in "${names[@]}"; do
  tag="${TAGS[$n]}"
  start=$SECONDS
  log "=== $n ($tag)"
  "./build-$n.sh"
  size="$(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
  summary+=("$(printf '%-36s %5ss  %s' "$tag" "$((SECONDS - start))" "$size")")
done

echo
echo "image                                 time  size"
printf '%s\n' "${summary[@]}"
echo "total: $((SECONDS - total_start))s"
