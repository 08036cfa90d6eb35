import type { Request, Response } from 'express';

/**
 * Announces the next page of a list whose body must stay a plain array (older API clients
 * read it so): `Link: <...&cursor=...>; rel="next"` (RFC 8288) and `X-Next-Cursor`. Without a
 * next page, neither is sent. The link keeps the request's other query parameters.
 */
export function announceNextPage(request: Pick<Request, 'originalUrl'>, response: Pick<Response, 'setHeader'>, nextCursor: string | null): void {
  if (!nextCursor) return;
  response.setHeader('X-Next-Cursor', nextCursor);
  response.setHeader('Link', `<${nextPageUrl(request.originalUrl, nextCursor)}>; rel="next"`);
}

/** The same path and query with `cursor` set to the next page's cursor. */
export function nextPageUrl(originalUrl: string, nextCursor: string): string {
  const url = new URL(originalUrl, 'http://placeholder.invalid');
  url.searchParams.set('cursor', nextCursor);
  return `${url.pathname}${url.search}`;
}
