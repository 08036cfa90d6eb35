#!/usr/bin/env bash
# allmende/restic:0.18 — Debian trixie's restic 0.18 for the backup engine's short-lived
# task containers (libs/backup). Runs as root so it can read any volume (mounted read-only
# for backups), with openssh-client for sftp sites and CA certificates for https/S3 ones.
# Entry point files/restic/allmende-restic: secrets arrive as a tar on stdin.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/restic:0.18
require_docker
skip_if_built "$TAG"
new_debian_rootfs trixie
apt_install restic ca-certificates openssh-client bash tar
version="$(in_rootfs restic version)"
[[ "$version" == "restic 0.18."* ]] || die "expected restic 0.18 from trixie, got: $version"
put_file restic/allmende-restic /usr/local/bin/allmende-restic 755
put_file restic/ssh_config /etc/ssh/ssh_config.d/50-allmende.conf
put_file restic/ssh /usr/local/bin/ssh 755
install -d -m 700 "$ROOTFS/run/allmende" "$ROOTFS/root/.cache"

import_rootfs "$TAG" restic \
  'ENTRYPOINT ["/usr/local/bin/allmende-restic"]' \
  'CMD ["--", "version"]' \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'WORKDIR /'
