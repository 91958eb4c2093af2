import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSodium, tipCrypto } from './sodium.js';
import { CODENAME_WORDS, deriveCodenameSecrets, generateCodename, parseCodename, wordCount } from './codename.js';

const FAST = { opslimit: 2, memlimit: 64 * 1024 * 1024 };

test('a newsroom key opens with its passphrase and refuses any other', async () => {
  const sodium = await loadSodium();
  const record = tipCrypto.createNewsroomKey(sodium, 'the right passphrase', FAST);
  assert.equal(JSON.stringify(record).includes('the right passphrase'), false);
  const pair = tipCrypto.unlockNewsroomKey(sodium, record, 'the right passphrase');
  assert.equal(tipCrypto.toBase64(sodium, pair.publicKey), record.publicKey);
  assert.throws(() => tipCrypto.unlockNewsroomKey(sodium, record, 'the wrong passphrase'), { code: 'WRONG_PASSPHRASE' });
  assert.throws(() => tipCrypto.unlockNewsroomKey(sodium, record, ''), { code: 'WRONG_PASSPHRASE' });
  // A record whose sealed half belongs to another public key is refused, not trusted.
  const other = tipCrypto.createNewsroomKey(sodium, 'the right passphrase', FAST);
  assert.throws(() => tipCrypto.unlockNewsroomKey(sodium, { ...record, publicKey: other.publicKey }, 'the right passphrase'), { code: 'BAD_KEY' });
  for (const broken of [null, {}, { ...record, salt: 'AAAA' }, { ...record, opslimit: 0 }, { ...record, nonce: '***' }]) {
    assert.throws(() => tipCrypto.checkKeyRecord(sodium, broken), { code: 'BAD_KEY' });
  }
});

test('messages and attachments round-trip; tampering, truncation and the wrong key are refused', async () => {
  const sodium = await loadSodium();
  const record = tipCrypto.createNewsroomKey(sodium, 'pass phrase', FAST);
  const pair = tipCrypto.unlockNewsroomKey(sodium, record, 'pass phrase');
  for (const size of [0, 1, tipCrypto.CHUNK - 1, tipCrypto.CHUNK, tipCrypto.CHUNK + 1, 3 * tipCrypto.CHUNK + 17]) {
    const data = sodium.randombytes_buf(size);
    const enc = tipCrypto.encryptAttachment(sodium, data);
    assert.equal(enc.ciphertext.length, tipCrypto.attachmentCiphertextSize(sodium, size));
    assert.ok(tipCrypto.looksLikeAttachment(sodium, enc.ciphertext.length));
    assert.deepEqual(tipCrypto.decryptAttachment(sodium, enc.ciphertext, enc.key), data);
    const asyncEnc = await tipCrypto.encryptAttachmentAsync(sodium, data, () => new Promise((r) => setImmediate(r)));
    assert.deepEqual(tipCrypto.decryptAttachment(sodium, asyncEnc.ciphertext, asyncEnc.key), data);
  }
  const data = sodium.randombytes_buf(200_000);
  const enc = tipCrypto.encryptAttachment(sodium, data);
  const flipped = enc.ciphertext.slice();
  flipped[flipped.length - 5] ^= 1;
  assert.throws(() => tipCrypto.decryptAttachment(sodium, flipped, enc.key), { code: 'BAD_CIPHERTEXT' });
  // Cut at a piece boundary: every piece verifies, but the FINAL tag never comes.
  const header = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  const piece = tipCrypto.CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  assert.throws(() => tipCrypto.decryptAttachment(sodium, enc.ciphertext.slice(0, header + piece), enc.key), { code: 'BAD_CIPHERTEXT' });
  assert.throws(() => tipCrypto.decryptAttachment(sodium, enc.ciphertext, tipCrypto.encryptAttachment(sodium, data).key), { code: 'BAD_CIPHERTEXT' });
  assert.throws(() => tipCrypto.decryptAttachment(sodium, new Uint8Array(3), enc.key), { code: 'BAD_CIPHERTEXT' });

  const sealed = tipCrypto.sealMessage(sodium, pair.publicKey, { text: 'Canary: the mayor knew. ✓', attachments: [{ name: 'memo.pdf', type: 'application/pdf', size: 200_000, key: enc.key }] });
  assert.ok(tipCrypto.looksSealed(sodium, sealed));
  assert.equal((sealed.length - sodium.crypto_box_SEALBYTES) % tipCrypto.PAD_BLOCK, 0, 'padded to a block');
  const opened = tipCrypto.openMessage(sodium, sealed, pair);
  assert.equal(opened.text, 'Canary: the mayor knew. ✓');
  assert.equal(opened.attachments[0]!.name, 'memo.pdf');
  const tampered = sealed.slice();
  tampered[60] ^= 0x80;
  assert.throws(() => tipCrypto.openMessage(sodium, tampered, pair), { code: 'BAD_CIPHERTEXT' });
  const stranger = tipCrypto.unlockNewsroomKey(sodium, tipCrypto.createNewsroomKey(sodium, 'x', FAST), 'x');
  assert.throws(() => tipCrypto.openMessage(sodium, sealed, stranger), { code: 'BAD_CIPHERTEXT' });
  assert.throws(() => tipCrypto.openMessage(sodium, new Uint8Array(10), pair), { code: 'BAD_CIPHERTEXT' });
  // Well-sealed nonsense is refused as a payload, not crashed on.
  const nonsense = sodium.crypto_box_seal(sodium.pad(sodium.from_string('[1,2,3]'), tipCrypto.PAD_BLOCK), pair.publicKey);
  assert.throws(() => tipCrypto.openMessage(sodium, nonsense, pair), { code: 'BAD_PAYLOAD' });
  assert.throws(() => tipCrypto.sealMessage(sodium, pair.publicKey, { text: 'x', attachments: new Array(6).fill({ name: 'a', type: 'b', size: 1, key: enc.key }) }), {
    code: 'BAD_PAYLOAD',
  });
});

