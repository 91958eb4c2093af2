/**
 * The attribution checker's fetcher must never be usable to reach this server's own network.
 * Only loopback is ever contacted here (the test network is closed): refusals are proven to
 * happen before any connection, and everything that does connect talks to servers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  blockedReason, checkOutboundUrl, compileAllowList, outboundRequest, safeFetch, SafeFetchError, OUTBOUND_MAX_RESPONSE_BYTES, type ResolvedAddress, type SafeFetchErrorKind,
} from '../../src/attribution/safe-fetch.js';

const PAGE = '<!doctype html><html><head><title>Partner</title></head><body><p>Hello from the partner.</p></body></html>';

interface Seen {
  path: string;
  host: string | undefined;
  userAgent: string | undefined;
}

let server: http.Server;
let base: string;
let port: number;
const seen: Seen[] = [];
const hanging = new Set<http.ServerResponse>();

before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host, userAgent: req.headers['user-agent'] });
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (p === '/page') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (p === '/latin1') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=iso-8859-1' });
      res.end(Buffer.from('<p>Caf\xe9</p>', 'latin1'));
    } else if (p === '/xhtml') {
      res.writeHead(200, { 'Content-Type': 'application/xhtml+xml' });
      res.end('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>');
    } else if (p === '/json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"a":1}');
    } else if (p === '/notype') {
      res.writeHead(200);
      res.end('<p>x</p>');
    } else if (p === '/missing') {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<p>Not found</p>');
    } else if (p === '/hang') {
      hanging.add(res); // never answers
    } else if (p === '/drip') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<p>');
      hanging.add(res); // headers, then nothing
    } else if (p === '/huge') {
      // 5 MB, chunked (no Content-Length), so the cap must work while reading.
      res.writeHead(200, { 'Content-Type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = (): void => {
        while (sent < 5 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    } else if (p === '/huge-declared') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': String(5 * 1024 * 1024) });
      res.on('error', () => undefined);
      res.write('<p>');
      hanging.add(res);
    } else if (p === '/bomb') {
      // 20 KB on the wire, 5 MB once unpacked.
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
      res.end(zlib.gzipSync(Buffer.alloc(5 * 1024 * 1024, ' ')));
    } else if (p === '/gzip') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
      res.end(zlib.gzipSync(Buffer.from(PAGE)));
    } else if (p.startsWith('/chain/')) {
      const n = Number(p.slice('/chain/'.length));
      if (n > 0) {
        res.writeHead(302, { Location: `/chain/${n - 1}` });
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(PAGE);
      }
    } else if (p === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'], signature: req.headers['webhook-signature'] }));
      });
    } else if (p === '/gone') {
      res.writeHead(410, { 'Content-Type': 'text/plain' });
      res.end('This hook was removed.');
    } else if (p === '/to') {
      res.writeHead(301, { Location: url.searchParams.get('u') ?? '/' });
      res.end();
    } else {
      res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function refused(url: string, kind: SafeFetchErrorKind, opts: Parameters<typeof safeFetch>[1] = {}): Promise<SafeFetchError> {
  const err = await safeFetch(url, opts).then(
    () => assert.fail(`${url} should have been refused (${kind})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SafeFetchError, `expected a SafeFetchError, got ${String(err)}`);
  assert.equal(err.kind, kind, `${url}: ${err.message}`);
  assert.ok(err.message.length > 10);
  return err;
}

/** A resolver that must not be asked (the refusal has to come from the address itself). */
const noDns = (): Promise<ResolvedAddress[]> => assert.fail('DNS must not be consulted');

