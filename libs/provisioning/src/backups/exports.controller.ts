import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Repository } from 'typeorm';
import { TenantExport } from '../entities/index.js';
import { assertMemberRole, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { NotFoundError, ParseUuidPipe } from '#platform';
import { toOperationResponse } from '../tenants/tenant.dto.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { BackupActions } from './backup-actions.js';
import { BackupStore } from './backup-store.port.js';
import { toExportResponse } from './backups.dto.js';

/** The club's data, whenever its owners want it: one archive for a plain upstream install, streamed to the browser. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1/tenants/:tenantId/exports')
export class ExportsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly actions: BackupActions,
    private readonly store: BackupStore,
    @InjectRepository(TenantExport) private readonly exports: Repository<TenantExport>,
  ) {}

  @Post()
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: "Export the club's data now (owners); follow the returned operation, then download" })
  async start(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    const { export: row, operation } = await this.actions.exportNow(tenant, principal.accountId);
    return { export: toExportResponse(row), operation: toOperationResponse(operation) };
  }

  @Get()
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'The exports of the tenant, newest first (owners)' })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    return (await this.exports.find({ where: { tenantId }, order: { createdAt: 'DESC' }, take: 50 })).map(toExportResponse);
  }

  @Get(':exportId/download')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'The export archive (.tar.gz with a README inside), streamed (owners)' })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('tenantId', ParseUuidPipe) tenantId: string,
    @Param('exportId', ParseUuidPipe) exportId: string,
    @Res() response: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    const row = await this.exports.findOne({ where: { id: exportId, tenantId } });
    if (!row || row.state !== 'completed' || !row.location || !(await this.store.exists(row.location))) throw new NotFoundError('Export');
    const file = row.location.slice(row.location.lastIndexOf('/') + 1);
    response.setHeader('Content-Type', 'application/gzip');
    response.setHeader('Content-Disposition', `attachment; filename="${file}"`);
    if (row.sizeBytes !== null) response.setHeader('Content-Length', String(row.sizeBytes));
    if (row.sha256) response.setHeader('Digest', `sha-256=${Buffer.from(row.sha256, 'hex').toString('base64')}`);
    await pipeline(await this.store.get(row.location), response);
  }
}
