/** Types for tip-crypto.mjs (plain JavaScript so that browsers load it as it is). */
import type sodiumDefault from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumDefault;

export const FORMAT_VERSION: 1;
export const CHUNK: number;
export const PAD_BLOCK: number;
export const MAX_ATTACHMENTS: number;
export const MAX_TEXT: number;

export const PASSPHRASE_MIN_CHARS: number;
export const PASSPHRASE_MIN_DISTINCT: number;
export const PASSPHRASE_RULE: string;
export function passphraseProblem(passphrase: string): string | undefined;

export type TipCryptoErrorCode = 'WRONG_PASSPHRASE' | 'BAD_CIPHERTEXT' | 'BAD_PAYLOAD' | 'BAD_KEY';
export class TipCryptoError extends Error {
  constructor(code: TipCryptoErrorCode, message: string);
  readonly code: TipCryptoErrorCode;
}

export interface KeyCost {
  opslimit: number;
  memlimit: number;
}

/** What is stored for a newsroom key, and what a bundle carries: no secret in the clear. */
export interface NewsroomKeyRecord extends KeyCost {
  publicKey: string;
  fingerprint: string;
  sealedSecretKey: string;
  nonce: string;
  salt: string;
}

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export interface AttachmentRef {
  name: string;
  type: string;
  size: number;
  /** base64 secretstream key */
  key: string;
}

export interface MessagePayload {
  text: string;
  attachments?: AttachmentRef[];
}

export interface OpenedMessage {
  v: 1;
  text: string;
  attachments: AttachmentRef[];
}

export function toBase64(sodium: Sodium, bytes: Uint8Array): string;
export function fromBase64(sodium: Sodium, text: string, what?: string): Uint8Array;
export function defaultKeyCost(sodium: Sodium): KeyCost;
export function fingerprint(sodium: Sodium, publicKey: Uint8Array): string;
export function createNewsroomKey(sodium: Sodium, passphrase: string, cost?: KeyCost): NewsroomKeyRecord;
export function checkKeyRecord(
  sodium: Sodium,
  record: unknown,
): { publicKey: Uint8Array; sealed: Uint8Array; nonce: Uint8Array; salt: Uint8Array };
export function unlockNewsroomKey(sodium: Sodium, record: KeyCost & { publicKey: string; sealedSecretKey: string; nonce: string; salt: string }, passphrase: string): KeyPair;
export function replyKeyPair(sodium: Sodium, seed: Uint8Array): KeyPair;
export function sealMessage(sodium: Sodium, publicKey: Uint8Array, payload: MessagePayload): Uint8Array;
export function openMessage(sodium: Sodium, sealed: Uint8Array, keyPair: KeyPair): OpenedMessage;
export function looksSealed(sodium: Sodium, bytes: Uint8Array): boolean;
export function attachmentCiphertextSize(sodium: Sodium, size: number): number;
export function looksLikeAttachment(sodium: Sodium, length: number): boolean;
export function encryptAttachment(sodium: Sodium, bytes: Uint8Array): { key: string; ciphertext: Uint8Array };
export function encryptAttachmentAsync(sodium: Sodium, bytes: Uint8Array, pause: () => Promise<void>): Promise<{ key: string; ciphertext: Uint8Array }>;
export function decryptAttachment(sodium: Sodium, ciphertext: Uint8Array, keyBase64: string): Uint8Array;