describe('address policy', () => {
  test('refuses every non-public range, including IPv4-mapped and transition forms', () => {
    const blocked = [
      '127.0.0.1', '127.5.6.7', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1',
      '100.127.255.254', '198.18.0.1', '198.19.255.255', '192.0.2.10', '198.51.100.1', '203.0.113.9', '224.0.0.1', '239.255.255.250',
      '255.255.255.255', '240.0.0.1', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
      '::ffff:169.254.169.254', '::127.0.0.1', '64:ff9b::a00:1', '2002:7f00:1::', '2001:db8::1', 'fec0::1',
    ];
    for (const a of blocked) assert.ok(blockedReason(a), `${a} must be refused`);
    for (const a of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::1']) {
      assert.equal(blockedReason(a), undefined, `${a} is public`);
    }
    assert.match(blockedReason('169.254.169.254')!, /link-local/);
    assert.match(blockedReason('::ffff:127.0.0.1')!, /loopback/);
  });

  test('the allow-list takes addresses, CIDR ranges (IPv4-mapped too) and host names', () => {
    const list = compileAllowList(['127.0.0.1', '10.0.0.0/8', '::ffff:192.168.0.0/112', 'Intranet.Example.', '[::1]']);
    assert.equal(blockedReason('127.0.0.1', list), undefined);
    assert.ok(blockedReason('127.0.0.2', list));
    assert.equal(blockedReason('10.200.0.1', list), undefined);
    assert.equal(blockedReason('::ffff:10.9.9.9', list), undefined);
    assert.equal(blockedReason('192.168.4.4', list), undefined);
    assert.equal(blockedReason('::1', list), undefined);
    assert.ok(blockedReason('169.254.169.254', list));
    assert.ok(list.hosts.has('intranet.example'));
  });
});

describe('safeFetch refuses', () => {
  test('loopback, private, link-local, unspecified and IPv4-mapped targets, before connecting', async () => {
    const before = seen.length;
    await refused(`${base}/page`, 'blocked', { resolve: noDns });
    await refused(`http://[::1]:${port}/page`, 'blocked', { resolve: noDns });
    await refused('http://10.0.0.1/', 'blocked', { resolve: noDns });
    await refused('http://169.254.169.254/latest/meta-data/', 'blocked', { resolve: noDns });
    await refused(`http://[::ffff:127.0.0.1]:${port}/page`, 'blocked', { resolve: noDns });
    await refused(`http://0.0.0.0:${port}/page`, 'blocked', { resolve: noDns });
    // Alternative spellings of loopback are normalised by the URL parser, then refused.
    await refused(`http://0x7f.1:${port}/page`, 'blocked', { resolve: noDns });
    await refused(`http://2130706433:${port}/page`, 'blocked', { resolve: noDns });
    assert.equal(seen.length, before, 'no request reached the loopback server');
  });

  test('a host name that resolves to loopback (localhost, via the system resolver)', async () => {
    const before = seen.length;
    const err = await refused(`http://localhost:${port}/page`, 'blocked');
    assert.match(err.message, /loopback/);
    assert.match(err.message, /localhost resolves to it/);
    assert.equal(seen.length, before);
  });

  test('a host name with any private address among its addresses', async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }];
    const err = await refused('https://partner.example/story', 'blocked', { resolve });
    assert.match(err.message, /10\.0\.0\.7 is a private address/);
  });

  test('schemes other than http and https, and invalid URLs', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:6379/_INFO', 'javascript:alert(1)', 'data:text/html,<p>x</p>', 'not a url']) {
      await refused(url, 'blocked', { allowList: ['127.0.0.1'], resolve: noDns });
    }
  });

  test('a redirect to a private address, re-checked at every hop', async () => {
    const allowList = ['127.0.0.1'];
    const before = seen.length;
    let err = await refused(`${base}/to?u=${encodeURIComponent('http://10.0.0.5/admin')}`, 'blocked', { allowList, resolve: noDns });
    assert.equal(err.url, 'http://10.0.0.5/admin');
    err = await refused(`${base}/to?u=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`, 'blocked', { allowList, resolve: noDns });
    await refused(`${base}/to?u=${encodeURIComponent(`http://[::1]:${port}/page`)}`, 'blocked', { allowList, resolve: noDns });
    await refused(`${base}/to?u=${encodeURIComponent('file:///etc/passwd')}`, 'blocked', { allowList, resolve: noDns });
    const rebinding = async (): Promise<ResolvedAddress[]> => [{ address: '192.168.0.10', family: 4 }];
    await refused(`${base}/to?u=${encodeURIComponent('http://partner.example/page')}`, 'blocked', { allowList, resolve: rebinding });
    assert.equal(seen.length - before, 5, 'only the first hop of each reached the (allowed) loopback server');
    assert.ok(err.message.includes('link-local'));
  });
});

