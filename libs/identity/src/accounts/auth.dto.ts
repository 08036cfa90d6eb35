import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsPlainEmail } from '#platform';

export class LoginInput {
  @ApiProperty({ example: 'chair@gardeners.example' })
  @IsPlainEmail()
  email: string;

  @ApiProperty()
  @IsString() @MaxLength(200)
  password: string;
}
