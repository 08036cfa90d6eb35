import Docker from 'dockerode';
import type { EngineEndpoint } from '../container-runtime.port.js';

/**
 * dockerode options for unix:///path, tcp://host:port or http(s)://host:port endpoints.
 * Every field is set, even to undefined: docker-modem merges these over defaults it reads from
 * DOCKER_HOST/DOCKER_CERT_PATH, which must never redirect a call meant for another engine.
 */
export function dockerOptions(endpoint: string, timeoutMs?: number): Docker.DockerOptions {
  const url = new URL(endpoint);
  const none = { host: undefined, port: undefined, socketPath: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  if (url.protocol === 'unix:') return { ...none, socketPath: url.pathname, timeout: timeoutMs };
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { ...none, host: url.hostname, port: Number(url.port || 2375), protocol, timeout: timeoutMs };
}

/** One client per endpoint: dockerode keeps an HTTP agent, so reuse it. */
export class DockerClients {
  private readonly clients = new Map<string, Docker>();

  get(engine: EngineEndpoint): Docker {
    let client = this.clients.get(engine.endpoint);
    if (!client) {
      client = new Docker(dockerOptions(engine.endpoint));
      this.clients.set(engine.endpoint, client);
    }
    return client;
  }
}
