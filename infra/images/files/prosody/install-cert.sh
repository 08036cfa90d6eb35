#!/bin/sh
# allmende-prosody-install-cert NAME — installs the certificate Prosody presents for NAME (its
# XMPP domain or group chat component), as issued by the edge proxy. Certificate chain and
# private key come as PEM on stdin (never on the command line); they are checked (the
# certificate covers NAME, has not expired, and belongs to the key) before they replace the
# files Prosody reads (certs/NAME.crt and .key), and Prosody reloads only when they changed.
# Run as user prosody (docker exec --user prosody) with the container's environment.
set -eu

name="${1:-}"
domain="${ALLMENDE_XMPP_DOMAIN:-}"
muc="${ALLMENDE_XMPP_MUC_DOMAIN:-}"
fail() { echo "allmende-prosody-install-cert: $*" >&2; exit 65; }
if [ -z "$name" ] || { [ "$name" != "$domain" ] && [ "$name" != "$muc" ]; }; then
  echo "allmende-prosody-install-cert: '$name' is neither ALLMENDE_XMPP_DOMAIN nor ALLMENDE_XMPP_MUC_DOMAIN" >&2
  exit 64
fi

certdir=/var/lib/prosody/certs
umask 077
# the volume, not /tmp: the final mv must not cross file systems
work=$(mktemp -d "$certdir/.install.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c 262144 >"$work/bundle.pem"
awk -v key="$work/key.pem" -v crt="$work/crt.pem" '
  /^-----BEGIN [A-Z ]*PRIVATE KEY-----$/ { inkey = 1 }
  { if (inkey) print > key; else print > crt }
  /^-----END [A-Z ]*PRIVATE KEY-----$/ { inkey = 0 }
' "$work/bundle.pem"
[ -s "$work/crt.pem" ] && [ -s "$work/key.pem" ] || fail "stdin must hold the certificate chain and the private key (PEM)"
openssl x509 -in "$work/crt.pem" -noout -checkhost "$name" 2>/dev/null | grep -q 'does match' \
  || fail "the certificate does not cover $name"
openssl x509 -in "$work/crt.pem" -noout -checkend 0 >/dev/null || fail "the certificate has expired"
cert_key=$(openssl x509 -in "$work/crt.pem" -noout -pubkey | openssl sha256)
key_key=$(openssl pkey -in "$work/key.pem" -pubout | openssl sha256)
[ "$cert_key" = "$key_key" ] || fail "the private key does not belong to the certificate"

if cmp -s "$work/crt.pem" "$certdir/$name.crt" && cmp -s "$work/key.pem" "$certdir/$name.key"; then
  echo "unchanged $name"
  exit 0
fi
chmod 644 "$work/crt.pem"
mv "$work/key.pem" "$certdir/$name.key"
mv "$work/crt.pem" "$certdir/$name.crt"
# SIGHUP: Prosody reads its configuration again, which picks these files and reloads TLS
if [ -s /run/prosody/prosody.pid ]; then
  kill -HUP "$(cat /run/prosody/prosody.pid)"
fi
echo "installed $name"
