/** API keys (created, listed, revoked) and the partner's full-text feed links. */
import { ErrorSummary, TextField, type Errors } from '../../newsroom/pages/components.js';
import type { PartnerKeyInfo } from '../../partners/partners.service.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import { CopyBox, LocalTime, PageHead } from './parts.js';

export interface KeysPageProps {
  csrf: string;
  publicUrl: string;
  keys: PartnerKeyInfo[];
  hasFeed: boolean;
  /** Just created: shown this once. */
  newKey?: { name: string; key: string } | undefined;
  /** Just created: the feed links, shown this once. */
  newFeed?: { rss: string; atom: string } | undefined;
  keyName?: string;
  message?: string | undefined;
  errors?: Errors | undefined;
}

export function KeysPage(p: KeysPageProps) {
  const active = p.keys.filter((k) => !k.revokedAt);
  const revoked = p.keys.filter((k) => k.revokedAt);
  return (
    <>
      <PageHead title="API keys & feeds" lede="Connect your CMS: pull stories from the content API with a key, or import them from your full-text feed." />

      {p.newKey && (
        <section class="pp-reveal" aria-labelledby="new-key-title">
          <h2 id="new-key-title">Your new key “{p.newKey.name}”</h2>
          <p>
            <strong>Copy it now: this is the only time it is shown.</strong> We keep only a fingerprint of it, so if you lose it, create another and revoke this
            one.
          </p>
          <CopyBox id="new-key" label="API key" value={p.newKey.key} />
        </section>
      )}

      {p.newFeed && (
        <section class="pp-reveal" aria-labelledby="new-feed-title">
          <h2 id="new-feed-title">Your feed links</h2>
          <p>
            <strong>Copy them now: they are shown only this once.</strong> Anyone with a link can read the feed, so keep it in your CMS only. Creating a new
            link turns the old one off.
          </p>
          <CopyBox id="feed-rss" label="RSS feed" value={p.newFeed.rss} />
          <CopyBox id="feed-atom" label="Atom feed" value={p.newFeed.atom} />
        </section>
      )}

      <section class="pp-card" aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        <p class="pp-muted">
          Send a key with every request to the content API as <code>Authorization: Bearer &lt;key&gt;</code>, for example{' '}
          <code>GET {p.publicUrl}/api/v1/stories</code>. <a href="/api/docs">API documentation</a>
        </p>
        {active.length === 0 ? (
          <p class="pp-empty">You have no active keys.</p>
        ) : (
          <div class="pp-table-wrap">
            <table class="pp-table">
              <caption class="pp-visually-hidden">Active API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="pp-visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {active.map((k) => (
                  <tr>
                    <td>{k.name}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>
                      <LocalTime iso={k.createdAt} />
                    </td>
                    <td>{k.lastUsedAt ? <LocalTime iso={k.lastUsedAt} /> : <span class="pp-muted">Never</span>}</td>
                    <td class="pp-cell-action">
                      <form method="post" action={`/partners/keys/${encodeURIComponent(k.id)}/revoke`} class="pp-inline">
                        <PortalCsrfField token={p.csrf} />
                        <button type="submit" class="pp-btn pp-btn-danger pp-btn-small" aria-label={`Revoke key ${k.name}`}>
                          Revoke
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        <h3 class="pp-subtitle">Create a key</h3>
        <ErrorSummary message={p.message} errors={p.errors} labels={{ name: 'Key name' }} />
        <form method="post" action="/partners/keys" class="pp-row-form">
          <PortalCsrfField token={p.csrf} />
          <TextField
            name="name"
            label="Key name"
            value={p.keyName ?? ''}
            required
            maxLength={100}
            errors={p.errors}
            hint="Where it will be used, e.g. “WordPress importer”."
          />
          <button type="submit" class="pp-btn pp-btn-primary">
            Create key
          </button>
        </form>

        {revoked.length > 0 && (
          <details class="pp-details">
            <summary>Revoked keys ({revoked.length})</summary>
            <ul class="pp-plain-list">
              {revoked.map((k) => (
                <li>
                  {k.name} <code>{k.prefix}…</code> — revoked <LocalTime iso={k.revokedAt} />
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>

      <section class="pp-card" aria-labelledby="feeds-title">
        <h2 id="feeds-title">Full-text feeds</h2>
        <p class="pp-muted">
          RSS and Atom feeds with the full text, credit line and pixel of every story you may use, for CMS importers that read feeds. The link itself is the
          password.
        </p>
        <p>{p.hasFeed ? 'Your feed link is active.' : 'You have no feed link yet.'}</p>
        <form method="post" action="/partners/feed-link" class="pp-inline">
          <PortalCsrfField token={p.csrf} />
          <button type="submit" class="pp-btn pp-btn-secondary">
            {p.hasFeed ? 'Replace feed link' : 'Create feed link'}
          </button>
        </form>
        {p.hasFeed && <p class="pp-hint">Replacing the link turns the current one off at once.</p>}
      </section>
    </>
  );
}
