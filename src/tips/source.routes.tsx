/**
 * The source's side of the tip line, under /tips:
 * - GET  /tips                  the page: what we can protect, the form (or the other contacts)
 * - POST /tips                  a new tip (multipart): ciphertext from source.js, or the plain
 *                               form, encrypted here in memory; answers with the codename, once
 * - GET  /tips/check            the codename form
 * - POST /tips/check            replies to a codename (the same page whether or not it exists)
 * - POST /tips/check/follow-up  more from the codename holder (multipart, like POST /tips)
 *
 * A blind server: every answer here (errors and 404s included) carries the tip CSP,
 * `Referrer-Policy: no-referrer`, `Cache-Control: no-store`, and never a cookie. Nothing about the
 * sender is logged or passed on: errors log only their code, and rate limits count keyed hashes
 * that are forgotten every hour (src/tips/rate-limit.ts).
 */
import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { mapError, sendError, wantsJson } from '../http/error-handler.js';
import { sendHtml } from '../http/render.js';
import { TIP_CONTENT_SECURITY_POLICY } from '../http/security.js';
import { loadSiteContext } from '../site/context.js';
import { parseCodename } from './codename.js';
import { FORM_TOKEN_FIELD } from './form-token.js';
import { HourlyLimiter, RateLimitedError } from './rate-limit.js';
import { MAX_ATTACHMENTS, MAX_SEALED_BYTES, MAX_TEXT, SECRETSTREAM_SIZES, SourceTips, megabytes, type Submission } from './source.service.js';
import { CheckPage, CodenamePage, ConversationPage, SubmitPage, TipErrorPage } from './pages/source-pages.js';

/** What a tip form held, kept for the error page (the text, so a source does not lose it). */
interface ReadForm {
  fields: Record<string, string>;
  files: Array<{ field: string; filename: string; mimetype: string; data: Buffer }>;
}

const partial = new WeakMap<FastifyRequest, { text?: string; codename?: string }>();

