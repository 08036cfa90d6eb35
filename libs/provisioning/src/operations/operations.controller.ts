import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actsAsOperator, assertOrganizationAccess, CurrentPrincipal, type Principal, RequireScopes } from '#identity';
import { NotFoundError, ParseUuidPipe } from '#platform';
import { toOperationResponse } from '../tenants/tenant.dto.js';
import { OperationsService } from './operations.service.js';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('api/v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get(':operationId')
  @RequireScopes('tenants:read')
  @ApiOperation({ summary: 'A long-running operation: state, percent, named steps, error' })
  async get(@CurrentPrincipal() principal: Principal, @Param('operationId', ParseUuidPipe) operationId: string) {
    const operation = await this.operations.get(operationId);
    if (operation.organizationId) assertOrganizationAccess(principal, operation.organizationId, undefined, 'Operation');
    else if (!actsAsOperator(principal)) throw new NotFoundError('Operation');
    return toOperationResponse(operation);
  }
}
