/**
 * Tip line fixtures: a newsroom key made as the browser or CLI would make it (at libsodium's
 * "interactive" cost, so tests unlock it in a fraction of a second), and tips stored as a
 * browser would send them.
 */
import type { Services } from '../../src/services.js';
import type { Actor } from '../../src/users/permissions.js';
import { deriveCodenameSecrets, generateCodename } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto, type KeyPair } from '../../src/tips/sodium.js';
import type { TipKeyInfo } from '../../src/tips/keys.js';

export const TEST_PASSPHRASE = 'correct horse battery staple tip line';

/** Creates (or, with rotate, rotates to) a tip key sealed with `passphrase`; the actor must be an admin. */
export async function setupTipKey(services: Services, actor: Actor, passphrase = TEST_PASSPHRASE, rotate = false): Promise<TipKeyInfo> {
  const sodium = await loadSodium();
  const record = tipCrypto.createNewsroomKey(sodium, passphrase, {
    opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  });
  return services.tipKeys.add(actor, record, { rotate });
}

export interface SeededTip {
  codename: string;
  conversationId: string;
}

/**
 * Stores a tip as the browser form would send it: text and attachments sealed to the active key.
 * With `codename`, adds a follow-up to that conversation instead of starting one.
 */
export async function seedTip(
  services: Services,
  input: { text: string; attachments?: Array<{ name: string; type: string; data: Uint8Array }>; codename?: string },
): Promise<SeededTip> {
  const sodium = await loadSodium();
  const key = await services.tipKeys.active();
  if (!key) throw new Error('seedTip: set up a tip key first');
  const codename = input.codename ?? generateCodename();
  const { lookupSalt } = await services.tipKeys.line();
  const secrets = await deriveCodenameSecrets(codename, lookupSalt);
  const reply = tipCrypto.replyKeyPair(sodium, secrets.replySeed);
  const encrypted = (input.attachments ?? []).map((a) => ({ ...a, ...tipCrypto.encryptAttachment(sodium, a.data) }));
  const sealed = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), {
    text: input.text,
    attachments: encrypted.map((a) => ({ name: a.name, type: a.type, size: a.data.length, key: a.key })),
  });
  const { conversationId } = await services.tipStore.addSourceMessage(secrets.lookup, tipCrypto.toBase64(sodium, reply.publicKey), {
    keyId: key.id,
    sealed,
    encryptedIn: 'browser',
    attachments: encrypted.map((a) => a.ciphertext),
  });
  return { codename, conversationId };
}

/** Opens a key with its passphrase, as an editor's browser does. */
export async function unlockTipKey(key: TipKeyInfo, passphrase = TEST_PASSPHRASE): Promise<KeyPair> {
  return tipCrypto.unlockNewsroomKey(await loadSodium(), key, passphrase);
}
