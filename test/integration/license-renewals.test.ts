/**
 * Renewal reminders: 30 and 7 days before a license ends, once each, to the licensee (partner
 * address and active portal logins) and the licensing contact, with the clock moved by hand;
 * two passes racing send each reminder once; scheduled, ended and open-ended licenses get none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { newId } from '../../src/util/ids.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { dueReminder, endDateInWords, sendRenewalReminders } from '../../src/licensing/renewals.js';
import { startScheduler } from '../../src/worker/scheduler.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { addLicense } from '../helpers/licenses.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 2, 1, 9, 0, 0);
const at = (ms: number) => new Date(ms);
const iso = (ms: number) => new Date(ms).toISOString();

async function insertPartner(db: Kysely<DB>, outlet: string, email: string): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('partners')
    .values({
      id, outlet, website: `https://${email.split('@')[1]}`, domain: email.split('@')[1]!, contact_name: 'Lois Lane', email,
      audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind: 'free', eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

async function insertPortalUser(db: Kysely<DB>, partnerId: string, email: string, status: 'active' | 'disabled'): Promise<void> {
  const now = new Date().toISOString();
  await db.insertInto('partner_users').values({ id: newId(), partner_id: partnerId, email, name: 'Portal user', password_hash: null, status, created_at: now, updated_at: now }).execute();
}

async function outbox(t: TestApp) {
  return t.services.database.db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body']).orderBy('created_at').orderBy('id').execute();
}

async function sentColumns(t: TestApp, id: string) {
  return t.services.database.db.selectFrom('licenses').select(['renewal_30_sent_at', 'renewal_7_sent_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

forEachDialect('30- and 7-day reminders, once each, as the clock moves; recipients and text', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const db = t.services.database.db;
    await t.services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@news.test' });
    const desk = await t.services.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air and water' });
    const p = await insertPartner(db, 'Daily Planet', 'lois@planet.example');
    await insertPortalUser(db, p, 'Clark@Planet.example', 'active');
    await insertPortalUser(db, p, 'lois@planet.example', 'active');
    await insertPortalUser(db, p, 'gone@planet.example', 'disabled');
    const other = await insertPartner(db, 'Gotham Gazette', 'vicki@gazette.example');

    const twenty = await addLicense(t.services, p, { desks: [desk.id], startsAt: iso(T0 - 300 * DAY), endsAt: iso(T0 + 20 * DAY) });
    const three = await addLicense(t.services, other, { startsAt: iso(T0 - 30 * DAY), endsAt: iso(T0 + 3 * DAY) });
    const sixty = await addLicense(t.services, other, { startsAt: iso(T0 - 30 * DAY), endsAt: iso(T0 + 60 * DAY) });
    const ended = await addLicense(t.services, other, { startsAt: iso(T0 - 300 * DAY), endsAt: iso(T0 - 1 * DAY) });
    const scheduled = await addLicense(t.services, other, { startsAt: iso(T0 + 5 * DAY), endsAt: iso(T0 + 20 * DAY) });
    const openEnded = await addLicense(t.services, other, { startsAt: iso(T0 - 300 * DAY), endsAt: null });

    const first = await sendRenewalReminders(t.services, at(T0));
    assert.deepEqual(
      first.map((r) => [r.licenseId, r.kind]).sort(),
      [
        [three.id, 7],
        [twenty.id, 30],
      ].sort(),
      'the 20-day license gets the 30-day reminder, the 3-day one only the 7-day reminder',
    );
    const c3 = await sentColumns(t, three.id);
    assert.equal(c3.renewal_7_sent_at, iso(T0));
    assert.equal(c3.renewal_30_sent_at, iso(T0), 'the 30-day reminder is marked as skipped so it never fires late');
    const c20 = await sentColumns(t, twenty.id);
    assert.equal(c20.renewal_30_sent_at, iso(T0));
    assert.equal(c20.renewal_7_sent_at, null);
    for (const l of [sixty, ended, scheduled, openEnded]) assert.deepEqual(await sentColumns(t, l.id), { renewal_30_sent_at: null, renewal_7_sent_at: null });

    const mails = await outbox(t);
    const toTwenty = mails.filter((m) => m.text_body.includes(twenty.reference));
    assert.deepEqual(
      toTwenty.map((m) => m.to_address).sort(),
      ['clark@planet.example', 'licensing@news.test', 'lois@planet.example'],
      'partner address and active logins once each, and the licensing contact; not the disabled login',
    );
    const licenseeMail = toTwenty.find((m) => m.to_address === 'lois@planet.example')!;
    assert.match(licenseeMail.subject, new RegExp(`${twenty.reference}.*ends on ${endDateInWords(twenty.endsAt!)}`));
    assert.match(licenseeMail.text_body, /Stories of the “Environment” desk/);
    assert.match(licenseeMail.text_body, /Sunday, 21 March 2027 \(in 20 days\)/);
    assert.match(licenseeMail.text_body, /reply to this email or write to licensing@news\.test/);
    assert.doesNotMatch(licenseeMail.text_body, /\/newsroom\//, 'the licensee gets no newsroom link');
    const deskMail = toTwenty.find((m) => m.to_address === 'licensing@news.test')!;
    assert.match(deskMail.subject, /Renewal due/);
    assert.ok(deskMail.text_body.includes(`http://news.test/newsroom/licensing/licenses/${twenty.id}`));
    assert.match(deskMail.text_body, /Daily Planet/);

    // Nothing new the same day.
    assert.deepEqual(await sendRenewalReminders(t.services, at(T0 + 60_000)), []);
    // A week on, the scheduled license has started and has 13 days left: its 30-day reminder.
    const week = await sendRenewalReminders(t.services, at(T0 + 7 * DAY));
    assert.deepEqual(week.map((r) => [r.licenseId, r.kind]), [[scheduled.id, 30]]);
    // Six days before their end, the 20-day and the scheduled license get their 7-day reminders.
    const later = await sendRenewalReminders(t.services, at(T0 + 14 * DAY));
    assert.deepEqual(later.map((r) => [r.licenseId, r.kind]).sort(), [[scheduled.id, 7], [twenty.id, 7]].sort());
    assert.equal((await sentColumns(t, twenty.id)).renewal_30_sent_at, iso(T0), 'the earlier claim is kept');
    const later2 = await sendRenewalReminders(t.services, at(T0 + 35 * DAY));
    assert.deepEqual(later2.map((r) => [r.licenseId, r.kind]), [[sixty.id, 30]]);
    assert.deepEqual(await sendRenewalReminders(t.services, at(T0 + 100 * DAY)), [], 'ended licenses get nothing');
    for (const l of [ended, openEnded]) assert.deepEqual(await sentColumns(t, l.id), { renewal_30_sent_at: null, renewal_7_sent_at: null });
    const audit = await db.selectFrom('audit_log').select(['action']).where('action', '=', 'license.renewal_reminder').execute();
    assert.equal(audit.length, 6);
  } finally {
    await t.close();
  }
});

forEachDialect('two passes at once send each reminder exactly once', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const db = t.services.database.db;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await insertPartner(db, `Outlet ${i}`, `desk${i}@outlet${i}.example`);
      ids.push((await addLicense(t.services, p, { startsAt: iso(T0 - 100 * DAY), endsAt: iso(T0 + (i % 2 === 0 ? 25 : 5) * DAY) })).id);
    }
    const [a, b] = await Promise.all([sendRenewalReminders(t.services, at(T0)), sendRenewalReminders(t.services, at(T0))]);
    const all = [...a, ...b];
    assert.equal(all.length, 4, 'each license reminded once between the two passes');
    assert.deepEqual(all.map((r) => r.licenseId).sort(), [...ids].sort());
    // One licensee mail (partner address) and one desk mail (the admin, no contact set) each.
    const mails = await outbox(t);
    assert.equal(mails.length, 8);
    assert.equal(mails.filter((m) => m.to_address === 'admin@news.test').length, 4);
    // And again at the 7-day mark for the 25-day ones, raced by three passes.
    const late = (await Promise.all([0, 1, 2].map(() => sendRenewalReminders(t.services, at(T0 + 19 * DAY))))).flat();
    assert.deepEqual(late.map((r) => r.kind), [7, 7]);
    assert.equal((await outbox(t)).length, 12);
  } finally {
    await t.close();
  }
});

forEachDialect('the scheduler sends due reminders on its pass', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const db = t.services.database.db;
    const p = await insertPartner(db, 'Daily Planet', 'lois@planet.example');
    const l = await addLicense(t.services, p, { startsAt: iso(Date.now() - 10 * DAY), endsAt: iso(Date.now() + 10 * DAY) });
    const errors: unknown[] = [];
    const scheduler = startScheduler(t.services, { info: () => undefined, error: (o) => errors.push(o) }, 3_600_000);
    await scheduler.runNow();
    await scheduler.stop();
    assert.deepEqual(errors, []);
    assert.notEqual((await sentColumns(t, l.id)).renewal_30_sent_at, null);
    assert.ok((await outbox(t)).some((m) => m.text_body.includes(l.reference)));
  } finally {
    await t.close();
  }
});

test('whatever the pass times, each reminder is due at most once and the 7-day one is never missed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -40, max: 40 }),
      fc.integer({ min: 1, max: 400 }),
      fc.array(fc.integer({ min: 0, max: 500 * 24 }), { minLength: 1, maxLength: 40 }),
      (startDay, lengthDays, passHours) => {
        const l = { startsAt: iso(T0 + startDay * DAY), endsAt: iso(T0 + (startDay + lengthDays) * DAY), renewal30SentAt: null as string | null, renewal7SentAt: null as string | null };
        const sent: number[] = [];
        const times = [...passHours].sort((x, y) => x - y).map((h) => T0 - 40 * DAY + h * 3_600_000);
        for (const ms of times) {
          const due = dueReminder(l, at(ms));
          if (due === 30) l.renewal30SentAt = iso(ms);
          if (due === 7) {
            l.renewal7SentAt = iso(ms);
            l.renewal30SentAt ??= iso(ms);
          }
          if (due) sent.push(due);
        }
        assert.ok(sent.filter((k) => k === 30).length <= 1);
        assert.ok(sent.filter((k) => k === 7).length <= 1);
        if (sent.length === 2) assert.deepEqual(sent, [30, 7]);
        const end = Date.parse(l.endsAt);
        const start = Date.parse(l.startsAt);
        const inLastWeek = times.some((ms) => ms >= start && ms < end && end - ms <= 7 * DAY);
        assert.equal(sent.includes(7), inLastWeek);
      },
    ),
    { numRuns: 300 },
  );
});
