import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_NAME_BYTES, safeFileName, uniqueName } from './bundle-names.js';
import { BundleError, parseKeys, parseManifest, parseTip } from './bundle.js';

const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)/i;

function assertSafe(name: string): void {
  assert.ok(name.length > 0);
  assert.ok(!/[/\\:*?"<>|]/.test(name), `no separators or reserved characters: ${JSON.stringify(name)}`);
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/.test(name), `no controls: ${JSON.stringify(name)}`);
  assert.ok(name !== '.' && name !== '..' && !name.startsWith('.') && !name.startsWith(' '), `not hidden or relative: ${JSON.stringify(name)}`);
  assert.ok(!name.endsWith('.') && !name.endsWith(' '), `no trailing dot or space: ${JSON.stringify(name)}`);
  assert.ok(!WINDOWS_DEVICE.test(name), `not a device name: ${name}`);
  assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, `at most ${MAX_NAME_BYTES} bytes: ${name}`);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name), 'no half characters');
}

test('attachment names: hostile ones become safe, ordinary ones stay as they are', () => {
  const cases: Array<[string, string]> = [
    ['report.pdf', 'report.pdf'],
    ['Résumé final.docx', 'Résumé final.docx'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..', 'fallback'],
    ['.', 'fallback'],
    ['', 'fallback'],
    ['   ', 'fallback'],
    ['.bashrc', 'bashrc'],
    ['C:\\Windows\\win.ini', 'C__Windows_win.ini'],
    ['photo\u202Egpj.exe', 'photogpj.exe'],
    ['bell\u0007\nnewline.txt', 'bellnewline.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['trailing. . ', 'trailing'],
    ['a..txt', 'a..txt'],
    ['half\ud800.txt', 'half_.txt'],
    ['\udc00pair\ud83d\ude00.txt', '_pair\ud83d\ude00.txt'],
  ];
  for (const [input, expected] of cases) assert.equal(safeFileName(input, 'fallback'), expected, JSON.stringify(input));
  const long = safeFileName(`${'é'.repeat(200)}.pdf`, 'f');
  assert.ok(long.endsWith('.pdf'));
  assert.equal(Buffer.byteLength(long), MAX_NAME_BYTES);
});

test('attachment names: any input gives a safe name (property)', () => {
  fc.assert(
    // Whole code points, and UTF-16 units (which include halves of surrogate pairs).
    fc.property(fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), fc.string({ maxLength: 300, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) })), (name) => {
      assertSafe(safeFileName(name, 'attachment-1'));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a.txt', 'A.TXT', 'a (2).txt', `${'x'.repeat(MAX_NAME_BYTES - 4)}.txt`, '01-source.txt'), { maxLength: 30 }), (names) => {
      const taken = new Set<string>(['01-source.txt']);
      const chosen = names.map((n) => uniqueName(safeFileName(n, 'f'), taken));
      assert.equal(new Set(chosen.map((c) => c.toLowerCase())).size, chosen.length, 'no two names alike, ignoring case');
      assert.ok(!chosen.includes('01-source.txt'), 'reserved names stay reserved');
      for (const c of chosen) assertSafe(c);
    }),
  );
});

test('bundle parsers refuse malformed input with a BundleError, never anything else', () => {
  const parsers = [parseManifest, parseKeys, (v: unknown) => parseTip(v, '00000000-0000-4000-8000-000000000000')];
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
      for (const parse of parsers) {
        try {
          parse(value);
        } catch (err) {
          assert.ok(err instanceof BundleError, String(err));
        }
      }
    }),
    { numRuns: 500 },
  );
  assert.throws(() => parseManifest({ format: 'freewire-tip-bundle', version: 2 }), /format version 2/);
  const tip = {
    id: '00000000-0000-4000-8000-000000000000',
    status: 'new',
    labels: [],
    receivedAt: '2026-12-03T14:00:00.000Z',
    lastSourceAt: '2026-12-03T14:00:00.000Z',
    lastReplyAt: null,
    messages: [{ seq: 1, author: 'source', keyId: 'k1', encryptedIn: 'browser', receivedAt: '2026-12-03T14:00:00.000Z', attachments: [{ position: 0, size: 41 }] }],
  };
  assert.equal(parseTip(tip, tip.id).messages.length, 1);
  assert.throws(() => parseTip(tip, '11111111-0000-4000-8000-000000000000'), BundleError);
  assert.throws(() => parseTip({ ...tip, receivedAt: '2026-12-03T14:37:00.000Z' }, tip.id), /invalid times/);
  assert.throws(() => parseTip({ ...tip, messages: [{ ...tip.messages[0], keyId: '../keys' }] }, tip.id), /malformed message/);
  assert.throws(() => parseTip({ ...tip, messages: [tip.messages[0], tip.messages[0]] }, tip.id), /malformed message/);
});
