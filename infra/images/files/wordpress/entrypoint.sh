#!/bin/sh
# Entrypoint of allmende/wordpress (6.1 and 6.8).
#
# Best started as www-data (--user www-data, no capabilities, read-only root with tmpfs
# mounts on /run/apache2, /run/lock, /var/lib/php/sessions and /tmp, ALLMENDE_HTTP_PORT=8080):
# then Apache's first process is www-data too and there is nothing to drop. Started as root
# it listens on 80, and Apache's master stays root while its workers switch to www-data.
set -eu

content=/var/lib/wordpress/wp-content
privileged=false
[ "$(id -u)" = 0 ] && privileged=true

# A fresh (empty) volume on wp-content gets the image's skeleton: theme
# symlinks into /usr/share/wordpress, languages, empty plugins/uploads.
# (Docker already copies the image's directory into a new volume, owned by www-data.)
if [ ! -w "$content" ]; then
  echo "allmende-wordpress: $content is not writable for $(id -un); mount the content volume there" >&2
  exit 73
fi
if [ ! -e "$content/index.php" ]; then
  cp -a /usr/local/share/allmende/wp-content/. "$content/"
fi
for d in "$content" "$content/uploads" "$content/plugins" "$content/themes" "$content/upgrade" "$content/languages"; do
  mkdir -p "$d"
  if $privileged; then chown www-data:www-data "$d"; fi
done
# A volume seeded by an older image lacks the links to the themes this image's Debian packages
# added (e.g. twentytwentyfive after 6.1 -> 6.8): add those, never replace anything.
for link in /usr/local/share/allmende/wp-content/themes/*; do
  [ -L "$link" ] || continue
  if [ ! -e "$content/themes/${link##*/}" ] && [ ! -L "$content/themes/${link##*/}" ]; then
    ln -s "$(readlink "$link")" "$content/themes/${link##*/}"
  fi
done

# Debian's envvars reads unset variables: source it without -u. It also sets
# ALLMENDE_HTTP_PORT (default 80) for ports.conf and the site.
set +u
# shellcheck disable=SC1091
. /etc/apache2/envvars
set -u
case "$ALLMENDE_HTTP_PORT" in
  '' | *[!0-9]*) echo "allmende-wordpress: ALLMENDE_HTTP_PORT must be a port number" >&2; exit 64 ;;
esac
if [ "$ALLMENDE_HTTP_PORT" -lt 1 ] || [ "$ALLMENDE_HTTP_PORT" -gt 65535 ]; then
  echo "allmende-wordpress: ALLMENDE_HTTP_PORT must be 1-65535" >&2
  exit 64
fi
for dir in "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"; do
  mkdir -p "$dir" 2>/dev/null || { echo "allmende-wordpress: cannot create $dir as $(id -un); mount a tmpfs at $(dirname "$dir")" >&2; exit 73; }
done
rm -f "$APACHE_PID_FILE"

# apache2ctl does not exec apache2, so the shell would stay PID 1 and swallow
# docker stop's SIGTERM: run the same command (apache2 -D FOREGROUND with
# Debian's envvars, sourced above) directly instead.
if [ "$#" -ge 1 ] && [ "$1" = apache2ctl ] && [ "${2:-}" = -D ] && [ "${3:-}" = FOREGROUND ]; then
  shift
  exec /usr/sbin/apache2 "$@"
fi
exec "$@"
