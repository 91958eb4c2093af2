/**
 * The stories list and the editor: create, save, autosave, live preview and every lifecycle
 * step. Services enforce the rules (and roles); these handlers translate forms to service input
 * and service errors back to messages next to the right fields.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoryStatus } from '../../db/schema.js';
import { AppError, type FieldErrors } from '../../errors.js';
import type { Services } from '../../services.js';
import { countWords, renderMarkdown } from '../../stories/markdown.js';
import { MAX_BODY_LENGTH, mayChangeRights, type Story, type StoryInput } from '../../stories/stories.service.js';
import { can, canEditStory, type Actor, type Permission } from '../../users/permissions.js';
import { slugify } from '../../util/slug.js';
import { formFields, isFormError, list, optionalText, param, query, redirectWithFlash, staff, text, type FormFields } from '../http.js';
import { renderPage } from '../render.js';
import { formatUtc, toDateTimeLocalUtc } from '../pages/components.js';
import { StoriesListPage, type StoriesFilter } from '../pages/stories-list.js';
import { StoryEditorPage, WithdrawConfirmPage, type EditorValues } from '../pages/story-editor.js';

const PAGE_SIZE = 25;
/** A headline search counts this many matches at most (see StoriesService.list). */
const SEARCH_COUNT_CAP = 1000;
const STATUSES: readonly StoryStatus[] = ['draft', 'scheduled', 'published', 'withdrawn'];
export const DEFAULT_UPDATE_NOTE = 'This story has been updated.';

/** Service field names → the editor's input names, so each message lands by its field. */
const ERROR_FIELDS: Record<string, string> = {
  embargoUntil: 'embargoAt',
  at: 'scheduleAt',
  note: 'updateNote',
  text: 'correctionText',
  reason: 'withdrawReason',
};

export function mapErrorFields(details: FieldErrors | undefined, extra: Record<string, string> = {}): FieldErrors | undefined {
  if (!details) return undefined;
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(details)) (out[extra[k] ?? ERROR_FIELDS[k] ?? k] ??= []).push(...v);
  return out;
}

/**
 * A datetime-local value as an instant. newsroom-editor.js sends the browser's reading of it
 * (an ISO string with zone) beside the raw field; without JavaScript the raw value is taken as
 * UTC, which the form says next to the field. Anything unparseable is passed on for the
 * service to reject with its own message.
 */
