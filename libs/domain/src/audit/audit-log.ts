import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { cursorTimeSql, type Page, type PageRequest, pageOf } from '#platform';
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

/** Whose log: an organization's, or one target's history (e.g. a tenant's events). */
export type AuditScope = { organizationId: string } | { targetType: string; targetId: string };

interface AuditRow {
  id: string;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  organization_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
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

  /**
   * One page of an organization's log, or of one target's history (a tenant's events), newest
   * first; the cursor is (created_at, id) of the last entry seen. Both read an index in order.
   */
  async page(scope: AuditScope, request: PageRequest<[string, string]>): Promise<Page<AuditEntryView>> {
    const [where, params] =
      'organizationId' in scope ? ['e.organization_id = $1', [scope.organizationId]] : ['e.target_type = $1 and e.target_id = $2', [scope.targetType, scope.targetId]];
    const keyset = request.after ? ` and (e.created_at, e.id) < ($${params.length + 1}::timestamptz, $${params.length + 2}::uuid)` : '';
    const rows: (AuditRow & { cursor_at: string })[] = await this.dataSource.query(
      `select e.id, e.actor_type, e.actor_id, e.action, e.target_type, e.target_id, e.organization_id, e.details, e.created_at, ${cursorTimeSql('e.created_at')} as cursor_at
         from audit_event e
        where ${where}${keyset}
        order by e.created_at desc, e.id desc
        limit $${params.length + (request.after ? 3 : 1)}`,
      [...params, ...(request.after ?? []), request.limit + 1],
    );
    const page = pageOf(rows, request.limit, (row) => [row.cursor_at, row.id]);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((row) => ({
        id: row.id,
        actorType: row.actor_type,
        actorId: row.actor_id,
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        organizationId: row.organization_id,
        details: row.details,
        createdAt: row.created_at,
      })),
    };
  }
}
