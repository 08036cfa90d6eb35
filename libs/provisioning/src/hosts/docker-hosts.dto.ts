import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
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
}

export class UpdateDockerHostInput {
  @ApiPropertyOptional()
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  capacity?: number;

  @ApiPropertyOptional({ enum: HOST_STATES })
  @IsOptional() @IsIn(HOST_STATES, { message: `must be one of ${HOST_STATES.join(', ')}` })
  state?: DockerHostState;
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
  createdAt: Date;
  updatedAt: Date;
}

export function toDockerHostResponse(host: DockerHost): DockerHostResponse {
  const { id, name, endpoint, capacity, state, engineVersion, lastSeenAt, lastError, createdAt, updatedAt } = host;
  return { id, name, endpoint, capacity, state, engineVersion, lastSeenAt, lastError, createdAt, updatedAt };
}
