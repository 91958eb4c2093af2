/**
 * `freewire start` (the web server plus the background work: scheduled publishing, webhook and
 * WebSub delivery, notices, attribution checks) and `freewire worker` (the background work
 * alone, for a node that serves no traffic). Both migrate first, so upgrading is "install the
 * new release, restart".
 */
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { seedDemoContent } from '../demo/seed.js';
import { AppError } from '../errors.js';
import { createServices, type Services } from '../services.js';
import { startBackground, type Background } from '../worker/background.js';
import { applyMigrations, CLI_ACTOR, loadCliConfig, openDatabase } from './context.js';
import { CliError, describeError, note, out, reportError } from './output.js';
import { generatePassword } from './secrets.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';

/**
 * The first admin's address. It needs a dot in the domain to pass the users service's email
 * check; `.localhost` is reserved (RFC 6761), so it can never reach a real mailbox.
 */
export const FIRST_ADMIN_EMAIL = 'admin@freewire.localhost';

/** Creates the first admin when there are no users; returns the one-time password. */
async function ensureFirstAdmin(services: Services): Promise<{ email: string; password: string } | undefined> {
  if ((await services.users.count()) > 0) return undefined;
  const password = generatePassword();
  try {
    await services.users.create({ ...CLI_ACTOR, label: 'first-run' }, { email: FIRST_ADMIN_EMAIL, name: 'Administrator', role: 'admin', password });
  } catch (err) {
    // Another node starting at the same moment created it (and printed its password).
    if (err instanceof AppError && err.code === 'CONFLICT') return undefined;
    throw err;
  }
  return { email: FIRST_ADMIN_EMAIL, password };
}

function listenError(err: unknown, config: Config): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  switch (code) {
    case 'EADDRINUSE':
      return new CliError(`port ${config.port} is already in use on ${config.host}`, 'Stop the program using it (another Freewire?), or set PORT to a free port.');
    case 'EACCES':
      return new CliError(`not allowed to listen on port ${config.port}`, 'Ports below 1024 need extra privileges; use e.g. PORT=8080 behind a reverse proxy.');
    case 'EADDRNOTAVAIL':
      return new CliError(`the address ${config.host} does not belong to this machine`, 'Check FREEWIRE_HOST (0.0.0.0 listens on every interface).');
    default:
      return err;
  }
}

/** The separate metrics listener; a taken port or a foreign address stops the start with a clear message. */
async function listenForMetrics(services: Services, config: Config, port: number): Promise<MetricsServer> {
  try {
    return await startMetricsServer(services.metrics, config.metricsHost, port);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
    if (code === 'EADDRINUSE') throw new CliError(`metrics port ${port} is already in use on ${config.metricsHost}`, 'Set FREEWIRE_METRICS_PORT to a free port, or leave it unset.');
    if (code === 'EACCES') throw new CliError(`not allowed to listen on metrics port ${port}`, 'Use a port above 1024 for FREEWIRE_METRICS_PORT.');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`the metrics address ${config.metricsHost} does not belong to this machine`, 'Check FREEWIRE_METRICS_HOST (127.0.0.1 keeps metrics on this machine).');
    throw err;
  }
}

/** An address as it goes into a URL (IPv6 in brackets). */
function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The URL people should open; PORT=0 (any free port) is only known after listening. */
function baseUrl(config: Config, app: FastifyInstance): string {
  const u = new URL(config.publicUrl);
  if (u.port !== '0') return config.publicUrl;
  const address = app.server.address();
  if (address && typeof address === 'object') u.port = String(address.port);
  return u.toString().replace(/(?<!\/)\/+$/, '');
}

