import type { Plan } from '#catalog';
import type { Texts } from '../texts/en.js';
import { fill, format, html, type SafeHtml } from '../web/html.js';

/** A plan's name and description in the page's language (the plans file may give them per language). */
export function planWords(texts: Texts, plan: Pick<Plan, 'name' | 'description' | 'translations'>): { name: string; description: string } {
  return plan.translations?.[texts.locale] ?? { name: plan.name, description: plan.description };
}

export function money(texts: Texts, cents: number, currency: string): string {
  return new Intl.NumberFormat(texts.locale, { style: 'currency', currency }).format(cents / 100);
}

/** "€9.00 per month, VAT included" */
export function planPrice(texts: Texts, plan: Pick<Plan, 'priceCents' | 'currency' | 'interval' | 'vatIncluded'>): string {
  const t = texts.orderForm;
  const price = format(t.planPrice, { price: money(texts, plan.priceCents, plan.currency), interval: texts.intervals[plan.interval] ?? plan.interval });
  return `${price}, ${plan.vatIncluded === false ? t.vatExcluded : t.vatIncluded}`;
}

/** What the plan includes, as list items: each app with a line a club understands, then storage, members and backups. */
export function planContents(texts: Texts, plan: Pick<Plan, 'apps' | 'includes'>): SafeHtml {
  const t = texts.orderForm.includes;
  const includes = plan.includes ?? {};
  return html`<ul class="includes">
${plan.apps.map((app) => html`<li><strong>${texts.apps[app] ?? app}</strong>: ${texts.appExplanations[app] ?? ''}</li>`)}
${includes.storageGb ? html`<li>${fill(t.storage, { gb: includes.storageGb })}</li>` : null}
${includes.members ? html`<li>${fill(t.members, { members: includes.members })}</li>` : null}
${includes.backupDays ? html`<li>${fill(t.backups, { days: includes.backupDays })}</li>` : null}
</ul>`;
}
