import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '#identity';
import { AppConfig, readLauncherStatus, RETRY_AFTER_SECONDS } from '#platform';
import { DockerHostsService, engineHint } from '#provisioning';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hosts: DockerHostsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  healthz() {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: the database and every registered Docker host answer (and, under the launcher, which processes run)' })
  async readyz(@Res({ passthrough: true }) response: Response) {
    const database = await this.dataSource
      .query('select 1')
      .then(() => ({ status: 'up' as const }))
      .catch((error: Error) => ({ status: 'down' as const, error: error.message }));
    const hosts = database.status === 'up' ? await this.hosts.pingAll(2000) : [];
    const dockerHosts = Object.fromEntries(
      hosts.map((host) => [
        host.name,
        // no engine versions for anonymous callers: operators see them at /api/v1/docker-hosts
        {
          ...(host.status.reachable ? { status: 'up' } : { status: 'down', error: host.status.error, hint: engineHint({ host: host.name, endpoint: host.endpoint }) }),
          // the edge proxy as the worker's reconcile loop last found it
          edge: host.edge.state === 'failed' ? { status: 'down', error: host.edge.error } : { status: host.edge.state === 'ok' ? 'up' : 'unknown' },
        },
      ]),
    );
    const ready = database.status === 'up' && hosts.every((host) => host.status.reachable && host.edge.state !== 'failed');
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    if (database.status === 'down') response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    // a worker that keeps crashing does not make the API unready, but an operator must see it
    const launcher = readLauncherStatus(this.config.dataDir);
    return {
      status: ready ? 'ready' : 'not_ready',
      checks: { database, dockerHosts },
      ...(launcher ? { processes: launcher.processes } : {}),
      // npm start on a fresh machine: the engine it provides and how far the images are
      ...(launcher?.localEngine ? { localEngine: launcher.localEngine } : {}),
    };
  }
}
