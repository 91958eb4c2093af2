/**
 * Scheduled publishing: the schedule lives in the database, so a story that comes due while
 * no node runs is published when a scheduler starts; with several nodes on one database it is
 * published exactly once. Plus the scheduler's own promises: no overlapping passes, and a
 * failing pass is logged, not thrown.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { SCHEDULER_ACTOR, startScheduler, type SchedulerLog } from '../../src/worker/scheduler.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { seedBasics } from '../helpers/app.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));
const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });

/** Collects what the scheduler logs, so tests can see published ids and errors. */
function memoryLog(): SchedulerLog & { infos: Array<{ obj: object; msg: string }>; errors: Array<{ obj: object; msg: string }> } {
  const infos: Array<{ obj: object; msg: string }> = [];
  const errors: Array<{ obj: object; msg: string }> = [];
  return { infos, errors, info: (obj, msg) => infos.push({ obj, msg }), error: (obj, msg) => errors.push({ obj, msg }) };
}

/** A second connection (pool) to the same database: what another node would have. */
function openSecond(tdb: TestDb): Database {
  return tdb.dialect === 'sqlite' ? createDatabase({ sqliteFile: tdb.sqliteFile! }) : createDatabase({ databaseUrl: tdb.url!, poolSize: 4 });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function publishedEvents(services: Services, storyId: string): Promise<number> {
  const rows = await services.database.db.selectFrom('events').select('id').where('type', '=', 'story.published').where('story_id', '=', storyId).execute();
  return rows.length;
}

async function scheduledStory(services: Services, headline: string): Promise<string> {
  const { desk, author } = await seedBasics(services);
  const story = await services.stories.create(SYSTEM_ACTOR, { headline, body: 'Due later.', desk, authors: [author] });
  await services.stories.schedule(SYSTEM_ACTOR, story.id, new Date(Date.now() + 3600_000).toISOString());
  return story.id;
}

/** A `freewire worker` process: a real second (and third) node on the same database. */
function startWorker(tdb: TestDb): { proc: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FREEWIRE_LOG_LEVEL: 'info',
    // Only the pass each worker runs as it starts can publish within the test.
    FREEWIRE_SCHEDULER_INTERVAL_MS: '3600000',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  if (tdb.dialect === 'sqlite') env.FREEWIRE_DATA_DIR = path.dirname(tdb.sqliteFile!);
  else env.DATABASE_URL = tdb.url!;
  const proc = spawn(process.execPath, [BIN, 'worker'], { env });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

forEachDialect('a story that came due while no scheduler ran is published once when two nodes start', async (_t, tdb) => {
  const services = createServices(config, tdb.database);
  const id = await scheduledStory(services, 'Council votes on the budget');

  // A node runs and finds nothing due, then stops (the whole cluster goes down).
  const log = memoryLog();
  const first = startScheduler(services, log, 3600_000);
  try {
    assert.deepEqual(await first.runNow(), []);
  } finally {
    await first.stop();
  }
  assert.equal((await services.stories.get(id)).status, 'scheduled');

  // While everything is down, the scheduled time passes.
  await services.database.db.updateTable('stories').set({ scheduled_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', id).execute();

  // Two nodes come back at once. Separate processes, as real nodes are: two connections in one
  // process would make SQLite's busy wait block the very thread that holds the lock.
  const workers = [startWorker(tdb), startWorker(tdb)];
  try {
    await waitFor('both workers to start', async () => workers.every((w) => w.output().includes('Worker running')), 20_000);
    await waitFor('the story to be published', async () => (await services.stories.get(id)).status === 'published', 10_000);
  } finally {
    // SIGTERM waits for a pass in progress, so once both have exited, both passes are over.
    for (const w of workers) w.proc.kill('SIGTERM');
  }
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes, [0, 0], `workers exit cleanly on SIGTERM:\n${workers.map((w) => w.output()).join('\n---\n')}`);

  assert.equal(await publishedEvents(services, id), 1, 'exactly one story.published event');
  for (const w of workers) assert.doesNotMatch(w.output(), /"level":50/, 'the losing node sees no error, just nothing to do');
  const reports = workers.filter((w) => w.output().includes(id));
  assert.equal(reports.length, 1, 'exactly one node reports publishing it');
  const story = await services.stories.getWithHistory(id);
  assert.equal(story.versions.filter((v) => v.kind === 'publish').length, 1, 'one publish version');
  assert.equal(story.scheduledAt, null);
  assert.ok(story.publishedAt);
  const audit = await services.database.db.selectFrom('audit_log').select(['actor_label', 'action']).where('target_id', '=', id).where('action', '=', 'story.publish_scheduled').execute();
  assert.deepEqual(audit, [{ actor_label: 'scheduler', action: 'story.publish_scheduled' }]);
});

forEachDialect('two nodes racing publishDue with a later clock publish each story once', async (_t, tdb) => {
  const first = createServices(config, tdb.database);
  const ids = [await scheduledStory(first, 'Story one')];
  for (const headline of ['Story two', 'Story three']) {
    const s = await first.stories.create(SYSTEM_ACTOR, { headline, body: 'Due later.', desk: 'environment', authors: ['ada-reporter'] });
    await first.stories.schedule(SYSTEM_ACTOR, s.id, new Date(Date.now() + 3600_000).toISOString());
    ids.push(s.id);
  }
  const dbB = openSecond(tdb);
  try {
    const nodeB = createServices(config, dbB);
    const later = new Date(Date.now() + 2 * 3600_000);
    // On PostgreSQL both passes run truly at once (separate pooled connections). On SQLite two
    // connections in one thread cannot interleave writes (the busy wait blocks the lock holder),
    // so the nodes take turns here; the worker test above races separate processes instead.
    const [fromA, fromB] =
      tdb.dialect === 'postgres'
        ? await Promise.all([first.stories.publishDue(SCHEDULER_ACTOR, later), nodeB.stories.publishDue(SCHEDULER_ACTOR, later)])
        : [await first.stories.publishDue(SCHEDULER_ACTOR, later), await nodeB.stories.publishDue(SCHEDULER_ACTOR, later)];
    assert.deepEqual([...fromA, ...fromB].sort(), [...ids].sort(), 'every story published by exactly one node');
    for (const id of ids) assert.equal(await publishedEvents(first, id), 1);
    // A third pass finds nothing left to do.
    assert.deepEqual(await nodeB.stories.publishDue(SCHEDULER_ACTOR, later), []);
  } finally {
    await dbB.close();
  }
});

test('a pass never overlaps the previous one, and a failing pass is logged and retried', async () => {
  let calls = 0;
  let active = 0;
  let maxActive = 0;
  const fake = {
    config,
    metrics: { schedulerRan: () => undefined },
    stories: {
      async publishDue(actor: unknown): Promise<string[]> {
        assert.equal(actor, SCHEDULER_ACTOR);
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        try {
          await sleep(60); // slower than the 10 ms interval
          if (calls === 2) throw new Error('database went away');
          return calls === 3 ? ['story-1'] : [];
        } finally {
          active--;
        }
      },
    },
  } as unknown as Services;
  const log = memoryLog();
  // The fake has no database for clock events: this is about the passes alone.
  const scheduler = startScheduler(fake, log, 10, { clockEvents: false });
  try {
    // runNow during a pass joins it instead of starting a second one.
    const joined = await Promise.all([scheduler.runNow(), scheduler.runNow()]);
    assert.deepEqual(joined, [[], []]);
    await waitFor('three passes', async () => calls >= 3);
  } finally {
    await scheduler.stop();
  }
  const callsAtStop = calls;
  await sleep(50);
  assert.equal(calls, callsAtStop, 'no pass after stop()');
  assert.equal(maxActive, 1, 'passes never overlap');
  assert.equal(log.errors.length, 1);
  assert.match(log.errors[0]!.msg, /failed/);
  assert.deepEqual(log.infos.map((l) => l.obj), [{ published: ['story-1'] }]);
});