describe('safeFetch with loopback allow-listed', () => {
  test('fetches an HTML page, naming itself in the User-Agent', async () => {
    for (const allowList of [['127.0.0.1'], ['127.0.0.0/8']]) {
      const page = await safeFetch(`${base}/page`, { allowList, userAgent: 'Freewire-AttributionCheck/1.0 (+http://news.test/republish)' });
      assert.equal(page.status, 200);
      assert.equal(page.html, PAGE);
      assert.equal(page.address, '127.0.0.1');
      assert.match(seen.at(-1)!.userAgent!, /^Freewire-AttributionCheck\//);
    }
    const page = await safeFetch(`${base}/page`, { allowList: ['127.0.0.1'] });
    assert.match(seen.at(-1)!.userAgent!, /Freewire/);
    assert.equal(page.finalUrl, `${base}/page`);
  });

  test('connects to the address it checked, with the original Host (no second DNS lookup)', async () => {
    let calls = 0;
    // The first answer is allowed; any later answer would be a rebinding attack.
    const resolve = async (): Promise<ResolvedAddress[]> => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
    const page = await safeFetch(`http://partner.test:${port}/page`, { allowList: ['127.0.0.1'], resolve });
    assert.equal(page.html, PAGE);
    assert.equal(calls, 1);
    assert.equal(seen.at(-1)!.host, `partner.test:${port}`);
  });

  test('decodes the declared charset, gzip, and XHTML', async () => {
    const allowList = ['127.0.0.1'];
    assert.equal((await safeFetch(`${base}/latin1`, { allowList })).html, '<p>Café</p>');
    assert.equal((await safeFetch(`${base}/gzip`, { allowList })).html, PAGE);
    assert.match((await safeFetch(`${base}/xhtml`, { allowList })).html, /<body>/);
  });

  test('follows up to 3 redirects, and refuses the 4th', async () => {
    const allowList = ['127.0.0.1'];
    const page = await safeFetch(`${base}/chain/3`, { allowList });
    assert.equal(page.finalUrl, `${base}/chain/0`);
    assert.deepEqual(page.redirects, [`${base}/chain/2`, `${base}/chain/1`, `${base}/chain/0`]);
    const before = seen.length;
    const err = await refused(`${base}/chain/4`, 'redirect', { allowList });
    assert.match(err.message, /more than 3/);
    assert.equal(seen.length - before, 4, 'stops without requesting the 4th redirect target');
  });

  test('times out on a server that never answers, or stops sending', async () => {
    const allowList = ['127.0.0.1'];
    let started = Date.now();
    await refused(`${base}/hang`, 'timeout', { allowList, timeoutMs: 300 });
    assert.ok(Date.now() - started < 2000);
    started = Date.now();
    await refused(`${base}/drip`, 'timeout', { allowList, timeoutMs: 300 });
    assert.ok(Date.now() - started < 2000);
  });

  test('caps the size: streamed, declared, and decompressed', async () => {
    const allowList = ['127.0.0.1'];
    const err = await refused(`${base}/huge`, 'too_large', { allowList });
    assert.match(err.message, /2 MB/);
    await refused(`${base}/huge-declared`, 'too_large', { allowList });
    await refused(`${base}/bomb`, 'too_large', { allowList });
    await refused(`${base}/page`, 'too_large', { allowList, maxBytes: 20 });
  });

  test('reads only HTML, and reports HTTP errors with their status', async () => {
    const allowList = ['127.0.0.1'];
    let err = await refused(`${base}/json`, 'not_html', { allowList });
    assert.match(err.message, /application\/json/);
    await refused(`${base}/notype`, 'not_html', { allowList });
    err = await refused(`${base}/missing`, 'http_status', { allowList });
    assert.equal(err.status, 404);
    assert.match(err.message, /404/);
  });

  test('a closed port is a network error, not a crash', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await refused(`http://127.0.0.1:${closedPort}/`, 'network', { allowList: ['127.0.0.1'] });
    assert.match(err.message, /refused the connection/);
  });
});

// ---- outbound deliveries (webhooks, WebSub) ---------------------------------------------------

