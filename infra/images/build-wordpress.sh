#!/usr/bin/env bash
# allmende/wordpress:6.1 (Debian bookworm's WordPress 6.1, PHP 8.2) or allmende/wordpress:6.8
# (trixie's 6.8, PHP 8.4) on Apache + mod_php, with an env-driven
# /etc/wordpress/config-default.php, allmende-wp-install and allmende-wp-update-db.
#
#   build-wordpress.sh [6.1|6.8]      (default 6.1; or WORDPRESS_VERSION=6.8)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

VERSION="${1:-${WORDPRESS_VERSION:-6.1}}"
# wordpress-theme-*: without a theme (a Recommends) the site front end is blank. 6.8 also keeps
# twentytwentythree, the theme a site installed with 6.1 uses, so its front end survives the
# upgrade; twentytwentyfive is 6.8's default for new sites.
case "$VERSION" in
  6.1) SUITE=bookworm PHP=8.2 THEMES=(wordpress-theme-twentytwentythree) ;;
  6.8) SUITE=trixie PHP=8.4 THEMES=(wordpress-theme-twentytwentyfive wordpress-theme-twentytwentythree) ;;
  *) die "unknown WordPress version '$VERSION' (6.1 or 6.8)" ;;
esac
TAG="allmende/wordpress:$VERSION"
require_docker
skip_if_built "$TAG"
new_debian_rootfs "$SUITE"
apt_install wordpress "${THEMES[@]}" apache2 libapache2-mod-php php-mysql \
  php-curl php-mbstring php-xml php-zip curl ca-certificates
# shellcheck disable=SC2016 # a dpkg-query format, not shell
installed="$(in_rootfs dpkg-query -W -f '${Version}' wordpress)"
[[ "$installed" == "$VERSION".* ]] || die "expected WordPress $VERSION from $SUITE, got $installed"
[[ -d "$ROOTFS/etc/php/$PHP/apache2/conf.d" ]] || die "PHP $PHP for Apache missing"

put_file wordpress/config-default.php /etc/wordpress/config-default.php
put_file wordpress/wp-install.php /usr/local/lib/allmende/wp-install.php
put_file wordpress/allmende-wp-install.sh /usr/local/bin/allmende-wp-install 755
put_file wordpress/wp-update-db.php /usr/local/lib/allmende/wp-update-db.php
put_file wordpress/allmende-wp-update-db.sh /usr/local/bin/allmende-wp-update-db 755
put_file wordpress/entrypoint.sh /usr/local/bin/allmende-wordpress-entrypoint 755
put_file wordpress/healthcheck.sh /usr/local/bin/allmende-healthcheck 755
put_file wordpress/apache-site.conf /etc/apache2/sites-available/allmende-wordpress.conf
put_file wordpress/apache-ports.conf /etc/apache2/ports.conf
# The port comes from the container (ALLMENDE_HTTP_PORT=8080 for an unprivileged Apache), else 80.
cat >>"$ROOTFS/etc/apache2/envvars" <<'ENVVARS'

## Allmende: the port of ports.conf and the site; the container may set it (8080 as www-data).
export ALLMENDE_HTTP_PORT="${ALLMENDE_HTTP_PORT:-80}"
ENVVARS
# zz-: loaded after Debian's security.conf, so ServerTokens Prod wins.
put_file wordpress/apache-zz-allmende.conf /etc/apache2/conf-available/zz-allmende.conf
put_file wordpress/php.ini "/etc/php/$PHP/apache2/conf.d/90-allmende.ini"

in_rootfs a2dissite -q 000-default >/dev/null
in_rootfs a2disconf -q other-vhosts-access-log >/dev/null
in_rootfs a2enmod -q rewrite >/dev/null
in_rootfs a2ensite -q allmende-wordpress >/dev/null
in_rootfs a2enconf -q zz-allmende >/dev/null
# Apache's own (non-vhost) logs to the container output too.
ln -sfT /dev/stderr "$ROOTFS/var/log/apache2/error.log"
ln -sfT /dev/stdout "$ROOTFS/var/log/apache2/access.log"
ln -sfT /dev/stdout "$ROOTFS/var/log/apache2/other_vhosts_access.log"
# Only these links live here: an Apache running as www-data must reach them (Debian: root:adm 750).
chmod 755 "$ROOTFS/var/log/apache2"
# Skeleton used to seed an empty wp-content volume.
mkdir -p "$ROOTFS/usr/local/share/allmende"
cp -a "$ROOTFS/var/lib/wordpress/wp-content" "$ROOTFS/usr/local/share/allmende/wp-content"
rm -rf "$ROOTFS/var/www/html"
# 1777: a tmpfs mounted here keeps this mode (runc), and an Apache running as www-data
# writes its pid file here. (/run/lock and /var/lib/php/sessions already allow it.)
chmod 1777 "$ROOTFS/run/apache2"

import_rootfs "$TAG" wordpress \
  'ENTRYPOINT ["/usr/local/bin/allmende-wordpress-entrypoint"]' \
  'CMD ["apache2ctl","-D","FOREGROUND"]' \
  'EXPOSE 80/tcp 8080/tcp' \
  'WORKDIR /usr/share/wordpress'
