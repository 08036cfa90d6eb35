#!/usr/bin/env bash
# Private Docker engine for Allmende tests and image builds.
#
#   private-dockerd.sh start|stop|status|env
#
# Starts a dockerd that shares nothing with a system engine: its own data root,
# exec root, unix socket, pidfile, bridge subnet and address pool. Several can
# run side by side (ALLMENDE_DOCKERD_NAME=b, =c, ...), which is how tests get
# "several Docker hosts" on one machine and can stop one of them.
#
# Environment (all optional):
#   ALLMENDE_DOCKERD_NAME        engine name; ""/"default" -> /run/allmende-test-docker.sock,
#                                "b" -> /run/allmende-test-docker-b.sock, and so on
#   ALLMENDE_DOCKERD_SOCKET      unix socket path
#   ALLMENDE_DOCKERD_DATA_ROOT   --data-root (images and volumes live here)
#   ALLMENDE_DOCKERD_EXEC_ROOT   --exec-root
#   ALLMENDE_DOCKERD_PIDFILE     --pidfile
#   ALLMENDE_DOCKERD_LOG         log file
#   ALLMENDE_DOCKERD_NET_OCTET   second octet N of 10.N.0.0/16 used for --bip and the pool
#                                (default: 100 for the default engine, 101..250 derived from the name)
#   ALLMENDE_DOCKERD_BIP         bridge address, like --bip (default 10.N.0.1/24)
#   ALLMENDE_DOCKERD_BRIDGE      bridge interface for this engine (default alm-<name>)
#   ALLMENDE_DOCKERD_POOL        --default-address-pool (default base=10.N.128.0/17,size=24)
#   ALLMENDE_DOCKERD_TIMEOUT     seconds to wait for the engine to answer (default 60)
#   ALLMENDE_DOCKERD_EXTRA_ARGS  extra dockerd flags, word-split (e.g. "--iptables=false")
#
# On success `start` prints DOCKER_HOST=unix:///... on stdout (progress goes to stderr),
# so callers can do: export "$(infra/docker/private-dockerd.sh start)"
set -euo pipefail

die() { echo "private-dockerd: $*" >&2; exit 1; }
say() { echo "private-dockerd: $*" >&2; }

NAME="${ALLMENDE_DOCKERD_NAME:-default}"
[[ "$NAME" =~ ^[a-z0-9][a-z0-9-]{0,23}$ ]] || die "ALLMENDE_DOCKERD_NAME must match ^[a-z0-9][a-z0-9-]{0,23}\$ (got '$NAME')"
if [[ "$NAME" == default ]]; then suffix=""; else suffix="-$NAME"; fi

SOCK="${ALLMENDE_DOCKERD_SOCKET:-/run/allmende-test-docker${suffix}.sock}"
DATA_ROOT="${ALLMENDE_DOCKERD_DATA_ROOT:-/var/lib/allmende-test-docker${suffix}}"
# Kept short: containerd puts unix sockets under it (108-byte path limit).
EXEC_ROOT="${ALLMENDE_DOCKERD_EXEC_ROOT:-/run/allmende-docker${suffix}.exec}"
PIDFILE="${ALLMENDE_DOCKERD_PIDFILE:-/run/allmende-test-docker${suffix}.pid}"
LOG="${ALLMENDE_DOCKERD_LOG:-/var/log/allmende-dockerd-${NAME}.log}"
TIMEOUT="${ALLMENDE_DOCKERD_TIMEOUT:-60}"

# Each engine gets its own 10.N.0.0/16 so bridges never overlap; the default
# engine is fixed at 100, named ones are spread over 101..250 by a name hash
# (override ALLMENDE_DOCKERD_NET_OCTET if two names ever collide).
if [[ -n "${ALLMENDE_DOCKERD_NET_OCTET:-}" ]]; then
  OCTET="$ALLMENDE_DOCKERD_NET_OCTET"
elif [[ "$NAME" == default ]]; then
  OCTET=100
else
  OCTET=$(( $(printf '%s' "$NAME" | cksum | cut -d' ' -f1) % 150 + 101 ))
fi
if ! [[ "$OCTET" =~ ^[0-9]+$ ]] || (( OCTET > 255 )); then
  die "bad ALLMENDE_DOCKERD_NET_OCTET '$OCTET'"
fi
BIP="${ALLMENDE_DOCKERD_BIP:-10.${OCTET}.0.1/24}"
POOL="${ALLMENDE_DOCKERD_POOL:-base=10.${OCTET}.128.0/17,size=24}"

# Every engine gets its own bridge: engines sharing docker0 would rewrite each
# other's --bip (verified: the second engine re-addresses docker0 under the first).
# dockerd refuses --bip together with --bridge, so the script puts the bip
# address on the bridge itself and passes --bridge.
BRIDGE="${ALLMENDE_DOCKERD_BRIDGE:-alm-${NAME:0:11}}"

DOCKER_HOST_VALUE="unix://${SOCK}"

engine_answers() {
  docker -H "$DOCKER_HOST_VALUE" info >/dev/null 2>&1
}

# PID from the pidfile if that process is alive and is a dockerd, else empty.
running_pid() {
  local pid
  [[ -s "$PIDFILE" ]] || return 0
  pid="$(tr -dc '0-9' <"$PIDFILE")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'dockerd'; then
    echo "$pid"
  fi
}

