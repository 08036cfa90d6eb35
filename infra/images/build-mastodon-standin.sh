#!/usr/bin/env bash
# allmende-test/mastodon-standin:4.3 or :4.4 — NOT Mastodon (which cannot run here): a Debian
# image that answers like the upstream mastodon and mastodon-streaming images do towards the
# control plane. The two differ only in the release they play (/opt/mastodon/standin/VERSION):
# 4.4 has one more schema migration, which `rails db:migrate` applies; until then its web
# answers 503. See README.md for what it checks.
#
#   build-mastodon-standin.sh [4.3|4.4]      (default 4.3; or STANDIN_VERSION=4.4)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

VERSION="${1:-${STANDIN_VERSION:-4.3}}"
[[ "$VERSION" =~ ^4\.[34]$ ]] || die "unknown stand-in version '$VERSION' (4.3 or 4.4)"
TAG="allmende-test/mastodon-standin:$VERSION"
require_docker
skip_if_built "$TAG"
new_debian_rootfs bookworm
# busybox-static: its nc has -ll -e (a tiny inetd) for the HTTP endpoints;
# tini as PID 1 like upstream; wget/curl/procps for upstream-style healthchecks.
apt_install postgresql-client redis-tools busybox-static tini procps wget curl

# Upstream runs as mastodon (uid/gid 991) in /opt/mastodon.
in_rootfs groupadd -g 991 mastodon
in_rootfs useradd -u 991 -g 991 -d /opt/mastodon -s /usr/sbin/nologin -M mastodon
for f in common.sh http-handler sidekiq-loop db-prepare; do
  put_file "mastodon/$f" "/opt/mastodon/standin/$f" 755
done
chmod 644 "$ROOTFS/opt/mastodon/standin/common.sh"
echo "$VERSION.0" >"$ROOTFS/opt/mastodon/standin/VERSION"
put_file mastodon/bundle /opt/mastodon/standin/bin/bundle 755
put_file mastodon/node /opt/mastodon/standin/bin/node 755
put_file mastodon/tootctl /opt/mastodon/bin/tootctl 755
put_file mastodon/rails /opt/mastodon/bin/rails 755
ln -s /opt/mastodon/bin/tootctl "$ROOTFS/usr/local/bin/tootctl"
mkdir -p "$ROOTFS/opt/mastodon/config" "$ROOTFS/opt/mastodon/streaming" "$ROOTFS/opt/mastodon/public/system"
echo "# Mastodon stand-in: placeholder, 'bundle exec puma -C config/puma.rb' is handled by the stand-in" \
  >"$ROOTFS/opt/mastodon/config/puma.rb"
echo "// Mastodon stand-in: placeholder, 'node ./streaming/index.js' is handled by the stand-in" \
  >"$ROOTFS/opt/mastodon/streaming/index.js"
# As upstream (4.2+): root owns the code, mastodon only tmp/ and public/system.
install -d -o 991 -g 991 -m 755 "$ROOTFS/opt/mastodon/tmp"
chown -R 991:991 "$ROOTFS/opt/mastodon/public"

import_rootfs "$TAG" mastodon-standin \
  'LABEL allmende.standin=true' \
  'ENV PATH=/opt/mastodon/bin:/opt/mastodon/standin/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin RAILS_ENV=production NODE_ENV=production' \
  'WORKDIR /opt/mastodon' \
  'USER mastodon' \
  'ENTRYPOINT ["/usr/bin/tini","--"]' \
  'CMD ["bundle","exec","puma","-C","config/puma.rb"]' \
  'EXPOSE 3000/tcp 4000/tcp'
