import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/** Which entry point this process is: the queue supervises and schedules only in the worker. */
export const PROCESS_ROLE = Symbol('PROCESS_ROLE');
export type ProcessRole = 'api' | 'worker' | 'cli';

/** Makes the validated AppConfig (and the process role) injectable everywhere. The entry point loads it before Nest starts. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, role: ProcessRole = 'cli'): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: PROCESS_ROLE, useValue: role },
      ],
      exports: [AppConfig, PROCESS_ROLE],
    };
  }
}
