import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeModule } from '#runtime/docker';
import { BackupEngine } from './backup-engine.port.js';
import { BACKUP_ENGINE_OPTIONS, ResticBackupEngine, type ResticEngineOverrides } from './restic-backup-engine.js';

/**
 * Binds the BackupEngine port to restic in task containers, on the runtime's Docker adapter.
 * Import BackupModule for the defaults, or BackupModule.withOptions({...}) to change the image,
 * time limits or memory. Imported from '#backup/module' (it loads dockerode; the
 * #backup barrel does not).
 */
@Module({
  imports: [RuntimeModule],
  providers: [{ provide: BackupEngine, useClass: ResticBackupEngine }],
  exports: [BackupEngine],
})
export class BackupModule {
  static withOptions(options: ResticEngineOverrides): DynamicModule {
    return { module: BackupModule, providers: [{ provide: BACKUP_ENGINE_OPTIONS, useValue: options }] };
  }
}
