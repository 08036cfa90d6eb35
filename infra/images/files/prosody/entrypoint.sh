#!/bin/sh
# Entrypoint of allmende/prosody (0.12 and 13). Best started as user prosody (--user prosody, no
# capabilities, read-only root with a tmpfs on /run/prosody): a fresh volume on
# /var/lib/prosody already belongs to prosody (Docker copies the image's directory).
# Started as root, it prepares the data volume, then drops to user prosody.
set -eu

domain="${ALLMENDE_XMPP_DOMAIN:-}"
muc="${ALLMENDE_XMPP_MUC_DOMAIN:-}"
valid_domain() {
  # Lowercase DNS name: also keeps it safe for file names and the openssl subject.
  printf '%s' "$1" | grep -Eq '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' \
    && [ "${#1}" -le 253 ]
}
if [ -z "$domain" ]; then
  echo "allmende-prosody: ALLMENDE_XMPP_DOMAIN is required" >&2
  exit 64
fi
valid_domain "$domain" || { echo "allmende-prosody: invalid ALLMENDE_XMPP_DOMAIN '$domain'" >&2; exit 64; }
if [ -n "$muc" ]; then
  valid_domain "$muc" || { echo "allmende-prosody: invalid ALLMENDE_XMPP_MUC_DOMAIN '$muc'" >&2; exit 64; }
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p /run/prosody /var/lib/prosody/certs
  chown prosody:prosody /run/prosody /var/lib/prosody /var/lib/prosody/certs
  chmod 750 /var/lib/prosody
else
  # Unprivileged: nothing can be chowned, so say plainly what is missing.
  for dir in /var/lib/prosody /run/prosody; do
    [ -w "$dir" ] || { echo "allmende-prosody: $dir is not writable for $(id -un); mount the data volume there (a tmpfs for /run/prosody)" >&2; exit 73; }
  done
  mkdir -p /var/lib/prosody/certs
fi

# Self-signed certificate so STARTTLS (required for c2s) works from the first
# start; regenerated when the domain set changes. Replace tls.crt/tls.key in
# the volume with a real certificate to use one.
certdir=/var/lib/prosody/certs
names="$domain${muc:+ $muc}"
if [ ! -s "$certdir/tls.crt" ] || [ ! -s "$certdir/tls.key" ] \
   || [ "$(cat "$certdir/tls.names" 2>/dev/null || true)" != "$names" ]; then
  san="DNS:$domain,DNS:*.$domain${muc:+,DNS:$muc}"
  echo "allmende-prosody: generating self-signed certificate for $names" >&2
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj "/CN=$domain" -addext "subjectAltName=$san" \
    -keyout "$certdir/tls.key.new" -out "$certdir/tls.crt.new" 2>/dev/null
  mv "$certdir/tls.key.new" "$certdir/tls.key"
  mv "$certdir/tls.crt.new" "$certdir/tls.crt"
  chmod 644 "$certdir/tls.crt"
  printf '%s\n' "$names" >"$certdir/tls.names"
  umask 022
fi
if [ "$(id -u)" = 0 ]; then
  chown prosody:prosody "$certdir"/tls.*
  exec setpriv --reuid=prosody --regid=prosody --init-groups env HOME=/var/lib/prosody "$@"
fi
exec "$@"
