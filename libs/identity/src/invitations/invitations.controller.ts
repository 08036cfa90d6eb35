import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseUuidPipe } from '#platform';
import { actorOf } from '../auth/actor.js';
import { CurrentPrincipal, OrganizationRoles, RequireScopes } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { InvitationsService } from './invitations.service.js';
import { InviteInput } from './invitations.dto.js';

@ApiTags('members')
@ApiBearerAuth()
@Controller('api/v1/organizations/:orgId/invitations')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post()
  @RequireScopes('org:write')
  @OrganizationRoles('owner')
  @ApiOperation({ summary: 'Invite someone by email as billing member or member (owners); the link goes only to them' })
  invite(@CurrentPrincipal() principal: Principal, @Param('orgId', ParseUuidPipe) orgId: string, @Body() input: InviteInput) {
    return this.invitations.invite(orgId, input, actorOf(principal));
  }

  @Get()
  @RequireScopes('org:read')
  @OrganizationRoles('owner')
  @ApiOperation({ summary: 'Invitations not yet accepted, revoked or expired (owners)' })
  list(@Param('orgId', ParseUuidPipe) orgId: string) {
    return this.invitations.pending(orgId);
  }

  @Delete(':invitationId')
  @HttpCode(204)
  @RequireScopes('org:write')
  @OrganizationRoles('owner')
  @ApiOperation({ summary: 'Revoke an invitation (owners)' })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('orgId', ParseUuidPipe) orgId: string, @Param('invitationId', ParseUuidPipe) invitationId: string): Promise<void> {
    await this.invitations.revoke(orgId, invitationId, actorOf(principal));
  }
}
