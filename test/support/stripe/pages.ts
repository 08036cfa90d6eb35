/**
 * Server-rendered stand-ins for Stripe's hosted pages (Checkout, customer portal,
 * hosted invoice), so a real browser test can click through without JavaScript.
 */
import { formatAmount, type SubscriptionObject } from './objects.js';
import type { StripeWorld } from './world.js';

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type PortalCancelMode = 'immediately' | 'at_period_end';

function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string, status = 200): PageResponse {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1a1f36; }
  .banner { background: #fff4e5; border: 1px solid #f5a623; padding: .5rem .75rem; border-radius: 4px; font-size: .85rem; }
  .amount { font-size: 2rem; font-weight: 600; margin: .5rem 0; }
  .error { color: #c0123c; }
  button { font-size: 1rem; padding: .6rem 1.2rem; margin: .25rem 0; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; } td { padding: .3rem 0; }
  li { margin: .75rem 0; list-style: none; border: 1px solid #e3e8ee; border-radius: 6px; padding: .75rem; }
  ul { padding: 0; }
</style>
</head>
<body>
<p class="banner">TEST MODE — Allmende Stripe test server</p>
${body}
</body>
</html>
`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html };
}

function redirect(location: string): PageResponse {
  return { status: 303, headers: { Location: location, 'Content-Type': 'text/plain' }, body: `See ${location}` };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function date(unix: number | null | undefined): string {
  return unix ? new Date(unix * 1000).toISOString().slice(0, 10) : '—';
}

function successLocation(url: string, sessionId: string): string {
  // Stripe substitutes the literal template variable, also when URL-encoded by a client library.
  return url.replaceAll('{CHECKOUT_SESSION_ID}', sessionId).replaceAll('%7BCHECKOUT_SESSION_ID%7D', sessionId);
}

// ------------------------------------------------------------------ checkout

export function renderCheckout(world: StripeWorld, sessionId: string, error?: string): PageResponse {
  const session = world.checkoutSessions.get(sessionId);
  if (!session) return page('Not found', '<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>', 404);
  if (session.status === 'expired') return page('Expired', '<h1>This Checkout Session has expired</h1>', 410);
  if (session.status === 'complete') {
    const done = session.success_url ? `<p><a href="${esc(successLocation(session.success_url, session.id))}">Continue</a></p>` : '';
    return page('Paid', `<h1>This Checkout Session is already complete</h1>${done}`);
  }
  const items = world.sessionExtras.get(sessionId)?.lineItems ?? [];
  const currency = session.currency ?? 'eur';
  const rows = items
    .map((li) => {
      const interval = li.price.recurring ? ` / ${li.price.recurring.interval_count > 1 ? `${li.price.recurring.interval_count} ` : ''}${li.price.recurring.interval}` : '';
      return `<tr><td>${esc(li.description ?? li.price.id)} × ${esc(li.quantity)}</td><td style="text-align:right">${esc(formatAmount(li.amount_total, li.currency))}${esc(interval)}</td></tr>`;
    })
    .join('');
  const first = items[0]?.price.recurring;
  const per = first ? ` per ${first.interval_count > 1 ? `${first.interval_count} ` : ''}${first.interval}` : '';
  const needsEmail = !session.customer && !session.customer_email;
  const cancel = session.cancel_url ? `<p><a id="cancel" href="${esc(session.cancel_url)}">Cancel</a></p>` : '';
  const body = `
<h1>Subscribe</h1>
<p class="amount" id="amount">${esc(formatAmount(session.amount_total ?? 0, currency))}<small>${esc(per)}</small></p>
<table>${rows}</table>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/c/pay/${esc(session.id)}">
  ${session.customer_email ? `<p>Email: <strong>${esc(session.customer_email)}</strong></p>` : ''}
  ${needsEmail ? '<p><label>Email <input type="email" name="email" value="customer@example.com"></label></p>' : ''}
  <p><label>Card <input name="card" value="4242 4242 4242 4242" readonly></label></p>
  <button type="submit" id="pay">Pay</button>
  <button type="submit" name="outcome" value="decline" id="decline">Simulate declined card</button>
</form>
${cancel}`;
  return page('Checkout', body, error ? 402 : 200);
}

export async function submitCheckout(world: StripeWorld, sessionId: string, form: URLSearchParams): Promise<PageResponse> {
  const session = world.checkoutSessions.get(sessionId);
  if (!session || session.status === 'expired') return renderCheckout(world, sessionId);
  if (session.status === 'complete') {
    // A double submit: Stripe just sends the customer on.
    return session.success_url ? redirect(successLocation(session.success_url, session.id)) : renderCheckout(world, sessionId);
  }
  if (form.get('outcome') === 'decline') {
    // Checkout keeps the customer on the page; no subscription, no events.
    return renderCheckout(world, sessionId, 'Your card was declined.');
  }
  const email = form.get('email');
  await world.settle(world.completeCheckoutState(sessionId, email ? { email } : {}));
  if (!session.success_url) return page('Thanks', '<h1>Thanks for your payment</h1>');
  return redirect(successLocation(session.success_url, session.id));
}

// ------------------------------------------------------------------ customer portal

function describe(world: StripeWorld, sub: SubscriptionObject): string {
  return sub.items.data
    .map((item) => {
      const product = world.products.get(item.price.product)?.name ?? item.price.product;
      const interval = item.price.recurring?.interval ?? 'month';
      return `${product} — ${formatAmount((item.price.unit_amount ?? 0) * (item.quantity ?? 1), item.price.currency)} / ${interval}`;
    })
    .join(', ');
}

export function renderPortal(world: StripeWorld, portalId: string, notice?: string): PageResponse {
  const session = world.portalSessions.get(portalId);
  if (!session) return page('Not found', '<h1>This link has expired</h1>', 404);
  const customer = world.customers.get(session.customer);
  const subs = [...world.subscriptions.values()].filter((s) => s.customer === session.customer);
  const entries = subs
    .map((sub) => {
      const periodEnd = sub.items.data[0]?.current_period_end;
      let state: string;
      if (sub.status === 'canceled') state = `Canceled ${date(sub.ended_at)}`;
      else if (sub.cancel_at_period_end || sub.cancel_at) state = `Cancels ${date(sub.cancel_at ?? periodEnd)}`;
      else state = `Renews ${date(periodEnd)}`;
      const canCancel = sub.status !== 'canceled' && !sub.cancel_at_period_end && !sub.cancel_at;
      const button = canCancel
        ? `<form method="post" action="/p/session/${esc(session.id)}/cancel">
  <input type="hidden" name="subscription" value="${esc(sub.id)}">
  <button type="submit" data-subscription-id="${esc(sub.id)}">Cancel subscription</button>
</form>`
        : '';
      return `<li id="${esc(sub.id)}" data-status="${esc(sub.status)}"><strong>${esc(describe(world, sub))}</strong><br>Status: ${esc(sub.status)} · ${esc(state)}${button}</li>`;
    })
    .join('\n');
  const back = session.return_url ? `<p><a id="return" href="${esc(session.return_url)}">Return to ${esc(hostOf(session.return_url))}</a></p>` : '';
  const body = `
<h1>Manage your subscription</h1>
<p>${esc(customer?.name ?? '')} ${esc(customer?.email ?? '')}</p>
${notice ? `<p role="status">${esc(notice)}</p>` : ''}
<ul>${entries || '<li>No subscriptions.</li>'}</ul>
${back}`;
  return page('Customer portal', body);
}

export async function submitPortalCancel(
  world: StripeWorld,
  portalId: string,
  form: URLSearchParams,
  mode: PortalCancelMode,
): Promise<PageResponse> {
  const session = world.portalSessions.get(portalId);
  if (!session) return renderPortal(world, portalId);
  const subId = form.get('subscription') ?? '';
  const sub = world.subscriptions.get(subId);
  // Only the portal session's own customer may act on a subscription.
  if (!sub || sub.customer !== session.customer) return { ...renderPortal(world, portalId, 'Unknown subscription.'), status: 404 };
  if (sub.status !== 'canceled' && !sub.cancel_at_period_end) {
    await world.settle(mode === 'immediately' ? world.cancelState(subId, { reason: 'cancellation_requested' }) : world.cancelAtPeriodEndState(subId));
  }
  return redirect(`/p/session/${session.id}`);
}

// ------------------------------------------------------------------ hosted invoice

export function renderInvoice(world: StripeWorld, invoiceId: string): PageResponse {
  const invoice = world.invoices.get(invoiceId);
  if (!invoice) return page('Not found', '<h1>Invoice not found</h1>', 404);
  const lines = invoice.lines.data
    .map((l) => `<tr><td>${esc(l.description)}</td><td style="text-align:right">${esc(formatAmount(l.amount, l.currency))}</td></tr>`)
    .join('');
  const body = `
<h1>Invoice ${esc(invoice.number)}</h1>
<p class="amount">${esc(formatAmount(invoice.total, invoice.currency))}</p>
<p>Status: <strong id="status">${esc(invoice.status)}</strong> · ${esc(date(invoice.created))}</p>
<table>${lines}</table>`;
  return page(`Invoice ${invoice.number ?? ''}`, body);
}
