/**
 * The partner portal's page frame: for outside publishers, so it looks like neither the
 * newsroom nor the reader site. A header with the newsroom's name and the partner's outlet,
 * navigation, the signed-in person and a logout form; a flash after redirects; the main
 * landmark; a footer pointing at the program's public terms.
 * No inline scripts or styles: the CSP allows only files from /assets.
 */
import type { ComponentChildren } from 'preact';
import type { PartnerStatus } from '../db/schema.js';

export type PortalSection = 'dashboard' | 'stories' | 'keys' | 'webhooks' | 'follows' | 'usage' | 'domains' | 'login' | 'invite' | 'none';

export interface PortalViewer {
  name: string;
  email: string;
  outlet: string;
  status: PartnerStatus;
  csrf: string;
}

export interface PortalFlash {
  kind: 'success' | 'info' | 'error';
  text: string;
  link?: { href: string; label: string };
}

export interface PortalLayoutProps {
  title: string;
  siteName: string;
  language?: string;
  viewer: PortalViewer | null;
  section: PortalSection;
  flash?: PortalFlash | undefined;
  /** Extra scripts from /assets (progressive enhancement only). */
  scripts?: string[];
  /** Shown above every page's content (withdrawn stories to take down). */
  banner?: ComponentChildren;
  children: ComponentChildren;
}

interface NavItem {
  section: PortalSection;
  href: string;
  label: string;
  /** Shown only to approved partners: the rest have no access to these. */
  approvedOnly?: boolean;
}

const NAV: NavItem[] = [
  { section: 'dashboard', href: '/partners', label: 'Overview' },
  { section: 'stories', href: '/partners/stories', label: 'Stories', approvedOnly: true },
  { section: 'keys', href: '/partners/keys', label: 'API keys & feeds', approvedOnly: true },
  { section: 'webhooks', href: '/partners/webhooks', label: 'Webhooks', approvedOnly: true },
  { section: 'follows', href: '/partners/follows', label: 'Follows & alerts' },
  { section: 'usage', href: '/partners/usage', label: 'Usage', approvedOnly: true },
  { section: 'domains', href: '/partners/domains', label: 'Domains' },
];

export function PortalCsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function PortalLayout(props: PortalLayoutProps) {
  const { viewer, section, flash } = props;
  const nav = NAV.filter((n) => !n.approvedOnly || viewer?.status === 'approved');
  return (
    <html lang={props.language ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{`${props.title} · ${props.siteName} partner portal`}</title>
        <link rel="stylesheet" href="/assets/portal.css" />
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer />
        ))}
      </head>
      <body class="pp">
        <a class="pp-skip" href="#main">
          Skip to content
        </a>
        <header class="pp-header">
          <div class="pp-header-inner">
            <a class="pp-brand" href={viewer ? '/partners' : '/partners/login'}>
              <span class="pp-brand-mark" aria-hidden="true">
                ⇄
              </span>
              <span class="pp-brand-text">
                <span class="pp-brand-name">{props.siteName}</span>
                <span class="pp-brand-sub">Partner portal</span>
              </span>
            </a>
            {viewer && (
              <div class="pp-who">
                <span class="pp-who-text">
                  <span class="pp-who-name">{viewer.name}</span>
                  <span class="pp-who-outlet">{viewer.outlet}</span>
                </span>
                <form method="post" action="/partners/logout" class="pp-inline">
                  <PortalCsrfField token={viewer.csrf} />
                  <button type="submit" class="pp-btn pp-btn-quiet pp-btn-small">
                    Log out
                  </button>
                </form>
              </div>
            )}
          </div>
          {viewer && (
            <nav class="pp-nav" aria-label="Partner portal">
              <ul>
                {nav.map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.section === section ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
        </header>
        <main id="main" class="pp-main" tabIndex={-1}>
          {flash && (
            <div class={`pp-flash pp-flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
              <span>{flash.text}</span>
              {flash.link && (
                <>
                  {' '}
                  <a href={flash.link.href}>{flash.link.label}</a>
                </>
              )}
            </div>
          )}
          {props.banner}
          {props.children}
        </main>
        <footer class="pp-footer">
          <p>
            {props.siteName} republishing program · <a href="/republish">Program terms</a> · <a href="/">{props.siteName}</a>
          </p>
        </footer>
      </body>
    </html>
  );
}
