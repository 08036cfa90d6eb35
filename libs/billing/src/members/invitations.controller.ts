import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { actorOf, CurrentPrincipal, OrganizationRoles, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe } from '#platform';
import { en } from '../texts/en.js';
import { InvitationsService, type InvitedRole } from './invitations.service.js';

const INVITED_ROLES: InvitedRole[] = ['billing', 'member'];

export class InviteInput {
  @ApiProperty({ example: 'treasurer@gardeners.example' })
  @IsEmail({}, { message: 'must be an email address' }) @MaxLength(254)
  email: string;

  @ApiProperty({ enum: INVITED_ROLES })
  @IsIn(INVITED_ROLES, { message: `must be one of ${INVITED_ROLES.join(', ')}` })
  role: InvitedRole;
}

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
    return this.invitations.invite(orgId, input, actorOf(principal), en);
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
