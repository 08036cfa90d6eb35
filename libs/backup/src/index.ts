// The backup engine: site configuration, per-tenant repositories, schedules (pure), the
// BackupEngine port and its restic adapter (which only needs the ContainerRuntime port).
// The Nest module that binds them to Docker is in ./backup.module.ts, imported as '#backup/module'.
export * from './backup-site.js';
export * from './backup-errors.js';
export * from './backup-engine.port.js';
export * from './repository.js';
export * from './restic-argv.js';
export * from './restic-json.js';
export * from './restic-backup-engine.js';
export * from './schedule.js';
export * from './secret-bundle.js';
export * from './ssh-keys.js';
