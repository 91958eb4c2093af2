/**
 * The only module that reads process.env. Everything else receives a frozen, typed Config.
 * Every variable is listed in CONFIG_VARIABLES so that .env.example can be checked against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute base URL used for canonical links, feeds and API URIs, without trailing slash. */
  readonly publicUrl: string;
  readonly dataDir: string;
  /** Undefined means the embedded SQLite file `freewire.db` in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seed demo content when the database has no stories yet. */
  readonly demoContent: boolean;
  /**
   * Which X-Forwarded-For entries to believe: false trusts none (the connection's peer is the
   * client), a number trusts that many proxy hops in front of us, a list trusts the proxies at
   * those addresses or CIDR ranges. src/http/trust-proxy.ts turns it into the one rule that
   * request.ip and the pixel both use.
   */
  readonly trustProxy: TrustProxy;
  /** Mark cookies Secure; on by default when publicUrl is https. */
  readonly secureCookies: boolean;
  readonly sessionTtlHours: number;
  /** How often this node looks for scheduled stories that are due (ms). */
  readonly schedulerIntervalMs: number;
  /** How often a node checks the shared database for changes made by other nodes (ms). */
  readonly cacheSyncIntervalMs: number;
  /** Free failed logins per (account, address) before the login slows down; see src/newsroom/login-limiter.ts. */
  readonly loginRateLimitPerMinute: number;
  readonly maxUploadBytes: number;
  /** smtp(s)://user:pass@host:port — unset keeps mail in the newsroom's outbox instead of sending. */
  readonly smtpUrl: string | undefined;
  /** Sender address for mail to partners and applicants. */
  readonly mailFrom: string;
  /** Content API requests allowed per key per minute. */
  readonly apiRateLimitPerMinute: number;
  /** Application submissions allowed per address per hour. */
  readonly applicationRateLimitPerHour: number;
  /** Licensing inquiries allowed per address per hour. */
  readonly inquiryRateLimitPerHour: number;
  /** How often pixel counts are written to the database (ms). */
  readonly usageFlushIntervalMs: number;
  /**
   * Hosts (or CIDR ranges) the attribution checker may fetch even though they are private or
   * loopback addresses. Empty in production; tests set 127.0.0.1.
   */
  readonly fetchAllowList: readonly string[];
  /** How often the attribution checker looks for pages due a check (ms); 0 disables it. */
  readonly attributionCheckIntervalMs: number;
  /**
   * Whether `freewire start` also runs the background work (scheduler, event consumers, webhook
   * and WebSub delivery, attribution checks). Off for web-only nodes beside a `freewire worker`.
   */
  readonly backgroundWork: boolean;
  /** How often consumers of the event log look for changes made by other nodes (ms). */
  readonly outboxIntervalMs: number;
  /** Webhook and WebSub deliveries in flight at once on this node (across all endpoints). */
  readonly deliveryConcurrency: number;
  /** Tip submissions (new tips and follow-ups) allowed per address per hour; counted with short-lived keyed hashes. */
  readonly tipRateLimitPerHour: number;
  /** Largest tip, all attachments together (bytes of plaintext; ciphertext adds a little). */
  readonly tipMaxBytes: number;
  /** Bearer token that opens GET /metrics on the main port; undefined leaves that route off (404). */
  readonly metricsToken: string | undefined;
  /** A separate listener for /metrics without a token (started by `freewire start`); undefined: none. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
}

export type TrustProxy = false | number | readonly string[];

export interface ConfigVariable {
  name: string;
  description: string;
  example: string;
}

/** Every environment variable Freewire reads. `_FILE` variants exist for the secret ones. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', description: 'HTTP port to listen on', example: '8080' },
  { name: 'FREEWIRE_HOST', description: 'Address to bind (0.0.0.0 for all interfaces)', example: '0.0.0.0' },
  { name: 'FREEWIRE_PUBLIC_URL', description: 'Public base URL used in canonical links, feeds and API documents', example: 'http://localhost:8080' },
  { name: 'FREEWIRE_DATA_DIR', description: 'Directory for the embedded SQLite database and backups', example: './data' },
  { name: 'DATABASE_URL', description: 'postgres://user:pass@host:5432/db switches storage to PostgreSQL (unset: embedded SQLite). DATABASE_URL_FILE reads it from a file', example: '' },
  { name: 'FREEWIRE_LOG_LEVEL', description: 'fatal | error | warn | info | debug | trace | silent', example: 'info' },
  { name: 'FREEWIRE_DEMO_CONTENT', description: 'Create demo desks, authors and stories on an empty database (true/false)', example: 'true' },
  {
    name: 'FREEWIRE_TRUST_PROXY',
    description:
      'Which reverse proxies to believe about the client address (X-Forwarded-For): false or empty trusts none; a hop count (1 = one proxy in front, as true means); or comma-separated proxy addresses/CIDRs (e.g. 10.0.0.0/8, 192.168.1.5; also loopback, linklocal, uniquelocal). Per-address limits and the pixel use the rightmost untrusted address',
    example: 'false',
  },
  { name: 'FREEWIRE_SECURE_COOKIES', description: 'Mark cookies Secure (default: true when the public URL is https)', example: '' },
  { name: 'FREEWIRE_SESSION_TTL_HOURS', description: 'How long a staff session lasts without activity', example: '336' },
  { name: 'FREEWIRE_SCHEDULER_INTERVAL_MS', description: 'How often scheduled stories are checked', example: '5000' },
  { name: 'FREEWIRE_CACHE_SYNC_INTERVAL_MS', description: 'How often page caches check the database for changes from other nodes', example: '1000' },
  { name: 'FREEWIRE_LOGIN_RATE_LIMIT', description: 'Failed logins per account and address before each further attempt waits (1 s, doubling to 30 s); an address gets five times as many across all accounts. Also invitation submissions per minute per address', example: '10' },
  { name: 'FREEWIRE_MAX_UPLOAD_BYTES', description: 'Largest accepted upload (logo, images) in bytes', example: '5242880' },
  { name: 'FREEWIRE_SMTP_URL', description: 'smtp://user:pass@host:587 or smtps://… to send mail (unset: mail stays in the newsroom outbox). FREEWIRE_SMTP_URL_FILE reads it from a file', example: '' },
  { name: 'FREEWIRE_MAIL_FROM', description: 'Sender address for mail to applicants and partners', example: 'Newsroom <newsroom@example.org>' },
  { name: 'FREEWIRE_API_RATE_LIMIT', description: 'Content API requests per partner per minute (all of its keys together; requests without a known key are limited per address)', example: '120' },
  { name: 'FREEWIRE_APPLICATION_RATE_LIMIT', description: 'Program applications per address per hour', example: '5' },
  { name: 'FREEWIRE_INQUIRY_RATE_LIMIT', description: 'Licensing inquiries per address per hour (the /license form and POST /api/v1/license-inquiries together)', example: '5' },
  { name: 'FREEWIRE_USAGE_FLUSH_INTERVAL_MS', description: 'How often pixel view counts are written to the database', example: '1000' },
  { name: 'FREEWIRE_FETCH_ALLOW_LIST', description: 'Comma-separated hosts or CIDR ranges that outbound requests (attribution checks, webhooks, WebSub) may reach despite being private or loopback, and webhook hosts allowed over plain http (normally empty)', example: '' },
  { name: 'FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS', description: 'How often republished pages are checked for attribution (0 disables)', example: '60000' },
  { name: 'FREEWIRE_BACKGROUND_WORK', description: 'Run scheduled publishing, webhook and WebSub delivery, email notices and attribution checks inside freewire start (true/false; false for web-only nodes beside a freewire worker)', example: 'true' },
  { name: 'FREEWIRE_OUTBOX_INTERVAL_MS', description: 'How often the event log is checked for changes made on other nodes (changes on this node are handled at once)', example: '1000' },
  { name: 'FREEWIRE_DELIVERY_CONCURRENCY', description: 'Webhook and WebSub deliveries in flight at once per node, across all endpoints', example: '64' },
  { name: 'FREEWIRE_TIP_RATE_LIMIT', description: 'Tip submissions (new tips and follow-ups) per address per hour; addresses are kept only as keyed hashes whose key changes every hour, never stored or logged', example: '10' },
  { name: 'FREEWIRE_TIP_MAX_BYTES', description: 'Largest tip in bytes, all attachments together (up to 5 attachments)', example: '26214400' },
  { name: 'FREEWIRE_METRICS_TOKEN', description: 'Serve Prometheus metrics at GET /metrics on the main port to requests sending Authorization: Bearer <this token> (at least 20 characters; unset: /metrics answers 404). FREEWIRE_METRICS_TOKEN_FILE reads it from a file', example: '' },
  { name: 'FREEWIRE_METRICS_PORT', description: 'Also serve /metrics, without a token, on this port of FREEWIRE_METRICS_HOST (unset: no separate listener)', example: '' },
  { name: 'FREEWIRE_METRICS_HOST', description: 'Address the separate metrics listener binds; keep it private (loopback or an internal network)', example: '127.0.0.1' },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readSecret(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}_FILE points to ${file}, which cannot be read: ${(err as Error).message}`);
    }
  }
  const value = env[name];
  return value === '' ? undefined : value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function smtpUrl(env: Env): string | undefined {
  const url = readSecret(env, 'FREEWIRE_SMTP_URL');
  if (url !== undefined && !/^smtps?:\/\//.test(url)) throw new ConfigError('FREEWIRE_SMTP_URL must start with smtp:// or smtps://');
  return url;
}

/** Proxies in a chain; far more than any real deployment, small enough to catch a typo. */
const MAX_PROXY_HOPS = 32;
const MAX_PROXY_ENTRIES = 100;
/** proxy-addr's names for well-known ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * FREEWIRE_TRUST_PROXY. `true` means one hop, not Fastify's "trust every hop": trusting every
 * hop makes the leftmost X-Forwarded-For entry the client, and that entry is whatever the client
 * wrote. Addresses are checked by proxy-addr's own parser, the one that later applies them.
 */
