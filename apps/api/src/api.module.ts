import { DynamicModule, Module } from '@nestjs/common';
import { BillingMetrics, BillingModule } from '#billing';
import { CatalogModule } from '#catalog';
import { IdentityModule } from '#identity';
import { AppConfig, ConfigModule, LoggingModule } from '#platform';
import { DatabaseModule } from '#platform/database';
import { JobQueueMetrics } from '#platform/jobs';
import { MetricsModule } from '#platform/metrics';
import { ProvisioningMetrics, ProvisioningModule } from '#provisioning';
import { StorefrontModule } from '#storefront';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';

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
        // GET /metrics: each library's own numbers, read from the database at scrape time
        MetricsModule.forRoot({ collectors: [ProvisioningMetrics, BillingMetrics, JobQueueMetrics] }),
      ],
      controllers: [HealthController, MetricsController],
    };
  }
}
