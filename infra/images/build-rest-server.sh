#!/usr/bin/env bash
# allmende-test/rest-server:0.13 — Debian trixie's restic-rest-server, the tests' offsite
# backup site. `docker run ... allmende-test/rest-server:0.13 --append-only --private-repos`
# passes such flags through (files/rest-server/entrypoint.sh).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende-test/rest-server:0.13
require_docker
skip_if_built "$TAG"
new_debian_rootfs trixie
# apache2-utils: htpasswd for the optional bcrypt user
apt_install restic-rest-server apache2-utils
[[ -x "$ROOTFS/usr/bin/restic-rest-server" ]] || die "restic-rest-server binary missing"
put_file rest-server/entrypoint.sh /usr/local/bin/allmende-rest-server 755
install -d -m 700 "$ROOTFS/data"

import_rootfs "$TAG" rest-server \
  'ENTRYPOINT ["/usr/local/bin/allmende-rest-server"]' \
  'EXPOSE 8000/tcp' \
  'WORKDIR /data'
