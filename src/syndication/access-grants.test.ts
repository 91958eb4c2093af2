import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGrants, type Row } from './access.js';
import { BUILT_IN_PROFILE } from '../license-profiles/license-profiles.service.js';
import type { License } from '../licensing/licenses.js';

const at = (halfHours: number, ms = 0) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + halfHours * 30 * 60_000 + ms).toISOString();

function license(id: string, endsAt: string, onEnd: 'keep' | 'cancel'): License {
  return {
    id, reference: `LIC-${id}`, partnerId: 'p', inquiryId: null, scope: { profiles: null, desks: null }, images: false,
    startsAt: at(0), endsAt, onEnd, terms: '', fee: null, revision: 0, createdBy: null, createdAt: at(0), updatedAt: at(0),
    renewal30SentAt: null, renewal7SentAt: null,
  };
}

test('a withdrawal told under one license stays what the partner holds after another license ended with "cancel" and this one with "keep"', () => {
  // Published at 0, withdrawn just after half an hour; license B (cancel) ended at half an hour,
  // license A (keep) was in force at the withdrawal and ended an hour in.
  const row: Row = {
    id: 's1', slug: 's1', status: 'withdrawn', published_at: at(0), withdrawn_at: at(1, 1), withdrawn_reason: 'error', embargo_until: null,
    live_version: 1, current_version: 2, syndication: 'free', version_created_at: at(0), desk_id: 'd', tags_json: '[]', last_event_at: at(1, 1),
    license_profile_id: null,
  };
  const grants = { free: false, licenses: [license('a', at(2), 'keep'), license('b', at(1), 'cancel')] };
  const during = evaluateGrants(row, BUILT_IN_PROFILE, grants, new Date(at(1, 2)));
  assert.equal(during?.version, '2');
  assert.equal(during?.pubstatus, 'canceled');
  const after = evaluateGrants(row, BUILT_IN_PROFILE, grants, new Date(at(2, 1)));
  assert.equal(after?.version, '2', 'not the ".2" cancellation of version 1, which sorts before the withdrawal');
  assert.equal(after?.pubstatus, 'canceled');
  assert.equal(after?.endedLicense, null);
  assert.equal(after?.changedAt, during?.changedAt, 'nothing new to send');
  // With license B alone the end is what the partner is told, as before.
  const alone = evaluateGrants(row, BUILT_IN_PROFILE, { free: false, licenses: [grants.licenses[1]!] }, new Date(at(2, 1)));
  assert.equal(alone?.version, '1.2');
});
