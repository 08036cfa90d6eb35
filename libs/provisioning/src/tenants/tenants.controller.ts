import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

@ValidatorConstraint({ name: 'stringValues' })
class StringValues implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string' && v.length <= 32);
  }

  defaultMessage(): string {
    return 'must map app names to version strings';
  }
}
import { actorOf, assertOrganizationAccess, CurrentPrincipal, OperatorOnly, OrganizationRoles, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe } from '#platform';
import { OperationsService } from '../operations/operations.service.js';
import { TenantLifecycleService } from './tenant-lifecycle.service.js';
import { TenantsService } from './tenants.service.js';

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

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly operations: OperationsService,
  ) {}

  @Post('tenants')
  @OperatorOnly()
  @ApiOperation({ summary: 'Create a tenant for an organization and start provisioning it (operators)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() input: CreateTenantInput) {
    const actor = actorOf(principal);
    const tenant = await this.tenants.create({ ...input, allowRetiredPlan: true }, actor);
    const { operation } = await this.lifecycle.transition(tenant.id, 'provision', actor);
    return { tenant: await this.tenants.get(tenant.id), operation };
  }

  @Post('tenants/:tenantId/reconcile')
  @OperatorOnly()
  @ApiOperation({ summary: 'Compare the tenant with its plan now and fix differences (operators)' })
  async reconcile(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    return this.operations.start({ kind: 'reconcile', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: principal.accountId });
  }

  @Post('tenants/:tenantId/retry')
  @OperatorOnly()
  @ApiOperation({ summary: 'Provision a failed tenant again (operators)' })
  async retry(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const { operation } = await this.lifecycle.transition(tenantId, 'retry_provisioning', actorOf(principal));
    return operation;
  }

  @Get('organizations/:orgId/tenants')
  @RequireScopes('tenants:read')
  @OrganizationRoles('owner', 'billing', 'member')
  list(@Param('orgId', ParseUuidPipe) orgId: string) {
    return this.tenants.listForOrganization(orgId);
  }

  @Get('tenants/:tenantId')
  @RequireScopes('tenants:read')
  async get(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, undefined, 'Tenant');
    return { ...tenant, domains: await this.tenants.domains(tenant.id), services: await this.tenants.services(tenant.id) };
  }

  @Get('tenants/:tenantId/operations')
  @RequireScopes('tenants:read')
  async listOperations(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, undefined, 'Tenant');
    return this.operations.listFor(tenant.id);
  }
}
