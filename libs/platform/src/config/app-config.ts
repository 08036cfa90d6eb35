import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { dirname, resolve } from 'node:path';
import { AddressRanges, type AddressRange } from './address-ranges.js';
import { ConfigurationError, validateEnvironment } from './environment.js';

export interface DockerHostConfig {
  readonly name: string;
  readonly endpoint: string;
}

export interface StripeConfig {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** Set only for a local Stripe-compatible server (tests); real Stripe uses the SDK defaults. */
  readonly api?: { readonly host: string; readonly port: number; readonly protocol: 'http' | 'https' };
}

export type AppConfigValues = Omit<AppConfig, 'toJSON' | typeof inspect.custom>;

/**
 * The one typed configuration object, built from the environment at boot. It is the DI
 * token too: inject `AppConfig` anywhere. Secret fields are hidden from logs and inspect().
 */
export class AppConfig {
  readonly environment!: 'development' | 'production' | 'test';
  readonly http!: {
    /** Where the API listens: loopback by default, so tenant containers cannot reach it (the edge proxy fronts it). */
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    /** Proxies whose X-Forwarded-For is believed (Express "trust proxy"); none by default. */
    readonly trustedProxies: readonly string[];
  };
  readonly database!: {
    /** External server; when absent an embedded Postgres is used. */
    readonly url?: string;
    readonly embedded: { readonly dataDir: string; readonly port: number; readonly stateFile: string };
  };
  readonly dataDir!: string;
  /** 32-byte key that encrypts secrets at rest (tenant passwords, admin credentials). */
  readonly secretKey!: Buffer;
  readonly baseDomain!: string;
  readonly dockerHosts!: readonly DockerHostConfig[];
  /** `npm start` provides a Docker engine and the catalog's images: nothing configured, not production, not switched off. */
  readonly provideLocalEngine!: boolean;
  readonly catalog!: {
    readonly templatesDir: string;
    readonly plansFile: string;
    readonly imageOverrides: Readonly<Record<string, string>>;
    /** Apps the order form does not offer (Mastodon unless ALLMENDE_OFFER_MASTODON=true). */
    readonly withheldApps: readonly string[];
  };
  readonly billing!: {
    readonly provider: 'stripe' | 'manual';
    readonly stripe?: StripeConfig;
    /** What a club accepts when ordering; the versions are stored on the order. */
    readonly terms: { readonly version: string; readonly url?: string };
    readonly dpa: { readonly version: string; readonly url?: string };
    /** Shown to clubs that pay by bank transfer (manual provider). */
    readonly bankAccount?: string;
  };
  /** How long a lapsed tenant keeps running, and how long a terminated one's data is kept. */
  readonly lifecycle!: { readonly gracePeriodDays: number; readonly retentionDays: number };
  readonly mail!: {
    readonly from: string;
    /** Without it, mail is written to <dataDir>/outbox as .eml files. */
    readonly smtpUrl?: string;
  };
  readonly reconcileIntervalSeconds!: number;
  /** The edge proxy of every Docker host: who signs its certificates, where it listens, what it is called. */
  readonly edge!: {
    readonly issuer: { readonly kind: 'internal' } | { readonly kind: 'acme'; readonly email: string; readonly directoryUrl?: string };
    /** Host ports of the edge (80/443 in production; 8080/8443 otherwise, so no root is needed). It binds to the host's publish address. */
    readonly httpPort: number;
    readonly httpsPort: number;
    readonly name: string;
    readonly image: string;
  };
  /** Host ports handed to tenants' published ports (XMPP), one of them per port, fixed for the tenant's life. */
  readonly tenantPorts!: { readonly from: number; readonly to: number };
  readonly runtime!: {
    /** Operations the worker runs at once (each mostly waits on Docker). */
    readonly workerConcurrency: number;
    readonly healthTimeoutSeconds: number;
    /** Where published container ports bind; only the edge proxy should reach them. */
    readonly publishIp: string;
    /** Image of the short-lived containers that archive volumes. */
    readonly helperImage: string;
    /**
     * Fault drills only (the worker-crash and chaos tests): every operation step pauses this long
     * after it starts, so a drill can kill the worker inside any step. 0 in normal running;
     * refused in production.
     */
    readonly drillStepPauseMs: number;
  };
  /** Backups (the sites themselves are read from `sitesFile` by provisioning: it knows their shape). */
  readonly backup!: {
    /** The operator's JSON file of backup sites; absent: one local site at `defaultLocalPath`. */
    readonly sitesFile?: string;
    /** The default local site (`npm start` on one machine): a directory under the data directory. */
    readonly defaultLocalPath: string;
    /** Failed backups of a tenant on a site in a row before operators get a mail. */
    readonly alertAfterFailures: number;
    /** Who gets alerts; empty: every operator account. */
    readonly alertEmails: readonly string[];
    /** How long an owner's export archive stays downloadable. */
    readonly exportKeepDays: number;
  };
  readonly sessionTtlHours!: number;
  /** Password checks per client address per minute, on every password route together. */
  readonly passwordAttemptsPerMinute!: number;
  /** Wrong passwords per account per 15 minutes, from any address. */
  readonly passwordFailuresPerAccount!: number;
  /** Abuse limits of the public order form and of invitations. */
  readonly limits!: {
    readonly ordersPerAddressPerHour: number;
    /** An order not paid by then expires and frees its subdomain and domain. */
    readonly unpaidOrderDays: number;
    /** Invitations one club may send per day. */
    readonly invitationsPerDay: number;
  };
  readonly log!: { readonly level: string; readonly format: 'json' | 'pretty' };
  /** GET /metrics: client addresses (as request.ip reports them, so behind the trusted proxies) that need no operator token; none by default. */
  readonly metrics!: { readonly allow: readonly AddressRange[] };
  /** Custom domains: where DNS is asked, how often domains are checked again, how long a lost one is kept. */
  readonly domains!: {
    /** DNS servers ("ip" or "ip:port", "[v6]:port"); empty: the system's resolvers. */
    readonly resolvers: readonly string[];
    readonly recheckIntervalMs: number;
    /** A verified domain whose records disappeared keeps being served this long before it is withdrawn. */
    readonly graceMs: number;
    /** A custom domain never verified (or withdrawn) this long is released for others to claim. */
    readonly pendingReleaseMs: number;
    /** Readiness checks of every tenant run this often (daily by default). */
    readonly readinessIntervalMs: number;
  };

