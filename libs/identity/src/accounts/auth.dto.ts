import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';

export class LoginInput {
  @ApiProperty({ example: 'chair@gardeners.example' })
  @IsEmail({}, { message: 'must be an email address' }) @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString() @MaxLength(200)
  password: string;
}
