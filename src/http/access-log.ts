/**
 * The access log: one line per request, written through a buffered, asynchronous destination.
 *
 * Why not Fastify's request logging: it writes two lines per request ("incoming request" and
 * "request completed"), each through pino's serializers and redaction, synchronously to stdout.
 * On a cached story page that was most of the server's time. Here a request costs one short
 * string: method, path (secret segments redacted, never the query string), status, time taken.
 * Never the reader's address, user agent or referrer, on any route (the tip line promises its
 * sources that, and readers deserve the same).
 *
 * Lines are the same JSON shape pino writes (level 30, time, pid, hostname, msg) so one log
 * pipeline reads both, and both go through one BufferedLog (below), in order.
 */
import { writeSync } from 'node:fs';
import { hostname } from 'node:os';
import pino from 'pino';
import type { SecretPaths } from './log-redaction.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The access log (one line per request), for handlers that answer outside Fastify's hooks. */
    accessLog: AccessLog;
  }
}

/** Characters gathered before they are handed to the destination in one write. */
const BATCH_CHARS = 64 * 1024;
/** The longest a line waits in the buffer on a quiet server. */
const FLUSH_MS = 1000;
/** Longer paths (only ever mistakes or probes) are cut in the log. */
const MAX_PATH = 2048;

export interface LogSink {
  write(line: string): void;
}

export interface AccessLogEntry {
  method: string;
  /** The request's URL as received; the line holds its path with secret segments redacted. */
  url: string;
  status: number;
  /** Milliseconds from the request's arrival to the response's end. */
  ms: number;
}

/**
 * Writes all of `text` to `fd` synchronously, waiting out a full pipe (EAGAIN: stdout may be a
 * non-blocking pipe) for up to a few seconds; gives up silently when the reader is gone.
 */
function writeAllSync(fd: number, text: string): void {
  let buf = Buffer.from(text, 'utf8');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; buf.length > 0; ) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= 5000) return;
      Atomics.wait(pause, 0, 0, 10);
      waited += 10;
    }
  }
}

/**
 * Lines gathered in memory and written to stdout in batches: one system call (on libuv's thread
 * pool, through pino's asynchronous SonicBoom) per 64 KiB or per second, whichever comes first.
 * A warning or an error is written at once, with everything before it, so what explains a
 * failure is never held back; on exit (a stop, or a crash) the rest is written synchronously.
 * Handing SonicBoom one line at a time costs five times as much per line.
 */
export class BufferedLog implements LogSink {
  private lines: string[] = [];
  private chars = 0;
  private readonly destination = pino.destination({ dest: 1, sync: false });

  constructor(flushMs = FLUSH_MS) {
    setInterval(() => this.flush(), flushMs).unref();
    // At exit nothing asynchronous runs any more: what the destination still holds and what is
    // left here are written synchronously. (Handing the rest to the destination first would start
    // an asynchronous write the exiting process may never finish: lines were lost that way.)
    process.once('exit', () => {
      const rest = this.lines.join('');
      this.lines = [];
      this.chars = 0;
      try {
        this.destination.flushSync();
      } catch {
        // Nothing queued there, or stdout already gone.
      }
      writeAllSync(1, rest);
    });
  }

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    // pino lines start with {"level":NN; 40 and above are warnings, errors and fatal.
    if (this.chars >= BATCH_CHARS || (line.charCodeAt(9) >= 52 /* '4' */ && line.startsWith('{"level":'))) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const batch = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.destination.write(batch);
  }
}

export class AccessLog {
  /** The fixed start of every line, serialised once. */
  private readonly prefix: string;

  constructor(
    private readonly sink: LogSink,
    /** False when the log level is above info: then no access lines, as before. */
    readonly enabled: boolean,
    private readonly secretPaths: SecretPaths,
  ) {
    this.prefix = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"msg":"request","method":`;
  }

  write(entry: AccessLogEntry): void {
    if (!this.enabled) return;
    let path = this.secretPaths.redactPath(entry.url);
    if (path.length > MAX_PATH) path = `${path.slice(0, MAX_PATH)}…`;
    this.writeLine(entry.method, JSON.stringify(path), entry.status, entry.ms);
  }

  /**
   * A line for a path already redacted and serialised (JSON.stringify). The front door keeps
   * one per cached page: its URL is the cache key of a public page, with no secret in it.
   */
  writeLine(method: string, serialisedPath: string, status: number, ms: number): void {
    if (!this.enabled) return;
    // JSON.stringify on the method too: Node's parser limits it to letters, but it costs nothing to be sure.
    this.sink.write(
      `{"level":30,"time":${Date.now()}${this.prefix}${method === 'GET' ? '"GET"' : JSON.stringify(method)},"url":${serialisedPath},"status":${status},"ms":${Math.round(ms * 100) / 100}}\n`,
    );
  }
}
