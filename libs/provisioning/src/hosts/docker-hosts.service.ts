import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Not, Repository } from 'typeorm';
import { AuditActor, AuditLog } from '#domain';
import { DockerHost, DockerHostState } from '../entities/index.js';
import { AppConfig, ConflictError, NotFoundError, type Page, type PageRequest, pageOf, problem } from '#platform';
import type { ProvisioningProblemCode } from '../problems.js';
import { ContainerRuntime, type EngineStatus } from '#runtime';

export interface HostCheck {
  id: string;
  name: string;
  endpoint: string;
  state: DockerHostState;
  status: EngineStatus;
  /** The edge as its last reconcile found it (the worker's loop). */
  edge: { state: DockerHost['edgeState']; error: string | null };
}

/** The registry of Docker hosts: seeded from configuration, managed by operators through the API. */
@Injectable()
export class DockerHostsService {
  private readonly logger = new Logger(DockerHostsService.name);

  constructor(
    @InjectRepository(DockerHost) private readonly hosts: Repository<DockerHost>,
    private readonly runtime: ContainerRuntime,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  /** Adds the configured hosts that are not registered yet; never changes ones an operator edited. */
  async registerConfigured(): Promise<void> {
    for (const host of this.config.dockerHosts) {
      await this.hosts
        .createQueryBuilder()
        .insert()
        .into(DockerHost)
        .values({ name: host.name, endpoint: host.endpoint })
        .orIgnore()
        .execute();
    }
  }

  /** Hosts by name, a page at a time (operators' list); the cursor is the last name seen (names are unique). */
  async page(request: PageRequest<[string]>): Promise<Page<DockerHost>> {
    const hosts = await this.hosts.find({ where: request.after ? { name: MoreThan(request.after[0]) } : {}, order: { name: 'ASC' }, take: request.limit + 1 });
    return pageOf(hosts, request.limit, (host) => [host.name]);
  }

  async get(id: string): Promise<DockerHost> {
    const host = await this.hosts.findOne({ where: { id } });
    if (!host) throw new NotFoundError('Docker host', id);
    return host;
  }

  async create(input: { name: string; endpoint: string; capacity?: number; publishIp?: string }, actor: AuditActor): Promise<DockerHost> {
    if (await this.hosts.exists({ where: { name: input.name } })) {
      throw new ConflictError('docker_host.name_taken', `A Docker host named "${input.name}" exists`, { name: problem<ProvisioningProblemCode>('docker_host.name_taken') });
    }
    const host = await this.hosts.save(this.hosts.create({ name: input.name, endpoint: input.endpoint, capacity: input.capacity ?? 50, publishIp: input.publishIp ?? null }));
    await this.audit.record({ actor, action: 'docker_host.created', target: { type: 'docker_host', id: host.id }, details: { name: host.name, endpoint: host.endpoint } });
    return host;
  }

  async update(id: string, input: { capacity?: number; state?: DockerHostState; publishIp?: string | null }, actor: AuditActor): Promise<DockerHost> {
    const host = await this.get(id);
    Object.assign(host, input);
    await this.hosts.save(host);
    await this.audit.record({ actor, action: 'docker_host.updated', target: { type: 'docker_host', id }, details: { ...input } });
    return host;
  }

  /** Pings every host that is not disabled, without writing anything (readiness probes call it often). */
  async pingAll(timeoutMs = 3000): Promise<HostCheck[]> {
    const hosts = await this.hosts.find({ where: { state: Not('disabled') } });
    return Promise.all(
      hosts.map(async (host) => ({
        id: host.id,
        name: host.name,
        endpoint: host.endpoint,
        state: host.state,
        status: await this.runtime.ping(host, timeoutMs),
        edge: { state: host.edgeState, error: host.edgeError },
      })),
    );
  }

  /** Pings every host that is not disabled and records what it saw, for operators (the worker's monitor). */
  async checkAll(timeoutMs = 3000): Promise<HostCheck[]> {
    const checks = await this.pingAll(timeoutMs);
    for (const { id, status } of checks) {
      const seen: Partial<DockerHost> = status.reachable
        ? { lastSeenAt: new Date(), engineVersion: status.version ?? null, lastError: null }
        : { lastError: status.error ?? 'unreachable' };
      await this.hosts.update(id, seen).catch((error) => this.logger.warn(`could not record host check: ${error}`));
    }
    return checks;
  }
}