async function outboundRefused(promise: Promise<unknown>, kind: SafeFetchErrorKind): Promise<SafeFetchError> {
  const err = await promise.then(
    () => assert.fail(`should have been refused (${kind})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SafeFetchError, `expected a SafeFetchError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.ok(err.message.length > 10);
  return err;
}

const publicDns = async (): Promise<ResolvedAddress[]> => [{ address: '93.184.216.34', family: 4 }];

describe('checkOutboundUrl (registering a webhook or a WebSub callback)', () => {
  test('https only, unless the host is allow-listed; returns the normalised address', async () => {
    assert.equal(await checkOutboundUrl('https://Hooks.Partner.example/freewire#frag', { requireHttps: true, resolve: publicDns }), 'https://hooks.partner.example/freewire');
    let err = await outboundRefused(checkOutboundUrl('http://hooks.partner.example/freewire', { requireHttps: true, resolve: noDns }), 'blocked');
    assert.match(err.message, /must use https/);
    assert.equal(await checkOutboundUrl(`http://127.0.0.1:${port}/hook`, { requireHttps: true, allowList: ['127.0.0.1'], resolve: noDns }), `http://127.0.0.1:${port}/hook`);
    assert.equal(await checkOutboundUrl('http://hooks.intranet/hook', { requireHttps: true, allowList: ['hooks.intranet'], resolve: async () => [{ address: '10.1.2.3', family: 4 }] }), 'http://hooks.intranet/hook');
    // Without requireHttps (WebSub callbacks may be http), http is fine for public hosts.
    assert.equal(await checkOutboundUrl('http://hooks.partner.example/x', { resolve: publicDns }), 'http://hooks.partner.example/x');
    for (const url of ['ftp://hooks.partner.example/', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', `https://x.example/${'a'.repeat(2100)}`]) {
      await outboundRefused(checkOutboundUrl(url, { requireHttps: true, resolve: noDns }), 'blocked');
    }
    err = await outboundRefused(checkOutboundUrl('https://user:pw@hooks.partner.example/', { requireHttps: true, resolve: noDns }), 'blocked');
    assert.match(err.message, /user name or password/);
  });

  test('private, loopback, link-local, metadata and IPv4-mapped addresses are refused, literal or resolved', async () => {
    const literal = [
      'https://127.0.0.1/', 'https://[::1]/', 'https://10.0.0.1/', 'https://172.16.5.4/', 'https://192.168.1.1/', 'https://169.254.169.254/latest/meta-data/',
      'https://[fe80::1]/', 'https://[fd00::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:a9fe:a9fe]/', 'https://0.0.0.0/', 'https://2130706433/',
      'https://100.100.100.200/', 'https://[::ffff:10.0.0.1]/',
    ];
    for (const url of literal) await outboundRefused(checkOutboundUrl(url, { requireHttps: true, resolve: noDns }), 'blocked');
    const metadata = async (): Promise<ResolvedAddress[]> => [{ address: '169.254.169.254', family: 4 }];
    const err = await outboundRefused(checkOutboundUrl('https://metadata.google.internal/computeMetadata/v1/', { requireHttps: true, resolve: metadata }), 'blocked');
    assert.match(err.message, /link-local/);
    const mixed = async (): Promise<ResolvedAddress[]> => [{ address: '93.184.216.34', family: 4 }, { address: '::ffff:192.168.0.7', family: 6 }];
    await outboundRefused(checkOutboundUrl('https://hooks.partner.example/', { requireHttps: true, resolve: mixed }), 'blocked');
    // The allow-list for loopback does not open the rest of the private space.
    await outboundRefused(checkOutboundUrl('http://10.0.0.1/', { requireHttps: true, allowList: ['127.0.0.1'], resolve: noDns }), 'blocked');
    const missing = async (): Promise<ResolvedAddress[]> => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    assert.match((await outboundRefused(checkOutboundUrl('https://nowhere.partner.example/', { resolve: missing }), 'network')).message, /does not exist/);
  });
});

describe('outboundRequest (sending a delivery)', () => {
  const allowList = ['127.0.0.1'];

  test('POSTs the body and headers, and resolves with any status (the caller decides what it means)', async () => {
    const res = await outboundRequest(`${base}/echo`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' }, body: '{"type":"story.corrected","n":"Zoë"}', allowList, requireHttps: true,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { method: 'POST', body: '{"type":"story.corrected","n":"Zoë"}', contentType: 'application/json', signature: 'v1,abc' });
    assert.equal(res.truncated, false);
    assert.equal(res.address, '127.0.0.1');
    assert.equal(typeof res.durationMs, 'number');
    const gone = await outboundRequest(`${base}/gone`, { method: 'POST', headers: {}, body: '{}', allowList });
    assert.equal(gone.status, 410);
    assert.equal(gone.body, 'This hook was removed.');
  });

  test('refuses, before connecting, addresses that are not public and http when https is required', async () => {
    const before = seen.length;
    let err = await outboundRefused(outboundRequest(`${base}/echo`, { method: 'POST', headers: {}, body: '{}', resolve: noDns }), 'blocked');
    assert.match(err.message, /^Refused to send: 127\.0\.0\.1 is a loopback address/);
    await outboundRefused(outboundRequest(`http://[::ffff:127.0.0.1]:${port}/echo`, { method: 'POST', headers: {}, resolve: noDns }), 'blocked');
    await outboundRefused(outboundRequest('https://169.254.169.254/latest/meta-data/', { method: 'GET', headers: {}, resolve: noDns }), 'blocked');
    const toLoopback = async (): Promise<ResolvedAddress[]> => [{ address: '127.0.0.1', family: 4 }];
    err = await outboundRefused(outboundRequest(`https://hooks.partner.example:${port}/echo`, { method: 'POST', headers: {}, resolve: toLoopback }), 'blocked');
    assert.match(err.message, /hooks\.partner\.example resolves to it/);
    err = await outboundRefused(outboundRequest(`http://hooks.partner.example:${port}/echo`, { method: 'POST', headers: {}, requireHttps: true, resolve: toLoopback }), 'blocked');
    assert.match(err.message, /must use https/);
    assert.equal(seen.length, before, 'no request reached the server');
  });

  test('connects to the address it checked (DNS rebinding cannot redirect it), with the original Host', async () => {
    let calls = 0;
    const resolve = async (): Promise<ResolvedAddress[]> => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
    const res = await outboundRequest(`http://partner.test:${port}/echo`, { method: 'POST', headers: {}, body: 'x', allowList, resolve });
    assert.equal(res.status, 200);
    assert.equal(calls, 1);
    assert.equal(seen.at(-1)!.host, `partner.test:${port}`);
    // And the check happens at every request: once the name points inside, the next one is refused.
    const rebound = async (): Promise<ResolvedAddress[]> => [{ address: '10.9.9.9', family: 4 }];
    await outboundRefused(outboundRequest(`http://partner.test:${port}/echo`, { method: 'POST', headers: {}, allowList, resolve: rebound }), 'blocked');
  });

  test('does not follow redirects: the 3xx is the answer', async () => {
    const before = seen.length;
    const res = await outboundRequest(`${base}/to?u=${encodeURIComponent('/page')}`, { method: 'POST', headers: {}, body: '{}', allowList });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/page');
    assert.equal(seen.length - before, 1, 'the target was not requested');
  });

  test('reads at most 64 KB of the answer, and times out on a server that never answers', async () => {
    const res = await outboundRequest(`${base}/huge`, { method: 'POST', headers: {}, body: '{}', allowList });
    assert.equal(res.status, 200);
    assert.equal(res.truncated, true);
    assert.equal(Buffer.byteLength(res.body), OUTBOUND_MAX_RESPONSE_BYTES);
    const small = await outboundRequest(`${base}/huge`, { method: 'POST', headers: {}, allowList, maxResponseBytes: 10 });
    assert.equal(small.body, 'aaaaaaaaaa');
    await outboundRefused(outboundRequest(`${base}/hang`, { method: 'POST', headers: {}, body: '{}', allowList, timeoutMs: 300 }), 'timeout');
    const controller = new AbortController();
    const pending = outboundRequest(`${base}/hang`, { method: 'POST', headers: {}, allowList, signal: controller.signal });
    controller.abort();
    await outboundRefused(pending, 'aborted');
  });
});
