import { DynamicModule, Module } from '@nestjs/common';
import { BillingModule } from '#billing';
import { CatalogModule } from '#catalog';
import { DatabaseModule } from '#domain';
import { IdentityModule } from '#identity';
import { ProvisioningModule } from '#provisioning';
import { AppConfig, ConfigModule, LoggingModule } from '#platform';
import { RuntimeModule } from '#runtime/docker';
import { HealthController } from './health/health.controller.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config, 'api'),
        LoggingModule.forRoot(config, 'api'),
        DatabaseModule.forRoot(databaseUrl),
        IdentityModule,
        RuntimeModule,
        CatalogModule,
        ProvisioningModule,
        BillingModule,
      ],
      controllers: [HealthController],
    };
  }
}
