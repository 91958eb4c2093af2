/**
 * Consumers of the event log (the transactional outbox). Every public change writes an `events`
 * row in its own transaction; consumers turn those rows into work — webhook deliveries, notice
 * emails, WebSub notifications — each following the log with its own cursor.
 *
 * Exactly once. A consumer reads a batch of events after its cursor and, in one transaction,
 * writes what they cause and moves the cursor (a compare-and-set on the old value). Either both
 * commit or neither: a crash before the commit leaves the cursor where it was and the batch is
 * read again; a crash after it leaves nothing to redo. So an event acknowledged to the editor
 * (committed) always becomes its deliveries, once.
 *
 * History. Events written by the demo's bulk loader carry `history: true`: the site's caches
 * follow them like any event, but a consumer passes over them (its cursor moves, nothing is
 * written), because a generated correction dated last year is not news to tell partners today.
 *
 * One node at a time. With several nodes on one database, a consumer runs where it holds the
 * lease (event_consumers.lease_holder/lease_until, taken with a conditional update); a node that
 * dies loses it when it expires and another node carries on from the committed cursor. The
 * compare-and-set on the cursor makes even an overlap (a lease that expired mid-batch) harmless.
 *
 * Gaps. Event ids come from a sequence, assigned at insert, so on PostgreSQL a transaction that
 * took id 100 may commit after one that took 101. A consumer that moved its cursor to 101 would
 * skip 100 forever. So a batch stops at the first missing id and waits for it; a gap still open
 * after GAP_WAIT_MS is taken to be a rolled-back transaction (ids are never reused there) and
 * passed. SQLite has one writer at a time and reuses rolled-back ids, so it never has gaps.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, EventType } from '../db/schema.js';
import { randomToken } from '../util/ids.js';

export interface LoggedEvent {
  id: number;
  type: EventType;
  storyId: string | null;
  version: number | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface EventConsumerSpec<P = unknown> {
  /** Unique name; the cursor's key in event_consumers. */
  name: string;
  /**
   * Reads what the batch needs (recipients, documents) before the transaction: on SQLite the
   * transaction holds the only connection, so nothing inside it may use anything but `trx`.
   * Throwing leaves the batch to the next run.
   */
  prepare?(events: LoggedEvent[]): Promise<P>;
  /**
   * Writes what the batch causes (in id order) inside the transaction that moves the cursor:
   * `trx` only. Throwing rolls the batch back; it is read again on the next run.
   */
  write(trx: Transaction<DB>, events: LoggedEvent[], prepared: P): Promise<void>;
  /** Called after a batch committed (e.g. to wake a delivery worker); never throws into the loop. */
  afterCommit?(events: LoggedEvent[]): void;
  /** Events per batch (default 200): smaller for consumers whose events each cause much work. */
  batchSize?: number;
  /**
   * Where a consumer that has never run starts. Default: after the newest event, so installing a
   * new consumer does not replay years of history.
   */
  startAt?: 'latest' | 'beginning';
}

export const GAP_WAIT_MS = 5_000;
export const LEASE_MS = 30_000;
const BATCH = 200;

export class EventConsumer<P = unknown> {
  /** This node's identity in leases. */
  readonly holder = `node-${randomToken(8)}`;
  /** The clock; tests replace it. */
  now: () => Date = () => new Date();
  /** First time this node saw each open gap (the missing id → ms). */
  private readonly gapSeen = new Map<number, number>();

  constructor(
    private readonly db: Kysely<DB>,
    readonly spec: EventConsumerSpec<P>,
    private readonly opts: { gapWaitMs?: number; leaseMs?: number; batchSize?: number } = {},
  ) {}

