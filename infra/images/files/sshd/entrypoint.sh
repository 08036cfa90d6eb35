#!/bin/sh
# allmende-test/sshd: OpenSSH with key-only logins for user "allmende" (sftp for backups).
#   AUTHORIZED_KEYS   public key line(s) allowed to log in as allmende (required)
# Host keys are made at the first start of each container, so every container has its own:
# read /etc/ssh/ssh_host_ed25519_key.pub to pin it. Backups go under /srv/backup.
set -eu
if [ -z "${AUTHORIZED_KEYS:-}" ]; then
  echo "AUTHORIZED_KEYS is required (the public key of the backup client)" >&2
  exit 64
fi
ssh-keygen -A >/dev/null
install -d -o allmende -g allmende -m 700 /home/allmende/.ssh
printf '%s\n' "$AUTHORIZED_KEYS" >/home/allmende/.ssh/authorized_keys
chown allmende:allmende /home/allmende/.ssh/authorized_keys
chmod 600 /home/allmende/.ssh/authorized_keys
install -d -o allmende -g allmende -m 750 /srv/backup
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e
