#!/usr/bin/env bash
# allmende/prosody:0.12 (Debian bookworm's Prosody 0.12) or allmende/prosody:13 (trixie's 13.0),
# the same env-driven config (files/prosody/prosody.cfg.lua) and helpers in both; a self-signed
# certificate is made at start.
#
#   build-prosody.sh [0.12|13]      (default 0.12; or PROSODY_VERSION=13)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

VERSION="${1:-${PROSODY_VERSION:-0.12}}"
case "$VERSION" in
  0.12) SUITE=bookworm ;;
  13) SUITE=trixie ;;
  *) die "unknown Prosody version '$VERSION' (0.12 or 13)" ;;
esac
TAG="allmende/prosody:$VERSION"
require_docker
skip_if_built "$TAG"
new_debian_rootfs "$SUITE"
# debootstrap --include=prosody fails on virtual Lua deps, so install in the chroot.
# lua-unbound: the DNS resolver Prosody prefers (s2s SRV lookups); without it it warns on every start.
apt_install prosody lua-dbi-sqlite3 lua-unbound openssl sqlite3
# shellcheck disable=SC2016 # a dpkg-query format, not shell
installed="$(in_rootfs dpkg-query -W -f '${Version}' prosody)"
[[ "$installed" == "$VERSION".* ]] || die "expected Prosody $VERSION from $SUITE, got $installed"
put_file prosody/prosody.cfg.lua /etc/prosody/prosody.cfg.lua
put_file prosody/entrypoint.sh /usr/local/bin/allmende-prosody-entrypoint 755
put_file prosody/healthcheck.sh /usr/local/bin/allmende-healthcheck 755
put_file prosody/set-password.sh /usr/local/bin/allmende-prosody-set-password 755
put_file prosody/install-cert.sh /usr/local/bin/allmende-prosody-install-cert 755
# Debian's defaults would load a localhost VirtualHost and snakeoil certs.
rm -rf "$ROOTFS"/etc/prosody/conf.d/* "$ROOTFS"/etc/prosody/conf.avail "$ROOTFS"/etc/prosody/certs/* \
  "$ROOTFS"/var/log/prosody
install -d -o "$(in_rootfs id -u prosody)" -g "$(in_rootfs id -g prosody)" -m 750 \
  "$ROOTFS/var/lib/prosody" "$ROOTFS/var/lib/prosody/certs"
# 1777: a tmpfs mounted here keeps this mode (runc), and prosody, not root, must write its pid file.
install -d -o "$(in_rootfs id -u prosody)" -g "$(in_rootfs id -g prosody)" -m 1777 "$ROOTFS/run/prosody"

import_rootfs "$TAG" prosody \
  'ENTRYPOINT ["/usr/local/bin/allmende-prosody-entrypoint"]' \
  'CMD ["prosody","-F"]' \
  'EXPOSE 5222/tcp 5269/tcp 5280/tcp' \
  'WORKDIR /var/lib/prosody'
