/** Story history (versions, restore) and "preview as reader". */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { render } from 'preact-render-to-string';
import { AppError } from '../../errors.js';
import { renderDocument } from '../../http/render.js';
import type { Services } from '../../services.js';
import { loadSiteContext } from '../../site/context.js';
import { StoryPage } from '../../site/pages/story.js';
import { renderMarkdown } from '../../stories/markdown.js';
import type { PublicStory } from '../../stories/public.js';
import type { Story } from '../../stories/stories.service.js';
import { can, canEditStory, type Actor } from '../../users/permissions.js';
import { slugify } from '../../util/slug.js';
import { isFormError, param, redirectWithFlash, staff } from '../http.js';
import { renderPage } from '../render.js';
import { VersionPage, VersionsPage } from '../pages/story-versions.js';

function versionNumber(request: FastifyRequest): number {
  const raw = param(request, 'n');
  if (!/^\d{1,9}$/.test(raw)) throw new AppError('NOT_FOUND', 'There is no such version.');
  return Number(raw);
}

function PreviewBanner({ story }: { story: Story }) {
  return (
    <div class="nr-preview-banner" role="note" lang="en">
      <strong>Preview</strong> of the working copy ({story.status}
      {story.hasUnpublishedChanges ? ', with unpublished changes' : ''}). Readers do not see this page.{' '}
      <a href={`/newsroom/stories/${story.id}`}>Back to the editor</a>
    </div>
  );
}

export function versionHandlers(services: Services) {
  const secure = services.config.secureCookies;

  async function loadStory(actor: Actor, id: string): Promise<Story> {
    const story = await services.stories.get(id);
    if (!canEditStory(actor, { created_by: story.createdBy })) {
      throw new AppError('FORBIDDEN', 'Reporters can open only the stories they created. Ask an editor for access.');
    }
    return story;
  }

  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const story = await loadStory(staff(request).actor, param(request, 'id'));
      const history = await services.stories.getWithHistory(story.id);
      return renderPage(services, request, reply, { title: `Versions: ${story.headline}`, section: 'stories' }, <VersionsPage story={history} canSeeRecipients={can(staff(request).actor, 'partners.review')} />);
    },

    async show(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const story = await loadStory(s.actor, param(request, 'id'));
      const n = versionNumber(request);
      const [history, version, authors, desks] = await Promise.all([
        services.stories.getWithHistory(story.id),
        services.stories.getVersion(story.id, n),
        services.authors.list(),
        services.desks.list(),
      ]);
      const byId = new Map(authors.map((a) => [a.id, a.name]));
      const authorNames = (JSON.parse(version.authors_json) as string[]).map((id) => byId.get(id) ?? '(deleted author)');
      const createdBy = history.versions.find((v) => v.version === n)?.createdBy ?? null;
      return renderPage(
        services,
        request,
        reply,
        { title: `Version ${n}: ${story.headline}`, section: 'stories' },
        <VersionPage
          story={history}
          version={version}
          desk={desks.find((d) => d.id === version.desk_id)}
          authorNames={authorNames}
          createdBy={createdBy}
          csrf={s.csrfToken}
          canRestore={story.status !== 'withdrawn'}
        />,
      );
    },

    async restore(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const story = await loadStory(s.actor, param(request, 'id'));
      const n = versionNumber(request);
      try {
        await services.stories.restore(s.actor, story.id, n);
      } catch (err) {
        if (!isFormError(err)) throw err;
        // e.g. the version's desk or an author was deleted since: say so on the editor.
        const detail = err.details ? Object.entries(err.details).map(([k, v]) => `${k} ${v.join('; ')}`).join('. ') : '';
        return redirectWithFlash(reply, `/newsroom/stories/${story.id}/versions/${n}`, { kind: 'error', text: `Could not restore: ${err.message}${detail ? ` (${detail})` : ''}` }, secure);
      }
      const text =
        story.status === 'published'
          ? `Version ${n} restored into the working copy. Readers see no change until you publish an update or a correction.`
          : `Version ${n} restored into the working copy.`;
      return redirectWithFlash(reply, `/newsroom/stories/${story.id}`, { kind: 'success', text }, secure);
    },

    /**
     * The working copy through the public story page component, so the preview cannot drift
     * from what readers will get. The page is marked noindex and carries a banner.
     */
    async readerPreview(request: FastifyRequest, reply: FastifyReply) {
      const story = await loadStory(staff(request).actor, param(request, 'id'));
      const [ctx, allAuthors, notes] = await Promise.all([loadSiteContext(services), services.authors.list(), services.stories.notes(story.id)]);
      const byId = new Map(allAuthors.map((a) => [a.id, a]));
      const publishedAt = story.publishedAt ?? story.scheduledAt ?? new Date().toISOString();
      const publicStory: PublicStory = {
        id: story.id,
        slug: story.slug,
        headline: story.headline,
        summary: story.summary,
        dateline: story.dateline,
        publishedAt,
        updatedAt: story.publicUpdatedAt ?? publishedAt,
        version: story.currentVersion,
        desk: { slug: story.desk.slug, name: story.desk.name },
        authors: story.authors.map((a) => ({ slug: a.slug, name: a.name, title: a.title })),
        tags: story.tags.map((name) => ({ slug: slugify(name, 60), name })),
        leadImage: story.leadImageId ? { id: story.leadImageId, caption: story.leadImageCaption, credit: story.leadImageCredit, alt: story.leadImageCaption } : null,
        bodyHtml: renderMarkdown(story.body),
        wordCount: story.wordCount,
        fullAuthors: story.authors.map((a) => byId.get(a.id)).filter((a) => a !== undefined),
        notes,
        wasUpdated: story.publicUpdatedAt !== null,
      };
      const html = renderDocument(<StoryPage ctx={ctx} story={publicStory} />)
        .replace('</head>', '<meta name="robots" content="noindex, nofollow"/><link rel="stylesheet" href="/assets/newsroom.css"/></head>')
        .replace(/<body([^>]*)>/, (m) => `${m}${render(<PreviewBanner story={story} />)}`);
      return reply.code(200).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
    },
  };
}
