/**
 * The WebSub delivery loop of one node: runs the hub's verifications and deliveries when woken
 * (services.signals.websub: a subscription request or new delivery rows committed here), when a
 * request slot frees up, and every FREEWIRE_OUTBOX_INTERVAL_MS for work committed on other nodes
 * and retries coming due. At most config.deliveryConcurrency requests are in flight.
 */
import type { Services } from '../services.js';
import type { BackgroundJob, BackgroundLog } from '../worker/background.js';
import { WebSubHub } from './hub.js';

export interface WebSubWorker extends BackgroundJob {
  hub: WebSubHub;
}

export function startWebSubWorker(services: Services, log: BackgroundLog): WebSubWorker {
  const hub = new WebSubHub(services, log);
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const pass = async (): Promise<void> => {
    try {
      // Keep claiming while passes find work (a backlog larger than the concurrency bound).
      for (let i = 0; i < 100 && !stopped; i++) {
        if ((await hub.runOnce()) === 0) break;
      }
    } catch (err) {
      log.error({ err }, 'The WebSub worker failed; it retries on its next pass');
    }
  };

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        run();
      }
    });
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      run();
      schedule();
    }, services.config.outboxIntervalMs);
    timer.unref?.();
  };

  hub.onSlotFree = run;
  const unlisten = services.signals.websub.listen(run);
  run();
  schedule();

  return {
    name: 'websub',
    hub,
    nudge: run,
    async stop() {
      stopped = true;
      unlisten();
      if (timer) clearTimeout(timer);
      await running;
      await hub.settle();
    },
  };
}
