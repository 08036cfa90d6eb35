import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type BillingStack, startBillingStack } from '../integration/billing-harness.js';
import { checkPage, launchChromium } from '#test/support/browser.js';

// The club's and the operator's web pages in a real Chromium: every page checked with axe-core
// (WCAG 2.1 AA) and photographed, in English and in German.
describe('the web pages of clubs and operators', () => {
  let stack: BillingStack;
  let browser: Browser;
  const checked: { name: string; language: string; violations: string[] }[] = [];

  beforeAll(async () => {
    stack = await startBillingStack({ env: { ALLMENDE_BANK_ACCOUNT: 'Allmende eG · IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function visitor(language: 'en' | 'de'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale: language === 'de' ? 'de-DE' : 'en-GB', viewport: { width: 1000, height: 900 } });
    return { context, page: await context.newPage() };
  }

  it.each(['en', 'de'] as const)('shows the public pages accessibly (%s)', async (language) => {
    const { context, page } = await visitor(language);
    for (const [name, path] of [
      ['order-form', '/'],
      ['login', '/login'],
      ['password-reset', '/password-reset'],
      ['terms', '/legal/terms'],
      ['dpa', '/legal/dpa'],
    ]) {
      await page.goto(`${stack.url}${path}`);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      checked.push(await checkPage(page, name));
    }
    await context.close();
    expect(checked.filter((entry) => entry.violations.length)).toEqual([]);
  });
});
