import { ContainerRuntime, RuntimeError, type EngineEndpoint, type ExecRequest, type ExecResult, type SystemContainerRef, type SystemContainerSpec } from '#runtime';
import { CaddyEdgeProxy, parseCertificateFiles } from './caddy-edge-proxy.js';
import { canonicalJson, findList, type Json } from './edge-config.js';
import { EdgeError } from './edge-errors.js';
import type { EdgeSite } from './site-routes.js';

// The adapter's logic around its boundary, with a typed fake of the runtime whose exec plays a
// tiny Caddy admin API over an in-memory config. The real thing is test/e2e/edge.e2e-spec.ts.

const engine: EngineEndpoint = { name: 'test', endpoint: 'unix:///nowhere.sock' };
const host = { publishIp: '127.0.0.1', httpPort: 18080, httpsPort: 18443 };
const notUsed = (): never => {
  throw new Error('not used by the edge');
};

class FakeRuntime extends ContainerRuntime {
  config: Json = { admin: { listen: 'unix//run/caddy/admin.sock' } };
  calls: string[] = [];
  networks: { name: string; tenantId: string | null }[] = [{ name: 'allmende-edge', tenantId: null }];
  running = true;
  /** Changes the config once right before the next full load (a concurrent writer). */
  interfereOnce = false;

  ping = notUsed;
  missingImages = notUsed;
  apply = notUsed;
  runHook = notUsed;
  exec = notUsed;
  observe = notUsed;
  drift = notUsed;
  stop = notUsed;
  start = notUsed;
  exportVolume = notUsed;
  prepareStorage = notUsed;
  readArchives = notUsed;
  importVolume = notUsed;
  remove = notUsed;
  systemContainerLogs = async () => '';
  removeSystemContainer = notUsed;
  runTask = notUsed;
  removeTasks = notUsed;
  removeVolumeHelpers = notUsed;

  async ensureSystemContainer(_engine: EngineEndpoint, spec: SystemContainerSpec) {
    this.calls.push(`ensure ${spec.name}`);
    return { ...this.state(), created: false, replaced: false, started: false };
  }

  async inspectSystemContainer() {
    return this.state();
  }

  private state() {
    return { id: 'c1', name: 'allmende-edge', state: this.running ? 'running' : 'exited', running: this.running, networks: [...this.networks], ports: [] };
  }

  async connectSystemContainer(_engine: EngineEndpoint, _ref: SystemContainerRef, network: { name: string; tenantId: string }) {
    this.calls.push(`connect ${network.name}`);
    if (this.networks.some((n) => n.name === network.name)) return false;
    this.networks.push({ name: network.name, tenantId: network.tenantId });
    return true;
  }

  async disconnectSystemContainer(_engine: EngineEndpoint, _ref: SystemContainerRef, name: string) {
    this.calls.push(`disconnect ${name}`);
    const before = this.networks.length;
    this.networks = this.networks.filter((n) => n.name !== name);
    return this.networks.length < before;
  }

