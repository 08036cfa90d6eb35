import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '#identity';
import type { AppTemplate } from './app-template.js';
import { TemplateCatalog } from './template-catalog.js';

@ApiTags('catalog')
@Controller('api/v1/catalog/apps')
export class CatalogController {
  constructor(private readonly catalog: TemplateCatalog) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'The apps a club can run, with their versions' })
  list() {
    return this.catalog.apps().map(publicView);
  }
}

/** Public: no images, secrets or commands, only what an order form needs. */
function publicView(template: AppTemplate) {
  return {
    app: template.app,
    name: template.name,
    description: template.description,
    versions: template.versions.map((version) => version.version),
    defaultVersion: template.defaultVersion,
  };
}
