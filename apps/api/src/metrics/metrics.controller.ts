import { Controller, Get, Header, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '#identity';
import { MetricsRegistry } from '#platform/metrics';
import { MetricsAccessGuard } from './metrics-access.guard.js';

@ApiTags('metrics')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Public() // MetricsAccessGuard decides: an allowed address, or an operator's token
  @UseGuards(MetricsAccessGuard)
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOperation({ summary: "Operators' monitoring in the Prometheus text format: tenants, operations, webhook inbox, job queues, hosts, backups (operators, or the addresses in ALLMENDE_METRICS_ALLOW)" })
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.metrics.scrape();
    response.setHeader('Content-Type', this.metrics.contentType);
    return text;
  }
}
