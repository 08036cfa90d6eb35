import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import { ContainerRuntime, EngineEndpoint, EngineStatus } from './container-runtime.port.js';
import { DockerClients, dockerOptions } from './docker-connection.js';

@Injectable()
export class DockerodeRuntime extends ContainerRuntime {
  protected readonly clients = new DockerClients();

  async ping(engine: EngineEndpoint, timeoutMs = 3000): Promise<EngineStatus> {
    // a short-lived client so a hung engine cannot hold the shared agent
    const docker = new Docker(dockerOptions(engine.endpoint, timeoutMs));
    try {
      const version = await docker.version();
      return { reachable: true, version: version.Version };
    } catch (error) {
      return { reachable: false, error: (error as Error).message };
    }
  }
}
