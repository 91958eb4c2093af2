/**
 * An HTTP(S) GET for addresses that come from the outside world (the pages where partners
 * republished a story, as their readers' browsers reported them). Anyone can make the pixel
 * record any URL, so without care this would let strangers make the server fetch its own
 * network: the cloud metadata service, the database, an admin port on loopback.
 *
 * So every hop is checked the same way: http/https only; the host is resolved once, every
 * address it resolves to must be public (or allow-listed in config); the connection then goes to
 * exactly the address that was checked (a pinned `lookup`), so a DNS answer that changes between
 * the check and the connect (DNS rebinding) cannot redirect it. Redirects are followed by hand,
 * at most a few, each re-checked. Time and size are bounded, and only HTML is read.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import ipaddr from 'ipaddr.js';

export type SafeFetchErrorKind = 'blocked' | 'timeout' | 'too_large' | 'http_status' | 'network' | 'not_html' | 'redirect' | 'aborted';

export class SafeFetchError extends Error {
  readonly kind: SafeFetchErrorKind;
  /** The URL of the hop that failed (after redirects). */
  readonly url: string;
  /** The response status, for `http_status`. */
  readonly status: number | undefined;

  constructor(kind: SafeFetchErrorKind, message: string, url: string, status?: number) {
    super(message);
    this.name = 'SafeFetchError';
    this.kind = kind;
    this.url = url;
    this.status = status;
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetchOptions {
  /** Hosts, addresses or CIDR ranges that may be fetched although they are not public. */
  allowList?: readonly string[];
  /** Until the TCP (and TLS) connection is up. */
  connectTimeoutMs?: number;
  /** For the whole fetch, redirects and DNS included. */
  timeoutMs?: number;
  /** Largest body read, after decompression. */
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** Name resolution; dns.lookup (the system resolver, all addresses) unless replaced in tests. */
  resolve?: Resolver;
  /** Stops the fetch (server shutdown) with an `aborted` error. */
  signal?: AbortSignal;
}

export interface SafeFetchResult {
  /** The URL asked for. */
  url: string;
  /** Where the page was found after redirects. */
  finalUrl: string;
  status: number;
  contentType: string;
  html: string;
  /** Every URL redirected to, in order. */
  redirects: string[];
  /** The address the last hop connected to. */
  address: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 3;
export const DEFAULT_USER_AGENT = 'Freewire-AttributionCheck/1.0 (republished-story attribution check)';

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// ---- address policy ---------------------------------------------------------------------------

interface AllowList {
  hosts: Set<string>;
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

/** Entries that are neither an address nor a CIDR range are taken as host names. */
export function compileAllowList(entries: readonly string[] = []): AllowList {
  const out: AllowList = { hosts: new Set(), ranges: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!entry) continue;
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) {
      const [addr, bits] = ipaddr.parseCIDR(entry);
      out.ranges.push([unmap(addr), unmapBits(addr, bits)]);
    } else if (net.isIP(entry)) {
      const addr = unmap(ipaddr.parse(entry));
      out.ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else {
      out.hosts.add(entry.replace(/\.$/, ''));
    }
  }
  return out;
}

/** ::ffff:a.b.c.d reaches a.b.c.d, so it is judged (and allow-listed) as that IPv4 address. */
function unmap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

function unmapBits(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): number {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? Math.max(0, bits - 96) : bits;
}

/**
 * Why an address may not be fetched, or undefined when it may. Only ordinary public unicast
 * passes: every special range ipaddr.js knows (private, loopback, link-local, unique-local,
 * multicast, unspecified, CGNAT, benchmarking, documentation, reserved, and the IPv6 transition
 * prefixes — 6to4, Teredo, NAT64 — that can embed a private IPv4 address) is refused.
 */
export function blockedReason(address: string, allow: AllowList = compileAllowList()): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const addr = unmap(ipaddr.parse(address));
  for (const [range, bits] of allow.ranges) {
    if (range.kind() === addr.kind() && addr.match(range, bits)) return undefined;
  }
  let range: string = addr.range();
  // IPv4-compatible addresses (::a.b.c.d, deprecated) are not in ipaddr.js's table.
  if (addr.kind() === 'ipv6' && range === 'unicast' && (addr as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) range = 'ipv4Compatible';
  if (range === 'unicast') return undefined;
  return `${address} is a ${describeRange(range)} address`;
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    unspecified: 'unspecified', broadcast: 'broadcast', multicast: 'multicast', linkLocal: 'link-local', loopback: 'loopback',
    carrierGradeNat: 'carrier-grade NAT (shared)', private: 'private', reserved: 'reserved (documentation, benchmarking or future use)',
    uniqueLocal: 'unique-local (private)', ipv4Mapped: 'IPv4-mapped', rfc6145: 'IPv4-translated', rfc6052: 'NAT64', '6to4': '6to4',
    teredo: 'Teredo', benchmarking: 'benchmarking', deprecatedSiteLocal: 'site-local', discard: 'discard-only', ipv4Compatible: 'IPv4-compatible',
  };
  return names[range] ?? `special-purpose (${range})`;
}

const systemResolve: Resolver = async (hostname) => {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// ---- fetching ---------------------------------------------------------------------------------

interface Hop {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The address connected to. */
  address: string;
  /** Set when the hop answered a page. */
  html?: string;
  contentType?: string;
}

/** GETs an HTML page under the rules above; throws SafeFetchError for every refusal or failure. */
export async function safeFetch(rawUrl: string, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
  const allow = compileAllowList(options.allowList);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const redirects: string[] = [];
  let url = parseTarget(rawUrl, rawUrl);
  for (;;) {
    if (options.signal?.aborted) throw aborted(url);
    const addresses = await checkHost(url, allow, options.resolve ?? systemResolve, deadline, timeoutMs);
    const hop = await request(url, addresses, options, deadline, timeoutMs);
    if (REDIRECT_STATUSES.has(hop.status)) {
      const location = hop.headers.location;
      if (!location) throw new SafeFetchError('http_status', `The page answered ${hop.status} (a redirect) without saying where to.`, url.href, hop.status);
      if (redirects.length >= maxRedirects) throw new SafeFetchError('redirect', `The page redirected more than ${maxRedirects} times.`, url.href, hop.status);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new SafeFetchError('redirect', `The page redirected to an invalid address ("${location.slice(0, 200)}").`, url.href, hop.status);
      }
      url = parseTarget(next.href, rawUrl);
      redirects.push(url.href);
      continue;
    }
    return { url: rawUrl, finalUrl: url.href, status: hop.status, contentType: hop.contentType!, html: hop.html!, redirects, address: hop.address };
  }
}

function aborted(url: URL): SafeFetchError {
  return new SafeFetchError('aborted', 'The check was stopped before it finished.', url.href);
}

function parseTarget(href: string, original: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new SafeFetchError('blocked', 'Not a valid URL.', original);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeFetchError('blocked', `Only http and https pages are checked, not ${url.protocol.replace(/:$/, '')}.`, url.href);
  }
  // Credentials in the URL would be sent as Authorization; a reader's referrer has no business carrying them.
  url.username = '';
  url.password = '';
  url.hash = '';
  return url;
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

async function checkHost(url: URL, allow: AllowList, resolve: Resolver, deadline: number, timeoutMs: number, purpose: 'fetch' | 'send' = 'fetch'): Promise<ResolvedAddress[]> {
  const host = bareHost(url);
  const hostAllowed = allow.hosts.has(host.replace(/\.$/, ''));
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await withDeadline(resolve(host), deadline, () => new SafeFetchError('timeout', `Looking up ${host} took longer than ${timeoutMs / 1000} s.`, url.href));
    } catch (err) {
      if (err instanceof SafeFetchError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new SafeFetchError('network', code === 'ENOTFOUND' || code === 'ENODATA' ? `The host ${host} does not exist (DNS lookup failed).` : `Could not look up ${host} (${code ?? (err as Error).message}).`, url.href);
    }
    if (addresses.length === 0) throw new SafeFetchError('network', `The host ${host} has no addresses.`, url.href);
  }
  if (!hostAllowed) {
    // Every address, not only the first: a name that resolves to one public and one private
    // address is either misconfigured or an attempt to slip past this check.
    for (const a of addresses) {
      const reason = blockedReason(a.address, allow);
      if (reason) {
        const via = net.isIP(host) ? '' : ` (${host} resolves to it)`;
        const tail = purpose === 'send' ? 'deliveries go only to public addresses' : 'only public addresses are checked';
        throw new SafeFetchError('blocked', `Refused to ${purpose}: ${reason}${via}; ${tail}.`, url.href);
      }
    }
  }
  return addresses;
}