  private async ensureRow(): Promise<void> {
    const exists = await this.db.selectFrom('event_consumers').select('name').where('name', '=', this.spec.name).executeTakeFirst();
    if (exists) return;
    let start = 0;
    if ((this.spec.startAt ?? 'latest') === 'latest') {
      const row = await this.db.selectFrom('events').select(sql<number | null>`max(id)`.as('max')).executeTakeFirst();
      start = Number(row?.max ?? 0);
    }
    await this.db
      .insertInto('event_consumers')
      .values({ name: this.spec.name, last_event_id: start, lease_holder: null, lease_until: null, updated_at: this.now().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  /** Takes or renews the lease; false when another node holds it. */
  private async lease(): Promise<boolean> {
    const now = this.now();
    const r = await this.db
      .updateTable('event_consumers')
      .set({ lease_holder: this.holder, lease_until: new Date(now.getTime() + (this.opts.leaseMs ?? LEASE_MS)).toISOString() })
      .where('name', '=', this.spec.name)
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_holder', '=', this.holder), eb('lease_until', '<', now.toISOString())]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives the lease up (shutdown), so another node need not wait for it to expire. */
  async release(): Promise<void> {
    await this.db.updateTable('event_consumers').set({ lease_holder: null, lease_until: null }).where('name', '=', this.spec.name).where('lease_holder', '=', this.holder).execute();
  }

  /** The cursor as committed (tests and the newsroom's status page read it). */
  async cursor(): Promise<number> {
    await this.ensureRow();
    const row = await this.db.selectFrom('event_consumers').select('last_event_id').where('name', '=', this.spec.name).executeTakeFirstOrThrow();
    return Number(row.last_event_id);
  }

  /**
   * Handles one batch if this node holds (or can take) the lease. Returns how many events it
   * consumed: 0 when there was nothing new, another node holds the lease, or the batch waits on
   * a gap.
   */
  async runOnce(): Promise<number> {
    await this.ensureRow();
    if (!(await this.lease())) return 0;
    const state = await this.db.selectFrom('event_consumers').select('last_event_id').where('name', '=', this.spec.name).executeTakeFirstOrThrow();
    const from = Number(state.last_event_id);
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('id', '>', from)
      .orderBy('id')
      .limit(this.opts.batchSize ?? this.spec.batchSize ?? BATCH)
      .execute();
    const batch = this.contiguous(from, rows.map((r) => Number(r.id)));
    if (batch === 0) return 0;
    const events: LoggedEvent[] = rows.slice(0, batch).map((r) => ({
      id: Number(r.id),
      type: r.type,
      storyId: r.story_id,
      version: r.version === null ? null : Number(r.version),
      payload: parsePayload(r.payload_json),
      createdAt: r.created_at,
    }));
    const last = events[events.length - 1]!.id;
    // Generated history (src/demo/bulk.ts) moves the cursor but causes nothing.
    const news = events.filter((e) => e.payload.history !== true);
    const prepared = (this.spec.prepare && news.length > 0 ? await this.spec.prepare(news) : undefined) as P;
    try {
      await this.db.transaction().execute(async (trx) => {
        // The compare-and-set comes first: on PostgreSQL it locks the row, so a second node
        // that got this far with the same batch waits here and then finds the cursor moved.
        const moved = await trx
          .updateTable('event_consumers')
          .set({ last_event_id: last, updated_at: this.now().toISOString() })
          .where('name', '=', this.spec.name)
          .where('last_event_id', '=', from)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw new CursorMoved();
        if (news.length > 0) await this.spec.write(trx, news, prepared);
      });
    } catch (err) {
      // Another node consumed this batch meanwhile (our lease expired mid-batch): its work stands.
      if (err instanceof CursorMoved) return 0;
      throw err;
    }
    try {
      if (news.length > 0) this.spec.afterCommit?.(news);
    } catch {
      // A wake-up hint only; the work is committed and will be found by polling.
    }
    return events.length;
  }

  private contiguous(from: number, ids: number[]): number {
    return contiguousCount(from, ids, this.gapSeen, this.now().getTime(), this.opts.gapWaitMs ?? GAP_WAIT_MS);
  }
}

/**
 * How many of `ids` (sorted) may be consumed after `from` without skipping an open gap.
 * `gapSeen` remembers when each missing id was first noticed (missing id → ms); a gap open for
 * `gapWaitMs` is passed.
 */
export function contiguousCount(from: number, ids: readonly number[], gapSeen: Map<number, number>, nowMs: number, gapWaitMs: number): number {
  let expected = from + 1;
  let n = 0;
  for (const id of ids) {
    if (id !== expected) {
      const seen = gapSeen.get(expected);
      if (seen === undefined) {
        gapSeen.set(expected, nowMs);
        break;
      }
      if (nowMs - seen < gapWaitMs) break;
      gapSeen.delete(expected);
    }
    expected = id + 1;
    n++;
  }
  // Forget gaps that are behind us (filled or passed).
  for (const k of gapSeen.keys()) if (k < from + 1) gapSeen.delete(k);
  return n;
}

class CursorMoved extends Error {}

function parsePayload(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The part of a pino / Fastify logger the loop uses. */
export interface ConsumerLog {
  error(obj: object, msg: string): void;
}

export interface ConsumerLoop {
  /** Runs every consumer until each has nothing left now (tests call this to settle). */
  drain(): Promise<void>;
  /** Asks for a run soon (a local change was committed); cheap, coalesced. */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * Runs consumers: on a timer (changes made by other nodes or the CLI), and at once when nudged
 * (a change on this node). One run at a time; a run that finds a full batch goes on at once.
 */
export function startConsumerLoop(consumers: Array<EventConsumer<any>>, log: ConsumerLog, intervalMs: number): ConsumerLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const pass = async (): Promise<void> => {
    for (const c of consumers) {
      try {
        // Keep going while batches come back full or nearly so.
        for (let i = 0; i < 50; i++) {
          const n = await c.runOnce();
          if (n === 0 || stopped) break;
        }
      } catch (err) {
        log.error({ err, consumer: c.spec.name }, 'An event consumer failed; it retries on the next pass');
      }
    }
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void run();
      }
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void run().then(schedule);
    }, intervalMs);
    timer.unref?.();
  };
  void run().then(schedule);

  return {
    async drain() {
      await running;
      await run();
    },
    nudge() {
      if (!stopped) void run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await Promise.all(consumers.map((c) => c.release().catch(() => undefined)));
    },
  };
}
