/**
 * libsodium for the server and the CLI, loaded once. The same library (the sumo build, which has
 * crypto_pwhash) runs in the browser pages, served from our own origin (src/tips/assets.ts).
 */
import sodiumModule from 'libsodium-wrappers-sumo';
import type { Sodium } from '../../public/tips/tip-crypto.mjs';

export * as tipCrypto from '../../public/tips/tip-crypto.mjs';
export type { Sodium, NewsroomKeyRecord, KeyPair, OpenedMessage, AttachmentRef, MessagePayload } from '../../public/tips/tip-crypto.mjs';

let ready: Promise<Sodium> | undefined;

export function loadSodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}
