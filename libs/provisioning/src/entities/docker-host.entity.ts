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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