export async function registerSourceTipRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const tips = new SourceTips(services);
  const maxBytes = services.config.tipMaxBytes;
  const limits = { maxBytes };
  /** Largest attachment total the stream may carry (ciphertext is a little larger than plaintext). */
  const streamAllowance = SourceTips.ciphertextAllowance(SECRETSTREAM_SIZES, maxBytes);
  const submissions = new HourlyLimiter(services.config.tipRateLimitPerHour);
  // Codename attempts cost two argon2id derivations each; a source mistyping gets several tries.
  const checks = new HourlyLimiter(services.config.tipRateLimitPerHour * 5);

  const limitSubmissions = async (request: FastifyRequest) =>
    submissions.hit(request.ip, 'Too many messages from your connection in the last hour. Wait an hour and send again; nothing you sent before was lost.');
  const limitChecks = async (request: FastifyRequest) =>
    checks.hit(request.ip, 'Too many codename attempts from your connection in the last hour. Wait an hour and try again.');

  await app.register(
    async (scope) => {
      // Multipart is read only by the two submission handlers, part by part, in memory.
      await scope.register(multipart, {
        limits: {
          fileSize: Math.max(streamAllowance, MAX_SEALED_BYTES),
          files: MAX_ATTACHMENTS + 2,
          fields: 10,
          // The message field: 100,000 characters of UTF-8.
          fieldSize: MAX_TEXT * 4 + 1024,
          fieldNameSize: 100,
          parts: 20,
          headerPairs: 20,
        },
      });

      scope.addHook('onSend', (_request, reply, payload, done) => {
        reply.header('Content-Security-Policy', TIP_CONTENT_SECURITY_POLICY);
        reply.header('Referrer-Policy', 'no-referrer');
        reply.header('Cache-Control', 'no-store');
        reply.removeHeader('set-cookie');
        done(null, payload);
      });

      scope.setErrorHandler(async (err, request, reply) => {
        const mapped = mapError(err);
        // Only what went wrong, never the request: no address, agent, referrer, nor any text.
        if (mapped.status >= 500) request.log.error({ code: (err as { code?: unknown }).code, type: (err as Error)?.name, stack: stackOnly(err) }, 'tip request failed');
        if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfter));
        if (mapped.status === 500) mapped.message = 'Something went wrong on our side, and your message may not have been sent. Please try again later.';
        if (wantsJson(request)) return sendError(request, reply, mapped);
        try {
          return await errorPage(request, reply, mapped.status, mapped.message);
        } catch {
          return sendError(request, reply, mapped);
        }
      });

      scope.setNotFoundHandler(async (request, reply) => errorPage(request, reply, 404, 'There is nothing at this address.'));

      async function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
        const ctx = await loadSiteContext(services);
        const kept = partial.get(request);
        let path = request.url.split('?')[0]!;
        while (path.endsWith('/')) path = path.slice(0, -1);
        const formError = status !== 429 && status < 500;
        if (request.method === 'POST' && path === '/tips' && formError) {
          const tipKey = await tips.activeKey();
          return sendHtml(reply, SubmitPage({ ctx, tipKey, token: await tips.issueToken(), limits, text: kept?.text, error: `Your message was not sent. ${message}` }), status);
        }
        if (request.method === 'POST' && path === '/tips/check/follow-up' && formError && kept?.codename) {
          // The form again, without the replies: showing them would mean deriving the codename again.
          const tipKey = await tips.activeKey();
          return sendHtml(
            reply,
            ConversationPage({ ctx, replies: undefined, tipKey, token: await tips.issueToken(), codename: kept.codename, limits, text: kept.text, error: `Your message was not sent. ${message}` }),
            status,
          );
        }
        return sendHtml(reply, TipErrorPage({ ctx, status, message }), status);
      }

      scope.get('/', async (_request, reply) => {
        const [ctx, tipKey, token] = await Promise.all([loadSiteContext(services), tips.activeKey(), tips.issueToken()]);
        return sendHtml(reply, SubmitPage({ ctx, tipKey, token, limits }));
      });

      scope.post('/', { onRequest: limitSubmissions }, async (request, reply) => {
        const { submission, token } = await readSubmission(request);
        const { codename } = await tips.submit(submission, token);
        if (wantsJson(request)) return reply.code(201).send({ codename });
        return sendHtml(reply, CodenamePage({ ctx: await loadSiteContext(services), codename }), 201);
      });

      scope.get('/check', async (_request, reply) => sendHtml(reply, CheckPage({ ctx: await loadSiteContext(services) })));

      scope.post('/check', { onRequest: limitChecks, bodyLimit: 16 * 1024 }, async (request, reply) => {
        const body = request.body as Record<string, unknown> | null | undefined;
        const raw = body && typeof body === 'object' ? body.codename : undefined;
        const parsed = parseCodename(Array.isArray(raw) ? raw[0] : raw);
        const ctx = await loadSiteContext(services);
        if ('problem' in parsed) {
          return sendHtml(reply, CheckPage({ ctx, problem: parsed.problem, value: typeof raw === 'string' ? raw.slice(0, 200) : undefined }), 400);
        }
        const [replies, tipKey, token] = await Promise.all([tips.replies(parsed.codename), tips.activeKey(), tips.issueToken()]);
        return sendHtml(reply, ConversationPage({ ctx, replies, tipKey, token, codename: parsed.codename, limits }));
      });

      scope.post('/check/follow-up', { onRequest: limitSubmissions }, async (request, reply) => {
        const { submission, token, codename } = await readSubmission(request, true);
        await tips.submit(submission, token, codename);
        if (wantsJson(request)) return reply.code(201).send({ sent: true, token: await tips.issueToken() });
        const [ctx, tipKey, fresh] = await Promise.all([loadSiteContext(services), tips.activeKey(), tips.issueToken()]);
        return sendHtml(
          reply,
          ConversationPage({ ctx, replies: undefined, tipKey, token: fresh, codename: codename!, limits, notice: 'Your message was sent. Check back with your codename for replies.' }),
          201,
        );
      });
    },
    // Never trace here: at trace level the multipart plugin logs every request header (address,
    // agent, referrer). Debug and above log no request data.
    { prefix: '/tips', logLevel: services.config.logLevel === 'trace' ? 'debug' : services.config.logLevel },
  );

  /**
   * Reads a tip form in order: the one-time token first (signature and expiry checked before
   * anything else is read), then fields and files, in memory only, stopping at the first
   * problem. The browser's form has `key_id`, a `sealed` file and `attachment` files (all
   * ciphertext); the plain form has `message` and `attachments`.
   */
  async function readSubmission(request: FastifyRequest, followUp = false): Promise<{ submission: Submission; token: { hash: string; expiresAt: Date }; codename?: string }> {
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as multipart/form-data (the page’s own form does).');
    const form: ReadForm = { fields: Object.create(null) as Record<string, string>, files: [] };
    let token: { hash: string; expiresAt: Date } | undefined;
    let total = 0;
    let attachments = 0;
    const kept: { text?: string; codename?: string } = {};
    partial.set(request, kept);
    try {
      for await (const part of request.parts()) {
        if (!token) {
          if (part.type !== 'field' || part.fieldname !== FORM_TOKEN_FIELD) {
            throw new AppError('BAD_REQUEST', 'The form is missing its security token. Reload the page and send your message again.');
          }
          token = await tips.verifyToken(part.value);
          continue;
        }
        if (part.type === 'field') {
          if (part.valueTruncated) throw new AppError('PAYLOAD_TOO_LARGE', `The message is too long: at most ${MAX_TEXT.toLocaleString('en')} characters.`);
          if (typeof part.value === 'string' && !(part.fieldname in form.fields)) {
            form.fields[part.fieldname] = part.value;
            if (part.fieldname === 'message') kept.text = part.value.slice(0, MAX_TEXT);
            if (part.fieldname === 'codename') {
              const c = parseCodename(part.value);
              if ('codename' in c) kept.codename = c.codename;
            }
          }
          continue;
        }
        const isSealed = part.fieldname === 'sealed';
        const data = await readFilePart(part.file, isSealed ? MAX_SEALED_BYTES : streamAllowance - total, isSealed ? 'The encrypted message is too large.' : `The attachments are too large: at most ${megabytes(maxBytes)} in all.`);
        // A file input left empty still sends a part, with no name and no bytes.
        if (!isSealed && data.length === 0 && !part.filename) continue;
        if (isSealed) {
          if (form.files.some((f) => f.field === 'sealed')) throw new AppError('BAD_REQUEST', 'The form carries two encrypted messages.');
        } else {
          if (part.fieldname !== 'attachment' && part.fieldname !== 'attachments') throw new AppError('BAD_REQUEST', `Unexpected file field “${part.fieldname.slice(0, 40)}”.`);
          attachments += 1;
          if (attachments > MAX_ATTACHMENTS) {
            throw new AppError('BAD_REQUEST', `Too many attachments: send at most ${MAX_ATTACHMENTS} files with one message (put more in a follow-up, or in a zip file).`);
          }
          total += data.length;
        }
        form.files.push({ field: part.fieldname, filename: part.filename, mimetype: part.mimetype, data });
      }
    } catch (err) {
      // Refused part-way: read no further (Node discards the rest once the answer is sent).
      request.raw.unpipe();
      request.raw.pause();
      throw asClientError(err);
    }
    if (!token) throw new AppError('BAD_REQUEST', 'The form is missing its security token. Reload the page and send your message again.');
    let codename: string | undefined;
    if (followUp) {
      const parsed = parseCodename(form.fields.codename);
      if ('problem' in parsed) throw new AppError('BAD_REQUEST', parsed.problem);
      codename = parsed.codename;
    }
    const keyId = form.fields.key_id;
    if (keyId !== undefined) {
      const sealed = form.files.find((f) => f.field === 'sealed');
      if (!sealed) throw new AppError('BAD_REQUEST', 'The encrypted message is missing. Reload the page and try again.');
      if (form.fields.message) throw new AppError('BAD_REQUEST', 'An encrypted form cannot also carry a plain message.');
      return {
        submission: { mode: 'browser', keyId, sealed: new Uint8Array(sealed.data), attachments: form.files.filter((f) => f.field !== 'sealed').map((f) => new Uint8Array(f.data)) },
        token,
        ...(codename ? { codename } : {}),
      };
    }
    if (form.files.some((f) => f.field === 'sealed')) throw new AppError('BAD_REQUEST', 'The encrypted message names no key. Reload the page and try again.');
    if (total > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `The attachments are too large: at most ${megabytes(maxBytes)} in all.`);
    return {
      submission: {
        mode: 'server',
        text: form.fields.message ?? '',
        files: form.files.map((f) => ({ name: f.filename, type: f.mimetype, data: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.length) })),
      },
      token,
      ...(codename ? { codename } : {}),
    };
  }
}

