import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { BillingWorkerModule } from '#billing';
import { CatalogModule, loadPlansFile } from '#catalog';
import { AuditEvent } from '#domain';
import { DatabaseModule } from '#platform/database';
import { Operation, Tenant } from '#provisioning';
import { Order } from '#billing';
import { AppConfig, ConfigModule, freePort, Logger, LoggingModule } from '#platform';
import { ProvisioningModule } from '#provisioning';
import { createWorkerApp } from '../../apps/worker/src/worker-app.js';
import { ApiHarness, startApiHarness } from '../support/api-harness.js';
import { startStripeTestServer, type StripeTestServer, type StripeTestServerOptions } from '../support/stripe/stripe-test-server.js';

/**
 * Billing's worker without the provisioning pipeline: webhook jobs and the sweep run for
 * real, while the operations they enqueue stay queued for the tests to inspect.
 */
@Module({})
class BillingOnlyWorkerModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: BillingOnlyWorkerModule,
      imports: [ConfigModule.forRoot(config, 'worker'), LoggingModule.forRoot(config, 'worker'), DatabaseModule.forRoot(databaseUrl), CatalogModule, ProvisioningModule, BillingWorkerModule],
    };
  }
}

export interface BillingStack {
  api: ApiHarness;
  /** e.g. http://127.0.0.1:41234 — the API listens there (Stripe's webhooks and browsers need a port). */
  url: string;
  stripe: StripeTestServer | null;
  /** An SDK client on the test server, for setting up prices as an operator would in the dashboard. */
  stripeClient: Stripe | null;
  worker: INestApplicationContext | null;
  startWorker(kind?: 'billing' | 'full'): Promise<INestApplicationContext>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** The API on a port (and optionally the Stripe test server and the worker), on a fresh database. */
export async function startBillingStack(
  options: { stripe?: boolean | StripeTestServerOptions; worker?: 'billing' | 'full' | false; env?: Record<string, string> } = {},
): Promise<BillingStack> {
  const stripe = options.stripe ? await startStripeTestServer({ legacyPeriodFields: false, ...(options.stripe === true ? {} : options.stripe) }) : null;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = await startApiHarness({
    ALLMENDE_PUBLIC_URL: url,
    ALLMENDE_BASE_DOMAIN: 'hosting.test',
    ...(stripe ? { STRIPE_SECRET_KEY: stripe.apiKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.baseUrl } : {}),
    ...options.env,
  });
  await api.app.listen(port, '127.0.0.1');
  stripe?.setWebhookUrl(`${url}/webhooks/stripe`);
  const stripeClient = stripe ? new Stripe(stripe.apiKey, { ...stripe.stripeConfig, maxNetworkRetries: 0 }) : null;
  if (stripeClient) await createPrices(stripeClient, api.config.catalog.plansFile);

  const stack: BillingStack = {
    api,
    url,
    stripe,
    stripeClient,
    worker: null,
    async startWorker(kind = 'billing') {
      const app =
        kind === 'full'
          ? await createWorkerApp(api.config, api.db.url)
          : await NestFactory.createApplicationContext(BillingOnlyWorkerModule.forRoot(api.config, api.db.url), { bufferLogs: true });
      if (kind === 'billing') app.useLogger(app.get(Logger));
      await app.init();
      stack.worker = app;
      return app;
    },
    async stopWorker() {
      await stack.worker?.close();
      stack.worker = null;
    },
    async close() {
      await stack.stopWorker();
      await stripe?.close();
      await api.close();
    },
  };
  if (options.worker !== false) await stack.startWorker(options.worker || 'billing');
  return stack;
}

/** What the cooperative sets up in Stripe once: a recurring price per plan, found by its lookup key. */
async function createPrices(stripe: Stripe, plansFile: string): Promise<void> {
  for (const plan of loadPlansFile(plansFile)) {
    await stripe.prices.create({
      currency: plan.price.currency.toLowerCase(),
      unit_amount: plan.price.amount,
      recurring: { interval: plan.price.interval },
      lookup_key: plan.stripePrice,
      product_data: { name: plan.name },
    });
  }
}

export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until every stored webhook event has been processed by the worker. */
export async function allEventsProcessed(dataSource: DataSource, timeoutMs = 20_000): Promise<void> {
  await waitFor('webhook events to be processed', async () => (await unprocessed(dataSource)) === 0, timeoutMs);
}

export async function unprocessed(dataSource: DataSource): Promise<number> {
  const [{ count }] = await dataSource.query('select count(*)::int as count from webhook_event where processed_at is null');
  return count;
}

export const tenantOf = async (dataSource: DataSource, orderId: string): Promise<Tenant> => {
  const order = await dataSource.manager.findOneByOrFail(Order, { id: orderId });
  return dataSource.manager.findOneByOrFail(Tenant, { id: order.tenantId! });
};

export const operationsOf = (dataSource: DataSource, tenantId: string): Promise<Operation[]> =>
  dataSource.manager.find(Operation, { where: { targetId: tenantId }, order: { createdAt: 'ASC' } });

export const auditActions = async (dataSource: DataSource, targetId: string): Promise<string[]> =>
  (await dataSource.manager.find(AuditEvent, { where: { targetId }, order: { createdAt: 'ASC' } })).map((event) => event.action);

/** Counts rows of the tables an order creates, to prove a refused order created nothing. */
export async function rowCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['account', 'organization', 'membership', 'tenant', 'domain', 'order', 'subscription', 'operation']) {
    const [{ count }] = await dataSource.query(`select count(*)::int as count from "${table}"`);
    counts[table] = count;
  }
  return counts;
}

/** The order form as a browser posts it (urlencoded). */
export function orderForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const unique = Math.random().toString(36).slice(2, 8);
  const form: Record<string, string | undefined> = {
    plan: 'club',
    clubName: `Gardeners ${unique}`,
    contactEmail: `chair-${unique}@gardeners.example`,
    password: 'a-long-owner-password',
    addressKind: 'subdomain',
    subdomain: `gardeners-${unique}`,
    acceptTerms: 'yes',
    acceptDpa: 'yes',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(form).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

/** The .eml files once at least `count` were written: letters leave from the outbox a moment after the request. */
export async function waitForMail(dataDir: string, count: number, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = outbox(dataDir);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) in the outbox, found ${mails.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first mail to `address` (matching `contains`), once it was written. */
export async function waitForMailTo(dataDir: string, address: string, contains = '', timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = outbox(dataDir).find((eml) => eml.includes(`To: ${address}`) && eml.includes(contains));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${address}${contains ? ` with "${contains}"` : ''} in the outbox`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The .eml files the outbox mailer wrote. */
export function outbox(dataDir: string): string[] {
  const directory = join(dataDir, 'outbox');
  try {
    return readdirSync(directory).sort().map((file) => readFileSync(join(directory, file), 'utf8'));
  } catch {
    return [];
  }
}
