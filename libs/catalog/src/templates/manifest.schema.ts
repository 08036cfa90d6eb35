import { ADDABLE_CAPABILITIES, TMPFS_MODE } from '#runtime';

/**
 * JSON schema of templates/<app>/manifest.yaml. It checks shape and the form of every
 * value; what a schema cannot express (names that must refer to each other, cycles,
 * expressions) is checked in load-template.ts.
 */

const NAME = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
const SECRET_NAME = '^[a-z][a-z0-9_]{0,39}$';
const ENV_KEY = '^[A-Za-z_][A-Za-z0-9_]{0,99}$';
/** Same rule as ALLMENDE_IMAGE_OVERRIDES in the platform config. */
export const IMAGE_REFERENCE = '^[a-z0-9][a-z0-9._\\-/:@]{0,254}$';
const VERSION = '^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$';
const ABSOLUTE_PATH = '^/[A-Za-z0-9._/-]{0,254}$';
const USER = '^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(:([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?$';
export const MEMORY = '^[1-9][0-9]{0,5}(Mi|Gi)$';
/** A tmpfs size; the loader also bounds it by 1024Mi and by the service's memory. */
const TMPFS_SIZE = '^[1-9][0-9]{0,3}Mi$';
/** Template strings: any text without control characters; `{{ }}` is checked by the loader. */
const TEXT = '^[^\\u0000-\\u001f\\u007f]*$';

const name = (maxLength: number) => ({ type: 'string', pattern: NAME, maxLength });
const templateString = { type: 'string', pattern: TEXT, maxLength: 2048 };
const argv = { type: 'array', minItems: 1, maxItems: 64, items: templateString };
const env = {
  type: 'object',
  // WORDPRESS_CONFIG_EXTRA is pasted into PHP by the official image: never set it.
  propertyNames: { pattern: ENV_KEY, not: { enum: ['WORDPRESS_CONFIG_EXTRA'] } },
  additionalProperties: templateString,
  maxProperties: 100,
};
const seconds = (maximum: number) => ({ type: 'integer', minimum: 1, maximum });

const hook = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'service', 'argv', 'timeoutSeconds'],
  properties: {
    name: name(40),
    service: name(20),
    argv,
    env,
    user: { type: 'string', pattern: USER },
    /** One line written to the hook's stdin (a newline is added): where a secret goes, never argv. */
    stdin: templateString,
    timeoutSeconds: seconds(86_400),
    acceptExitCodes: { type: 'array', uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 255 } },
    captureSecret: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'pattern'],
      properties: {
        name: { type: 'string', pattern: SECRET_NAME },
        pattern: { type: 'string', minLength: 3, maxLength: 200 },
      },
    },
    recovery: {
      type: 'object',
      additionalProperties: false,
      required: ['whenOutputMatches', 'argv'],
      properties: {
        whenOutputMatches: { type: 'string', minLength: 3, maxLength: 200 },
        argv: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 4096 } },
        stdin: templateString,
      },
    },
  },
};
/** A file inside a volume: plain names, no "." or ".." parts (checked again by the loader). */
const RELATIVE_FILE = '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){0,15}$';

/** Backup hooks say what they write and how it is loaded back (output, restore); other phases may not. */
const backupHook = {
  ...hook,
  properties: {
    ...hook.properties,
    output: {
      type: 'object',
      additionalProperties: false,
      required: ['volume', 'path'],
      properties: { volume: name(30), path: { type: 'string', pattern: RELATIVE_FILE } },
    },
    restore: {
      type: 'object',
      additionalProperties: false,
      required: ['argv', 'timeoutSeconds'],
      properties: { argv, timeoutSeconds: seconds(86_400), user: { type: 'string', pattern: USER } },
    },
  },
};

/** Upgrade hooks may be limited to upgrades into some versions (a data migration one release needs). */
const upgradeHook = {
  ...hook,
  properties: {
    ...hook.properties,
    toVersions: { type: 'array', minItems: 1, uniqueItems: true, maxItems: 20, items: { type: 'string', pattern: VERSION } },
  },
};

const hookList = { type: 'array', maxItems: 20, items: hook };
const upgradeHookList = { type: 'array', maxItems: 20, items: upgradeHook };
const backupHookList = { type: 'array', maxItems: 20, items: backupHook };