export function resolveLocalTime(local: string, iso: string): string {
  if (iso.trim() !== '') return iso.trim();
  const v = local.trim();
  if (v === '') return '';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return `${v}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/.test(v)) return `${v}Z`;
  return v;
}

function splitTags(raw: string): string[] {
  return raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Service input from the editor form. */
function storyInput(fields: FormFields, story: Story | null): StoryInput {
  const headline = text(fields, 'headline');
  let slug = text(fields, 'slug').trim();
  // "Leave blank to let it follow": until first publication an empty slug means "from the headline".
  if (slug === '' && !story?.publishedAt) slug = story ? slugify(headline) : '';
  const embargo = resolveLocalTime(text(fields, 'embargoAt'), text(fields, 'embargoAtIso'));
  // A form without the embargo field (shown read-only to reporters) keeps the story's embargo.
  const embargoShown = fields.embargoAt !== undefined || fields.embargoAtIso !== undefined;
  return {
    headline,
    slug: story?.publishedAt ? story.slug : slug,
    summary: text(fields, 'summary'),
    body: text(fields, 'body'),
    dateline: text(fields, 'dateline'),
    desk: text(fields, 'desk'),
    authors: list(fields, 'authors'),
    tags: splitTags(text(fields, 'tags')),
    syndication: optionalText(fields, 'syndication') ?? story?.syndication ?? 'free',
    licenseProfile: (optionalText(fields, 'licenseProfile') ?? story?.licenseProfile ?? '') || null,
    embargoUntil: embargoShown ? (embargo === '' ? null : embargo) : (story?.embargoUntil ?? null),
  };
}

function valuesFromStory(story: Story): EditorValues {
  return {
    headline: story.headline,
    slug: story.slug,
    summary: story.summary,
    dateline: story.dateline,
    desk: story.desk.slug,
    authors: story.authors.map((a) => a.slug),
    tags: story.tags.join(', '),
    syndication: story.syndication,
    licenseProfile: story.licenseProfile ?? '',
    embargoAt: toDateTimeLocalUtc(story.embargoUntil),
    embargoUtc: story.embargoUntil,
    body: story.body,
    scheduleAt: toDateTimeLocalUtc(story.scheduledAt),
    scheduleUtc: story.scheduledAt,
    updateNote: '',
    correctionText: '',
  };
}

function instantOrNull(v: string): string | null {
  if (v === '') return null;
  const d = new Date(v);
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(v) && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

/** The form as the user sent it, for re-rendering after an error. */
function valuesFromForm(fields: FormFields, story: Story | null): EditorValues {
  const embargoShown = fields.embargoAt !== undefined || fields.embargoAtIso !== undefined;
  const embargo = embargoShown ? resolveLocalTime(text(fields, 'embargoAt'), text(fields, 'embargoAtIso')) : (story?.embargoUntil ?? '');
  const schedule = resolveLocalTime(text(fields, 'scheduleAt'), text(fields, 'scheduleAtIso'));
  const embargoUtc = instantOrNull(embargo);
  const scheduleUtc = instantOrNull(schedule);
  return {
    headline: text(fields, 'headline'),
    slug: story?.publishedAt ? story.slug : text(fields, 'slug'),
    summary: text(fields, 'summary'),
    dateline: text(fields, 'dateline'),
    desk: text(fields, 'desk'),
    authors: list(fields, 'authors'),
    tags: text(fields, 'tags'),
    syndication: text(fields, 'syndication') || story?.syndication || 'free',
    licenseProfile: optionalText(fields, 'licenseProfile') ?? story?.licenseProfile ?? '',
    embargoAt: embargoUtc ? toDateTimeLocalUtc(embargoUtc) : text(fields, 'embargoAt'),
    embargoUtc,
    body: text(fields, 'body'),
    scheduleAt: scheduleUtc ? toDateTimeLocalUtc(scheduleUtc) : text(fields, 'scheduleAt'),
    scheduleUtc,
    updateNote: text(fields, 'updateNote'),
    correctionText: text(fields, 'correctionText'),
  };
}

/** True when the submitted form differs from the working copy (so a save would record something). */
function differs(story: Story, input: StoryInput): boolean {
  const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const embargo = typeof input.embargoUntil === 'string' ? instantOrNull(input.embargoUntil) ?? input.embargoUntil : null;
  return (
    (input.headline as string).trim() !== story.headline ||
    (input.slug as string) !== story.slug ||
    (input.summary as string).trim() !== story.summary ||
    (input.body as string).replace(/\r\n/g, '\n') !== story.body ||
    (input.dateline as string).trim() !== story.dateline ||
    input.desk !== story.desk.slug ||
    !sameList(input.authors as string[], story.authors.map((a) => a.slug)) ||
    !sameList([...new Set(input.tags as string[])].sort(), [...story.tags].sort()) ||
    input.syndication !== story.syndication ||
    (input.licenseProfile ?? null) !== story.licenseProfile ||
    embargo !== story.embargoUntil
  );
}

export function storyHandlers(services: Services) {
  const { config } = services;
  const secure = config.secureCookies;

  async function loadStory(actor: Actor, id: string): Promise<Story> {
    const story = await services.stories.get(id);
    if (!canEditStory(actor, { created_by: story.createdBy })) {
      throw new AppError('FORBIDDEN', 'Reporters can open only the stories they created. Ask an editor for access.');
    }
    return story;
  }

  function assertCanDo(actor: Actor, permission: Permission, what: string): void {
    if (!can(actor, permission)) throw new AppError('FORBIDDEN', `Your role (${actor.role}) cannot ${what}. Ask an editor.`);
  }

  async function renderEditor(
    request: FastifyRequest,
    reply: FastifyReply,
    story: Story | null,
    values: EditorValues,
    opts: { errors?: FieldErrors | undefined; message?: string | undefined; status?: number } = {},
  ): Promise<FastifyReply> {
    const s = staff(request);
    const [desks, authors, notes, licenseProfiles, defaultProfile] = await Promise.all([
      services.desks.list(),
      services.authors.list(),
      story ? services.stories.notes(story.id) : Promise.resolve([]),
      services.licenseProfiles.list(),
      services.licenseProfiles.defaultProfile(),
    ]);
    const slugAuto = !story || values.slug === '' || values.slug === slugify(values.headline);
    return renderPage(
      services,
      request,
      reply,
      { title: story ? `Edit: ${story.headline}` : 'New story', section: story ? 'stories' : 'new-story', scripts: ['/assets/newsroom-editor.js'], wide: true, status: opts.status },
      <StoryEditorPage
        story={story}
        values={values}
        errors={opts.errors}
        message={opts.message}
        csrf={s.csrfToken}
        desks={desks}
        authors={authors}
        notes={notes}
        canPublish={can(s.actor, 'story.publish')}
        canCorrect={can(s.actor, 'story.correct')}
        canWithdraw={can(s.actor, 'story.withdraw')}
        publicUrl={config.publicUrl}
        previewHtml={renderMarkdown(values.body)}
        wordCount={countWords(values.body)}
        slugAuto={slugAuto}
        licenseProfiles={licenseProfiles.map((p) => ({ slug: p.slug, name: p.name }))}
        defaultLicenseProfile={defaultProfile.name}
        canViewLicenses={can(s.actor, 'partners.review')}
        canEditRights={mayChangeRights(s.actor, story?.status ?? 'draft')}
      />,
    );
  }

  /** Re-renders the editor with the user's input when a service rejected it; rethrows anything else. */
  async function formFailure(request: FastifyRequest, reply: FastifyReply, err: unknown, story: Story | null, fields: FormFields | null): Promise<FastifyReply> {
    if (!isFormError(err)) throw err;
    const fresh = story ? await services.stories.get(story.id) : null;
    const hasDetails = !!err.details && Object.keys(err.details).length > 0;
    const values = fields || !fresh ? valuesFromForm(fields ?? {}, fresh) : valuesFromStory(fresh);
    return renderEditor(request, reply, fresh, values, {
      errors: mapErrorFields(err.details),
      message: hasDetails ? `${err.message}.`.replace(/\.\.$/, '.') : err.message,
      status: err.status,
    });
  }

  /** Saves the on-screen form first when it changed, so the action applies to what the editor sees. */
  async function saveIfChanged(actor: Actor, story: Story, fields: FormFields, how: 'version' | 'working-copy'): Promise<void> {
    if (fields.headline === undefined) return; // a bare action form (no editor fields)
    const input = storyInput(fields, story);
    if (!differs(story, input)) return;
    if (how === 'version') await services.stories.save(actor, story.id, input);
    else await services.stories.autosave(actor, story.id, input);
  }

  const editorUrl = (id: string) => `/newsroom/stories/${id}`;

  return {
    async dashboard(_request: FastifyRequest, reply: FastifyReply) {
      return reply.redirect('/newsroom/stories', 303);
    },

    async list(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const status = query(request, 'status');
      const filter: StoriesFilter = {
        status: (STATUSES as readonly string[]).includes(status) ? (status as StoryStatus) : '',
        desk: query(request, 'desk').slice(0, 100),
        q: query(request, 'q').trim().slice(0, 200),
        page: Math.max(1, Math.min(10_000, Number.parseInt(query(request, 'page'), 10) || 1)),
      };
      const ownOnly = !can(s.actor, 'story.edit.any');
      const [{ items, total, totalCapped }, desks] = await Promise.all([
        services.stories.list({
          status: filter.status || undefined,
          deskSlug: filter.desk || undefined,
          q: filter.q || undefined,
          createdBy: ownOnly ? s.user.id : undefined,
          limit: PAGE_SIZE,
          offset: (filter.page - 1) * PAGE_SIZE,
          searchCountCap: SEARCH_COUNT_CAP,
        }),
        services.desks.list(),
      ]);
      return renderPage(
        services,
        request,
        reply,
        { title: ownOnly ? 'My stories' : 'Stories', section: 'stories' },
        <StoriesListPage
          stories={items}
          total={total}
          totalCapped={totalCapped}
          pages={Math.max(1, Math.ceil(total / PAGE_SIZE), totalCapped && items.length === PAGE_SIZE ? filter.page + 1 : 0)}
          filter={filter}
          desks={desks}
          ownOnly={ownOnly}
          canCreate={can(s.actor, 'story.create')}
        />,
      );
    },

    async newForm(request: FastifyRequest, reply: FastifyReply) {
      assertCanDo(staff(request).actor, 'story.create', 'create stories');
      const desks = await services.desks.list();
      const values: EditorValues = {
        headline: '', slug: '', summary: '', dateline: '', desk: desks.length === 1 ? desks[0]!.slug : '', authors: [], tags: '',
        syndication: 'free', licenseProfile: '', embargoAt: '', embargoUtc: null, body: '', scheduleAt: '', scheduleUtc: null, updateNote: '', correctionText: '',
      };
      return renderEditor(request, reply, null, values);
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const fields = formFields(request.body);
      let story: Story;
      try {
        story = await services.stories.create(s.actor, storyInput(fields, null));
      } catch (err) {
        return formFailure(request, reply, err, null, fields);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: 'Draft created.' }, secure);
    },

    async edit(request: FastifyRequest, reply: FastifyReply) {
      const story = await loadStory(staff(request).actor, param(request, 'id'));
      return renderEditor(request, reply, story, valuesFromStory(story));
    },

    async save(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      try {
        await services.stories.save(s.actor, story.id, storyInput(fields, story));
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      // Syndication, license profile, embargo and lead image are part of the version too:
      // partners keep the live terms until the update or correction goes out.
      const text =
        story.status === 'published' ? 'Saved. Readers and partners still see the published version until you publish an update or a correction.' : 'Saved.';
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text }, secure);
    },

    /** JSON from newsroom-editor.js: changes the working copy only (no version, no audit row). */
    async autosave(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const story = await loadStory(s.actor, param(request, 'id'));
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('BAD_REQUEST', 'Send the story fields as a JSON object.');
      const b = body as Record<string, unknown>;
      const input: StoryInput = {};
      for (const key of ['headline', 'summary', 'body', 'dateline', 'desk', 'authors', 'tags', 'syndication', 'embargoUntil'] as const) {
        if (b[key] !== undefined) input[key] = b[key];
      }
      const { savedAt } = await services.stories.autosave(s.actor, story.id, input);
      return reply.header('Cache-Control', 'no-store').send({ savedAt });
    },

    /** JSON from newsroom-editor.js: the body rendered exactly as readers would get it. */
    async preview(request: FastifyRequest, reply: FastifyReply) {
      const body = (request.body as Record<string, unknown> | undefined)?.body;
      if (typeof body !== 'string') throw new AppError('VALIDATION', 'Send { "body": "…Markdown…" }.', { details: { body: ['must be Markdown text'] } });
      if (body.length > MAX_BODY_LENGTH) throw new AppError('VALIDATION', 'The body is too long.', { details: { body: [`must be at most ${MAX_BODY_LENGTH} characters`] } });
      return reply.header('Cache-Control', 'no-store').send({ html: renderMarkdown(body), words: countWords(body) });
    },

    async publish(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.publish', 'publish stories');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      let published: Story;
      try {
        await saveIfChanged(s.actor, story, fields, 'version');
        published = await services.stories.publish(s.actor, story.id);
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      return redirectWithFlash(
        reply,
        editorUrl(story.id),
        { kind: 'success', text: 'Story published —', link: { href: `/stories/${published.slug}`, label: 'view it' } },
        secure,
      );
    },

    async schedule(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.publish', 'schedule stories');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      const at = resolveLocalTime(text(fields, 'scheduleAt'), text(fields, 'scheduleAtIso'));
      let scheduled: Story;
      try {
        if (at === '') throw new AppError('VALIDATION', 'Choose when to publish', { details: { at: ['is required to schedule'] } });
        await saveIfChanged(s.actor, story, fields, 'version');
        scheduled = await services.stories.schedule(s.actor, story.id, at);
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: `Scheduled to publish ${formatUtc(scheduled.scheduledAt!)}.` }, secure);
    },

    async unschedule(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.publish', 'unschedule stories');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      try {
        await saveIfChanged(s.actor, story, fields, 'version');
        await services.stories.unschedule(s.actor, story.id);
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: 'Unscheduled: the story is a draft again.' }, secure);
    },

    /** A public update: the working copy goes live with an editor's note. */
    async update(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.publish', 'publish updates');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      try {
        // The amendment itself records the version, so the edits go to the working copy only.
        await saveIfChanged(s.actor, story, fields, 'working-copy');
        await services.stories.amend(s.actor, story.id, 'update', text(fields, 'updateNote').trim() || DEFAULT_UPDATE_NOTE, undefined);
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: 'Update published —', link: { href: `/stories/${story.slug}`, label: 'view it' } }, secure);
    },

    async correct(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.correct', 'publish corrections');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      try {
        // Check the correction text before touching the working copy.
        if (text(fields, 'correctionText').trim() === '') {
          throw new AppError('VALIDATION', 'Write the correction readers will see', { details: { text: ['is required'] } });
        }
        await saveIfChanged(s.actor, story, fields, 'working-copy');
        await services.stories.amend(s.actor, story.id, 'correction', text(fields, 'correctionText'), undefined);
      } catch (err) {
        return formFailure(request, reply, err, story, fields);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: 'Correction published —', link: { href: `/stories/${story.slug}`, label: 'view it' } }, secure);
    },

    /** Two steps: the first POST shows a confirmation page, the second (confirm=yes) withdraws. */
    async withdraw(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      assertCanDo(s.actor, 'story.withdraw', 'withdraw stories');
      const story = await loadStory(s.actor, param(request, 'id'));
      const fields = formFields(request.body);
      const reason = text(fields, 'withdrawReason').trim();
      if (reason === '' || reason.length > 2000) {
        const msg = reason === '' ? 'is required' : 'must be at most 2000 characters';
        return renderEditor(request, reply, story, valuesFromStory(story), { errors: { withdrawReason: [msg] }, message: 'Give a reason for the withdrawal.', status: 400 });
      }
      if (story.status === 'withdrawn') {
        return renderEditor(request, reply, story, valuesFromStory(story), { message: 'This story is already withdrawn.', status: 409 });
      }
      if (text(fields, 'confirm') !== 'yes') {
        return renderPage(services, request, reply, { title: 'Withdraw story?', section: 'stories' }, <WithdrawConfirmPage story={story} reason={reason} csrf={s.csrfToken} />);
      }
      try {
        await services.stories.withdraw(s.actor, story.id, reason);
      } catch (err) {
        return formFailure(request, reply, err, story, null);
      }
      return redirectWithFlash(reply, editorUrl(story.id), { kind: 'success', text: 'Story withdrawn. Its page now tells readers it was withdrawn.' }, secure);
    },
  };
}
