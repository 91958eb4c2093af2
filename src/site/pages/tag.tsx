/** `/tag/:slug`: stories with one tag, newest first, 20 a page. */
import type { Services } from '../../services.js';
import type { PublicStorySummary } from '../../stories/public.js';
import { AppError } from '../../errors.js';
import { renderDocument } from '../../http/render.js';
import { isSlug } from '../../util/slug.js';
import { SiteLayout } from '../../views/site-layout.js';
import { StoryListing } from '../../views/site-components.js';
import { loadSiteContext, type SiteContext } from '../context.js';
import { PAGE_SIZE, assertPageExists, offsetOf, pagePath, totalPages } from '../paging.js';

type Tag = { id: string; slug: string; name: string };

export async function renderTag(services: Services, slug: string, page: number): Promise<string> {
  const tag = isSlug(slug) ? await services.publicStories.tagBySlug(slug) : undefined;
  if (!tag) throw new AppError('NOT_FOUND', 'There is no such topic.');
  const ctx = await loadSiteContext(services);
  const list = await services.publicStories.latest(PAGE_SIZE, offsetOf(page), { tagId: tag.id });
  assertPageExists(page, list.total);
  return renderDocument(<TagPage ctx={ctx} tag={tag} page={page} pages={totalPages(list.total)} stories={list.items} />);
}

function TagPage({ ctx, tag, page, pages, stories }: { ctx: SiteContext; tag: Tag; page: number; pages: number; stories: PublicStorySummary[] }) {
  const base = `/tag/${tag.slug}`;
  return (
    <SiteLayout
      ctx={ctx}
      title={page > 1 ? `${tag.name}, page ${page}` : tag.name}
      description={`Stories about ${tag.name} from ${ctx.settings.siteName}`}
      path={pagePath(base, page)}
      prevPath={page > 1 ? pagePath(base, page - 1) : undefined}
      nextPath={page < pages ? pagePath(base, page + 1) : undefined}
    >
      <div class="container">
        <header class="page-header">
          <p class="page-kicker">Topic</p>
          <h1>{tag.name}</h1>
        </header>
        <StoryListing
          stories={stories}
          language={ctx.settings.language}
          heading={`Stories about ${tag.name}`}
          page={page}
          pages={pages}
          pathFor={(n) => pagePath(base, n)}
          empty="There are no published stories on this topic right now."
        />
      </div>
    </SiteLayout>
  );
}
