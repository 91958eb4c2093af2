/**
 * Property-based: every tip endpoint (GET and POST /tips, /tips/check, the follow-up) under
 * random methods, content types, fields and bodies, with and without a valid one-time token,
 * never answers 5xx and never sets a cookie, and always carries the blind headers. SQLite only
 * (the handling is the same on both engines; tips-source.test.ts covers PostgreSQL).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTestDatabase, isCI } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';
import { setupTipKey } from '../helpers/tips.js';
import { actorFor } from '../../src/users/users.service.js';
import { generateCodename } from '../../src/tips/codename.js';
import { TIP_CONTENT_SECURITY_POLICY } from '../../src/http/security.js';

if (isCI()) fc.configureGlobal({ seed: 20261203 });
const RUNS = Number(process.env.FUZZ_RUNS) || 300;

const WEIRD = ['', ' ', '\u0000', '\uD800', '\uFEFF', '\u202e', '%00', '__proto__', 'constructor', '<script>alert(1)</script>', '9'.repeat(40), 'a'.repeat(3000)];
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom(...WEIRD));
const FIELDS = ['token', 'key_id', 'codename', 'message', 'sealed', 'attachment', 'attachments', '__proto__', 'x'];

interface Part {
  name: string;
  value: string;
  file: { filename: string; type: string; data: Uint8Array } | undefined;
}

const part: fc.Arbitrary<Part> = fc.record({
  name: fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 20 })),
  value: text,
  file: fc.option(fc.record({ filename: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })), type: fc.constantFrom('application/octet-stream', 'image/png', 'text/plain', ''), data: fc.uint8Array({ maxLength: 2000 }) }), { nil: undefined }),
});

function multipart(parts: Part[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const name = p.name.replace(/["\r\n]/g, '_');
    if (p.file) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${p.file.filename.replace(/["\r\n]/g, '_')}"\r\nContent-Type: ${p.file.type || 'application/octet-stream'}\r\n\r\n`), Buffer.from(p.file.data), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD'),
  path: fc.constantFrom('/tips', '/tips/', '/tips/check', '/tips/check/follow-up', '/tips?x=1', '/tips/check?codename=a'),
  encoding: fc.constantFrom('multipart', 'multipart', 'multipart', 'urlencoded', 'json', 'garbage', 'none', 'broken-multipart'),
  token: fc.constantFrom('valid', 'valid', 'forged', 'none'),
  withMessage: fc.boolean(),
  withCodename: fc.boolean(),
  parts: fc.oneof(fc.constant([] as Part[]), fc.array(part, { maxLength: 8 })),
  raw: fc.uint8Array({ maxLength: 500 }),
  accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*'),
});

test('fuzz: every tip endpoint answers below 500, with the blind headers and no cookie', { timeout: 600_000 }, async (t) => {
  const tdb = await createTestDatabase('sqlite');
  const tapp = await buildTestApp(tdb, { FREEWIRE_TIP_RATE_LIMIT: '1000000', FREEWIRE_TIP_MAX_BYTES: '4096' });
  try {
    await setupTipKey(tapp.services, actorFor(await tapp.services.users.get(tapp.admin.id)));
    const codename = generateCodename();
    let n = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        n += 1;
        const headers: Record<string, string> = {};
        if (req.accept) headers.accept = req.accept;
        let payload: string | Buffer | undefined;
        const parts = [...req.parts];
        if (req.withMessage) parts.unshift({ name: 'message', value: 'A tip.', file: undefined });
        if (req.withCodename) parts.unshift({ name: 'codename', value: codename, file: undefined });
        if (req.token === 'valid') {
          const page = await tapp.app.inject({ url: '/tips' });
          parts.unshift({ name: 'token', value: /name="token" value="([^"]+)"/.exec(page.body)![1]!, file: undefined });
        } else if (req.token === 'forged') {
          parts.unshift({ name: 'token', value: `${Date.now() + 1000}.${randomBytes(6).toString('base64url')}.${randomBytes(32).toString('base64url')}`, file: undefined });
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          switch (req.encoding) {
            case 'multipart': {
              const boundary = `----fz${randomBytes(6).toString('hex')}`;
              payload = multipart(parts, boundary);
              headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
              break;
            }
            case 'broken-multipart': {
              const boundary = 'b';
              payload = multipart(parts, boundary).subarray(0, Math.max(0, req.raw.length));
              headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
              break;
            }
            case 'urlencoded':
              payload = new URLSearchParams(parts.map((p) => [p.name, p.value])).toString();
              headers['content-type'] = 'application/x-www-form-urlencoded';
              break;
            case 'json':
              payload = JSON.stringify(Object.fromEntries(parts.map((p) => [p.name, p.value])));
              headers['content-type'] = 'application/json';
              break;
            case 'garbage':
              payload = Buffer.from(req.raw);
              headers['content-type'] = 'application/octet-stream';
              break;
            default:
              break;
          }
        }
        const r = await tapp.app.inject({ method: req.method as 'GET', url: req.path, headers, payload, remoteAddress: `10.1.${n >> 8 & 255}.${n & 255}` });
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        const label = `${req.method} ${req.path} (${req.encoding}) → ${r.statusCode}: ${r.body.slice(0, 200)}`;
        assert.ok(r.statusCode < 500, label);
        assert.equal(r.headers['set-cookie'], undefined, label);
        assert.equal(r.headers['cache-control'], 'no-store', label);
        assert.equal(r.headers['referrer-policy'], 'no-referrer', label);
        assert.equal(r.headers['content-security-policy'], TIP_CONTENT_SECURITY_POLICY, label);
      }),
      { numRuns: RUNS },
    );
    t.diagnostic(`answers: ${[...statuses].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    assert.ok(statuses.size > 3, `only statuses ${[...statuses.keys()].join(', ')}`);
  } finally {
    await tapp.close();
    await tdb.drop();
  }
});
