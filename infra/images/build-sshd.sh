#!/usr/bin/env bash
# allmende-test/sshd:1 — Debian's openssh-server with key-only auth and an "allmende" user:
# the tests' SFTP backup site (files/sshd/).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende-test/sshd:1
require_docker
skip_if_built "$TAG"
new_debian_rootfs
apt_install openssh-server
in_rootfs useradd --create-home --uid 1000 --shell /bin/sh allmende
# "*": no password can work, yet the account is not locked ("!" would refuse key logins too without PAM)
in_rootfs usermod -p '*' allmende
put_file sshd/sshd_config /etc/ssh/sshd_config
put_file sshd/entrypoint.sh /usr/local/bin/allmende-sshd 755
# no host keys in the image: each container makes its own at start
rm -f "$ROOTFS"/etc/ssh/ssh_host_*

import_rootfs "$TAG" sshd \
  'ENTRYPOINT ["/usr/local/bin/allmende-sshd"]' \
  'EXPOSE 22/tcp'