  async execInSystemContainer(_engine: EngineEndpoint, _ref: SystemContainerRef, argv: string[], options: ExecRequest = {}): Promise<ExecResult> {
    const method = argv[argv.indexOf('--request') + 1];
    const path = new URL(argv[argv.length - 1]).pathname;
    const ifMatch = argv.find((arg) => arg.startsWith('If-Match: '))?.slice('If-Match: '.length);
    const body = options.stdin ? (JSON.parse(options.stdin.toString()) as Json) : undefined;
    this.calls.push(`${method} ${path}`);
    const answer = (status: number, text = '', etag?: string): ExecResult => ({
      exitCode: 0,
      stdout: text,
      stderr: `HTTP/1.1 ${status} X\r\n\r\n${etag ? `Etag: ${etag}\r\n` : ''}`,
    });
    const etag = `"/config/ ${Buffer.from(canonicalJson(this.config)).length.toString(16)}${this.calls.length.toString(16)}"`;
    if (method === 'GET' && path === '/config/') {
      this.lastEtag = etag;
      return answer(200, JSON.stringify(this.config), etag);
    }
    if (method === 'GET') return answer(200, '{}');
    if (method === 'POST' && path === '/config/') {
      if (this.interfereOnce) {
        this.interfereOnce = false;
        this.lastEtag = 'changed';
      }
      if (ifMatch && ifMatch !== this.lastEtag) return answer(412, '{"error":"If-Match header did not match current config hash"}');
      this.config = body!;
      return answer(200);
    }
    const id = path.startsWith('/id/') ? path.split('/')[2] : undefined;
    const list = (listId: string) => (listId === 'allmende-sites' ? findList(this.config, 'sites') : findList(this.config, 'allow'))!;
    const located = () => {
      for (const name of ['allmende-sites', 'allmende-allow-list']) {
        const index = list(name).findIndex((item) => (item as { '@id'?: string })['@id'] === id);
        if (index >= 0) return { items: list(name), index };
      }
      return undefined;
    };
    if (method === 'POST' && path.endsWith('/handle/0/routes')) {
      list(id!).push(body!);
      return answer(200);
    }
    const found = located();
    if (!found) return answer(404, `{"error":"unknown object ID '${id}'"}`);
    if (method === 'PATCH') found.items[found.index] = body!;
    if (method === 'DELETE') found.items.splice(found.index, 1);
    return answer(200);
  }

  lastEtag = '';
}

function site(tenantId: string, state: EdgeSite['state'] = 'serving'): EdgeSite {
  return {
    tenantId,
    state,
    network: `alm-${tenantId}`,
    hosts: [{ name: `${tenantId}.allmende.coop`, certificate: true, routes: [{ kind: 'proxy', upstream: { container: `alm-${tenantId}-web`, port: 80 } }] }],
  };
}

function setUp(options: { fullLoadAbove?: number } = {}) {
  const runtime = new FakeRuntime();
  const edge = new CaddyEdgeProxy(runtime, { issuer: { kind: 'internal' }, readyTimeoutMs: 1000, ...options });
  return { runtime, edge };
}

