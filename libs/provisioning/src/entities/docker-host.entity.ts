import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type DockerHostState = 'active' | 'draining' | 'unreachable' | 'disabled';

/** A Docker Engine that runs tenants' containers. */
@Entity('docker_host')
export class DockerHost {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 31, unique: true })
  name: string;

  /** unix:///var/run/docker.sock or tcp://host:2376 */
  @Column({ type: 'varchar', length: 255 })
  endpoint: string;

  /** How many tenants the scheduler may place here. */
  @Column({ type: 'integer', default: 50 })
  capacity: number;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  state: DockerHostState;

  @Column({ type: 'varchar', length: 32, nullable: true })
  engineVersion: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  /** Where this host's edge and tenants' published ports bind (its public address); null: ALLMENDE_PUBLISH_IP. */
  @Column({ type: 'varchar', length: 45, nullable: true })
  publishIp: string | null;

  /** What the last edge reconcile found: ok, failed (see edgeError) or unknown (not checked yet). */
  @Column({ type: 'varchar', length: 16, default: 'unknown' })
  edgeState: 'unknown' | 'ok' | 'failed';

  @Column({ type: 'text', nullable: true })
  edgeError: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  edgeCheckedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
