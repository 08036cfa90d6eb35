import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseUuidPipe } from '#platform';
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
  @ApiOperation({ summary: 'Registered Docker hosts (operators)' })
  async list(): Promise<DockerHostResponse[]> {
    return (await this.hosts.list()).map(toDockerHostResponse);
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
