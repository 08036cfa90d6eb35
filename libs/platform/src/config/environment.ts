import { plainToInstance, Type } from 'class-transformer';
import {
  IsBase64,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

/**
 * Every environment variable Allmende reads, with its rules. Variables listed in
 * SECRET_VARIABLES never have their value echoed, not even in an error.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'PORT must be an integer from 1 to 65535' }) @Min(1) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString() @Matches(/^[0-9a-fA-F.:]+$|^localhost$/, { message: 'must be an IP address or localhost' })
  HOST?: string;

  @IsOptional() @Matches(/^https?:\/\/[^\s/]+(:\d+)?$/, { message: 'must be an http(s) origin without a path, e.g. https://hosting.example.org' })
  ALLMENDE_PUBLIC_URL?: string;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @IsString() @MinLength(1)
  ALLMENDE_DATA_DIR?: string;

  @IsOptional() @IsString() @MinLength(1)
  ALLMENDE_EMBEDDED_PG_DIR?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(65535)
  ALLMENDE_EMBEDDED_PG_PORT?: number;

  @IsOptional() @IsBase64() @Matches(/^.{43}=$/, { message: 'must be 32 random bytes in base64 (openssl rand -base64 32)' })
  ALLMENDE_SECRET_KEY?: string;

  @IsOptional() @Matches(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: 'must be a lower-case DNS name such as hosting.example.org',
  })
  ALLMENDE_BASE_DOMAIN?: string;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,30}=(unix:\/\/\/\S+|tcp:\/\/[^\s,]+|https?:\/\/[^\s,]+)(,[a-z0-9][a-z0-9-]{0,30}=(unix:\/\/\/\S+|tcp:\/\/[^\s,]+|https?:\/\/[^\s,]+))*$/, {
    message: 'must be a comma-separated list of name=endpoint, e.g. local=unix:///var/run/docker.sock,b=tcp://10.0.0.2:2376',
  })
  ALLMENDE_DOCKER_HOSTS?: string;

  @IsOptional() @Matches(/^(unix:\/\/\/\S+|tcp:\/\/\S+|https?:\/\/\S+)$/, { message: 'must be unix:///path or tcp://host:port' })
  DOCKER_HOST?: string;

  @IsOptional() @IsString() @MinLength(1)
  ALLMENDE_TEMPLATES_DIR?: string;

  @IsOptional() @IsString() @MinLength(1)
  ALLMENDE_PLANS_FILE?: string;

  @IsOptional() @IsString()
  ALLMENDE_IMAGE_OVERRIDES?: string;

  @IsOptional() @IsIn(['stripe', 'manual'])
  ALLMENDE_PAYMENT_PROVIDER?: string;

  @IsOptional() @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, { message: 'must be a Stripe secret key (sk_test_..., sk_live_...) or restricted key (rk_test_..., rk_live_...)' })
  STRIPE_SECRET_KEY?: string;

  @IsOptional() @Matches(/^whsec_[A-Za-z0-9_+/=]+$/, { message: 'must be a Stripe webhook signing secret (whsec_...)' })
  STRIPE_WEBHOOK_SECRET?: string;

  @IsOptional() @Matches(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, { message: 'must be an http(s) origin, e.g. http://127.0.0.1:12111' })
  STRIPE_API_BASE?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(365)
  ALLMENDE_GRACE_PERIOD_DAYS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650)
  ALLMENDE_RETENTION_DAYS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(5) @Max(86400)
  ALLMENDE_RECONCILE_INTERVAL_SECONDS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(50)
  ALLMENDE_WORKER_CONCURRENCY?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT?: number;

  @IsOptional() @Matches(/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*$/, {
    message: 'must be a comma-separated list of proxy addresses or subnets, e.g. 127.0.0.1,10.0.0.0/8 (or loopback)',
  })
  ALLMENDE_TRUSTED_PROXIES?: string;

  // Who may read GET /metrics without an operator's token (libs/platform/src/metrics); app-config checks each entry.
  @IsOptional() @Matches(/^[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*$/, {
    message: 'must be a comma-separated list of client addresses or subnets, e.g. 127.0.0.1/32,10.0.0.0/8,::1',
  })
  ALLMENDE_METRICS_ALLOW?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365)
  ALLMENDE_UNPAID_ORDER_DAYS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  ALLMENDE_INVITATIONS_PER_DAY?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(3600)
  ALLMENDE_HEALTH_TIMEOUT_SECONDS?: number;

  @IsOptional() @Matches(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/, { message: 'must be an IP address, e.g. 127.0.0.1 (where the edge proxy connects)' })
  ALLMENDE_PUBLISH_IP?: string;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/, { message: 'must be an image reference such as allmende/busybox:1' })
  ALLMENDE_HELPER_IMAGE?: string;

  // The edge proxy on every Docker host (libs/edge).
  @IsOptional() @IsIn(['acme', 'internal'])
  ALLMENDE_EDGE_ISSUER?: string;

  @IsOptional() @Matches(/^[^\s@<>"'{}\\]+@[^\s@<>"'{}\\]+\.[a-z]{2,}$/i, { message: 'must be the operator\'s email address (ACME account)' })
  ALLMENDE_EDGE_ACME_EMAIL?: string;

  @IsOptional() @Matches(/^https:\/\/[^\s{}\\]+$/, { message: 'must be an https URL of an ACME directory' })
  ALLMENDE_EDGE_ACME_DIRECTORY?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  ALLMENDE_EDGE_HTTP_PORT?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  ALLMENDE_EDGE_HTTPS_PORT?: number;

  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,59}$/, { message: 'must be a Docker name (letters, digits, "_", "." and "-")' })
  ALLMENDE_EDGE_NAME?: string;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/, { message: 'must be an image reference such as allmende/caddy:2.6' })
  ALLMENDE_EDGE_IMAGE?: string;

  @IsOptional() @Matches(/^\d{4,5}-\d{4,5}$/, { message: 'must be a range of host ports such as 20000-29999' })
  ALLMENDE_TENANT_PORTS?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(720)
  ALLMENDE_SESSION_TTL_HOURS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(60_000)
  ALLMENDE_DRILL_STEP_PAUSE_MS?: number;

  @IsOptional() @IsString() @MinLength(1)
  ALLMENDE_BACKUP_SITES_FILE?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  ALLMENDE_BACKUP_ALERT_AFTER?: number;

  @IsOptional() @Matches(/^[^\s,@]+@[^\s,@]+(,\s*[^\s,@]+@[^\s,@]+)*$/, { message: 'must be a comma-separated list of email addresses' })
  ALLMENDE_ALERT_EMAILS?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(90)
  ALLMENDE_EXPORT_KEEP_DAYS?: number;

  @IsOptional() @IsIn(['auto', 'off'])
  ALLMENDE_LOCAL_ENGINE?: 'auto' | 'off';

  /** Mastodon needs more care and resources than chat or a website: offered only when the cooperative says so. */
  @IsOptional() @IsIn(['true', 'false'])
  ALLMENDE_OFFER_MASTODON?: 'true' | 'false';

  @IsOptional() @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'must be 1-32 letters, digits, dots, hyphens or underscores, e.g. 2026-01' })
  ALLMENDE_TERMS_VERSION?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'must be 1-32 letters, digits, dots, hyphens or underscores, e.g. 2026-01' })
  ALLMENDE_DPA_VERSION?: string;

  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  ALLMENDE_TERMS_URL?: string;

  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  ALLMENDE_DPA_URL?: string;

  @IsOptional() @Matches(/^[^\u0000-\u001f\u007f]{1,300}$/, { message: 'must be one line of at most 300 characters' })
  ALLMENDE_BANK_ACCOUNT?: string;

  @IsOptional() @Matches(/^[^\u0000-\u001f\u007f]{3,254}$/, { message: 'must be one line, e.g. Allmende <noreply@hosting.example.org>' })
  ALLMENDE_MAIL_FROM?: string;

  @IsOptional() @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional() @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  // Custom domains and readiness checks (libs/provisioning/src/domains).
  @IsOptional() @Matches(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:]*)(,\s*(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:]*))*$/, {
    message: 'must be a comma-separated list of DNS server addresses, e.g. 127.0.0.1:5353,[::1]:53 (default: the system resolvers)',
  })
  ALLMENDE_DNS_RESOLVERS?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1440)
  ALLMENDE_DOMAIN_RECHECK_MINUTES?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(2160)
  ALLMENDE_DOMAIN_GRACE_HOURS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365)
  ALLMENDE_DOMAIN_PENDING_DAYS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(720)
  ALLMENDE_READINESS_INTERVAL_HOURS?: number;
}

