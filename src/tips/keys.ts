/**
 * The newsroom's tip keys. The server keeps each key pair's public half and the secret half
 * sealed with the passphrase (see public/tips/tip-crypto.mjs); it never sees the passphrase or
 * an opened secret key. Keys are made in the admin's browser (/newsroom/tips/setup) or by the
 * CLI (`freewire tips setup`), and arrive here as finished records.
 *
 * Rotation adds a key and retires the active one; retired keys stay, so tips sealed to them stay
 * readable by whoever holds the old passphrase.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DB, TipKeysTable } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { newId } from '../util/ids.js';
import { loadSodium, tipCrypto, type NewsroomKeyRecord } from './sodium.js';

export type TipKeyRow = Selectable<TipKeysTable>;

/** A key as pages, the API and bundles carry it: the stored record, no secret in the clear. */
export interface TipKeyInfo extends NewsroomKeyRecord {
  id: string;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
}

export function keyInfo(row: TipKeyRow): TipKeyInfo {
  return {
    id: row.id,
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    sealedSecretKey: row.sealed_secret_key,
    nonce: row.nonce,
    salt: row.salt,
    opslimit: Number(row.opslimit),
    memlimit: Number(row.memlimit),
    active: Number(row.active) === 1,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

export class TipKeys {
  private lineCache: { lookupSalt: string; formKey: string } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
  ) {}

  /** The key new tips are sealed to, or undefined before the newsroom has set one up. */
  async active(): Promise<TipKeyInfo | undefined> {
    const row = await this.db.selectFrom('tip_keys').selectAll().where('active', '=', 1).executeTakeFirst();
    return row ? keyInfo(row) : undefined;
  }

  /** Every key, the active one first, then retired ones newest first. */
  async list(): Promise<TipKeyInfo[]> {
    const rows = await this.db.selectFrom('tip_keys').selectAll().orderBy('active', 'desc').orderBy('created_at', 'desc').execute();
    return rows.map(keyInfo);
  }

  async get(id: string): Promise<TipKeyInfo | undefined> {
    const row = await this.db.selectFrom('tip_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? keyInfo(row) : undefined;
  }

  /** The installation's codename salt and form-token key (made by the migration; never change). */
  async line(): Promise<{ lookupSalt: string; formKey: string }> {
    if (!this.lineCache) {
      const row = await this.db.selectFrom('tip_line').select(['lookup_salt', 'form_key']).where('id', '=', 'tip-line').executeTakeFirstOrThrow();
      this.lineCache = { lookupSalt: row.lookup_salt, formKey: row.form_key };
    }
    return this.lineCache;
  }

  /**
   * Stores a key record made elsewhere (browser or CLI). `rotate` must be set when a key already
   * exists; the old one is retired in the same transaction. The record is checked (lengths,
   * parameters) and its fingerprint recomputed here, so a malformed key never reaches sources.
   */
  async add(actor: Actor, input: unknown, opts: { rotate: boolean }): Promise<TipKeyInfo> {
    assertCan(actor, 'tips.setup');
    const sodium = await loadSodium();
    let checked: ReturnType<typeof tipCrypto.checkKeyRecord>;
    try {
      checked = tipCrypto.checkKeyRecord(sodium, input);
    } catch (err) {
      throw new AppError('VALIDATION', (err as Error).message, { details: { key: [(err as Error).message] } });
    }
    const record = input as NewsroomKeyRecord;
    // Keys must cost an attacker at least libsodium's "interactive" level per passphrase guess.
    if (record.opslimit < sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE || record.memlimit < sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE) {
      throw new AppError('VALIDATION', 'The key was sealed with too weak a passphrase derivation.', {
        details: { key: ['argon2id parameters below libsodium’s interactive level'] },
      });
    }
    const now = new Date().toISOString();
    const id = newId();
    try {
      await this.db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('tip_keys').select('id').where('active', '=', 1).executeTakeFirst();
        if (current && !opts.rotate) {
          throw new AppError('CONFLICT', 'The tip line already has a key. Rotate it instead of setting up a new one.');
        }
        if (current) await trx.updateTable('tip_keys').set({ active: 0, retired_at: now }).where('id', '=', current.id).execute();
        await trx
          .insertInto('tip_keys')
          .values({
            id,
            public_key: record.publicKey,
            fingerprint: tipCrypto.fingerprint(sodium, checked.publicKey),
            sealed_secret_key: record.sealedSecretKey,
            nonce: record.nonce,
            salt: record.salt,
            opslimit: record.opslimit,
            memlimit: record.memlimit,
            created_at: now,
            created_by: actor.id,
            active: 1,
          })
          .execute();
        await recordAudit(trx, actor, current ? 'tips.key_rotated' : 'tips.key_created', { type: 'tip_key', id }, current ? { retired: current.id } : {});
        // Whoever sets the line up can read it: otherwise nobody could until another admin granted it.
        if (actor.id) await trx.updateTable('users').set({ tips_access: 1 }).where('id', '=', actor.id).execute();
      });
    } catch (err) {
      // Two admins setting up at once: the partial unique index lets one win.
      if (this.dialect.isUniqueViolation(err)) throw new AppError('CONFLICT', 'Another key was set up at the same moment. Reload and try again.');
      throw err;
    }
    return (await this.get(id))!;
  }
}
