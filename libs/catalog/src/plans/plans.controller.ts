import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '#identity';
import { PlansService } from './plans.service.js';

@ApiTags('plans')
@Controller('api/v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'The plans a club can order' })
  async list() {
    return (await this.plans.listOrderable()).map(({ code, name, description, apps, priceCents, currency, interval }) => ({
      code, name, description, apps, priceCents, currency, interval,
    }));
  }
}
