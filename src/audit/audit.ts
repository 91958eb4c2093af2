/** The audit log: one row per privileged action, written in the action's own transaction. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Actor } from '../users/permissions.js';
import { newId } from '../util/ids.js';

export async function recordAudit(
  trx: Kysely<DB>,
  actor: Actor,
  action: string,
  target: { type: string; id: string } | null,
  details: Record<string, unknown> = {},
  now: Date = new Date(),
): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      id: newId(),
      actor_id: actor.id,
      actor_label: actor.label,
      action,
      target_type: target?.type ?? null,
      target_id: target?.id ?? null,
      details_json: JSON.stringify(details),
      created_at: now.toISOString(),
    })
    .execute();
}

export interface AuditEntry {
  id: string;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export async function listAudit(db: Kysely<DB>, opts: { limit: number; before?: string }): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit);
  if (opts.before) q = q.where('id', '<', opts.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    actorLabel: r.actor_label,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}
