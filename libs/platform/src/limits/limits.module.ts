import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '../jobs/jobs.module.js';
import { RateLimitWindow } from './rate-limit.entity.js';
import { RateLimits } from './rate-limits.js';

/** Rate limits stored in Postgres (table rate_limit). */
@Module({
  imports: [JobsModule, TypeOrmModule.forFeature([RateLimitWindow])],
  providers: [RateLimits],
  exports: [RateLimits],
})
export class LimitsModule {}
