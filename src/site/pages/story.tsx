/**
 * `/stories/:slug`: the story as readers see it (the live version), with corrections, the
 * text-size control, follow links, the tip line and the syndication notice; plus canonical,
 * Open Graph and NewsArticle JSON-LD for crawlers and social cards. A withdrawn story answers
 * 410 with a short notice.
 */
import type { Services } from '../../services.js';
import type { PublicStory } from '../../stories/public.js';
import type { StoryNote } from '../../stories/stories.service.js';
import { AppError } from '../../errors.js';
import { renderDocument } from '../../http/render.js';
import { htmlToText } from '../../stories/markdown.js';
import { isSlug } from '../../util/slug.js';
import { JsonLd, RawHtml } from '../../views/raw-html.js';
import { SiteLayout } from '../../views/site-layout.js';
import { Byline, DateTime, FollowLinks } from '../../views/site-components.js';
import { absoluteUrl, loadSiteContext, mediaPath, type SiteContext } from '../context.js';

export interface RenderedStory {
  status: 200 | 410;
  html: string;
}

export async function renderStory(services: Services, slug: string): Promise<RenderedStory> {
  const found = isSlug(slug) ? await services.publicStories.bySlug(slug) : ({ kind: 'missing' } as const);
  if (found.kind === 'missing') throw new AppError('NOT_FOUND', 'There is no story at this address.');
  const ctx = await loadSiteContext(services);
  if (found.kind === 'withdrawn') {
    return {
      status: 410,
      html: renderDocument(<WithdrawnPage ctx={ctx} slug={found.slug} headline={found.headline} withdrawnAt={found.withdrawnAt} reason={found.reason} />),
    };
  }
  return { status: 200, html: renderDocument(<StoryPage ctx={ctx} story={found.story} />) };
}

/** The meta description: the summary, else the opening of the body. */
function describe(story: PublicStory): string {
  if (story.summary.trim()) return story.summary.trim();
  const text = htmlToText(story.bodyHtml).replace(/\s+/g, ' ').trim();
  return text ? clip(text, 200) : story.headline;
}

