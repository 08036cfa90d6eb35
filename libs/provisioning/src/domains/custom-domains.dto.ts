import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { CheckResult } from './check-result.js';
import type { DomainView, VerificationResult } from './custom-domains.service.js';
import type { RecordRequirement } from './dns-records.js';

export class AddDomainInput {
  @ApiProperty({ example: 'chat.gardeners.example', description: 'The club\'s own domain (an IDN in Unicode or punycode)' })
  @IsString() @MaxLength(300)
  name: string;
}

/** A domain with its state, the records to create and the last DNS check. */
export interface DomainResponse {
  name: string;
  display: string;
  kind: DomainView['kind'];
  isPrimary: boolean;
  state: DomainView['state'];
  served: boolean;
  verifiedAt: Date | null;
  flaggedAt: Date | null;
  withdrawalDue: Date | null;
  withdrawnAt: Date | null;
  releaseDue: Date | null;
  checkedAt: Date | null;
  records: RecordRequirement[];
  lastCheck: CheckResult[];
}

export interface VerificationResponse {
  state: VerificationResult['state'];
  previousState: VerificationResult['previousState'];
  domain: DomainResponse | null;
  results: CheckResult[];
}

export function toDomainResponse(view: DomainView): DomainResponse {
  const { name, display, kind, isPrimary, state, served, verifiedAt, flaggedAt, withdrawalDue, withdrawnAt, releaseDue, checkedAt, records, lastCheck } = view;
  return { name, display, kind, isPrimary, state, served, verifiedAt, flaggedAt, withdrawalDue, withdrawnAt, releaseDue, checkedAt, records, lastCheck };
}

export function toVerificationResponse(result: VerificationResult): VerificationResponse {
  return { state: result.state, previousState: result.previousState, domain: result.domain && toDomainResponse(result.domain), results: result.results };
}
