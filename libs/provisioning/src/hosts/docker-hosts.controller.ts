import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { DockerHostState } from '#domain';
import { ParseUuidPipe } from '#platform';
import { actorOf, CurrentPrincipal, OperatorOnly, type Principal } from '#identity';
import { DockerHostsService } from './docker-hosts.service.js';

const HOST_STATES: DockerHostState[] = ['active', 'draining', 'unreachable', 'disabled'];

export class CreateDockerHostInput {
  @ApiProperty({ example: 'fsn-2' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: 'must be 1-31 lower-case letters, digits or hyphens' })
  name: string;

  @ApiProperty({ example: 'tcp://10.0.0.2:2375' })
  @Matches(/^(unix:\/\/\/[A-Za-z0-9._/-]+|(tcp|http|https):\/\/[A-Za-z0-9.-]+:\d{1,5})$/, { message: 'must be unix:///path/docker.sock or tcp://host:port' })
  endpoint: string;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  capacity?: number;
}

export class UpdateDockerHostInput {
  @ApiPropertyOptional()
  @IsOptional() @IsInt() @Min(0) @Max(10_000)
  capacity?: number;

  @ApiPropertyOptional({ enum: HOST_STATES })
  @IsOptional() @IsIn(HOST_STATES, { message: `must be one of ${HOST_STATES.join(', ')}` })
  state?: DockerHostState;
}

@ApiTags('docker-hosts')
@ApiBearerAuth()
@OperatorOnly()
@Controller('api/v1/docker-hosts')
export class DockerHostsController {
  constructor(private readonly hosts: DockerHostsService) {}

  @Get()
  @ApiOperation({ summary: 'Registered Docker hosts (operators)' })
  list() {
    return this.hosts.list();
  }

  @Post()
  @ApiOperation({ summary: 'Register a Docker host (operators)' })
  create(@CurrentPrincipal() principal: Principal, @Body() input: CreateDockerHostInput) {
    return this.hosts.create(input, actorOf(principal));
  }

  @Patch(':hostId')
  @ApiOperation({ summary: 'Change capacity or state, e.g. drain a host (operators)' })
  update(@CurrentPrincipal() principal: Principal, @Param('hostId', ParseUuidPipe) hostId: string, @Body() input: UpdateDockerHostInput) {
    return this.hosts.update(hostId, input, actorOf(principal));
  }
}
