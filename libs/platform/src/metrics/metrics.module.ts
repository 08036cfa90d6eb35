import { DynamicModule, Module, type Type } from '@nestjs/common';
import type { MetricsCollector } from './metric-family.js';
import { METRICS_COLLECTORS, MetricsRegistry } from './metrics-registry.js';

/**
 * The metrics registry of the entry point that serves GET /metrics (the API). It names the
 * collectors, each library's own; they are provided here, once, and need only the database.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: { collectors: readonly Type<MetricsCollector>[] }): DynamicModule {
    const collectors = [...options.collectors];
    return {
      module: MetricsModule,
      providers: [
        ...collectors,
        { provide: METRICS_COLLECTORS, inject: collectors, useFactory: (...instances: MetricsCollector[]) => instances },
        MetricsRegistry,
      ],
      exports: [MetricsRegistry],
    };
  }
}
