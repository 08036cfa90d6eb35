import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { MEMBERSHIP_ROLES, type MembershipRole } from '../entities/index.js';
import { IsName, IsPlainEmail } from '#platform';
import type { Organization } from '../entities/index.js';

export class OwnerInput {
  @ApiProperty({ example: 'chair@gardeners.example' })
  @IsPlainEmail()
  email: string;

  @ApiPropertyOptional({ example: 'Erika Muster' })
  @IsOptional() @IsString() @Length(1, 100) @IsName(100)
  displayName?: string;
}

export class CreateOrganizationInput {
  @ApiProperty({ example: 'Gardeners of Südstadt' })
  @IsString() @Length(2, 100, { message: 'must be 2 to 100 characters' }) @IsName(100)
  name: string;

  @ApiPropertyOptional({ example: 'gardeners-sued', description: 'DNS label; derived from the name when omitted' })
  @IsOptional() @Matches(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, { message: 'must be 1-40 lower-case letters, digits or inner hyphens' })
  slug?: string;

  @ApiProperty({ example: 'board@gardeners.example', description: "Also the apps' admin address" })
  @IsPlainEmail()
  contactEmail: string;

  @ApiProperty({ type: OwnerInput })
  // one owner, an object (an array here used to slip past validation and fail later)
  @IsObject({ message: 'must be an object with the owner\'s email' }) @ValidateNested() @Type(() => OwnerInput)
  owner: OwnerInput;
}

export class UpdateOrganizationInput {
  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(2, 100, { message: 'must be 2 to 100 characters' }) @IsName(100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsPlainEmail()
  contactEmail?: string;
}

export class ChangeRoleInput {
  @ApiProperty({ enum: MEMBERSHIP_ROLES })
  @IsIn(MEMBERSHIP_ROLES, { message: `must be one of ${MEMBERSHIP_ROLES.join(', ')}` })
  role: MembershipRole;
}

/** An organization as the API shows it. */
export interface OrganizationResponse {
  id: string;
  name: string;
  slug: string;
  contactEmail: string;
  createdAt: Date;
  updatedAt: Date;
}

export function toOrganizationResponse({ id, name, slug, contactEmail, createdAt, updatedAt }: Organization): OrganizationResponse {
  return { id, name, slug, contactEmail, createdAt, updatedAt };
}
