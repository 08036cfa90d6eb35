import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import type { Writable } from 'node:stream';
import {
  AppliedDeployment, ApplyProgress, ContainerRuntime, Drift, EngineEndpoint, EngineStatus, ExecResult, ObservedTenant, RemovalReport,
} from './container-runtime.port.js';
import type { DeploymentPlan, PlannedHook } from './deployment-plan.js';
import { DockerClients, dockerOptions } from './docker-connection.js';

// PLACEHOLDER: the full adapter is being written (apply/observe/remove...). Only ping works.
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

  missingImages(_e: EngineEndpoint, _p: DeploymentPlan): Promise<string[]> { throw new Error('not implemented yet'); }
  apply(_e: EngineEndpoint, _p: DeploymentPlan, _o?: (p: ApplyProgress) => void): Promise<AppliedDeployment> { throw new Error('not implemented yet'); }
  runHook(_e: EngineEndpoint, _p: DeploymentPlan, _h: PlannedHook): Promise<ExecResult> { throw new Error('not implemented yet'); }
  exec(_e: EngineEndpoint, _c: string, _a: string[]): Promise<ExecResult> { throw new Error('not implemented yet'); }
  observe(_e: EngineEndpoint, _t: string): Promise<ObservedTenant> { throw new Error('not implemented yet'); }
  drift(_e: EngineEndpoint, _p: DeploymentPlan): Promise<Drift> { throw new Error('not implemented yet'); }
  stop(_e: EngineEndpoint, _t: string): Promise<string[]> { throw new Error('not implemented yet'); }
  start(_e: EngineEndpoint, _t: string): Promise<string[]> { throw new Error('not implemented yet'); }
  exportVolume(_e: EngineEndpoint, _t: string, _v: string, _i: Writable): Promise<void> { throw new Error('not implemented yet'); }
  importVolume(_e: EngineEndpoint, _t: string, _v: string, _s: NodeJS.ReadableStream): Promise<void> { throw new Error('not implemented yet'); }
  remove(_e: EngineEndpoint, _t: string, _o: { app?: string; volumes: boolean }): Promise<RemovalReport> { throw new Error('not implemented yet'); }
}
