import { Inject, Injectable, Logger } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import { inputProblem, ValidationFailedError } from '#platform';
import { ContainerRuntime, RuntimeError, type EngineEndpoint, type SystemContainerState } from '#runtime';
import { adminArgv, adminErrorMessage, adminStdin, parseAdminResponse, type AdminRequest, type AdminResponse } from './caddy-admin.js';
import { assembleConfig, CERTIFICATES_DIR, EDGE_IMAGE, edgeBaseConfig, findList, INTERNAL_ROOT_CERTIFICATE, LISTS, type JsonObject } from './edge-config.js';
import { edgeContainerSpec, edgeRef } from './edge-container.js';
import { applyMode, baseStateOf, diffEdge, diffNetworks, observedSites, observedTenantObjects, type EdgeChange, type EdgeDiff } from './edge-diff.js';
import { EdgeError } from './edge-errors.js';
import { EdgeProxy, type ApplySiteReport, type EdgeCertificate, type EdgeContainerStatus, type EdgeReconcileReport, type EdgeStatus, type ObservedEdge } from './edge-proxy.port.js';
import { checkHostSettings, resolveEdgeOptions, type EdgeHostSettings, type EdgeOptions, type ResolvedEdgeOptions } from './edge-settings.js';
import { hostNameProblem, tenantIdProblem } from './host-names.js';
import { allowId, checkSites, renderSite, siteId, type EdgeSite, type RenderedSite } from './site-routes.js';

/** DI token for EdgeOptions. */
export const EDGE_OPTIONS = Symbol('EDGE_OPTIONS');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A whole config with thousands of sites is a few MB of JSON. */
const MAX_ADMIN_OUTPUT = 64 * 1024 * 1024;

interface ObservedConfig {
  config: unknown;
  etag: string | undefined;
}

/**
 * The EdgeProxy adapter: Caddy 2.6 in allmende/caddy:2.6, managed through the ContainerRuntime
 * port (system container, exec with stdin for the admin API, tenant network attachment).
 * Decisions are the pure functions in edge-config, site-routes and edge-diff; this applies them.
 */
@Injectable()
export class CaddyEdgeProxy extends EdgeProxy {
  private readonly logger = new Logger('EdgeProxy');
  private readonly options: ResolvedEdgeOptions;

  constructor(
    private readonly runtime: ContainerRuntime,
    @Inject(EDGE_OPTIONS) options: EdgeOptions,
  ) {
    super();
    this.options = resolveEdgeOptions(options);
  }

  private get ref() {
    return edgeRef(this.options);
  }

  // ---- the container and its base config ---------------------------------------------

  async ensureEdge(engine: EngineEndpoint, host: EdgeHostSettings): Promise<EdgeStatus> {
    const container = await this.ensureContainer(engine, host);
    const observed = await this.readConfig(engine);
    const desiredBase = edgeBaseConfig(this.options, host);
    const base = baseStateOf(desiredBase, observed.config);
    if (base !== 'ok') {
      // keep what tenants are configured: only the frame around them is loaded again
      const kept = observedTenantObjects(observed.config);
      await this.loadConfig(engine, assembleConfig(desiredBase, kept.sites, kept.allows), observed.etag);
      this.logger.log(`edge ${this.options.name}: base config was ${base}; loaded (${kept.sites.length} site(s) kept)`);
    }
    return { container, base };
  }

  private async ensureContainer(engine: EngineEndpoint, host: EdgeHostSettings): Promise<EdgeContainerStatus> {
    const ensured = await this.runtime.ensureSystemContainer(engine, edgeContainerSpec(this.options, host));
    if (ensured.created || ensured.started) {
      this.logger.log(`edge ${this.options.name}: ${ensured.replaced ? 'replaced' : ensured.created ? 'created' : 'started'}`);
    }
    await this.waitForAdmin(engine);
    return {
      created: ensured.created,
      replaced: ensured.replaced,
      started: ensured.started,
      networks: ensured.networks.filter((network) => network.tenantId !== null).map((network) => network.name),
    };
  }

