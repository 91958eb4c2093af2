/**
 * Partners' webhook endpoints through the API (/api/v1/webhooks) and the portal: registering,
 * listing, changing and deleting endpoints, secrets shown once and rotated with an overlap, test
 * deliveries and replays queued as rows, the paged delivery log, scoping to the partner, the
 * outbound address policy when an address is registered, and bad input of every kind (including
 * a property-based run over every route). Nothing here sends HTTP: the delivery worker does.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { approvedPartner, buildWorld, formsOn, nextIp, postForm, sessions, type FoundForm, type World } from '../helpers/surface.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { suspendPartner } from '../../src/partners/decisions.js';
import { ROTATION_OVERLAP_MS, secretHint } from '../../src/webhooks/signing.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/types.js';
import { newId } from '../../src/util/ids.js';
import { webhookEndpointsOf } from '../../src/webhooks/endpoints.service.js';

const LOOPBACK = { FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' };
const HOOK = 'https://127.0.0.1:9/hooks/freewire';

type Json = Record<string, any>;

function api(w: World, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, key = w.apiKey, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return w.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function json(r: LightMyRequestResponse, status: number): Json {
  assert.equal(r.statusCode, status, r.body.slice(0, 500));
  return JSON.parse(r.body) as Json;
}

function fieldError(r: LightMyRequestResponse, field: string, status = 400): string[] {
  const b = json(r, status);
  assert.equal(typeof b.error?.code, 'string', r.body);
  assert.ok(b.error.details?.[field], `expected details.${field}: ${r.body}`);
  return b.error.details[field] as string[];
}

async function create(w: World, body: Json = { url: HOOK }): Promise<Json> {
  return json(await api(w, 'POST', '/webhooks', body), 201);
}

async function deliveryRows(w: World, endpointId: string) {
  return w.t.services.database.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('id').execute();
}

forEachDialect('webhook endpoints: create, list, get, patch, rotate, test, deliveries, replay, delete', async (_t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    let woken = 0;
    w.t.services.signals.webhooks.listen(() => (woken += 1));

    // ---- create: the secret in full, once --------------------------------------------------------
    const created = await create(w, { url: HOOK, events: ['story.withdrawn', 'story.corrected', 'story.corrected'], description: 'Production CMS' });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.url, HOOK);
    assert.deepEqual(created.events, ['story.corrected', 'story.withdrawn']);
    assert.equal(created.description, 'Production CMS');
    assert.equal(created.status, 'enabled');
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(Buffer.from(created.secret.slice('whsec_'.length), 'base64').length >= 24);
    assert.ok(created.createdAt);

    const all = await create(w, { url: 'https://127.0.0.1:9/all' });
    assert.deepEqual(all.events, [], 'no events chosen = every event');

    // ---- never shown again ----------------------------------------------------------------------
    const list = await api(w, 'GET', '/webhooks');
    assert.ok(!list.body.includes(created.secret));
    const items = json(list, 200).items as Json[];
    assert.deepEqual(items.map((e) => e.id), [created.id, all.id]);
    assert.equal(items[0]!.secretHint, secretHint(created.secret));
    assert.doesNotMatch(items[0]!.secretHint, /=$/, 'padding tells nothing apart');
    assert.equal(items[0]!.secret, undefined);
    const one = await api(w, 'GET', `/webhooks/${created.id}`);
    assert.ok(!one.body.includes(created.secret));
    assert.equal(json(one, 200).description, 'Production CMS');

    // ---- patch ----------------------------------------------------------------------------------
    const patched = json(await api(w, 'PATCH', `/webhooks/${created.id}`, { description: 'Staging', events: ['story.published'] }), 200);
    assert.equal(patched.description, 'Staging');
    assert.deepEqual(patched.events, ['story.published']);
    assert.equal(patched.url, HOOK);
    assert.equal(json(await api(w, 'PATCH', `/webhooks/${created.id}`, { url: 'https://127.0.0.1:8443/new' }), 200).url, 'https://127.0.0.1:8443/new');
    assert.equal(json(await api(w, 'PATCH', `/webhooks/${created.id}`, {}), 200).description, 'Staging');

    // Disabled (as the delivery worker does after three days of failures), then re-enabled.
    await w.t.services.database.db
      .updateTable('webhook_endpoints')
      .set({ status: 'disabled', disabled_reason: 'Failing for 3 days.', disabled_at: new Date().toISOString(), failing_since: new Date().toISOString() })
      .where('id', '=', created.id)
      .execute();
    const disabled = json(await api(w, 'GET', `/webhooks/${created.id}`), 200);
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.disabledReason, 'Failing for 3 days.');
    assert.equal(json(await api(w, 'POST', `/webhooks/${created.id}/test`), 409).error.code, 'CONFLICT');
    const enabled = json(await api(w, 'PATCH', `/webhooks/${created.id}`, { enabled: true }), 200);
    assert.equal(enabled.status, 'enabled');
    assert.equal(enabled.disabledReason, null);
    assert.equal(enabled.failingSince, null);
    assert.equal(json(await api(w, 'PATCH', `/webhooks/${created.id}`, { enabled: false }), 200).status, 'disabled');
    json(await api(w, 'PATCH', `/webhooks/${created.id}`, { enabled: true }), 200);

    // ---- rotate: new secret, the previous one kept with an expiry --------------------------------
    const before = Date.now();
    const rotated = json(await api(w, 'POST', `/webhooks/${created.id}/rotate-secret`), 200);
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, created.secret);
    const row = await w.t.services.database.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(row.secret, rotated.secret);
    assert.equal(row.previous_secret, created.secret);
    const expires = Date.parse(row.previous_secret_expires_at!);
    assert.ok(expires >= before + ROTATION_OVERLAP_MS && expires <= Date.now() + ROTATION_OVERLAP_MS, row.previous_secret_expires_at!);
    assert.equal(rotated.previousSecretExpiresAt, row.previous_secret_expires_at);
    const afterRotate = await api(w, 'GET', `/webhooks/${created.id}`);
    assert.ok(!afterRotate.body.includes(rotated.secret) && !afterRotate.body.includes(created.secret));
    assert.equal(json(afterRotate, 200).previousSecretExpiresAt, row.previous_secret_expires_at);

    // ---- test: a pending webhook.test row, and the delivery loop is woken -------------------------
    const wokenBefore = woken;
    const test = json(await api(w, 'POST', `/webhooks/${created.id}/test`, {}), 202);
    assert.ok(woken > wokenBefore);
    const [testRow] = await deliveryRows(w, created.id);
    assert.ok(testRow);
    assert.equal(testRow.id, test.deliveryId);
    assert.equal(testRow.type, 'webhook.test');
    assert.equal(testRow.status, 'pending');
    assert.equal(testRow.event_id, null);
    assert.equal(testRow.partner_id, w.partnerId);
    assert.match(testRow.message_id, /^msg_/);
    assert.ok(Date.parse(testRow.next_attempt_at) <= Date.now());
    const body = JSON.parse(testRow.body) as Json;
    assert.equal(body.type, 'webhook.test');
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    assert.equal(body.data.endpointId, created.id);
    assert.equal(typeof body.data.message, 'string');

    // ---- the delivery log, paged newest first ------------------------------------------------------
    for (let i = 0; i < 4; i++) json(await api(w, 'POST', `/webhooks/${created.id}/test`), 202);
    // A delivered one, as the worker records it.
    await w.t.services.database.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', attempts: 1, response_status: 204, duration_ms: 12, delivered_at: new Date().toISOString(), last_attempt_at: new Date().toISOString() })
      .where('id', '=', test.deliveryId)
      .execute();
    const seen: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Json = json(await api(w, 'GET', `/webhooks/${created.id}/deliveries?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
      assert.ok(page.items.length <= 2);
      seen.push(...(page.items as Json[]));
      cursor = page.next as string | null;
      pages += 1;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.equal(seen.length, 5);
    const all5 = (await deliveryRows(w, created.id)).reverse();
    assert.deepEqual(seen.map((d) => d.id), all5.map((r) => r.id), 'newest first, each once');
    const delivered = seen.find((d) => d.id === test.deliveryId)!;
    assert.equal(delivered.status, 'delivered');
    assert.equal(delivered.responseStatus, 204);
    assert.equal(delivered.durationMs, 12);
    assert.equal(delivered.nextAttemptAt, null, 'only pending deliveries have a next attempt');
    assert.equal(delivered.type, 'webhook.test');
    assert.equal(delivered.eventId, null);
    const pending = seen.find((d) => d.status === 'pending')!;
    assert.ok(pending.nextAttemptAt);
    assert.deepEqual(Object.keys(delivered).sort(), [
      'attempts', 'createdAt', 'deliveredAt', 'durationMs', 'endpointId', 'eventId', 'id', 'lastAttemptAt', 'lastError', 'messageId', 'nextAttemptAt', 'responseStatus',
      'status', 'storyId', 'storyVersion', 'type',
    ]);
    assert.equal(json(await api(w, 'GET', `/webhooks/${created.id}/deliveries`), 200).next, null);
    fieldError(await api(w, 'GET', `/webhooks/${created.id}/deliveries?cursor=not-a-cursor`), 'cursor');
    fieldError(await api(w, 'GET', `/webhooks/${created.id}/deliveries?limit=0`), 'limit');
    fieldError(await api(w, 'GET', `/webhooks/${created.id}/deliveries?limit=1.5`), 'limit');

    // The list shows the last delivery.
    const listed = (json(await api(w, 'GET', '/webhooks'), 200).items as Json[]).find((e) => e.id === created.id)!;
    assert.ok(listed.lastDelivery);

    // ---- replay: a new row, same body and webhook-id -----------------------------------------------
    const replayed = json(await api(w, 'POST', `/webhooks/${created.id}/deliveries/${test.deliveryId}/replay`), 202);
    assert.notEqual(replayed.deliveryId, test.deliveryId);
    const rows = await deliveryRows(w, created.id);
    const copy = rows.find((r) => r.id === replayed.deliveryId)!;
    assert.equal(copy.message_id, testRow.message_id);
    assert.equal(replayed.messageId, testRow.message_id);
    assert.equal(copy.body, testRow.body);
    assert.equal(copy.type, 'webhook.test');
    assert.equal(copy.status, 'pending');
    assert.equal(copy.event_id, null);
    assert.equal(copy.attempts, 0);
    assert.equal(rows.find((r) => r.id === test.deliveryId)!.status, 'delivered', 'the original keeps its history');
    // A story event delivery (as the dispatcher writes it) replays with its story and version.
    const eventRow = {
      ...testRow,
      id: newId(),
      event_id: 42,
      message_id: 'msg_event42',
      type: 'story.corrected',
      story_id: w.storyId,
      story_version: '3',
      body: '{"type":"story.corrected"}',
      status: 'failed' as const,
      created_at: new Date().toISOString(),
    };
    await w.t.services.database.db.insertInto('webhook_deliveries').values(eventRow).execute();
    const r2 = json(await api(w, 'POST', `/webhooks/${created.id}/deliveries/${eventRow.id}/replay`, {}), 202);
    const copy2 = (await deliveryRows(w, created.id)).find((r) => r.id === r2.deliveryId)!;
    assert.deepEqual(
      [copy2.message_id, copy2.type, copy2.story_id, copy2.story_version, copy2.body, copy2.event_id, copy2.status],
      ['msg_event42', 'story.corrected', w.storyId, '3', '{"type":"story.corrected"}', null, 'pending'],
    );
    // A delivery of another endpoint is not found through this one.
    assert.equal(json(await api(w, 'POST', `/webhooks/${all.id}/deliveries/${test.deliveryId}/replay`), 404).error.code, 'NOT_FOUND');

    // ---- another partner sees none of it ----------------------------------------------------------
    const other = await approvedPartner(w.t, 'Hill Times', 'desk@hilltimes.example');
    const { key: otherKey } = await w.t.services.partners.createKey(SYSTEM_ACTOR, other.partnerId, 'other');
    assert.deepEqual(json(await api(w, 'GET', '/webhooks', undefined, otherKey), 200).items, []);
    for (const [method, url] of [
      ['GET', `/webhooks/${created.id}`],
      ['PATCH', `/webhooks/${created.id}`],
      ['DELETE', `/webhooks/${created.id}`],
      ['POST', `/webhooks/${created.id}/rotate-secret`],
      ['POST', `/webhooks/${created.id}/test`],
      ['GET', `/webhooks/${created.id}/deliveries`],
      ['POST', `/webhooks/${created.id}/deliveries/${test.deliveryId}/replay`],
    ] as const) {
      const r = await api(w, method, url, method === 'PATCH' ? { description: 'mine now' } : undefined, otherKey);
      assert.equal(json(r, 404).error.code, 'NOT_FOUND', `${method} ${url}`);
    }
    assert.equal(json(await api(w, 'GET', `/webhooks/${created.id}`), 200).description, 'Staging');

    // ---- delete: 204, rows gone with it -----------------------------------------------------------
    const del = await api(w, 'DELETE', `/webhooks/${created.id}`);
    assert.equal(del.statusCode, 204, del.body);
    assert.equal(del.body, '');
    assert.equal(json(await api(w, 'GET', `/webhooks/${created.id}`), 404).error.code, 'NOT_FOUND');
    assert.equal((await deliveryRows(w, created.id)).length, 0);
    assert.deepEqual((json(await api(w, 'GET', '/webhooks'), 200).items as Json[]).map((e) => e.id), [all.id]);

    // ---- documented ---------------------------------------------------------------------------------
    const doc = json(await w.app.inject({ url: '/api/docs/openapi.json' }), 200);
    for (const p of ['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/rotate-secret', '/api/v1/webhooks/{id}/test', '/api/v1/webhooks/{id}/deliveries', '/api/v1/webhooks/{id}/deliveries/{deliveryId}/replay']) {
      assert.ok(doc.paths[p], `${p} documented`);
      for (const op of Object.values(doc.paths[p] as Json) as Json[]) assert.deepEqual(op.tags, ['Webhooks']);
    }
  } finally {
    await w.t.close();
  }
});

forEachDialect('webhook endpoints: bad input gets 4xx with field messages', async (_t, tdb) => {
  // No allow-list: loopback is refused like any private address.
  const w = await buildWorld(tdb);
  try {
    const url = async (value: unknown) => fieldError(await api(w, 'POST', '/webhooks', { url: value }), 'url');
    assert.match((await url('not a url')).join(' '), /valid URL/i);
    assert.match((await url('ftp://files.example.org/hook')).join(' '), /https/i);
    assert.match((await url('http://example.com/hook')).join(' '), /https/i);
    for (const bad of ['https://10.0.0.1/', 'https://169.254.169.254/latest/meta-data', 'https://localhost/', 'http://[::1]/', 'https://[::1]/', 'https://127.0.0.1/', 'https://192.168.1.10/', 'https://[::ffff:10.0.0.1]/']) {
      const msgs = await url(bad);
      assert.ok(msgs.join(' ').length > 10, `${bad}: ${msgs.join(' ')}`);
    }
    await url('https://user:pass@127.0.0.1/');
    await url('');
    await url(42);
    await url(`https://example.org/${'a'.repeat(2100)}`);
    fieldError(await api(w, 'POST', '/webhooks', {}), 'url');

    const events = fieldError(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', events: ['story.published', 'story.exploded'] }), 'events');
    assert.match(events.join(' '), /story\.exploded/);
    fieldError(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', events: 'story.published' }), 'events');
    fieldError(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', events: ['webhook.test'] }), 'events');
    fieldError(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', description: 'x'.repeat(501) }), 'description');
    const extra = fieldError(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', secret: 'whsec_mine' }), 'secret');
    assert.match(extra.join(' '), /not a known field/);
    // Several problems the service finds are all named at once.
    const many = json(await api(w, 'POST', '/webhooks', { url: 'https://10.0.0.1/', events: ['nope'] }), 400);
    assert.ok(many.error.details.events && many.error.details.url, JSON.stringify(many));

    // Malformed, oversized, wrong type.
    assert.equal(json(await api(w, 'POST', '/webhooks', '{"url": '), 400).error.code, 'BAD_REQUEST');
    const big = json(await api(w, 'POST', '/webhooks', { url: 'https://example.org/', description: 'x'.repeat(20_000) }), 413);
    assert.equal(big.error.code, 'PAYLOAD_TOO_LARGE');
    assert.ok(big.error.message.length > 0);
    const text = await api(w, 'POST', '/webhooks', 'url=x', w.apiKey, { 'content-type': 'text/plain' });
    assert.ok(text.statusCode === 400 || text.statusCode === 415, text.body);
    assert.equal(typeof json(text, text.statusCode).error.message, 'string');

    // Nothing was created by any of that.
    assert.deepEqual(json(await api(w, 'GET', '/webhooks'), 200).items, []);

    // Unknown ids and over-long ids.
    assert.equal(json(await api(w, 'GET', `/webhooks/${newId()}`), 404).error.code, 'NOT_FOUND');
    assert.equal((await api(w, 'GET', `/webhooks/${'x'.repeat(100)}`)).statusCode, 400);
    // No key, a wrong key.
    assert.equal((await w.app.inject({ url: '/api/v1/webhooks' })).statusCode, 401);
    assert.equal((await api(w, 'GET', '/webhooks', undefined, `fwp_${'A'.repeat(43)}`)).statusCode, 401);
  } finally {
    await w.t.close();
  }
});

forEachDialect('webhook endpoints: action routes take an empty body; at most ten endpoints; suspended partners refused', async (_t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    const e = await create(w);
    const variants: Array<{ label: string; headers: Record<string, string>; payload?: string }> = [
      { label: 'no body', headers: {} },
      { label: 'json, zero length', headers: { 'content-type': 'application/json' } },
      { label: 'json; charset, zero length', headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' } },
      { label: '{}', headers: { 'content-type': 'application/json' }, payload: '{}' },
    ];
    for (const v of variants) {
      const call = (url: string) =>
        w.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { authorization: `Bearer ${w.apiKey}`, ...v.headers }, payload: v.payload });
      json(await call(`/webhooks/${e.id}/rotate-secret`), 200);
      const t = json(await call(`/webhooks/${e.id}/test`), 202);
      json(await call(`/webhooks/${e.id}/deliveries/${t.deliveryId}/replay`), 202);
      const doomed = await create(w, { url: 'https://127.0.0.1:9/doomed' });
      const del = await w.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${doomed.id}`, headers: { authorization: `Bearer ${w.apiKey}`, ...v.headers }, payload: v.payload });
      assert.equal(del.statusCode, 204, `${v.label}: ${del.body}`);
      // Create names its required field rather than the body's shape.
      assert.deepEqual(Object.keys(json(await call('/webhooks'), 400).error.details), ['url'], v.label);
    }
    fieldError(await api(w, 'POST', `/webhooks/${e.id}/test`, { please: true }), 'please');

    for (let i = 2; i <= 10; i++) await create(w, { url: `https://127.0.0.1:9/hook/${i}` });
    const eleventh = json(await api(w, 'POST', '/webhooks', { url: 'https://127.0.0.1:9/hook/11' }), 409);
    assert.equal(eleventh.error.code, 'CONFLICT');
    assert.match(eleventh.error.message, /10/);
    assert.equal((json(await api(w, 'GET', '/webhooks'), 200).items as Json[]).length, 10);

    // Creates racing each other still stop at ten.
    const racer = await approvedPartner(w.t, 'Race Courier', 'desk@racecourier.example');
    const { key: racerKey } = await w.t.services.partners.createKey(SYSTEM_ACTOR, racer.partnerId, 'race');
    const raced = await Promise.all(Array.from({ length: 14 }, (_, i) => api(w, 'POST', '/webhooks', { url: `https://127.0.0.1:9/race/${i}` }, racerKey)));
    assert.deepEqual(raced.map((r) => r.statusCode).sort(), [...Array(10).fill(201), ...Array(4).fill(409)]);

    // Suspended: the key no longer manages anything, and the service refuses on its own too.
    await suspendPartner(w.t.services, SYSTEM_ACTOR, w.partnerId, 'Unpaid invoices');
    assert.equal(json(await api(w, 'GET', '/webhooks'), 403).error.code, 'FORBIDDEN');
    assert.equal(json(await api(w, 'POST', '/webhooks', { url: HOOK }), 403).error.code, 'FORBIDDEN');
    assert.equal(json(await api(w, 'POST', `/webhooks/${e.id}/test`), 403).error.code, 'FORBIDDEN');
    await assert.rejects(webhookEndpointsOf(w.t.services).create(w.partnerId, { url: HOOK }), (err: any) => err.code === 'FORBIDDEN');
    await assert.rejects(webhookEndpointsOf(w.t.services).sendTest(w.partnerId, e.id), (err: any) => err.code === 'FORBIDDEN');
  } finally {
    await w.t.close();
  }
});

// ---- property-based: whatever arrives, never a 5xx, always the error shape -------------------------

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', ' ', '\u0000', '../../etc/passwd', '%00', '%', '__proto__', 'constructor', "'; drop table webhook_endpoints; --", 'x'.repeat(300), '😀', '\uFFFF'),
);
const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://127.0.0.1:9/ok', 'http://127.0.0.1/', 'https://0.0.0.0/', 'https://[::]/', 'https://0x7f.1/', 'https://2130706433/', 'https://[fe80::1%25eth0]/',
    'https://metadata.google.internal/', 'javascript:alert(1)', 'data:text/plain,x', 'file:///etc/passwd', 'https://', 'https://exa mple.org/', 'https://ex%00ample.org/',
  ),
  hostileString,
);
const body = fc.oneof(
  jsonValue,
  fc.record(
    {
      url: fc.oneof(urlish, jsonValue),
      events: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...WEBHOOK_EVENT_TYPES, 'webhook.test', 'story.*'), hostileString), { maxLength: 8 }), jsonValue),
      description: fc.oneof(hostileString, jsonValue),
      enabled: fc.oneof(fc.boolean(), jsonValue),
      __proto__: jsonValue,
      extra: jsonValue,
    },
    { requiredKeys: [] },
  ),
);

forEachDialect('webhook API: arbitrary bodies, URLs, ids and queries never get a 5xx', async (t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    const e = await create(w);
    const test = json(await api(w, 'POST', `/webhooks/${e.id}/test`), 202);
    const id = fc.oneof(fc.constant(e.id), fc.constant(newId()), hostileString.map((s) => encodeURIComponent(s) || 'x'));
    const deliveryId = fc.oneof(fc.constant(test.deliveryId as string), hostileString.map((s) => encodeURIComponent(s) || 'x'));
    const route = fc.oneof(
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/webhooks') }),
      fc.record({ method: fc.constant('GET' as const), path: fc.constant('/webhooks') }),
      fc.record({ method: fc.constantFrom('GET' as const, 'PATCH' as const, 'DELETE' as const), path: id.map((i) => `/webhooks/${i}`) }),
      fc.record({ method: fc.constant('POST' as const), path: id.map((i) => `/webhooks/${i}/rotate-secret`) }),
      fc.record({ method: fc.constant('POST' as const), path: id.map((i) => `/webhooks/${i}/test`) }),
      fc.record({
        method: fc.constant('GET' as const),
        path: fc.tuple(id, hostileString, fc.oneof(hostileString, fc.integer().map(String))).map(([i, c, l]) => `/webhooks/${i}/deliveries?cursor=${encodeURIComponent(c)}&limit=${encodeURIComponent(l)}`),
      }),
      fc.record({ method: fc.constant('POST' as const), path: fc.tuple(id, deliveryId).map(([i, d]) => `/webhooks/${i}/deliveries/${d}/replay`) }),
    );
    const payload = fc.oneof(
      body.map((b) => ({ raw: JSON.stringify(b) ?? '', type: 'application/json' })),
      fc.string({ maxLength: 200 }).map((s) => ({ raw: s, type: 'application/json' })),
      fc.string({ maxLength: 200 }).map((s) => ({ raw: s, type: 'application/x-www-form-urlencoded' })),
      fc.constant({ raw: '', type: '' }),
    );
    await fc.assert(
      fc.asyncProperty(route, payload, async (r, p) => {
        const withBody = r.method !== 'GET' && p.type !== '';
        const res = await w.app.inject({
          method: r.method,
          url: `/api/v1${r.path}`,
          remoteAddress: nextIp(),
          headers: { authorization: `Bearer ${w.apiKey}`, ...(withBody ? { 'content-type': p.type } : {}) },
          payload: withBody ? p.raw : undefined,
        });
        assert.ok(res.statusCode < 500, `${r.method} ${r.path} ${p.raw.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400) {
          const b = JSON.parse(res.body) as Json;
          assert.equal(typeof b.error?.code, 'string', res.body);
          assert.equal(typeof b.error?.message, 'string', res.body);
          if (b.error.details !== undefined) {
            for (const msgs of Object.values(b.error.details as Json)) assert.ok(Array.isArray(msgs) && msgs.every((m) => typeof m === 'string'), res.body);
          }
        }
        // Keep room under the ten-endpoint limit so creates keep reaching validation.
        if (res.statusCode === 201) await api(w, 'DELETE', `/webhooks/${(JSON.parse(res.body) as Json).id}`);
      }),
      { numRuns: tdb.dialect === 'postgres' ? Math.ceil(RUNS / 2) : RUNS },
    );
    void t;
  } finally {
    await w.t.close();
  }
});

// ---- the partner portal -------------------------------------------------------------------------

function portal(w: World, method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
  if (method === 'GET') return w.app.inject({ url, headers: { cookie: w.partnerCookie } });
  const params = new URLSearchParams({ _csrf: w.partnerCsrf });
  for (const [k, v] of Object.entries(form ?? {})) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  return w.app.inject({ method, url, headers: { cookie: w.partnerCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: params.toString() });
}

forEachDialect('portal: add an endpoint through the form, secret once, rotate, test, replay, delete', async (_t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    // The nav links to the page, next to the API keys.
    const home = await portal(w, 'GET', '/partners');
    assert.match(home.body, /href="\/partners\/keys"[^>]*>API keys[^<]*<\/a><\/li><li><a href="\/partners\/webhooks"/);
    const empty = await portal(w, 'GET', '/partners/webhooks');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /no webhook endpoints yet/);
    assert.match(empty.body, /webhook-signature/);
    assert.match(empty.body, /standardwebhooks/);
    for (const t of WEBHOOK_EVENT_TYPES) assert.ok(empty.body.includes(`value="${t}"`), t);

    // Errors are re-rendered next to their fields, with what was typed.
    const bad = await portal(w, 'POST', '/partners/webhooks', { url: 'http://10.0.0.1/hook', description: 'Mine', events: ['story.corrected'] });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /id="f-url-error"/);
    assert.match(bad.body, /value="http:\/\/10\.0\.0\.1\/hook"/);
    assert.match(bad.body, /value="story\.corrected" checked/);

    // Created: the secret is in this response, and nowhere after.
    const created = await portal(w, 'POST', '/partners/webhooks', { url: HOOK, description: 'Production CMS', events: ['story.corrected', 'story.withdrawn'] });
    assert.equal(created.statusCode, 201, created.body.slice(0, 300));
    const secret = /value="(whsec_[^"]+)"/.exec(created.body)?.[1];
    assert.ok(secret, 'secret shown');
    assert.match(created.body, /only time it is shown/);
    assert.equal(created.cookies.length, 0, 'the secret is not put in a cookie');
    const [endpoint] = await webhookEndpointsList(w);
    assert.ok(endpoint);
    assert.equal(endpoint.secret, secret);
    assert.deepEqual(JSON.parse(endpoint.events_json), ['story.corrected', 'story.withdrawn']);
    const listPage = await portal(w, 'GET', '/partners/webhooks');
    assert.ok(!listPage.body.includes(secret));
    assert.match(listPage.body, /Production CMS/);
    const detailUrl = `/partners/webhooks/${endpoint.id}`;
    const detail = await portal(w, 'GET', detailUrl);
    assert.equal(detail.statusCode, 200);
    assert.ok(!detail.body.includes(secret));
    assert.ok(detail.body.includes(secretHint(secret)));

    // Edit: 303, saved; a bad edit re-renders with the field message.
    const edit = await portal(w, 'POST', detailUrl, { url: HOOK, description: 'Staging', events: ['story.published'] });
    assert.equal(edit.statusCode, 303);
    assert.equal(edit.headers.location, detailUrl);
    assert.equal((await webhookEndpointsList(w))[0]!.description, 'Staging');
    const badEdit = await portal(w, 'POST', detailUrl, { url: HOOK, description: 'x'.repeat(501) });
    assert.equal(badEdit.statusCode, 400);
    assert.match(badEdit.body, /id="f-description-error"/);

    // Rotate: the new secret on the response page only.
    const rotated = await portal(w, 'POST', `${detailUrl}/rotate-secret`);
    assert.equal(rotated.statusCode, 200);
    const newSecret = /value="(whsec_[^"]+)"/.exec(rotated.body)?.[1];
    assert.ok(newSecret && newSecret !== secret);
    assert.match(rotated.body, /24 hours/);
    const afterRotate = await webhookEndpointsList(w);
    assert.equal(afterRotate[0]!.secret, newSecret);
    assert.equal(afterRotate[0]!.previous_secret, secret);
    assert.ok(!(await portal(w, 'GET', detailUrl)).body.includes(newSecret));

    // Test: 303 and a pending row that shows in the log with a Replay button.
    const test = await portal(w, 'POST', `${detailUrl}/test`);
    assert.equal(test.statusCode, 303);
    const rows = await deliveryRows(w, endpoint.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.type, 'webhook.test');
    const withLog = await portal(w, 'GET', detailUrl);
    assert.match(withLog.body, /webhook\.test/);
    assert.ok(withLog.body.includes(`/deliveries/${rows[0]!.id}/replay`));
    assert.ok(withLog.body.includes(rows[0]!.message_id));

    // Replay: 303, a new row with the same webhook-id.
    const replay = await portal(w, 'POST', `${detailUrl}/deliveries/${rows[0]!.id}/replay`);
    assert.equal(replay.statusCode, 303);
    const after = await deliveryRows(w, endpoint.id);
    assert.equal(after.length, 2);
    assert.deepEqual(new Set(after.map((r) => r.message_id)).size, 1);

    // The log pages, newest first.
    for (let i = 0; i < 25; i++) await webhookEndpointsOfW(w).sendTest(w.partnerId, endpoint.id);
    const page1 = await portal(w, 'GET', detailUrl);
    const older = /href="([^"]*\?cursor=[^"]+)"/.exec(page1.body)?.[1];
    assert.ok(older, 'a link to older deliveries');
    const page2 = await portal(w, 'GET', older.replace(/&amp;/g, '&'));
    assert.equal(page2.statusCode, 200);
    assert.match(page2.body, /Newest/);
    assert.equal((await portal(w, 'GET', `${detailUrl}?cursor=garbage`)).statusCode, 200);

    // Pause and enable.
    assert.equal((await portal(w, 'POST', `${detailUrl}/disable`)).statusCode, 303);
    assert.equal((await webhookEndpointsList(w))[0]!.status, 'disabled');
    const refused = await portal(w, 'POST', `${detailUrl}/test`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /enable it first/);
    assert.equal((await portal(w, 'POST', `${detailUrl}/enable`)).statusCode, 303);
    assert.equal((await webhookEndpointsList(w))[0]!.status, 'enabled');

    // CSRF is checked.
    const noCsrf = await w.app.inject({ method: 'POST', url: `${detailUrl}/test`, headers: { cookie: w.partnerCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    assert.equal(noCsrf.statusCode, 403);

    // At the limit the form gives way to a note, and a post anyway is answered with the reason.
    for (let i = 2; i <= 10; i++) await webhookEndpointsOfW(w).create(w.partnerId, { url: `https://127.0.0.1:9/more/${i}` });
    const fullPage = await portal(w, 'GET', '/partners/webhooks');
    assert.ok(!fullPage.body.includes('action="/partners/webhooks"'));
    const eleventh = await portal(w, 'POST', '/partners/webhooks', { url: HOOK });
    assert.equal(eleventh.statusCode, 409);
    assert.match(eleventh.body, /the most an outlet may have/);
    for (const extra of (await webhookEndpointsList(w)).filter((r) => r.id !== endpoint.id)) await webhookEndpointsOfW(w).delete(w.partnerId, extra.id);

    // Another outlet's endpoint is not found.
    const other = await approvedPartner(w.t, 'Hill Times', 'desk@hilltimes.example');
    const theirs = await webhookEndpointsOfW(w).create(other.partnerId, { url: HOOK });
    assert.equal((await portal(w, 'GET', `/partners/webhooks/${theirs.id}`)).statusCode, 404);
    assert.equal((await portal(w, 'POST', `/partners/webhooks/${theirs.id}/delete`, { confirm: 'yes' })).statusCode, 404);

    // Delete needs the confirmation.
    const unconfirmed = await portal(w, 'POST', `${detailUrl}/delete`);
    assert.equal(unconfirmed.statusCode, 400);
    assert.match(unconfirmed.body, /id="f-confirm-error"/);
    const deleted = await portal(w, 'POST', `${detailUrl}/delete`, { confirm: 'yes' });
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, '/partners/webhooks');
    assert.equal((await webhookEndpointsList(w)).length, 0);
    assert.equal((await deliveryRows(w, endpoint.id)).length, 0);
    assert.equal((await portal(w, 'GET', detailUrl)).statusCode, 404);

    // A suspended partner has no webhooks page.
    await suspendPartner(w.t.services, SYSTEM_ACTOR, w.partnerId, 'Unpaid invoices');
    assert.notEqual((await portal(w, 'GET', '/partners/webhooks')).statusCode, 200);
    assert.ok((await portal(w, 'POST', '/partners/webhooks', { url: HOOK })).statusCode >= 400);
  } finally {
    await w.t.close();
  }
});

function webhookEndpointsList(w: World) {
  return w.t.services.database.db.selectFrom('webhook_endpoints').selectAll().where('partner_id', '=', w.partnerId).orderBy('created_at').orderBy('id').execute();
}

function webhookEndpointsOfW(w: World) {
  return webhookEndpointsOf(w.t.services);
}

// ---- the newsroom ------------------------------------------------------------------------------------

forEachDialect('newsroom: editors see a partner’s endpoints and deliveries and can replay; reporters cannot', async (_t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    const svc = webhookEndpointsOf(w.t.services);
    const e = await svc.create(w.partnerId, { url: HOOK, events: ['story.corrected'] });
    const { deliveryId } = await svc.sendTest(w.partnerId, e.id);
    await w.t.services.database.db
      .updateTable('webhook_deliveries')
      .set({ attempts: 3, last_error: 'HTTP 503 from the receiver', response_status: 503, last_attempt_at: new Date().toISOString() })
      .where('id', '=', deliveryId)
      .execute();
    const url = `/newsroom/partners/${w.partnerId}/webhooks`;

    const partnerPage = await w.app.inject({ url: `/newsroom/partners/${w.partnerId}`, headers: { cookie: w.t.editor.cookie } });
    assert.equal(partnerPage.statusCode, 200);
    assert.ok(partnerPage.body.includes(`href="${url}"`));

    const page = await w.app.inject({ url, headers: { cookie: w.t.editor.cookie } });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.ok(page.body.includes(HOOK));
    assert.match(page.body, /HTTP 503 from the receiver/);
    assert.match(page.body, /webhook\.test/);
    assert.match(page.body, /<td>3<\/td>/);
    const row = await w.t.services.database.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', e.id).executeTakeFirstOrThrow();
    assert.ok(!page.body.includes(row.secret), 'no secret in the newsroom');
    const replayUrl = `${url}/${e.id}/deliveries/${deliveryId}/replay`;
    assert.ok(page.body.includes(replayUrl));

    // Reporters: no page, no replay.
    assert.equal((await w.app.inject({ url, headers: { cookie: w.t.reporter.cookie } })).statusCode, 403);
    const asReporter = await w.app.inject({
      method: 'POST',
      url: replayUrl,
      headers: { cookie: w.t.reporter.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: w.t.reporter.csrf }).toString(),
    });
    assert.equal(asReporter.statusCode, 403);
    await assert.rejects(svc.replayForStaff({ id: w.t.reporter.id, role: 'reporter', label: 'r' }, w.partnerId, e.id, deliveryId), (err: any) => err.code === 'FORBIDDEN');
    // Without the CSRF token: refused.
    const noCsrf = await w.app.inject({ method: 'POST', url: replayUrl, headers: { cookie: w.t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await deliveryRows(w, e.id)).length, 1);

    // An editor replays: a new pending row with the same webhook-id.
    const replay = await w.app.inject({
      method: 'POST',
      url: replayUrl,
      headers: { cookie: w.t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: w.t.editor.csrf }).toString(),
    });
    assert.equal(replay.statusCode, 303, replay.body.slice(0, 300));
    assert.equal(replay.headers.location, url);
    const rows = await deliveryRows(w, e.id);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.message_id, rows[1]!.message_id);
    assert.ok(rows.some((r) => r.status === 'pending' && r.attempts === 0 && r.id !== deliveryId));

    // Another partner's endpoint cannot be reached through this partner's page.
    const other = await approvedPartner(w.t, 'Hill Times', 'desk@hilltimes.example');
    const theirs = await svc.create(other.partnerId, { url: HOOK });
    const t2 = await svc.sendTest(other.partnerId, theirs.id);
    const cross = await w.app.inject({
      method: 'POST',
      url: `${url}/${theirs.id}/deliveries/${t2.deliveryId}/replay`,
      headers: { cookie: w.t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: w.t.editor.csrf }).toString(),
    });
    assert.equal(cross.statusCode, 404);
    assert.equal((await w.app.inject({ url: `/newsroom/partners/${newId()}/webhooks`, headers: { cookie: w.t.editor.cookie } })).statusCode, 404);
    assert.equal((await w.app.inject({ url: `${url}?endpoint=${e.id}&cursor=%%%`, headers: { cookie: w.t.editor.cookie } })).statusCode, 200);
  } finally {
    await w.t.close();
  }
});

// ---- the webhook forms, fuzzed ----------------------------------------------------------------------
// The general form fuzzer crawls a world without endpoints, so the forms of an endpoint's page and
// of the newsroom's view are posted here, with an endpoint and a delivery in place.

const WEIRD = ['', ' ', '\u0000', '\uD800', '%00', 'javascript:alert(1)', 'https://10.0.0.1/', 'https://127.0.0.1:9/x', 'story.published', 'yes', 'true', '__proto__', 'x'.repeat(3000)];
const formValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(...WEIRD));

forEachDialect('webhook forms: wild values in every field never get a 5xx', async (_t, tdb) => {
  const w = await buildWorld(tdb, LOOPBACK);
  try {
    const svc = webhookEndpointsOf(w.t.services);
    const e = await svc.create(w.partnerId, { url: HOOK });
    await svc.sendTest(w.partnerId, e.id);
    const ss = new Map(sessions(w).map((s) => [s.identity, s]));
    const found: FoundForm[] = [];
    for (const [identity, page] of [
      ['partner', '/partners/webhooks'],
      ['partner', `/partners/webhooks/${e.id}`],
      ['admin', `/newsroom/partners/${w.partnerId}/webhooks`],
    ] as const) {
      const r = await w.app.inject({ url: page, headers: { cookie: ss.get(identity)!.cookie } });
      assert.equal(r.statusCode, 200, page);
      found.push(...formsOn(r.body, page, identity).forms.filter((f) => /webhooks/.test(f.action)));
    }
    // Deleting goes last so the other forms meet an endpoint.
    found.sort((a, b) => Number(a.action.endsWith('/delete')) - Number(b.action.endsWith('/delete')));
    assert.ok(found.length >= 8, `found ${found.length} forms`);
    const runs = tdb.dialect === 'postgres' ? 15 : 40;
    for (const form of found) {
      const names = form.fields.map((f) => f.name);
      const base = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
      const changes = names.length === 0 ? fc.constant({}) : fc.dictionary(fc.constantFrom(...names), formValue, { maxKeys: names.length });
      await fc.assert(
        fc.asyncProperty(changes, async (changed) => {
          const r = await postForm(w, ss.get(form.identity)!, form, { ...base, ...changed });
          assert.ok(r.statusCode < 500, `POST ${form.action}: ${r.statusCode} ${r.body.slice(0, 300)} ${JSON.stringify(changed).slice(0, 300)}`);
        }),
        { numRuns: runs },
      );
    }
  } finally {
    await w.t.close();
  }
});
