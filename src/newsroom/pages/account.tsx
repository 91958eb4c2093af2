import type { User } from '../../db/schema.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, PageHeader, TextField, Time, type Errors } from './components.js';

export interface AccountPageProps {
  user: User;
  csrf: string;
  currentSessionId: string;
  sessions: Array<{ id: string; createdAt: string; lastSeenAt: string; userAgent: string | null }>;
  tokens: Array<{ id: string; name: string; prefix: string; created_at: string; last_used_at: string | null; revoked_at: string | null }>;
  passwordErrors?: Errors | undefined;
  passwordMessage?: string | undefined;
  tokenErrors?: Errors | undefined;
  tokenName?: string;
  /** A token just created: shown once, never stored in clear. */
  newToken?: { name: string; token: string } | undefined;
}

const PASSWORD_LABELS = { currentPassword: 'Current password', password: 'New password', confirmPassword: 'New password again' };

/** A short, human description of a browser from its user agent. */
export function describeAgent(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 60);
}

export function AccountPage(props: AccountPageProps) {
  const { user, csrf } = props;
  const activeTokens = props.tokens.filter((t) => !t.revoked_at);
  const revokedTokens = props.tokens.filter((t) => t.revoked_at);
  return (
    <>
      <PageHeader title="Your account" />
      <p class="story-meta">
        <span>{user.email}</span>
        <span class={`role role-${user.role}`}>{user.role}</span>
      </p>
      <div class="two-col">
        <form method="post" action="/newsroom/account/password" class="card stack" aria-labelledby="pw-title" novalidate>
          <h2 id="pw-title">Change password</h2>
          <ErrorSummary message={props.passwordMessage} errors={props.passwordErrors} labels={PASSWORD_LABELS} />
          <CsrfField token={csrf} />
          {/* Lets password managers attach the new password to the right account. */}
          <input type="hidden" name="username" value={user.email} autocomplete="username" />
          <TextField name="currentPassword" label="Current password" type="password" value="" errors={props.passwordErrors} required autocomplete="current-password" />
          <TextField name="password" label="New password" type="password" value="" errors={props.passwordErrors} required autocomplete="new-password" hint="At least 10 characters." />
          <TextField name="confirmPassword" label="New password again" type="password" value="" errors={props.passwordErrors} required autocomplete="new-password" />
          <div>
            <button type="submit" class="btn btn-primary">
              Change password
            </button>
          </div>
        </form>

        <section class="card stack" aria-labelledby="sessions-title">
          <h2 id="sessions-title">Where you are logged in</h2>
          <ul class="plain-list">
            {props.sessions.map((s) => (
              <li>
                <strong>{describeAgent(s.userAgent)}</strong>
                {s.id === props.currentSessionId && <span class="badge badge-live">This browser</span>}
                <br />
                <span class="muted">
                  Since <Time iso={s.createdAt} />, last active <Time iso={s.lastSeenAt} />
                </span>
              </li>
            ))}
          </ul>
          <form method="post" action="/newsroom/logout-everywhere">
            <CsrfField token={csrf} />
            <button type="submit" class="btn btn-danger">
              Log out everywhere
            </button>
            <p class="hint">Ends every session, including this one. Use it if you lost a device or think someone else used your account.</p>
          </form>
        </section>
      </div>

      <section class="card stack" aria-labelledby="tokens-title">
        <h2 id="tokens-title">API tokens</h2>
        <p class="hint">Tokens let scripts use the Admin API as you, with your role. Treat them like passwords.</p>
        {props.newToken && (
          <div class="token-once" role="status">
            <p>
              <strong>Token “{props.newToken.name}” created.</strong> Copy it now: it will not be shown again.
            </p>
            <label for="new-token">Your new token</label>
            <input id="new-token" class="token-value" type="text" readOnly value={props.newToken.token} data-select-on-focus="" />
          </div>
        )}
        {activeTokens.length > 0 ? (
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">Your active API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {activeTokens.map((t) => (
                  <tr>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td>
                      <Time iso={t.created_at} />
                    </td>
                    <td>{t.last_used_at ? <Time iso={t.last_used_at} /> : <span class="muted">never</span>}</td>
                    <td>
                      <form method="post" action={`/newsroom/account/tokens/${t.id}/revoke`} class="inline-form">
                        <CsrfField token={csrf} />
                        <button type="submit" class="btn btn-small btn-danger">
                          Revoke<span class="visually-hidden"> token {t.name}</span>
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="muted">You have no active tokens.</p>
        )}
        <form method="post" action="/newsroom/account/tokens" class="inline-fields" novalidate>
          <CsrfField token={csrf} />
          <TextField name="name" label="New token name" value={props.tokenName ?? ''} errors={props.tokenErrors} required maxLength={100} hint="What will use it, e.g. “import script”." />
          <button type="submit" class="btn btn-secondary">
            Create token
          </button>
        </form>
        {revokedTokens.length > 0 && (
          <details>
            <summary>Revoked tokens ({revokedTokens.length})</summary>
            <ul class="plain-list">
              {revokedTokens.map((t) => (
                <li>
                  {t.name} (<code>{t.prefix}…</code>), revoked <Time iso={t.revoked_at} />
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
    </>
  );
}
