/**
 * Partners' extra domains: the hosts, besides their website's domain, where they publish our
 * stories (a second site, an app's web view, a regional edition). The pixel records the page
 * where a story ran only when its host is one of the partner's domains or a subdomain of one, so
 * a forged Referer cannot plant pages for the attribution checker to fetch.
 *
 * A JSON array in a text column rather than a table: a partner has a handful, they are always
 * read and written together with the partner row, and both engines return the same string.
 * Identical on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .alterTable('partners')
    .addColumn('extra_domains_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
