/** Pieces shared by the reader site's pages: dates, bylines, story cards, pagination. */
import type { PublicStorySummary } from '../stories/public.js';
import { followUrl, LINK_KINDS, type Author, type LinkKind } from '../authors/authors.service.js';
import { humanDateTime, mediaPath, safeHref } from '../site/context.js';

const LINK_LABELS: Record<LinkKind, string> = {
  twitter: 'X (Twitter)',
  bluesky: 'Bluesky',
  mastodon: 'Mastodon',
  website: 'Website',
  email: 'Email',
};

/** Where a reader can follow an author: their profiles, plus the author's own feed here. */
/** `me` marks the links as the author's own profiles (rel="me", which Mastodon uses to verify); only the author's page may say that. */
export function FollowLinks({ author, me = false }: { author: Author; me?: boolean }) {
  const links = LINK_KINDS.flatMap((kind) => {
    const value = author.links[kind];
    const href = value ? safeHref(followUrl(kind, value)) : undefined;
    return href ? [{ kind, href }] : [];
  });
  const labelId = `follow-${author.slug}`;
  return (
    <div class="follow">
      <p class="follow-label" id={labelId}>
        Follow {author.name}
      </p>
      <ul class="follow-links" aria-labelledby={labelId}>
        {links.map(({ kind, href }) => (
          <li>
            <a href={href} rel={kind === 'email' ? undefined : me ? 'me noopener' : 'noopener'}>
              {LINK_LABELS[kind]}
              <span class="visually-hidden"> ({author.name})</span>
            </a>
          </li>
        ))}
        <li>
          <a href={`/author/${author.slug}/feed.xml`}>
            RSS feed<span class="visually-hidden"> of stories by {author.name}</span>
          </a>
        </li>
      </ul>
    </div>
  );
}

export function DateTime({ iso, language }: { iso: string; language: string }) {
  return <time dateTime={iso}>{humanDateTime(iso, language)}</time>;
}

type BylineAuthor = { slug: string; name: string; title?: string };

/** "By Ada Reporter, Environment Reporter, and Ben Writer, Data Editor" with each name linked. */
export function Byline({ authors, titles = false }: { authors: BylineAuthor[]; titles?: boolean }) {
  if (authors.length === 0) return null;
  return (
    <>
      By{' '}
      {authors.map((a, i) => (
        <>
          {i > 0 && (i === authors.length - 1 ? (authors.length > 2 ? ', and ' : ' and ') : ', ')}
          <span class="byline-author">
            <a href={`/author/${a.slug}`}>{a.name}</a>
            {titles && a.title && <span class="byline-title">, {a.title}</span>}
          </span>
        </>
      ))}
    </>
  );
}

export type CardVariant = 'lead' | 'standard' | 'compact';

export function StoryCard({
  story,
  language,
  variant = 'standard',
  level = 3,
  showDesk = true,
}: {
  story: PublicStorySummary;
  language: string;
  variant?: CardVariant;
  level?: 2 | 3;
  showDesk?: boolean;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const showImage = story.leadImage && variant !== 'compact';
  return (
    <article class={`story-card story-card--${variant}${showImage ? ' has-image' : ''}`}>
      {showImage && (
        // Decorative here: the headline link names the story; the story page gives the image its alt text.
        <img class="card-image" src={mediaPath(story.leadImage!.id)} alt="" loading={variant === 'lead' ? undefined : 'lazy'} />
      )}
      <div class="card-text">
        {showDesk && (
          <p class="card-desk">
            <a href={`/desk/${story.desk.slug}`}>{story.desk.name}</a>
          </p>
        )}
        <Heading class="card-headline">
          <a href={`/stories/${story.slug}`}>{story.headline}</a>
        </Heading>
        {story.summary && variant !== 'compact' && <p class="card-summary">{story.summary}</p>}
        <p class="card-meta">
          {story.authors.length > 0 && (
            <span class="card-byline">
              <Byline authors={story.authors} />
            </span>
          )}
          <DateTime iso={story.publishedAt} language={language} />
        </p>
      </div>
    </article>
  );
}

export function Pagination({
  page,
  totalPages,
  pathFor,
  labels = { prev: 'Newer stories', next: 'Older stories' },
}: {
  page: number;
  totalPages: number;
  pathFor: (page: number) => string;
  labels?: { prev: string; next: string };
}) {
  if (totalPages <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pagination">
      {page > 1 ? (
        <a href={pathFor(page - 1)} rel="prev">
          <span aria-hidden="true">← </span>
          {labels.prev}
        </a>
      ) : (
        <span />
      )}
      <span class="page-count">
        Page {page} of {totalPages}
      </span>
      {page < totalPages ? (
        <a href={pathFor(page + 1)} rel="next">
          {labels.next}
          <span aria-hidden="true"> →</span>
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** Subscribe links for a desk's or an author's own feeds. */
export function FeedLinks({ base, label }: { base: string; label: string }) {
  return (
    <p class="feed-links">
      <span class="feed-links-label">Follow {label}:</span> <a href={`${base}/feed.xml`}>RSS</a>
      <span aria-hidden="true"> · </span>
      <a href={`${base}/atom.xml`}>Atom</a>
      <span aria-hidden="true"> · </span>
      <a href={`${base}/feed.json`}>JSON Feed</a>
    </p>
  );
}

/** A paginated list of story cards with its heading, or a note when there is nothing yet. */
export function StoryListing({
  stories,
  language,
  heading,
  page,
  pages,
  pathFor,
  showDesk = true,
  empty,
}: {
  stories: PublicStorySummary[];
  language: string;
  heading: string;
  page: number;
  pages: number;
  pathFor: (page: number) => string;
  showDesk?: boolean;
  empty: string;
}) {
  return (
    <section class="listing" aria-labelledby="listing-heading">
      <h2 id="listing-heading" class="section-label">
        {page > 1 ? `${heading}, page ${page}` : heading}
      </h2>
      {stories.length === 0 ? (
        <p class="empty">{empty}</p>
      ) : (
        <ul class="story-list">
          {stories.map((s) => (
            <li>
              <StoryCard story={s} language={language} showDesk={showDesk} />
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} totalPages={pages} pathFor={pathFor} />
    </section>
  );
}
