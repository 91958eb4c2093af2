/**
 * Rendered ninjs documents kept in memory, so a content API answer costs the change list and a
 * few string joins instead of rendering every story again (partner copy, subjects, lead image:
 * several queries and a few milliseconds of HTML work per story, which made a page of 50 take
 * hundreds of milliseconds).
 *
 * A document depends on the partner (its pixel address is in the body), the story as the partner
 * gets it (the access entry: version, state, effective profile, grants, embargo, end of license),
 * the site settings, and what the change tracker covers (authors, desks, tags, profiles, stories).
 * The entry and the settings are part of each document's fingerprint and the tracker's generation
 * is too, so a changed story, profile, setting or byline is rendered again at once. Two things
 * have no signal of their own and are bounded by MAX_AGE_MS instead: an edit made on another node
 * that writes no story event (say, a settings change), and a lead image whose own license profile
 * holds it back for a while (the document is rendered again once that may have passed).
 *
 * Bounded by bytes (least recently used go first); the JSON text is what is kept.
 */
import type { Partner } from '../partners/partners.service.js';
import type { Services } from '../services.js';
import type { AccessEntry } from './access.js';
import { deliver } from './delivery.js';
import { toNinjs, type NinjsVersion } from './ninjs.js';

/** Longest a document is served without being rendered again (see above). */
export const MAX_AGE_MS = 5 * 60_000;
/** Memory for documents: about 2,500 stories of typical length, per node. */
export const DEFAULT_BUDGET_BYTES = 32 * 1024 * 1024;

interface Cached {
  fingerprint: string;
  /** The document's JSON as UTF-8: a page is sent by concatenating these, never re-encoded. */
  json: Buffer;
  expiresAt: number;
}

/** A document ready to send, and the entry it is for (receipts are recorded from it). */
export interface RenderedDocument {
  entry: AccessEntry;
  json: Buffer;
}

const COMMA = Buffer.from(',');

/** `items` as a JSON array, joined from the documents' bytes. */
export function jsonArray(docs: readonly RenderedDocument[]): Buffer[] {
  const parts: Buffer[] = [];
  docs.forEach((d, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(d.json);
  });
  return parts;
}

/** What of an entry shows in its document (changedAt and availableFrom only order the list). */
function entryFingerprint(e: AccessEntry): string {
  return JSON.stringify([
    e.version, e.versionCreated, e.pubstatus, e.embargoUntil, e.publishedAt, e.withdrawnAt, e.withdrawnReason, e.slug, e.status,
    e.liveVersion, e.deskId, e.tags, e.grantedBy, e.endedLicense,
    // The profile by its identity and last change (any change to it also moves the tracker's
    // generation), plus what the story's switch and a license change on the way to the entry.
    e.profile.id, e.profile.updatedAt, e.profile.audience, e.profile.imagesIncluded,
  ]);
}

/** Settings are a frozen object replaced on every change: their JSON is made once per object. */
const settingsJson = new WeakMap<object, string>();
function settingsFingerprint(settings: object): string {
  let json = settingsJson.get(settings);
  if (json === undefined) {
    json = JSON.stringify(settings);
    settingsJson.set(settings, json);
  }
  return json;
}

export class NinjsCache {
  private readonly map = new Map<string, Cached>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly budgetBytes = DEFAULT_BUDGET_BYTES) {}

  /**
   * The documents for these entries, in their order, rendering only those not cached. Entries
   * that cannot be delivered any more (withdrawn since the list was read) are left out, as
   * deliver() leaves them out.
   */
  async documents(services: Services, partner: Pick<Partner, 'id'>, entries: AccessEntry[], version: NinjsVersion, now: Date): Promise<RenderedDocument[]> {
    if (entries.length === 0) return [];
    const settings = await services.settings.get();
    const context = `${version}|${services.changes.current()}|${settingsFingerprint(settings)}`;
    const clock = Date.now();
    const out: Array<RenderedDocument | undefined> = new Array(entries.length);
    const missing: number[] = [];
    const prints: string[] = [];
    entries.forEach((entry, i) => {
      const fingerprint = `${context}|${entryFingerprint(entry)}`;
      prints[i] = fingerprint;
      const key = `${partner.id}|${entry.storyId}|${version}`;
      const hit = this.map.get(key);
      if (hit && hit.fingerprint === fingerprint && hit.expiresAt > clock) {
        // Most recently used last.
        this.map.delete(key);
        this.map.set(key, hit);
        this.hits++;
        out[i] = { entry, json: hit.json };
      } else {
        missing.push(i);
      }
    });
    if (missing.length > 0) {
      this.misses += missing.length;
      const delivered = await deliver(services, partner, missing.map((i) => entries[i]!), now);
      const byStory = new Map(delivered.map((d) => [d.entry.storyId, d]));
      for (const i of missing) {
        const entry = entries[i]!;
        const d = byStory.get(entry.storyId);
        if (!d) continue;
        const json = Buffer.from(JSON.stringify(toNinjs(version, d.ninjs)), 'utf8');
        out[i] = { entry, json };
        this.store(`${partner.id}|${entry.storyId}|${version}`, { fingerprint: prints[i]!, json, expiresAt: clock + MAX_AGE_MS });
      }
    }
    return out.filter((d): d is RenderedDocument => d !== undefined);
  }

  private store(key: string, value: Cached): void {
    const size = value.json.length + value.fingerprint.length;
    if (size > this.budgetBytes / 4) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.json.length + old.fingerprint.length;
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budgetBytes) break;
      this.map.delete(k);
      this.bytes -= v.json.length + v.fingerprint.length;
    }
  }
}

/**
 * Which stories (at which version) a partner was recently recorded as having through a channel,
 * so a partner polling the same page again and again does not rewrite the same receipts on every
 * request: a receipt is written when the version is new to it, or once a minute otherwise (its
 * last_at is then at most a minute behind). Bounded; the oldest entries go first.
 *
 * What it saves is repeated polls of the same pages, a few hundred stories per partner, so 20,000
 * entries leave room for a hundred partners or so. It held 100,000: one partner catching up
 * through the whole archive then left megabytes of keys for the collector to mark on every full
 * collection (see src/usage/pixel-tokens.ts), which slowed every other request.
 */
export class RecentReceipts {
  private readonly map = new Map<string, { version: string; at: number }>();
  constructor(
    private readonly refreshMs = 60_000,
    private readonly max = 20_000,
  ) {}

  /** The items to write now, remembered as written. */
  due<T extends { storyId: string; version: string }>(partnerId: string, channel: string, items: readonly T[], now = Date.now()): T[] {
    const out: T[] = [];
    for (const item of items) {
      const key = `${partnerId}|${channel}|${item.storyId}`;
      const seen = this.map.get(key);
      if (seen && seen.version === item.version && now - seen.at < this.refreshMs) continue;
      this.map.delete(key);
      this.map.set(key, { version: item.version, at: now });
      out.push(item);
    }
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return out;
  }
}
