/** `/`: the lead story, the latest list (paginated) and, on the first page, a section per desk. */
import type { Services } from '../../services.js';
import type { PublicStorySummary } from '../../stories/public.js';
import type { Desk } from '../../desks/desks.service.js';
import { renderDocument } from '../../http/render.js';
import { SiteLayout } from '../../views/site-layout.js';
import { Pagination, StoryCard } from '../../views/site-components.js';
import { loadSiteContext, type SiteContext } from '../context.js';
import { PAGE_SIZE, assertPageExists, offsetOf, pagePath, totalPages } from '../paging.js';

const DESK_SECTION_SIZE = 4;
const SECONDARY_COUNT = 4;

interface DeskSection {
  desk: Desk;
  stories: PublicStorySummary[];
}

export async function renderHome(services: Services, page: number): Promise<string> {
  const ctx = await loadSiteContext(services);
  const latest = await services.publicStories.latest(PAGE_SIZE, offsetOf(page));
  assertPageExists(page, latest.total);
  const sections: DeskSection[] = [];
  if (page === 1) {
    for (const desk of ctx.desks) {
      const items = await services.publicStories.newestOfDesk(desk.id, DESK_SECTION_SIZE);
      if (items.length > 0) sections.push({ desk, stories: items });
    }
  }
  return renderDocument(<HomePage ctx={ctx} page={page} pages={totalPages(latest.total)} stories={latest.items} sections={sections} />);
}

function HomePage({ ctx, page, pages, stories, sections }: { ctx: SiteContext; page: number; pages: number; stories: PublicStorySummary[]; sections: DeskSection[] }) {
  const { settings } = ctx;
  const lang = settings.language;
  const path = pagePath('/', page);
  // Page 1 opens with the lead story and a few more with pictures; the rest (and every later page) is a compact list.
  const lead = page === 1 ? stories[0] : undefined;
  const secondary = page === 1 ? stories.slice(1, 1 + SECONDARY_COUNT) : [];
  const rest = page === 1 ? stories.slice(1 + SECONDARY_COUNT) : stories;
  return (
    <SiteLayout
      ctx={ctx}
      title={page === 1 ? settings.siteName : `Latest stories, page ${page}`}
      description={settings.tagline || `Latest stories from ${settings.siteName}`}
      path={path}
      prevPath={page > 1 ? pagePath('/', page - 1) : undefined}
      nextPath={page < pages ? pagePath('/', page + 1) : undefined}
      bodyClass="page-home"
    >
      <div class="container">
        <h1 class="visually-hidden">{page === 1 ? `${settings.siteName}: latest stories` : `Latest stories, page ${page}`}</h1>
        {stories.length === 0 && <p class="empty">No stories have been published yet.</p>}
        {stories.length > 0 && (
          <div class={lead && rest.length > 0 ? 'front' : 'front front--single'}>
            {lead && (
              <section class="front-lead" aria-labelledby="lead-heading">
                <h2 id="lead-heading" class="section-label">
                  Top stories
                </h2>
                <StoryCard story={lead} language={lang} variant="lead" />
                {secondary.length > 0 && (
                  <ul class="card-grid card-grid--secondary">
                    {secondary.map((s) => (
                      <li>
                        <StoryCard story={s} language={lang} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            )}
            {rest.length > 0 && (
              <section class="front-latest" aria-labelledby="latest-heading">
                <h2 id="latest-heading" class="section-label">
                  {page === 1 ? 'Latest' : `Latest stories, page ${page}`}
                </h2>
                <ul class="story-list story-list--compact">
                  {rest.map((s) => (
                    <li>
                      <StoryCard story={s} language={lang} variant={page === 1 ? 'compact' : 'standard'} />
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
        )}
        <Pagination page={page} totalPages={pages} pathFor={(n) => pagePath('/', n)} />
        {sections.map(({ desk, stories: deskStories }) => (
          <section class="desk-section" aria-labelledby={`desk-${desk.slug}`}>
            <div class="desk-section-head">
              <h2 id={`desk-${desk.slug}`}>{desk.name}</h2>
              <a class="more-link" href={`/desk/${desk.slug}`}>
                More from {desk.name}
              </a>
            </div>
            <ul class="card-grid">
              {deskStories.map((s) => (
                <li>
                  <StoryCard story={s} language={lang} showDesk={false} />
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </SiteLayout>
  );
}
