/** Desks (sections) group stories on the site and in feeds. */
import type { Kysely } from 'kysely';
import type { DB, DeskRow } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { appendEvent } from '../events/events.js';
import { newId } from '../util/ids.js';
import { isSlug, slugify } from '../util/slug.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';

export interface Desk {
  id: string;
  slug: string;
  name: string;
  description: string;
  position: number;
  createdAt: string;
}

export function toDesk(r: DeskRow): Desk {
  return { id: r.id, slug: r.slug, name: r.name, description: r.description, position: r.position, createdAt: r.created_at };
}

export class DesksService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    /** Told after each committed change readers can see, so page caches refresh at once. */
    private readonly onPublicChange: () => void = () => undefined,
  ) {}

  async list(): Promise<Desk[]> {
    const rows = await this.db.selectFrom('desks').selectAll().orderBy('position').orderBy('name').orderBy('id').execute();
    return rows.map(toDesk);
  }

  async getBySlug(slug: string): Promise<Desk | undefined> {
    const r = await this.db.selectFrom('desks').selectAll().where('slug', '=', slug).executeTakeFirst();
    return r ? toDesk(r) : undefined;
  }

  async getById(id: string): Promise<Desk> {
    const r = await this.db.selectFrom('desks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('DESK_NOT_FOUND', 'No such desk.');
    return toDesk(r);
  }

  async create(actor: Actor, input: { name?: unknown; description?: unknown; slug?: unknown }): Promise<Desk> {
    assertCan(actor, 'desks.manage');
    const f = new Fields();
    const name = f.text('name', input.name, { required: true, max: 80 });
    const description = f.text('description', input.description, { max: 500 });
    let slug = f.text('slug', input.slug, { max: 60 });
    if (slug && !isSlug(slug)) f.add('slug', 'must be lowercase letters, digits and hyphens');
    f.throwIfAny();
    slug ||= slugify(name, 60) || 'desk';
    const id = newId();
    const now = new Date().toISOString();
    const max = await this.db.selectFrom('desks').select((eb) => eb.fn.max('position').as('p')).executeTakeFirst();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('desks')
          .values({ id, slug, name, description, position: Number(max?.p ?? 0) + 1, created_at: now, updated_at: now })
          .execute();
        await recordAudit(trx, actor, 'desk.create', { type: 'desk', id }, { slug, name });
        await appendEvent(trx, 'site.updated', null, null, { desk: slug });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) {
        throw new AppError('CONFLICT', `A desk with the slug "${slug}" already exists.`, { details: { slug: ['is already taken'] } });
      }
      throw err;
    }
    this.onPublicChange();
    return this.getById(id);
  }

  async update(actor: Actor, id: string, input: { name?: unknown; description?: unknown }): Promise<Desk> {
    assertCan(actor, 'desks.manage');
    const desk = await this.getById(id);
    const f = new Fields();
    const patch: Record<string, unknown> = {};
    if (input.name !== undefined) patch.name = f.text('name', input.name, { required: true, max: 80 });
    if (input.description !== undefined) patch.description = f.text('description', input.description, { max: 500 });
    f.throwIfAny();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('desks').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'desk.update', { type: 'desk', id }, patch);
      await appendEvent(trx, 'site.updated', null, null, { desk: desk.slug });
    });
    this.onPublicChange();
    return this.getById(id);
  }
}
