import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGrants, type Row } from './access.js';
import { BUILT_IN_PROFILE } from '../license-profiles/license-profiles.service.js';
import type { License } from '../licensing/licenses.js';

const at = (halfHours: number, ms = 0) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + halfHours * 30 * 60_000 + ms).toISOString();

function license(id: string, endsAt: string, onEnd: 'keep' | 'cancel', startsAt = at(0)): License {
  return {
    id, reference: `LIC-${id}`, partnerId: 'p', inquiryId: null, scope: { profiles: null, desks: null }, images: false,
    startsAt, endsAt, onEnd, terms: '', fee: null, revision: 0, createdBy: null, createdAt: at(0), updatedAt: at(0),
    renewal30SentAt: null, renewal7SentAt: null,
  };
}

const published = (): Row => ({
  id: 's1', slug: 's1', status: 'published', published_at: at(0), withdrawn_at: null, withdrawn_reason: null, embargo_until: null,
  live_version: 1, current_version: 1, syndication: 'free', version_created_at: at(0), desk_id: 'd', tags_json: '[]', last_event_at: at(0),
  license_profile_id: null,
});
const stateAt = (row: Row, licenses: License[], halfHours: number, ms = 0) => {
  const e = evaluateGrants(row, BUILT_IN_PROFILE, { free: false, licenses }, new Date(at(halfHours, ms)));
  return e ? `v${e.version} ${e.pubstatus} at ${e.changedAt}` : 'nothing';
};

test('a withdrawal told under one license, then that license ends with "keep" after another ended with "cancel": nothing more to say', () => {
  // Published at 0, withdrawn just after half an hour; license B (cancel) ended at half an hour,
  // license A (keep) was in force at the withdrawal and ended an hour in.
  const row: Row = {
    id: 's1', slug: 's1', status: 'withdrawn', published_at: at(0), withdrawn_at: at(1, 1), withdrawn_reason: 'error', embargo_until: null,
    live_version: 1, current_version: 2, syndication: 'free', version_created_at: at(0), desk_id: 'd', tags_json: '[]', last_event_at: at(1, 1),
    license_profile_id: null,
  };
  const [a, b] = [license('a', at(2), 'keep'), license('b', at(1), 'cancel')];
  assert.equal(stateAt(row, [a, b], 1, 2), `v2 canceled at ${at(1, 1)}`, 'the withdrawal, under A');
  // Not the ".2" cancellation of version 1 by B, which sorts before the withdrawal the partner
  // holds: A went on giving the story after B ended, and A's end keeps it, as with A alone.
  assert.equal(stateAt(row, [a, b], 2, 1), 'nothing');
  assert.equal(stateAt(row, [a], 2, 1), 'nothing');
  // With license B alone the end is what the partner is told.
  assert.equal(stateAt(row, [b], 2, 1), `v1.2 canceled at ${at(1, 1)}`);
});

test('a license that cancels, ending while another that keeps is in force, cancels nothing', () => {
  const [keep, cancel] = [license('k', at(2), 'keep'), license('c', at(1), 'cancel')];
  assert.equal(stateAt(published(), [keep, cancel], 1, 5), `v1 usable at ${at(1)}`);
  // Found by the license property test: B's cancellation (dated at half an hour) came back as
  // the state once the keeping license ended, though the partner was last told "usable" later.
  assert.equal(stateAt(published(), [keep, cancel], 2, 1), 'nothing');
  // The other way round the cancellation is the last word, at the later end.
  const [keepShort, cancelLong] = [license('k', at(1), 'keep'), license('c', at(2), 'cancel')];
  assert.equal(stateAt(published(), [keepShort, cancelLong], 2, 1), `v1.2 canceled at ${at(2)}`);
  // Two that cancel: the later end is the one told.
  assert.equal(stateAt(published(), [license('c1', at(1), 'cancel'), license('c2', at(2), 'cancel')], 2, 1), `v1.2 canceled at ${at(2)}`);
});

test('a cancellation stands until a later license reaches the story, which then decides', () => {
  const cancel = license('c', at(1), 'cancel');
  const later = license('l', at(5), 'keep', at(3));
  assert.equal(stateAt(published(), [cancel, later], 2), `v1.2 canceled at ${at(1)}`, 'the later license has not started');
  assert.equal(stateAt(published(), [cancel, later], 4), `v1 usable at ${at(3)}`);
  assert.equal(stateAt(published(), [cancel, later], 6), 'nothing');
  // A license that ended before the cancellation changes nothing.
  const earlier = license('e', at(1, -1), 'keep');
  assert.equal(stateAt(published(), [cancel, earlier], 2), `v1.2 canceled at ${at(1)}`);
});
