import { DynamicModule, Module } from '@nestjs/common';
import { BillingWorkerModule } from '#billing';
import { AppConfig, ConfigModule, LoggingModule } from '#platform';
import { DatabaseModule } from '#platform/database';
import { ProvisioningWorkerModule } from '#provisioning';
import { StorefrontWorkerModule } from '#storefront';

/** The worker: runs operations from the queue and the scheduler's tasks (reconcile, hosts, billing, webhooks, mail). */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config, 'worker'),
        LoggingModule.forRoot(config, 'worker'),
        DatabaseModule.forRoot(databaseUrl),
        ProvisioningWorkerModule,
        BillingWorkerModule,
        StorefrontWorkerModule,
      ],
    };
  }
}
