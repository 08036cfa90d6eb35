import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { AccountsService, IdentityModule } from '#identity';
import { AppConfig, ConfigModule, randomString } from '#platform';
import { DatabaseModule } from '#platform/database';

/** Creates an operator account and prints its generated password once. */
export async function createOperator(config: AppConfig, url: string, email: string, displayName: string | undefined): Promise<void> {
  @Module({ imports: [ConfigModule.forRoot(config, 'cli'), DatabaseModule.forRoot(url), IdentityModule] })
  class OperatorCliModule {}

  const app = await NestFactory.createApplicationContext(OperatorCliModule, { logger: ['error'] });
  try {
    const password = randomString(24, 'readable');
    const account = await app.get(AccountsService).create({ email, displayName, password, isOperator: true });
    process.stdout.write(
      `operator ${account.email} created.\npassword (shown once, store it in your password manager): ${password}\n` +
        `log in: curl -X POST -H 'content-type: application/json' -d '{"email":"${account.email}","password":"..."}' <public-url>/api/v1/auth/login\n`,
    );
  } finally {
    await app.close();
  }
}