describe('CaddyEdgeProxy (logic around the runtime port)', () => {
  it('loads the base once, then applies a site by joining its network before appending its objects', async () => {
    const { runtime, edge } = setUp();
    expect((await edge.ensureEdge(engine, host)).base).toBe('missing');
    expect((await edge.ensureEdge(engine, host)).base).toBe('ok');
    runtime.calls = [];

    const report = await edge.applySite(engine, site('t1'));
    expect(report).toEqual({ tenantId: 't1', site: 'added', allow: 'added', network: 'connected' });
    expect(runtime.calls[0]).toBe('connect alm-t1');
    // the site and allow objects are written side by side
    expect(runtime.calls.slice(1).sort()).toEqual([
      'PATCH /id/allow-t1',
      'PATCH /id/site-t1',
      'POST /id/allmende-allow-list/handle/0/routes',
      'POST /id/allmende-sites/handle/0/routes',
    ]);
    expect((await edge.applySite(engine, site('t1'))).site).toBe('updated');
    expect((await edge.observe(engine)).sites.map((s) => `${s.tenantId}:${s.state}`)).toEqual(['t1:serving']);
  });

  it('leaves the network of a paused site after its page is in place', async () => {
    const { runtime, edge } = setUp();
    await edge.ensureEdge(engine, host);
    await edge.applySite(engine, site('t1'));
    runtime.calls = [];
    expect((await edge.applySite(engine, site('t1', 'paused'))).network).toBe('disconnected');
    expect(runtime.calls).toEqual(['PATCH /id/site-t1', 'PATCH /id/allow-t1', 'disconnect alm-t1']);
  });

  it('reconciles object by object for a few changes and with one load for many', async () => {
    const { runtime, edge } = setUp({ fullLoadAbove: 4 });
    await edge.ensureEdge(engine, host);
    const few = await edge.reconcile(engine, host, [site('t1'), site('t2')]);
    expect(few.mode).toBe('incremental');
    expect(few.networks.connected).toEqual(['alm-t1', 'alm-t2']);

    runtime.calls = [];
    const many = await edge.reconcile(engine, host, [site('t3'), site('t4'), site('t5')]);
    expect(many.mode).toBe('full');
    expect(runtime.calls.filter((call) => /^(POST|PATCH|DELETE)/.test(call))).toEqual(['POST /config/']);
    expect(many.networks).toEqual({ connected: ['alm-t3', 'alm-t4', 'alm-t5'], disconnected: ['alm-t1', 'alm-t2'] });
    expect((await edge.drift(engine, host, [site('t3'), site('t4'), site('t5')])).inSync).toBe(true);
    expect((await edge.reconcile(engine, host, [site('t3'), site('t4'), site('t5')])).mode).toBe('none');
  });

  it('serves the other sites when one tenant\'s network cannot be joined, and says so', async () => {
    const { runtime, edge } = setUp();
    const connect = runtime.connectSystemContainer.bind(runtime);
    runtime.connectSystemContainer = async (engineArg, ref, network) => {
      if (network.name === 'alm-broken') throw new RuntimeError('runtime.not_owned', 'Network alm-broken does not exist');
      return connect(engineArg, ref, network);
    };
    const report = await edge.reconcile(engine, host, [site('broken'), site('t1')]);
    expect(report.problems).toEqual([{ tenantId: 'broken', message: 'Network alm-broken does not exist' }]);
    expect(report.networks.connected).toEqual(['alm-t1']);
    expect((await edge.observe(engine)).sites.map((s) => s.tenantId)).toEqual(['broken', 't1']);
  });

  it('reads again once when the config changed between its read and its write', async () => {
    const { runtime, edge } = setUp();
    runtime.interfereOnce = true;
    const report = await edge.reconcile(engine, host, [site('t1')]);
    expect(report.mode).toBe('full'); // the bootstrap config: base missing
    expect(runtime.calls.filter((call) => call === 'POST /config/')).toHaveLength(2);
  });

  it('refuses to work on an edge that is not running, and bad input before any call', async () => {
    const { runtime, edge } = setUp();
    runtime.running = false;
    await expect(edge.applySite(engine, site('t1'))).rejects.toMatchObject({ code: 'edge.unavailable' });
    await expect(edge.applySite(engine, site('t1'))).rejects.toBeInstanceOf(EdgeError);
    runtime.calls = [];
    await expect(edge.applySite(engine, { ...site('t1'), tenantId: '../x' })).rejects.toMatchObject({ fields: { tenantId: expect.objectContaining({ code: 'input.invalid' }) } });
    await expect(edge.removeSite(engine, 'a/b')).rejects.toMatchObject({ fields: { tenantId: expect.objectContaining({ code: 'input.invalid' }) } });
    await expect(edge.certificateFor(engine, 'Not A Host')).rejects.toMatchObject({ fields: { hostName: expect.objectContaining({ code: 'input.invalid' }) } });
    expect(runtime.calls).toEqual([]);
  });

  it('asks for no root certificate with an ACME issuer', async () => {
    const edge = new CaddyEdgeProxy(new FakeRuntime(), { issuer: { kind: 'acme', email: 'ops@coop.example' } });
    await expect(edge.rootCertificate(engine)).rejects.toMatchObject({ code: 'edge.no_internal_ca' });
  });
});

describe('parseCertificateFiles', () => {
  it('finds nothing usable in text without a certificate and a key', () => {
    expect(parseCertificateFiles('', 'a.example.org', 'local')).toBeNull();
    expect(parseCertificateFiles('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n', 'a.example.org', 'local')).toBeNull();
  });
});
