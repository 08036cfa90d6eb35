#!/usr/bin/env bash
# allmende/postgres:15 — Debian bookworm's PostgreSQL 15 with an entrypoint like
# the official image (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/postgres:15
require_docker
skip_if_built "$TAG"
new_debian_rootfs
apt_install postgresql-15
put_file postgres/entrypoint.sh /usr/local/bin/allmende-postgres-entrypoint 755
put_file postgres/healthcheck.sh /usr/local/bin/allmende-healthcheck 755
# Debian's postinst created a "main" cluster; the container uses $PGDATA instead.
rm -rf "$ROOTFS/etc/postgresql/15" "$ROOTFS/var/lib/postgresql/15" "$ROOTFS/var/log/postgresql"/*
install -d -o "$(in_rootfs id -u postgres)" -g "$(in_rootfs id -g postgres)" -m 700 "$ROOTFS/var/lib/postgresql/data"
# 1777: a tmpfs mounted here keeps this mode (runc), and postgres, not root, writes its socket.
chmod 1777 "$ROOTFS/run/postgresql"
# The backup hook's dumps (a volume): Docker gives a new volume this directory's owner.
install -d -o "$(in_rootfs id -u postgres)" -g "$(in_rootfs id -g postgres)" -m 750 "$ROOTFS/var/backups/allmende"

import_rootfs "$TAG" postgres \
  'ENTRYPOINT ["/usr/local/bin/allmende-postgres-entrypoint"]' \
  'CMD ["postgres"]' \
  'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data' \
  'EXPOSE 5432/tcp'
