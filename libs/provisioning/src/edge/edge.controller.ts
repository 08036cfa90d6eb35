import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource, In } from 'typeorm';
import { EdgeProxy } from '#edge';
import { Public } from '#identity';
import { NotFoundError } from '#platform';
import { DockerHost } from '../entities/index.js';

@ApiTags('edge')
@Controller('api/v1/edge')
export class EdgeController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly edge: EdgeProxy,
  ) {}

  // Public: a root certificate is no secret, and a person trusts it before having an account.
  @Public()
  @Get('root-certificate')
  @ApiOperation({ summary: "The edge's own CA root (PEM), to trust in a browser or client: only with the internal issuer (tests, npm start)" })
  @ApiQuery({ name: 'host', required: false, description: 'Docker host name (default: the first active one)' })
  async rootCertificate(@Query('host') hostName: string | undefined, @Res() response: Response): Promise<void> {
    const host = await this.dataSource.manager.findOne(DockerHost, {
      where: { state: In(['active', 'draining']), ...(typeof hostName === 'string' ? { name: hostName } : {}) },
      order: { name: 'ASC' },
    });
    if (!host) throw new NotFoundError('Docker host', typeof hostName === 'string' ? hostName.slice(0, 40) : undefined);
    const pem = await this.edge.rootCertificate(host);
    response.setHeader('Content-Type', 'application/x-pem-file');
    response.setHeader('Content-Disposition', 'attachment; filename="allmende-edge-root.crt"');
    response.send(pem);
  }
}