  constructor(values: AppConfigValues) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  /** What may be printed: everything except secrets. */
  toJSON(): Record<string, unknown> {
    return {
      environment: this.environment,
      http: this.http,
      database: { url: this.database.url ? '(set, hidden)' : undefined, embedded: this.database.embedded },
      dataDir: this.dataDir,
      secretKey: '(hidden)',
      baseDomain: this.baseDomain,
      dockerHosts: this.dockerHosts,
      catalog: this.catalog,
      billing: {
        provider: this.billing.provider,
        stripe: this.billing.stripe ? { api: this.billing.stripe.api, secretKey: '(hidden)', webhookSecret: '(hidden)' } : undefined,
        terms: this.billing.terms,
        dpa: this.billing.dpa,
        bankAccount: this.billing.bankAccount,
      },
      lifecycle: this.lifecycle,
      mail: { from: this.mail.from, smtpUrl: this.mail.smtpUrl ? '(set, hidden)' : undefined },
      reconcileIntervalSeconds: this.reconcileIntervalSeconds,
      edge: this.edge,
      tenantPorts: this.tenantPorts,
      runtime: this.runtime,
      backup: this.backup,
      sessionTtlHours: this.sessionTtlHours,
      passwordAttemptsPerMinute: this.passwordAttemptsPerMinute,
      passwordFailuresPerAccount: this.passwordFailuresPerAccount,
      limits: this.limits,
      log: this.log,
      domains: this.domains,
      metrics: { allow: new AddressRanges(this.metrics.allow).toStrings() },
    };
  }

  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }
}

