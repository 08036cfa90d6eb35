import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActorType, AuditEvent } from '../entities/audit-event.entity.js';

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

/** Appends to the audit log, inside the caller's transaction when one is given. */
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
}
