import { Body, Controller, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { announceNextPage, pageRequest, ParseUuidPipe } from '#platform';
import { actorOf, CurrentPrincipal, OperatorOnly, type Principal } from '#identity';
import { DockerHostsService } from './docker-hosts.service.js';
import { CreateDockerHostInput, type DockerHostResponse, toDockerHostResponse, UpdateDockerHostInput } from './docker-hosts.dto.js';

@ApiTags('docker-hosts')
@ApiBearerAuth()
@OperatorOnly()
@Controller('api/v1/docker-hosts')
export class DockerHostsController {
  constructor(private readonly hosts: DockerHostsService) {}

  @Get()
  @ApiOperation({ summary: 'Registered Docker hosts by name, a page at a time: ?cursor=&limit= (1 to 200, default 50), the next page in the Link header (operators)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(
    @Query('cursor') cursor: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DockerHostResponse[]> {
    const page = await this.hosts.page(pageRequest({ cursor, limit }, ['text'] as const));
    announceNextPage(request, response, page.nextCursor);
    return page.items.map(toDockerHostResponse);
  }

  @Post()
  @ApiOperation({ summary: 'Register a Docker host (operators)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() input: CreateDockerHostInput): Promise<DockerHostResponse> {
    return toDockerHostResponse(await this.hosts.create(input, actorOf(principal)));
  }

  @Patch(':hostId')
  @ApiOperation({ summary: 'Change capacity or state, e.g. drain a host (operators)' })
  async update(@CurrentPrincipal() principal: Principal, @Param('hostId', ParseUuidPipe) hostId: string, @Body() input: UpdateDockerHostInput): Promise<DockerHostResponse> {
    return toDockerHostResponse(await this.hosts.update(hostId, input, actorOf(principal)));
  }
}
