<?php
/*
 * allmende-wp-update-db: the equivalent of `wp core update-db` for Debian's WordPress
 * (WP-CLI is not packaged in Debian). After the image (the WordPress code) changed, it brings
 * the database up to the code's version the way wp-admin/upgrade.php does: loads wp-load.php
 * with WP_INSTALLING, then wp_upgrade(). Prints
 *   WordPress 6.8.3: database version 53496 -> 60421 (upgraded)
 *   WordPress 6.8.3: database version 60421 -> 60421 (already up to date)
 * and exits 0; exit 1 when WordPress is not installed, the database is newer than the code
 * (a downgrade) or the upgrade did not complete; 64 on unknown arguments. Takes no values.
 */

function allmende_fail(string $message, int $code = 1): void
{
    fwrite(STDERR, "Error: $message\n");
    $GLOBALS['allmende_done'] = true; // reported already: the shutdown guard stays quiet
    exit($code);
}

foreach (array_slice($argv, 1) as $arg) {
    if ($arg === '--help' || $arg === '-h') {
        fwrite(STDOUT, "usage: allmende-wp-update-db\n");
        exit(0);
    }
    fwrite(STDERR, "usage: allmende-wp-update-db\n");
    fwrite(STDERR, "Error: unknown argument '$arg'\n");
    exit(64);
}

// What a web request would look like (wp_guess_url() and Debian's config lookup read it).
$allmende_host = parse_url((string) getenv('WP_HOME'), PHP_URL_HOST) ?: 'localhost';
$_SERVER['HTTP_HOST'] = $allmende_host;
$_SERVER['SERVER_NAME'] = $allmende_host;
$_SERVER['REQUEST_URI'] = '/wp-admin/upgrade.php';
$_SERVER['REQUEST_METHOD'] = 'GET';

// As wp-admin/upgrade.php: no redirect to the installer, no "database update required" screen.
define('WP_INSTALLING', true);

// WordPress reports fatal problems (e.g. no database) with wp_die(), which prints HTML and
// exits with status 0: turn anything short of success into exit 1 with the text on stderr.
$GLOBALS['allmende_done'] = false;
ob_start();
register_shutdown_function(static function (): void {
    $output = '';
    while (ob_get_level() > 0) {
        $output .= ob_get_clean();
    }
    if (!$GLOBALS['allmende_done']) {
        $output = preg_replace('#<(head|style|script)\b[^>]*>.*?</\1>#si', '', $output);
        $text = trim(preg_replace('/\s+/', ' ', html_entity_decode(strip_tags($output))));
        fwrite(STDERR, "Error: the WordPress database upgrade did not complete" . ($text !== '' ? ": $text" : '') . "\n");
        exit(1);
    }
});

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

global $wpdb, $wp_version, $wp_db_version, $required_php_version, $required_mysql_version;

if (!is_blog_installed()) {
    allmende_fail('WordPress is not installed (run allmende-wp-install first).');
}
$allmende_from = (int) get_option('db_version');
$allmende_to = (int) $wp_db_version;
if ($allmende_from > $allmende_to) {
    allmende_fail("the database (version $allmende_from) is newer than WordPress $wp_version "
        . "(database version $allmende_to): WordPress cannot downgrade it.");
}
if ($allmende_from === $allmende_to) {
    $GLOBALS['allmende_done'] = true;
    ob_end_clean();
    fwrite(STDOUT, "WordPress $wp_version: database version $allmende_from -> $allmende_to (already up to date)\n");
    exit(0);
}
// upgrade.php's checks before it offers the upgrade.
if (!version_compare(PHP_VERSION, $required_php_version, '>=')) {
    allmende_fail("WordPress $wp_version needs PHP $required_php_version or newer (this is " . PHP_VERSION . ').');
}
if (!(file_exists(WP_CONTENT_DIR . '/db.php') && empty($wpdb->is_mysql))
    && !version_compare($wpdb->db_version(), $required_mysql_version, '>=')) {
    allmende_fail("WordPress $wp_version needs MySQL $required_mysql_version or newer (the server reports "
        . $wpdb->db_version() . ').');
}

delete_site_transient('update_core');
wp_upgrade();

// wp_upgrade() reports nothing: check what it left in the database.
wp_cache_delete('alloptions', 'options');
wp_cache_delete('db_version', 'options');
$allmende_now = (int) $wpdb->get_var("SELECT option_value FROM $wpdb->options WHERE option_name = 'db_version'");
if ($allmende_now !== $allmende_to) {
    allmende_fail("wp_upgrade() left the database at version $allmende_now, not $allmende_to"
        . ($wpdb->last_error !== '' ? ': ' . $wpdb->last_error : '') . '.');
}

$GLOBALS['allmende_done'] = true;
ob_end_clean();
fwrite(STDOUT, "WordPress $wp_version: database version $allmende_from -> $allmende_to (upgraded)\n");