test('codenames: seven list words, forgiving of case and spacing, derivations stable and distinct', async () => {
  assert.equal(wordCount(), 7776);
  const codename = generateCodename();
  assert.equal(codename.split(' ').length, CODENAME_WORDS);
  assert.match(codename, /^[a-z-]+( [a-z-]+){6}$/);
  assert.deepEqual(parseCodename(`  ${codename.toUpperCase().replaceAll(' ', '   ')}\n`), { codename });
  assert.ok('problem' in parseCodename('only three words'));
  assert.ok('problem' in parseCodename(`${codename.split(' ').slice(1).join(' ')} notaword`));
  assert.ok('problem' in parseCodename('a'.repeat(10_000)));
  assert.ok('problem' in parseCodename(undefined));
  const salt = Buffer.alloc(16, 7).toString('base64');
  const a = await deriveCodenameSecrets(codename, salt);
  const b = await deriveCodenameSecrets(codename, salt);
  assert.equal(a.lookup, b.lookup);
  assert.deepEqual(a.replySeed, b.replySeed);
  assert.notEqual(Buffer.from(a.replySeed).toString('base64url'), a.lookup, 'the reply seed is not the lookup');
  const other = await deriveCodenameSecrets(generateCodename(), salt);
  assert.notEqual(other.lookup, a.lookup);
  const sodium = await loadSodium();
  const pair = tipCrypto.replyKeyPair(sodium, a.replySeed);
  const reply = tipCrypto.sealMessage(sodium, pair.publicKey, { text: 'We would like to talk.' });
  assert.equal(tipCrypto.openMessage(sodium, reply, tipCrypto.replyKeyPair(sodium, b.replySeed)).text, 'We would like to talk.');
  assert.throws(() => tipCrypto.openMessage(sodium, reply, tipCrypto.replyKeyPair(sodium, other.replySeed)), { code: 'BAD_CIPHERTEXT' });
});
