import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActorType, AuditEvent } from './audit-event.entity.js';

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  organizationId?: string | null;
  details?: Record<string, unknown>;
}

export const SYSTEM_ACTOR = (component: string): AuditActor => ({ type: 'system', id: component });

/** One line of the audit log as people read it. */
export interface AuditEntryView {
  id: string;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  organizationId: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** Appends to the audit log, inside the caller's transaction when one is given; reads it back for people. */
@Injectable()
export class AuditLog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.save(manager.create(AuditEvent, {
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      action: entry.action,
      targetType: entry.target.type,
      targetId: entry.target.id,
      organizationId: entry.organizationId ?? null,
      details: entry.details ?? {},
    }));
  }

  /** An organization's log, newest first. */
  async listForOrganization(organizationId: string, limit: number): Promise<AuditEntryView[]> {
    const events = await this.dataSource.manager.find(AuditEvent, { where: { organizationId }, order: { createdAt: 'DESC' }, take: limit });
    return events.map(({ id, actorType, actorId, action, targetType, targetId, organizationId: org, details, createdAt }) => ({
      id, actorType, actorId, action, targetType, targetId, organizationId: org, details, createdAt,
    }));
  }
}
