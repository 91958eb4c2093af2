/** `/desk/:slug`: one desk's stories, newest first, 20 a page. */
import type { Services } from '../../services.js';
import type { Desk } from '../../desks/desks.service.js';
import type { PublicStorySummary } from '../../stories/public.js';
import { AppError } from '../../errors.js';
import { renderDocument } from '../../http/render.js';
import { isSlug } from '../../util/slug.js';
import { SiteLayout } from '../../views/site-layout.js';
import { FeedLinks, StoryListing } from '../../views/site-components.js';
import { loadSiteContext, type SiteContext } from '../context.js';
import { PAGE_SIZE, assertPageExists, offsetOf, pagePath, totalPages } from '../paging.js';

export async function findDesk(services: Services, slug: string): Promise<Desk> {
  const desk = isSlug(slug) ? await services.desks.getBySlug(slug) : undefined;
  if (!desk) throw new AppError('NOT_FOUND', 'There is no such desk.');
  return desk;
}

export async function renderDesk(services: Services, slug: string, page: number): Promise<string> {
  const desk = await findDesk(services, slug);
  const ctx = await loadSiteContext(services);
  const list = await services.publicStories.latest(PAGE_SIZE, offsetOf(page), { deskId: desk.id });
  assertPageExists(page, list.total);
  return renderDocument(<DeskPage ctx={ctx} desk={desk} page={page} pages={totalPages(list.total)} stories={list.items} />);
}

function DeskPage({ ctx, desk, page, pages, stories }: { ctx: SiteContext; desk: Desk; page: number; pages: number; stories: PublicStorySummary[] }) {
  const base = `/desk/${desk.slug}`;
  return (
    <SiteLayout
      ctx={ctx}
      title={page > 1 ? `${desk.name}, page ${page}` : desk.name}
      description={desk.description || `Stories from the ${desk.name} desk of ${ctx.settings.siteName}`}
      path={pagePath(base, page)}
      prevPath={page > 1 ? pagePath(base, page - 1) : undefined}
      nextPath={page < pages ? pagePath(base, page + 1) : undefined}
      feeds={[{ title: `${ctx.settings.siteName}: ${desk.name}`, base }]}
      currentDesk={desk.slug}
    >
      <div class="container">
        <header class="page-header">
          <h1>{desk.name}</h1>
          {desk.description && <p class="page-intro">{desk.description}</p>}
          <FeedLinks base={base} label={desk.name} />
        </header>
        <StoryListing
          stories={stories}
          language={ctx.settings.language}
          heading={`Latest from ${desk.name}`}
          page={page}
          pages={pages}
          pathFor={(n) => pagePath(base, n)}
          showDesk={false}
          empty="This desk has not published any stories yet."
        />
      </div>
    </SiteLayout>
  );
}
