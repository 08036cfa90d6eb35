import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EdgeProxy } from '#edge';
import { AppConfig } from '#platform';
import { JobQueue } from '#platform/jobs';
import { DomainServingListener, type DomainServingChange } from '../domains/domain-serving.listener.js';
import type { ProbeSettings } from '../domains/readiness/readiness-settings.js';
import { ReadinessSettings } from '../domains/readiness/readiness-settings.js';
import { DockerHost } from '../entities/index.js';

/** What wakes the edge's reconcile loop in the worker (a NOTIFY), from the api or the worker. */
export const EDGE_CHANGED = 'allmende_edge_changed';

/**
 * A custom domain verified or withdrawn: the edge's reconcile loop runs now (in the worker,
 * whichever process verified it), and applies every site of the host from the database.
 */
@Injectable()
export class EdgeDomainServingListener extends DomainServingListener {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
  ) {
    super();
  }

  async servingChanged(_change: DomainServingChange): Promise<void> {
    await this.queue.announce(EDGE_CHANGED, this.dataSource.manager);
  }
}

/** Readiness probes reach the edge on its configured ports; with the internal issuer they trust its CA. */
@Injectable()
export class EdgeReadinessSettings extends ReadinessSettings {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly edge: EdgeProxy,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async forTenant(tenant: { id: string; dockerHostId: string | null }): Promise<ProbeSettings> {
    const settings: ProbeSettings = { httpPort: this.config.edge.httpPort, httpsPort: this.config.edge.httpsPort, timeoutMs: 5_000 };
    if (this.config.edge.issuer.kind !== 'internal' || !tenant.dockerHostId) return settings;
    const host = await this.dataSource.manager.findOne(DockerHost, { where: { id: tenant.dockerHostId } });
    const root = host ? await this.edge.rootCertificate(host).catch(() => undefined) : undefined;
    return root ? { ...settings, ca: [root] } : settings;
  }
}
