import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source.js';

/** Injection token for the connection URL, for components with their own pool (the job queue). */
export const DATABASE_URL = Symbol('DATABASE_URL');

/** TypeORM on the given URL; the entry point resolves the URL (external or embedded) first. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url), retryAttempts: 3, retryDelay: 1000 })],
      providers: [{ provide: DATABASE_URL, useValue: url }],
      exports: [TypeOrmModule, DATABASE_URL],
    };
  }
}
