import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passphraseProblem } from './tips-passphrase.js';

test('tip passphrases: at least 16 characters, 6 different, no leading or trailing space', () => {
  for (const ok of ['river stone lantern orchard', 'Tr0ub4dor&3xyz!!?', 'сорок два слова тут', 'correct horse battery staple']) {
    assert.equal(passphraseProblem(ok), undefined, ok);
  }
  assert.match(passphraseProblem('short pass')!, /too short \(10 characters\)/);
  // Characters, not UTF-16 units or bytes: eleven emoji are eleven characters.
  assert.match(passphraseProblem('🙂🙃😀😁😂🤣😃😄😅😆😉')!, /too short \(11 characters\)/);
  assert.match(passphraseProblem('aaaaaaaaaaaaaaaaaaaa')!, /too few characters/);
  assert.match(passphraseProblem('1231231231231231')!, /too few characters/);
  assert.match(passphraseProblem('river stone lantern orchard ')!, /starts or ends with a space/);
});
