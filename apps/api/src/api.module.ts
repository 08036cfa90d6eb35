import { DynamicModule, Module } from '@nestjs/common';
import { BillingModule } from '#billing';
import { CatalogModule } from '#catalog';
import { IdentityModule } from '#identity';
import { AppConfig, ConfigModule, LoggingModule } from '#platform';
import { DatabaseModule } from '#platform/database';
import { ProvisioningModule } from '#provisioning';
import { StorefrontModule } from '#storefront';
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
        CatalogModule,
        ProvisioningModule,
        BillingModule,
        StorefrontModule,
      ],
      controllers: [HealthController],
    };
  }
}