  /** The admin socket answers once Caddy has started (a second or so after a start). */
  private async waitForAdmin(engine: EngineEndpoint): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    let last = '';
    for (;;) {
      try {
        const response = await this.admin(engine, { method: 'GET', path: '/config/admin' }, 10_000);
        if (response.status === 200) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        if (!(error instanceof EdgeError) && !(error instanceof RuntimeError)) throw error;
        last = error.message;
      }
      if (Date.now() >= deadline) {
        const state = await this.runtime.inspectSystemContainer(engine, this.ref).catch(() => null);
        const logs = await this.runtime.systemContainerLogs(engine, this.ref).catch(() => '(logs unavailable)');
        throw new EdgeError(
          'edge.unavailable',
          `Edge ${this.options.name} did not answer on its admin socket within ${Math.round(this.options.readyTimeoutMs / 1000)} s ` +
            `(container ${state?.state ?? 'missing'}; last: ${last}); last log lines:\n${logs}`,
        );
      }
      await sleep(250);
    }
  }

  // ---- desired state -----------------------------------------------------------------

  async reconcile(engine: EngineEndpoint, host: EdgeHostSettings, sites: EdgeSite[]): Promise<EdgeReconcileReport> {
    checkHostSettings(host);
    checkSites(sites);
    const rendered = sites.map(renderSite);
    const container = await this.ensureContainer(engine, host);
    const state = await this.requireRunning(engine);
    const networkPlan = diffNetworks(
      rendered.flatMap((site) => (site.network ? [{ network: site.network, tenantId: site.tenantId }] : [])),
      state.networks,
    );
    // join before routes point into a network, leave after they no longer do
    // one tenant's broken network must not keep the others from being served: noted, and the rest goes on
    const problems: { tenantId: string | null; message: string }[] = [];
    const connected: string[] = [];
    for (const network of networkPlan.connect) {
      try {
        await this.runtime.connectSystemContainer(engine, this.ref, network);
        connected.push(network.name);
      } catch (error) {
        if (!(error instanceof RuntimeError)) throw error;
        problems.push({ tenantId: network.tenantId, message: error.message });
      }
    }

    const desiredBase = edgeBaseConfig(this.options, host);
    let outcome: { diff: EdgeDiff; mode: 'none' | 'incremental' | 'full' } | undefined;
    for (let attempt = 1; !outcome; attempt++) {
      try {
        outcome = await this.applyDiff(engine, desiredBase, rendered);
      } catch (error) {
        // someone changed the config between our read and our write: read again, once
        if (!(error instanceof EdgeError && error.code === 'edge.concurrent_change') || attempt >= 2) throw error;
      }
    }
    const disconnected: string[] = [];
    for (const name of networkPlan.disconnect) {
      try {
        if (await this.runtime.disconnectSystemContainer(engine, this.ref, name)) disconnected.push(name);
      } catch (error) {
        if (!(error instanceof RuntimeError)) throw error;
        problems.push({ tenantId: state.networks.find((n) => n.name === name)?.tenantId ?? null, message: error.message });
      }
    }
    for (const problem of problems) this.logger.warn(`edge ${this.options.name}: ${problem.message}`);
    const { diff, mode } = outcome;
    if (mode !== 'none') {
      this.logger.log(`edge ${this.options.name}: reconciled (${mode === 'full' ? 'one full load' : 'object by object'}), ${diff.changes.length} change(s), base ${diff.base}`);
    }
    return {
      container: { ...container, networks: (await this.requireRunning(engine)).networks.flatMap((n) => (n.tenantId ? [n.name] : [])) },
      base: diff.base,
      mode,
      changes: diff.changes.map(({ value: _value, ...change }) => change),
      networks: { connected, disconnected },
      problems,
    };
  }

  private async applyDiff(engine: EngineEndpoint, desiredBase: JsonObject, rendered: RenderedSite[]): Promise<{ diff: EdgeDiff; mode: 'none' | 'incremental' | 'full' }> {
    const observed = await this.readConfig(engine);
    const diff = diffEdge(desiredBase, rendered, observed.config);
    const mode = applyMode(diff, this.options.fullLoadAbove);
    if (mode === 'full') {
      const config = assembleConfig(
        desiredBase,
        rendered.map((site) => site.site),
        rendered.flatMap((site) => (site.allow ? [site.allow] : [])),
      );
      await this.loadConfig(engine, config, observed.etag);
    } else if (mode === 'incremental') {
      for (const change of diff.changes) await this.applyChange(engine, change);
    }
    return { diff, mode };
  }

  async drift(engine: EngineEndpoint, host: EdgeHostSettings, sites: EdgeSite[]): Promise<EdgeDiff> {
    checkHostSettings(host);
    checkSites(sites);
    await this.requireRunning(engine);
    const observed = await this.readConfig(engine);
    return diffEdge(edgeBaseConfig(this.options, host), sites.map(renderSite), observed.config);
  }

  async observe(engine: EngineEndpoint): Promise<ObservedEdge> {
    const state = await this.requireRunning(engine);
    const observed = await this.readConfig(engine);
    return {
      base: findList(observed.config, 'sites') && findList(observed.config, 'allow') ? 'present' : 'missing',
      sites: observedSites(observed.config),
      networks: state.networks.flatMap((network) => (network.tenantId ? [{ name: network.name, tenantId: network.tenantId }] : [])),
    };
  }

  // ---- one tenant ----------------------------------------------------------------------

  async applySite(engine: EngineEndpoint, site: EdgeSite): Promise<ApplySiteReport> {
    const rendered = renderSite(site);
    const state = await this.requireRunning(engine);
    let network: ApplySiteReport['network'] = 'unchanged';
    const attached = state.networks.some((n) => n.name === rendered.network && n.tenantId === site.tenantId);
    if (rendered.network && !attached) {
      const joined = await this.runtime.connectSystemContainer(engine, this.ref, { name: rendered.network, tenantId: site.tenantId });
      if (joined) network = 'connected';
    }
    // the two objects are independent: both admin calls at once (Caddy serialises the changes; an unchanged one costs no reload)
    const [siteResult, allow] = await Promise.all([
      this.put(engine, 'sites', rendered.site),
      rendered.allow
        ? this.put(engine, 'allow', rendered.allow)
        : this.deleteObject(engine, allowId(site.tenantId)).then((removed): ApplySiteReport['allow'] => (removed ? 'removed' : 'none')),
    ]);
    if (!rendered.network) {
      for (const attached of state.networks.filter((n) => n.tenantId === site.tenantId)) {
        if (await this.runtime.disconnectSystemContainer(engine, this.ref, attached.name)) network = 'disconnected';
      }
    }
    this.logger.log(`edge ${this.options.name}: site of tenant ${site.tenantId} ${siteResult} (${site.state})`);
    return { tenantId: site.tenantId, site: siteResult, allow, network };
  }

  async removeSite(engine: EngineEndpoint, tenantId: string): Promise<boolean> {
    const problem = tenantIdProblem(tenantId);
    if (problem) throw ValidationFailedError.field('tenantId', inputProblem(problem));
    const state = await this.requireRunning(engine);
    const removedSite = await this.deleteObject(engine, siteId(tenantId));
    const removedAllow = await this.deleteObject(engine, allowId(tenantId));
    let left = false;
    for (const attached of state.networks.filter((n) => n.tenantId === tenantId)) {
      left = (await this.runtime.disconnectSystemContainer(engine, this.ref, attached.name)) || left;
    }
    if (removedSite || removedAllow) this.logger.log(`edge ${this.options.name}: site of tenant ${tenantId} removed`);
    return removedSite || removedAllow || left;
  }

  async connectNetwork(engine: EngineEndpoint, network: { name: string; tenantId: string }): Promise<boolean> {
    return this.runtime.connectSystemContainer(engine, this.ref, network);
  }

  async disconnectNetwork(engine: EngineEndpoint, networkName: string): Promise<boolean> {
    return this.runtime.disconnectSystemContainer(engine, this.ref, networkName);
  }

  // ---- certificates --------------------------------------------------------------------

  async rootCertificate(engine: EngineEndpoint): Promise<string> {
    if (this.options.issuer.kind !== 'internal') {
      throw new EdgeError('edge.no_internal_ca', `Edge ${this.options.name} uses an ACME CA; its certificates are trusted without a root of ours`);
    }
    await this.requireRunning(engine);
    const response = await this.expectOk(engine, { method: 'GET', path: '/pki/ca/local' });
    const root = (JSON.parse(response.body) as { root_certificate?: unknown }).root_certificate;
    if (typeof root !== 'string' || !root.includes('BEGIN CERTIFICATE')) throw new EdgeError('edge.admin_refused', 'Edge answered without a root certificate');
    return root;
  }

  async certificateFor(engine: EngineEndpoint, hostName: string, options: { obtain?: boolean } = {}): Promise<EdgeCertificate> {
    const problem = hostNameProblem(hostName);
    if (problem) throw ValidationFailedError.field('hostName', inputProblem(problem));
    await this.requireRunning(engine);
    let found = await this.readCertificate(engine, hostName);
    if (!found && options.obtain) {
      await this.handshake(engine, hostName);
      for (let attempt = 0; !found && attempt < 20; attempt++) {
        found = await this.readCertificate(engine, hostName);
        if (!found) await sleep(250);
      }
    }
    if (!found) throw new EdgeError('edge.certificate_missing', `Edge ${this.options.name} holds no certificate for ${hostName}`);
    return found;
  }

  /** The newest valid certificate for the name among the issuers' folders in Caddy's storage. */
  private async readCertificate(engine: EngineEndpoint, hostName: string): Promise<EdgeCertificate | null> {
    const listed = await this.exec(engine, ['find', CERTIFICATES_DIR, '-mindepth', '2', '-maxdepth', '2', '-type', 'd', '-name', hostName]);
    if (listed.exitCode !== 0 && !/No such file/.test(listed.stderr)) {
      throw new EdgeError('edge.unavailable', `Listing certificates in edge ${this.options.name} failed: ${listed.stderr.trim()}`);
    }
    let best: EdgeCertificate | null = null;
    for (const dir of listed.stdout.split('\n').filter((line) => line.startsWith(`${CERTIFICATES_DIR}/`))) {
      const issuer = dir.slice(CERTIFICATES_DIR.length + 1).split('/')[0];
      const files = await this.exec(engine, ['cat', `${dir}/${hostName}.crt`, `${dir}/${hostName}.key`]);
      if (files.exitCode !== 0) continue; // being written right now; the next look finds it
      const certificate = parseCertificateFiles(files.stdout, hostName, issuer);
      if (certificate && (!best || certificate.notAfter > best.notAfter)) best = certificate;
    }
    return best;
  }

  /** A TLS handshake for the name from inside the edge: on-demand TLS then gets the certificate. */
  private async handshake(engine: EngineEndpoint, hostName: string): Promise<void> {
    const trust = this.options.issuer.kind === 'internal' ? ['--cacert', INTERNAL_ROOT_CERTIFICATE] : [];
    const result = await this.exec(engine, [
      'curl', '--silent', '--show-error', '--output', '/dev/null', '--max-time', '60',
      '--connect-to', `${hostName}:443:127.0.0.1:${EDGE_IMAGE.httpsPort}`, ...trust, `https://${hostName}/`,
    ]);
    if (result.exitCode !== 0) {
      throw new EdgeError(
        'edge.certificate_refused',
        `Edge ${this.options.name} could not get a certificate for ${hostName} (is it a host with certificate: true?): ${result.stderr.trim()}`,
      );
    }
  }

  // ---- admin API ---------------------------------------------------------------------

  private async requireRunning(engine: EngineEndpoint): Promise<SystemContainerState> {
    const state = await this.runtime.inspectSystemContainer(engine, this.ref);
    if (!state || !state.running) {
      throw new EdgeError('edge.unavailable', `Edge ${this.options.name} is ${state ? state.state : 'missing'} on ${engine.name}: ensureEdge (or reconcile) repairs it`);
    }
    return state;
  }

  private exec(engine: EngineEndpoint, argv: string[], stdin?: Buffer, timeoutMs = this.options.adminTimeoutMs) {
    return this.runtime.execInSystemContainer(engine, this.ref, argv, { stdin, timeoutMs: timeoutMs + 5_000, maxOutputBytes: MAX_ADMIN_OUTPUT });
  }

  private async admin(engine: EngineEndpoint, request: AdminRequest, timeoutMs = this.options.adminTimeoutMs): Promise<AdminResponse> {
    const result = await this.exec(engine, adminArgv(request, timeoutMs / 1000), adminStdin(request), timeoutMs);
    return parseAdminResponse(request, result);
  }

  /** The request, which must succeed (2xx); 412 means the config changed under us. */
  private async expectOk(engine: EngineEndpoint, request: AdminRequest): Promise<AdminResponse> {
    const response = await this.admin(engine, request);
    if (response.status >= 200 && response.status < 300) return response;
    const message = `Edge admin API refused ${request.method} ${request.path}: HTTP ${response.status}: ${adminErrorMessage(response)}`;
    throw new EdgeError(response.status === 412 ? 'edge.concurrent_change' : 'edge.admin_refused', message, { status: response.status });
  }

  private async readConfig(engine: EngineEndpoint): Promise<ObservedConfig> {
    const response = await this.expectOk(engine, { method: 'GET', path: '/config/' });
    return { config: response.body.trim() ? JSON.parse(response.body) : null, etag: response.headers.etag };
  }

  /** Replaces the whole config in one reload; with the Etag read before, only if nobody changed it meanwhile. */
  private async loadConfig(engine: EngineEndpoint, config: JsonObject, etag: string | undefined): Promise<void> {
    await this.expectOk(engine, { method: 'POST', path: '/config/', body: config, ...(etag ? { ifMatch: etag } : {}) });
  }

  /** Replaces the object with this @id, or appends it to its list when it is not there yet. */
  private async put(engine: EngineEndpoint, list: 'sites' | 'allow', value: JsonObject): Promise<'added' | 'updated'> {
    const id = value['@id'] as string;
    const replaced = await this.admin(engine, { method: 'PATCH', path: `/id/${id}`, body: value });
    if (replaced.status >= 200 && replaced.status < 300) return 'updated';
    if (replaced.status !== 404) {
      throw new EdgeError('edge.admin_refused', `Edge admin API refused PATCH /id/${id}: HTTP ${replaced.status}: ${adminErrorMessage(replaced)}`, { status: replaced.status });
    }
    await this.expectOk(engine, { method: 'POST', path: LISTS[list].appendPath, body: value });
    return 'added';
  }

  private async deleteObject(engine: EngineEndpoint, id: string): Promise<boolean> {
    const response = await this.admin(engine, { method: 'DELETE', path: `/id/${id}` });
    if (response.status >= 200 && response.status < 300) return true;
    if (response.status === 404) return false;
    throw new EdgeError('edge.admin_refused', `Edge admin API refused DELETE /id/${id}: HTTP ${response.status}: ${adminErrorMessage(response)}`, { status: response.status });
  }

  private async applyChange(engine: EngineEndpoint, change: EdgeChange): Promise<void> {
    if (change.op === 'remove') await this.deleteObject(engine, change.id);
    else await this.put(engine, change.list, change.value!);
  }
}

/** Splits `cat <crt> <key>` output into the chain and the key; checks the leaf is for the name. */
export function parseCertificateFiles(text: string, hostName: string, issuer: string): EdgeCertificate | null {
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----\n?/g) ?? [];
  const certificates = blocks.filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----'));
  const key = blocks.find((block) => /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(block));
  if (!certificates.length || !key) return null;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificates[0]);
  } catch {
    return null;
  }
  if (!leaf.checkHost(hostName)) return null;
  const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  return {
    hostName,
    certificatePem: certificates.map(withNewline).join(''),
    privateKeyPem: withNewline(key),
    notAfter: new Date(leaf.validTo),
    issuer,
  };
}
