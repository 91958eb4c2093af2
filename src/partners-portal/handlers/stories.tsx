/** The stories list and each story's Republish page. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { param, query } from '../../newsroom/http.js';
import { formatUtc } from '../../newsroom/pages/components.js';
import { notAvailable } from '../../syndication/access.js';
import { authorNames, buildPartnerCopy } from '../../syndication/partner-copy.js';
import { imageKindOf, storyAccess } from '../../syndication/access.js';
import { RepublishPage } from '../pages/republish.js';
import type { Services } from '../../services.js';
import { MAX_QUERY_LENGTH } from '../../search/search.js';
import { partnerSession } from '../auth.js';
import { partnerCatalog } from '../catalog.js';
import { StoriesPage } from '../pages/stories.js';
import { renderPortalPage } from '../render.js';

const STORY_ID = /^[0-9A-Za-z-]{1,64}$/;

/** Deep pages only come from hand-made URLs; the walk behind them is bounded anyway. */
const MAX_PAGE = 100;

export function storyHandlers(services: Services) {
  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const rawPage = query(request, 'page');
      if (rawPage !== '' && !/^[1-9]\d{0,2}$/.test(rawPage)) throw new AppError('BAD_REQUEST', 'The page must be a whole number from 1.');
      const page = rawPage === '' ? 1 : Number(rawPage);
      if (page > MAX_PAGE) throw new AppError('BAD_REQUEST', `Pages go up to ${MAX_PAGE}; narrow the list with a search or a desk instead.`);
      const q = query(request, 'q').replace(/\u0000/g, '').trim();
      if (q.length > MAX_QUERY_LENGTH) throw new AppError('BAD_REQUEST', `The search may be at most ${MAX_QUERY_LENGTH} characters.`);
      const desk = query(request, 'desk').trim();
      if (desk.length > 120) throw new AppError('BAD_REQUEST', 'There is no such desk.');
      const following = query(request, 'following') === '1';
      const [desks, follows] = await Promise.all([services.desks.list(), services.partnerAccounts.follows(s.partner.id)]);
      if (desk !== '' && !desks.some((d) => d.slug === desk)) throw new AppError('BAD_REQUEST', 'There is no such desk; choose one from the list.');
      const result = await partnerCatalog(services, s.partner, { page, deskSlug: desk || undefined, q: q || undefined, following: following ? follows : undefined });
      return renderPortalPage(
        services,
        request,
        reply,
        { title: 'Stories to republish', section: 'stories' },
        <StoriesPage
          items={result.items}
          upcoming={result.upcoming}
          page={page}
          hasMore={result.hasMore}
          truncated={result.truncated}
          desks={desks}
          desk={desk}
          q={q}
          following={following}
          followCount={follows.length}
        />,
      );
    },

    async republish(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      if (!STORY_ID.test(id)) throw notAvailable();
      const grants = await services.partnerAccess.grants(s.partner);
      const found = await services.partnerAccess.story(grants, id);
      // A cancellation because a license ended is, here, a story the partner may no longer use.
      const entry = found?.endedLicense ? undefined : found;
      if (!entry) {
        // Not for this partner now. A story it gets later says when; anything else is simply absent.
        const row = await services.database.db.selectFrom('stories').select(['id', 'published_at', 'status']).where('id', '=', id).executeTakeFirst();
        if (row?.status === 'published' && row.published_at) {
          const now = services.partnerAccess.now();
          const later = (await storyAccess({ db: services.database.db, licenseProfiles: services.licenseProfiles }, grants, [{ id: row.id, publishedAt: row.published_at }], now)).get(row.id);
          if (later?.availableFrom && !later.allowed && later.availableFrom > now.toISOString()) {
            throw new AppError('FORBIDDEN', `This story is not available to you yet: you may republish it from ${formatUtc(later.availableFrom)}.`);
          }
        }
        const idle = await services.partnerAccess.licenseOutOfForce(grants, id);
        if (idle) throw new AppError('FORBIDDEN', `Your license ${idle.reference} covered this story, but it is not in force now${idle.endsAt && idle.endsAt <= services.partnerAccess.now().toISOString() ? ` (it ended on ${formatUtc(idle.endsAt)})` : ''}.`);
        throw notAvailable();
      }
      if (entry.pubstatus === 'canceled') {
        throw new AppError(
          'GONE',
          `This story was withdrawn${entry.withdrawnAt ? ` on ${formatUtc(entry.withdrawnAt)}` : ''}${entry.withdrawnReason ? `: ${entry.withdrawnReason}` : ''}. Do not republish it; if you already did, take it down.`,
        );
      }
      if (entry.pubstatus === 'withheld') {
        throw new AppError('FORBIDDEN', `This story is under embargo${entry.embargoUntil ? ` until ${formatUtc(entry.embargoUntil)}` : ''}; you may republish it after that.`);
      }
      const lookup = await services.publicStories.bySlug(entry.slug);
      if (lookup.kind !== 'live') throw notAvailable();
      const story = lookup.story;
      const [copy, settings] = await Promise.all([buildPartnerCopy(services, story, { id: s.partner.id, kind: imageKindOf(entry) }, entry.profile, services.partnerAccess.now()), services.settings.get()]);
      const terms = services.licenseProfiles.describe(entry.profile, {
        site: settings.siteName,
        url: copy.canonicalUrl,
        authors: authorNames(story.authors.map((a) => a.name)),
        headline: story.headline,
      });
      return renderPortalPage(
        services,
        request,
        reply,
        { title: `Republish: ${story.headline}`, section: 'stories', scripts: ['/assets/portal-copy.js'] },
        <RepublishPage story={story} copy={copy} terms={terms} bodyImagesExcluded={!entry.profile.imagesIncluded} searchEngines={entry.profile.searchEngines} />,
      );
    },
  };
}
