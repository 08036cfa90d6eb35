import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Controller, Get, type INestApplication, Logger as NestLogger, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '../config/app-config.js';
import { Logger } from './logger.js';
import { LOG_DESTINATION, LoggingModule } from './logging.module.js';

type Line = Record<string, any>;

@Controller()
class ProbeController {
  private readonly logger = new NestLogger('Probe');

  @Get('probe')
  probe(): { ok: true } {
    this.logger.log('inside a request');
    return { ok: true };
  }

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Post('webhooks/stripe')
  webhook(): { received: true } {
    return { received: true };
  }
}

const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_SECRET_KEY: `${'A'.repeat(43)}=`, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, '/tmp');
const raw: string[] = [];
const lines = (): Line[] => raw.map((line) => JSON.parse(line));
let app: INestApplication;
let baseUrl: string;

/** pino-http writes a request's line when the response finishes, which may be after the client has it. */
async function lineWhere(predicate: (line: Line) => boolean): Promise<Line> {
  for (let waited = 0; waited < 2000; waited += 10) {
    const found = lines().find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no such log line');
}

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [LoggingModule.forRoot(config, 'api')], controllers: [ProbeController] })
    .overrideProvider(LOG_DESTINATION)
    .useValue({ write: (line: string) => void raw.push(line) })
    .compile();
  app = moduleRef.createNestApplication({ bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
});

describe('LoggingModule', () => {
  it("writes Nest's Logger lines as pino JSON with the context and the component", () => {
    new NestLogger('Billing').warn('sweep ran late');
    expect(lines().find((line) => line.msg === 'sweep ran late')).toMatchObject({ level: 40, context: 'Billing', component: 'api' });
  });

  it('merges an object first argument into the line and serializes err', () => {
    new NestLogger('HTTP').error({ err: new Error('boom'), requestId: 'r-1' }, 'request failed');
    const line = lines().find((candidate) => candidate.msg === 'request failed');
    expect(line).toMatchObject({ level: 50, context: 'HTTP', component: 'api', requestId: 'r-1', err: { type: 'Error', message: 'boom' } });
    expect(line?.err.stack).toContain('Error: boom');
  });

  it('censors passwords', () => {
    new NestLogger('Identity').log({ member: { email: 'ada@coop.example', password: 'hunter2' } }, 'member signed up');
    expect(lines().find((line) => line.msg === 'member signed up')).toMatchObject({ member: { email: 'ada@coop.example', password: '[redacted]' } });
    expect(raw.join('')).not.toContain('hunter2');
  });

  it("gives lines logged inside a request the request's id (sent back as X-Request-Id), method and path", async () => {
    const response = await fetch(`${baseUrl}/probe?token=abc`);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const inside = await lineWhere((line) => line.msg === 'inside a request' && line.req?.id === id);
    expect(inside).toMatchObject({ context: 'Probe', component: 'api', req: { id, method: 'GET', url: '/probe' } });
    const completed = await lineWhere((line) => line.msg === 'request completed' && line.req?.id === id);
    expect(completed).toMatchObject({ req: { url: '/probe' }, res: { statusCode: 200 } });
  });

  it('trusts a well-formed incoming X-Request-Id and replaces any other', async () => {
    const trusted = await fetch(`${baseUrl}/probe`, { headers: { 'X-Request-Id': 'edge-42' } });
    expect(trusted.headers.get('x-request-id')).toBe('edge-42');
    await lineWhere((line) => line.msg === 'inside a request' && line.req?.id === 'edge-42');
    const replaced = await fetch(`${baseUrl}/probe`, { headers: { 'X-Request-Id': 'not {well} formed' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs no webhook deliveries and no health probes', async () => {
    const webhook = await fetch(`${baseUrl}/webhooks/stripe`, { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(201);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    // a request after them is logged, so theirs would have been by then
    const last = (await fetch(`${baseUrl}/probe`)).headers.get('x-request-id');
    await lineWhere((line) => line.msg === 'request completed' && line.req?.id === last);
    const urls = lines().map((line) => line.req?.url);
    expect(urls).not.toContain('/webhooks/stripe');
    expect(urls).not.toContain('/healthz');
    expect(webhook.headers.get('x-request-id')).toBeNull();
  });
});
