#!/usr/bin/env bash
# allmende-test/plain-debian:12 — Debian bookworm with the apps' ordinary packages and nothing
# of Allmende's (no config, no scripts): where the export test brings a club's export up the
# way its README tells a person to (Prosody with SQLite, WordPress on Apache with MariaDB).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende-test/plain-debian:12
require_docker
skip_if_built "$TAG"
new_debian_rootfs
# debootstrap --include=prosody fails on virtual Lua deps, so install in the chroot.
apt_install prosody lua-dbi-sqlite3 wordpress apache2 libapache2-mod-php php-mysql mariadb-server \
  openssl curl ca-certificates

import_rootfs "$TAG" plain-debian \
  'CMD ["sleep","infinity"]'
