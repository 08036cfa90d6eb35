import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Membership, type MembershipRole } from '../entities/index.js';

/** Who belongs to which organization with which role: what other libraries may ask. */
@Injectable()
export class MembershipsService {
  constructor(@InjectRepository(Membership) private readonly memberships: Repository<Membership>) {}

  async roleOf(organizationId: string, accountId: string): Promise<MembershipRole | null> {
    const membership = await this.memberships.findOne({ where: { organizationId, accountId } });
    return membership?.role ?? null;
  }
}
