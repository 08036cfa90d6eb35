/**
 * npm run bench:webhooks — how fast Allmende takes Stripe webhooks, and what that costs
 * compared with an endpoint that only verifies the signature.
 *
 * One embedded Postgres; the API (its real entry point), billing's worker and a bare
 * verifying endpoint each run in their own process. 5,000 signed events (20 % duplicates,
 * shuffled) are posted at concurrency 32 to each. Afterwards the final tenant states are
 * compared with those of a second database that processed the same events one by one,
 * in order. Everything stays on 127.0.0.1.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { BillingWorkerModule, WebhookProcessor } from '#billing';
import { CatalogModule } from '#catalog';
import { DatabaseModule } from '#platform/database';
import { migrateUp, schemaDataSourceOptions } from '#domain';
import { ConfigModule, freePort, loadConfig, LoggingModule } from '#platform';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '#platform/database';
import { ProvisioningModule } from '#provisioning';
import { lowerWorkerPriority } from '../apps/worker/src/worker-app.js';
import { waitForHttp } from './support/http.js';

const EVENTS = 5_000;
const DUPLICATE_SHARE = 0.2;
const CONCURRENCY = 32;
const TENANTS = 250;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const SELF = fileURLToPath(import.meta.url);
const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Billing's worker without provisioning, so the tenants' states are billing's alone. */
@Module({})
class BenchWorkerModule {
  static forRoot(env: NodeJS.ProcessEnv, url: string): DynamicModule {
    const config = loadConfig(env, ROOT);
    return { module: BenchWorkerModule, imports: [ConfigModule.forRoot(config, 'worker'), LoggingModule.forRoot(config, 'worker'), DatabaseModule.forRoot(url), CatalogModule, ProvisioningModule, BillingWorkerModule] };
  }
}

function appEnv(dataDir: string, databaseUrl: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ALLMENDE_DATA_DIR: dataDir,
    ALLMENDE_SECRET_KEY: randomBytes(32).toString('base64'),
    ALLMENDE_DOCKER_HOSTS: 'local=unix:///run/allmende-bench-no-docker.sock',
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // never called: events carry distinct timestamps, so no tie needs a look-up
    STRIPE_API_BASE: 'http://127.0.0.1:9',
  };
}

// ------------------------------------------------------------------ child roles

async function runBareEndpoint(port: number, secret: string): Promise<void> {
  const stripe = new Stripe('sk_test_bench');
  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        stripe.webhooks.constructEvent(Buffer.concat(chunks), String(request.headers['stripe-signature']), secret);
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
      } catch {
        response.writeHead(400).end();
      }
    });
  }).listen(port, '127.0.0.1', () => process.send?.('ready'));
}

