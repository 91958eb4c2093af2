/**
 * The newsroom's page frame: top bar with the site name, navigation by role, the signed-in
 * user and a logout form; a flash message after redirects; the main landmark.
 * No inline scripts or styles: the CSP allows only files from /assets.
 */
import type { ComponentChildren } from 'preact';
import type { Role } from '../db/schema.js';
import { can, type Actor, type Permission } from '../users/permissions.js';

export type NewsroomSection =
  | 'stories' | 'new-story' | 'authors' | 'desks' | 'users' | 'settings' | 'audit' | 'account' | 'login' | 'none'
  | 'partners' | 'licenses' | 'usage' | 'tips' | 'licensing';

export interface NewsroomViewer {
  email: string;
  role: Role;
  actor: Actor;
  csrf: string;
}

export interface NewsroomFlash {
  kind: 'success' | 'info' | 'error';
  text: string;
  link?: { href: string; label: string };
}

export interface NewsroomLayoutProps {
  title: string;
  siteName: string;
  language?: string;
  viewer: NewsroomViewer | null;
  section: NewsroomSection;
  flash?: NewsroomFlash | undefined;
  /** Extra scripts from /assets (progressive enhancement only). */
  scripts?: string[];
  /** Wider main area (the story editor). */
  wide?: boolean;
  children: ComponentChildren;
}

interface NavItem {
  section: NewsroomSection;
  href: string;
  label: string;
  /** Shown when the viewer has any of these. */
  permission?: Permission | Permission[];
}

const NAV: NavItem[] = [
  { section: 'stories', href: '/newsroom/stories', label: 'Stories' },
  { section: 'new-story', href: '/newsroom/stories/new', label: 'New story', permission: 'story.create' },
  { section: 'authors', href: '/newsroom/authors', label: 'Authors', permission: 'authors.manage' },
  { section: 'desks', href: '/newsroom/desks', label: 'Desks', permission: 'desks.manage' },
  { section: 'users', href: '/newsroom/users', label: 'Users', permission: 'users.manage' },
  { section: 'partners', href: '/newsroom/partners', label: 'Partners', permission: 'partners.review' },
  { section: 'usage', href: '/newsroom/usage', label: 'Usage', permission: 'usage.read' },
  { section: 'licenses', href: '/newsroom/license-profiles', label: 'License profiles', permission: 'partners.review' },
  { section: 'licensing', href: '/newsroom/licensing', label: 'Licensing', permission: 'licensing.manage' },
  { section: 'settings', href: '/newsroom/settings', label: 'Settings', permission: 'settings.manage' },
  { section: 'audit', href: '/newsroom/audit', label: 'Audit log', permission: 'audit.read' },
  { section: 'tips', href: '/newsroom/tips', label: 'Tips', permission: ['tips.read', 'tips.setup'] },
  { section: 'account', href: '/newsroom/account', label: 'Account' },
];

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function NewsroomLayout(props: NewsroomLayoutProps) {
  const { viewer, section, flash } = props;
  return (
    <html lang={props.language ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{`${props.title} · ${props.siteName}`}</title>
        <link rel="stylesheet" href="/assets/newsroom.css" />
        <script src="/assets/newsroom-ui.js" defer />
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer />
        ))}
      </head>
      <body class="nr">
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <div class="topbar-inner">
            <a class="brand" href={viewer ? '/newsroom/stories' : '/newsroom/login'}>
              <span class="brand-name">{props.siteName}</span>
              <span class="brand-tag">Staff</span>
            </a>
            {viewer && (
              <nav class="mainnav" aria-label="Newsroom">
                <ul>
                  {NAV.filter((n) => !n.permission || [n.permission].flat().some((p) => can(viewer.actor, p))).map((n) => (
                    <li>
                      <a href={n.href} aria-current={n.section === section ? 'page' : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {viewer && (
              <div class="whoami">
                <span class="whoami-email">{viewer.email}</span>
                <span class={`role role-${viewer.role}`}>{viewer.role}</span>
                <form method="post" action="/newsroom/logout" class="inline-form">
                  <CsrfField token={viewer.csrf} />
                  <button type="submit" class="btn btn-ghost btn-small">
                    Log out
                  </button>
                </form>
              </div>
            )}
          </div>
        </header>
        <main id="main" class={props.wide ? 'page page-wide' : 'page'} tabIndex={-1}>
          {flash && (
            <div class={`flash flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
              <span>{flash.text}</span>
              {flash.link && (
                <>
                  {' '}
                  <a href={flash.link.href}>{flash.link.label}</a>
                </>
              )}
            </div>
          )}
          {props.children}
        </main>
        <footer class="footer">
          <p>
            Freewire newsroom · <a href="/">View the site</a>
          </p>
        </footer>
      </body>
    </html>
  );
}
