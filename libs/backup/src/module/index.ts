// The Nest module binding the BackupEngine port to restic in task containers (loads dockerode
// through the runtime's adapter): imported by the modules that run backups, not by the barrel.
export * from '../backup.module.js';
