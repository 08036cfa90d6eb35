import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { actorOf, actsAsOperator, assertMemberRole, CurrentPrincipal, OperatorOnly, type Principal, RequireScopes } from '#identity';
import { pageRequest, ParseUuidPipe } from '#platform';
import type { Tenant } from '../entities/index.js';
import { toOperationResponse, toTenantResponse } from '../tenants/tenant.dto.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { BackupActions } from './backup-actions.js';
import { BackupSites } from './backup-sites.js';
import { BackupStatusService } from './backup-status.js';
import { CloneRequest, RestoreRequest, toBackupResponse, toDrillResponse, type BackupsResponse } from './backups.dto.js';

/**
 * A tenant's backups for its owners and the operators: what is kept and when the data was last
 * proven to restore; a backup, a restore or a drill now (each an operation with live steps);
 * clones and the failure overview for operators.
 */
@ApiTags('backups')
@ApiBearerAuth()
@Controller('api/v1')
export class BackupsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly status: BackupStatusService,
    private readonly actions: BackupActions,
    private readonly sites: BackupSites,
  ) {}

  @Get('tenants/:tenantId/backups')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'Last successful backup, last verified restore, kept backups and drills (owners and operators)' })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string): Promise<BackupsResponse> {
    const { tenant, operator } = await this.ownTenant(principal, tenantId);
    const [summary, backups, drills] = await Promise.all([this.status.ownerSummary(tenant.id), this.status.backups(tenant.id), this.status.drills(tenant.id)]);
    return {
      summary,
      backups: backups.map((backup) => toBackupResponse(backup, operator)),
      drills: drills.map(toDrillResponse),
      ...(operator ? { sites: await this.status.siteStatus(tenant.id) } : {}),
    };
  }

  @Post('tenants/:tenantId/backups')
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Back up now, on every site (owners and operators); follow the returned operation' })
  async backupNow(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const { tenant } = await this.ownTenant(principal, tenantId);
    return toOperationResponse(await this.actions.backupNow(tenant, principal.accountId));
  }

  @Post('tenants/:tenantId/restores')
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Restore a kept backup into this tenant: safety snapshot, stop, restore, start, health gate; back to the safety snapshot on failure (owners and operators)' })
  async restore(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Body() body: RestoreRequest) {
    const { tenant } = await this.ownTenant(principal, tenantId);
    return toOperationResponse(await this.actions.restore(tenant, body.backupId, actorOf(principal)));
  }

  @Post('tenants/:tenantId/clones')
  @OperatorOnly()
  @ApiOperation({ summary: 'A new tenant of the same club from a kept backup: provisioned, then restored (operators)' })
  async clone(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Body() body: CloneRequest) {
    const source = await this.tenants.get(tenantId);
    const { tenant, provision, restore } = await this.actions.clone(source, body.backupId, body.subdomain, actorOf(principal));
    return { tenant: toTenantResponse(tenant, await this.tenants.planOf(tenant)), provision: toOperationResponse(provision), restore: toOperationResponse(restore) };
  }

  @Post('tenants/:tenantId/drills')
  @HttpCode(201)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Restore the latest backup into a scratch copy, probe it, remove it (owners and operators)' })
  async drill(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const { tenant } = await this.ownTenant(principal, tenantId);
    return toOperationResponse(await this.actions.drillNow(tenant, principal.accountId));
  }

  @Get('backups')
  @OperatorOnly()
  @ApiOperation({ summary: 'The backup sites, and every tenant\'s state per site, the most failures first, a page at a time (?cursor=&limit=, nextCursor); ?failing=true for failures only (operators)' })
  @ApiQuery({ name: 'failing', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  async overview(@Query('failing') failing: string | undefined, @Query('cursor') cursor: string | undefined, @Query('limit') limit: string | undefined) {
    const page = await this.status.sitePage({ failingOnly: failing === 'true' }, pageRequest({ cursor, limit }, ['integer', 'uuid', 'text'] as const));
    return { sites: this.sites.describe(), tenants: page.items, nextCursor: page.nextCursor };
  }

  /** Owners of the club and operators; members and billing members see nothing of backups. */
  private async ownTenant(principal: Principal, tenantId: string): Promise<{ tenant: Tenant; operator: boolean }> {
    const tenant = await this.tenants.get(tenantId);
    const operator = actsAsOperator(principal);
    if (!operator) assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    return { tenant, operator };
  }
}
