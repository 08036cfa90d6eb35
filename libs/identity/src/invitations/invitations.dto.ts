import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { type InvitedRole } from './invitations.service.js';

export const INVITED_ROLES: InvitedRole[] = ['billing', 'member'];

export class InviteInput {
  @ApiProperty({ example: 'treasurer@gardeners.example' })
  @IsEmail({}, { message: 'must be an email address' }) @MaxLength(254)
  email: string;

  @ApiProperty({ enum: INVITED_ROLES })
  @IsIn(INVITED_ROLES, { message: `must be one of ${INVITED_ROLES.join(', ')}` })
  role: InvitedRole;
}
