import { DynamicModule, Module } from '@nestjs/common';
import { BillingWorkerModule } from '#billing';
import { CatalogModule } from '#catalog';
import { DatabaseModule } from '#domain';
import { AppConfig, ConfigModule, LoggingModule } from '#platform';
import { ProvisioningModule, ProvisioningWorkerModule } from '#provisioning';
import { RuntimeModule } from '#runtime/docker';
import { HostMonitor } from './host-monitor.js';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config, 'worker'), LoggingModule.forRoot(config, 'worker'), DatabaseModule.forRoot(databaseUrl), RuntimeModule, CatalogModule, ProvisioningModule, ProvisioningWorkerModule, BillingWorkerModule],
      providers: [HostMonitor],
    };
  }
}
