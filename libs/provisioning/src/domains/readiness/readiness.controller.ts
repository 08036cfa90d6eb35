import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { assertOrganizationAccess, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe } from '#platform';
import { RateLimits } from '#platform/limits';
import { TenantsService } from '../../tenants/tenants.service.js';
import { type ReadinessResponse, toReadinessResponse } from './readiness.dto.js';
import { spendReadinessRun } from '../request-limits.js';
import { ReadinessService } from './readiness.service.js';

@ApiTags('readiness')
@ApiBearerAuth()
@Controller('api/v1/tenants/:tenantId/readiness')
export class ReadinessController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly tenants: TenantsService,
    private readonly limits: RateLimits,
  ) {}

  @Get()
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: "The tenant's last readiness checks (owners and operators): DNS, HTTPS, the apps' protocols, each with what to fix" })
  async latest(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string): Promise<ReadinessResponse> {
    await this.access(principal, tenantId);
    return toReadinessResponse(tenantId, await this.readiness.latest(tenantId));
  }

  @Post()
  @HttpCode(200)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Run the readiness checks now and answer with them (a few seconds; owners and operators)' })
  async run(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string): Promise<ReadinessResponse> {
    await this.access(principal, tenantId);
    await spendReadinessRun(this.limits, tenantId);
    return toReadinessResponse(tenantId, await this.readiness.run(tenantId, 'request'));
  }

  private async access(principal: Principal, tenantId: string): Promise<void> {
    const tenant = await this.tenants.get(tenantId);
    assertOrganizationAccess(principal, tenant.organizationId, ['owner'], 'Tenant');
  }
}
