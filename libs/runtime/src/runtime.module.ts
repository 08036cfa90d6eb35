import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog, DockerHost } from '#domain';
import { ContainerRuntime } from './container-runtime.port.js';
import { DockerodeRuntime } from './dockerode-runtime.js';
import { DockerHostsController } from './hosts/docker-hosts.controller.js';
import { DockerHostsService } from './hosts/docker-hosts.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([DockerHost])],
  controllers: [DockerHostsController],
  providers: [{ provide: ContainerRuntime, useClass: DockerodeRuntime }, DockerHostsService, AuditLog],
  exports: [ContainerRuntime, DockerHostsService],
})
export class RuntimeModule {}
