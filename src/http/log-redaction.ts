/**
 * Secrets that travel in URL paths never reach the logs. A partner's feed token, an invitation
 * token and a pixel token (it names one story × partner) are part of their URLs, and the request
 * log would otherwise write them on every request, valid or not, including 404s and errors.
 *
 * Structural, so a new route cannot leak silently:
 * - SECRET_PATHS lists the patterns with a secret segment; a route can also declare its own with
 *   `config: { secretParams: ['token'] }`. Both are matched segment by segment (linear).
 * - Every route is checked when it is added (`checkRoute`, an onRoute hook): a path parameter
 *   whose name looks secret (token, secret, key, password, …) that no pattern covers stops the
 *   app from starting, with a message that says where to declare it.
 * - The request serializer logs the path with secret segments replaced by `[redacted]` (matched
 *   against any URL, so a mistyped or truncated address that no route answers is redacted too),
 *   and a last pass over every written log line (`redactText`) catches a secret quoted in an
 *   error message or stack. Query strings are never logged.
 */

export const REDACTED = '[redacted]';

/**
 * Paths whose `:secret`-marked parameter is a credential. Written as routes are: `:name` is any
 * one segment, and the parameter named after the `*` is the secret one.
 */
export const SECRET_PATHS: readonly string[] = [
  '/partners/feed/:*token/:file', // a partner's private full-text feed
  '/partners/invite/:*token', // a one-time invitation to set up a partner login
  '/p/:*file', // the pixel: `{token}.gif` names a story × partner
];

/** Parameter names that must be declared secret (or listed above) to be allowed in a route path. */
const SECRET_LOOKING = /token|secret|key|password|passwd|code|signature|nonce/i;

/** Characters that end a path segment inside a free-text log line. */
const SEGMENT_END = new Set(['/', '?', '#', '"', "'", '`', ' ', '\t', '\n', '\r', '\\', '<', '>', ',', ';', ')', ']', '}']);

type Segment = { kind: 'literal'; text: string } | { kind: 'param'; secret: boolean };

interface Pattern {
  segments: Segment[];
  /** Index of the last secret segment: a URL need only reach it to be redacted. */
  lastSecret: number;
  /** The literal start of the path ("/partners/feed/"), for the free-text pass. */
  literalPrefix: string;
}

function parse(path: string, secretParams: readonly string[] = []): Pattern | undefined {
  const segments: Segment[] = path
    .split('/')
    .filter((s) => s !== '')
    .map((s): Segment => {
      if (!s.startsWith(':')) return { kind: 'literal', text: s.toLowerCase() };
      const starred = s.startsWith(':*');
      const name = s.slice(starred ? 2 : 1);
      return { kind: 'param', secret: starred || secretParams.includes(name) };
    });
  let lastSecret = -1;
  segments.forEach((s, i) => {
    if (s.kind === 'param' && s.secret) lastSecret = i;
  });
  if (lastSecret === -1) return undefined;
  let literalPrefix = '/';
  for (const s of segments) {
    if (s.kind !== 'literal') break;
    literalPrefix += `${s.text}/`;
  }
  return { segments, lastSecret, literalPrefix };
}

function decoded(segment: string): string {
  if (!segment.includes('%')) return segment.toLowerCase();
  try {
    return decodeURIComponent(segment).toLowerCase();
  } catch {
    return segment.toLowerCase();
  }
}

export class SecretPaths {
  private readonly patterns: Pattern[] = [];
  private readonly seen = new Set<string>();

  constructor(paths: readonly string[] = SECRET_PATHS) {
    for (const p of paths) this.add(p);
  }

  /** Adds a pattern (`:*name` marks the secret, or name it in secretParams). */
  add(path: string, secretParams: readonly string[] = []): void {
    const key = `${path} ${secretParams.join(',')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const pattern = parse(path, secretParams);
    if (pattern) this.patterns.push(pattern);
  }

  /**
   * onRoute check: registers the route's declared secret parameters, and refuses a route whose
   * secret-looking parameter nothing redacts.
   */
  checkRoute(url: string, secretParams: readonly string[] = []): void {
    if (secretParams.length > 0) this.add(url, secretParams);
    const params = url.split('/').filter((s) => s.startsWith(':'));
    for (const param of params) {
      const name = param.slice(1);
      if (!SECRET_LOOKING.test(name)) continue;
      if (secretParams.includes(name)) continue;
      // Listed in SECRET_PATHS: a sample URL with a marker in that segment must come out redacted.
      const marker = 'secret-probe-value';
      const sample = url.split('/').map((s) => (s === param ? marker : s.startsWith(':') ? 'x' : s)).join('/');
      if (this.redactPath(sample).includes(marker)) {
        throw new Error(
          `Route ${url} has a parameter :${name} that looks like a secret, and request logs would write it. ` +
            `Declare it with config: { secretParams: ['${name}'] } on the route (or list the path in SECRET_PATHS, src/http/log-redaction.ts).`,
        );
      }
    }
  }

  /** The path of `url` as logged: no query string, secret segments replaced. */
  redactPath(url: string): string {
    let end = url.length;
    const q = url.indexOf('?');
    if (q !== -1) end = q;
    const h = url.indexOf('#');
    if (h !== -1 && h < end) end = h;
    const path = url.slice(0, end);
    // Empty segments ("//partners/feed/…") do not protect a secret: compare without them.
    const parts = path.split('/').filter((s) => s !== '');
    let redacted = false;
    for (const pattern of this.patterns) {
      if (parts.length <= pattern.lastSecret) continue;
      let matches = true;
      for (let i = 0; i <= pattern.lastSecret && matches; i++) {
        const seg = pattern.segments[i]!;
        if (seg.kind === 'literal') matches = decoded(parts[i]!) === seg.text;
      }
      if (!matches) continue;
      for (let i = 0; i <= pattern.lastSecret; i++) {
        const seg = pattern.segments[i]!;
        if (seg.kind === 'param' && seg.secret) parts[i] = REDACTED;
      }
      redacted = true;
    }
    if (!redacted) return path;
    return `/${parts.join('/')}${path.endsWith('/') && parts.length > 0 ? '/' : ''}`;
  }

  /**
   * The last pass over a whole log line: any secret path quoted in a message, an error or a
   * stack is redacted as well. One indexOf scan per pattern.
   */
  redactText(line: string): string {
    let out = line;
    for (const pattern of this.patterns) {
      const prefix = pattern.literalPrefix;
      if (prefix === '/' || !out.includes(prefix)) continue;
      const literalCount = prefix.split('/').length - 2;
      let result = '';
      let from = 0;
      for (let at = out.indexOf(prefix, from); at !== -1; at = out.indexOf(prefix, from)) {
        let i = at + prefix.length;
        result += out.slice(from, i);
        // Walk the segments after the literal prefix up to the last secret one.
        for (let s = literalCount; s <= pattern.lastSecret; s++) {
          const seg = pattern.segments[s]!;
          let j = i;
          while (j < out.length && !SEGMENT_END.has(out[j]!)) j++;
          const text = out.slice(i, j);
          const secret = seg.kind === 'param' && seg.secret && text !== '' && text !== REDACTED;
          result += secret ? REDACTED : text;
          i = j;
          if (s === pattern.lastSecret || out[i] !== '/') break;
          result += '/';
          i++;
        }
        from = i;
      }
      out = result + out.slice(from);
    }
    return out;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Path parameters that are credentials: request logs write them as [redacted]. */
    secretParams?: readonly string[];
  }
}
