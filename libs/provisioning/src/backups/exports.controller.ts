import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Repository } from 'typeorm';
import { Backup } from '../entities/index.js';
import { assertMemberRole, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { InvalidStateError, NotFoundError, ParseUuidPipe, problem, ValidationFailedError } from '#platform';
import type { ProvisioningProblemCode } from '../problems.js';
import { OperationsService } from '../operations/operations.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { BackupStore } from './backup-store.port.js';

const FILE = /^(manifest\.json|[a-z0-9-]+\.tar)$/;

/** The club's data, whenever it wants it: start an export, list exports, download their files. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1/tenants/:tenantId')
export class ExportsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly operations: OperationsService,
    private readonly store: BackupStore,
    @InjectRepository(Backup) private readonly backups: Repository<Backup>,
  ) {}

  @Post('exports')
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: "Export the club's data now (owners); follow the returned operation" })
  async start(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    if (!tenant.dockerHostId || !['active', 'past_due', 'suspended'].includes(tenant.state)) {
      throw new InvalidStateError('export.not_possible', `A tenant in state "${tenant.state}" has no data to export yet`);
    }
    return this.operations.start({ kind: 'backup', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: principal.accountId });
  }

  @Get('exports')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'Exports and backups of the tenant (owners)' })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string) {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    const rows = await this.backups.find({ where: { tenantId }, order: { createdAt: 'DESC' } });
    return rows.map(({ id, kind, state, sizeBytes, sha256, createdAt, completedAt, expiresAt }) => ({ id, kind, state, sizeBytes, sha256, createdAt, completedAt, expiresAt }));
  }

  @Get('exports/:backupId/:file')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'Download one file of an export: manifest.json or <app>-<volume>.tar (owners)' })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('tenantId', ParseUuidPipe) tenantId: string,
    @Param('backupId', ParseUuidPipe) backupId: string,
    @Param('file') file: string,
    @Res() response: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(tenantId);
    assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    if (!FILE.test(file)) throw ValidationFailedError.field('file', problem<ProvisioningProblemCode>('export.file'));
    const backup = await this.backups.findOne({ where: { id: backupId, tenantId } });
    if (!backup || backup.state !== 'completed' || !backup.location) throw new NotFoundError('Export');
    const location = backup.location.replace(/manifest\.json$/, file);
    if (!(await this.store.exists(location))) throw new NotFoundError('Export file');
    response.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/x-tar');
    response.setHeader('Content-Disposition', `attachment; filename="${tenant.slug}-${file}"`);
    await pipeline(await this.store.get(location), response);
  }
}
