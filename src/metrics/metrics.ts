/**
 * Prometheus metrics for one Services instance: its own Registry (never prom-client's global
 * one), so that several apps in one process (tests) keep separate counts.
 *
 * Everything the application counts (every HTTP request, every page-cache lookup, every pixel
 * hit, scheduler passes) only adds to plain numbers held here; prom-client sees them when
 * /metrics is scraped. prom-client's own counters hash their label object on every call, which
 * is cheap but not free, and a story page served from the cache does little else; and keeping
 * prom-client out of the hot paths lets it load only when metrics are exposed. Database-backed
 * gauges (outbox backlog, event consumer lag) are read on scrape with bounded queries.
 *
 * No label ever holds something a client chose: routes are Fastify's route patterns (or
 * "unmatched"), methods are from a fixed list, statuses are classes (2xx…).
 */
import type { Metric, Registry } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { lazyRequire } from '../util/lazy-require.js';

/**
 * Loaded on first use (a scrape, or right after the server listens when metrics are exposed):
 * requiring it cost the start about 70 ms, and a newsroom that never scrapes never needs it.
 */
const promClient = lazyRequire<typeof import('prom-client')>('prom-client');

/** Request duration buckets (seconds): cached pages take well under a millisecond, renders tens. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Methods reported by name; anything else (WebDAV verbs, made-up ones) is "OTHER". */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Backlog counts stop here: past it the number says "very behind", and the query stays cheap. */
export const BACKLOG_COUNT_CAP = 100_000;

interface RequestSeries {
  count: number;
  /** Seconds. */
  sum: number;
  /** Observations per bucket (not cumulative; made cumulative on scrape); the last is +Inf. */
  buckets: Float64Array;
}

/** Hits and misses of one page cache (src/site/page-cache.ts adds to them). */
export interface CacheCounts {
  hits: number;
  misses: number;
}

/** What the usage recorder exposes (src/usage/recorder.ts). */
export interface RecorderState {
  readonly pendingViews: number;
  readonly pendingPages: number;
  /** ms since the epoch of the oldest hit not yet written, or undefined when nothing waits. */
  readonly pendingSince: number | undefined;
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * A metric whose values are computed on scrape. The Registry only needs a name and get(); the
 * cast is because prom-client's types list its own classes only.
 */
function computed(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => MetricValue[]): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  };
  return metric as unknown as Metric;
}

export interface MetricsOptions {
  /** Exposed at all (a token or a port is configured): only then the process and request metrics are gathered. */
  enabled: boolean;
  db: Kysely<DB>;
  recorder: RecorderState;
  now?: () => number;
}

export class Metrics {
  readonly enabled: boolean;
  /** Pixel requests that asked to be counted (GET, either door), before bot, token and repeat checks. */
  pixelHits = 0;

  private readonly requests = new Map<string, Map<string, Array<RequestSeries | undefined>>>();
  private readonly caches = new Map<string, CacheCounts>();
  /** Scheduled-publishing passes by outcome, in the order first seen (plain numbers, like the request series). */
  private readonly schedulerRuns = new Map<'success' | 'failure', number>();
  private schedulerPublished = 0;
  /** Unix time (seconds) of the last pass; 0 before the first. */
  private schedulerLastRun = 0;
  private built: Registry | undefined;
  private scraping: Promise<string> | undefined;

  constructor(private readonly opts: MetricsOptions) {
    this.enabled = opts.enabled;
  }

  /**
   * This instance's prom-client Registry, built (and prom-client loaded) on first use. When
   * metrics are exposed, `freewire start` builds it right after listening (startCollecting), so
   * the process metrics cover the life of the server.
   */
  get registry(): Registry {
    this.built ??= this.buildRegistry();
    return this.built;
  }

  /** Loads prom-client and starts the process collectors now rather than at the first scrape. */
  startCollecting(): void {
    void this.registry;
  }

