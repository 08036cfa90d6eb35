import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AdminCredentialsService, OperationsService, TenantLifecycleService } from '#provisioning';
import { ServiceInstance } from '#provisioning';
import { createOperator } from '#test/support/fixtures.js';
import { checkPage, launchChromium } from '#test/support/browser.js';
import { allEventsProcessed, type BillingStack, startBillingStack, tenantOf, waitForMailTo } from '../integration/billing-harness.js';

// The club's and the operator's web pages in a real Chromium: a club orders and pays by bank
// transfer, the operator marks it paid in the console, the club watches its dashboard change by
// itself, sees its admin login once, invites a member who joins, and cancels at the end of the
// period; the operator retries a failed operation and filters tenants. Every page is checked with
// axe-core (WCAG 2.1 AA) and photographed in English and in German (test-results/pages/).
describe('the web pages of clubs and operators', () => {
  let stack: BillingStack;
  let browser: Browser;
  const checked: { name: string; language: string; violations: string[] }[] = [];
  /** Pages to photograph again in German: [name, path, who]. */
  const revisit: [string, string, 'owner' | 'operator' | 'member' | 'visitor'][] = [];
  const contexts: Partial<Record<'owner' | 'operator' | 'member' | 'visitor', BrowserContext>> = {};

  beforeAll(async () => {
    stack = await startBillingStack({ env: { ALLMENDE_BANK_ACCOUNT: 'Allmende eG · IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function person(who: 'owner' | 'operator' | 'member' | 'visitor'): Promise<Page> {
    contexts[who] ??= await browser.newContext({ locale: 'en-GB', viewport: { width: 1000, height: 900 } });
    return contexts[who]!.newPage();
  }

  async function check(page: Page, name: string, who: 'owner' | 'operator' | 'member' | 'visitor', again = true): Promise<void> {
    checked.push(await checkPage(page, name));
    if (again) revisit.push([name, new URL(page.url()).pathname + new URL(page.url()).search, who]);
  }

  async function logIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login');
  }

  const email = `chair-${Date.now()}@railway.example`;
  const password = 'a-long-owner-password';
  let orderId: string;
  let organizationId: string;
  let reference: string;

  it('shows the public pages (order form, login, password reset, terms)', async () => {
    const page = await person('visitor');
    for (const [name, path] of [
      ['order-form', '/'],
      ['login', '/login'],
      ['password-reset', '/password-reset'],
      ['terms', '/legal/terms'],
      ['dpa', '/legal/dpa'],
    ]) {
      await page.goto(`${stack.url}${path}`);
      await check(page, name, 'visitor');
    }
  });

  it('a club orders by bank transfer and sees the reference and the bank details', async () => {
    const page = await person('owner');
    await page.goto(`${stack.url}/`);
    await page.getByLabel(/^Club bundle/).check();
    await page.getByLabel('Name of your club').fill('Model Railway Society');
    await page.getByLabel('Contact email').fill(email);
    await page.getByLabel('Password for your account').fill(password);
    await page.getByLabel('Subdomain', { exact: true }).fill('model-railway');
    await page.getByLabel(/terms of service/).check();
    await page.getByLabel(/data processing agreement/).check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/order\/[0-9a-f-]{36}$/);
    orderId = /\/order\/([0-9a-f-]{36})/.exec(page.url())![1];
    const status = page.locator('#order-status');
    reference = (await status.locator('code').textContent())!;
    expect(reference).toMatch(/^AM-\d{4}-\d{4,}$/);
    expect(await status.textContent()).toContain('IBAN DE02 1203 0000 0000 2020 51');
    await check(page, 'order-bank-transfer', 'owner');

    const confirmation = await waitForMailTo(stack.api.config.dataDir, email, reference);
    expect(confirmation).toContain('IBAN DE02 1203 0000 0000 2020 51');
    // the owner proves the address with the mailed link
    const link = /(http:\/\/127\.0\.0\.1:\d+\/verify-email\?token=[A-Za-z0-9_-]{43})/.exec(await waitForMailTo(stack.api.config.dataDir, email, 'verify-email'))![1];
    await page.goto(link);
    await check(page, 'email-verified', 'owner', false);
  });

  it('the owner logs in and sees the club waiting for the payment', async () => {
    const page = await person('owner');
    await logIn(page, email, password);
    await page.goto(`${stack.url}/clubs`);
    await page.getByRole('link', { name: 'Model Railway Society' }).click();
    await page.waitForURL(/\/clubs\/[0-9a-f-]{36}$/);
    organizationId = /\/clubs\/([0-9a-f-]{36})/.exec(page.url())![1];
    await page.goto(`${stack.url}/clubs`);
    await check(page, 'clubs', 'owner');
    await page.goto(`${stack.url}/clubs/${organizationId}`);
    expect(await page.textContent('main')).toContain(reference);
    await check(page, 'club-awaiting-payment', 'owner');
  });

  it('the operator marks the transfer paid in the console; the club’s page changes by itself until the apps run', async () => {
    const owner = await person('owner');
    await owner.goto(`${stack.url}/clubs/${organizationId}`);
    await owner.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

    const operator = await createOperator(stack.api);
    const console = await person('operator');
    await logIn(console, operator.email, operator.password!);
    await console.goto(`${stack.url}/console`);
    await check(console, 'console', 'operator');
    await console.getByRole('link', { name: 'Awaiting payment' }).first().click();
    const row = console.locator('tr', { hasText: reference });
    expect(await row.textContent()).toContain('Model Railway Society');
    expect(await row.textContent()).toContain(email);
    await check(console, 'console-orders', 'operator');
    await row.getByRole('button', { name: /Mark paid/ }).click();
    await console.locator('main', { hasText: `The payment for ${reference} is recorded.` }).waitFor();
    await check(console, 'console-order-paid', 'operator', false);

    // the worker's part, played here: the steps of setting up, then the admin login it stores
    await allEventsProcessed(stack.api.dataSource);
    const tenant = await tenantOf(stack.api.dataSource, orderId);
    await owner.locator('main', { hasText: 'being set up' }).first().waitFor({ timeout: 20_000 });
    const operations = stack.api.app.get(OperationsService);
    const [operation] = await operations.listFor(tenant.id);
    await operations.begin(operation.id);
    for (const step of ['place', 'prepare', 'images', 'deploy', 'health', 'admin', 'publish', 'activate']) await operations.stepDone(operation.id, step);
    const instances = await stack.api.dataSource.manager.findBy(ServiceInstance, { tenantId: tenant.id });
    await stack.api.dataSource.manager.update(ServiceInstance, { tenantId: tenant.id }, { state: 'running' });
    const chat = instances.find((instance) => instance.app === 'prosody')!;
    await stack.api.app.get(AdminCredentialsService).store({ tenantId: tenant.id, serviceInstanceId: chat.id, username: 'admin@model-railway.hosting.test', loginUrl: 'xmpp:model-railway.hosting.test', password: 'generated-admin-password-1' });
    await operations.succeed(operation.id);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'e2e' });
    await owner.locator('main', { hasText: 'running' }).first().waitFor({ timeout: 20_000 });
    expect(await owner.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await check(owner, 'club-running', 'owner');

    await console.goto(`${stack.url}/console/tenants?state=active`);
    expect(await console.locator('main').textContent()).toContain('Model Railway Society');
    await check(console, 'console-tenants', 'operator');
    await console.getByRole('link', { name: /model-railway/ }).first().click();
    expect(await console.locator('main').textContent()).not.toContain('generated-admin-password-1'); // operators never see them
    await check(console, 'console-tenant', 'operator');
    await console.goto(`${stack.url}/console/hosts`);
    await check(console, 'console-hosts', 'operator');
  });

  it('the owner sees the admin login once on the order page', async () => {
    const page = await person('owner');
    await page.goto(`${stack.url}/order/${orderId}`);
    await page.getByRole('heading', { name: 'How to log in' }).waitFor();
    await page.locator('#credentials-email').fill(email);
    await page.locator('form[action$="/credentials"] input[type=password]').fill(password);
    await page.locator('form[action$="/credentials"] button').click();
    await page.locator('main', { hasText: 'generated-admin-password-1' }).waitFor();
    await check(page, 'admin-logins-once', 'owner', false);
  });

  it('the owner invites a member, who joins and sees the club', async () => {
    const page = await person('owner');
    await page.goto(`${stack.url}/clubs/${organizationId}`);
    await page.locator('#invite-email').fill('signalman@railway.example');
    await page.locator('#invite-role-member').check();
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await page.locator('main', { hasText: 'The invitation is on its way.' }).waitFor();
    await check(page, 'club-invited', 'owner', false);

    const link = /(http:\/\/127\.0\.0\.1:\d+\/invitation\?token=[A-Za-z0-9_-]{43})/.exec(await waitForMailTo(stack.api.config.dataDir, 'signalman@railway.example', 'invitation'))![1];
    const member = await person('member');
    await member.goto(link);
    await check(member, 'invitation', 'member', false);
    await member.getByLabel(/password/i).fill('signalman-password');
    await member.getByRole('button').last().click();
    await member.locator('main', { hasText: 'Model Railway Society' }).waitFor();
    await logIn(member, 'signalman@railway.example', 'signalman-password');
    await member.goto(`${stack.url}/clubs/${organizationId}`);
    const text = (await member.textContent('main'))!;
    expect(text).toContain('Members see the apps');
    expect(text).not.toContain('Cancel the subscription');
    await check(member, 'club-as-member', 'member');
  });

  it('the owner cancels at the end of the paid period', async () => {
    const page = await person('owner');
    await page.goto(`${stack.url}/clubs/${organizationId}`);
    await page.getByRole('link', { name: 'Cancel the subscription' }).click();
    await check(page, 'cancel-confirm', 'owner');
    await page.getByRole('button', { name: 'Cancel the subscription' }).click();
    expect(await page.locator('#confirm-error').textContent()).toContain('Tick the box');
    await page.getByLabel(/Yes, end the subscription/).check();
    await page.getByRole('button', { name: 'Cancel the subscription' }).click();
    await page.locator('main', { hasText: 'Your cancellation is confirmed.' }).waitFor();
    expect(await page.textContent('main')).toContain('Your subscription ends on');
    await check(page, 'club-cancelled', 'owner', false);
    const letter = await waitForMailTo(stack.api.config.dataDir, email, 'ends on');
    expect(letter).toContain('Model Railway Society');
  });

  it('the operator retries a failed operation from the console', async () => {
    const tenant = await tenantOf(stack.api.dataSource, orderId);
    const operations = stack.api.app.get(OperationsService);
    const backup = await operations.create({ kind: 'backup', target: { type: 'tenant', id: tenant.id }, organizationId, requestedBy: null });
    await operations.begin(backup.id);
    await operations.fail(backup.id, 'restic: repository locked');
    const page = await person('operator');
    await page.goto(`${stack.url}/console/operations`);
    const row = page.locator('tr', { hasText: 'restic: repository locked' });
    await check(page, 'console-operations', 'operator');
    await row.getByRole('button', { name: /Run again/ }).click();
    await page.waitForLoadState();
    // a retry is a new run of the same work; the failed one stays as it was, followed
    const [rerun] = await stack.api.dataSource.query(`select state from operation where target_id = $1 and kind = 'backup' and id <> $2`, [tenant.id, backup.id]);
    expect(rerun).toBeDefined();
  });

  it('shows every page again in German, and no page has an accessibility violation', async () => {
    for (const context of Object.values(contexts)) {
      const page = await context!.newPage();
      await page.goto(`${stack.url}/language/de?next=%2Flogin`);
      await page.close();
    }
    for (const [name, path, who] of revisit) {
      const page = await contexts[who]!.newPage();
      await page.goto(`${stack.url}${path}`);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      checked.push(await checkPage(page, name));
      await page.close();
    }
    const german = checked.filter((entry) => entry.language === 'de').map((entry) => entry.name);
    expect(german.sort()).toEqual(revisit.map(([name]) => name).sort());
    expect(checked.filter((entry) => entry.violations.length)).toEqual([]);
  });
});
