/** `/author/:slug`: who the reporter is, how to follow or tip them, and their stories. */
import type { Services } from '../../services.js';
import type { Author } from '../../authors/authors.service.js';
import type { PublicStorySummary } from '../../stories/public.js';
import { AppError } from '../../errors.js';
import { renderDocument } from '../../http/render.js';
import { isSlug } from '../../util/slug.js';
import { JsonLd } from '../../views/raw-html.js';
import { SiteLayout } from '../../views/site-layout.js';
import { FollowLinks, StoryListing } from '../../views/site-components.js';
import { absoluteUrl, loadSiteContext, mediaPath, safeHref, type SiteContext } from '../context.js';
import { followUrl, LINK_KINDS } from '../../authors/authors.service.js';
import { PAGE_SIZE, assertPageExists, offsetOf, pagePath, totalPages } from '../paging.js';

export async function findAuthor(services: Services, slug: string): Promise<Author> {
  const author = isSlug(slug) ? await services.authors.getBySlug(slug) : undefined;
  if (!author) throw new AppError('NOT_FOUND', 'There is no such author.');
  return author;
}

export async function renderAuthor(services: Services, slug: string, page: number): Promise<string> {
  const author = await findAuthor(services, slug);
  const ctx = await loadSiteContext(services);
  const list = await services.publicStories.latest(PAGE_SIZE, offsetOf(page), { authorId: author.id });
  assertPageExists(page, list.total);
  return renderDocument(<AuthorPage ctx={ctx} author={author} page={page} pages={totalPages(list.total)} stories={list.items} />);
}

function AuthorPage({ ctx, author, page, pages, stories }: { ctx: SiteContext; author: Author; page: number; pages: number; stories: PublicStorySummary[] }) {
  const base = `/author/${author.slug}`;
  const sameAs = LINK_KINDS.flatMap((k) => {
    const v = author.links[k];
    const href = v && k !== 'email' ? safeHref(followUrl(k, v)) : undefined;
    return href ? [href] : [];
  });
  return (
    <SiteLayout
      ctx={ctx}
      title={page > 1 ? `${author.name}, page ${page}` : author.name}
      description={author.bio ? author.bio.slice(0, 300) : `${author.name}, ${author.title} at ${ctx.settings.siteName}`}
      path={pagePath(base, page)}
      prevPath={page > 1 ? pagePath(base, page - 1) : undefined}
      nextPath={page < pages ? pagePath(base, page + 1) : undefined}
      feeds={[{ title: `${ctx.settings.siteName}: ${author.name}`, base }]}
      head={
        <>
          <meta property="og:type" content="profile" />
          <meta property="og:title" content={author.name} />
          <meta property="og:url" content={absoluteUrl(ctx, base)} />
          <meta property="og:site_name" content={ctx.settings.siteName} />
          <JsonLd
            data={{
              '@context': 'https://schema.org',
              '@type': 'ProfilePage',
              url: absoluteUrl(ctx, base),
              mainEntity: {
                '@type': 'Person',
                name: author.name,
                jobTitle: author.title,
                url: absoluteUrl(ctx, base),
                ...(author.bio ? { description: author.bio } : {}),
                ...(author.photoMediaId ? { image: absoluteUrl(ctx, mediaPath(author.photoMediaId)) } : {}),
                ...(sameAs.length > 0 ? { sameAs } : {}),
                worksFor: { '@type': 'NewsMediaOrganization', name: ctx.settings.siteName, url: `${ctx.publicUrl}/` },
              },
            }}
          />
        </>
      }
    >
      <div class="container">
        <header class="page-header author-header">
          {author.photoMediaId && <img class="author-photo" src={mediaPath(author.photoMediaId)} alt={`Portrait of ${author.name}`} />}
          <div>
            <h1>{author.name}</h1>
            <p class="author-title">{author.title}</p>
            {author.bio && <p class="page-intro">{author.bio}</p>}
            <FollowLinks author={author} me />
            {author.tipsContact && (
              <p class="author-tips">
                Tips for {author.name}: {author.tipsContact}
              </p>
            )}
          </div>
        </header>
        <StoryListing
          stories={stories}
          language={ctx.settings.language}
          heading={`Stories by ${author.name}`}
          page={page}
          pages={pages}
          pathFor={(n) => pagePath(base, n)}
          empty={`${author.name} has no published stories yet.`}
        />
      </div>
    </SiteLayout>
  );
}
