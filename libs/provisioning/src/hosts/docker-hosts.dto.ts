import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsIP, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import type { DockerHost, DockerHostState } from '../entities/index.js';

export const HOST_STATES: DockerHostState[] = ['active', 'draining', 'unreachable', 'disabled'];

export class CreateDockerHostInput {
  @ApiProperty({ example: 'fsn-2' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: 'must be 1-31 lower-case letters, digits or hyphens' })
  name: string;

  @ApiProperty({ example: 'tcp://10.0.0.2:2375' })
  @Matches(/^(unix:\/\/\/[A-Za-z0-9._/-]+|(tcp|http|https):\/\/[A-Za-z0-9.-]+:\d{1,5})$/, { message: 'must be unix:///path/docker.sock or tcp://host:port' })
  endpoint: string;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  capacity?: number;

  @ApiPropertyOptional({ example: '203.0.113.7', description: "Where the host's edge (80/443) and tenants' XMPP ports bind: its public address. Default ALLMENDE_PUBLISH_IP." })
  @IsOptional() @IsIP(undefined, { message: 'must be an IP address, e.g. the host\'s public address or 0.0.0.0' })
  publishIp?: string;
}

export class UpdateDockerHostInput {
  @ApiPropertyOptional()
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  capacity?: number;

  @ApiPropertyOptional({ enum: HOST_STATES })
  @IsOptional() @IsIn(HOST_STATES, { message: `must be one of ${HOST_STATES.join(', ')}` })
  state?: DockerHostState;

  @ApiPropertyOptional({ nullable: true, description: 'null: back to ALLMENDE_PUBLISH_IP. The edge and the XMPP containers move to it on the next reconcile.' })
  @ValidateIf((_input, value) => value !== null) @IsOptional() @IsIP(undefined, { message: 'must be an IP address or null' })
  publishIp?: string | null;
}

/** A Docker host as operators see it. */
export interface DockerHostResponse {
  id: string;
  name: string;
  endpoint: string;
  capacity: number;
  state: DockerHostState;
  engineVersion: string | null;
  lastSeenAt: Date | null;
  lastError: string | null;
  publishIp: string | null;
  /** What the edge's last reconcile found. */
  edge: { state: DockerHost['edgeState']; error: string | null; checkedAt: Date | null };
  createdAt: Date;
  updatedAt: Date;
}

export function toDockerHostResponse(host: DockerHost): DockerHostResponse {
  const { id, name, endpoint, capacity, state, engineVersion, lastSeenAt, lastError, publishIp, createdAt, updatedAt } = host;
  return { id, name, endpoint, capacity, state, engineVersion, lastSeenAt, lastError, publishIp, edge: { state: host.edgeState, error: host.edgeError, checkedAt: host.edgeCheckedAt }, createdAt, updatedAt };
}
