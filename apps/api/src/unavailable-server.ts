import { createServer, type Server } from 'node:http';
import { defaultUnavailablePage, RETRY_AFTER_SECONDS } from '#platform';

/**
 * Holds the API's port while the API cannot serve yet (its database is away at start): every
 * request gets 503 with Retry-After (a page that reloads itself for browsers, JSON for the rest)
 * instead of a refused connection. Closed right before the application listens.
 */
export async function serveUnavailable(port: number, host: string): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const browser = /text\/html/.test(request.headers.accept ?? '') && !request.url?.startsWith('/api/');
    response.statusCode = 503;
    response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.setHeader('Cache-Control', 'no-store');
    if (browser) {
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.end(defaultUnavailablePage(RETRY_AFTER_SECONDS));
    } else {
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify({ error: 'service.unavailable', message: `Allmende is starting and waits for its database; try again in ${RETRY_AFTER_SECONDS} seconds` }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
