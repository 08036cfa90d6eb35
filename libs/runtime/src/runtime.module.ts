import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog, DockerHost } from '#domain';
import { ContainerRuntime } from './container-runtime.port.js';
import { DOCKER_RUNTIME_OPTIONS, DockerodeRuntime, type DockerRuntimeOptions } from './dockerode-runtime.js';
import { AppConfig } from '#platform';
import { DockerHostsController } from './hosts/docker-hosts.controller.js';
import { DockerHostsService } from './hosts/docker-hosts.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([DockerHost])],
  controllers: [DockerHostsController],
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
    DockerHostsService,
    AuditLog,
  ],
  exports: [ContainerRuntime, DockerHostsService],
})
export class RuntimeModule {}