/** Reads and validates the environment into an AppConfig. Throws ConfigurationError (one line). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): AppConfig {
  const vars = validateEnvironment(env);
  const environment = (vars.NODE_ENV ?? 'development') as AppConfig['environment'];
  const port = vars.PORT ?? 3000;
  const dataDir = resolve(cwd, vars.ALLMENDE_DATA_DIR ?? '.allmende');
  const embeddedDir = resolve(cwd, vars.ALLMENDE_EMBEDDED_PG_DIR ?? resolve(dataDir, 'pg'));

  const stripe = stripeConfig(vars.STRIPE_SECRET_KEY, vars.STRIPE_WEBHOOK_SECRET, vars.STRIPE_API_BASE);
  const provider = (vars.ALLMENDE_PAYMENT_PROVIDER ?? (stripe ? 'stripe' : 'manual')) as 'stripe' | 'manual';
  if (provider === 'stripe' && !stripe) {
    throw new ConfigurationError(
      'invalid configuration: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required when ALLMENDE_PAYMENT_PROVIDER=stripe',
    );
  }

  return new AppConfig({
    environment,
    http: {
      host: vars.HOST ?? '127.0.0.1',
      port,
      publicUrl: vars.ALLMENDE_PUBLIC_URL ?? `http://localhost:${port}`,
      trustedProxies: (vars.ALLMENDE_TRUSTED_PROXIES ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
    },
    database: {
      url: vars.DATABASE_URL,
      embedded: {
        dataDir: embeddedDir,
        port: vars.ALLMENDE_EMBEDDED_PG_PORT ?? 54329,
        stateFile: `${embeddedDir}.json`,
      },
    },
    dataDir,
    secretKey: secretKey(vars.ALLMENDE_SECRET_KEY, environment, dataDir),
    baseDomain: vars.ALLMENDE_BASE_DOMAIN ?? 'allmende.localhost',
    dockerHosts: dockerHosts(vars.ALLMENDE_DOCKER_HOSTS, vars.DOCKER_HOST),
    provideLocalEngine: environment !== 'production' && !vars.ALLMENDE_DOCKER_HOSTS && !vars.DOCKER_HOST && vars.ALLMENDE_LOCAL_ENGINE !== 'off',
    catalog: {
      templatesDir: resolve(cwd, vars.ALLMENDE_TEMPLATES_DIR ?? 'templates'),
      plansFile: resolve(cwd, vars.ALLMENDE_PLANS_FILE ?? 'templates/plans.yaml'),
      imageOverrides: imageOverrides(vars.ALLMENDE_IMAGE_OVERRIDES),
      withheldApps: vars.ALLMENDE_OFFER_MASTODON === 'true' ? [] : ['mastodon'],
    },
    billing: {
      provider,
      stripe: provider === 'stripe' ? stripe : undefined,
      terms: { version: vars.ALLMENDE_TERMS_VERSION ?? '1', url: vars.ALLMENDE_TERMS_URL },
      dpa: { version: vars.ALLMENDE_DPA_VERSION ?? '1', url: vars.ALLMENDE_DPA_URL },
      bankAccount: vars.ALLMENDE_BANK_ACCOUNT,
    },
    lifecycle: {
      gracePeriodDays: vars.ALLMENDE_GRACE_PERIOD_DAYS ?? 14,
      retentionDays: vars.ALLMENDE_RETENTION_DAYS ?? 30,
    },
    mail: {
      from: vars.ALLMENDE_MAIL_FROM ?? `Allmende <noreply@${vars.ALLMENDE_BASE_DOMAIN ?? 'allmende.localhost'}>`,
      smtpUrl: vars.SMTP_URL,
    },
    reconcileIntervalSeconds: vars.ALLMENDE_RECONCILE_INTERVAL_SECONDS ?? 60,
    edge: edgeConfig(vars, environment),
    tenantPorts: portRange(vars.ALLMENDE_TENANT_PORTS ?? '20000-29999'),
    runtime: {
      workerConcurrency: vars.ALLMENDE_WORKER_CONCURRENCY ?? 10,
      healthTimeoutSeconds: vars.ALLMENDE_HEALTH_TIMEOUT_SECONDS ?? 300,
      publishIp: vars.ALLMENDE_PUBLISH_IP ?? '127.0.0.1',
      helperImage: vars.ALLMENDE_HELPER_IMAGE ?? 'allmende/busybox:1',
      drillStepPauseMs: drillStepPause(vars.ALLMENDE_DRILL_STEP_PAUSE_MS, environment),
    },
    backup: {
      sitesFile: vars.ALLMENDE_BACKUP_SITES_FILE ? resolve(cwd, vars.ALLMENDE_BACKUP_SITES_FILE) : undefined,
      defaultLocalPath: resolve(dataDir, 'backups', 'restic'),
      alertAfterFailures: vars.ALLMENDE_BACKUP_ALERT_AFTER ?? 3,
      alertEmails: (vars.ALLMENDE_ALERT_EMAILS ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
      exportKeepDays: vars.ALLMENDE_EXPORT_KEEP_DAYS ?? 7,
    },
    sessionTtlHours: vars.ALLMENDE_SESSION_TTL_HOURS ?? 12,
    passwordAttemptsPerMinute: vars.ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE ?? 30,
    passwordFailuresPerAccount: vars.ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT ?? 10,
    limits: {
      ordersPerAddressPerHour: vars.ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR ?? 5,
      unpaidOrderDays: vars.ALLMENDE_UNPAID_ORDER_DAYS ?? 14,
      invitationsPerDay: vars.ALLMENDE_INVITATIONS_PER_DAY ?? 20,
    },
    log: {
      level: vars.LOG_LEVEL ?? (environment === 'test' ? 'warn' : 'info'),
      format: (vars.LOG_FORMAT ?? 'json') as 'json' | 'pretty',
    },
    domains: {
      resolvers: (vars.ALLMENDE_DNS_RESOLVERS ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
      recheckIntervalMs: (vars.ALLMENDE_DOMAIN_RECHECK_MINUTES ?? 60) * 60_000,
      graceMs: (vars.ALLMENDE_DOMAIN_GRACE_HOURS ?? 72) * 3_600_000,
      pendingReleaseMs: (vars.ALLMENDE_DOMAIN_PENDING_DAYS ?? 14) * 86_400_000,
      readinessIntervalMs: (vars.ALLMENDE_READINESS_INTERVAL_HOURS ?? 24) * 3_600_000,
    },
    metrics: { allow: metricsAllow(vars.ALLMENDE_METRICS_ALLOW) },
  });
}

function metricsAllow(value: string | undefined): AddressRange[] {
  try {
    return [...AddressRanges.parse(value ?? '').ranges];
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConfigurationError(`invalid configuration: ALLMENDE_METRICS_ALLOW has ${error.message}; give addresses or subnets such as 127.0.0.1/32,10.0.0.0/8,::1`);
  }
}

function edgeConfig(vars: ReturnType<typeof validateEnvironment>, environment: string): AppConfig['edge'] {
  const production = environment === 'production';
  // production gets real certificates; anywhere else Caddy's own CA (its root is downloadable)
  const kind = vars.ALLMENDE_EDGE_ISSUER ?? (production ? 'acme' : 'internal');
  if (kind === 'acme' && !vars.ALLMENDE_EDGE_ACME_EMAIL) {
    throw new ConfigurationError('invalid configuration: ALLMENDE_EDGE_ACME_EMAIL (the operator\'s address for the ACME account) is required with the acme issuer; set ALLMENDE_EDGE_ISSUER=internal to use the edge\'s own CA');
  }
  const httpPort = vars.ALLMENDE_EDGE_HTTP_PORT ?? (production ? 80 : 8080);
  const httpsPort = vars.ALLMENDE_EDGE_HTTPS_PORT ?? (production ? 443 : 8443);
  if (httpPort === httpsPort) throw new ConfigurationError('invalid configuration: ALLMENDE_EDGE_HTTP_PORT and ALLMENDE_EDGE_HTTPS_PORT must differ');
  return {
    issuer: kind === 'acme' ? { kind, email: vars.ALLMENDE_EDGE_ACME_EMAIL!, ...(vars.ALLMENDE_EDGE_ACME_DIRECTORY ? { directoryUrl: vars.ALLMENDE_EDGE_ACME_DIRECTORY } : {}) } : { kind: 'internal' },
    httpPort,
    httpsPort,
    name: vars.ALLMENDE_EDGE_NAME ?? 'allmende-edge',
    image: vars.ALLMENDE_EDGE_IMAGE ?? 'allmende/caddy:2.6',
  };
}

function portRange(value: string): { from: number; to: number } {
  const [from, to] = value.split('-').map(Number);
  if (!(from >= 1024 && to <= 65535 && from <= to)) throw new ConfigurationError('invalid configuration: ALLMENDE_TENANT_PORTS must be a range of host ports from 1024 to 65535, e.g. 20000-29999');
  return { from, to };
}

function drillStepPause(value: number | undefined, environment: string): number {
  if (value && environment === 'production') {
    throw new ConfigurationError('invalid configuration: ALLMENDE_DRILL_STEP_PAUSE_MS is for fault drills and is refused in production');
  }
  return value ?? 0;
}

function stripeConfig(secretKey?: string, webhookSecret?: string, apiBase?: string): StripeConfig | undefined {
  if (!secretKey && !webhookSecret) return undefined;
  if (!secretKey || !webhookSecret) {
    const missing = secretKey ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY';
    throw new ConfigurationError(`invalid configuration: ${missing} is required when the other Stripe key is set`);
  }
  if (!apiBase) return { secretKey, webhookSecret };
  const url = new URL(apiBase);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    secretKey,
    webhookSecret,
    api: { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol },
  };
}

function dockerHosts(list: string | undefined, dockerHost: string | undefined): DockerHostConfig[] {
  if (!list) return [{ name: 'local', endpoint: dockerHost ?? 'unix:///var/run/docker.sock' }];
  const hosts = list.split(',').map((entry) => {
    const at = entry.indexOf('=');
    return { name: entry.slice(0, at), endpoint: entry.slice(at + 1) };
  });
  const names = new Set<string>();
  for (const host of hosts) {
    if (names.has(host.name)) {
      throw new ConfigurationError(`invalid configuration: ALLMENDE_DOCKER_HOSTS names "${host.name}" twice`);
    }
    names.add(host.name);
  }
  return hosts;
}

function imageOverrides(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError('invalid configuration: ALLMENDE_IMAGE_OVERRIDES must be a JSON object of image -> image');
  }
  const imageRef = /^[a-z0-9][a-z0-9._\-/:@]{0,254}$/;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError('invalid configuration: ALLMENDE_IMAGE_OVERRIDES must be a JSON object of image -> image');
  }
  for (const [from, to] of Object.entries(parsed)) {
    if (!imageRef.test(from) || typeof to !== 'string' || !imageRef.test(to)) {
      throw new ConfigurationError(`invalid configuration: ALLMENDE_IMAGE_OVERRIDES has an invalid image reference at "${from}"`);
    }
  }
  return parsed as Record<string, string>;
}

/**
 * Production must bring its own key (losing it makes stored secrets unreadable, so it
 * belongs in the operator's secret store). Development generates one on first start.
 */
function secretKey(configured: string | undefined, environment: string, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'base64');
  if (environment === 'production') {
    throw new ConfigurationError('invalid configuration: ALLMENDE_SECRET_KEY is required in production (openssl rand -base64 32)');
  }
  const file = resolve(dataDir, 'secret.key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  try {
    // 'wx' so two processes starting at once cannot overwrite each other's key
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