async function runWorker(url: string): Promise<void> {
  lowerWorkerPriority(); // as the real worker does (apps/worker/src/main.ts)
  const app = await NestFactory.createApplicationContext(BenchWorkerModule.forRoot(process.env, url), { logger: ['error'], abortOnError: false });
  await app.init();
  process.send?.('ready');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

// ------------------------------------------------------------------ events

interface Scenario {
  slug: string;
  subscriptionId: string;
  /** Starts as a running, paid tenant (true) or as an order waiting for its first payment. */
  running: boolean;
}

/** Deterministic per-tenant histories: checkout (for new orders), then renewals, failures and maybe the end. */
function buildEvents(scenarios: Scenario[], orderIds: Map<string, string>, start: number): Stripe.Event[] {
  let clock = start;
  let sequence = 0;
  const events: Stripe.Event[] = [];
  const random = mulberry32(42);
  const event = (type: string, object: object): void => {
    events.push({ id: `evt_bench_${String(sequence++).padStart(6, '0')}`, object: 'event', type, created: clock++, data: { object }, livemode: false, api_version: Stripe.API_VERSION, pending_webhooks: 1, request: { id: null, idempotency_key: null } } as unknown as Stripe.Event);
  };
  const perTenant = Math.floor((EVENTS * (1 - DUPLICATE_SHARE)) / scenarios.length);
  for (const scenario of scenarios) {
    const orderId = orderIds.get(scenario.slug)!;
    const metadata = { orderId };
    const subscription = (status: string) => ({ id: scenario.subscriptionId, object: 'subscription', customer: `cus_${scenario.slug}`, status, cancel_at_period_end: false, metadata, items: { data: [{ current_period_end: clock + 2_592_000 }] } });
    const invoice = (reason: string) => ({ object: 'invoice', customer: `cus_${scenario.slug}`, billing_reason: reason, parent: { subscription_details: { subscription: scenario.subscriptionId, metadata } } });
    const before = events.length;
    if (!scenario.running) {
      event('checkout.session.completed', { object: 'checkout.session', mode: 'subscription', subscription: scenario.subscriptionId, customer: `cus_${scenario.slug}`, payment_status: 'paid', metadata, client_reference_id: orderId });
      event('customer.subscription.created', subscription('active'));
      event('invoice.paid', invoice('subscription_create'));
    }
    while (events.length - before < perTenant - 1) {
      if (random() < 0.5) {
        event('invoice.paid', invoice('subscription_cycle'));
        event('customer.subscription.updated', subscription('active'));
      } else {
        event('invoice.payment_failed', invoice('subscription_cycle'));
        event('customer.subscription.updated', subscription('past_due'));
      }
    }
    if (random() < 0.2) event('customer.subscription.deleted', subscription('canceled'));
    else event('invoice.paid', invoice('subscription_cycle'));
  }
  return events;
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// ------------------------------------------------------------------ orchestration

/** Orders, organizations and tenants as the order form would leave them; half of them already running. */
async function seed(dataSource: DataSource, scenarios: Scenario[]): Promise<Map<string, string>> {
  const [plan] = await dataSource.query(`select id, price_cents, currency from plan where code = 'club'`);
  const orderIds = new Map<string, string>();
  for (const scenario of scenarios) {
    const [organization] = await dataSource.query(`insert into organization (name, slug, contact_email) values ($1, $1, $2) returning id`, [scenario.slug, `${scenario.slug}@bench.example`]);
    const [tenant] = await dataSource.query(
      `insert into tenant (organization_id, slug, state, plan_id, primary_domain, state_changed_at, version) values ($1, $2, $3, $4, $5, now(), 1) returning id`,
      [organization.id, scenario.slug, scenario.running ? 'active' : 'awaiting_payment', plan.id, `${scenario.slug}.allmende.localhost`],
    );
    const [order] = await dataSource.query(
      `insert into "order" (reference, organization_id, plan_id, tenant_id, state, payment_provider, checkout_session_id, amount_cents, currency, terms_version, dpa_version, terms_accepted_at, paid_at)
       values ($9, $1, $2, $3, $4, 'stripe', $5, $6, $7, '1', '1', now(), $8) returning id`,
      [organization.id, plan.id, tenant.id, scenario.running ? 'paid' : 'pending_payment', `cs_bench_${scenario.slug}`, plan.price_cents, plan.currency, scenario.running ? new Date() : null, `AM-1999-${String(orderIds.size + 1).padStart(6, '0')}`],
    );
    if (scenario.running) {
      await dataSource.query(
        `insert into subscription (organization_id, tenant_id, order_id, provider, provider_customer_id, provider_subscription_id, status, provider_state_at) values ($1, $2, $3, 'stripe', $4, $5, 'active', to_timestamp(0))`,
        [organization.id, tenant.id, order.id, `cus_${scenario.slug}`, scenario.subscriptionId],
      );
    }
    orderIds.set(scenario.slug, order.id);
  }
  return orderIds;
}

async function post(url: string, bodies: string[], secret: string): Promise<{ seconds: number; statuses: Map<number, number> }> {
  const signed = bodies.map((payload) => ({ payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) }));
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < signed.length) {
        const { payload, header } = signed[next++];
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header }, body: payload });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, statuses };
}

function child(args: string[], env: NodeJS.ProcessEnv, ready: (process: ChildProcess) => Promise<void>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: ROOT });
  return ready(proc).then(() => proc);
}

const readyMessage = (proc: ChildProcess) => new Promise<void>((resolve, reject) => {
  proc.once('message', () => resolve());
  proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
});


