/**
 * libsodium for the server and the CLI, loaded once. The same library (the sumo build, which has
 * crypto_pwhash) runs in the browser pages, served from our own origin (src/tips/assets.ts).
 */
import type { Sodium } from '../../public/tips/tip-crypto.mjs';

export * as tipCrypto from '../../public/tips/tip-crypto.mjs';
export type { Sodium, NewsroomKeyRecord, KeyPair, OpenedMessage, AttachmentRef, MessagePayload } from '../../public/tips/tip-crypto.mjs';

let ready: Promise<Sodium> | undefined;

/** Imported on first use: the WebAssembly build costs start time and memory that a server whose tip line nobody uses never needs. */
export function loadSodium(): Promise<Sodium> {
  ready ??= import('libsodium-wrappers-sumo').then(async ({ default: sodium }) => {
    await sodium.ready;
    return sodium;
  });
  return ready;
}
