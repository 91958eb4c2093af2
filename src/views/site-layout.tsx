/**
 * The reader site's page frame: skip link, masthead, desk navigation, search, footer.
 * No inline scripts or styles anywhere (the CSP allows only same-origin files).
 */
import type { ComponentChildren } from 'preact';
import type { SiteContext } from '../site/context.js';
import { absoluteUrl, mediaPath } from '../site/context.js';

export interface FeedSet {
  /** Human name of the feed, e.g. "Environment desk". */
  title: string;
  /** Path prefix: "" for the site, "/desk/environment", "/author/ada". */
  base: string;
}

export interface SiteLayoutProps {
  ctx: SiteContext;
  /** The page's own title; the site name is appended. */
  title: string;
  description: string;
  /** Canonical path including any meaningful query (e.g. "/desk/x?page=2"). */
  path: string;
  /** Extra feeds this page mirrors (desk, author); the site's feeds are always listed. */
  feeds?: FeedSet[];
  /** Open Graph, JSON-LD and other page-specific head elements. */
  head?: ComponentChildren;
  prevPath?: string | undefined;
  nextPath?: string | undefined;
  currentDesk?: string | undefined;
  /** Current search text, to keep it in the box. */
  query?: string | undefined;
  /** Story pages load the text-size script. */
  textSize?: boolean;
  robots?: string;
  /** Extra class on <body>, for page-specific layout. */
  bodyClass?: string;
  children: ComponentChildren;
}

export function feedPaths(base: string): { rss: string; atom: string; json: string } {
  return { rss: `${base}/feed.xml`, atom: `${base}/atom.xml`, json: `${base}/feed.json` };
}

function FeedAlternates({ ctx, feed }: { ctx: SiteContext; feed: FeedSet }) {
  const p = feedPaths(feed.base);
  return (
    <>
      <link rel="alternate" type="application/rss+xml" title={`${feed.title} (RSS)`} href={absoluteUrl(ctx, p.rss)} />
      <link rel="alternate" type="application/atom+xml" title={`${feed.title} (Atom)`} href={absoluteUrl(ctx, p.atom)} />
      <link rel="alternate" type="application/feed+json" title={`${feed.title} (JSON Feed)`} href={absoluteUrl(ctx, p.json)} />
    </>
  );
}

export function SiteLayout(props: SiteLayoutProps) {
  const { ctx } = props;
  const { settings } = ctx;
  const fullTitle = props.title === settings.siteName ? settings.siteName : `${props.title} | ${settings.siteName}`;
  const feeds: FeedSet[] = [...(props.feeds ?? []), { title: settings.siteName, base: '' }];
  return (
    <html lang={settings.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={props.description} />
        {props.robots && <meta name="robots" content={props.robots} />}
        <link rel="canonical" href={absoluteUrl(ctx, props.path)} />
        {props.prevPath && <link rel="prev" href={absoluteUrl(ctx, props.prevPath)} />}
        {props.nextPath && <link rel="next" href={absoluteUrl(ctx, props.nextPath)} />}
        <link rel="stylesheet" href="/assets/site.css" />
        <link rel="icon" href="/assets/site-icon.svg" type="image/svg+xml" />
        <meta name="theme-color" content="#ffffff" />
        {/* Applies the remembered text size before first paint, so the story does not jump. */}
        {props.textSize && <script src="/assets/site-text-size-init.js" />}
        {props.textSize && <script src="/assets/text-size.js" defer />}
        {feeds.map((f) => (
          <FeedAlternates ctx={ctx} feed={f} />
        ))}
        {props.head}
      </head>
      <body class={props.bodyClass}>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="site-header">
          <div class="container masthead">
            <div class="brand-block">
              <a class="brand" href="/">
                {settings.logoMediaId && <img class="brand-logo" src={mediaPath(settings.logoMediaId)} alt="" />}
                <span class="brand-name">{settings.siteName}</span>
              </a>
              {settings.tagline && <p class="tagline">{settings.tagline}</p>}
            </div>
            <form class="site-search" role="search" aria-label="Site search" action="/search" method="get">
              <label class="visually-hidden" for="site-search-q">
                Search stories
              </label>
              <input id="site-search-q" type="search" name="q" maxLength={200} value={props.query ?? ''} placeholder="Search stories" autocomplete="off" />
              <button type="submit">Search</button>
            </form>
          </div>
          {ctx.desks.length > 0 && (
            <nav class="desk-nav" aria-label="Desks">
              <ul class="container">
                <li>
                  <a href="/" aria-current={props.path === '/' ? 'page' : undefined}>
                    Home
                  </a>
                </li>
                {ctx.desks.map((d) => (
                  <li>
                    <a href={`/desk/${d.slug}`} aria-current={props.currentDesk === d.slug ? 'page' : undefined}>
                      {d.name}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
        </header>
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <div class="container footer-grid">
            <section aria-labelledby="footer-about">
              <h2 id="footer-about">{settings.siteName}</h2>
              {settings.tagline && <p>{settings.tagline}</p>}
              {settings.tipsContact && <p>Tips: {settings.tipsContact}</p>}
              {settings.licensingContact && <p>Licensing: {settings.licensingContact}</p>}
            </section>
            <nav aria-labelledby="footer-work">
              <h2 id="footer-work">Work with us</h2>
              <ul>
                <li>
                  <a href="/tips">Send a tip</a>
                </li>
                <li>
                  <a href="/republish">Republish our stories</a>
                </li>
                <li>
                  <a href="/license">License our content</a>
                </li>
              </ul>
            </nav>
            <nav aria-labelledby="footer-feeds">
              <h2 id="footer-feeds">Follow our reporting</h2>
              <ul>
                <li>
                  <a href="/feed.xml">RSS feed</a>
                </li>
                <li>
                  <a href="/atom.xml">Atom feed</a>
                </li>
                <li>
                  <a href="/feed.json">JSON Feed</a>
                </li>
              </ul>
            </nav>
          </div>
        </footer>
      </body>
    </html>
  );
}
