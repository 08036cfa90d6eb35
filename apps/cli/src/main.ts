import 'reflect-metadata';
import { Command } from 'commander';
import { resolveDatabaseUrl } from '#platform/database';
import { loadConfigOrExit } from '#platform';
import { stopEmbeddedPostgres } from '#platform/database';
import { revertMigrations, runMigrations } from './commands/migrate.js';
import { createOperator } from './commands/operator.js';
import { startControlPlane } from './commands/start.js';

process.env.ALLMENDE_ROLE ??= 'cli';
const log = (line: string) => process.stdout.write(`allmende: ${line}\n`);

const program = new Command('allmende').description('Allmende control plane');

program
  .command('start')
  .description('run api + worker (embedded Postgres unless DATABASE_URL is set)')
  .action(async () => startControlPlane(loadConfigOrExit(), log));

program
  .command('migrate')
  .description('apply pending database migrations')
  .option('--down', 'revert the last migration instead')
  .option('--all', 'with --down: revert every migration')
  .action(async (options: { down?: boolean; all?: boolean }) => {
    const config = loadConfigOrExit();
    const url = await resolveDatabaseUrl(config, log);
    if (options.down) await revertMigrations(url, !!options.all, log);
    else await runMigrations(url, log);
  });

program
  .command('operator:create')
  .description('create an operator account; prints its password once')
  .requiredOption('--email <email>', 'login email')
  .option('--name <name>', 'display name')
  .action(async (options: { email: string; name?: string }) => {
    const config = loadConfigOrExit();
    await createOperator(config, await resolveDatabaseUrl(config, log), options.email, options.name);
  });

program
  .command('db:stop')
  .description('stop the embedded Postgres server')
  .action(async () => {
    const config = loadConfigOrExit();
    log((await stopEmbeddedPostgres(config.database.embedded.dataDir)) ? 'embedded Postgres stopped' : 'embedded Postgres was not running');
  });

await program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`allmende: ${error.message}\n`);
  process.exit(1);
});
