/** The portal's sign-in page and the invitation page that creates a partner login. */
import type { PartnerKind } from '../../db/schema.js';
import { ErrorSummary, TextField, type Errors } from '../../newsroom/pages/components.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import { LocalTime } from './parts.js';

export interface PortalLoginProps {
  csrf: string;
  email: string;
  next: string;
  siteName: string;
  message?: string | undefined;
}

export function PortalLoginPage({ csrf, email, next, siteName, message }: PortalLoginProps) {
  return (
    <div class="pp-auth">
      <section class="pp-card pp-auth-card" aria-labelledby="login-title">
        <h1 id="login-title">Log in to the partner portal</h1>
        <p class="pp-lede">For publishers in the {siteName} republishing program: stories ready to republish, API keys, feeds and your numbers.</p>
        <ErrorSummary message={message} />
        <form method="post" action="/partners/login" class="pp-stack">
          <PortalCsrfField token={csrf} />
          <input type="hidden" name="next" value={next} />
          <TextField name="email" label="Email" type="email" value={email} autocomplete="username" required />
          <TextField name="password" label="Password" type="password" value="" autocomplete="current-password" required />
          <button type="submit" class="pp-btn pp-btn-primary pp-btn-block">
            Log in
          </button>
        </form>
      </section>
      <aside class="pp-auth-aside" aria-labelledby="join-title">
        <h2 id="join-title">Not a partner yet?</h2>
        <p>
          Eligible news publishers may republish our reporting for free. <a href="/republish">Read the terms and apply</a>. Once approved, you get an
          invitation link by email to set up your login.
        </p>
        <p class="pp-muted">Newsroom staff log in at the newsroom, not here.</p>
      </aside>
    </div>
  );
}

export interface InvitePageProps {
  csrf: string;
  token: string;
  outlet: string;
  kind: PartnerKind;
  email: string;
  expiresAt: string;
  name: string;
  message?: string | undefined;
  errors?: Errors | undefined;
}

const INVITE_LABELS: Record<string, string> = { name: 'Your name', password: 'Password', passwordConfirm: 'Password again' };

export function InvitePage(props: InvitePageProps) {
  return (
    <div class="pp-auth">
      <section class="pp-card pp-auth-card" aria-labelledby="invite-title">
        <p class="pp-eyebrow">Invitation</p>
        <h1 id="invite-title">Set up your login for {props.outlet}</h1>
        <p class="pp-lede">
          {props.kind === 'licensee' ? 'Your outlet holds a license for our reporting.' : 'Your outlet is approved for the republishing program.'} Choose your name and a password to finish; you will sign in with <strong>{props.email}</strong>.
        </p>
        <ErrorSummary message={props.message} errors={props.errors} labels={INVITE_LABELS} />
        <form method="post" action={`/partners/invite/${encodeURIComponent(props.token)}`} class="pp-stack">
          <PortalCsrfField token={props.csrf} />
          <TextField name="email" label="Email" type="email" value={props.email} autocomplete="username" readOnly hint="The address the invitation was sent to." />
          <TextField name="name" label="Your name" value={props.name} autocomplete="name" required maxLength={200} errors={props.errors} />
          <TextField
            name="password"
            label="Password"
            type="password"
            value=""
            autocomplete="new-password"
            required
            errors={props.errors}
            hint="At least 10 characters. A passphrase of several words is easiest to remember."
          />
          <TextField name="passwordConfirm" label="Password again" type="password" value="" autocomplete="new-password" required errors={props.errors} />
          <button type="submit" class="pp-btn pp-btn-primary pp-btn-block">
            Create my login
          </button>
        </form>
        <p class="pp-muted pp-small">
          This link works once and expires <LocalTime iso={props.expiresAt} />.
        </p>
      </section>
    </div>
  );
}

/** An invitation that cannot be used (expired, already used, unknown): say why and what to do. */
export function InvitationProblemPage({ status, message }: { status: number; message: string }) {
  const title = status === 410 ? 'This invitation can no longer be used' : status === 409 ? 'You already have a login' : 'This invitation link is not valid';
  return (
    <div class="pp-auth">
      <section class="pp-card pp-auth-card" aria-labelledby="invite-problem-title">
        <p class="pp-eyebrow">Invitation</p>
        <h1 id="invite-problem-title">{title}</h1>
        <p>{message}</p>
        <p>
          <a class="pp-btn pp-btn-primary" href="/partners/login">
            Go to the login page
          </a>
        </p>
      </section>
    </div>
  );
}
