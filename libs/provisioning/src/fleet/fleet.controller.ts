import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { actorOf, CurrentPrincipal, OperatorOnly, type Principal, RequireScopes } from '#identity';
import { announceNextPage, type Page, pageRequest, ParseUuidPipe } from '#platform';
import { OperationRetries } from '../operations/operation-retries.js';
import { toOperationResponse } from '../tenants/tenant.dto.js';
import type { FleetOperationRow, FleetTenantRow } from './fleet.dto.js';
import { FleetQueries } from './fleet-queries.js';

const CREATED_KEY = ['timestamp', 'uuid'] as const;

/** Every club's tenants and operations for operators, a page at a time, and the retry of a failed operation. */
@ApiTags('fleet')
@ApiBearerAuth()
@OperatorOnly()
@Controller('api/v1')
export class FleetController {
  constructor(
    private readonly fleet: FleetQueries,
    private readonly retries: OperationRetries,
  ) {}

  @Get('tenants')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'Tenants of every club, newest first, filtered by state, app, version and host; { items, nextCursor } (operators)' })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'app', required: false })
  @ApiQuery({ name: 'version', required: false })
  @ApiQuery({ name: 'host', required: false, description: 'Docker host id' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  async tenants(@Query() query: Record<string, unknown>, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<Page<FleetTenantRow>> {
    const filter = this.fleet.tenantFilter(query);
    const page = await this.fleet.tenants(filter, pageRequest(query, CREATED_KEY));
    announceNextPage(request, response, page.nextCursor);
    return page;
  }

  @Get('operations')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'Operations of every club, newest first, e.g. ?state=failed&open=true for failures no later run followed; { items, nextCursor } (operators)' })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'open', required: false, description: 'true: only operations no later one of their kind followed; false: only those one did' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async operations(@Query() query: Record<string, unknown>, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<Page<FleetOperationRow>> {
    const filter = this.fleet.operationFilter(query);
    const page = await this.fleet.operations(filter, pageRequest(query, CREATED_KEY));
    announceNextPage(request, response, page.nextCursor);
    return page;
  }

  @Post('operations/:operationId/retry')
  @HttpCode(201)
  @RequireScopes('tenants:write')
  @ApiOperation({ summary: 'Run a failed operation again, through the same checks as the first time; audited (operators). 409 when it cannot run again now' })
  async retry(@CurrentPrincipal() principal: Principal, @Param('operationId', ParseUuidPipe) operationId: string) {
    return toOperationResponse(await this.retries.retry(operationId, actorOf(principal)));
  }
}