# Any other dockerd using our data root or socket would corrupt state or steal
# the socket: refuse instead of racing it.
conflicting_pids() {
  local own="${1:-}" f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    [[ "$pid" == "$own" ]] && continue
    cmd="$(tr '\0' ' ' <"$f" 2>/dev/null || true)"
    [[ "$cmd" == *dockerd* ]] || continue
    if [[ "$cmd" == *"--data-root $DATA_ROOT "* || "$cmd" == *"--data-root=$DATA_ROOT "* \
       || "$cmd" == *"$SOCK "* ]]; then
      echo "$pid"
    fi
  done
}

# Processes left behind by a dockerd that had to be SIGKILLed: its managed
# containerd and the shims, all of which name our exec root on their command line.
leftover_pids() {
  local f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    cmd="$(tr '\0' ' ' <"$f" 2>/dev/null || true)"
    [[ "$cmd" == *containerd* && "$cmd" == *"$EXEC_ROOT/"* ]] && echo "$pid"
  done
  return 0
}

ensure_installed() {
  if ! command -v dockerd >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "dockerd is not installed and we are not root (apt-get install docker.io)"
    say "dockerd missing: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq docker.io >&2
  fi
  command -v docker >/dev/null 2>&1 || die "docker client not found"
  [[ "$(id -u)" == 0 ]] || die "dockerd needs root"
}

setup_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip -4 addr flush dev "$BRIDGE"
  ip addr add "$BIP" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

tail_log() {
  if [[ -f "$LOG" ]]; then
    echo "---- last lines of $LOG ----" >&2
    tail -n 30 "$LOG" >&2 || true
  fi
}

cmd_start() {
  local pid waited=0 child
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    # Already up (or still coming up from a concurrent start): wait for it.
    while ! engine_answers; do
      (( waited >= TIMEOUT * 2 )) && { tail_log; die "dockerd pid $pid runs but $SOCK does not answer after ${TIMEOUT}s"; }
      sleep 0.5; waited=$((waited + 1))
    done
    echo "DOCKER_HOST=$DOCKER_HOST_VALUE"
    return 0
  fi
  rm -f "$PIDFILE"
  ensure_installed

  local others
  others="$(conflicting_pids "")"
  [[ -z "$others" ]] || die "another dockerd (pid $(echo "$others" | tr '\n' ' ')) already uses $DATA_ROOT or $SOCK"

  # The bridge subnet must not already be on another interface of this host.
  local bip_net="${BIP%.*}."
  if ip -4 -o addr show 2>/dev/null | grep -v " ${BRIDGE} " | grep -qF " ${bip_net}"; then
    die "bridge subnet of $BIP is already in use on this host; set ALLMENDE_DOCKERD_NET_OCTET"
  fi
  setup_bridge

  mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$SOCK")" "$(dirname "$PIDFILE")" "$(dirname "$LOG")"
  rm -f "$SOCK"
  say "starting dockerd '$NAME' (data root $DATA_ROOT, bip $BIP, log $LOG)"
  # setsid + nohup: the engine must outlive the shell (and process group) that started it.
  # shellcheck disable=SC2086 # EXTRA_ARGS is word-split on purpose
  setsid nohup dockerd \
    --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$PIDFILE" \
    -H "$DOCKER_HOST_VALUE" \
    --bridge "$BRIDGE" \
    --default-address-pool "$POOL" \
    ${ALLMENDE_DOCKERD_EXTRA_ARGS:-} \
    </dev/null >>"$LOG" 2>&1 &
  child=$!

  while ! engine_answers; do
    if ! kill -0 "$child" 2>/dev/null; then
      tail_log; ip link del "$BRIDGE" 2>/dev/null || true
      die "dockerd exited during startup"
    fi
    if (( waited >= TIMEOUT * 2 )); then
      tail_log
      kill "$child" 2>/dev/null || true
      die "dockerd did not answer on $SOCK within ${TIMEOUT}s (it was sent SIGTERM; see $LOG)"
    fi
    sleep 0.5; waited=$((waited + 1))
  done
  say "dockerd '$NAME' is up (pid $(running_pid))"
  echo "DOCKER_HOST=$DOCKER_HOST_VALUE"
}

cmd_stop() {
  local pid i
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    say "dockerd '$NAME' is not running"
    rm -f "$PIDFILE"
    return 0
  fi
  say "stopping dockerd '$NAME' (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # dockerd gives containers 15 s to stop, then stops its containerd: allow for that.
  for ((i = 0; i < 80; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd did not stop in 40 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  local left
  left="$(leftover_pids)"
  if [[ -n "$left" ]]; then
    say "killing leftover containerd processes: $(echo "$left" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $left 2>/dev/null || true
    sleep 2
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$SOCK"
  # The bridge is ours (created by start); drop it so the subnet is free again.
  ip link del "$BRIDGE" 2>/dev/null || true
  say "dockerd '$NAME' stopped"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]] && engine_answers; then
    say "dockerd '$NAME' running (pid $pid, data root $DATA_ROOT)"
    echo "DOCKER_HOST=$DOCKER_HOST_VALUE"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    say "dockerd '$NAME' pid $pid exists but $SOCK does not answer"
    return 1
  fi
  say "dockerd '$NAME' not running"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "DOCKER_HOST=$DOCKER_HOST_VALUE" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