function trustProxy(env: Env): TrustProxy {
  const name = 'FREEWIRE_TRUST_PROXY';
  const raw = (env[name] ?? '').trim();
  if (raw.length > 4000) throw new ConfigError(`${name} is too long (at most 4000 characters)`);
  const lower = raw.toLowerCase();
  if (['', 'false', 'no', 'off', '0'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) return 1;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > MAX_PROXY_HOPS) throw new ConfigError(`${name} as a hop count must be between 0 and ${MAX_PROXY_HOPS}, got ${raw}`);
    return hops;
  }
  const entries = raw.split(',').map((x) => x.trim());
  if (entries.length > MAX_PROXY_ENTRIES) throw new ConfigError(`${name} lists more than ${MAX_PROXY_ENTRIES} addresses`);
  for (const entry of entries) {
    let problem: string | undefined;
    if (entry === '') problem = 'an empty entry (two commas in a row, or a trailing comma)';
    else {
      try {
        proxyAddr.compile(entry);
        // proxy-addr also takes shorthand IPv4 (0x7f.1, 127.1) that nobody means in a config file.
        const address = entry.split('/')[0]!;
        if (!NAMED_RANGES.has(entry) && !address.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(address)) throw new Error('write IPv4 addresses as four decimal numbers');
      } catch (err) {
        problem = `"${entry}" (${(err as Error).message})`;
      }
    }
    if (problem) {
      throw new ConfigError(
        `${name} must be true/false, a hop count, or comma-separated proxy addresses or CIDR ranges (e.g. 10.0.0.1, 10.1.0.0/16); it has ${problem}`,
      );
    }
  }
  return Object.freeze(entries);
}

