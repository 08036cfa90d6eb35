/** How to reach one Docker Engine. */
export interface EngineEndpoint {
  readonly name: string;
  readonly endpoint: string;
}

export interface EngineStatus {
  readonly reachable: boolean;
  readonly version?: string;
  readonly error?: string;
}

/**
 * The port to Docker hosts. Services depend on this abstract class; the dockerode
 * adapter implements it, unit tests use typed fakes.
 */
export abstract class ContainerRuntime {
  abstract ping(engine: EngineEndpoint, timeoutMs?: number): Promise<EngineStatus>;
}
