/**
 * `Idempotency-Key` for creating endpoints: a client that retries after a timeout gets the first
 * response again instead of creating a second story. The key is claimed (a pending row) before
 * the work runs, so two concurrent retries cannot both create.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../util/ids.js';

const PENDING = 0;

export async function withIdempotency(
  db: Kysely<DB>,
  dialect: DialectHelpers,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  /** `stored`, when given, is what a replay answers instead of `body` (e.g. without a secret). */
  work: () => Promise<{ status: number; body: unknown; stored?: unknown }>,
): Promise<FastifyReply> {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) {
    const r = await work();
    return reply.code(r.status).send(r.body);
  }
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('VALIDATION', 'Idempotency-Key must be 1–255 visible ASCII characters.', { details: { 'Idempotency-Key': ['is invalid'] } });
  }
  const path = request.url.split('?')[0]!;
  const requestHash = sha256Hex(JSON.stringify([request.method, path, request.body ?? null]));
  try {
    await db
      .insertInto('idempotency_keys')
      .values({ user_id: userId, key, method: request.method, path, request_hash: requestHash, status_code: PENDING, response_json: 'null', created_at: new Date().toISOString() })
      .execute();
  } catch (err) {
    if (!dialect.isUniqueViolation(err)) throw err;
    const prior = await db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
    if (!prior) throw new AppError('CONFLICT', 'Retry the request.');
    if (prior.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used for a different request.');
    }
    if (prior.status_code === PENDING) {
      throw new AppError('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    reply.header('Idempotent-Replayed', 'true');
    return reply.code(prior.status_code).send(JSON.parse(prior.response_json));
  }
  try {
    const r = await work();
    await db
      .updateTable('idempotency_keys')
      .set({ status_code: r.status, response_json: JSON.stringify(r.stored ?? r.body) })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute();
    return reply.code(r.status).send(r.body);
  } catch (err) {
    // A failed request did not happen: free the key so the client can retry with it.
    await db.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('key', '=', key).execute();
    throw err;
  }
}