/** A file part's bytes, at most `max` of them; beyond that the stream is stopped at once. */
async function readFilePart(file: Readable & { truncated?: boolean }, max: number, tooLargeMessage: string): Promise<Buffer> {
  const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', tooLargeMessage);
  if (file.truncated) {
    file.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  await new Promise<void>((resolve, reject) => {
    file.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        over = true;
        file.destroy();
        return;
      }
      chunks.push(chunk);
    });
    file.on('limit', () => {
      over = true;
      file.destroy();
    });
    file.on('end', () => resolve());
    file.on('close', () => (over ? reject(tooLarge()) : resolve()));
    file.on('error', (err) => reject(over ? tooLarge() : err));
  });
  if (over) throw tooLarge();
  return Buffer.concat(chunks);
}

/** Errors while streaming: ours and the plugin's coded ones pass; anything else is a malformed body. */
function asClientError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('FST_')) return err;
  return new AppError('BAD_REQUEST', 'The form data could not be read: it is malformed or incomplete.', { cause: err });
}

/** A stack without its first line (the message, which could quote input). */
function stackOnly(err: unknown): string | undefined {
  const stack = (err as Error | undefined)?.stack;
  return typeof stack === 'string' ? stack.split('\n').slice(1, 12).join('\n') : undefined;
}
