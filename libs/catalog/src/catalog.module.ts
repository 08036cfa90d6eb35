import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Plan } from '#domain';
import { PlansController } from './plans/plans.controller.js';
import { PlansService } from './plans/plans.service.js';
import { CatalogController } from './templates/catalog.controller.js';
import { TemplateCatalog } from './templates/template-catalog.js';

/** What can be ordered and deployed: plans and the app templates they offer. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Plan])],
  controllers: [PlansController, CatalogController],
  providers: [PlansService, TemplateCatalog],
  exports: [PlansService, TemplateCatalog],
})
export class CatalogModule {}
