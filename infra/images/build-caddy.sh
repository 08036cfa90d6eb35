#!/usr/bin/env bash
# allmende/caddy:2.6 — Debian bookworm's Caddy 2.6 as the edge proxy of a Docker host,
# plus curl (the control plane talks to the admin API over a unix socket via docker exec).
#
# Runs as the unprivileged user caddy (uid/gid 990) on container ports 8080 (HTTP) and
# 8443 (HTTPS), which the control plane publishes on the host's 80/443: no capability is
# needed. The first start loads files/caddy/bootstrap.json (admin API on the unix socket
# /run/caddy/admin.sock only); every later change is autosaved and `--resume` loads it
# again, so the edge keeps serving after a restart without the control plane.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/caddy:2.6
CADDY_ID=990
require_docker
skip_if_built "$TAG"
new_debian_rootfs
# Fixed ids (Debian's postinst keeps an existing user): the control plane gives the
# admin socket's tmpfs to this uid.
in_rootfs groupadd --system --gid "$CADDY_ID" caddy
in_rootfs useradd --system --uid "$CADDY_ID" --gid caddy --no-create-home --home-dir /var/lib/caddy \
  --shell /usr/sbin/nologin --comment "Caddy web server" caddy
apt_install caddy curl ca-certificates
put_file caddy/bootstrap.json /etc/caddy/allmende-bootstrap.json
# Debian's sample site and log folder are not used (Caddy logs to stderr).
rm -rf "$ROOTFS/etc/caddy/Caddyfile" "$ROOTFS/var/log/caddy"
# Everything Caddy writes lives under /var/lib/caddy (the edge's named volume):
# data/ holds certificates and the internal CA, config/ the autosaved configuration.
install -d -o "$CADDY_ID" -g "$CADDY_ID" -m 750 "$ROOTFS/var/lib/caddy" "$ROOTFS/var/lib/caddy/data" "$ROOTFS/var/lib/caddy/config"
install -d -o "$CADDY_ID" -g "$CADDY_ID" -m 700 "$ROOTFS/run/caddy"

import_rootfs "$TAG" caddy \
  "USER $CADDY_ID:$CADDY_ID" \
  'ENV HOME=/var/lib/caddy XDG_DATA_HOME=/var/lib/caddy/data XDG_CONFIG_HOME=/var/lib/caddy/config' \
  'WORKDIR /var/lib/caddy' \
  'CMD ["caddy","run","--resume","--config","/etc/caddy/allmende-bootstrap.json"]' \
  'EXPOSE 8080/tcp 8443/tcp'
