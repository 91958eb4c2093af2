import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, TextField } from './components.js';

export interface LoginPageProps {
  csrf: string;
  email: string;
  next: string;
  /** Shown above the form: a failed attempt or a rate limit. */
  message?: string | undefined;
}

export function LoginPage({ csrf, email, next, message }: LoginPageProps) {
  return (
    <div class="login-card card">
      <h1>Log in to the newsroom</h1>
      <ErrorSummary message={message} />
      <form method="post" action="/newsroom/login" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="next" value={next} />
        <TextField name="email" label="Email" type="email" value={email} autocomplete="username" required />
        <TextField name="password" label="Password" type="password" value="" autocomplete="current-password" required />
        <button type="submit" class="btn btn-primary btn-block">
          Log in
        </button>
      </form>
      <p class="hint">Forgot your password? Ask an admin to reset it.</p>
    </div>
  );
}
