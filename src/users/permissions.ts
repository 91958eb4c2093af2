/**
 * Permissions as named predicates, checked on the server for every privileged action, whether it
 * comes from the newsroom UI or the Admin API.
 */
import type { Role } from '../db/schema.js';
import { AppError } from '../errors.js';

export interface Actor {
  /** null for the system itself (scheduler, demo seeding, CLI without a user). */
  id: string | null;
  role: Role | 'system';
  label: string;
  /** Granted separately from the role (users.tips_access): may read and answer the tip line. */
  tips?: boolean;
}

export const SYSTEM_ACTOR: Actor = { id: null, role: 'system', label: 'system' };

export type Permission =
  | 'story.create'
  | 'story.edit.own'
  | 'story.edit.any'
  | 'story.publish'
  | 'story.withdraw'
  | 'story.correct'
  | 'authors.manage'
  | 'desks.manage'
  | 'users.manage'
  | 'settings.manage'
  | 'audit.read'
  | 'partners.review'
  | 'usage.read'
  // Set up or rotate the tip line's key (admins).
  | 'tips.setup'
  // Work licensing inquiries and licenses (editors and admins).
  | 'licensing.manage'
  // Read, answer, assign, label and delete tips: only users granted it (see can()).
  | 'tips.read';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  // Reporters see what partners did with their stories (usage), nothing more of the program.
  reporter: new Set(['story.create', 'story.edit.own', 'usage.read']),
  editor: new Set([
    'story.create', 'story.edit.own', 'story.edit.any', 'story.publish', 'story.withdraw', 'story.correct',
    'authors.manage', 'desks.manage', 'audit.read', 'partners.review', 'usage.read', 'licensing.manage',
  ]),
  admin: new Set([
    'story.create', 'story.edit.own', 'story.edit.any', 'story.publish', 'story.withdraw', 'story.correct',
    'authors.manage', 'desks.manage', 'users.manage', 'settings.manage', 'audit.read', 'partners.review', 'usage.read', 'tips.setup', 'licensing.manage',
  ]),
};

export function can(actor: Actor, permission: Permission): boolean {
  if (actor.role === 'system') return true;
  // No role reads tips by itself: a source's words go only to people an admin chose.
  if (permission === 'tips.read') return actor.tips === true;
  return GRANTS[actor.role].has(permission);
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    throw new AppError('FORBIDDEN', `Your role (${actor.role}) does not allow this action (${permission}).`);
  }
}

/** Reporters edit stories they created; editors and admins edit any story. */
export function canEditStory(actor: Actor, story: { created_by: string | null }): boolean {
  return can(actor, 'story.edit.any') || (can(actor, 'story.edit.own') && story.created_by !== null && story.created_by === actor.id);
}

export const ROLES: readonly Role[] = ['admin', 'editor', 'reporter'];
