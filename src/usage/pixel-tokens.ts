/**
 * One pixel token per story × partner, created on first use and kept, so every snippet, feed
 * item and API document for that pair points at the same pixel URL. Tokens are random (not
 * derived from ids) so a pixel URL reveals nothing about the partner.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { randomToken } from '../util/ids.js';
import { chunks } from '../util/chunks.js';

/** Token pairs kept in memory per node; past it the oldest go (they are read again on use). */
export const MAX_REMEMBERED_PAIRS = 20_000;

export class PixelTokens {
  /**
   * token → pair, oldest first, and per partner story → token: the pairs in use lately, at most
   * `maxPairs`. Unbounded, these held every story × partner ever rendered: after a partner read
   * the whole archive through the content API (100,000 documents), they and the receipts below
   * (src/syndication/ninjs-cache.ts) held a third of the live heap, ~25 MB, which every full
   * collection had to mark: pauses of 20–60 ms in the polls that followed.
   */
  private readonly byToken = new Map<string, { storyId: string; partnerId: string }>();
  private readonly byPartner = new Map<string, { partnerId: string; stories: Map<string, string> }>();
  /**
   * Well-formed tokens the database did not know, so a client repeating a made-up token costs
   * one query, not one per hit. Tokens are random, so a real one is never asked for before it
   * exists; the set is cleared when full rather than grown.
   */
  private readonly unknown = new Set<string>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    private readonly maxPairs = MAX_REMEMBERED_PAIRS,
  ) {}

  /** How many pairs this node remembers (tests). */
  get remembered(): number {
    return this.byToken.size;
  }

  private cached(storyId: string, partnerId: string): string | undefined {
    return this.byPartner.get(partnerId)?.stories.get(storyId);
  }

  async tokenFor(storyId: string, partnerId: string): Promise<string> {
    const cached = this.cached(storyId, partnerId);
    if (cached) return cached;
    const existing = await this.db.selectFrom('pixel_tokens').select('token').where('story_id', '=', storyId).where('partner_id', '=', partnerId).executeTakeFirst();
    if (existing) return this.remember(existing.token, storyId, partnerId);
    const token = randomToken(16);
    try {
      await this.db.insertInto('pixel_tokens').values({ token, story_id: storyId, partner_id: partnerId, created_at: new Date().toISOString() }).execute();
      return this.remember(token, storyId, partnerId);
    } catch (err) {
      // Another request (or node) created it first: use theirs.
      if (!this.dialect.isUniqueViolation(err)) throw err;
      const row = await this.db.selectFrom('pixel_tokens').select('token').where('story_id', '=', storyId).where('partner_id', '=', partnerId).executeTakeFirstOrThrow();
      return this.remember(row.token, storyId, partnerId);
    }
  }

  /**
   * tokenFor for many partners of one story with a few queries (a webhook fan-out to every
   * partner): the known tokens are read in chunks, the missing ones inserted together, and a
   * token another node inserted first wins as in tokenFor.
   */
  async tokensFor(storyId: string, partnerIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const id of new Set(partnerIds)) {
      const cached = this.cached(storyId, id);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    const read = async (ids: string[]) => {
      for (const part of chunks(ids)) {
        const rows = await this.db.selectFrom('pixel_tokens').select(['token', 'partner_id']).where('story_id', '=', storyId).where('partner_id', 'in', part).execute();
        for (const r of rows) out.set(r.partner_id, this.remember(r.token, storyId, r.partner_id));
      }
    };
    await read(missing);
    const create = missing.filter((id) => !out.has(id));
    if (create.length > 0) {
      const createdAt = new Date().toISOString();
      for (const part of chunks(create, 200)) {
        await this.db
          .insertInto('pixel_tokens')
          .values(part.map((partnerId) => ({ token: randomToken(16), story_id: storyId, partner_id: partnerId, created_at: createdAt })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      await read(create);
    }
    return out;
  }

  /** The pixel's hot path without a promise: the pair when this node already knows the token. */
  peek(token: string): { storyId: string; partnerId: string } | undefined {
    return this.byToken.get(token);
  }

  /** The pixel's hot path: memory first, the database once per unknown token. */
  async resolve(token: string): Promise<{ storyId: string; partnerId: string } | undefined> {
    const hit = this.byToken.get(token);
    if (hit) return hit;
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(token) || this.unknown.has(token)) return undefined;
    const row = await this.db.selectFrom('pixel_tokens').select(['story_id', 'partner_id']).where('token', '=', token).executeTakeFirst();
    if (!row) {
      if (this.unknown.size >= 10_000) this.unknown.clear();
      this.unknown.add(token);
      return undefined;
    }
    this.remember(token, row.story_id, row.partner_id);
    return { storyId: row.story_id, partnerId: row.partner_id };
  }

  private remember(token: string, storyId: string, partnerId: string): string {
    this.unknown.delete(token);
    if (this.byToken.has(token)) return token;
    if (this.byToken.size >= this.maxPairs) this.forgetOldest(Math.ceil(this.maxPairs / 10));
    let partner = this.byPartner.get(partnerId);
    if (!partner) {
      partner = { partnerId, stories: new Map() };
      this.byPartner.set(partnerId, partner);
    }
    partner.stories.set(storyId, token);
    // One string per partner id, not one per row read: less memory, and the recorder's lookups
    // by it reuse the hash V8 keeps in the string.
    this.byToken.set(token, { storyId, partnerId: partner.partnerId });
    return token;
  }

  /** Forgets the `n` pairs remembered first (Map order is insertion order). */
  private forgetOldest(n: number): void {
    for (const [token, pair] of this.byToken) {
      if (n-- <= 0) break;
      this.byToken.delete(token);
      const partner = this.byPartner.get(pair.partnerId);
      if (!partner) continue;
      partner.stories.delete(pair.storyId);
      if (partner.stories.size === 0) this.byPartner.delete(pair.partnerId);
    }
  }
}
