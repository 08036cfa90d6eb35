import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { RuntimeModule } from '#runtime/docker';
import { CaddyEdgeProxy, EDGE_OPTIONS } from '../caddy-edge-proxy.js';
import { EdgeProxy } from '../edge-proxy.port.js';
import type { EdgeOptions } from '../edge-settings.js';

/**
 * Binds the EdgeProxy port to the Caddy adapter (which reaches the hosts through the
 * ContainerRuntime port of RuntimeModule). Options come as a plain object, or from a factory
 * (e.g. reading AppConfig).
 */
@Module({})
export class EdgeModule {
  static forRoot(options: EdgeOptions): DynamicModule {
    return {
      module: EdgeModule,
      imports: [RuntimeModule],
      providers: [{ provide: EDGE_OPTIONS, useValue: options }, { provide: EdgeProxy, useClass: CaddyEdgeProxy }],
      exports: [EdgeProxy],
    };
  }

  static forRootAsync(factory: {
    imports?: ModuleMetadata['imports'];
    inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
    useFactory: (...args: never[]) => EdgeOptions | Promise<EdgeOptions>;
  }): DynamicModule {
    return {
      module: EdgeModule,
      imports: [RuntimeModule, ...(factory.imports ?? [])],
      providers: [
        { provide: EDGE_OPTIONS, inject: factory.inject ?? [], useFactory: factory.useFactory },
        { provide: EdgeProxy, useClass: CaddyEdgeProxy },
      ],
      exports: [EdgeProxy],
    };
  }
}
