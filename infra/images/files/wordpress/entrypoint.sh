#!/bin/sh
# Entrypoint of allmende/wordpress:6.
set -eu
content=/var/lib/wordpress/wp-content
# A fresh (empty) volume on wp-content gets the image's skeleton: theme
# symlinks into /usr/share/wordpress, languages, empty plugins/uploads.
if [ ! -e "$content/index.php" ]; then
  cp -a /usr/local/share/allmende/wp-content/. "$content/"
fi
for d in "$content" "$content/uploads" "$content/plugins" "$content/themes" "$content/upgrade" "$content/languages"; do
  mkdir -p "$d"
  chown www-data:www-data "$d"
done

# Debian's envvars reads unset variables: source it without -u.
set +u
# shellcheck disable=SC1091
. /etc/apache2/envvars
set -u
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
rm -f "$APACHE_PID_FILE"

# apache2ctl does not exec apache2, so the shell would stay PID 1 and swallow
# docker stop's SIGTERM: run the same command (apache2 -D FOREGROUND with
# Debian's envvars, sourced above) directly instead.
if [ "$#" -ge 1 ] && [ "$1" = apache2ctl ] && [ "${2:-}" = -D ] && [ "${3:-}" = FOREGROUND ]; then
  shift
  exec /usr/sbin/apache2 "$@"
fi
exec "$@"