/**
 * FREEWIRE_METRICS_TOKEN. Long enough that guessing is hopeless, and without spaces or control
 * characters so that it survives an Authorization header unchanged.
 */
function metricsToken(env: Env): string | undefined {
  const name = 'FREEWIRE_METRICS_TOKEN';
  const token = readSecret(env, name);
  if (token === undefined) return undefined;
  if (token.length < 20 || token.length > 512) throw new ConfigError(`${name} must be between 20 and 512 characters long, got ${token.length}`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new ConfigError(`${name} may only contain visible ASCII characters (no spaces)`);
  return token;
}

/** A port that is off when unset. */
function optionalPort(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return int(env, name, 0, 0, 65535);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.FREEWIRE_HOST || '0.0.0.0';
  let publicUrl = (env.FREEWIRE_PUBLIC_URL || `http://localhost:${port}`).replace(/(?<!\/)\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    publicUrl = `${u.protocol}//${u.host}${u.pathname.replace(/(?<!\/)\/+$/, '')}`;
  } catch {
    throw new ConfigError(`FREEWIRE_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  const dataDir = path.resolve(env.FREEWIRE_DATA_DIR || './data');
  const databaseUrl = readSecret(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite database)');
  }
  const logLevel = (env.FREEWIRE_LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`FREEWIRE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir,
    databaseUrl,
    logLevel,
    demoContent: bool(env, 'FREEWIRE_DEMO_CONTENT', true),
    trustProxy: trustProxy(env),
    secureCookies: bool(env, 'FREEWIRE_SECURE_COOKIES', publicUrl.startsWith('https:')),
    sessionTtlHours: int(env, 'FREEWIRE_SESSION_TTL_HOURS', 336, 1, 24 * 365),
    schedulerIntervalMs: int(env, 'FREEWIRE_SCHEDULER_INTERVAL_MS', 5000, 100, 3_600_000),
    cacheSyncIntervalMs: int(env, 'FREEWIRE_CACHE_SYNC_INTERVAL_MS', 1000, 50, 60_000),
    loginRateLimitPerMinute: int(env, 'FREEWIRE_LOGIN_RATE_LIMIT', 10, 1, 10_000),
    maxUploadBytes: int(env, 'FREEWIRE_MAX_UPLOAD_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    smtpUrl: smtpUrl(env),
    mailFrom: env.FREEWIRE_MAIL_FROM || 'Freewire <newsroom@localhost>',
    apiRateLimitPerMinute: int(env, 'FREEWIRE_API_RATE_LIMIT', 120, 1, 1_000_000),
    applicationRateLimitPerHour: int(env, 'FREEWIRE_APPLICATION_RATE_LIMIT', 5, 1, 1_000_000),
    inquiryRateLimitPerHour: int(env, 'FREEWIRE_INQUIRY_RATE_LIMIT', 5, 1, 1_000_000),
    usageFlushIntervalMs: int(env, 'FREEWIRE_USAGE_FLUSH_INTERVAL_MS', 1000, 50, 60_000),
    fetchAllowList: (env.FREEWIRE_FETCH_ALLOW_LIST ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    attributionCheckIntervalMs: int(env, 'FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS', 60_000, 0, 86_400_000),
    backgroundWork: bool(env, 'FREEWIRE_BACKGROUND_WORK', true),
    outboxIntervalMs: int(env, 'FREEWIRE_OUTBOX_INTERVAL_MS', 1000, 20, 60_000),
    deliveryConcurrency: int(env, 'FREEWIRE_DELIVERY_CONCURRENCY', 64, 1, 2000),
    tipRateLimitPerHour: int(env, 'FREEWIRE_TIP_RATE_LIMIT', 10, 1, 1_000_000),
    tipMaxBytes: int(env, 'FREEWIRE_TIP_MAX_BYTES', 25 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    metricsToken: metricsToken(env),
    metricsPort: optionalPort(env, 'FREEWIRE_METRICS_PORT'),
    metricsHost: env.FREEWIRE_METRICS_HOST?.trim() || '127.0.0.1',
    ...overrides,
  };
  return Object.freeze(config);
}
