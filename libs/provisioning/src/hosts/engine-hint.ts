/** A Docker host where nothing answers, as operators are told about it. */
export interface UnreachableEngine {
  host: string;
  endpoint: string;
  /** What the connection attempt said (ENOENT, ECONNREFUSED...). */
  error: string;
}

/** What an operator should do when no engine answers: one line for logs, /readyz and the operation. */
export function engineHint(engine: Pick<UnreachableEngine, 'host' | 'endpoint'>): string {
  return `no Docker engine answers at ${engine.endpoint} (host ${engine.host}); set DOCKER_HOST or ALLMENDE_DOCKER_HOSTS, or change the host's endpoint`;
}

/** What the club reads on its operation while the engine is away: nothing is wrong with their order, and it continues by itself. */
export const WAITING_FOR_SERVERS = "Waiting for the hosting cooperative's servers to answer; this continues by itself";
