#!/usr/bin/env bash
# Build every Allmende image into the engine at DOCKER_HOST (no registry needed).
#
#   DOCKER_HOST=unix:///run/allmende-test-docker.sock infra/images/build-all.sh [NAME...]
#
# NAME is one of: busybox prosody prosody-13 wordpress wordpress-6.8 mariadb postgres redis
# mastodon-standin mastodon-standin-4.4 caddy restic rest-server sshd plain-debian
# (default: all). Existing tags are kept unless FORCE=1. Builds run ALLMENDE_IMAGE_JOBS at a
# time (default 2; the scripts are safe side by side: own rootfs each, .deb cache linked per
# rootfs, base tarballs built under a lock), each into its own log; prints time and size per
# image. Any failed image fails the run, with the end of its log.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source ./lib.sh

ALL=(busybox prosody prosody-13 wordpress wordpress-6.8 mariadb postgres redis mastodon-standin
  mastodon-standin-4.4 caddy restic rest-server sshd plain-debian)
declare -A TAGS=(
  [busybox]=allmende/busybox:1
  [prosody]=allmende/prosody:0.12
  [prosody-13]=allmende/prosody:13
  [wordpress]=allmende/wordpress:6.1
  [wordpress-6.8]=allmende/wordpress:6.8
  [mariadb]=allmende/mariadb:10.11
  [postgres]=allmende/postgres:15
  [redis]=allmende/redis:7
  [mastodon-standin]=allmende-test/mastodon-standin:4.3
  [mastodon-standin-4.4]=allmende-test/mastodon-standin:4.4
  [caddy]=allmende/caddy:2.6
  [restic]=allmende/restic:0.18
  [rest-server]=allmende-test/rest-server:0.13
  [sshd]=allmende-test/sshd:1
  [plain-debian]=allmende-test/plain-debian:12
)
# Script and arguments per name (default: build-NAME.sh).
declare -A BUILD=(
  [prosody]="build-prosody.sh 0.12"
  [prosody-13]="build-prosody.sh 13"
  [wordpress]="build-wordpress.sh 6.1"
  [wordpress-6.8]="build-wordpress.sh 6.8"
  [mastodon-standin]="build-mastodon-standin.sh 4.3"
  [mastodon-standin-4.4]="build-mastodon-standin.sh 4.4"
)
# Images from Debian trixie (the rest are bookworm's, busybox the host's).
TRIXIE=(prosody-13 wordpress-6.8 restic rest-server)

names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for n in "${names[@]}"; do
  [[ -n "${TAGS[$n]:-}" ]] || die "unknown image '$n' (known: ${ALL[*]})"
done
JOBS="${ALLMENDE_IMAGE_JOBS:-2}"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "ALLMENDE_IMAGE_JOBS must be a positive number"

require_docker
require_root
summary=()
total_start=$SECONDS

# The shared Debian bases are timed on their own (only slow the first time).
base() { # base SUITE
  local start=$SECONDS
  DEBIAN_SUITE="$1" ensure_base_tarball
  summary+=("$(printf '%-40s %5ss  %s' "(debian $1 minbase tarball)" "$((SECONDS - start))" \
    "$(du -h "$(DEBIAN_SUITE="$1" base_tarball)" | cut -f1)")")
}
base bookworm
for n in "${names[@]}"; do
  if [[ " ${TRIXIE[*]} " == *" $n "* ]]; then base trixie; break; fi
done

logdir="$CACHE_DIR/logs/build-all.$$"
mkdir -p "$logdir"
# One image: its output into its own log, "RC SECONDS" into NAME.status.
build_one() { # build_one NAME
  local n="$1" start rc=0
  local -a cmd
  read -r -a cmd <<<"${BUILD[$n]:-build-$n.sh}"
  start="$(date +%s)"
  "./${cmd[0]}" "${cmd[@]:1}" >"$logdir/$n.log" 2>&1 || rc=$?
  echo "$rc $(($(date +%s) - start))" >"$logdir/$n.status"
  if ((rc == 0)); then log "=== $n done ($(($(date +%s) - start))s)"; else log "=== $n FAILED (exit $rc)"; fi
}
any_failed() { grep -qsv '^0 ' "$logdir"/*.status; }

running=0
for n in "${names[@]}"; do
  if ((running >= JOBS)); then
    wait -n || true
    running=$((running - 1))
  fi
  any_failed && break # no new builds after a failure
  log "=== $n (${TAGS[$n]}) started (log: $logdir/$n.log)"
  build_one "$n" &
  running=$((running + 1))
done
wait

failed=()
for n in "${names[@]}"; do
  [[ -f "$logdir/$n.status" ]] || continue
  read -r rc secs <"$logdir/$n.status"
  if [[ "$rc" == 0 ]]; then
    size="$(docker image inspect -f '{{.Size}}' "${TAGS[$n]}" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
    summary+=("$(printf '%-40s %5ss  %s' "${TAGS[$n]}" "$secs" "$size")")
  else
    summary+=("$(printf '%-40s %5ss  FAILED (exit %s)' "${TAGS[$n]}" "$secs" "$rc")")
    failed+=("$n")
  fi
done

echo
echo "image                                     time  size"
printf '%s\n' "${summary[@]}"
echo "total: $((SECONDS - total_start))s (${JOBS} at a time)"
if ((${#failed[@]})); then
  for n in "${failed[@]}"; do
    echo
    echo "--- $n failed; end of $logdir/$n.log:"
    tail -n 30 "$logdir/$n.log"
  done
  exit 1
fi
rm -rf "$logdir"
