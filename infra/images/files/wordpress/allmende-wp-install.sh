#!/bin/sh
# Run the installer as www-data (the owner of wp-content), argv passed through untouched.
set -eu
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=www-data --regid=www-data --init-groups php /usr/local/lib/allmende/wp-install.php "$@"
fi
exec php /usr/local/lib/allmende/wp-install.php "$@"
