/**
 * Multipart bodies are parsed only by the upload routes' handlers, after the session, role and
 * CSRF checks. Everywhere else multipart is a 415; a body the server cannot parse is a 4xx,
 * never a 500; an upload without a session or a CSRF token is refused without its body being
 * read (a 50 MB stream is not buffered).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, type TestApp, type TestUser } from '../helpers/app.js';

const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

function body(parts: Array<{ name: string; value?: string; file?: { filename: string; type: string; data: Buffer } }>, boundary = `----fw${randomBytes(6).toString('hex')}`) {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if (p.file) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.file.filename}"\r\nContent-Type: ${p.file.type}\r\n\r\n`), p.file.data, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value ?? ''}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Bodies no parser can make sense of, each with the content type it claims. */
const MALFORMED: Array<{ label: string; contentType: string; payload: string }> = [
  { label: 'truncated part', contentType: 'multipart/form-data; boundary=x', payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb' },
  { label: 'no boundary parameter', contentType: 'multipart/form-data', payload: '--x\r\n\r\n' },
  { label: 'garbage', contentType: 'multipart/form-data; boundary=x', payload: 'this is not multipart at all' },
  { label: 'malformed part header', contentType: 'multipart/form-data; boundary=x', payload: '--x\r\nContent-Disposition\r\n\r\nb\r\n--x--\r\n' },
  { label: 'empty', contentType: 'multipart/form-data; boundary=x', payload: '' },
];

/** A body produced on demand (50 MB at most, a chunk per tick), recording how much of it the server pulled. */
function lazyUpload(firstPart: string, boundary: string): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  let sentHead = false;
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const stream = new Readable({
    read() {
      if (!sentHead) {
        sentHead = true;
        const head = Buffer.from(firstPart + `--${boundary}\r\nContent-Disposition: form-data; name="logo"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`);
        pulled += head.length;
        this.push(head);
        return;
      }
      // Like a network: the next chunk arrives later, never in the same tick.
      setImmediate(() => {
        if (pulled > 50 * 1024 * 1024) {
          this.push(null);
          return;
        }
        pulled += chunk.length;
        this.push(chunk);
      });
    },
  });
  return { stream, pulled: () => pulled };
}

function upload(t: TestApp, who: TestUser | null, url: string, parts: Parameters<typeof body>[0], headers: Record<string, string> = {}) {
  const b = body(parts);
  return t.app.inject({ method: 'POST', url, headers: { ...(who ? { cookie: who.cookie } : {}), 'content-type': b.contentType, ...headers }, payload: b.payload });
}

