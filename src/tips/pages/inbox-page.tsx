/**
 * /newsroom/tips: the inbox shell. Everything a tip says is opened in the browser by
 * public/tips/inbox.js with the passphrase-sealed key, so this page carries no tip content at all:
 * an unlock form, filters, and the places the script renders the list and the open tip into.
 */
import { PageHeader } from '../../newsroom/pages/components.js';

export interface InboxPageProps {
  csrf: string;
  userId: string;
  canSetup: boolean;
  hasKey: boolean;
}

export function TipInboxPage({ csrf, userId, canSetup, hasKey }: InboxPageProps) {
  return (
    <>
      <link rel="stylesheet" href="/assets/tips/inbox.css" />
      <PageHeader title="Tips">
        {canSetup && (
          <a class="btn btn-secondary" href="/newsroom/tips/setup">
            Tip line setup
          </a>
        )}
        <button type="button" class="btn btn-secondary" id="tips-lock" hidden>
          Lock
        </button>
      </PageHeader>
      {!hasKey ? (
        <div class="card stack">
          <p>The tip line has no key yet, so sources cannot send tips.</p>
          {canSetup ? (
            <p>
              <a href="/newsroom/tips/setup">Set up the tip line key</a>.
            </p>
          ) : (
            <p>An admin sets it up under Tip line setup.</p>
          )}
        </div>
      ) : (
        <div id="tips-app" data-csrf={csrf} data-user={userId}>
          <noscript>
            <p class="notice">
              The inbox needs JavaScript: tips are decrypted in this browser with the passphrase, never on the server. Offline, use{' '}
              <code>npx freewire tips export</code> and <code>npx freewire tips decrypt</code>.
            </p>
          </noscript>
          <form id="tips-unlock" class="card stack tips-unlock" hidden novalidate>
            <h2>Unlock the inbox</h2>
            <p>
              Your passphrase opens the tip line key in this tab only. It is never sent to the server, and the opened key is forgotten when you lock the inbox or
              close the tab.
            </p>
            <div class="field">
              <label for="tips-unlock-passphrase">
                Passphrase<span class="req"> (required)</span>
              </label>
              <input id="tips-unlock-passphrase" type="password" autocomplete="current-password" required aria-describedby="tips-unlock-status" />
            </div>
            <details>
              <summary>Tips sealed to an older key</summary>
              <div class="field">
                <label for="tips-unlock-older">Passphrase of an older key</label>
                <p class="hint" id="tips-unlock-older-hint">
                  After a rotation, older tips open with the passphrase of the key they were sealed to.
                </p>
                <input id="tips-unlock-older" type="password" autocomplete="off" aria-describedby="tips-unlock-older-hint" />
              </div>
            </details>
            <p class="tips-status" id="tips-unlock-status" role="status" aria-live="polite"></p>
            <div>
              <button type="submit" class="btn btn-primary">
                Unlock
              </button>
            </div>
          </form>
          <div id="tips-inbox" hidden>
            <p class="tips-status" id="tips-key-note" role="status" aria-live="polite"></p>
            <div class="tips-layout">
              <section class="tips-list-pane" aria-labelledby="tips-list-title">
                <h2 id="tips-list-title">Conversations</h2>
                <form id="tips-filters" class="tips-filters" novalidate>
                  <div class="field">
                    <label for="tips-filter-status">Status</label>
                    <select id="tips-filter-status" name="status">
                      <option value="active">New and open</option>
                      <option value="all">All</option>
                      <option value="new">New</option>
                      <option value="open">Open</option>
                      <option value="closed">Closed</option>
                    </select>
                  </div>
                  <div class="field">
                    <label for="tips-filter-assignee">Assigned to</label>
                    <select id="tips-filter-assignee" name="assignee">
                      <option value="anyone">Anyone</option>
                      <option value="me">Me</option>
                      <option value="nobody">Nobody</option>
                    </select>
                  </div>
                  <div class="field">
                    <label for="tips-filter-label">Label</label>
                    <input id="tips-filter-label" name="label" type="search" maxLength={32} autocomplete="off" />
                  </div>
                  <div class="filter-actions">
                    <button type="submit" class="btn btn-secondary btn-small">
                      Filter
                    </button>
                  </div>
                </form>
                <p class="tips-status" id="tips-list-status" role="status" aria-live="polite"></p>
                <ul id="tips-list" class="tips-list"></ul>
                <nav class="pagination" id="tips-pages" aria-label="Pages" hidden>
                  <button type="button" class="btn btn-secondary btn-small" id="tips-newer">
                    ← Newer
                  </button>
                  <span id="tips-page-number"></span>
                  <button type="button" class="btn btn-secondary btn-small" id="tips-older">
                    Older →
                  </button>
                </nav>
              </section>
              <section class="tips-detail-pane card" id="tips-detail" aria-labelledby="tips-detail-title" tabIndex={-1}>
                <h2 id="tips-detail-title">No tip open</h2>
                <p class="muted">Choose a conversation from the list.</p>
              </section>
            </div>
          </div>
        </div>
      )}
      <script type="module" src="/assets/tips/inbox.js" />
    </>
  );
}

/** What someone without the tips permission sees (403): who can grant it, and for admins how. */
export function TipNoAccessPage({ isAdmin }: { isAdmin: boolean }) {
  return (
    <div class="card error-card stack">
      <p class="error-status">Error 403</p>
      <h1>Tips are only for people an admin chose</h1>
      <p>
        The tip line holds what sources trust the newsroom with, so no role can read it by itself. An admin grants access to each person who needs it (on the
        Users page, “May read tips”).
      </p>
      {isAdmin && (
        <>
          <p>
            You are an admin, but you do not have access yet. Give yourself (or a colleague) access under{' '}
            <a href="/newsroom/users">Users</a>: open the account and tick “May read tips”. Setting up the tip line key also gives you access.
          </p>
          <p>
            <a class="btn btn-secondary" href="/newsroom/tips/setup">
              Tip line setup
            </a>
          </p>
        </>
      )}
    </div>
  );
}
