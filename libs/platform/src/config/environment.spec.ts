import { getMetadataStorage } from 'class-validator';
import { loadConfig } from './app-config.js';
import { ConfigurationError, ENVIRONMENT_KEYS, EnvironmentVariables } from './environment.js';

const KEY = 'A'.repeat(43) + '=';
const base = { NODE_ENV: 'test', ALLMENDE_SECRET_KEY: KEY };

function errorFor(env: Record<string, string>): ConfigurationError {
  try {
    loadConfig({ ...base, ...env }, '/tmp');
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('reads every variable the class declares', () => {
    const declared = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
        .map((m) => m.propertyName),
    );
    expect([...ENVIRONMENT_KEYS].sort()).toEqual([...declared].sort());
  });

  it('has working defaults', () => {
    const config = loadConfig(base, '/srv/allmende');
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.embedded.dataDir).toBe('/srv/allmende/.allmende/pg');
    expect(config.billing.provider).toBe('manual');
    expect(config.lifecycle.gracePeriodDays).toBe(14);
    expect(config.lifecycle.retentionDays).toBe(30);
    expect(config.dockerHosts).toEqual([{ name: 'local', endpoint: 'unix:///var/run/docker.sock' }]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ALLMENDE_BASE_DOMAIN: 'Not A Domain' }, 'ALLMENDE_BASE_DOMAIN'],
    [{ ALLMENDE_DOCKER_HOSTS: 'local' }, 'ALLMENDE_DOCKER_HOSTS'],
    [{ ALLMENDE_GRACE_PERIOD_DAYS: '-1' }, 'ALLMENDE_GRACE_PERIOD_DAYS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_WEBHOOK_SECRET'],
    [{ ALLMENDE_PAYMENT_PROVIDER: 'stripe' }, 'STRIPE_SECRET_KEY'],
    [{ ALLMENDE_IMAGE_OVERRIDES: '{not json' }, 'ALLMENDE_IMAGE_OVERRIDES'],
    [{ ALLMENDE_DNS_RESOLVERS: 'dns.example.org' }, 'ALLMENDE_DNS_RESOLVERS'],
    [{ ALLMENDE_DNS_RESOLVERS: '127.0.0.1:53;8.8.8.8' }, 'ALLMENDE_DNS_RESOLVERS'],
    [{ ALLMENDE_DOMAIN_GRACE_HOURS: 'soon' }, 'ALLMENDE_DOMAIN_GRACE_HOURS'],
  ])('refuses %p with one line naming %s', (env, variable) => {
    const error = errorFor(env as Record<string, string>);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it('reads the custom-domain settings: DNS servers, re-check interval, grace, release, readiness interval', () => {
    expect(loadConfig(base, '/tmp').domains).toEqual({
      resolvers: [],
      recheckIntervalMs: 3_600_000,
      graceMs: 72 * 3_600_000,
      pendingReleaseMs: 14 * 86_400_000,
      readinessIntervalMs: 86_400_000,
    });
    const custom = loadConfig({ ...base, ALLMENDE_DNS_RESOLVERS: '127.0.0.1:5353, [::1]:53,192.0.2.53', ALLMENDE_DOMAIN_RECHECK_MINUTES: '5', ALLMENDE_DOMAIN_GRACE_HOURS: '0' }, '/tmp');
    expect(custom.domains.resolvers).toEqual(['127.0.0.1:5353', '[::1]:53', '192.0.2.53']);
    expect(custom.domains.recheckIntervalMs).toBe(300_000);
    expect(custom.domains.graceMs).toBe(0);
  });

  it('requires a secret key in production', () => {
    const error = errorFor({ NODE_ENV: 'production', ALLMENDE_SECRET_KEY: '' });
    expect(error.message).toMatch(/ALLMENDE_SECRET_KEY is required in production/);
  });

  it("runs the edge with its own CA on unprivileged ports outside production, and with ACME on 80/443 in production", () => {
    expect(loadConfig(base, '/tmp').edge).toEqual({ issuer: { kind: 'internal' }, httpPort: 8080, httpsPort: 8443, name: 'allmende-edge', image: 'allmende/caddy:2.6' });
    const production = loadConfig({ ...base, NODE_ENV: 'production', ALLMENDE_EDGE_ACME_EMAIL: 'ops@coop.example' }, '/tmp').edge;
    expect(production).toMatchObject({ issuer: { kind: 'acme', email: 'ops@coop.example' }, httpPort: 80, httpsPort: 443 });
    expect(errorFor({ NODE_ENV: 'production' }).message).toContain('ALLMENDE_EDGE_ACME_EMAIL');
    expect(errorFor({ ALLMENDE_EDGE_HTTP_PORT: '9000', ALLMENDE_EDGE_HTTPS_PORT: '9000' }).message).toContain('must differ');
    expect(errorFor({ ALLMENDE_EDGE_ACME_DIRECTORY: 'http://acme.example/{x}' }).message).toContain('ALLMENDE_EDGE_ACME_DIRECTORY');
    expect(loadConfig({ ...base, ALLMENDE_TENANT_PORTS: '30000-30100' }, '/tmp').tenantPorts).toEqual({ from: 30000, to: 30100 });
    expect(errorFor({ ALLMENDE_TENANT_PORTS: '30100-30000' }).message).toContain('ALLMENDE_TENANT_PORTS');
  });

  it('refuses the fault-drill step pause in production', () => {
    expect(errorFor({ NODE_ENV: 'production', ALLMENDE_EDGE_ACME_EMAIL: 'ops@coop.example', ALLMENDE_DRILL_STEP_PAUSE_MS: '1200' }).message).toContain('ALLMENDE_DRILL_STEP_PAUSE_MS');
    expect(loadConfig({ ...base, ALLMENDE_DRILL_STEP_PAUSE_MS: '1200' }, '/tmp').runtime.drillStepPauseMs).toBe(1200);
    expect(loadConfig(base, '/tmp').runtime.drillStepPauseMs).toBe(0);
  });

  it('never echoes a secret value, even a malformed one', () => {
    const error = errorFor({ STRIPE_SECRET_KEY: 'pk_live_not-a-secret-key-but-sensitive', STRIPE_WEBHOOK_SECRET: 'whsec_abc' });
    expect(error.message).toContain('STRIPE_SECRET_KEY');
    expect(error.message).not.toContain('pk_live_not-a-secret-key-but-sensitive');
    expect(error.message).toContain('(value hidden)');
  });

  it('hides secrets from JSON and inspect output', async () => {
    const { inspect } = await import('node:util');
    const config = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_supersecret', STRIPE_WEBHOOK_SECRET: 'whsec_supersecret', DATABASE_URL: 'postgres://u:dbsecret@h/db' });
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(text).not.toMatch(/supersecret|dbsecret/);
      expect(text).not.toContain(config.secretKey.toString('base64'));
    }
  });

  it('parses several Docker hosts and a Stripe test server address', () => {
    const config = loadConfig({
      ...base,
      ALLMENDE_DOCKER_HOSTS: 'a=unix:///run/a.sock,b=tcp://127.0.0.1:2376',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_y',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
    expect(config.dockerHosts.map((h) => h.name)).toEqual(['a', 'b']);
    expect(config.billing.provider).toBe('stripe');
    expect(config.billing.stripe?.api).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
  });

  it('has npm start provide an engine only when none is configured, outside production, unless switched off', () => {
    expect(loadConfig(base, '/tmp').provideLocalEngine).toBe(true);
    expect(loadConfig({ ...base, DOCKER_HOST: 'unix:///run/x.sock' }, '/tmp').provideLocalEngine).toBe(false);
    expect(loadConfig({ ...base, ALLMENDE_DOCKER_HOSTS: 'a=unix:///run/a.sock' }, '/tmp').provideLocalEngine).toBe(false);
    expect(loadConfig({ ...base, ALLMENDE_LOCAL_ENGINE: 'off' }, '/tmp').provideLocalEngine).toBe(false);
    expect(() => loadConfig({ ...base, ALLMENDE_LOCAL_ENGINE: 'sometimes' }, '/tmp')).toThrow(/ALLMENDE_LOCAL_ENGINE/);
  });
});
