/** The stories a partner may republish now, with filters, and those coming later. */
import type { Desk } from '../../desks/desks.service.js';
import type { CatalogEntry } from '../catalog.js';
import { LocalTime, PageHead } from './parts.js';

export interface StoriesPageProps {
  items: CatalogEntry[];
  upcoming: CatalogEntry[];
  page: number;
  hasMore: boolean;
  truncated: boolean;
  desks: Desk[];
  desk: string;
  q: string;
  following: boolean;
  followCount: number;
}

function storiesHref(p: { desk: string; q: string; following: boolean }, page: number): string {
  const params = new URLSearchParams();
  if (p.q) params.set('q', p.q);
  if (p.desk) params.set('desk', p.desk);
  if (p.following) params.set('following', '1');
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return s ? `/partners/stories?${s}` : '/partners/stories';
}

function Byline({ entry }: { entry: CatalogEntry }) {
  const names = entry.story.authors.map((a) => a.name);
  return (
    <p class="pp-story-meta">
      <span class="pp-desk">{entry.story.desk.name}</span>
      {names.length > 0 && <span> · By {names.join(', ')}</span>}
      <span>
        {' '}
        · Published <LocalTime iso={entry.story.publishedAt} />
      </span>
      {entry.story.updatedAt !== entry.story.publishedAt && (
        <span>
          {' '}
          · Updated <LocalTime iso={entry.story.updatedAt} />
        </span>
      )}
    </p>
  );
}

function Notes({ entry }: { entry: CatalogEntry }) {
  const p = entry.access.profile;
  const notes: string[] = [];
  if (!p.imagesIncluded && entry.story.leadImage) notes.push('Text only: images may not be republished');
  if (p.noAds) notes.push('No ads against it');
  if (p.audience === 'licensees') notes.push('Licensees only');
  if (p.ccLicenseUrl) notes.push('Creative Commons');
  if (notes.length === 0) return null;
  return (
    <ul class="pp-tags" aria-label="Terms to note">
      {notes.map((n) => (
        <li>{n}</li>
      ))}
    </ul>
  );
}

export function StoriesPage(p: StoriesPageProps) {
  const filtered = p.q !== '' || p.desk !== '' || p.following;
  return (
    <>
      <PageHead title="Stories to republish" lede="Every story your outlet may republish now. Open one for the ready-to-paste HTML, the credit line and its terms." />

      <form method="get" action="/partners/stories" class="pp-filters" role="search" aria-label="Filter stories">
        <div class="pp-filter">
          <label for="filter-q">Search</label>
          <input id="filter-q" type="search" name="q" value={p.q} maxLength={200} />
        </div>
        <div class="pp-filter">
          <label for="filter-desk">Desk</label>
          <select id="filter-desk" name="desk">
            <option value="" selected={p.desk === ''}>
              All desks
            </option>
            {p.desks.map((d) => (
              <option value={d.slug} selected={d.slug === p.desk}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <label class="pp-check pp-filter-check" for="filter-following">
          <input id="filter-following" type="checkbox" name="following" value="1" checked={p.following} />
          <span>Only what I follow</span>
        </label>
        <div class="pp-filter-actions">
          <button type="submit" class="pp-btn pp-btn-secondary">
            Apply
          </button>
          {filtered && <a href="/partners/stories">Clear filters</a>}
        </div>
      </form>

      {p.following && p.followCount === 0 && (
        <p class="pp-notice">
          You do not follow anything yet. <a href="/partners/follows">Choose desks, tags or searches to follow</a>.
        </p>
      )}

      {p.upcoming.length > 0 && (
        <section class="pp-section" aria-labelledby="upcoming-title">
          <h2 id="upcoming-title" class="pp-section-title">
            Coming to you later
          </h2>
          <p class="pp-muted">Licensees have these now; free partners may republish them from the time shown.</p>
          <ul class="pp-story-list">
            {p.upcoming.map((e) => (
              <li class="pp-story pp-story-upcoming">
                <div class="pp-story-body">
                  <h3 class="pp-story-title">{e.story.headline}</h3>
                  <Byline entry={e} />
                </div>
                <p class="pp-story-action pp-available-from">
                  Available from <LocalTime iso={e.access.availableFrom} />
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section class="pp-section" aria-labelledby="available-title">
        <h2 id="available-title" class="pp-section-title">
          Available now{p.page > 1 ? ` — page ${p.page}` : ''}
        </h2>
        {p.items.length === 0 ? (
          <p class="pp-empty">{filtered ? 'No story available to you matches these filters.' : 'No stories are available to you right now.'}</p>
        ) : (
          <ul class="pp-story-list">
            {p.items.map((e) => (
              <li class="pp-story">
                <div class="pp-story-body">
                  <h3 class="pp-story-title">{e.story.headline}</h3>
                  <Byline entry={e} />
                  {e.story.summary && <p class="pp-story-summary">{e.story.summary}</p>}
                  <Notes entry={e} />
                </div>
                <p class="pp-story-action">
                  <a class="pp-btn pp-btn-primary" href={`/partners/stories/${encodeURIComponent(e.story.id)}/republish`} aria-label={`Republish “${e.story.headline}”`}>
                    Republish
                  </a>
                </p>
              </li>
            ))}
          </ul>
        )}
        {p.truncated && <p class="pp-muted">Only recent stories are listed here; use the content API or your feed for older ones.</p>}
        {(p.page > 1 || p.hasMore) && (
          <nav class="pp-pager" aria-label="Pages">
            {p.page > 1 ? (
              <a href={storiesHref(p, p.page - 1)} rel="prev">
                ← Newer
              </a>
            ) : (
              <span />
            )}
            <span>Page {p.page}</span>
            {p.hasMore ? (
              <a href={storiesHref(p, p.page + 1)} rel="next">
                Older →
              </a>
            ) : (
              <span />
            )}
          </nav>
        )}
      </section>
    </>
  );
}
