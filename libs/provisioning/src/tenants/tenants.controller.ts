import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
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

  @ApiPropertyOptional({ description: 'Admin email for the apps; defaults to the organization contact' })
  @IsOptional() @Matches(/^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/, { message: 'must be an email address' })
  adminEmail?: string;
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
    return { ...tenant, domains: await this.tenants.domains(tenant.id) };
  }

  @Get('tenants/:tenantId/operations')
  @RequireScopes('tenants:read')
  async listOperations(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, undefined, 'Tenant');
    return this.operations.listFor(tenant.id);
  }
}
