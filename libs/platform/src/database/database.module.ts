import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options.js';

/** Injection token for the connection URL, for components with their own pool (the job queue). */
export const DATABASE_URL = Symbol('DATABASE_URL');

/**
 * The connection, set up once by the entry point (root infrastructure, like configuration and
 * logging, hence global). Each library registers the tables it owns with TypeOrmModule.forFeature.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url), autoLoadEntities: true, retryAttempts: 3, retryDelay: 1000 })],
      providers: [{ provide: DATABASE_URL, useValue: url }],
      exports: [TypeOrmModule, DATABASE_URL],
    };
  }
}
