import type { PublicUser } from '../../users/users.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, PageHeader, Select, TextField, Time, type Errors } from './components.js';

export const ROLE_OPTIONS = [
  { value: 'reporter', label: 'Reporter — writes and edits own drafts' },
  { value: 'editor', label: 'Editor — edits, publishes, corrects and withdraws any story' },
  { value: 'admin', label: 'Admin — everything, plus users and site settings' },
];

export const USER_LABELS: Record<string, string> = { email: 'Email', name: 'Name', role: 'Role', password: 'Password', status: 'Status' };

export interface NewUserValues {
  email: string;
  name: string;
  role: string;
}

export interface UsersPageProps {
  users: PublicUser[];
  values: NewUserValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  csrf: string;
  currentUserId: string;
}

function RoleBadge({ role }: { role: string }) {
  return <span class={`role role-${role}`}>{role}</span>;
}

export function UsersPage({ users, values, errors, message, csrf, currentUserId }: UsersPageProps) {
  return (
    <>
      <PageHeader title="Users" />
      <div class="two-col">
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Staff accounts</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Tips</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr class={u.status === 'disabled' ? 'row-disabled' : undefined}>
                  <td>
                    <a href={`/newsroom/users/${u.id}`}>{u.email}</a>
                    {u.id === currentUserId && <span class="muted"> (you)</span>}
                  </td>
                  <td>{u.name}</td>
                  <td>
                    <RoleBadge role={u.role} />
                  </td>
                  <td>{u.status === 'active' ? 'Active' : <strong>Disabled</strong>}</td>
                  <td>{u.tipsAccess ? 'May read' : <span class="muted">No</span>}</td>
                  <td>
                    <Time iso={u.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form method="post" action="/newsroom/users" class="card stack" aria-labelledby="new-user-title" novalidate>
          <h2 id="new-user-title">Add a user</h2>
          <ErrorSummary message={message} errors={errors} labels={USER_LABELS} />
          <CsrfField token={csrf} />
          <TextField name="email" label="Email" type="email" value={values.email} errors={errors} required autocomplete="off" />
          <TextField name="name" label="Name" value={values.name} errors={errors} maxLength={120} autocomplete="off" />
          <Select name="role" label="Role" value={values.role} errors={errors} required options={ROLE_OPTIONS} />
          <TextField
            name="password"
            label="Initial password"
            type="password"
            value=""
            errors={errors}
            required
            autocomplete="new-password"
            hint="At least 10 characters. Give it to the person privately; they can change it under Account."
          />
          <div>
            <button type="submit" class="btn btn-primary">
              Add user
            </button>
          </div>
        </form>
      </div>
    </>
  );
}

export interface UserEditPageProps {
  user: PublicUser;
  isSelf: boolean;
  csrf: string;
  values: { name: string; role: string };
  errors?: Errors | undefined;
  message?: string | undefined;
  passwordErrors?: Errors | undefined;
  /** How many of the user's API tokens still work. */
  activeTokens: number;
}

export function UserEditPage({ user, isSelf, csrf, values, errors, message, passwordErrors, activeTokens }: UserEditPageProps) {
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/users">Users</a> /
          </p>
          <h1>{user.email}</h1>
          <p class="story-meta">
            <RoleBadge role={user.role} />
            <span>{user.status === 'active' ? 'Active' : 'Disabled'}</span>
            <span>
              Created <Time iso={user.createdAt} />
            </span>
          </p>
        </div>
      </div>
      <ErrorSummary message={message} errors={errors} labels={USER_LABELS} />
      <div class="two-col">
        <form method="post" action={`/newsroom/users/${user.id}`} class="card stack" aria-labelledby="user-role-title" novalidate>
          <h2 id="user-role-title">Name and role</h2>
          <CsrfField token={csrf} />
          <TextField name="name" label="Name" value={values.name} errors={errors} required maxLength={120} />
          <Select name="role" label="Role" value={values.role} errors={errors} options={ROLE_OPTIONS} />
          <div>
            <button type="submit" class="btn btn-primary">
              Save
            </button>
          </div>
        </form>
        <div class="stack">
          <form method="post" action={`/newsroom/users/${user.id}/password`} class="card stack" aria-labelledby="user-password-title" novalidate>
            <h2 id="user-password-title">Reset password</h2>
            <ErrorSummary errors={passwordErrors} labels={USER_LABELS} />
            <CsrfField token={csrf} />
            <TextField
              name="password"
              label="New password"
              type="password"
              value=""
              errors={passwordErrors}
              required
              autocomplete="new-password"
              hint={isSelf ? 'At least 10 characters. Your other sessions are logged out; this one stays.' : 'At least 10 characters. Everyone signed in as this user is logged out.'}
            />
            <div>
              <button type="submit" class="btn btn-secondary">
                Set password
              </button>
            </div>
          </form>
          <form method="post" action={`/newsroom/users/${user.id}/tips`} class="card stack" aria-labelledby="user-tips-title">
            <h2 id="user-tips-title">Tip line</h2>
            <CsrfField token={csrf} />
            <p>
              {user.tipsAccess ? 'May read tips: opens the tips inbox (with the passphrase), answers, assigns and deletes tips.' : 'May not read tips. No role reads the tip line by itself.'}
            </p>
            <input type="hidden" name="tipsAccess" value={user.tipsAccess ? 'no' : 'yes'} />
            <div>
              <button type="submit" class={user.tipsAccess ? 'btn btn-danger' : 'btn btn-secondary'}>
                {user.tipsAccess ? 'Revoke tips access' : 'May read tips: grant access'}
              </button>
            </div>
          </form>
          <form method="post" action={`/newsroom/users/${user.id}/tokens/revoke`} class="card stack" aria-labelledby="user-tokens-title">
            <h2 id="user-tokens-title">API tokens</h2>
            <CsrfField token={csrf} />
            <p>
              {activeTokens === 0 ? 'No active API tokens.' : `${activeTokens} active API ${activeTokens === 1 ? 'token' : 'tokens'}.`} Revoking stops every script
              using them at once; the account itself keeps working.
            </p>
            <div>
              <button type="submit" class="btn btn-danger" disabled={activeTokens === 0}>
                Revoke all API tokens…
              </button>
            </div>
          </form>
          <form method="post" action={`/newsroom/users/${user.id}/status`} class="card stack" aria-labelledby="user-status-title">
            <h2 id="user-status-title">{user.status === 'active' ? 'Disable account' : 'Enable account'}</h2>
            <CsrfField token={csrf} />
            {user.status === 'active' ? (
              <>
                <p>Disabling ends their sessions and revokes their API tokens at once. Their stories stay.</p>
                <input type="hidden" name="status" value="disabled" />
                <div>
                  <button type="submit" class="btn btn-danger" disabled={isSelf}>
                    Disable account
                  </button>
                  {isSelf && <p class="hint">You cannot disable your own account.</p>}
                </div>
              </>
            ) : (
              <>
                <p>Enabling lets them log in again. API tokens revoked when the account was disabled stay revoked.</p>
                <input type="hidden" name="status" value="active" />
                <div>
                  <button type="submit" class="btn btn-primary">
                    Enable account
                  </button>
                </div>
              </>
            )}
          </form>
        </div>
      </div>
    </>
  );
}

/** The second step of "Revoke all API tokens": says what will stop working before it does. */
export function RevokeTokensConfirmPage({ user, csrf, activeTokens }: { user: PublicUser; csrf: string; activeTokens: number }) {
  return (
    <div class="confirm card">
      <h1>Revoke all API tokens of {user.email}?</h1>
      <p>
        {activeTokens} active API {activeTokens === 1 ? 'token stops' : 'tokens stop'} working at once, and every script or integration using{' '}
        {activeTokens === 1 ? 'it' : 'them'} is refused. This cannot be undone; {user.name} can create new tokens on their Account page.
      </p>
      <form method="post" action={`/newsroom/users/${user.id}/tokens/revoke`} class="button-row">
        <CsrfField token={csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="btn btn-danger">
          Yes, revoke them
        </button>
        <a class="btn btn-secondary" href={`/newsroom/users/${user.id}`}>
          Cancel
        </a>
      </form>
    </div>
  );
}