/** Stops cleanly on SIGINT/SIGTERM; a second signal, or a stop that hangs, exits at once. */
function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      note(`freewire: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    note(`${signal} received: finishing work in progress, then stopping…`);
    setTimeout(() => {
      note('freewire: shutdown took longer than 15 seconds; exiting anyway');
      process.exit(1);
    }, 15_000).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        reportError(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export async function start(): Promise<void> {
  const config = loadCliConfig();
  const database = openDatabase(config);
  let app: FastifyInstance | undefined;
  let background: Background | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    out(`Database: ${database.location}`);
    await applyMigrations(database, out);
    const services = createServices(config, database);
    let portalLogin: { email: string; password: string; outlet: string } | undefined;
    if (config.demoContent) {
      try {
        const seeded = await seedDemoContent(services);
        portalLogin = seeded.activity?.portalLogin;
        if (seeded.desks + seeded.authors + seeded.stories > 0) {
          out(`Created demo content: ${seeded.desks} desks, ${seeded.authors} authors, ${seeded.stories} stories`);
        }
      } catch (err) {
        // Demo content is a convenience: the newsroom must still start without it. The next
        // start tries again (seeding reuses whatever desks and authors it already made).
        const { message } = describeError(err);
        note(`freewire: warning: demo content could not be created (${message}); set FREEWIRE_DEMO_CONTENT=false to stop trying`);
      }
    }
    // Loaded here, not at the top: `freewire worker` shares this module and needs no web server.
    const { buildApp } = await import('../app.js');
    app = await buildApp({ services });
    let address: string;
    try {
      address = await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      throw listenError(err, config);
    }
    // After listening, so a second server on the same port fails before creating anything.
    const admin = await ensureFirstAdmin(services);
    if (config.metricsPort !== undefined) metricsServer = await listenForMetrics(services, config, config.metricsPort);
    // prom-client loads now, once the site answers, rather than at the first scrape, so the
    // process metrics (GC, event loop) cover the server's whole life.
    if (services.metrics.enabled) services.metrics.startCollecting();
    if (config.backgroundWork) background = startBackground(services, app.log);
    const base = baseUrl(config, app);
    out(`Listening on ${address}`);
    out(`Site: ${base}/`);
    if (metricsServer) out(`Metrics: http://${hostForUrl(metricsServer.address.address)}:${metricsServer.address.port}/metrics (no token; keep this address private)`);
    if (config.metricsToken !== undefined) out(`Metrics: ${base}/metrics with Authorization: Bearer <FREEWIRE_METRICS_TOKEN>`);
    out(
      admin
        ? `Newsroom: ${base}/newsroom — log in as ${admin.email} with password ${admin.password} (shown once; change it under Account)`
        : `Newsroom: ${base}/newsroom`,
    );
    if (portalLogin) out(`Partner portal: ${base}/partners — the demo partner ${portalLogin.outlet} logs in as ${portalLogin.email} with password ${portalLogin.password} (shown once)`);
    // The tip line is never set up with demo content: a demo passphrase would be a public one.
    const tipKey = await services.tipKeys.active();
    out(tipKey ? `Tip line: ${base}/tips (key ${tipKey.fingerprint})` : `Tip line: not set up yet; an admin sets it up at ${base}/newsroom/tips/setup`);
  } catch (err) {
    await background?.stop();
    await metricsServer?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await database.close();
    throw err;
  }
  const running = { app, background, metricsServer };
  stopOnSignals(async () => {
    // Background work first: deliveries in flight finish (or stay queued) before the database closes.
    await running.background?.stop();
    await running.metricsServer?.close();
    await running.app.close();
    await database.close();
  });
}

export async function worker(): Promise<void> {
  const config = loadCliConfig();
  const database = openDatabase(config);
  let background: Background;
  try {
    out(`Database: ${database.location}`);
    await applyMigrations(database, out);
    const services = createServices(config, database);
    background = startBackground(services, pino({ level: config.logLevel }));
  } catch (err) {
    await database.close();
    throw err;
  }
  out(`Worker running: scheduled publishing every ${config.schedulerIntervalMs} ms; webhooks, WebSub, notices and attribution checks`);
  stopOnSignals(async () => {
    await background.stop();
    await database.close();
  });
}
