import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { RolloutState, RolloutTargetState, UpgradeRollout, UpgradeRolloutTarget } from '../entities/index.js';

const APP = /^[a-z][a-z0-9-]{0,31}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$/;

export class FleetSelectionInput {
  @ApiPropertyOptional({ description: 'Only these tenants' })
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsUUID('all', { each: true, message: 'must be tenant ids (UUIDs)' })
  tenantIds?: string[];

  @ApiPropertyOptional({ example: ['0.12'], description: 'Only tenants running one of these versions' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @Matches(VERSION, { each: true, message: 'must be version strings' })
  fromVersions?: string[];

  @ApiPropertyOptional({ description: 'Only tenants on these Docker hosts' })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsUUID('all', { each: true, message: 'must be Docker host ids (UUIDs)' })
  hostIds?: string[];

  @ApiPropertyOptional({ example: ['active'], description: 'Only tenants in these states' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @Matches(/^[a-z_]{1,24}$/, { each: true, message: 'must be tenant states' })
  states?: string[];
}

export class UpgradeTarget {
  @ApiProperty({ example: 'prosody' })
  @IsString() @Matches(APP, { message: 'must be an app id such as prosody' })
  app!: string;

  @ApiProperty({ example: '13.0', description: 'The version to upgrade to' })
  @IsString() @Matches(VERSION, { message: 'must be a version such as 13.0' })
  to!: string;
}

export class UpgradePlanRequest extends UpgradeTarget {
  @ApiPropertyOptional({ type: FleetSelectionInput })
  @IsOptional() @ValidateNested() @Type(() => FleetSelectionInput)
  selection?: FleetSelectionInput;
}

export class RolloutRequestInput extends UpgradePlanRequest {
  @ApiPropertyOptional({ default: 1, description: 'Tenants in the first (canary) batch' })
  @IsOptional() @IsInt() @Min(1) @Max(100)
  canarySize?: number;

  @ApiPropertyOptional({ default: 5, description: 'Tenants per later batch' })
  @IsOptional() @IsInt() @Min(1) @Max(500)
  batchSize?: number;

  @ApiPropertyOptional({ default: 300, description: 'Seconds of watching health between batches' })
  @IsOptional() @IsInt() @Min(0) @Max(7 * 24 * 3600)
  pauseSeconds?: number;

  @ApiPropertyOptional({ default: 0, description: 'Failed upgrades tolerated; one more stops the rollout' })
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  maxFailures?: number;

  @ApiPropertyOptional({ default: false, description: 'A security update: maintenance windows do not hold it back' })
  @IsOptional() @IsBoolean()
  urgent?: boolean;
}

export class RolloutControl {
  @ApiProperty({ enum: ['pause', 'resume', 'abort'] })
  @IsIn(['pause', 'resume', 'abort'], { message: 'must be pause, resume or abort' })
  action!: 'pause' | 'resume' | 'abort';
}

export class PinRequest {
  @ApiProperty({ description: 'true holds the app at its version; false lets rollouts upgrade it' })
  @IsBoolean()
  pinned!: boolean;
}

export class MaintenanceWindowInput {
  @ApiProperty({ example: 2, description: 'ISO weekday, 1 = Monday ... 7 = Sunday (UTC)' })
  @IsInt() @Min(1) @Max(7)
  weekday!: number;

  @ApiProperty({ example: 2, description: 'Hour it opens, 0-23 (UTC)' })
  @IsInt() @Min(0) @Max(23)
  hour!: number;

  @ApiPropertyOptional({ example: 3, default: 3, description: 'Hours it stays open, 1-12' })
  @IsOptional() @IsInt() @Min(1) @Max(12)
  hours?: number;
}

export class MaintenanceWindowRequest {
  @ApiPropertyOptional({ type: MaintenanceWindowInput, nullable: true, description: 'null: any time' })
  @IsOptional() @ValidateNested() @Type(() => MaintenanceWindowInput)
  window!: MaintenanceWindowInput | null;
}

export interface RolloutResponse {
  id: string;
  app: string;
  toVersion: string;
  state: RolloutState;
  reason: string | null;
  canarySize: number;
  batchSize: number;
  pauseSeconds: number;
  maxFailures: number;
  urgent: boolean;
  batchesStarted: number;
  counts: Record<RolloutTargetState, number>;
  createdAt: Date;
  finishedAt: Date | null;
  targets?: { tenantId: string; fromVersion: string; batch: number | null; state: RolloutTargetState; operationId: string | null; reason: string | null }[];
}

export function toRolloutResponse(rollout: UpgradeRollout, targets: UpgradeRolloutTarget[], withTargets: boolean): RolloutResponse {
  const counts: Record<RolloutTargetState, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const target of targets) counts[target.state] += 1;
  const { id, app, toVersion, state, reason, canarySize, batchSize, pauseSeconds, maxFailures, urgent, batchesStarted, createdAt, finishedAt } = rollout;
  return {
    id, app, toVersion, state, reason, canarySize, batchSize, pauseSeconds, maxFailures, urgent, batchesStarted, counts, createdAt, finishedAt,
    ...(withTargets ? { targets: targets.map(({ tenantId, fromVersion, batch, state, operationId, reason }) => ({ tenantId, fromVersion, batch, state, operationId, reason })) } : {}),
  };
}