forEachDialect('malformed or unexpected multipart bodies get a 4xx everywhere, never a 500', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const targets: Array<{ url: string; headers: Record<string, string> }> = [
      { url: '/no/such/route', headers: {} },
      { url: '/republish', headers: {} },
      { url: '/newsroom/login', headers: {} },
      { url: '/partners/login', headers: {} },
      { url: '/newsroom/settings', headers: { cookie: t.admin.cookie } },
      { url: '/newsroom/stories', headers: { cookie: t.admin.cookie } },
      { url: '/api/admin/stories', headers: { authorization: `Bearer ${t.admin.token}` } },
      { url: '/api/v1/applications', headers: {} },
      { url: '/newsroom/settings/logo', headers: { cookie: t.admin.cookie } },
      { url: `/newsroom/authors/x/photo`, headers: { cookie: t.admin.cookie } },
      { url: '/newsroom/settings/logo', headers: { cookie: t.admin.cookie, 'x-csrf-token': t.admin.csrf } },
    ];
    for (const target of targets) {
      for (const m of MALFORMED) {
        const res = await t.app.inject({ method: 'POST', url: target.url, headers: { ...target.headers, 'content-type': m.contentType }, payload: m.payload });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${target.url} (${m.label}): ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }

    // A well-formed multipart form to a route that takes no upload: 415, nothing changed.
    const before = (await t.services.settings.get()).siteName;
    const settingsForm = await upload(t, t.admin, '/newsroom/settings', [{ name: '_csrf', value: t.admin.csrf }, { name: 'siteName', value: 'Multipart Gazette' }]);
    assert.equal(settingsForm.statusCode, 415);
    assert.equal((await t.services.settings.get()).siteName, before);
    const b = body([{ name: 'outlet', value: 'x' }]);
    // From a fresh address: the malformed requests above used up this one's application allowance.
    const republish = await t.app.inject({ method: 'POST', url: '/republish', remoteAddress: '192.0.2.77', headers: { 'content-type': b.contentType }, payload: b.payload });
    assert.equal(republish.statusCode, 415);

    // A malformed body after a valid token is still the client's error.
    const truncated = await t.app.inject({
      method: 'POST',
      url: '/newsroom/settings/logo',
      headers: { cookie: t.admin.cookie, 'content-type': 'multipart/form-data; boundary=x' },
      payload: `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${t.admin.csrf}\r\n--x\r\nContent-Disposition: form-data; name="logo"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`,
    });
    assert.equal(truncated.statusCode, 400, truncated.body.slice(0, 300));
    assert.match(truncated.body, /could not be read/);

    // Upload routes take multipart only.
    const urlencoded = await t.app.inject({
      method: 'POST',
      url: '/newsroom/settings/logo',
      headers: { cookie: t.admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${t.admin.csrf}`,
    });
    assert.equal(urlencoded.statusCode, 415);
  } finally {
    await t.close();
  }
});

forEachDialect('an upload without a session or a CSRF token is refused before its body is read', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_MAX_UPLOAD_BYTES: '2048' });
  try {
    let stored = 0;
    const store = t.services.media.store.bind(t.services.media);
    t.services.media.store = async (...args) => {
      stored++;
      return store(...args);
    };
    const boundary = 'fwboundary';
    const ct = `multipart/form-data; boundary=${boundary}`;
    const csrfPart = (token: string) => `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`;
    const LIMIT = 2 * 1024 * 1024;

    const cases: Array<{ label: string; cookie?: string; first: string; status: number }> = [
      { label: 'no session', first: csrfPart(t.admin.csrf), status: 303 },
      { label: 'an editor (no permission)', cookie: t.editor.cookie, first: csrfPart(t.editor.csrf), status: 403 },
      { label: 'no CSRF field (the file comes first)', cookie: t.admin.cookie, first: '', status: 403 },
      { label: 'a wrong CSRF token', cookie: t.admin.cookie, first: csrfPart('forged-token'), status: 403 },
    ];
    for (const c of cases) {
      const { stream, pulled } = lazyUpload(c.first, boundary);
      const res = await t.app.inject({ method: 'POST', url: '/newsroom/settings/logo', headers: { 'content-type': ct, ...(c.cookie ? { cookie: c.cookie } : {}) }, payload: stream });
      assert.equal(res.statusCode, c.status, `${c.label}: ${res.body.slice(0, 200)}`);
      assert.ok(pulled() < LIMIT, `${c.label}: the server read ${pulled()} bytes of the body`);
      stream.destroy();
    }
    assert.equal(stored, 0, 'nothing was stored');
    assert.equal((await t.services.settings.get()).logoMediaId, null);

    // The same 50 MB with a valid token: the parser stops at the size limit (413), not at the end.
    const { stream, pulled } = lazyUpload(csrfPart(t.admin.csrf), boundary);
    const tooBig = await t.app.inject({ method: 'POST', url: '/newsroom/settings/logo', headers: { 'content-type': ct, cookie: t.admin.cookie }, payload: stream });
    assert.equal(tooBig.statusCode, 413);
    assert.ok(pulled() < LIMIT, `the server read ${pulled()} bytes of an over-limit upload`);
    stream.destroy();

    // A script may send the token in the X-CSRF-Token header instead of the first field.
    const viaHeader = await upload(t, t.admin, '/newsroom/settings/logo', [{ name: 'logo', file: { filename: 'logo.png', type: 'image/png', data: TINY_PNG } }], { 'x-csrf-token': t.admin.csrf });
    assert.equal(viaHeader.statusCode, 303, viaHeader.body.slice(0, 300));
    assert.ok((await t.services.settings.get()).logoMediaId);
    const wrongHeader = await upload(t, t.admin, '/newsroom/settings/logo', [{ name: '_csrf', value: t.admin.csrf }, { name: 'logo', file: { filename: 'logo.png', type: 'image/png', data: TINY_PNG } }], { 'x-csrf-token': 'forged' });
    assert.equal(wrongHeader.statusCode, 403, 'a wrong header token is not rescued by the field');
    assert.equal(stored, 1);
  } finally {
    await t.close();
  }
});