  private buildRegistry(): Registry {
    const { collectDefaultMetrics, Counter, Gauge, Registry } = promClient();
    const opts = this.opts;
    const registry = new Registry();
    const now = opts.now ?? Date.now;
    // Process memory, CPU, event loop lag, GC, under prom-client's standard names (process_*,
    // nodejs_*) so that ready-made Node.js dashboards work. Only when exposed: the event-loop
    // monitor and GC observer run for the life of the process, and CLI commands and tests build
    // many Services.
    if (opts.enabled) collectDefaultMetrics({ register: registry });

    registry.registerMetric(computed('freewire_http_requests_total', 'HTTP requests answered, by method, route pattern and status class', 'counter', () => this.requestValues(false)));
    registry.registerMetric(computed('freewire_http_request_duration_seconds', 'Time from request to response, by method, route pattern and status class', 'histogram', () => this.requestValues(true)));

    registry.registerMetric(computed('freewire_page_cache_hits_total', 'Public responses served from the page cache', 'counter', () => [...this.caches].map(([cache, c]) => ({ labels: { cache }, value: c.hits }))));
    registry.registerMetric(computed('freewire_page_cache_misses_total', 'Public responses that had to be rendered (page cache misses)', 'counter', () => [...this.caches].map(([cache, c]) => ({ labels: { cache }, value: c.misses }))));
    registry.registerMetric(computed('freewire_pixel_hits_total', 'Pixel requests received (GET), before bots, unknown tokens and repeat views are left out', 'counter', () => [{ labels: {}, value: this.pixelHits }]));

    const recorder = opts.recorder;
    new Gauge({ name: 'freewire_usage_pending_views', help: 'Pixel views counted in memory, not yet written to the database', registers: [registry], collect() { this.set(recorder.pendingViews); } });
    new Gauge({ name: 'freewire_usage_pending_pages', help: 'Pages where stories ran, counted in memory, not yet written to the database', registers: [registry], collect() { this.set(recorder.pendingPages); } });
    new Gauge({
      name: 'freewire_usage_flush_lag_seconds',
      help: 'Age of the oldest pixel view not yet written to the database (0 when none waits); grows when flushes fail',
      registers: [registry],
      collect() {
        const since = recorder.pendingSince;
        this.set(since === undefined ? 0 : Math.max(0, now() - since) / 1000);
      },
    });

    registry.registerMetric(computed('freewire_scheduler_runs_total', 'Scheduled-publishing passes, by outcome', 'counter', () => [...this.schedulerRuns].map(([outcome, value]) => ({ labels: { outcome }, value }))));
    registry.registerMetric(computed('freewire_scheduler_published_total', 'Stories published by the scheduler', 'counter', () => [{ labels: {}, value: this.schedulerPublished }]));
    registry.registerMetric(computed('freewire_scheduler_last_run_timestamp_seconds', 'When the last scheduled-publishing pass finished (Unix time; 0 before the first)', 'gauge', () => [{ labels: {}, value: this.schedulerLastRun }]));
    const collectErrors = new Counter({ name: 'freewire_metrics_collect_errors_total', help: 'Scrapes where a database-backed gauge could not be read (it is left out of that scrape)', labelNames: ['source'], registers: [registry] });
    new Gauge({
      name: 'freewire_outbox_backlog',
      help: `Work waiting to be sent: pending webhook and WebSub deliveries, queued mail (counted up to ${BACKLOG_COUNT_CAP})`,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        try {
          const [webhooks, websub, mail] = await Promise.all([
            boundedCount(opts.db, 'webhook_deliveries', 'pending'),
            boundedCount(opts.db, 'websub_deliveries', 'pending'),
            boundedCount(opts.db, 'mail_outbox', 'queued'),
          ]);
          this.set({ queue: 'webhooks' }, webhooks);
          this.set({ queue: 'websub' }, websub);
          this.set({ queue: 'mail' }, mail);
        } catch {
          this.reset();
          collectErrors.inc({ source: 'outbox' });
        }
      },
    });
    new Gauge({
      name: 'freewire_event_consumer_lag_events',
      help: 'Events in the log that a consumer (webhooks, WebSub, notices…) has not handled yet',
      labelNames: ['consumer'],
      registers: [registry],
      async collect() {
        try {
          const [latest, consumers] = await Promise.all([
            opts.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst(),
            // One row per consumer in the code base: a handful.
            opts.db.selectFrom('event_consumers').select(['name', 'last_event_id']).limit(100).execute(),
          ]);
          const head = Number(latest?.id ?? 0);
          this.reset();
          for (const c of consumers) this.set({ consumer: c.name }, Math.max(0, head - Number(c.last_event_id)));
        } catch {
          this.reset();
          collectErrors.inc({ source: 'event_consumers' });
        }
      },
    });
    return registry;
  }

  /**
   * Counts one answered request. Called from one onResponse hook for every request; after the
   * first request of a (route, method, status class) it allocates nothing.
   */
  observeRequest(method: string, route: string | undefined, statusCode: number, elapsedMs: number): void {
    const routeKey = route ?? 'unmatched';
    let byMethod = this.requests.get(routeKey);
    if (!byMethod) {
      byMethod = new Map();
      this.requests.set(routeKey, byMethod);
    }
    const methodKey = KNOWN_METHODS.has(method) ? method : 'OTHER';
    let byStatus = byMethod.get(methodKey);
    if (!byStatus) {
      byStatus = [];
      byMethod.set(methodKey, byStatus);
    }
    const cls = statusCode >= 100 && statusCode < 600 ? Math.floor(statusCode / 100) : 5;
    let series = byStatus[cls];
    if (!series) {
      series = { count: 0, sum: 0, buckets: new Float64Array(DURATION_BUCKETS.length + 1) };
      byStatus[cls] = series;
    }
    const seconds = elapsedMs / 1000;
    series.count += 1;
    series.sum += seconds;
    let b = 0;
    while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]!) b++;
    series.buckets[b]! += 1;
  }

  /** The hit/miss counts a page cache adds to, reported under `cache` (a name chosen in code). */
  cacheCounts(cache: string): CacheCounts {
    let counts = this.caches.get(cache);
    if (!counts) {
      counts = { hits: 0, misses: 0 };
      this.caches.set(cache, counts);
    }
    return counts;
  }

  /** Records a finished scheduled-publishing pass. */
  schedulerRan(outcome: 'success' | 'failure', published: number, at: Date = new Date()): void {
    this.schedulerRuns.set(outcome, (this.schedulerRuns.get(outcome) ?? 0) + 1);
    if (published > 0) this.schedulerPublished += published;
    this.schedulerLastRun = at.getTime() / 1000;
  }

  /** The exposition text. Concurrent scrapes share one collection (one set of backlog queries). */
  scrape(): Promise<string> {
    this.scraping ??= this.registry.metrics().finally(() => {
      this.scraping = undefined;
    });
    return this.scraping;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private requestValues(histogram: boolean): MetricValue[] {
    const out: MetricValue[] = [];
    for (const [route, byMethod] of this.requests) {
      for (const [method, byStatus] of byMethod) {
        byStatus.forEach((series, cls) => {
          if (!series) return;
          const labels = { method, route, status: STATUS_CLASSES[cls]! };
          if (!histogram) {
            out.push({ labels, value: series.count });
            return;
          }
          let cumulative = 0;
          DURATION_BUCKETS.forEach((le, i) => {
            cumulative += series.buckets[i]!;
            out.push({ metricName: 'freewire_http_request_duration_seconds_bucket', labels: { ...labels, le }, value: cumulative });
          });
          out.push({ metricName: 'freewire_http_request_duration_seconds_bucket', labels: { ...labels, le: '+Inf' }, value: series.count });
          out.push({ metricName: 'freewire_http_request_duration_seconds_sum', labels, value: series.sum });
          out.push({ metricName: 'freewire_http_request_duration_seconds_count', labels, value: series.count });
        });
      }
    }
    return out;
  }
}

/** Rows in `table` with `status`, counted up to BACKLOG_COUNT_CAP (each table has a status index). */
async function boundedCount(db: Kysely<DB>, table: 'webhook_deliveries' | 'websub_deliveries' | 'mail_outbox', status: string): Promise<number> {
  const row = await sql<{ n: number | string }>`select count(*) as n from (select 1 as one from ${sql.table(table)} where status = ${status} limit ${BACKLOG_COUNT_CAP}) as backlog`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}
