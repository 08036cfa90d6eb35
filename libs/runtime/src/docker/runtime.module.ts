import { Module } from '@nestjs/common';
import { AppConfig } from '#platform';
import { ContainerRuntime } from '../container-runtime.port.js';
import { DOCKER_RUNTIME_OPTIONS, DockerodeRuntime, type DockerRuntimeOptions } from './dockerode-runtime.js';

/** Binds the ContainerRuntime port to the dockerode adapter, with options from the configuration. */
@Module({
  providers: [
    {
      provide: DOCKER_RUNTIME_OPTIONS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): DockerRuntimeOptions => ({
        publishIp: config.runtime.publishIp,
        helperImage: config.runtime.helperImage,
        healthTimeoutMs: config.runtime.healthTimeoutSeconds * 1000,
      }),
    },
    { provide: ContainerRuntime, useClass: DockerodeRuntime },
  ],
  exports: [ContainerRuntime],
})
export class RuntimeModule {}
