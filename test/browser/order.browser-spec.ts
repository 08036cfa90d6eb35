import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OperationsService, TenantLifecycleService } from '#provisioning';
import { allEventsProcessed, type BillingStack, startBillingStack, tenantOf } from '../integration/billing-harness.js';

// A person orders in a real Chromium: the form (with its live check), Stripe's checkout
// page (the local test server's), and the status page changing on its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');

describe('ordering in a browser', () => {
  let stack: BillingStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // no silent skip: without Chromium this suite fails and says how to get it
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startBillingStack({ stripe: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('fills the form, pays on the checkout page and watches the instance being set up', async () => {
    await page.goto(`${stack.url}/`);
    await page.screenshot({ path: join(SCREENSHOTS, 'order-form.png'), fullPage: true });

    // a reserved subdomain: the live check says so, the server refuses it next to the field
    await page.getByLabel('Club bundle').check();
    await page.getByLabel('Name of your club').fill('Gardeners of Südstadt');
    await page.getByLabel('Contact email').fill('chair@gardeners.example');
    await page.getByLabel('Password for your account').fill('a-long-owner-password');
    await page.getByLabel('Subdomain', { exact: true }).fill('admin');
    await page.locator('#subdomain-availability', { hasText: 'is reserved' }).waitFor();
    await page.getByLabel(/terms of service/).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.locator('.error-summary').waitFor();
    expect(await page.locator('#subdomain-error').textContent()).toContain('Subdomain is reserved');
    expect(await page.locator('#acceptDpa-error').textContent()).toContain('data processing agreement');
    expect(await page.getByLabel('Name of your club').inputValue()).toBe('Gardeners of Südstadt');
    expect(await page.getByLabel('Password for your account').inputValue()).toBe('');
    await page.screenshot({ path: join(SCREENSHOTS, 'order-form-errors.png'), fullPage: true });

    await page.getByLabel('Password for your account').fill('a-long-owner-password');
    await page.getByLabel('Subdomain', { exact: true }).fill('gardeners-sued');
    await page.locator('#subdomain-availability', { hasText: 'gardeners-sued.hosting.test is free' }).waitFor();
    await page.getByLabel(/data processing agreement/).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    // Stripe's hosted checkout (the test server's stand-in)
    await page.waitForURL(/\/c\/pay\/cs_test_/);
    expect(await page.locator('#amount').textContent()).toContain('9.00');
    await page.click('#pay');

    // back on our status page, which follows the order without reloads
    await page.waitForURL(/\/order\/[0-9a-f-]{36}\?checkout=success$/);
    const orderId = /\/order\/([0-9a-f-]{36})/.exec(page.url())![1];
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.locator('#order-status', { hasText: 'Setting up your apps' }).waitFor({ timeout: 20_000 });
    await allEventsProcessed(stack.api.dataSource);
    const tenant = await tenantOf(stack.api.dataSource, orderId);
    expect(tenant.state).toBe('provisioning');

    // the provisioning worker (the lead's) reports steps; we play it here
    const operations = stack.api.app.get(OperationsService);
    const [operation] = await operations.listFor(tenant.id);
    await operations.begin(operation.id);
    for (const step of ['place', 'prepare', 'images']) await operations.stepDone(operation.id, step);
    await operations.stepStarted(operation.id, 'deploy');
    await page.locator('#order-status li.done', { hasText: 'Check the app images' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'order-status-provisioning.png'), fullPage: true });

    for (const step of ['deploy', 'health', 'admin', 'publish', 'activate']) await operations.stepDone(operation.id, step);
    await operations.succeed(operation.id);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'e2e' });
    await page.locator('#order-status', { hasText: 'Your apps are ready' }).waitFor();
    expect(await page.locator('#order-status a').getAttribute('href')).toBe(`https://gardeners-sued.hosting.test:${stack.api.config.edge.httpsPort}`); // the edge's port on a test machine
    // the page that watched gets the login form with the news, without a reload
    await page.getByRole('heading', { name: 'How to log in' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'order-status-ready.png'), fullPage: true });
  });
});
