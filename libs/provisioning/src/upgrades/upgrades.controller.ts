import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { actorOf, actsAsOperator, assertMemberRole, CurrentPrincipal, OperatorOnly, type Principal, RequireScopes } from '#identity';
import { announceNextPage, pageRequest, ParseUuidPipe } from '#platform';
import { toOperationResponse } from '../tenants/tenant.dto.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { MaintenanceWindowRequest, PinRequest, RolloutControl, RolloutRequestInput, toRolloutResponse, UpgradePlanRequest, UpgradeTarget } from './upgrades.dto.js';
import { UpgradesService } from './upgrades.service.js';

/**
 * Upgrades for operators (the dry run, one tenant, fleet rollouts with a canary, pins) and the
 * club's maintenance window for its owners.
 */
@ApiTags('upgrades')
@ApiBearerAuth()
@Controller('api/v1')
export class UpgradesController {
  constructor(
    private readonly upgrades: UpgradesService,
    private readonly tenants: TenantsService,
  ) {}

  @Post('upgrades/plan')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Dry run: per selected tenant from -> to, containers replaced, hooks, downtime estimate, or why it is skipped (operators)' })
  async plan(@Body() body: UpgradePlanRequest) {
    return { app: body.app, to: body.to, tenants: await this.upgrades.plan(body.app, body.to, body.selection ?? {}) };
  }

  @Post('tenants/:tenantId/upgrades')
  @OperatorOnly()
  @ApiOperation({ summary: "Upgrade one app of a tenant now: pre-upgrade backup, new containers, upgrade hooks, health gate, automatic rollback (operators)" })
  async upgradeTenant(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Body() body: UpgradeTarget) {
    return toOperationResponse(await this.upgrades.upgradeTenant(tenantId, body.app, body.to, actorOf(principal)));
  }

  @Post('rollouts')
  @OperatorOnly()
  @ApiOperation({ summary: 'Upgrade a selection of tenants in batches: a canary first, a pause for health between batches, stops by itself past maxFailures (operators)' })
  async createRollout(@CurrentPrincipal() principal: Principal, @Body() body: RolloutRequestInput) {
    const { rollout, targets } = await this.upgrades.createRollout(
      {
        app: body.app, to: body.to, selection: body.selection ?? {},
        canarySize: body.canarySize ?? 1, batchSize: body.batchSize ?? 5, pauseSeconds: body.pauseSeconds ?? 300, maxFailures: body.maxFailures ?? 0, urgent: body.urgent ?? false,
      },
      actorOf(principal),
    );
    return toRolloutResponse(rollout, targets, true);
  }

  @Get('rollouts')
  @OperatorOnly()
  @ApiOperation({ summary: 'Rollouts, newest first, a page at a time: ?cursor=&limit= (1 to 200, default 50), the next page in the Link header (operators)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async listRollouts(
    @Query('cursor') cursor: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const page = await this.upgrades.listRollouts(pageRequest({ cursor, limit }, ['timestamp', 'uuid'] as const));
    announceNextPage(request, response, page.nextCursor);
    return page.items.map(({ rollout, targets }) => toRolloutResponse(rollout, targets, false));
  }

  @Get('rollouts/:rolloutId')
  @OperatorOnly()
  @ApiOperation({ summary: "A rollout's progress: each tenant's batch, state, operation and reason (operators)" })
  async getRollout(@Param('rolloutId', ParseUuidPipe) rolloutId: string) {
    const { rollout, targets } = await this.upgrades.rollout(rolloutId);
    return toRolloutResponse(rollout, targets, true);
  }

  @Post('rollouts/:rolloutId/control')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Pause (running upgrades finish), resume (the next batch starts now) or abort (the rest is skipped) a rollout (operators)' })
  async control(@CurrentPrincipal() principal: Principal, @Param('rolloutId', ParseUuidPipe) rolloutId: string, @Body() body: RolloutControl) {
    const rollout = await this.upgrades.control(rolloutId, body.action, actorOf(principal));
    return toRolloutResponse(rollout, (await this.upgrades.rollout(rollout.id)).targets, false);
  }

  @Put('tenants/:tenantId/apps/:app/pin')
  @HttpCode(204)
  @OperatorOnly()
  @ApiOperation({ summary: 'Hold an app of a tenant at its version (rollouts skip it), or let it go (operators)' })
  async pin(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Param('app') app: string, @Body() body: PinRequest) {
    await this.upgrades.pin(tenantId, app, body.pinned, actorOf(principal));
  }

  @Put('tenants/:tenantId/maintenance-window')
  @HttpCode(204)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: "The club's weekly maintenance window (UTC) for planned upgrades; null: any time (owners and operators)" })
  async maintenanceWindow(@CurrentPrincipal() principal: Principal, @Param('tenantId', ParseUuidPipe) tenantId: string, @Body() body: MaintenanceWindowRequest) {
    const tenant = await this.tenants.get(tenantId);
    if (!actsAsOperator(principal)) assertMemberRole(principal, tenant.organizationId, ['owner'], 'Tenant');
    const window = body.window ? { weekday: body.window.weekday, hour: body.window.hour, hours: body.window.hours ?? 3 } : null;
    await this.upgrades.setWindow(tenant.id, window, actorOf(principal));
  }
}
