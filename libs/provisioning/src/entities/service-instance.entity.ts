import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ServiceInstanceState } from '#domain';
import { DockerHost } from './docker-host.entity.js';
import { Tenant } from './tenant.entity.js';

/**
 * From the engine's live state, recorded by the reconcile loop: degraded = it runs, but was
 * restarted lately (a crash, the OOM killer); unhealthy = it is down, restarting or failing its check.
 */
export type ServiceHealth = 'unknown' | 'starting' | 'healthy' | 'degraded' | 'unhealthy';

export interface ServiceEndpoint {
  service: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

/** One app of a tenant (its Prosody, its WordPress...), as deployed on one Docker host. */
@Entity('service_instance')
@Index(['tenantId', 'app'], { unique: true })
@Index('IDX_service_instance_app_version', ['app', 'version', 'tenantId'])
export class ServiceInstance {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** Catalog app id: prosody | wordpress | mastodon. */
  @Column({ type: 'varchar', length: 32 })
  app: string;

  /** Template version deployed (or being deployed). */
  @Column({ type: 'varchar', length: 32 })
  version: string;

  @Column({ type: 'varchar', length: 16 })
  state: ServiceInstanceState;

  /** Held at its version: rollouts skip it (an operator's or the club's choice). */
  @Column({ type: 'boolean', default: false })
  pinned: boolean;

  @Column({ type: 'uuid', nullable: true })
  dockerHostId: string | null;

  @ManyToOne(() => DockerHost, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'docker_host_id' })
  dockerHost?: DockerHost | null;

  /** Service name in the template -> Docker container id. */
  @Column({ type: 'jsonb', default: {} })
  containers: Record<string, string>;

  /** Ports Docker published for this app, e.g. XMPP 5222 -> 127.0.0.1:49153, as the edge proxy and clients need them. */
  @Column({ type: 'jsonb', default: [] })
  endpoints: ServiceEndpoint[];

  @Column({ type: 'varchar', length: 16, default: 'unknown' })
  health: ServiceHealth;

  @Column({ type: 'timestamptz', nullable: true })
  healthCheckedAt: Date | null;

  /** What is wrong when not healthy, one line per service (e.g. "web keeps stopping and is being restarted (7 restarts)"). */
  @Column({ type: 'text', nullable: true })
  healthDetail: string | null;

  /** Hash of the DeploymentPlan last applied; drift detection compares it with labels. */
  @Column({ type: 'char', length: 64, nullable: true })
  planHash: string | null;

  /** Generated secrets (DB passwords, app keys), sealed with the platform key. */
  @Column({ type: 'text', nullable: true, select: false })
  sealedSecrets: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
