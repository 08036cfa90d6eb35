import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { SCOPE_NAMES } from '../auth/scopes.js';

export class CreateTokenInput {
  @ApiProperty({ example: 'backup script' })
  @IsString() @Length(1, 100)
  name: string;

  @ApiProperty({ enum: SCOPE_NAMES, isArray: true })
  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(SCOPE_NAMES.length)
  @IsIn(SCOPE_NAMES, { each: true, message: `each must be one of ${SCOPE_NAMES.join(', ')}` })
  scopes: string[];

  @ApiPropertyOptional({ default: 90, minimum: 1, maximum: 365 })
  @IsOptional() @IsInt() @Min(1) @Max(365)
  expiresInDays?: number;
}
