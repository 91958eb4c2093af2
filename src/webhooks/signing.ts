/**
 * Standard Webhooks signatures (../shared/standards/standard-webhooks): the receiver checks
 * `webhook-signature` — `v1,` + base64 HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`
 * keyed with the base64-decoded part of the `whsec_` secret — and rejects stale timestamps, so a
 * captured delivery cannot be replayed later. During a rotation the header carries one signature
 * per valid secret, separated by spaces, and receivers accept any of them.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** `v1,<base64>` for one secret. */
export function sign(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key(secret)).update(`${messageId}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a delivery; several secrets (a rotation) give several signatures. */
export function signatureHeaders(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => sign(s, messageId, timestampSeconds, body)).join(' '),
  };
}

/** The last characters of a secret, for lists that must not show it ("whsec_…a1B2"); base64 padding left out, it tells nothing apart. */
export function secretHint(secret: string): string {
  let end = secret.length;
  while (end > 0 && secret[end - 1] === '=') end--;
  return `${SECRET_PREFIX}…${secret.slice(Math.max(0, end - 4), end)}`;
}

/** The secrets a delivery is signed with now: the current one, and the previous one for 24 h after a rotation. */
export function activeSecrets(endpoint: { secret: string; previous_secret: string | null; previous_secret_expires_at: string | null }, now: Date): string[] {
  const out = [endpoint.secret];
  if (endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now.toISOString()) out.push(endpoint.previous_secret);
  return out;
}

/** 24 hours: how long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;
