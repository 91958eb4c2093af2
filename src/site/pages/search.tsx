/**
 * `/search?q=&page=`: full-text search over live stories. The search index turns any text into
 * a safe query, so hostile input just finds nothing.
 */
import type { Services } from '../../services.js';
import type { PublicStorySummary } from '../../stories/public.js';
import { MAX_QUERY_LENGTH } from '../../search/search.js';
import { renderDocument } from '../../http/render.js';
import { SiteLayout } from '../../views/site-layout.js';
import { Pagination, StoryCard } from '../../views/site-components.js';
import { loadSiteContext, type SiteContext } from '../context.js';
import { PAGE_SIZE, offsetOf, totalPages } from '../paging.js';

/**
 * The query as searched and shown: control characters (NUL included) removed, whitespace
 * collapsed, at most 200 characters (cut on a code point, never inside a surrogate pair).
 */
export function normaliseQuery(raw: string | undefined): string {
  if (!raw) return '';
  // eslint-disable-next-line no-control-regex
  const clean = raw.slice(0, MAX_QUERY_LENGTH * 4).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  return Array.from(clean).slice(0, MAX_QUERY_LENGTH).join('').trim();
}

export function searchPath(q: string, page: number): string {
  if (!q) return '/search';
  const params = new URLSearchParams({ q });
  if (page > 1) params.set('page', String(page));
  return `/search?${params.toString()}`;
}

export async function renderSearch(services: Services, q: string, page: number): Promise<string> {
  const ctx = await loadSiteContext(services);
  const results = q ? await services.publicStories.searchStories(q, PAGE_SIZE, offsetOf(page)) : { items: [], total: 0 };
  return renderDocument(<SearchPage ctx={ctx} q={q} page={page} total={results.total} more={results.more ?? false} ranked={results.ranked ?? false} stories={results.items} />);
}

/** What the count line says: exact, or (for a broad search, whose matches are not all counted) a lower bound and the order used. */
function countText(total: number, more: boolean, ranked: boolean): string {
  if (total === 0) return 'No stories matched your search.';
  if (more) return `More than ${total.toLocaleString('en-US')} stories found, newest first. Add words to narrow your search.`;
  const found = total === 1 ? '1 story found.' : `${total.toLocaleString('en-US')} stories found.`;
  return total > 1 && !ranked ? `${found} Newest first.` : found;
}

function SearchPage({ ctx, q, page, total, more, ranked, stories }: { ctx: SiteContext; q: string; page: number; total: number; more: boolean; ranked: boolean; stories: PublicStorySummary[] }) {
  const pages = totalPages(total);
  const lang = ctx.settings.language;
  return (
    <SiteLayout
      ctx={ctx}
      title={q ? `Search results for “${q}”` : 'Search'}
      description={`Search every story published by ${ctx.settings.siteName}.`}
      path={searchPath(q, page)}
      // Result pages are endless and thin: keep them out of search engines, but let links be followed.
      robots="noindex, follow"
      query={q}
    >
      <div class="container-narrow search-page">
        <h1>{q ? `Search results for “${q}”` : 'Search our stories'}</h1>
        <form class="search-form" role="search" aria-label="Search the archive" action="/search" method="get">
          <label for="search-q">Words to look for</label>
          <div class="search-row">
            <input id="search-q" type="search" name="q" value={q} maxLength={MAX_QUERY_LENGTH} />
            <button type="submit">Search</button>
          </div>
        </form>
        {q && (
          <p class="result-count" role="status">
            {countText(total, more, ranked)}
            {total > 0 && stories.length === 0 && ' There are no more results on this page.'}
          </p>
        )}
        {stories.length > 0 && (
          <ol class="story-list search-results" start={offsetOf(page) + 1}>
            {stories.map((s) => (
              <li>
                <StoryCard story={s} language={lang} level={2} />
              </li>
            ))}
          </ol>
        )}
        {page <= pages && <Pagination page={page} totalPages={pages} pathFor={(n) => searchPath(q, n)} labels={{ prev: 'Previous results', next: 'More results' }} />}
      </div>
    </SiteLayout>
  );
}
