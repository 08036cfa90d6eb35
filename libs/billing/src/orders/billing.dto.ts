import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export class ManualPaymentInput {
  @ApiProperty({ enum: ['paid', 'overdue'], description: 'paid: the transfer for the order or the current period arrived; overdue: it did not' })
  @IsIn(['paid', 'overdue'], { message: 'must be paid or overdue' })
  outcome: 'paid' | 'overdue';

  @ApiPropertyOptional({ description: 'With paid: the end of the period paid for (default: one billing interval on)', example: '2027-01-31T00:00:00Z' })
  @IsOptional() @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date' })
  periodEnd?: string;
}
