import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorOf, assertMemberRole, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe } from '#platform';
import { TenantsService } from '../tenants/tenants.service.js';
import { AdminCredentialsService } from './admin-credentials.service.js';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1/tenants/:tenantId/credentials')
export class AdminCredentialsController {
  constructor(
    private readonly credentials: AdminCredentialsService,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: "The club's admin logins (without passwords) and whether they were revealed" })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    return this.credentials.list(tenantId);
  }

  @Post('reveal')
  @HttpCode(200)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Show the admin passwords, once, to an owner of the organization' })
  async reveal(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    return this.credentials.reveal(tenantId, actorOf(principal));
  }
}
