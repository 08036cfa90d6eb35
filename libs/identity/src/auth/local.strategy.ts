import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import type { Account } from '../entities/index.js';
import { AccountsService } from '../accounts/accounts.service.js';

/** Email + password, for the login endpoint only. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly accounts: AccountsService) {
    super({ usernameField: 'email', passwordField: 'password', session: false, passReqToCallback: true });
  }

  async validate(request: Request, email: string, password: string): Promise<Account | false> {
    return (await this.accounts.authenticate(email, password, request.ip)) ?? false;
  }
}
