/**
 * Coded errors. Services throw AppError with a code; the HTTP error handler maps the code to a
 * status and renders `{ error: { code, message, details } }` (API) or a styled page (HTML).
 * Clients never see stack traces or driver messages.
 */
export const ERROR_STATUS = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  NOT_FOUND: 404,
  STORY_NOT_FOUND: 404,
  AUTHOR_NOT_FOUND: 404,
  DESK_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Field name → messages, e.g. `{ headline: ['is required'] }`. */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: FieldErrors | undefined;
  /** A line an operator (or API client) can act on. */
  readonly help: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { details?: FieldErrors; help?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = opts.details;
    this.help = opts.help;
  }
}

export function validationError(details: FieldErrors, message = 'Some fields need attention'): AppError {
  return new AppError('VALIDATION', message, { details });
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
