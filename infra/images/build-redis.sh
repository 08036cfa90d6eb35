#!/usr/bin/env bash
# allmende/redis:7 — Debian bookworm's redis-server (7.0) like the official image.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/redis:7
require_docker
skip_if_built "$TAG"
new_debian_rootfs
apt_install redis-server
put_file redis/redis.conf /etc/redis/allmende.conf
put_file redis/entrypoint.sh /usr/local/bin/allmende-redis-entrypoint 755
put_file redis/healthcheck.sh /usr/local/bin/allmende-healthcheck 755
install -d -o "$(in_rootfs id -u redis)" -g "$(in_rootfs id -g redis)" -m 750 "$ROOTFS/data"
rm -rf "$ROOTFS/var/log/redis"/*

import_rootfs "$TAG" redis \
  'ENTRYPOINT ["/usr/local/bin/allmende-redis-entrypoint"]' \
  'CMD ["redis-server"]' \
  'WORKDIR /data' \
  'EXPOSE 6379/tcp'
