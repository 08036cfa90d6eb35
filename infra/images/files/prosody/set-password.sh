#!/bin/sh
# allmende-prosody-set-password USER DOMAIN  (password: the first line of stdin)
#
# Creates the account USER@DOMAIN with that password, or sets the password when the account
# exists, so a re-run is harmless. The password never appears on a command line, where every
# local user could read it: `prosodyctl register` takes it as an argument, so this feeds it to
# `prosodyctl adduser` / `passwd` through a pipe, the way they read it from a terminal (and
# asks them twice, as they do). printf and read are shell builtins: no process gets it as an
# argument. No Lua is ever written.
set -eu

die() { echo "allmende-prosody-set-password: $*" >&2; exit "${2:-64}"; }

[ "$#" -eq 2 ] || die "usage: allmende-prosody-set-password USER DOMAIN < password"
user="$1"
domain="$2"
# Same rules as the control plane's admin names and the image's domain check.
printf '%s' "$user" | grep -Eqx '[a-z]([a-z0-9_.-]{0,62}[a-z0-9_])?' || die "invalid user name '$user'"
printf '%s' "$domain" | grep -Eqx '[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+' && [ "${#domain}" -le 253 ] \
  || die "invalid domain '$domain'"

password=""
IFS= read -r password || [ -n "$password" ] || die "no password on stdin"
[ -n "$password" ] || die "the password on stdin is empty"

jid="$user@$domain"
twice() { printf '%s\n%s\n' "$password" "$password"; }

# prosodyctl opens the SQLite store next to the running server, which may hold its write lock
# for a moment (e.g. right after start): "database is locked" is tried again, a few times.
run() {
  tries=0
  while :; do
    if output="$(twice | prosodyctl "$1" "$jid" 2>&1)"; then return 0; fi
    case "$output" in
      *"database is locked"*) tries=$((tries + 1)); [ "$tries" -lt 10 ] || return 1; sleep 1 ;;
      *) return 1 ;;
    esac
  done
}

# adduser refuses an existing account (0.12: "That user already exists", 13: "User exists");
# passwd then sets it. (In 13 both go through the running server's admin shell.)
if run adduser; then
  echo "created $jid"
  exit 0
fi
case "$output" in
  *"already exists"* | *"User exists"*) ;;
  *) printf '%s\n' "$output" | tr -d '\033' >&2; die "prosodyctl adduser $jid failed" 1 ;;
esac
if run passwd; then
  echo "password of $jid set"
  exit 0
fi
printf '%s\n' "$output" | tr -d '\033' >&2
die "prosodyctl passwd $jid failed" 1
