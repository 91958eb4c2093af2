/**
 * File uploads. Multipart bodies are parsed only on the routes that take an upload, and only by
 * their handler, after the session and role checks: nowhere else does the app accept
 * `multipart/form-data` (it answers 415), so an anonymous or malformed multipart request never
 * costs more than its headers, and a broken body is the client's 400, not a server error.
 *
 * CSRF: the token cannot come from a parsed body, because there is none before the handler. A
 * script may send it in the X-CSRF-Token header (checked in the preHandler). A plain HTML form
 * puts its hidden `_csrf` input before the file input, and browsers send form fields in document
 * order (HTML's "constructing the entry list" walks the form's elements in tree order), so the
 * reader requires `_csrf` as the first part and checks it before a single byte of any file is
 * read. The alternative, the token in the form action's query string, would put it in URLs that
 * proxies log and browsers keep in history.
 */
import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { CSRF_FIELD, csrfError, csrfMatches } from './csrf.js';

export interface UploadLimits {
  /** Largest accepted file, in bytes. */
  fileSize: number;
}

export interface UploadedFile {
  filename: string;
  data: Buffer;
}

export interface UploadForm {
  /** Text fields other than the CSRF token (the first value of each). */
  fields: Record<string, string>;
  /** The file sent in the expected field, or undefined when none (or an empty one) was chosen. */
  file: UploadedFile | undefined;
}

/** Set by verifyUploadCsrf when the X-CSRF-Token header already proved the request. */
const headerVerified = new WeakSet<FastifyRequest>();

/**
 * Makes `scope` an upload scope: multipart is its only body type, read lazily by the handler.
 * Register only upload routes in it.
 */
export async function registerUploadParsing(scope: FastifyInstance, limits: UploadLimits): Promise<void> {
  scope.removeAllContentTypeParsers();
  await scope.register(multipart, {
    // One file, a handful of short fields (the CSRF token first): anything more is refused by
    // the parser as it streams, never buffered.
    limits: { fileSize: limits.fileSize, files: 1, fields: 10, fieldSize: 4096, fieldNameSize: 100, parts: 12, headerPairs: 20 },
  });
}

/**
 * preHandler for upload routes, after the session and permission guards. A header token is
 * checked here; without one the body must be multipart, and readUploadForm checks the form's
 * first field.
 */
export async function verifyUploadCsrf(request: FastifyRequest): Promise<void> {
  const header = request.headers['x-csrf-token'];
  if (header !== undefined) {
    if (typeof header !== 'string' || !csrfMatches(request, header)) throw csrfError();
    headerVerified.add(request);
    return;
  }
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the upload as a multipart/form-data form.');
}

/**
 * Reads an upload form in order: the CSRF token first (unless the header carried it), then text
 * fields and at most one file in `fileField`. Stops at the first problem without reading on.
 */
export async function readUploadForm(request: FastifyRequest, fileField: string): Promise<UploadForm> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the upload as a multipart/form-data form.');
  let verified = headerVerified.has(request);
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let file: UploadedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (!verified) {
        if (part.type !== 'field' || part.fieldname !== CSRF_FIELD || typeof part.value !== 'string' || !csrfMatches(request, part.value)) throw csrfError();
        verified = true;
        continue;
      }
      if (part.type === 'field') {
        if (part.fieldname !== CSRF_FIELD && typeof part.value === 'string' && !(part.fieldname in fields)) fields[part.fieldname] = part.value;
        continue;
      }
      // A file: read it, or drain one sent under another name (at most one file is allowed).
      const data = await readFile(part.file);
      if (part.fieldname === fileField && !file && (data.length > 0 || part.filename)) {
        file = { filename: part.filename || 'upload', data };
      }
    }
  } catch (err) {
    // Refused part-way (bad token, too large, malformed): read no further. The parser would
    // otherwise go on pulling the rest of the body through; Node discards whatever is left
    // once the response is sent.
    request.raw.unpipe();
    request.raw.pause();
    throw asClientError(err);
  }
  // An empty body has no parts at all: it never proved its token.
  if (!verified) throw csrfError();
  return { fields, file };
}

/**
 * A file part's bytes. At the size limit the parser only truncates and skips to the part's end,
 * reading (and discarding) whatever the client keeps sending; stop at once instead.
 */
async function readFile(file: Readable & { truncated?: boolean }): Promise<Buffer> {
  const tooLargeError = () => new AppError('PAYLOAD_TOO_LARGE', 'The upload is too large.');
  // The limit may already have been reached before this part was handed over.
  if (file.truncated) {
    file.destroy();
    throw tooLargeError();
  }
  const chunks: Buffer[] = [];
  let tooLarge = false;
  file.on('limit', () => {
    tooLarge = true;
    file.destroy();
  });
  file.on('data', (chunk: Buffer) => chunks.push(chunk));
  try {
    // Rejects when the part is cut short (a truncated body) as well as on our destroy().
    await finished(file);
  } catch (err) {
    if (tooLarge) throw tooLargeError();
    throw err;
  }
  return Buffer.concat(chunks);
}

/**
 * Errors while streaming the body: ours and the plugin's coded ones pass through (the error
 * handler maps them to 403/413/415/400); anything else came from the multipart parser reading a
 * body it could not make sense of (truncated, no boundary, a malformed part header).
 */
function asClientError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('FST_')) return err;
  return new AppError('BAD_REQUEST', 'The upload could not be read: the form data is malformed or incomplete.', { cause: err });
}