async function tenantStates(dataSource: DataSource): Promise<Map<string, string>> {
  const rows: { slug: string; state: string; status: string | null }[] = await dataSource.query(
    `select t.slug, t.state, s.status from tenant t left join subscription s on s.tenant_id = t.id order by t.slug`,
  );
  return new Map(rows.map((row) => [row.slug, `${row.state}/${row.status}`]));
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'allmende-bench-'));
  chmodSync(work, 0o755);
  const processes: ChildProcess[] = [];
  const pgDir = join(work, 'pg');
  try {
    const database = await ensureEmbeddedPostgres({ dataDir: pgDir, stateFile: join(work, 'pg.json'), port: 56000 + Math.floor(Math.random() * 2000), database: 'bench_live' });
    const referenceUrl = database.url.replace(/\/bench_live$/, '/bench_reference');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('create database bench_reference');
    await admin.end();

    const [live, reference] = [new DataSource(schemaDataSourceOptions(database.url)), new DataSource(schemaDataSourceOptions(referenceUrl))];
    for (const dataSource of [live, reference]) {
      await dataSource.initialize();
      await migrateUp(dataSource);
    }

    const [apiPort, barePort] = [await freePort(), await freePort()];
    const env = appEnv(join(work, 'data'), database.url, apiPort);
    processes.push(await child([join(ROOT, 'dist/apps/api/src/main.js')], { ...env, ALLMENDE_ROLE: 'api' }, () => waitForHttp(`http://127.0.0.1:${apiPort}/healthz`)));
    processes.push(await child([SELF, 'worker', database.url], env, readyMessage));
    processes.push(await child([SELF, 'bare', String(barePort), WEBHOOK_SECRET], env, readyMessage));

    // the same clubs in both databases (plans were synchronised by the API; copy them to the reference)
    const plans = await live.query('select code, name, description, apps, price_cents, currency, interval, stripe_price from plan');
    for (const plan of plans) {
      await reference.query('insert into plan (code, name, description, apps, price_cents, currency, interval, stripe_price) values ($1, $2, $3, $4, $5, $6, $7, $8)', Object.values(plan));
    }
    const scenarios: Scenario[] = Array.from({ length: TENANTS }, (_, i) => ({ slug: `bench-${String(i).padStart(3, '0')}`, subscriptionId: `sub_bench_${i}`, running: i % 2 === 1 }));
    const liveOrders = await seed(live, scenarios);
    const referenceOrders = await seed(reference, scenarios);

    const start = Math.floor(Date.now() / 1000) - 86_400;
    const uniqueCount = Math.round(EVENTS * (1 - DUPLICATE_SHARE));
    const unique = buildEvents(scenarios, liveOrders, start).slice(0, uniqueCount);
    const duplicates = Array.from({ length: EVENTS - unique.length }, () => unique[Math.floor(Math.random() * unique.length)]);
    const bodies = shuffle([...unique, ...duplicates]).map((event) => JSON.stringify(event, null, 2));

    const bare = await post(`http://127.0.0.1:${barePort}/webhooks/stripe`, bodies, WEBHOOK_SECRET);
    const allmende = await post(`http://127.0.0.1:${apiPort}/webhooks/stripe`, bodies, WEBHOOK_SECRET);
    const processingStarted = Date.now();
    for (;;) {
      const [{ count }] = await live.query('select count(*)::int as count from webhook_event where processed_at is null');
      if (count === 0) break;
      if (Date.now() - processingStarted > 600_000) throw new Error(`${count} events still unprocessed after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const processingSeconds = (Date.now() - processingStarted) / 1000;

    // the reference: the same events, each once, processed one after another in Stripe's order
    const processorApp = await NestFactory.createApplicationContext(BenchWorkerModule.forRoot(appEnv(join(work, 'reference'), referenceUrl, 1), referenceUrl), { logger: ['error'], abortOnError: false });
    const processor = processorApp.get(WebhookProcessor);
    const inOrder = buildEvents(scenarios, referenceOrders, start).slice(0, uniqueCount);
    for (const event of inOrder) {
      const [row] = await reference.query(
        `insert into webhook_event (provider, event_id, type, payload, event_created_at) values ('stripe', $1, $2, $3, $4) returning id`,
        [event.id, event.type, event, new Date(event.created * 1000)],
      );
      await processor.process(row.id);
    }
    await processorApp.close();

    const [liveStates, referenceStates] = [await tenantStates(live), await tenantStates(reference)];
    const differing = [...referenceStates].filter(([slug, state]) => liveStates.get(slug) !== state);
    const [{ stored }] = await live.query('select count(*)::int as stored from webhook_event');
    const summary = [...referenceStates.values()].reduce((counts, state) => counts.set(state, (counts.get(state) ?? 0) + 1), new Map<string, number>());

    const rate = (result: { seconds: number }) => EVENTS / result.seconds;
    const ratio = rate(allmende) / rate(bare);
    const line = (name: string, result: { seconds: number; statuses: Map<number, number> }) =>
      `${name.padEnd(22)} ${rate(result).toFixed(0).padStart(6)} events/s  (${EVENTS} in ${result.seconds.toFixed(2)} s, HTTP ${[...result.statuses].map(([s, n]) => `${s}x${n}`).join(' ')})`;
    console.log(`\n${EVENTS} signed events (${unique.length} unique, ${duplicates.length} duplicates, shuffled), concurrency ${CONCURRENCY}, ${TENANTS} tenants`);
    console.log(line('bare endpoint', bare));
    console.log(line('Allmende', allmende));
    console.log(`ratio                  ${ratio.toFixed(2)}`);
    console.log(`stored events          ${stored} (unique: ${unique.length})`);
    console.log(`worker caught up       ${processingSeconds.toFixed(1)} s after the last response`);
    console.log(`final states           ${differing.length === 0 ? 'identical to in-order processing' : `${differing.length} tenants DIFFER`} (${[...summary].map(([s, n]) => `${s}: ${n}`).join(', ')})`);
    for (const [slug, state] of differing.slice(0, 10)) console.log(`  ${slug}: in order ${state}, shuffled ${liveStates.get(slug)}`);
    const ok = rate(allmende) >= 500 && ratio >= 0.5 && differing.length === 0 && stored === unique.length;
    console.log(ok ? 'goal met: >= 500 events/s, >= 0.5 of bare, same final states' : 'goal NOT met');
    await live.destroy();
    await reference.destroy();
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const proc of processes) proc.kill('SIGTERM');
    await Promise.all(processes.map((proc) => new Promise((resolve) => (proc.exitCode !== null ? resolve(null) : proc.once('exit', resolve)))));
    await stopEmbeddedPostgres(pgDir);
    rmSync(work, { recursive: true, force: true });
  }
}


const [role, ...args] = process.argv.slice(2);
if (role === 'bare') await runBareEndpoint(Number(args[0]), args[1]);
else if (role === 'worker') await runWorker(args[0]);
else await main();
