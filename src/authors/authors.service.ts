/** Authors (bylines): name, job title or beat, bio, photo, social links and a tips contact. */
import type { Kysely } from 'kysely';
import type { AuthorRow, DB } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId } from '../util/ids.js';
import { appendEvent } from '../events/events.js';
import { isSlug, slugify } from '../util/slug.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';

export const LINK_KINDS = ['twitter', 'bluesky', 'mastodon', 'website', 'email'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export type AuthorLinks = Partial<Record<LinkKind, string>>;

export interface Author {
  id: string;
  slug: string;
  name: string;
  title: string;
  bio: string;
  photoMediaId: string | null;
  links: AuthorLinks;
  tipsContact: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toAuthor(r: AuthorRow): Author {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    title: r.title,
    bio: r.bio,
    photoMediaId: r.photo_media_id,
    links: JSON.parse(r.links_json) as AuthorLinks,
    tipsContact: r.tips_contact,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface AuthorInput {
  name?: unknown;
  title?: unknown;
  bio?: unknown;
  slug?: unknown;
  links?: unknown;
  tipsContact?: unknown;
}

/** Turns a handle or URL into a link a reader can follow. */
export function followUrl(kind: LinkKind, value: string): string {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v;
  switch (kind) {
    case 'twitter':
      return `https://x.com/${encodeURIComponent(v.replace(/^@/, ''))}`;
    case 'bluesky':
      return `https://bsky.app/profile/${encodeURIComponent(v.replace(/^@/, ''))}`;
    case 'mastodon': {
      const m = /^@?([^@\s]+)@([^@\s]+)$/.exec(v);
      return m ? `https://${m[2]}/@${encodeURIComponent(m[1]!)}` : v;
    }
    case 'email':
      return `mailto:${v}`;
    case 'website':
      return v;
  }
}

function validateLinks(f: Fields, links: unknown): AuthorLinks {
  if (links === undefined || links === null) return {};
  if (typeof links !== 'object' || Array.isArray(links)) {
    f.add('links', 'must be an object with twitter, bluesky, mastodon, website or email');
    return {};
  }
  const out: AuthorLinks = {};
  for (const [k, v] of Object.entries(links as Record<string, unknown>)) {
    if (!(LINK_KINDS as readonly string[]).includes(k)) {
      f.add(`links.${k}`, `is not a supported link (use ${LINK_KINDS.join(', ')})`);
      continue;
    }
    if (v === undefined || v === null || v === '') continue;
    const kind = k as LinkKind;
    if (kind === 'website') out.website = f.url(`links.${k}`, v, { max: 500 });
    else if (kind === 'email') out.email = f.email(`links.${k}`, v);
    else {
      const text = f.text(`links.${k}`, v, { max: 300 });
      // A handle (@name, name.bsky.social, @name@server) or a full http(s) address; nothing
      // else, so a value like `javascript:…` can never become a link on a page.
      const handle = /^@?[\p{L}\p{N}_.-]+(@[\p{L}\p{N}_.-]+)?$/u.test(text);
      let address = false;
      try {
        address = /^https?:$/.test(new URL(text).protocol) && !/[\s<>"]/.test(text);
      } catch {
        address = false;
      }
      if (text !== '' && !handle && !address) f.add(`links.${k}`, 'must be a handle or an https:// address');
      out[kind] = text;
    }
  }
  return out;
}

export class AuthorsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    /** Told after each committed change readers can see, so page caches refresh at once. */
    private readonly onPublicChange: () => void = () => undefined,
  ) {}

  async list(): Promise<Author[]> {
    const rows = await this.db.selectFrom('authors').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toAuthor);
  }

  async getBySlug(slug: string): Promise<Author | undefined> {
    const r = await this.db.selectFrom('authors').selectAll().where('slug', '=', slug).executeTakeFirst();
    return r ? toAuthor(r) : undefined;
  }

  async getById(id: string): Promise<Author> {
    const r = await this.db.selectFrom('authors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('AUTHOR_NOT_FOUND', 'No such author.');
    return toAuthor(r);
  }

  async create(actor: Actor, input: AuthorInput): Promise<Author> {
    assertCan(actor, 'authors.manage');
    const f = new Fields();
    const name = f.text('name', input.name, { required: true, max: 120 });
    const title = f.text('title', input.title, { required: true, max: 120 });
    const bio = f.text('bio', input.bio, { max: 2000 });
    const tipsContact = f.text('tipsContact', input.tipsContact, { max: 300 }) || null;
    const links = validateLinks(f, input.links);
    let slug = f.text('slug', input.slug, { max: 80 });
    if (slug && !isSlug(slug)) f.add('slug', 'must be lowercase letters, digits and hyphens');
    f.throwIfAny();
    slug ||= slugify(name) || 'author';
    const id = newId();
    const now = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('authors')
          .values({
            id, slug, name, title, bio, photo_media_id: null, links_json: JSON.stringify(links), tips_contact: tipsContact,
            created_at: now, updated_at: now,
          })
          .execute();
        await recordAudit(trx, actor, 'author.create', { type: 'author', id }, { slug, name });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) {
        throw new AppError('CONFLICT', `An author with the slug "${slug}" already exists.`, { details: { slug: ['is already taken'] } });
      }
      throw err;
    }
    this.onPublicChange();
    return this.getById(id);
  }

  async update(actor: Actor, id: string, input: AuthorInput & { photoMediaId?: string | null }): Promise<Author> {
    assertCan(actor, 'authors.manage');
    const existing = await this.getById(id);
    const f = new Fields();
    const patch: Record<string, unknown> = {};
    if (input.name !== undefined) patch.name = f.text('name', input.name, { required: true, max: 120 });
    if (input.title !== undefined) patch.title = f.text('title', input.title, { required: true, max: 120 });
    if (input.bio !== undefined) patch.bio = f.text('bio', input.bio, { max: 2000 });
    if (input.tipsContact !== undefined) patch.tips_contact = f.text('tipsContact', input.tipsContact, { max: 300 }) || null;
    if (input.links !== undefined) patch.links_json = JSON.stringify(validateLinks(f, input.links));
    if (input.photoMediaId !== undefined) patch.photo_media_id = input.photoMediaId;
    f.throwIfAny();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('authors').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'author.update', { type: 'author', id }, { slug: existing.slug });
      // Bylines appear on public pages: let page caches know.
      await appendEvent(trx, 'site.updated', null, null, { author: existing.slug });
    });
    this.onPublicChange();
    return this.getById(id);
  }
}
