/**
 * Clock events: changes for partners that happen by time alone, with no editor's action to write
 * an event — an embargo lifting (`story.embargo_lifted`) and a delayed free release coming due
 * (`story.released`). The scheduler writes them on each pass, so webhooks and the other consumers
 * of the event log hear of them like of any other change.
 *
 * - `story.embargo_lifted`: a published story whose live version's embargo has passed, when that
 *   embargo was still ahead as the version went live (access.ts counts exactly those as lifted).
 *   Its time is the embargo's end, so the content API's change list (which already counts the end
 *   of an embargo as a change at that moment) does not move.
 * - `story.released`: a published story whose effective profile (after its syndication switch)
 *   gives it to free partners only after a delay; its time is publication + delay. It is not one
 *   of STORY_EVENTS: for free partners the change list already counts the release at that time,
 *   and for licensees nothing changed, so counting it there would show them a change that is none.
 *
 * Every node's scheduler may write them; the partial unique index events_clock_once_idx (story,
 * version, type) turns the second writer's insert into a no-op.
 *
 * Cheap at any archive size: candidates come from partner_change_points through its (kind, at)
 * index. A story's points hold both moments (a free partner's point is at or after its release;
 * an embargo's end is a point of its own while no later event moved the story), so every story
 * with such a moment in the scanned window has a point in it. A node scans the last week once,
 * then only since its previous pass (with a margin for points committed late), and the whole week
 * again every hour (a profile's delay shortened later can move a release into the past).
 */
import type { Services } from '../services.js';
import type { EventType } from '../db/schema.js';
import { applySyndicationSwitch } from '../syndication/rules.js';
import { chunks } from '../util/chunks.js';

/** Clock events older than this are not written (nobody needs news of a week-old embargo). */
export const CLOCK_WINDOW_MS = 7 * 24 * 3600_000;
const RESCAN_MS = 3600_000;
const MARGIN_MS = 10 * 60_000;

const CLOCK_TYPES: EventType[] = ['story.embargo_lifted', 'story.released'];

interface SweepState {
  /** Where the previous pass's window ended. */
  last: number;
  /** When the last full-window pass ran. */
  lastFull: number;
}

const sweeps = new WeakMap<Services, SweepState>();

interface ClockEvent {
  type: EventType;
  storyId: string;
  version: number;
  at: string;
  slug: string;
}

/** The clock events due at `now` among these candidate stories and not written yet. */
async function dueEvents(services: Services, storyIds: string[], now: Date, windowStart: string): Promise<ClockEvent[]> {
  const db = services.database.db;
  const nowIso = now.toISOString();
  const out: ClockEvent[] = [];
  for (const ids of chunks(storyIds)) {
    const rows = await db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select(['s.id', 's.slug', 's.published_at', 's.live_version', 'v.embargo_until', 'v.created_at as version_created_at', 'v.syndication'])
      .where('s.id', 'in', ids)
      .where('s.status', '=', 'published')
      .execute();
    if (rows.length === 0) continue;
    const profiles = await services.licenseProfiles.forStories(rows.map((r) => r.id));
    const existing = await db
      .selectFrom('events')
      .select(['story_id', 'type', 'version'])
      .where('story_id', 'in', rows.map((r) => r.id))
      .where('type', 'in', CLOCK_TYPES)
      .execute();
    const has = new Set(existing.map((e) => `${e.type}|${e.story_id}|${e.type === 'story.released' ? '' : String(e.version)}`));
    for (const r of rows) {
      if (!r.published_at || r.live_version === null) continue;
      const version = Number(r.live_version);
      // Lifted as access.ts reads it: an embargo that was still ahead when this version went live.
      const e = r.embargo_until;
      if (e && e <= nowIso && e > windowStart && e > r.version_created_at && e > r.published_at && !has.has(`story.embargo_lifted|${r.id}|${version}`)) {
        out.push({ type: 'story.embargo_lifted', storyId: r.id, version, at: e, slug: r.slug });
      }
      const storyProfile = profiles.get(r.id);
      if (!storyProfile) continue;
      const profile = applySyndicationSwitch(storyProfile, r.syndication);
      if (profile.audience !== 'free' || profile.delayHours <= 0) continue;
      const due = new Date(Date.parse(r.published_at) + profile.delayHours * 3600_000).toISOString();
      // One release per story, whatever version is live when it comes due.
      if (due <= nowIso && due > windowStart && !has.has(`story.released|${r.id}|`)) {
        out.push({ type: 'story.released', storyId: r.id, version, at: due, slug: r.slug });
      }
    }
  }
  return out;
}

/**
 * Writes the clock events that came due by `now` and were not written yet. Returns how many this
 * call wrote (another node may have written the rest).
 */
export async function writeClockEvents(services: Services, now: Date = new Date()): Promise<number> {
  const db = services.database.db;
  const nowMs = now.getTime();
  const state = sweeps.get(services);
  const full = !state || nowMs - state.lastFull >= RESCAN_MS || nowMs < state.last;
  const startMs = full ? nowMs - CLOCK_WINDOW_MS : Math.max(nowMs - CLOCK_WINDOW_MS, state.last - MARGIN_MS);
  const windowStart = new Date(nowMs - CLOCK_WINDOW_MS).toISOString();
  const points = await db
    .selectFrom('partner_change_points')
    .select('story_id')
    .distinct()
    .where('kind', 'in', ['free', 'licensee'])
    .where('at', '>', new Date(startMs).toISOString())
    .where('at', '<=', now.toISOString())
    .execute();
  const due = points.length > 0 ? await dueEvents(services, points.map((p) => p.story_id), now, windowStart) : [];
  let written = 0;
  for (const ev of due) {
    const r = await db
      .insertInto('events')
      .values({ type: ev.type, story_id: ev.storyId, version: ev.version, payload_json: JSON.stringify({ slug: ev.slug }), created_at: ev.at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    written += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  sweeps.set(services, { last: nowMs, lastFull: full ? nowMs : state!.lastFull });
  if (written > 0) services.changes.bump();
  return written;
}
