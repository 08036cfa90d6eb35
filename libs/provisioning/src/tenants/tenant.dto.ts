import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import type { Plan } from '#catalog';
import type { Domain, Operation, ServiceEndpoint, ServiceHealth, Tenant } from '../entities/index.js';

/** A tenant as the API shows it: no optimistic-lock version, no host internals beyond the host id. */
export interface TenantResponse {
  id: string;
  organizationId: string;
  slug: string;
  state: Tenant['state'];
  plan: { code: string; name: string; apps: string[] } | null;
  primaryDomain: string | null;
  dockerHostId: string | null;
  stateChangedAt: Date;
  graceEndsAt: Date | null;
  deleteDataAfter: Date | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DomainResponse {
  name: string;
  kind: Domain['kind'];
  isPrimary: boolean;
  verificationState: Domain['verificationState'];
  verificationToken: string | null;
  verifiedAt: Date | null;
  tlsState: Domain['tlsState'];
}

export interface ServiceResponse {
  id: string;
  app: string;
  version: string;
  state: string;
  /** From the engine's live state at the last reconcile pass: restarts, OOM kills, failing checks. */
  health: ServiceHealth;
  /** What is wrong when not healthy. */
  healthDetail: string | null;
  healthCheckedAt: Date | null;
  endpoints: ServiceEndpoint[];
}

export interface TenantDetailsResponse extends TenantResponse {
  /** The worst of its running services' health: an active tenant can still be degraded or unhealthy. */
  health: ServiceHealth;
  domains: DomainResponse[];
  services: ServiceResponse[];
}

export interface OperationResponse {
  id: string;
  kind: string;
  targetType: string;
  targetId: string;
  organizationId: string | null;
  state: Operation['state'];
  progress: number;
  steps: Operation['steps'];
  error: string | null;
  /** When failed: whether the cause may pass (transient) or needs a person (permanent). */
  failureKind: Operation['failureKind'];
  attempts: number;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export function toTenantResponse(tenant: Tenant, plan: Plan | null | undefined): TenantResponse {
  return {
    id: tenant.id,
    organizationId: tenant.organizationId,
    slug: tenant.slug,
    state: tenant.state,
    plan: plan ? { code: plan.code, name: plan.name, apps: [...plan.apps] } : null,
    primaryDomain: tenant.primaryDomain,
    dockerHostId: tenant.dockerHostId,
    stateChangedAt: tenant.stateChangedAt,
    graceEndsAt: tenant.graceEndsAt,
    deleteDataAfter: tenant.deleteDataAfter,
    failureReason: tenant.failureReason,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

export function toDomainResponse(domain: Domain): DomainResponse {
  const { name, kind, isPrimary, verificationState, verificationToken, verifiedAt, tlsState } = domain;
  return { name, kind, isPrimary, verificationState, verificationToken, verifiedAt, tlsState };
}

export function toOperationResponse(operation: Operation): OperationResponse {
  const { id, kind, targetType, targetId, organizationId, state, progress, steps, error, failureKind, attempts, requestedBy, createdAt, startedAt, finishedAt, updatedAt } = operation;
  return { id, kind, targetType, targetId, organizationId, state, progress, steps, error, failureKind: failureKind ?? null, attempts, requestedBy, createdAt, startedAt, finishedAt, updatedAt };
}

@ValidatorConstraint({ name: 'stringValues' })
class StringValues implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string' && v.length <= 32);
  }

  defaultMessage(): string {
    return 'must map app names to version strings';
  }
}

export class CreateTenantInput {
  @ApiProperty()
  @IsUUID('all', { message: 'must be a UUID' })
  organizationId: string;

  @ApiProperty({ example: 'chat' })
  @IsString() @Length(1, 40)
  planCode: string;

  @ApiPropertyOptional({ example: 'gardeners' })
  @IsOptional() @IsString() @MaxLength(63)
  subdomain?: string;

  @ApiPropertyOptional({ example: 'chat.gardeners.example' })
  @IsOptional() @IsString() @MaxLength(253)
  customDomain?: string;

  @ApiPropertyOptional({ example: { prosody: '0.12' }, description: "Template version per app; each app's default when omitted" })
  @IsOptional() @IsObject() @Validate(StringValues)
  versions?: Record<string, string>;
}