const service = {
  type: 'object',
  additionalProperties: false,
  required: ['resources'],
  properties: {
    image: { type: 'string', pattern: IMAGE_REFERENCE },
    entrypoint: argv,
    command: argv,
    user: { type: 'string', pattern: USER },
    // Every container starts with all capabilities dropped; these are added back.
    capabilities: { type: 'array', uniqueItems: true, maxItems: ADDABLE_CAPABILITIES.length, items: { enum: [...ADDABLE_CAPABILITIES] } },
    readOnlyRootFilesystem: { type: 'boolean' },
    tmpfs: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['target', 'size'],
        properties: {
          target: { type: 'string', pattern: ABSOLUTE_PATH },
          size: { type: 'string', pattern: TMPFS_SIZE },
          mode: { type: 'string', pattern: TMPFS_MODE.source },
          uid: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
          gid: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
        },
      },
    },
    workingDir: { type: 'string', pattern: ABSOLUTE_PATH },
    env,
    ports: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['container', 'protocol', 'publish'],
        properties: {
          container: { type: 'integer', minimum: 1, maximum: 65_535 },
          protocol: { enum: ['tcp', 'udp'] },
          // published ports get a fixed host port of their own on the tenant's host
          publish: { type: 'boolean' },
          // the DNS SRV service that advertises it, e.g. xmpp-client for _xmpp-client._tcp
          srv: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,30}$' },
        },
      },
    },
    volumes: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['volume', 'target'],
        properties: {
          volume: name(30),
          target: { type: 'string', pattern: ABSOLUTE_PATH },
          readOnly: { type: 'boolean' },
        },
      },
    },
    healthcheck: {
      type: 'object',
      additionalProperties: false,
      required: ['command'],
      properties: {
        command: argv,
        intervalSeconds: seconds(3600),
        timeoutSeconds: seconds(600),
        retries: { type: 'integer', minimum: 1, maximum: 100 },
        startPeriodSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['memory', 'cpus', 'pids'],
      properties: {
        memory: { type: 'string', pattern: MEMORY },
        cpus: { type: 'number', minimum: 0.01, maximum: 64 },
        pids: { type: 'integer', minimum: 16, maximum: 65_536 },
      },
    },
    restart: { enum: ['unless-stopped', 'on-failure', 'no'] },
    oneShot: { type: 'boolean' },
    dependsOn: { type: 'array', uniqueItems: true, maxItems: 20, items: name(20) },
  },
};

const secret = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    name: { type: 'string', pattern: SECRET_NAME },
    kind: { enum: ['random', 'vapid-private-key', 'vapid-public-key', 'captured'] },
    length: { type: 'integer', minimum: 16, maximum: 256 },
    alphabet: { enum: ['alphanumeric', 'hex', 'readable'] },
    of: { type: 'string', pattern: SECRET_NAME },
  },
  allOf: [
    {
      if: { properties: { kind: { const: 'random' } } },
      then: { required: ['length', 'alphabet'] },
      else: { not: { anyOf: [{ required: ['length'] }, { required: ['alphabet'] }] } },
    },
    {
      if: { properties: { kind: { const: 'vapid-public-key' } } },
      then: { required: ['of'] },
      else: { not: { required: ['of'] } },
    },
  ],
};

export const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['app', 'name', 'description', 'versions', 'admin', 'services'],
  properties: {
    app: { type: 'string', pattern: NAME, maxLength: 20 },
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: TEXT },
    description: { type: 'string', maxLength: 500, pattern: TEXT },
    versions: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['version', 'images'],
        properties: {
          version: { type: 'string', pattern: VERSION },
          default: { type: 'boolean' },
          // the versions a tenant may upgrade from straight into this one; absent: none (a first version)
          upgradeFrom: { type: 'array', uniqueItems: true, maxItems: 20, items: { type: 'string', pattern: VERSION } },
          images: {
            type: 'object',
            propertyNames: { pattern: NAME, maxLength: 20 },
            additionalProperties: { type: 'string', pattern: IMAGE_REFERENCE },
          },
        },
      },
    },
    secrets: { type: 'array', maxItems: 50, items: secret },
    admin: {
      type: 'object',
      additionalProperties: false,
      required: ['defaultUsername', 'username', 'loginUrl', 'passwordSecret'],
      properties: {
        defaultUsername: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,29}$' },
        reservedUsernames: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 32 } },
        username: templateString,
        loginUrl: templateString,
        passwordSecret: { type: 'string', pattern: SECRET_NAME },
        // the dashboard's "new admin password": the app's own tool, the password on stdin (or printed by the tool)
        passwordReset: {
          type: 'object',
          additionalProperties: false,
          required: ['service', 'argv', 'timeoutSeconds'],
          properties: {
            service: name(20),
            user: { type: 'string', pattern: USER },
            argv,
            stdin: templateString,
            timeoutSeconds: seconds(600),
            capturePassword: { type: 'string', minLength: 3, maxLength: 200 },
          },
        },
      },
    },
    volumes: {
      type: 'object',
      propertyNames: { pattern: NAME, maxLength: 30 },
      maxProperties: 20,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['backup'],
        properties: { backup: { type: 'boolean' } },
      },
    },
    services: {
      type: 'object',
      propertyNames: { pattern: NAME, maxLength: 20 },
      minProperties: 1,
      maxProperties: 20,
      additionalProperties: service,
    },
    hooks: {
      type: 'object',
      additionalProperties: false,
      properties: { firstStart: hookList, backup: backupHookList, upgrade: upgradeHookList },
    },
    // Host names whose certificates (obtained by the edge) the app presents itself, e.g. Prosody
    // to XMPP clients and servers; `install` (argv, the host name appended) reads certificate and key on stdin.
    certificates: {
      type: 'object',
      additionalProperties: false,
      required: ['service', 'hostNames', 'install'],
      properties: {
        service: name(20),
        user: { type: 'string', pattern: USER },
        hostNames: { type: 'array', minItems: 1, maxItems: 10, items: templateString },
        install: argv,
      },
    },
    // What the edge proxy forwards to, over the tenant's network: routes with paths first.
    web: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['service', 'port'],
        properties: {
          service: name(20),
          port: { type: 'integer', minimum: 1, maximum: 65_535 },
          paths: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', pattern: '^/[A-Za-z0-9._~/-]*\\*?$', maxLength: 200 } },
        },
      },
    },
  },
} as const;
