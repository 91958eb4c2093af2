/** A partner user's own password. */
import { ErrorSummary, TextField, type Errors } from '../../newsroom/pages/components.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import { PageHead } from './parts.js';

export interface PasswordPageProps {
  csrf: string;
  email: string;
  message?: string | undefined;
  errors?: Errors | undefined;
}

const LABELS: Record<string, string> = { currentPassword: 'Current password', password: 'New password', passwordConfirm: 'New password again' };

export function PasswordPage({ csrf, email, message, errors }: PasswordPageProps) {
  return (
    <>
      <PageHead title="Your password" lede={`For your login ${email}.`} />
      <section class="pp-card" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <ErrorSummary message={message} errors={errors} labels={LABELS} />
        <form method="post" action="/partners/password" class="pp-stack" novalidate>
          <PortalCsrfField token={csrf} />
          <input type="text" name="username" value={email} autocomplete="username" hidden readOnly />
          <TextField name="currentPassword" label="Current password" type="password" value="" autocomplete="current-password" required errors={errors} />
          <TextField
            name="password"
            label="New password"
            type="password"
            value=""
            autocomplete="new-password"
            required
            errors={errors}
            hint="At least 10 characters. Everywhere else you are signed in is logged out; this browser stays signed in."
          />
          <TextField name="passwordConfirm" label="New password again" type="password" value="" autocomplete="new-password" required errors={errors} />
          <div>
            <button type="submit" class="pp-btn pp-btn-primary">
              Change password
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
