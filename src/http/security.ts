/** Security headers for every response; the CSP goes on every HTML page. */
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Tip pages (the source's and the newsroom's inbox): nothing from anywhere but this origin, not
 * even images, and WebAssembly allowed for libsodium (served from here; see src/tips/assets.ts).
 */
export const TIP_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The API docs page loads Swagger UI, which needs inline styles. */
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

// Lower case, as Fastify sends every header name, so the front door's answers match byte for byte.
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'strict-origin-when-cross-origin' } as const;
const HTML_HEADERS = { 'x-frame-options': 'DENY', 'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()' } as const;

/**
 * The security headers a response of this content type gets, for responses sent outside
 * Fastify's hooks (the front door's pixel and cached pages). The same values as the onSend hook below.
 */
export function securityHeadersFor(contentType: string): Record<string, string> {
  if (!contentType.startsWith('text/html')) return { ...COMMON_HEADERS };
  return { ...COMMON_HEADERS, 'content-security-policy': CONTENT_SECURITY_POLICY, ...HTML_HEADERS };
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  // Callback style: this runs on every response, and an async hook costs a promise each time.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(COMMON_HEADERS);
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      if (!reply.hasHeader('Content-Security-Policy')) reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      reply.headers(HTML_HEADERS);
    }
    done(null, payload);
  });
}
