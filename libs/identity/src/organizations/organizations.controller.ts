import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '#domain';
import { announceNextPage, pageRequest, ParseUuidPipe } from '#platform';
import { visibleOrganizations } from '../auth/access-policy.js';
import { actorOf } from '../auth/actor.js';
import { CurrentPrincipal, OperatorOnly, OrganizationRoles, RequireScopes } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { ChangeRoleInput, CreateOrganizationInput, type OrganizationResponse, toOrganizationResponse, UpdateOrganizationInput } from './organizations.dto.js';
import { OrganizationsService } from './organizations.service.js';

/** The audit log pages as it always did: 100 entries unless asked, at most 500. */
const AUDIT_PAGE = { default: 100, max: 500 };

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('api/v1/organizations')
export class OrganizationsController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @RequireScopes('org:read')
  @ApiOperation({ summary: 'Organizations you belong to (operators: all, newest first, a page at a time: ?cursor=&limit=, the next page in the Link header)' })
  @ApiQuery({ name: 'cursor', required: false, description: 'X-Next-Cursor of the previous page (operators)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Rows per page, 1 to 200 (default 50; operators)' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query('cursor') cursor: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrganizationResponse[]> {
    const visible = visibleOrganizations(principal);
    if (visible !== 'all') return (await this.organizations.list(visible)).map(toOrganizationResponse);
    const page = await this.organizations.page(pageRequest({ cursor, limit }, ['timestamp', 'uuid'] as const));
    announceNextPage(request, response, page.nextCursor);
    return page.items.map(toOrganizationResponse);
  }

  @Post()
  @OperatorOnly()
  @ApiOperation({ summary: 'Create an organization with its owner (operators)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() input: CreateOrganizationInput) {
    const { organization, owner } = await this.organizations.create(input, actorOf(principal));
    return { organization: toOrganizationResponse(organization), owner };
  }

  @Get(':orgId')
  @RequireScopes('org:read')
  @OrganizationRoles('owner', 'billing', 'member')
  async get(@Param('orgId', ParseUuidPipe) orgId: string): Promise<OrganizationResponse> {
    return toOrganizationResponse(await this.organizations.get(orgId));
  }

  @Patch(':orgId')
  @RequireScopes('org:write')
  @OrganizationRoles('owner')
  async update(@CurrentPrincipal() principal: Principal, @Param('orgId', ParseUuidPipe) orgId: string, @Body() input: UpdateOrganizationInput): Promise<OrganizationResponse> {
    return toOrganizationResponse(await this.organizations.update(orgId, input, actorOf(principal)));
  }

  @Get(':orgId/members')
  @RequireScopes('org:read')
  @OrganizationRoles('owner', 'billing', 'member')
  members(@Param('orgId', ParseUuidPipe) orgId: string) {
    return this.organizations.members(orgId);
  }

  @Patch(':orgId/members/:membershipId')
  @RequireScopes('org:write')
  @OrganizationRoles('owner')
  changeRole(
    @CurrentPrincipal() principal: Principal,
    @Param('orgId', ParseUuidPipe) orgId: string,
    @Param('membershipId', ParseUuidPipe) membershipId: string,
    @Body() input: ChangeRoleInput,
  ) {
    return this.organizations.changeRole(orgId, membershipId, input.role, actorOf(principal));
  }

  @Delete(':orgId/members/:membershipId')
  @HttpCode(204)
  @RequireScopes('org:write')
  @OrganizationRoles('owner')
  async removeMember(
    @CurrentPrincipal() principal: Principal,
    @Param('orgId', ParseUuidPipe) orgId: string,
    @Param('membershipId', ParseUuidPipe) membershipId: string,
  ): Promise<void> {
    await this.organizations.removeMember(orgId, membershipId, actorOf(principal));
  }

  @Get(':orgId/audit-events')
  @RequireScopes('org:read')
  @OrganizationRoles('owner')
  @ApiOperation({ summary: "The organization's audit log, newest first, a page at a time (?cursor=&limit=, 1 to 500, default 100; the next page in the Link header)" })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async auditLog(
    @Param('orgId', ParseUuidPipe) orgId: string,
    @Query('cursor') cursor: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const page = await this.audit.page({ organizationId: orgId }, pageRequest({ cursor, limit }, ['timestamp', 'uuid'] as const, { sizes: AUDIT_PAGE }));
    announceNextPage(request, response, page.nextCursor);
    return page.items;
  }
}
