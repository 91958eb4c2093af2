/**
 * Request validation for the Admin API, compiled from the TypeBox schemas in schemas.ts.
 *
 * Why not the app-wide Ajv: it coerces types (`coerceTypes: 'array'`) because HTML forms send
 * every field as text. A JSON API should not turn `"headline": 42` into "42" or `"tags": "x"`
 * into ["x"]; bodies are checked strictly here. Query strings and path params are text by
 * nature, so they are converted first (limit=10 → 10) and then checked.
 *
 * Errors are returned in Ajv's shape (instancePath, params, message) so the shared error handler
 * turns them into `{ error: { code: 'VALIDATION', details: { field: [...] } } }` like any other.
 */
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../errors.js';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/** Enough to fix a request; a hostile body with thousands of wrong items gets no more. */
const MAX_ERRORS = 20;

interface AjvLikeError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

function literals(schema: TSchema): string[] | undefined {
  const options = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!options) return undefined;
  const values = options.map((s) => (s as { const?: unknown }).const);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function describe(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a known field';
    case ValueErrorType.String:
      return 'must be text';
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(s.maxLength)} characters`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must be at least ${String(s.minLength)} characters`;
    case ValueErrorType.Integer:
      return 'must be a whole number';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(s.minimum)}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${String(s.maximum)}`;
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.ArrayMinItems:
      return `needs at least ${String(s.minItems)} item${s.minItems === 1 ? '' : 's'}`;
    case ValueErrorType.ArrayMaxItems:
      return `may have at most ${String(s.maxItems)} items`;
    case ValueErrorType.Object:
      return 'must be an object';
    case ValueErrorType.Union: {
      const values = literals(e.schema);
      if (values) return `must be one of ${values.join(', ')}`;
      const types = ((e.schema as { anyOf?: TSchema[] }).anyOf ?? []).map((x) => (x as { type?: string }).type);
      if (types.includes('null') && types.includes('string')) return 'must be text or null';
      return 'is not a valid value';
    }
    default:
      return e.message;
  }
}

function toAjvErrors(errors: Iterable<ValueError>): AjvLikeError[] {
  const out: AjvLikeError[] = [];
  const seen = new Set<string>();
  // TypeBox goes on to check a missing property's type too; "is required" says it all.
  const missing = new Set<string>();
  for (const e of errors) {
    if (e.type === ValueErrorType.ObjectRequiredProperty) missing.add(e.path);
    else if (missing.has(e.path)) continue;
    const message = describe(e);
    const key = `${e.path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // The error handler names the field from instancePath ("/links/website" → links.website).
    out.push({ instancePath: e.path, schemaPath: '', keyword: ValueErrorType[e.type] ?? 'invalid', params: {}, message });
    if (out.length >= MAX_ERRORS) break;
  }
  return out;
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  const convert = httpPart !== 'body';
  return (data: unknown) => {
    const value = convert ? Value.Convert(schema, data) : data;
    if (checker.Check(value)) return { value };
    return { error: toAjvErrors(checker.Errors(value)) as unknown as Error };
  };
};

/** Ids and filters never contain NUL; PostgreSQL refuses it in text, so answer 400 before any query. */
export function rejectNulInParamsAndQuery(request: FastifyRequest): void {
  for (const part of [request.params, request.query] as unknown[]) {
    if (!part || typeof part !== 'object') continue;
    for (const [k, v] of Object.entries(part as Record<string, unknown>)) {
      if (typeof v === 'string' && v.includes('\u0000')) throw new AppError('VALIDATION', 'The request is not valid.', { details: { [k]: ['must not contain NUL characters'] } });
    }
  }
}

/**
 * A public JSON endpoint's scope: bodies checked strictly against the TypeBox schemas,
 * responses serialised as they are (documented by the schemas, never filtered), JSON the only
 * body type, and an empty body no body rather than malformed JSON.
 */
export function strictJsonScope(scope: FastifyInstance): void {
  scope.setValidatorCompiler(typeboxValidatorCompiler);
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });
}
