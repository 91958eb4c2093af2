/**
 * Forward-only migrations. Each file in migrations/ is frozen once released, is named by date
 * and holds both dialects. Kysely's Migrator skips transactions on SQLite, so we run each
 * migration in our own transaction on both engines; on PostgreSQL an advisory lock keeps two
 * nodes starting at once from migrating twice.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { DialectName } from './dialect.js';
import * as m20261127_2200 from './migrations/2026_11_27_2200_create_core.js';
import * as m20261128_0900 from './migrations/2026_11_28_0900_create_syndication.js';
import * as m20261202_1100 from './migrations/2026_12_02_1100_live_rights_and_change_index.js';
import * as m20261202_1200_partner_domains from './migrations/2026_12_02_1200_partner_domains.js';
import * as m20261202_1300 from './migrations/2026_12_02_1300_login_throttle_and_mail_secrets.js';
import * as m20261203_0900 from './migrations/2026_12_03_0900_event_consumers_and_webhooks.js';
import * as m20261203_0930 from './migrations/2026_12_03_0930_notices_and_acknowledgements.js';
import * as m20261203_1000_websub from './migrations/2026_12_03_1000_websub.js';
import * as m20261203_1100_tip_line from './migrations/2026_12_03_1100_tip_line.js';
import * as m20261203_1200_license_inquiries from './migrations/2026_12_03_1200_license_inquiries.js';
import * as m20261203_1300_licenses from './migrations/2026_12_03_1300_licenses.js';
import * as m20261203_1800_public_scale from './migrations/2026_12_03_1800_public_scale.js';
import * as m20261203_1810_api_and_newsroom_scale from './migrations/2026_12_03_1810_api_and_newsroom_scale.js';
import * as m20261203_1820_sitemap_scale from './migrations/2026_12_03_1820_sitemap_scale.js';
import * as m20261204_1630_listing_and_newsroom_filters from './migrations/2026_12_04_1630_listing_and_newsroom_filters.js';
import * as m20261204_1640_search_publication_order from './migrations/2026_12_04_1640_search_publication_order.js';
import * as m20261204_2010_headline_trigrams from './migrations/2026_12_04_2010_headline_trigrams.js';

export interface MigrationContext {
  dialect: DialectName;
}

interface Migration {
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
}

/** In order. Add new migrations at the end; never edit a released one. */
export const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['2026_11_27_2200_create_core', m20261127_2200],
  ['2026_11_28_0900_create_syndication', m20261128_0900],
  ['2026_12_02_1100_live_rights_and_change_index', m20261202_1100],
  ['2026_12_02_1200_partner_domains', m20261202_1200_partner_domains],
  ['2026_12_02_1300_login_throttle_and_mail_secrets', m20261202_1300],
  ['2026_12_03_0900_event_consumers_and_webhooks', m20261203_0900],
  ['2026_12_03_0930_notices_and_acknowledgements', m20261203_0930],
  ['2026_12_03_1000_websub', m20261203_1000_websub],
  ['2026_12_03_1100_tip_line', m20261203_1100_tip_line],
  ['2026_12_03_1200_license_inquiries', m20261203_1200_license_inquiries],
  ['2026_12_03_1300_licenses', m20261203_1300_licenses],
  ['2026_12_03_1800_public_scale', m20261203_1800_public_scale],
  ['2026_12_03_1810_api_and_newsroom_scale', m20261203_1810_api_and_newsroom_scale],
  ['2026_12_03_1820_sitemap_scale', m20261203_1820_sitemap_scale],
  ['2026_12_04_1630_listing_and_newsroom_filters', m20261204_1630_listing_and_newsroom_filters],
  ['2026_12_04_1640_search_publication_order', m20261204_1640_search_publication_order],
  ['2026_12_04_2010_headline_trigrams', m20261204_2010_headline_trigrams],
];

const LOCK_ID = 727_274_001;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(database: Database, onProgress?: (name: string) => void): Promise<MigrateResult> {
  const db = database.db as unknown as Kysely<any>;
  const ctx: MigrationContext = { dialect: database.dialect.name };

  return db.connection().execute(async (conn) => {
    if (ctx.dialect === 'postgres') await sql`select pg_advisory_lock(${LOCK_ID})`.execute(conn);
    try {
      // Under the lock: on PostgreSQL, concurrent `create table if not exists` from two nodes
      // starting at once fails with a duplicate key on pg_type.
      await conn.schema
        .createTable('freewire_migrations')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      const done = new Set(
        (await conn.selectFrom('freewire_migrations').select('name').execute()).map((r: { name: string }) => r.name),
      );
      const known = new Set(MIGRATIONS.map(([name]) => name));
      const unknown = [...done].filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new Error(
          `The database has migrations this version of Freewire does not know (${unknown.join(', ')}). ` +
            'It was migrated by a newer release: upgrade Freewire, or restore a backup made by this release.',
        );
      }
      const applied: string[] = [];
      for (const [name, migration] of MIGRATIONS) {
        if (done.has(name)) continue;
        onProgress?.(name);
        try {
          await conn.transaction().execute(async (trx) => {
            await migration.up(trx, ctx);
            await trx.insertInto('freewire_migrations').values({ name, applied_at: new Date().toISOString() }).execute();
          });
        } catch (err) {
          // SQLite has no advisory lock: when two processes start on a fresh file, one may lose
          // the race. Its transaction rolled back; if the other process recorded this migration,
          // there is nothing left to do.
          const nowDone = await conn.selectFrom('freewire_migrations').select('name').where('name', '=', name).executeTakeFirst();
          if (ctx.dialect === 'sqlite' && nowDone) continue;
          throw err;
        }
        applied.push(name);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      if (ctx.dialect === 'postgres') await sql`select pg_advisory_unlock(${LOCK_ID})`.execute(conn);
    }
  });
}
