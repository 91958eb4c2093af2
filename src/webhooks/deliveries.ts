/**
 * One shape for a new webhook delivery, whoever queues it: the dispatcher (an event for an
 * endpoint), a partner's test or replay, the newsroom's re-send. The worker (worker.ts) claims
 * rows in this state.
 */
import type { Insertable } from 'kysely';
import type { WebhookDeliveriesTable } from '../db/schema.js';
import { newId, randomToken } from '../util/ids.js';

/** The webhook-id of a new message: stable across its retries and replays. */
export function newMessageId(): string {
  return `msg_${randomToken(18)}`;
}

export interface NewDelivery {
  endpointId: string;
  partnerId: string;
  /** The event reported; null for tests, replays and re-sends (they are not ordered). */
  eventId: number | null;
  messageId: string;
  type: string;
  storyId: string | null;
  storyVersion: string | null;
  body: string;
}

/** A pending row, due at `now` (ISO). */
export function pendingDelivery(d: NewDelivery, now: string): Insertable<WebhookDeliveriesTable> {
  return {
    id: newId(),
    endpoint_id: d.endpointId,
    partner_id: d.partnerId,
    event_id: d.eventId,
    message_id: d.messageId,
    type: d.type,
    story_id: d.storyId,
    story_version: d.storyVersion,
    body: d.body,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    claim_token: null,
    claimed_until: null,
    last_attempt_at: null,
    response_status: null,
    duration_ms: null,
    last_error: null,
    delivered_at: null,
    created_at: now,
  };
}
