/**
 * One place maps errors to responses. API routes (under /api) get
 * `{ error: { code, message, details } }`; pages get a styled HTML page. Internals (stacks,
 * driver messages) are logged, never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldErrors } from '../errors.js';
import { renderDocument } from './render.js';
import { ErrorPage } from '../views/error-page.js';

export function wantsJson(request: FastifyRequest): boolean {
  const url = request.url;
  if (url.startsWith('/api/')) return true;
  if (url.startsWith('/newsroom/') && (request.headers['content-type'] ?? '').includes('application/json')) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

interface Mapped {
  status: number;
  code: ErrorCode | string;
  message: string;
  details?: FieldErrors;
  help?: string;
  headers?: Record<string, string>;
}

function fromValidation(err: FastifyError): FieldErrors {
  // Field names come from the request ("toString", "__proto__", …): no inherited members.
  const details: FieldErrors = Object.create(null) as FieldErrors;
  for (const v of err.validation ?? []) {
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    let field = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || (err.validationContext ?? 'body');
    if (missing) field = field === (err.validationContext ?? 'body') ? missing : `${field}.${missing}`;
    if (extra) field = field === (err.validationContext ?? 'body') ? extra : `${field}.${extra}`;
    const message = extra ? 'is not a known field' : missing ? 'is required' : (v.message ?? 'is invalid');
    (details[field] ??= []).push(message);
  }
  return details;
}

export function mapError(err: unknown): Mapped {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, help: err.help };
  }
  const fe = err as FastifyError & { statusCode?: number };
  if (fe && fe.validation) {
    return { status: 400, code: 'VALIDATION', message: 'The request is not valid.', details: fromValidation(fe) };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON (application/json) or a form.' };
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
    case 'FST_MP_PREMATURE_CLOSE':
      return { status: 400, code: 'BAD_REQUEST', message: 'The form data could not be read.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' };
  }
  // PostgreSQL refuses NUL characters in text (SQLite accepts them). Whatever path the text took
  // to the query, that is bad input, not a server fault.
  const dbCode = (err as { code?: unknown } | undefined)?.code;
  if (dbCode === '22021' || dbCode === '22P05') {
    return { status: 400, code: 'BAD_REQUEST', message: 'The request contains characters that cannot be stored (such as NUL).' };
  }
  if (fe instanceof SyntaxError) return { status: 400, code: 'BAD_REQUEST', message: 'The request body could not be parsed.' };
  if (fe?.statusCode === 429) {
    return { status: 429, code: 'RATE_LIMITED', message: 'Too many requests; wait a moment and try again.' };
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: 'BAD_REQUEST', message: fe.message || 'Bad request.' };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side. The error was logged.' };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, mapped: Mapped): FastifyReply {
  for (const [k, v] of Object.entries(mapped.headers ?? {})) reply.header(k, v);
  if (wantsJson(request)) {
    return reply.code(mapped.status).type('application/json; charset=utf-8').send({
      error: { code: mapped.code, message: mapped.message, ...(mapped.details ? { details: mapped.details } : {}), ...(mapped.help ? { help: mapped.help } : {}) },
    });
  }
  return reply
    .code(mapped.status)
    .type('text/html; charset=utf-8')
    .send(renderDocument(ErrorPage({ status: mapped.status, message: mapped.message, details: mapped.details })));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.debug({ code: mapped.code }, 'request rejected');
    return sendError(request, reply, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, { status: 404, code: 'NOT_FOUND', message: 'There is nothing at this address.' }),
  );
}
