<?php
/*
 * Allmende: /etc/wordpress/config-default.php, baked into allmende/wordpress (6.1, 6.8).
 * Debian's /usr/share/wordpress/wp-config.php loads it for every Host header
 * (no config-<host>.php files exist in the image). Every per-tenant value is
 * read from the container environment, so the control plane never writes PHP.
 *
 *   DB_NAME DB_USER DB_PASSWORD DB_HOST      (or the official image's WORDPRESS_DB_*)
 *   WORDPRESS_AUTH_KEY ... WORDPRESS_NONCE_SALT   (the 8 keys and salts)
 *   WP_HOME WP_SITEURL                      optional fixed site URLs
 *   WORDPRESS_TABLE_PREFIX                  optional, default wp_
 *   WORDPRESS_DEBUG                         optional, 1/true enables WP_DEBUG
 */

function allmende_env(string $name, ?string $fallback = null): ?string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        return $fallback;
    }
    return $value;
}

define('DB_NAME', allmende_env('DB_NAME', allmende_env('WORDPRESS_DB_NAME', 'wordpress')));
define('DB_USER', allmende_env('DB_USER', allmende_env('WORDPRESS_DB_USER', 'wordpress')));
define('DB_PASSWORD', allmende_env('DB_PASSWORD', allmende_env('WORDPRESS_DB_PASSWORD', '')));
define('DB_HOST', allmende_env('DB_HOST', allmende_env('WORDPRESS_DB_HOST', 'localhost')));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');

// Keys and salts: when one is not set, WordPress falls back to a random value
// it stores in the database (wp_salt()), so sessions still are not forgeable.
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY',
          'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $allmende_key) {
    $allmende_value = allmende_env('WORDPRESS_' . $allmende_key);
    if ($allmende_value !== null && !defined($allmende_key)) {
        define($allmende_key, $allmende_value);
    }
}
unset($allmende_key, $allmende_value);

foreach (['WP_HOME', 'WP_SITEURL'] as $allmende_key) {
    $allmende_value = allmende_env($allmende_key);
    if ($allmende_value !== null && !defined($allmende_key)) {
        define($allmende_key, rtrim($allmende_value, '/'));
    }
}
unset($allmende_key, $allmende_value);

$allmende_prefix = allmende_env('WORDPRESS_TABLE_PREFIX', 'wp_');
$table_prefix = preg_match('/^[A-Za-z0-9_]{1,20}$/', $allmende_prefix) ? $allmende_prefix : 'wp_';
unset($allmende_prefix);

define('WP_DEBUG', in_array(strtolower((string) allmende_env('WORDPRESS_DEBUG', '')), ['1', 'true', 'yes'], true));
if (WP_DEBUG) {
    define('WP_DEBUG_DISPLAY', false);
    define('WP_DEBUG_LOG', '/dev/stderr');
}

// Behind the edge proxy that terminates TLS (the official image does the same): the
// container is reachable only through it, so its X-Forwarded-Proto can be trusted.
if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') {
    $_SERVER['HTTPS'] = 'on';
}

// Core comes from the Debian package in the image: no self-updates (and no
// network to fetch them); plugins and themes install into the wp-content volume.
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
