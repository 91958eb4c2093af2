import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';
import { seedTip, setupTipKey, unlockTipKey } from '../helpers/tips.js';
import { actorFor } from '../../src/users/users.service.js';
import { can } from '../../src/users/permissions.js';
import { deriveCodenameSecrets } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto } from '../../src/tips/sodium.js';
import { hourOf } from '../../src/tips/store.js';

forEachDialect('tip keys: admins set up and rotate; only granted users read; one active key', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const adminUser = await t.services.users.get(t.admin.id);
    const editorActor = actorFor(await t.services.users.get(t.editor.id));
    assert.equal(can(actorFor(adminUser), 'tips.read'), false, 'no role reads tips by default');
    assert.equal(can(editorActor, 'tips.read'), false);
    await assert.rejects(setupTipKey(t.services, editorActor), { code: 'FORBIDDEN' });
    assert.equal(await t.services.tipKeys.active(), undefined);

    const first = await setupTipKey(t.services, actorFor(adminUser));
    assert.equal(can(actorFor(await t.services.users.get(t.admin.id)), 'tips.read'), true, 'the admin who set it up may read');
    await assert.rejects(setupTipKey(t.services, actorFor(adminUser)), { code: 'CONFLICT' });
    await assert.rejects(t.services.tipKeys.add(actorFor(adminUser), { publicKey: 'x' }, { rotate: true }), { code: 'VALIDATION' });

    const tip = await seedTip(t.services, { text: 'sealed to the first key' });
    const second = await setupTipKey(t.services, actorFor(adminUser), 'a new passphrase', true);
    const keys = await t.services.tipKeys.list();
    assert.deepEqual(keys.map((k) => [k.id, k.active]), [[second.id, true], [first.id, false]]);
    // The old tip still opens with the old key and passphrase.
    const [message] = await t.services.tipStore.messages(tip.conversationId);
    assert.equal(message!.key_id, first.id);
    const oldPair = await unlockTipKey(keys[1]!);
    assert.equal(tipCrypto.openMessage(await loadSodium(), message!.sealed, oldPair).text, 'sealed to the first key');
  } finally {
    await t.close();
  }
});

forEachDialect('tip store: follow-ups join the conversation, times are whole hours, replays are refused, delete removes every byte', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const admin = actorFor(await t.services.users.get(t.admin.id));
    await setupTipKey(t.services, admin);
    // Large enough to spill into overflow pages, which secure_delete must clear too.
    const canary = Buffer.concat([Buffer.from('ATTACHMENT-CANARY-0x5eed'), Buffer.alloc(20_000, 'z')]);
    const tip = await seedTip(t.services, { text: 'first', attachments: [{ name: 'a.txt', type: 'text/plain', data: canary }] });
    const again = await seedTip(t.services, { text: 'second', codename: tip.codename });
    assert.equal(again.conversationId, tip.conversationId);
    const conversation = (await t.services.tipStore.conversation(tip.conversationId))!;
    assert.equal(conversation.message_count, 2);
    assert.equal(conversation.attachment_count, 1);
    assert.equal(conversation.received_at, hourOf());
    assert.match(conversation.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4/, 'random (v4) ids, not time-ordered ones');
    const messages = await t.services.tipStore.messages(tip.conversationId);
    assert.deepEqual(messages.map((m) => m.seq), [1, 2]);
    assert.ok(messages.every((m) => m.received_at.endsWith(':00:00.000Z')));

    const { lookupSalt } = await t.services.tipKeys.line();
    const secrets = await deriveCodenameSecrets(tip.codename, lookupSalt);
    const key = (await t.services.tipKeys.active())!;
    const message = { keyId: key.id, sealed: messages[0]!.sealed, encryptedIn: 'browser' as const, attachments: [] };
    const token = { hash: 'token-hash-1', expiresAt: new Date(Date.now() + 3600_000) };
    await t.services.tipStore.addSourceMessage(secrets.lookup, conversation.reply_public_key, message, { formToken: token });
    await assert.rejects(t.services.tipStore.addSourceMessage(secrets.lookup, conversation.reply_public_key, message, { formToken: token }), { code: 'CONFLICT' });
    assert.equal((await t.services.tipStore.conversation(tip.conversationId))!.message_count, 3);

    const [attachment] = await t.services.tipStore.attachments(tip.conversationId);
    const ciphertext = (await t.services.tipStore.attachmentData(attachment!.id))!.data;
    assert.equal(ciphertext.includes(Buffer.from(canary)), false, 'stored as ciphertext');
    assert.equal(await t.services.tipStore.delete(tip.conversationId), true);
    assert.equal(await t.services.tipStore.conversation(tip.conversationId), undefined);
    assert.deepEqual(await t.services.tipStore.attachments(tip.conversationId), []);
    if (tdb.sqliteFile) {
      // secure_delete and the checkpoint: the ciphertext is gone from the file and its log.
      const probe = ciphertext.subarray(10_000, 10_064);
      assert.equal(probe.length, 64);
      for (const file of [tdb.sqliteFile, `${tdb.sqliteFile}-wal`]) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          continue;
        }
        assert.equal(bytes.includes(probe), false, `${file} still holds the deleted ciphertext`);
      }
    }
  } finally {
    await t.close();
  }
});
