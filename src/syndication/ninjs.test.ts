import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { charCount } from './ninjs.js';

test('charCount counts code points as [...s].length does: pairs as one, lone surrogates as one', () => {
  for (const s of ['', 'a', 'héllo', '😀', 'a😀b', '\ud83d', '\ude00', '\ude00\ud83d', 'x\ud83d', '\ud83d\ud83d\ude00']) assert.equal(charCount(s), [...s].length, JSON.stringify(s));
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'))), (parts) => {
      const s = parts.join('');
      return charCount(s) === [...s].length;
    }),
    { numRuns: 2000 },
  );
});
