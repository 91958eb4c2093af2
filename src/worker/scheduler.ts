/**
 * Publishes scheduled stories when they come due.
 *
 * The schedule lives in the database (stories.status = 'scheduled', scheduled_at), not in this
 * process, so it survives restarts: the first run happens as soon as the scheduler starts and
 * publishes whatever came due while no node was running. Every node may run a scheduler against
 * the same database; StoriesService.publishDue claims each story with a conditional update, so a
 * story is published (and its story.published event written) exactly once.
 */
import type { Services } from '../services.js';
import type { Actor } from '../users/permissions.js';
import { writeClockEvents } from './clock-events.js';
import { sendRenewalReminders } from '../licensing/renewals.js';

export const SCHEDULER_ACTOR: Actor = Object.freeze({ id: null, role: 'system', label: 'scheduler' });

/** The part of a pino / Fastify logger the scheduler uses. */
export interface SchedulerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Scheduler {
  /** Runs a pass now (or waits for the one in progress) and returns the ids it published. */
  runNow(): Promise<string[]>;
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** Write clock events on each pass (default true; a test of the pass discipline alone turns it off). */
  clockEvents?: boolean;
}

export function startScheduler(services: Services, log: SchedulerLog, intervalMs: number = services.config.schedulerIntervalMs, options: SchedulerOptions = {}): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<string[]> | undefined;
  let stopped = false;

  // Embargoes lifting and delayed releases coming due: written here because they, too, happen by
  // the clock. A failure is logged and retried on the next pass; it never stops publishing.
  const clockEvents = async (): Promise<void> => {
    try {
      await writeClockEvents(services, new Date());
    } catch (err) {
      log.error({ err }, 'Writing clock events (embargoes lifted, delayed releases) failed; retrying on the next pass');
    }
  };

  const publish = async (): Promise<string[]> => {
    try {
      const ids = await services.stories.publishDue(SCHEDULER_ACTOR);
      if (ids.length > 0) log.info({ published: ids }, `Published ${ids.length} scheduled ${ids.length === 1 ? 'story' : 'stories'}`);
      services.metrics.schedulerRan('success', ids.length);
      return ids;
    } catch (err) {
      // A failed pass (database restarting, lock timeout) must not kill the server; the stories
      // are still scheduled in the database and the next pass retries them.
      log.error({ err }, 'Scheduled publishing failed; retrying on the next pass');
      services.metrics.schedulerRan('failure', 0);
      return [];
    }
  };

  const pass = async (): Promise<string[]> => {
    const ids = await publish();
    if (options.clockEvents !== false) await clockEvents();
    if (options.clockEvents !== false) await sendRenewalReminders(services).catch((err: unknown) => log.error({ err }, 'License renewal reminders failed; retrying on the next pass'));
    return ids;
  };

  // One pass at a time: a pass that outlasts the interval (a slow database) delays the next
  // one instead of running beside it.
  const runNow = (): Promise<string[]> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const loop = (): void => {
    void runNow().then(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
