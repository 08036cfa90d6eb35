import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsPlainEmail } from '#platform';
import { type InvitedRole } from './invitations.service.js';

export const INVITED_ROLES: InvitedRole[] = ['billing', 'member'];

export class InviteInput {
  @ApiProperty({ example: 'treasurer@gardeners.example' })
  @IsPlainEmail()
  email: string;

  @ApiProperty({ enum: INVITED_ROLES })
  @IsIn(INVITED_ROLES, { message: `must be one of ${INVITED_ROLES.join(', ')}` })
  role: InvitedRole;
}