function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function request(url: URL, addresses: ResolvedAddress[], options: SafeFetchOptions, deadline: number, timeoutMs: number): Promise<Hop> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const secure = url.protocol === 'https:';
  const host = bareHost(url);
  // The connection goes only to the addresses checked above, whatever DNS would say now. (With
  // `all`, Node tries them in turn — happy eyeballs — which is why all of them were checked.)
  const lookup: net.LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const onAbort = (): void => finish(aborted(url));
    const finish = (err: SafeFetchError | undefined, hop?: Hop): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(hop!);
    };
    const req = (secure ? https : http).request({
      protocol: url.protocol,
      hostname: host,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      agent: false,
      lookup,
      servername: net.isIP(host) ? undefined : host,
      headers: {
        'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT,
        Accept: 'text/html,application/xhtml+xml;q=0.9',
        'Accept-Encoding': 'gzip, deflate, br',
        Connection: 'close',
      },
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the name was being checked: the listener above will never fire.
    if (options.signal?.aborted) onAbort();
    timers.push(setTimeout(() => finish(new SafeFetchError('timeout', `The page did not load within ${timeoutMs / 1000} s.`, url.href)), Math.max(0, deadline - Date.now())));
    const connectTimer = setTimeout(() => finish(new SafeFetchError('timeout', `Could not connect within ${connectTimeoutMs / 1000} s.`, url.href)), connectTimeoutMs);
    timers.push(connectTimer);
    req.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(new SafeFetchError('network', networkMessage(err, host), url.href)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        res.resume();
        finish(undefined, { status, headers: res.headers, address: res.socket?.remoteAddress ?? '' });
        return;
      }
      if (status < 200 || status > 299) {
        res.resume();
        finish(new SafeFetchError('http_status', `The page answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}.`, url.href, status));
        return;
      }
      const contentType = (res.headers['content-type'] ?? '').toString();
      const mime = contentType.split(';')[0]!.trim().toLowerCase();
      if (!HTML_TYPES.has(mime)) {
        finish(new SafeFetchError('not_html', mime ? `The address is not a web page (it answered ${mime}).` : 'The address did not say what it answered (no Content-Type), so it was not read.', url.href, status));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(new SafeFetchError('too_large', `The page is larger than ${formatMb(maxBytes)} (${formatMb(declared)}).`, url.href, status));
        return;
      }
      let body: Readable = res;
      const encoding = (res.headers['content-encoding'] ?? 'identity').toString().trim().toLowerCase();
      if (encoding === 'gzip' || encoding === 'x-gzip') body = res.pipe(zlib.createGunzip());
      else if (encoding === 'deflate') body = res.pipe(zlib.createInflate());
      else if (encoding === 'br') body = res.pipe(zlib.createBrotliDecompress());
      else if (encoding !== 'identity' && encoding !== '') {
        finish(new SafeFetchError('network', `The page was sent in an encoding this checker cannot read (${encoding}).`, url.href, status));
        return;
      }
      const remote = res.socket?.remoteAddress ?? '';
      const chunks: Buffer[] = [];
      let size = 0;
      // Counted after decompression, so a small compressed bomb is cut off as well.
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          body.destroy();
          finish(new SafeFetchError('too_large', `The page is larger than ${formatMb(maxBytes)}; reading stopped there.`, url.href, status));
          return;
        }
        chunks.push(chunk);
      });
      body.on('error', (err: NodeJS.ErrnoException) => finish(new SafeFetchError('network', `The page could not be read: ${err.message}.`, url.href, status)));
      res.on('close', () => {
        if (!res.complete) finish(new SafeFetchError('network', 'The connection closed before the page was complete.', url.href, status));
      });
      body.on('end', () => finish(undefined, { status, headers: res.headers, address: remote, contentType, html: decode(Buffer.concat(chunks), contentType) }));
    });
    req.end();
  });
}