export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'ALLMENDE_SECRET_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SMTP_URL',
]);

/** Raised for any invalid configuration; its message is a single line naming the variables. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Validates the raw environment. Unknown variables are ignored (the environment holds
 * much more than ours); empty strings count as unset so `FOO= npm start` behaves.
 */
export function validateEnvironment(raw: NodeJS.ProcessEnv): EnvironmentVariables {
  const relevant: Record<string, string> = {};
  for (const key of ENVIRONMENT_KEYS) {
    const value = raw[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, relevant, { enableImplicitConversion: false });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigurationError(`invalid configuration: ${errors.map((e) => describe(e, relevant)).join('; ')}`);
  }
  return env;
}

// A value of the wrong kind gets the kind's message, not a range message ("eighty" is not "> 65535").
const RULE_PRIORITY = ['isInt', 'isIn', 'matches', 'isBase64', 'isString', 'minLength', 'min', 'max'];

function describe(error: ValidationError, raw: Record<string, string>): string {
  const constraints = error.constraints ?? {};
  const key = RULE_PRIORITY.find((rule) => rule in constraints) ?? Object.keys(constraints)[0];
  const rule = (key && constraints[key]) || 'is invalid';
  // class-validator phrases rules as "<property> must ..."; keep our own wording
  const text = rule.startsWith(error.property) ? rule.slice(error.property.length).trim() : rule;
  const shown = SECRET_VARIABLES.has(error.property) ? '(value hidden)' : `(got ${JSON.stringify(truncate(raw[error.property] ?? ''))})`;
  return `${error.property} ${text} ${shown}`;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

/** The names we read; environment.spec.ts checks this matches the class above. */
export const ENVIRONMENT_KEYS = [
  'NODE_ENV', 'PORT', 'HOST', 'ALLMENDE_PUBLIC_URL', 'DATABASE_URL', 'ALLMENDE_DATA_DIR',
  'ALLMENDE_EMBEDDED_PG_DIR', 'ALLMENDE_EMBEDDED_PG_PORT', 'ALLMENDE_SECRET_KEY', 'ALLMENDE_BASE_DOMAIN',
  'ALLMENDE_DOCKER_HOSTS', 'DOCKER_HOST', 'ALLMENDE_TEMPLATES_DIR', 'ALLMENDE_PLANS_FILE',
  'ALLMENDE_IMAGE_OVERRIDES', 'ALLMENDE_PAYMENT_PROVIDER', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_BASE', 'ALLMENDE_GRACE_PERIOD_DAYS', 'ALLMENDE_RETENTION_DAYS',
  'ALLMENDE_RECONCILE_INTERVAL_SECONDS', 'ALLMENDE_SESSION_TTL_HOURS', 'LOG_LEVEL', 'LOG_FORMAT',
  'ALLMENDE_WORKER_CONCURRENCY', 'ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE', 'ALLMENDE_HEALTH_TIMEOUT_SECONDS', 'ALLMENDE_PUBLISH_IP', 'ALLMENDE_HELPER_IMAGE',
  'ALLMENDE_EDGE_ISSUER', 'ALLMENDE_EDGE_ACME_EMAIL', 'ALLMENDE_EDGE_ACME_DIRECTORY', 'ALLMENDE_EDGE_HTTP_PORT', 'ALLMENDE_EDGE_HTTPS_PORT',
  'ALLMENDE_EDGE_NAME', 'ALLMENDE_EDGE_IMAGE', 'ALLMENDE_TENANT_PORTS',
  'ALLMENDE_TERMS_VERSION', 'ALLMENDE_DPA_VERSION', 'ALLMENDE_TERMS_URL', 'ALLMENDE_DPA_URL', 'ALLMENDE_BANK_ACCOUNT',
  'ALLMENDE_MAIL_FROM', 'SMTP_URL', 'ALLMENDE_DRILL_STEP_PAUSE_MS', 'ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT', 'ALLMENDE_TRUSTED_PROXIES', 'ALLMENDE_METRICS_ALLOW',
  'ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR', 'ALLMENDE_UNPAID_ORDER_DAYS', 'ALLMENDE_INVITATIONS_PER_DAY',
  'ALLMENDE_DNS_RESOLVERS', 'ALLMENDE_DOMAIN_RECHECK_MINUTES', 'ALLMENDE_DOMAIN_GRACE_HOURS', 'ALLMENDE_DOMAIN_PENDING_DAYS', 'ALLMENDE_READINESS_INTERVAL_HOURS',
  'ALLMENDE_BACKUP_SITES_FILE', 'ALLMENDE_BACKUP_ALERT_AFTER', 'ALLMENDE_ALERT_EMAILS', 'ALLMENDE_EXPORT_KEEP_DAYS', 'ALLMENDE_LOCAL_ENGINE', 'ALLMENDE_OFFER_MASTODON',
] as const satisfies readonly (keyof EnvironmentVariables)[];
