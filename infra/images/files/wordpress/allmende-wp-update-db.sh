#!/bin/sh
# allmende-wp-update-db: WordPress's database upgrade (`wp core update-db`) after a new image,
# as www-data (the owner of wp-content), like allmende-wp-install. Exit 0 also when up to date.
set -eu
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=www-data --regid=www-data --init-groups php /usr/local/lib/allmende/wp-update-db.php "$@"
fi
exec php /usr/local/lib/allmende/wp-update-db.php "$@"
