import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAnswers, imageStartedIn, planLocalEngine, PRIVATE_ENGINE } from './local-engine.js';

describe('the engine npm start provides', () => {
  const fresh = { provide: true, systemAnswers: false, isRoot: true };

  it('never second-guesses a configured engine, production, or a switched-off local engine', () => {
    expect(planLocalEngine({ ...fresh, provide: false })).toEqual({ kind: 'configured' });
    expect(planLocalEngine({ ...fresh, provide: false, systemAnswers: true })).toEqual({ kind: 'configured' });
  });

  it("uses the machine's engine when it answers, else starts a private one as root, else says what to do", () => {
    expect(planLocalEngine({ ...fresh, systemAnswers: true })).toEqual({ kind: 'system', endpoint: 'unix:///var/run/docker.sock' });
    expect(planLocalEngine(fresh)).toEqual({ kind: 'private', endpoint: `unix://${PRIVATE_ENGINE.socket}` });
    const told = planLocalEngine({ ...fresh, isRoot: false });
    expect(told.kind).toBe('instruct');
    expect(told.kind === 'instruct' && told.message).toMatch(/no Docker engine answers at \/var\/run\/docker.sock: .*set DOCKER_HOST/);
  });

  it("follows build-all.sh's output to say which image it is at", () => {
    expect(imageStartedIn('[images] === prosody (allmende/prosody:0.12)')).toBe('prosody');
    expect(imageStartedIn('[images] === plain-debian (allmende-test/plain-debian:12)')).toBe('plain-debian');
    expect(imageStartedIn('[images] allmende/prosody:0.12 already exists (FORCE=1 rebuilds)')).toBeUndefined();
    expect(imageStartedIn('Setting up prosody (0.12.3-1+deb12u1) ...')).toBeUndefined();
  });

  describe('engineAnswers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allmende-ping-'));
    let server: Server;
    afterAll(() => {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is true for a socket answering /_ping with 200, false for none', async () => {
      const socket = join(dir, 'engine.sock');
      server = createServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      expect(await engineAnswers(socket)).toBe(true);
      expect(await engineAnswers(join(dir, 'nothing.sock'))).toBe(false);
    });
  });
});
