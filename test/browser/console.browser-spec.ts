import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { Order, OrdersService } from '#billing';
import { AccountsService } from '#identity';
import { DockerHost, OperationsService, Tenant, TenantLifecycleService, TenantsService } from '#provisioning';
import { checkPage, launchChromium } from '#test/support/browser.js';
import { type BillingStack, startBillingStack } from '../integration/billing-harness.js';

const SYSTEM = { type: 'system' as const, id: 'test' };

// The operators' console in a real Chromium, as an operator uses it: a bank transfer marked paid,
// a failed operation run again, tenants filtered and paged. Every console page is checked with
// axe-core (WCAG 2.1 AA) and photographed, in English and in German.
describe('the operator console in a browser', () => {
  let stack: BillingStack;
  let browser: Browser;
  const operator = { email: `operator-${randomUUID().slice(0, 8)}@coop.example`, password: 'an-operator-password-of-some-length' };

  beforeAll(async () => {
    stack = await startBillingStack({ worker: false });
    browser = await launchChromium();
    await stack.api.app.get(AccountsService).create({ ...operator, isOperator: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const app = () => stack.api.app;
  const manager = () => stack.api.dataSource.manager;

  async function loggedIn(language: 'en' | 'de'): Promise<Page> {
    const context = await browser.newContext({ locale: language === 'de' ? 'de-DE' : 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/console`);
    // not logged in: the login page, then back to the console
    await page.fill('#email', operator.email);
    await page.fill('#password', operator.password);
    await Promise.all([page.waitForURL(`${stack.url}/console`), page.click('main button[type=submit]')]);
    return page;
  }

  async function placeOrder(): Promise<Order> {
    const unique = randomUUID().slice(0, 8);
    return app().get(OrdersService).place({ plan: 'chat', clubName: `Allotment club ${unique}`, contactEmail: `board-${unique}@allotment.example`, password: 'a-long-owner-password', subdomain: `allotment-${unique}` });
  }

  async function failedTenant(): Promise<{ tenant: Tenant; operationId: string }> {
    const order = await placeOrder();
    const tenant = await manager().findOneByOrFail(Tenant, { id: order.tenantId! });
    const { operation } = await app().get(TenantLifecycleService).transition(tenant.id, 'provision', SYSTEM);
    await app().get(OperationsService).fail(operation!.id, 'the image could not be pulled: manifest unknown');
    await app().get(TenantLifecycleService).transition(tenant.id, 'provisioning_failed', SYSTEM, { reason: 'the image could not be pulled' });
    return { tenant, operationId: operation!.id };
  }

  it('marks a bank transfer paid, runs a failed operation again, filters and pages tenants (en)', async () => {
    const order = await placeOrder();
    const { tenant, operationId } = await failedTenant();
    const page = await loggedIn('en');

    await page.click('nav.console-nav >> text=Awaiting payment');
    const row = page.locator(`#order-${order.id}`);
    await row.locator('button', { hasText: 'Mark paid' }).click();
    await page.waitForURL(/\/console\/orders\?done=paid/);
    expect(await page.locator('.notice').textContent()).toBe(`The payment for ${order.reference} is recorded.`);
    expect((await manager().findOneByOrFail(Order, { id: order.id })).state).toBe('paid');

    await page.click('nav.console-nav >> text=Failed operations');
    await page.locator(`#operation-${operationId}`).locator('button', { hasText: 'Run again' }).click();
    await page.waitForURL(/\/console\/operations\?done=provision/);
    expect(await page.locator('.notice').textContent()).toContain(`The provision of ${tenant.slug} runs again.`);
    expect((await manager().findOneByOrFail(Tenant, { id: tenant.id })).state).toBe('provisioning');

    await page.click('nav.console-nav >> text=Tenants');
    await page.selectOption('#state', 'provisioning');
    await Promise.all([page.waitForURL(/state=provisioning/), page.click('form.filters button[type=submit]')]);
    const slugs = await page.locator('table.console-table tbody tr td:first-child a').allTextContents();
    expect(slugs).toContain(tenant.slug);
    expect(await page.locator('#state').inputValue()).toBe('provisioning');
    await page.click(`text=${tenant.slug}`);
    await page.waitForURL(`${stack.url}/console/tenants/${tenant.id}`);
    expect(await page.locator('h1').textContent()).toBe(`Tenant ${tenant.slug}`);
    await page.context().close();
  });

  it.each(['en', 'de'] as const)('shows every console page accessibly (%s)', async (language) => {
    const { tenant } = await failedTenant();
    await placeOrder();
    const host = await manager().findOneByOrFail(DockerHost, { name: 'local' });
    for (let i = 0; i < 3; i++) {
      const made = await app().get(TenantsService).create({ organizationId: tenant.organizationId, planCode: 'club', subdomain: `shown-${language}-${i}-${randomUUID().slice(0, 4)}`, allowRetiredPlan: true }, SYSTEM);
      await manager().update(Tenant, made.id, { state: 'active', dockerHostId: host.id });
    }
    const page = await loggedIn(language);
    const checked = [];
    for (const [name, path] of [
      ['console', '/console'],
      ['console-orders', '/console/orders'],
      ['console-tenants', '/console/tenants?limit=2'],
      ['console-tenants-filter-error', '/console/tenants?state=happy'],
      ['console-tenant', `/console/tenants/${tenant.id}`],
      ['console-hosts', '/console/hosts'],
      ['console-operations', '/console/operations'],
    ]) {
      await page.goto(`${stack.url}${path}`);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      checked.push(await checkPage(page, name));
    }
    await page.goto(`${stack.url}/console/tenants?limit=2`);
    await page.click('a[rel=next]');
    expect(page.url()).toMatch(/cursor=/);
    await page.context().close();
    expect(checked.filter((entry) => entry.violations.length)).toEqual([]);
  });
});
