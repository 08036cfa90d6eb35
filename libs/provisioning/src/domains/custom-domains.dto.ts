import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { CheckResult } from './check-result.js';
import type { DomainView, VerificationResult } from './custom-domains.service.js';

export class AddDomainInput {
  @ApiProperty({ example: 'chat.gardeners.example', description: 'The club\'s own domain (an IDN in Unicode or punycode)' })
  @IsString() @MaxLength(300)
  name: string;
}

/** A domain with its state, the records to create and the last DNS check (the service's view, field by field). */
export type DomainStatusResponse = Readonly<DomainView>;

export interface VerificationResponse {
  state: VerificationResult['state'];
  previousState: VerificationResult['previousState'];
  domain: DomainStatusResponse | null;
  results: CheckResult[];
}

export function toDomainStatusResponse(view: DomainView): DomainStatusResponse {
  const { name, display, kind, isPrimary, state, served, verifiedAt, flaggedAt, withdrawalDue, withdrawnAt, releaseDue, checkedAt, records, lastCheck } = view;
  return { name, display, kind, isPrimary, state, served, verifiedAt, flaggedAt, withdrawalDue, withdrawnAt, releaseDue, checkedAt, records, lastCheck };
}

export function toVerificationResponse(result: VerificationResult): VerificationResponse {
  return { state: result.state, previousState: result.previousState, domain: result.domain && toDomainStatusResponse(result.domain), results: result.results };
}
