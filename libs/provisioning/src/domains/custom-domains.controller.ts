import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorOf, assertOrganizationAccess, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe } from '#platform';
import { RateLimits } from '#platform/limits';
import { TenantsService } from '../tenants/tenants.service.js';
import { AddDomainInput, type DomainStatusResponse, toDomainStatusResponse, toVerificationResponse, type VerificationResponse } from './custom-domains.dto.js';
import { CustomDomainsService } from './custom-domains.service.js';
import { spendDomainCheck } from './request-limits.js';

@ApiTags('domains')
@ApiBearerAuth()
@Controller('api/v1/tenants/:tenantId/domains')
export class CustomDomainsController {
  constructor(
    private readonly domains: CustomDomainsService,
    private readonly tenants: TenantsService,
    private readonly limits: RateLimits,
  ) {}

  @Get()
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: "The tenant's domains: state, the DNS records to create, the last check" })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string): Promise<DomainStatusResponse[]> {
    await this.access(principal, tenantId, false);
    return (await this.domains.list(tenantId)).map(toDomainStatusResponse);
  }

  @Post()
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: "Add the club's own domain (owners): pending until DNS proves it" })
  async add(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Body() input: AddDomainInput): Promise<DomainStatusResponse> {
    await this.access(principal, tenantId, true);
    return toDomainStatusResponse(await this.domains.add(tenantId, input.name, actorOf(principal)));
  }

  @Post(':name/verify')
  @HttpCode(200)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Check a custom domain in DNS now (owners)' })
  async verify(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Param('name') name: string): Promise<VerificationResponse> {
    await this.access(principal, tenantId, true);
    await spendDomainCheck(this.limits, tenantId);
    return toVerificationResponse(await this.domains.verifyNow(tenantId, name, actorOf(principal)));
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Remove a custom domain (owners; not the primary one)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Param('name') name: string): Promise<void> {
    await this.access(principal, tenantId, true);
    await this.domains.remove(tenantId, name, actorOf(principal));
  }

  /** Members read; owners (and operators) change. */
  private async access(principal: Principal, tenantId: string, change: boolean): Promise<void> {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, change ? ['owner'] : undefined, 'Tenant');
  }
}
