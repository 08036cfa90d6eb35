import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CATALOG_ENTITIES } from './entities/index.js';
import { PlansController } from './plans/plans.controller.js';
import { PlansService } from './plans/plans.service.js';
import { CatalogController } from './templates/catalog.controller.js';
import { TemplateCatalog } from './templates/template-catalog.js';

/** What can be ordered and deployed: plans and the app templates they offer. */
@Module({
  imports: [TypeOrmModule.forFeature(CATALOG_ENTITIES)],
  controllers: [PlansController, CatalogController],
  providers: [PlansService, TemplateCatalog],
  exports: [PlansService, TemplateCatalog],
})
export class CatalogModule {}
