#!/usr/bin/env bash
# allmende/mariadb:10.11 — Debian bookworm's MariaDB server with an entrypoint
# that creates the database and user from MARIADB_* env on first start.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/mariadb:10.11
require_docker
skip_if_built "$TAG"
new_debian_rootfs
apt_install mariadb-server
put_file mariadb/entrypoint.sh /usr/local/bin/allmende-mariadb-entrypoint 755
put_file mariadb/healthcheck.sh /usr/local/bin/allmende-healthcheck 755
put_file mariadb/server.cnf /etc/mysql/mariadb.conf.d/99-allmende.cnf
# The package initialised a datadir at install time: ship an empty one, so the
# entrypoint initialises it with the tenant's settings on first start.
find "$ROOTFS/var/lib/mysql" -mindepth 1 -delete
rm -rf "$ROOTFS/var/log/mysql"
# 1777: a tmpfs mounted here keeps this mode (runc), and mysql, not root, writes its socket.
install -d -m 1777 "$ROOTFS/run/mysqld"
# The backup hook's dumps (a volume): Docker gives a new volume this directory's owner.
install -d -o "$(in_rootfs id -u mysql)" -g "$(in_rootfs id -g mysql)" -m 750 "$ROOTFS/var/backups/allmende"

import_rootfs "$TAG" mariadb \
  'ENTRYPOINT ["/usr/local/bin/allmende-mariadb-entrypoint"]' \
  'CMD ["mariadbd"]' \
  'EXPOSE 3306/tcp'
