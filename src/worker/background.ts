/**
 * Everything a node does besides answering requests, started in one place: `freewire start` runs
 * it beside the web server (unless FREEWIRE_BACKGROUND_WORK=false) and `freewire worker` runs it
 * alone. Every part is safe to run on several nodes against one database (each says how).
 *
 * - the scheduler publishes stories when they come due (src/worker/scheduler.ts);
 * - event consumers follow the event log and turn each change into work — webhook deliveries,
 *   notice emails, WebSub notifications (src/events/consumers.ts);
 * - delivery workers send that work out and retry it (webhooks, WebSub);
 * - the attribution checker visits pages where partners republished stories.
 *
 * A change made on this node wakes the consumers at once (ChangeTracker.onLocalChange); changes
 * made elsewhere are found by polling every FREEWIRE_OUTBOX_INTERVAL_MS.
 */
import type { Services } from '../services.js';
import { EventConsumer, startConsumerLoop, type ConsumerLoop } from '../events/consumers.js';
import { startAttributionChecker, type AttributionChecker } from '../attribution/worker.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { webhookDispatcher } from '../webhooks/dispatcher.js';
import { startWebhookWorker } from '../webhooks/worker.js';
import { createNoticesConsumer, startDigestJob } from '../notices/notices.js';
import { websubConsumerSpec } from '../websub/consumer.js';
import { startWebSubWorker } from '../websub/worker.js';

/** The part of a pino / Fastify logger background work uses. */
export interface BackgroundLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): BackgroundLog;
}

/** A long-running part with its own loop (a delivery worker). */
export interface BackgroundJob {
  name: string;
  /** Work may be waiting (new rows committed): run soon. */
  nudge(): void;
  stop(): Promise<void>;
}

export interface Background {
  scheduler: Scheduler;
  consumers: ConsumerLoop;
  jobs: BackgroundJob[];
  attribution: AttributionChecker | undefined;
  /** Runs the consumers until the event log is consumed and nudges every job (tests). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  /** Attribution checks fetch partners' pages; tests that do not need them leave them off. */
  attribution?: boolean;
}

export function startBackground(services: Services, log: BackgroundLog, options: BackgroundOptions = {}): Background {
  const jobs: BackgroundJob[] = [startWebhookWorker(services, log.child({ component: 'webhooks' }))];
  const nudgeJobs = (): void => {
    for (const j of jobs) j.nudge();
  };
  // Consumers of the event log, in the order they run on each pass.
  const consumers: Array<EventConsumer<any>> = [
    new EventConsumer(services.database.db, webhookDispatcher(services)),
    createNoticesConsumer(services),
    new EventConsumer(services.database.db, websubConsumerSpec(services)),
  ];
  jobs.push(startDigestJob(services, log.child({ component: 'notice-digest' })));
  void nudgeJobs;

  jobs.push(startWebSubWorker(services, log.child({ component: 'websub' })));
  const scheduler = startScheduler(services, log.child({ component: 'scheduler' }));
  const consumerLoop = startConsumerLoop(consumers, log.child({ component: 'outbox' }), services.config.outboxIntervalMs);
  const removeListener = services.changes.onLocalChange(() => consumerLoop.nudge());
  const attribution = options.attribution === false ? undefined : startAttributionChecker(services, log.child({ component: 'attribution' }));

  return {
    scheduler,
    consumers: consumerLoop,
    jobs,
    attribution,
    async settle() {
      await consumerLoop.drain();
      nudgeJobs();
    },
    async stop() {
      removeListener();
      await scheduler.stop();
      await consumerLoop.stop();
      await Promise.all(jobs.map((j) => j.stop()));
      await attribution?.stop();
    },
  };
}
