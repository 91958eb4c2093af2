import type { StoryStatus } from '../../db/schema.js';
import type { Desk } from '../../desks/desks.service.js';
import type { Story } from '../../stories/stories.service.js';
import { PageHeader, Pagination, StatusBadge, Time } from './components.js';

export interface StoriesFilter {
  status: StoryStatus | '';
  desk: string;
  q: string;
  page: number;
}

export interface StoriesListProps {
  stories: Story[];
  total: number;
  /** The count stopped at `total` (a headline search): there are more. */
  totalCapped?: boolean;
  pages: number;
  filter: StoriesFilter;
  desks: Desk[];
  /** Reporters see only their own stories; the page says so. */
  ownOnly: boolean;
  canCreate: boolean;
}

const STATUSES: Array<{ value: StoryStatus | ''; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'draft', label: 'Draft' },
  { value: 'scheduled', label: 'Scheduled' },
  { value: 'published', label: 'Published' },
  { value: 'withdrawn', label: 'Withdrawn' },
];

export function storiesHref(filter: StoriesFilter, page: number): string {
  const p = new URLSearchParams();
  if (filter.status) p.set('status', filter.status);
  if (filter.desk) p.set('desk', filter.desk);
  if (filter.q) p.set('q', filter.q);
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return qs ? `/newsroom/stories?${qs}` : '/newsroom/stories';
}

export function StoriesListPage(props: StoriesListProps) {
  const { filter } = props;
  const filtered = filter.status !== '' || filter.desk !== '' || filter.q !== '';
  return (
    <>
      <PageHeader title={props.ownOnly ? 'My stories' : 'Stories'}>
        {props.canCreate && (
          <a class="btn btn-primary" href="/newsroom/stories/new">
            New story
          </a>
        )}
      </PageHeader>
      <form method="get" action="/newsroom/stories" class="filters card" role="search" aria-label="Filter stories">
        <div class="field">
          <label for="filter-q">Headline contains</label>
          <input id="filter-q" name="q" type="search" value={filter.q} maxLength={200} />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" name="status">
            {STATUSES.map((s) => (
              <option value={s.value} selected={s.value === filter.status}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-desk">Desk</label>
          <select id="filter-desk" name="desk">
            <option value="">Any desk</option>
            {props.desks.map((d) => (
              <option value={d.slug} selected={d.slug === filter.desk}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="filter-actions">
          <button type="submit" class="btn btn-secondary">
            Filter
          </button>
          {filtered && <a href="/newsroom/stories">Clear</a>}
        </div>
      </form>
      <p class="result-count" role="status">
        {props.totalCapped ? `More than ${props.total.toLocaleString('en-US')} stories` : props.total === 1 ? '1 story' : `${props.total} stories`}
        {filtered ? ' match' : ''}
        {props.ownOnly ? ' (only stories you created)' : ''}
      </p>
      {props.stories.length === 0 ? (
        <div class="empty card">
          <p>{filtered ? 'No stories match these filters.' : 'No stories yet.'}</p>
          {props.canCreate && !filtered && <a href="/newsroom/stories/new">Write the first one</a>}
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table stories-table">
            <caption class="visually-hidden">Stories, most recently changed first</caption>
            <thead>
              <tr>
                <th scope="col">Headline</th>
                <th scope="col">Status</th>
                <th scope="col">Desk</th>
                <th scope="col">Authors</th>
                <th scope="col">Updated</th>
                <th scope="col">Live version</th>
              </tr>
            </thead>
            <tbody>
              {props.stories.map((s) => (
                <tr>
                  <td class="cell-headline">
                    <a href={`/newsroom/stories/${s.id}`}>{s.headline || '(no headline)'}</a>
                    {s.status === 'scheduled' && s.scheduledAt && (
                      <span class="cell-sub">
                        Publishes <Time iso={s.scheduledAt} />
                      </span>
                    )}
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                    {s.hasUnpublishedChanges && <span class="badge badge-changes">Unpublished changes</span>}
                  </td>
                  <td>{s.desk.name}</td>
                  <td>{s.authors.map((a) => a.name).join(', ')}</td>
                  <td>
                    <Time iso={s.updatedAt} />
                  </td>
                  <td>{s.liveVersion !== null ? `v${s.liveVersion}` : <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={filter.page} pages={props.pages} href={(p) => storiesHref(filter, p)} />
    </>
  );
}