function decode(bytes: Buffer, contentType: string): string {
  const declared = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType)?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // An unknown charset label: UTF-8 is what nearly every page is.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

function networkMessage(err: NodeJS.ErrnoException, host: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${host} refused the connection.`;
    case 'ECONNRESET':
      return `${host} closed the connection unexpectedly.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} cannot be reached from this server.`;
    case 'ETIMEDOUT':
      return `Connecting to ${host} timed out.`;
    default:
      if (err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT') || /certificate|SSL|TLS/i.test(err.message)) {
        return `The secure connection to ${host} failed: ${err.message}.`;
      }
      return `The page could not be fetched: ${err.message}${err.code ? ` (${err.code})` : ''}.`;
  }
}

// ---- outbound deliveries (webhooks, WebSub) ---------------------------------------------------
//
// The same policy for requests this server sends on its own initiative to addresses partners
// gave it: every resolved address checked, the connection pinned to it, the allow-list from the
// same setting. Differences that suit a delivery rather than a page fetch: any method and body,
// redirects never followed (a 3xx is a failed delivery — the receiver must give its real
// address), any content type, and the response body read only up to a small cap (it is kept for
// the delivery log, never parsed).

export const OUTBOUND_MAX_RESPONSE_BYTES = 64 * 1024;
export const OUTBOUND_TIMEOUT_MS = 10_000;

/** The host is named on the allow-list, or is an address inside one of its ranges. */
function onAllowList(host: string, allow: AllowList): boolean {
  if (allow.hosts.has(host.replace(/\.$/, ''))) return true;
  if (!net.isIP(host)) return false;
  const addr = unmap(ipaddr.parse(host));
  return allow.ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}

export interface OutboundUrlOptions {
  allowList?: readonly string[];
  resolve?: Resolver;
  /** https only, except for hosts on the allow-list (webhooks: true). */
  requireHttps?: boolean;
  timeoutMs?: number;
}

/**
 * Checks an address partners register (a webhook endpoint, a WebSub callback) before it is
 * stored: a URL, http(s), https unless allow-listed when asked, no credentials, and every address
 * its host resolves to public (or allow-listed). Throws SafeFetchError('blocked' | 'network')
 * with a sentence fit for a field error. Returns the normalised URL.
 */
export async function checkOutboundUrl(rawUrl: string, options: OutboundUrlOptions = {}): Promise<string> {
  if (rawUrl.length > 2000) throw new SafeFetchError('blocked', 'The address is longer than 2,000 characters.', rawUrl.slice(0, 100));
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new SafeFetchError('blocked', 'Not a valid URL.', rawUrl);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SafeFetchError('blocked', `Only https addresses are accepted, not ${url.protocol.replace(/:$/, '')}.`, rawUrl);
  if (url.username || url.password) throw new SafeFetchError('blocked', 'The address must not contain a user name or password; use the signing secret to authenticate deliveries.', rawUrl);
  url.hash = '';
  const allow = compileAllowList(options.allowList);
  const host = bareHost(url);
  const allowListed = onAllowList(host, allow);
  if (options.requireHttps && url.protocol !== 'https:' && !allowListed) throw new SafeFetchError('blocked', 'The address must use https.', rawUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  await checkHost(url, allow, options.resolve ?? systemResolve, Date.now() + timeoutMs, timeoutMs);
  return url.href;
}

export interface OutboundRequest {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string | Buffer;
  allowList?: readonly string[];
  resolve?: Resolver;
  /** Whole request, DNS included (default 10 s). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Response bytes kept (default 64 KB); the rest is not read. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
  /** https only, except for allow-listed hosts (checked again at delivery). */
  requireHttps?: boolean;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The first maxResponseBytes of the body, as text. */
  body: string;
  /** True when the body was longer than what was kept. */
  truncated: boolean;
  /** The address connected to. */
  address: string;
  durationMs: number;
}

/**
 * Sends one request under the policy above. Resolves with any HTTP answer (the caller decides
 * what a status means); throws SafeFetchError for a refused address, a timeout or a network
 * failure.
 */
export async function outboundRequest(rawUrl: string, req: OutboundRequest): Promise<OutboundResponse> {
  const started = performance.now();
  const timeoutMs = req.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const url = parseTarget(rawUrl, rawUrl);
  const allow = compileAllowList(req.allowList);
  const host = bareHost(url);
  if (req.requireHttps && url.protocol !== 'https:') {
    const allowListed = onAllowList(host, allow);
    if (!allowListed) throw new SafeFetchError('blocked', 'Refused to send: the address must use https.', url.href);
  }
  if (req.signal?.aborted) throw aborted(url);
  const addresses = await checkHost(url, allow, req.resolve ?? systemResolve, deadline, timeoutMs, 'send');
  const maxBytes = req.maxResponseBytes ?? OUTBOUND_MAX_RESPONSE_BYTES;
  const connectTimeoutMs = req.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const secure = url.protocol === 'https:';
  const lookup: net.LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const onAbort = (): void => finish(aborted(url));
    const finish = (err: SafeFetchError | undefined, res?: OutboundResponse): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      req.signal?.removeEventListener('abort', onAbort);
      if (err) {
        request.destroy();
        reject(err);
      } else {
        // The rest of the body is not wanted; closing the socket is cheaper than reading it.
        request.destroy();
        resolve(res!);
      }
    };
    const request = (secure ? https : http).request({
      protocol: url.protocol,
      hostname: host,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: req.method,
      agent: false,
      lookup,
      servername: net.isIP(host) ? undefined : host,
      headers: { ...req.headers, ...(body ? { 'Content-Length': String(body.length) } : {}), Connection: 'close' },
    });
    req.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the name was being checked: the listener above will never fire.
    if (req.signal?.aborted) onAbort();
    timers.push(setTimeout(() => finish(new SafeFetchError('timeout', `No answer within ${timeoutMs / 1000} s.`, url.href)), Math.max(0, deadline - Date.now())));
    const connectTimer = setTimeout(() => finish(new SafeFetchError('timeout', `Could not connect within ${connectTimeoutMs / 1000} s.`, url.href)), connectTimeoutMs);
    timers.push(connectTimer);
    request.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (err: NodeJS.ErrnoException) => finish(new SafeFetchError('network', networkMessage(err, host), url.href)));
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const remote = res.socket?.remoteAddress ?? '';
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = (): void =>
        finish(undefined, {
          status,
          headers: res.headers,
          body: new TextDecoder('utf-8').decode(Buffer.concat(chunks)),
          truncated,
          address: remote,
          durationMs: Math.round(performance.now() - started),
        });
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = maxBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, Math.max(0, room)));
          size = maxBytes;
          truncated = true;
          done();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', done);
      // The status is what counts; a body cut short after it does not undo the answer.
      res.on('close', done);
      res.on('error', done);
    });
    request.end(body);
  });
}
