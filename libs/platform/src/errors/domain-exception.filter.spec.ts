import type { ArgumentsHost } from '@nestjs/common';
import { DomainExceptionFilter } from './domain-exception.filter.js';
import { NotFoundError } from './domain-error.js';

/** Just enough of express's request and response for the filter. */
function exchange(path: string, accept: 'html' | 'json') {
  const sent: { status?: number; headers: Record<string, string>; json?: unknown; html?: string; type?: string } = { headers: {} };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    setHeader(name: string, value: string) {
      sent.headers[name] = value;
    },
    type(type: string) {
      sent.type = type;
      return this;
    },
    json(body: unknown) {
      sent.json = body;
    },
    send(body: string) {
      sent.html = body;
    },
  };
  const request = { id: 'req-1', method: 'GET', path, accepts: (types: string[]) => (types.includes(accept) ? accept : false) };
  const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }) } as unknown as ArgumentsHost;
  return { host, sent };
}

const databaseDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:54329'), { code: 'ECONNREFUSED' });

describe('DomainExceptionFilter while the database is away', () => {
  const filter = new DomainExceptionFilter();

  it('answers API clients 503 with Retry-After and a JSON body', () => {
    const { host, sent } = exchange('/api/v1/tenants', 'json');
    filter.catch(databaseDown, host);
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBe('5');
    expect(sent.json).toMatchObject({ error: 'service.unavailable', requestId: 'req-1' });
  });

  it('gives a browser an HTML page that tries again by itself', () => {
    const { host, sent } = exchange('/order/123', 'html');
    filter.catch(databaseDown, host);
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBe('5');
    expect(sent.type).toBe('html');
    expect(sent.html).toContain('<meta http-equiv="refresh" content="5">');
    expect(sent.html).toContain('Back in a moment');
  });

  it('keeps JSON for the API even when a browser asks, and other errors as they were', () => {
    const api = exchange('/api/v1/tenants', 'html');
    filter.catch(databaseDown, api.host);
    expect(api.sent.json).toMatchObject({ error: 'service.unavailable' });
    const missing = exchange('/api/v1/tenants/x', 'json');
    filter.catch(new NotFoundError('Tenant'), missing.host);
    expect(missing.sent.status).toBe(404);
    expect(missing.sent.headers['Retry-After']).toBeUndefined();
    const bug = exchange('/api/v1/x', 'json');
    filter.catch(new TypeError('x is undefined'), bug.host);
    expect(bug.sent.status).toBe(500);
  });
});
