import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '#domain';
import { ParseUuidPipe } from '#platform';
import { visibleOrganizations } from '../auth/access-policy.js';
import { actorOf } from '../auth/actor.js';
import { CurrentPrincipal, OperatorOnly, OrganizationRoles, RequireScopes } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { ChangeRoleInput, CreateOrganizationInput, type OrganizationResponse, toOrganizationResponse, UpdateOrganizationInput } from './organizations.dto.js';
import { OrganizationsService } from './organizations.service.js';

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
  @ApiOperation({ summary: 'Organizations you belong to (operators: all)' })
  async list(@CurrentPrincipal() principal: Principal): Promise<OrganizationResponse[]> {
    return (await this.organizations.list(visibleOrganizations(principal))).map(toOrganizationResponse);
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
  @ApiOperation({ summary: "The organization's audit log, newest first" })
  auditLog(@Param('orgId', ParseUuidPipe) orgId: string, @Query('limit') limit?: string) {
    const take = Math.min(Math.max(Number(limit) || 100, 1), 500);
    return this.audit.listForOrganization(orgId, take);
  }
}