/** Shortens to at most `max` characters at a word boundary, with an ellipsis when cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function newsArticle(ctx: SiteContext, story: PublicStory, url: string, description: string) {
  const { settings } = ctx;
  const image = story.leadImage ? absoluteUrl(ctx, mediaPath(story.leadImage.id)) : undefined;
  const logo = settings.logoMediaId ? absoluteUrl(ctx, mediaPath(settings.logoMediaId)) : undefined;
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: story.headline,
    description,
    url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    datePublished: story.publishedAt,
    dateModified: story.updatedAt,
    ...(story.dateline ? { dateline: story.dateline } : {}),
    author: story.fullAuthors.map((a) => ({
      '@type': 'Person',
      name: a.name,
      url: absoluteUrl(ctx, `/author/${a.slug}`),
      ...(a.title ? { jobTitle: a.title } : {}),
    })),
    publisher: {
      '@type': 'NewsMediaOrganization',
      name: settings.siteName,
      url: `${ctx.publicUrl}/`,
      ...(logo ? { logo: { '@type': 'ImageObject', url: logo } } : {}),
    },
    articleSection: story.desk.name,
    ...(story.tags.length > 0 ? { keywords: story.tags.map((t) => t.name).join(', ') } : {}),
    ...(image ? { image: [image] } : {}),
    wordCount: story.wordCount,
    inLanguage: settings.language,
    isAccessibleForFree: true,
  };
}

function StoryHead({ ctx, story, url, description }: { ctx: SiteContext; story: PublicStory; url: string; description: string }) {
  const { settings } = ctx;
  const image = story.leadImage ? absoluteUrl(ctx, mediaPath(story.leadImage.id)) : undefined;
  return (
    <>
      <meta property="og:type" content="article" />
      <meta property="og:title" content={story.headline} />
      <meta property="og:description" content={description} />
      <meta property="og:url" content={url} />
      <meta property="og:site_name" content={settings.siteName} />
      {image && <meta property="og:image" content={image} />}
      {image && story.leadImage!.alt && <meta property="og:image:alt" content={story.leadImage!.alt} />}
      <meta property="article:published_time" content={story.publishedAt} />
      <meta property="article:modified_time" content={story.updatedAt} />
      <meta property="article:section" content={story.desk.name} />
      {story.authors.map((a) => (
        <meta property="article:author" content={absoluteUrl(ctx, `/author/${a.slug}`)} />
      ))}
      {story.tags.map((t) => (
        <meta property="article:tag" content={t.name} />
      ))}
      <meta name="twitter:card" content={image ? 'summary_large_image' : 'summary'} />
      <meta name="twitter:title" content={clip(story.headline, 70)} />
      <meta name="twitter:description" content={clip(description, 200)} />
      {image && <meta name="twitter:image" content={image} />}
      {image && story.leadImage!.alt && <meta name="twitter:image:alt" content={clip(story.leadImage!.alt, 420)} />}
      <JsonLd data={newsArticle(ctx, story, url, description)} />
    </>
  );
}

function TextSizeControl() {
  // Hidden until text-size.js runs: without JavaScript the buttons could do nothing.
  // Each accessible name starts with the visible text (WCAG 2.5.3, label in name): a speech user
  // says what they see ("click A plus"), a screen reader user hears what it does.
  return (
    <div class="text-size" role="group" aria-labelledby="text-size-label" hidden>
      <span id="text-size-label" class="text-size-label">
        Text size
      </span>
      <button type="button" data-text-size="small" aria-label="A− Smaller text" aria-pressed="false">
        A−
      </button>
      <button type="button" data-text-size="medium" aria-label="A Standard text size" aria-pressed="true">
        A
      </button>
      <button type="button" data-text-size="large" aria-label="A+ Larger text" aria-pressed="false">
        A+
      </button>
    </div>
  );
}

function NoteList({ notes, label, language }: { notes: StoryNote[]; label: string; language: string }) {
  return (
    <ul class="note-list">
      {notes.map((n) => (
        <li>
          <p>
            <strong>{label}:</strong> {n.text}
          </p>
          <p class="note-date">
            <DateTime iso={n.createdAt} language={language} />
          </p>
        </li>
      ))}
    </ul>
  );
}

export function StoryPage({ ctx, story }: { ctx: SiteContext; story: PublicStory }) {
  const { settings } = ctx;
  const lang = settings.language;
  const path = `/stories/${story.slug}`;
  const url = absoluteUrl(ctx, path);
  const description = describe(story);
  const corrections = story.notes.filter((n) => n.kind === 'correction');
  const updates = story.notes.filter((n) => n.kind === 'update');
  return (
    <SiteLayout
      ctx={ctx}
      title={story.headline}
      description={description}
      path={path}
      feeds={[
        { title: `${settings.siteName}: ${story.desk.name}`, base: `/desk/${story.desk.slug}` },
        ...story.authors.map((a) => ({ title: `${settings.siteName}: ${a.name}`, base: `/author/${a.slug}` })),
      ]}
      head={<StoryHead ctx={ctx} story={story} url={url} description={description} />}
      currentDesk={story.desk.slug}
      textSize
      bodyClass="page-story"
    >
      <article class="story container-narrow">
        <header class="story-header">
          <p class="story-kicker">
            <a href={`/desk/${story.desk.slug}`}>{story.desk.name}</a>
          </p>
          <h1 class="story-headline">{story.headline}</h1>
          {story.summary && <p class="story-dek">{story.summary}</p>}
          <div class="story-meta">
            <div class="story-meta-text">
              {story.authors.length > 0 && (
                <p class="byline">
                  <Byline authors={story.authors} titles />
                </p>
              )}
              <p class="story-dates">
                <span>
                  Published <DateTime iso={story.publishedAt} language={lang} />
                </span>
                {story.wasUpdated && (
                  <span>
                    Updated <DateTime iso={story.updatedAt} language={lang} />
                  </span>
                )}
              </p>
            </div>
            <TextSizeControl />
          </div>
        </header>

        {corrections.length > 0 && (
          <aside class="notice notice--correction" aria-labelledby="corrections-heading">
            <h2 id="corrections-heading">{corrections.length === 1 ? 'Correction' : 'Corrections'}</h2>
            <NoteList notes={corrections} label="Correction" language={lang} />
          </aside>
        )}

        {story.leadImage && (
          <figure class="lead-figure">
            <img src={mediaPath(story.leadImage.id)} alt={story.leadImage.alt} />
            {(story.leadImage.caption || story.leadImage.credit) && (
              <figcaption>
                {story.leadImage.caption}
                {story.leadImage.credit && <span class="credit">{story.leadImage.credit}</span>}
              </figcaption>
            )}
          </figure>
        )}

        <div class="story-text">
          {story.dateline && <p class="dateline">{story.dateline}</p>}
          <RawHtml html={story.bodyHtml} class="story-body" />
        </div>

        {updates.length > 0 && (
          <section class="notice notice--update" id="updates" aria-labelledby="updates-heading">
            <h2 id="updates-heading">{updates.length === 1 ? 'Update' : 'Updates'}</h2>
            <NoteList notes={updates} label="Update" language={lang} />
          </section>
        )}

        {story.tags.length > 0 && (
          <nav class="story-tags" aria-label="Topics">
            <h2 class="section-label">Topics</h2>
            <ul>
              {story.tags.map((t) => (
                <li>
                  <a href={`/tag/${t.slug}`}>{t.name}</a>
                </li>
              ))}
            </ul>
          </nav>
        )}

        <footer class="story-footer">
          {story.fullAuthors.length > 0 && (
            <section class="about-authors" aria-labelledby="authors-heading">
              <h2 id="authors-heading" class="section-label">
                {story.fullAuthors.length === 1 ? 'About the author' : 'About the authors'}
              </h2>
              {story.fullAuthors.map((a) => (
                <div class="author-card">
                  {a.photoMediaId && <img class="author-card-photo" src={mediaPath(a.photoMediaId)} alt="" />}
                  <div>
                    <h3>
                      <a href={`/author/${a.slug}`}>{a.name}</a>
                    </h3>
                    <p class="author-title">{a.title}</p>
                    {a.bio && <p class="author-bio">{a.bio}</p>}
                    <FollowLinks author={a} />
                    {a.tipsContact && (
                      <p class="author-tips">
                        Tips for {a.name}: {a.tipsContact}
                      </p>
                    )}
                  </div>
                </div>
              ))}
            </section>
          )}

          <section class="callout callout--tip" aria-labelledby="tip-heading">
            <h2 id="tip-heading">Know something we should look into?</h2>
            <p>
              <a class="button-link" href="/tips">
                Send us a tip
              </a>
            </p>
            {settings.tipsContact && <p>You can also reach us at {settings.tipsContact}.</p>}
          </section>

          <section class="callout callout--republish" aria-labelledby="republish-heading">
            <h2 id="republish-heading">Republish this story</h2>
            {settings.syndicationNotice && <p class="syndication-notice">{settings.syndicationNotice}</p>}
            {settings.licensingContact && <p>Licensing: {settings.licensingContact}</p>}
            <p class="callout-links">
              <a href="/republish">Republish our stories</a>
              <span aria-hidden="true"> · </span>
              <a href="/license">License our content</a>
            </p>
          </section>
        </footer>
      </article>
    </SiteLayout>
  );
}

function WithdrawnPage({ ctx, slug, headline, withdrawnAt, reason }: { ctx: SiteContext; slug: string; headline: string; withdrawnAt: string; reason: string }) {
  return (
    <SiteLayout
      ctx={ctx}
      title="This story has been withdrawn"
      description={`“${headline}” has been withdrawn by ${ctx.settings.siteName}.`}
      path={`/stories/${slug}`}
      robots="noindex"
    >
      <div class="container-narrow withdrawn">
        <h1>This story has been withdrawn</h1>
        <p>
          <strong>“{headline}”</strong> was withdrawn by {ctx.settings.siteName} on <DateTime iso={withdrawnAt} language={ctx.settings.language} />.
        </p>
        {reason && (
          <p class="withdrawn-reason">
            <strong>Reason:</strong> {reason}
          </p>
        )}
        <p>
          <a href="/">Read our latest stories</a>
        </p>
      </div>
    </SiteLayout>
  );
}
