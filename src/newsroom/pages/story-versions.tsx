import type { Desk } from '../../desks/desks.service.js';
import type { StoryVersionRow } from '../../db/schema.js';
import type { StoryWithHistory } from '../../stories/stories.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { RawHtml } from '../../views/raw-html.js';
import { StatusBadge, Time } from './components.js';

const KIND_LABELS: Record<string, string> = {
  create: 'Created',
  save: 'Saved',
  publish: 'Published',
  update: 'Public update',
  correction: 'Correction',
  withdraw: 'Withdrawn',
  restore: 'Restored',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

function StoryCrumbs({ story }: { story: { id: string; headline: string } }) {
  return (
    <p class="breadcrumbs">
      <a href="/newsroom/stories">Stories</a> / <a href={`/newsroom/stories/${story.id}`}>{story.headline || '(no headline)'}</a> /
    </p>
  );
}

export function VersionsPage({ story, canSeeRecipients = false }: { story: StoryWithHistory; canSeeRecipients?: boolean }) {
  return (
    <>
      <div class="page-header">
        <div>
          <StoryCrumbs story={story} />
          <h1>Versions</h1>
          <p class="story-meta">
            <StatusBadge status={story.status} />
            <span>{story.liveVersion !== null ? `Readers see version ${story.liveVersion}` : 'Not live'}</span>
          </p>
        </div>
      </div>
      {canSeeRecipients && story.publishedAt && (
        <p>
          <a href={`/newsroom/stories/${story.id}/recipients`}>Partners who had this story</a>: what reached them, notices and acknowledgements, re-send.
        </p>
      )}
      <p class="hint">Every explicit save and every public change is kept. Autosaves change only the working copy and are not listed.</p>
      <div class="table-wrap">
        <table class="table">
          <caption class="visually-hidden">Versions of this story, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Kind</th>
              <th scope="col">Headline</th>
              <th scope="col">Note</th>
              <th scope="col">Words</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {story.versions.map((v) => (
              <tr class={v.live ? 'row-live' : undefined}>
                <td>
                  <a href={`/newsroom/stories/${story.id}/versions/${v.version}`}>Version {v.version}</a>
                  {v.live && <span class="badge badge-live">Live</span>}
                </td>
                <td>{kindLabel(v.kind)}</td>
                <td>{v.headline}</td>
                <td>{v.note ?? <span class="muted">—</span>}</td>
                <td>{v.wordCount}</td>
                <td>{v.createdBy ?? <span class="muted">system</span>}</td>
                <td>
                  <Time iso={v.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export interface VersionPageProps {
  story: StoryWithHistory;
  version: StoryVersionRow;
  desk: Desk | undefined;
  authorNames: string[];
  createdBy: string | null;
  csrf: string;
  canRestore: boolean;
}

export function VersionPage({ story, version: v, desk, authorNames, createdBy, csrf, canRestore }: VersionPageProps) {
  const tags = JSON.parse(v.tags_json) as string[];
  const live = story.liveVersion === v.version;
  return (
    <>
      <div class="page-header">
        <div>
          <StoryCrumbs story={story} />
          <h1>
            Version {v.version} {live && <span class="badge badge-live">Live</span>}
          </h1>
          <p class="story-meta">
            <span>{kindLabel(v.kind)}</span>
            <span>
              <Time iso={v.created_at} />
            </span>
            <span>by {createdBy ?? 'system'}</span>
          </p>
        </div>
        <div class="page-actions">
          <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}/versions`}>
            All versions
          </a>
          {canRestore && (
            <form method="post" action={`/newsroom/stories/${story.id}/versions/${v.version}/restore`} class="inline-form">
              <CsrfField token={csrf} />
              <button type="submit" class="btn btn-primary">
                Restore into working copy
              </button>
            </form>
          )}
        </div>
      </div>
      {canRestore && (
        <p class="hint">Restoring copies this version into the working copy as a new version. Readers see no change until it is published.</p>
      )}
      {v.note && (
        <div class="notice" role="note">
          <strong>{kindLabel(v.kind)} note:</strong> {v.note}
        </div>
      )}
      <dl class="kv card">
        <dt>Headline</dt>
        <dd>{v.headline}</dd>
        <dt>Summary</dt>
        <dd>{v.summary || <span class="muted">—</span>}</dd>
        <dt>Dateline</dt>
        <dd>{v.dateline || <span class="muted">—</span>}</dd>
        <dt>Desk</dt>
        <dd>{desk?.name ?? <span class="muted">(deleted desk)</span>}</dd>
        <dt>Authors</dt>
        <dd>{authorNames.join(', ') || <span class="muted">—</span>}</dd>
        <dt>Tags</dt>
        <dd>{tags.join(', ') || <span class="muted">—</span>}</dd>
        <dt>Words</dt>
        <dd>{v.word_count}</dd>
      </dl>
      <section class="card" aria-labelledby="version-body">
        <h2 id="version-body">Text</h2>
        <div class="prose">
          <RawHtml html={v.body_html} />
        </div>
        <details class="source">
          <summary>Markdown source</summary>
          <pre>{v.body_md}</pre>
        </details>
      </section>
    </>
  );
}
