import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '#platform';
import { BackupEngine } from './backup-engine.port.js';
import { BackupModule } from './backup.module.js';
import { DEFAULT_ENGINE_OPTIONS, ResticBackupEngine, type ResticEngineOptions } from './restic-backup-engine.js';

const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_DATA_DIR: '/tmp/allmende-backup-module-spec' }, '/tmp');
const optionsOf = (engine: BackupEngine) => (engine as unknown as { options: ResticEngineOptions }).options;

describe('BackupModule', () => {
  it('binds the BackupEngine port to the restic adapter on the runtime module', async () => {
    const module = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), BackupModule] }).compile();
    const engine = module.get(BackupEngine);
    expect(engine).toBeInstanceOf(ResticBackupEngine);
    expect(optionsOf(engine)).toEqual(DEFAULT_ENGINE_OPTIONS);
    await module.close();
  });

  it('takes options, merged over the defaults', async () => {
    const module = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), BackupModule.withOptions({ image: 'allmende/restic:next', timeouts: { backupMs: 60_000 } })] }).compile();
    const options = optionsOf(module.get(BackupEngine));
    expect(options.image).toBe('allmende/restic:next');
    expect(options.timeouts).toEqual({ ...DEFAULT_ENGINE_OPTIONS.timeouts, backupMs: 60_000 });
    await module.close();
  });
});
