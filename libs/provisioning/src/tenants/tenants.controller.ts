import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PlansService } from '#catalog';
import { actorOf, actsAsOperator, assertOrganizationAccess, CurrentPrincipal, OperatorOnly, OrganizationRoles, type Principal, RequireScopes } from '#identity';
import { announceNextPage, InvalidStateError, pageRequest, ParseUuidPipe } from '#platform';
import { FleetQueries } from '../fleet/fleet-queries.js';
import { OperationsService } from '../operations/operations.service.js';
import { tenantHealth } from './tenant-health.js';
import { CreateTenantInput, toDomainResponse, toOperationResponse, toTenantResponse, type TenantDetailsResponse, type TenantResponse } from './tenant.dto.js';
import { TenantLifecycleService } from './tenant-lifecycle.service.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly operations: OperationsService,
    private readonly plans: PlansService,
    private readonly fleet: FleetQueries,
  ) {}

  @Post('tenants')
  @OperatorOnly()
  @ApiOperation({ summary: 'Create a tenant for an organization and start provisioning it (operators)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() input: CreateTenantInput) {
    const { tenant, operation } = await this.lifecycle.createAndProvision({ ...input, allowRetiredPlan: true }, actorOf(principal));
    return { tenant: await this.response(tenant.id), operation: operation && toOperationResponse(operation) };
  }

  @Post('tenants/:tenantId/reconcile')
  @OperatorOnly()
  @ApiOperation({ summary: 'Compare the tenant with its plan now and fix differences (operators)' })
  async reconcile(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    const operation = await this.operations.start({ kind: 'reconcile', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: principal.accountId });
    return toOperationResponse(operation);
  }

  @Post('tenants/:tenantId/recreate')
  @OperatorOnly()
  @ApiOperation({ summary: "Remove and create again every container of a running tenant from its plan; volumes and data stay (operators)" })
  async recreate(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    if (tenant.state !== 'active' && tenant.state !== 'past_due') {
      throw new InvalidStateError('tenant.not_running', `Only a running tenant's containers can be recreated; this one is ${tenant.state}`);
    }
    const operation = await this.operations.start({ kind: 'recreate', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: principal.accountId });
    return toOperationResponse(operation);
  }

  @Post('tenants/:tenantId/retry')
  @OperatorOnly()
  @ApiOperation({ summary: 'Provision a failed tenant again (operators)' })
  async retry(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const { operation } = await this.lifecycle.transition(tenantId, 'retry_provisioning', actorOf(principal));
    return operation && toOperationResponse(operation);
  }

  @Get('organizations/:orgId/tenants')
  @RequireScopes('tenants:read')
  @OrganizationRoles('owner', 'billing', 'member')
  async list(@Param('orgId', ParseUuidPipe) orgId: string): Promise<TenantResponse[]> {
    const tenants = await this.tenants.listForOrganization(orgId);
    const plans = await this.plans.byIds(tenants.map((tenant) => tenant.planId));
    return tenants.map((tenant) => toTenantResponse(tenant, plans.get(tenant.planId)));
  }

  @Get('tenants/:tenantId')
  @RequireScopes('tenants:read')
  async get(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string): Promise<TenantDetailsResponse> {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, undefined, 'Tenant');
    // where a club's apps run (host, published ports) is for its owners and the operators
    const seesHosting = actsAsOperator(principal) || principal.memberships.get(tenant.organizationId) === 'owner';
    const services = await this.tenants.services(tenant.id);
    const response = {
      ...toTenantResponse(tenant, await this.tenants.planOf(tenant)),
      health: tenantHealth(services),
      domains: (await this.tenants.domains(tenant.id)).map(toDomainResponse),
      services,
    };
    return seesHosting ? response : { ...response, dockerHostId: null, services: response.services.map((service) => ({ ...service, endpoints: [] })) };
  }

  @Get('tenants/:tenantId/operations')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: "The tenant's operations, newest first, a page at a time (?cursor=&limit=, 1 to 200, default 50; the next page in the Link header)" })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async listOperations(
    @CurrentPrincipal() principal: Principal,
    @Param('tenantId', ParseUuidPipe) tenantId: string,
    @Query('cursor') cursor: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, undefined, 'Tenant');
    const page = await this.fleet.operationsOf(tenant.id, pageRequest({ cursor, limit }, ['timestamp', 'uuid'] as const));
    announceNextPage(request, response, page.nextCursor);
    return page.items;
  }

  private async response(tenantId: string): Promise<TenantResponse> {
    const tenant = await this.tenants.get(tenantId);
    return toTenantResponse(tenant, await this.tenants.planOf(tenant));
  }
}
