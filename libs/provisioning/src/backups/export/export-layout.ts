import type { DeploymentPlan } from '#runtime';

// How an owner's export lays out each app's data for a plain upstream install, and the README
// that explains it: pure, app by app. Anything of Allmende's own (TLS private keys, the live
// database files next to their consistent copy, the platform's secrets) stays out.

export interface VolumeRule {
  /** Where the volume's files go under "<app>/" ("" for the app's folder itself). */
  as: string;
  /** Only these files (paths inside the volume); default everything. */
  only?: readonly string[];
  /** Paths inside the volume to leave out. */
  skip?: readonly RegExp[];
  /** path inside the volume -> path under `as`. */
  rename?: Readonly<Record<string, string>>;
  /** SQL dumps that must import into plain MariaDB and MySQL. */
  plainSql?: readonly string[];
}

export interface AppExportRules {
  volumes: Readonly<Record<string, VolumeRule>>;
  /** Settings the app's data needs, as an env file: the named variables of one service's environment. */
  settings?: { service: string; file: string; variables: readonly string[] };
}

const RULES: Readonly<Record<string, AppExportRules>> = {
  prosody: {
    volumes: {
      data: {
        as: 'data',
        // certs/: the TLS key is Allmende's; the live SQLite file (and its journal) is replaced by the online copy
        skip: [/^certs(\/|$)/, /^prosody\.sqlite(-journal|-wal|-shm)?$/, /(^|\/)[^/]+\.sock$/],
        rename: { 'allmende-backup.sqlite': 'prosody.sqlite' },
      },
    },
  },
  wordpress: {
    volumes: {
      content: { as: 'wp-content' },
      'db-dumps': { as: '', only: ['wordpress.sql'], plainSql: ['wordpress.sql'] },
    },
  },
  mastodon: {
    volumes: {
      system: { as: 'public/system' },
      'db-dumps': { as: '', only: ['mastodon_production.dump'] },
    },
    // the keys the data was made with; no database or Redis password, no private key (VAPID keys are made new)
    settings: {
      service: 'web',
      file: '.env.production',
      variables: ['LOCAL_DOMAIN', 'SECRET_KEY_BASE', 'OTP_SECRET', 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY'],
    },
  },
};

/** The rules of an app; an app without its own keeps each backed-up volume as a folder. */
export function exportRulesOf(plan: DeploymentPlan): AppExportRules {
  const known = RULES[plan.app];
  if (known) return known;
  return { volumes: Object.fromEntries(plan.volumes.filter((volume) => volume.backup).map((volume) => [volume.key, { as: volume.key }])) };
}

/** Where a file of a volume goes in the export, or null when it stays out. `path` is relative to the volume ("" is its root). */
export function exportPathOf(app: string, rule: VolumeRule, path: string): string | null {
  if (path !== '' && rule.only && !rule.only.includes(path)) return null;
  if (path !== '' && rule.skip?.some((pattern) => pattern.test(path))) return null;
  const renamed = rule.rename?.[path] ?? path;
  const folder = rule.as ? `${app}/${rule.as}` : app;
  if (path === '') return rule.as ? folder : null;
  return `${folder}/${renamed}`;
}

/** MariaDB 10.11.8+ starts dumps with a line MySQL cannot read (`/*M!999999\- enable the sandbox mode *\/`, a blank after it). */
export const MARIADB_SANDBOX_LINE = /^\/\*M!999999\\- enable the sandbox mode \*\/[ \t]*\r?\n$/;

/** The settings file (KEY=value lines) from the service's rendered environment. */
export function settingsFile(plan: DeploymentPlan, settings: NonNullable<AppExportRules['settings']>): string {
  const env = plan.containers.find((container) => container.service === settings.service)?.env ?? {};
  const lines = settings.variables.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`);
  return `# Settings your ${plan.app} data needs (from Allmende). Keep this file secret.\n${lines.join('\n')}\n`;
}

export interface ReadmeFacts {
  club: string;
  domain: string;
  createdAt: Date;
  apps: { app: string; name: string; version: string; dumpedAt: Date | null }[];
}

const SECTIONS: Readonly<Record<string, (domain: string) => string>> = {
  prosody: (domain) => `## Chat (Prosody): prosody/

\`prosody/data/\` is Prosody's data directory: accounts (with their hashed passwords), rosters,
message archives and group chats, in SQLite (\`prosody.sqlite\`, a consistent copy made while
Prosody ran). To run it on Debian or Ubuntu:

1. \`apt install prosody lua-dbi-sqlite3\`, then \`systemctl stop prosody\`.
2. \`cp -a prosody/data/. /var/lib/prosody/ && chown -R prosody:prosody /var/lib/prosody\`
3. Add the domain with its store, in a file of its own, \`/etc/prosody/conf.d/club.cfg.lua\`
   (the domain cannot change: it is part of every address):

       VirtualHost "${domain}"
         storage = "sql"
         sql = { driver = "SQLite3", database = "prosody.sqlite" }

4. Give it a certificate for ${domain} (\`prosodyctl cert import /etc/letsencrypt/live\`), start it:
   \`systemctl start prosody\`. Everyone logs in with their old password.
`,
  wordpress: () => `## Website (WordPress): wordpress/

- \`wordpress/wordpress.sql\`: the database, for MariaDB or MySQL. It creates the database
  \`wordpress\` (dropping one of that name): \`mysql -u root < wordpress/wordpress.sql\`.
- \`wordpress/wp-content/\`: themes, plugins and uploads, as real files.

1. Install WordPress (this version or newer), Apache or nginx with PHP and MariaDB or MySQL.
2. Import the database as above; give a database user all rights on \`wordpress\`:
   \`CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '...'; GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';\`
3. Replace WordPress's \`wp-content\` folder with \`wordpress/wp-content\` and make it the web
   server's: \`chown -R www-data:www-data wp-content\`.
4. In \`wp-config.php\`: \`DB_NAME\` "wordpress", your database user and password,
   \`$table_prefix = 'wp_'\`, and new keys and salts (https://api.wordpress.org/secret-key/1.1/salt/;
   everyone logs in once again).
5. At another address: \`wp search-replace 'https://old.example' 'https://new.example'\` (WP-CLI).
`,
  mastodon: (domain) => `## Social (Mastodon): mastodon/

- \`mastodon/mastodon_production.dump\`: the Postgres database (pg_dump custom format).
- \`mastodon/public/system/\`: uploaded media.
- \`mastodon/.env.production\`: the keys the data was made with (LOCAL_DOMAIN=${domain},
  SECRET_KEY_BASE, OTP_SECRET, ACTIVE_RECORD_ENCRYPTION_*). Keep it secret. They must never change.

1. Install Mastodon (this version or newer) as upstream describes, without running its setup.
2. \`createdb -O mastodon mastodon_production\` and
   \`pg_restore --no-owner --role=mastodon -d mastodon_production mastodon/mastodon_production.dump\`.
3. Copy the lines of \`mastodon/.env.production\` into your \`.env.production\`; set your own
   database, Redis and mail settings; make new web push keys:
   \`RAILS_ENV=production bundle exec rake mastodon:webpush:generate_vapid_key\` (people allow
   notifications once more).
4. Copy \`mastodon/public/system\` to \`public/system\`, run
   \`RAILS_ENV=production bundle exec rails db:migrate\`, start Mastodon.
`,
};

/** README.md at the top of the archive: what is inside and how to bring it up elsewhere. */
export function exportReadme(facts: ReadmeFacts): string {
  const apps = facts.apps
    .map((app) => `- ${app.name} (${app.app} ${app.version})${app.dumpedAt ? `, database as of ${app.dumpedAt.toISOString()}` : ''}`)
    .join('\n');
  const sections = facts.apps.map((app) => SECTIONS[app.app]?.(facts.domain) ?? `## ${app.name}: ${app.app}/\n\nOne folder per data volume of the app.\n`).join('\n');
  return `# Export of ${facts.club} (${facts.domain})

Made on ${facts.createdAt.toISOString()} by Allmende. Your data belongs to you: this archive has
everything needed to run your apps on your own server with the apps' ordinary (upstream)
installation. It holds no password of Allmende and no private key.

${apps}

${sections}`;
}
