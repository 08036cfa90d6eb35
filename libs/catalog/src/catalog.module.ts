import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Plan } from '#domain';
import { PlansController } from './plans/plans.controller.js';
import { PlansService } from './plans/plans.service.js';

/** What can be ordered and deployed: plans (and, with provisioning, the app templates). */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Plan])],
  controllers: [PlansController],
  providers: [PlansService],
  exports: [PlansService],
})
export class CatalogModule {}
