<?php
/*
 * allmende-wp-install: the equivalent of
 *   wp core install --url=URL --title=TITLE --admin_user=USER
 *                   --prompt=admin_password --admin_email=EMAIL [--skip-email] < password
 * for Debian's WordPress (WP-CLI is not packaged in Debian bookworm).
 *
 * The admin password is the first line of stdin (WP-CLI's --prompt=admin_password): a
 * command line is readable by every local user. --admin_password=PASSWORD still works,
 * with a warning, for callers that have not switched yet.
 *
 * Values come only from argv ($argv) and stdin and are passed to WordPress functions
 * as data; nothing is ever interpolated into code. Accepts --key=value and
 * --key value. Exit 0 on success or when WordPress is already installed.
 */

const ALLMENDE_USAGE = "usage: allmende-wp-install --url=URL --title=TITLE --admin_user=USER "
    . "[--prompt=admin_password < PASSWORD] --admin_email=EMAIL [--skip-email]\n";

function allmende_fail(string $message, int $code = 1): void
{
    fwrite(STDERR, "Error: $message\n");
    $GLOBALS['allmende_done'] = true; // reported already: the shutdown guard stays quiet
    exit($code);
}

$allmende_opts = ['url' => null, 'title' => null, 'admin_user' => null,
                  'admin_password' => null, 'admin_email' => null];
$allmende_skip_email = false;
$allmende_prompt = false;
$allmende_args = array_slice($argv, 1);
for ($i = 0; $i < count($allmende_args); $i++) {
    $arg = $allmende_args[$i];
    if ($arg === '--help' || $arg === '-h') {
        fwrite(STDOUT, ALLMENDE_USAGE);
        exit(0);
    }
    if ($arg === '--skip-email') {
        $allmende_skip_email = true;
        continue;
    }
    if ($arg === '--prompt=admin_password') {
        $allmende_prompt = true;
        continue;
    }
    if (!preg_match('/^--([a-z_]+)(?:=(.*))?$/s', $arg, $m) || !array_key_exists($m[1], $allmende_opts)) {
        fwrite(STDERR, ALLMENDE_USAGE);
        allmende_fail("unknown argument '" . $arg . "'", 64);
    }
    if (array_key_exists(2, $m)) {
        $allmende_opts[$m[1]] = $m[2];
    } elseif ($i + 1 < count($allmende_args)) {
        $allmende_opts[$m[1]] = $allmende_args[++$i];
    } else {
        allmende_fail("--{$m[1]} needs a value", 64);
    }
}
if ($allmende_prompt) {
    if ($allmende_opts['admin_password'] !== null) {
        allmende_fail("give the admin password either on stdin (--prompt=admin_password) or as --admin_password, not both", 64);
    }
    $allmende_line = fgets(STDIN);
    if ($allmende_line === false) {
        allmende_fail("--prompt=admin_password: no password on stdin", 64);
    }
    $allmende_opts['admin_password'] = preg_replace('/\r?\n$/', '', $allmende_line);
    unset($allmende_line);
    if ($allmende_opts['admin_password'] === '') {
        allmende_fail("--prompt=admin_password: the password on stdin is empty", 64);
    }
} elseif ($allmende_opts['admin_password'] !== null && $allmende_opts['admin_password'] !== '') {
    fwrite(STDERR, "Warning: --admin_password on the command line is visible in the process list; "
        . "pass it on stdin with --prompt=admin_password\n");
}
foreach (['url', 'title', 'admin_user', 'admin_email'] as $required) {
    if ($allmende_opts[$required] === null || $allmende_opts[$required] === '') {
        fwrite(STDERR, ALLMENDE_USAGE);
        allmende_fail("The '$required' parameter cannot be empty.", 64);
    }
}

$allmende_url = rtrim($allmende_opts['url'], '/');
$allmende_parts = parse_url($allmende_url);
if ($allmende_parts === false || !in_array($allmende_parts['scheme'] ?? '', ['http', 'https'], true)
    || empty($allmende_parts['host'])) {
    allmende_fail("--url must be an absolute http(s) URL", 64);
}

// What a web request for the site would look like, so WordPress (and Debian's
// config lookup by Host header) sees the right site.
$_SERVER['HTTP_HOST'] = $allmende_parts['host'] . (isset($allmende_parts['port']) ? ':' . $allmende_parts['port'] : '');
$_SERVER['SERVER_NAME'] = $allmende_parts['host'];
$_SERVER['REQUEST_URI'] = ($allmende_parts['path'] ?? '') . '/';
$_SERVER['SERVER_PORT'] = (string) ($allmende_parts['port'] ?? ($allmende_parts['scheme'] === 'https' ? 443 : 80));
$_SERVER['REQUEST_METHOD'] = 'GET';
if ($allmende_parts['scheme'] === 'https') {
    $_SERVER['HTTPS'] = 'on';
}

define('WP_INSTALLING', true);
if (!getenv('WP_SITEURL')) {
    // Keep wp_install() from guessing the URL from the fake request (as WP-CLI does).
    define('WP_SITEURL', $allmende_url);
}

// WordPress reports fatal problems (e.g. no database) with wp_die(), which
// prints HTML and exits with status 0: turn anything short of success into
// exit 1 with the text on stderr.
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
        fwrite(STDERR, "Error: WordPress installation did not complete" . ($text !== '' ? ": $text" : '') . "\n");
        exit(1);
    }
});

// No MTA in the container, so the "new site" mail is never sent, as with
// `wp core install --skip-email` (accepted for compatibility).
// wp_new_blog_notification() is pluggable: defining it first wins.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password)
{
}

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$allmende_user = $allmende_opts['admin_user'];
if (sanitize_user($allmende_user, true) !== $allmende_user || strlen($allmende_user) > 60) {
    allmende_fail("Invalid admin_user (letters, numbers, spaces and . - _ @ only).", 64);
}
if (!is_email($allmende_opts['admin_email'])) {
    allmende_fail("The 'admin_email' parameter is not a valid email address.", 64);
}
if (is_blog_installed()) {
    $GLOBALS['allmende_done'] = true;
    ob_end_clean();
    fwrite(STDOUT, "WordPress is already installed.\n");
    exit(0);
}

$allmende_password = $allmende_opts['admin_password'];
$allmende_generated = false;
if ($allmende_password === null || $allmende_password === '') {
    $allmende_password = wp_generate_password(24, true, false);
    $allmende_generated = true;
}

// WordPress checks logins against the slashed form of the posted password
// (wp_magic_quotes), so hash the slashed form, as WP-CLI does.
$result = wp_install($allmende_opts['title'], $allmende_user, $allmende_opts['admin_email'],
                     true, '', wp_slash($allmende_password));
if (is_wp_error($result) || empty($result['user_id'])) {
    allmende_fail('wp_install() failed' . (is_wp_error($result) ? ': ' . $result->get_error_message() : ''));
}
if (!$allmende_generated) {
    // wp_install() reuses an existing user without touching the password:
    // make the given password the admin's password in every case.
    wp_set_password(wp_slash($allmende_password), (int) $result['user_id']);
}
update_option('siteurl', $allmende_url);
update_option('home', $allmende_url);

$GLOBALS['allmende_done'] = true;
ob_end_clean();
if ($allmende_generated) {
    fwrite(STDOUT, "Admin password: $allmende_password\n");
}
fwrite(STDOUT, "Success: WordPress installed successfully.\n");
