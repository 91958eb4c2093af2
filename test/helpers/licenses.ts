/**
 * License fixtures for tests that need a licensee without going through the licensing desk:
 * a licenses row as the desk would write it. Tests of the desk itself use its service and API.
 */
import type { Services } from '../../src/services.js';
import type { LicenseOnEnd } from '../../src/db/schema.js';
import { newId } from '../../src/util/ids.js';
import type { License } from '../../src/licensing/licenses.js';

export interface LicenseFixture {
  /** License profile ids; omitted: every profile. */
  profiles?: string[];
  /** Desk ids; omitted: every desk. */
  desks?: string[];
  images?: boolean;
  startsAt?: string;
  /** Null: no end (a license recorded before licenses had dates). Default: a year from now. */
  endsAt?: string | null;
  onEnd?: LicenseOnEnd;
  terms?: string;
}

let counter = 0;

/** Adds a license to a partner (which must exist); makes it a licensee unless `keepKind`. */
export async function addLicense(services: Services, partnerId: string, f: LicenseFixture = {}, keepKind = false): Promise<License> {
  const now = new Date().toISOString();
  const id = newId();
  counter += 1;
  await services.database.db
    .insertInto('licenses')
    .values({
      id,
      reference: `LIC-TEST-${String(counter).padStart(4, '0')}-${id.slice(-6)}`,
      partner_id: partnerId,
      inquiry_id: null,
      scope_profiles_json: f.profiles ? JSON.stringify(f.profiles) : null,
      scope_desks_json: f.desks ? JSON.stringify(f.desks) : null,
      images: f.images === false ? 0 : 1,
      starts_at: f.startsAt ?? new Date(Date.now() - 86_400_000).toISOString(),
      ends_at: f.endsAt === undefined ? new Date(Date.now() + 365 * 86_400_000).toISOString() : f.endsAt,
      on_end: f.onEnd ?? 'keep',
      terms: f.terms ?? 'Test license terms.',
      fee: null,
      revision: 0,
      created_by: null,
      created_at: now,
      updated_at: now,
      renewal_30_sent_at: null,
      renewal_7_sent_at: null,
    })
    .execute();
  if (!keepKind) await services.database.db.updateTable('partners').set({ kind: 'licensee' }).where('id', '=', partnerId).execute();
  const license = await services.licenses.get(id);
  if (!license) throw new Error('license fixture not stored');
  return license;
}
