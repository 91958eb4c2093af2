/** Errors inside the portal, in the portal's own frame with a way back. */
import type { FieldErrors } from '../../errors.js';

const TITLES: Record<number, string> = {
  400: 'Please check your request',
  401: 'Please log in',
  403: 'Not available',
  404: 'Not found',
  409: 'That conflicts with the current state',
  410: 'No longer available',
  413: 'Too large',
  415: 'Unsupported format',
  429: 'Too many requests',
  500: 'Something went wrong',
};

export function portalErrorTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

export function PortalErrorPage({ status, message, details, loggedIn }: { status: number; message: string; details?: FieldErrors | undefined; loggedIn: boolean }) {
  return (
    <section class="pp-card pp-error" aria-labelledby="error-title">
      <p class="pp-eyebrow">Error {status}</p>
      <h1 id="error-title">{portalErrorTitle(status)}</h1>
      <p>{message}</p>
      {details && Object.keys(details).length > 0 && (
        <ul>
          {Object.entries(details).map(([field, msgs]) => (
            <li>
              <strong>{field}</strong> {msgs.join('; ')}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a class="pp-btn pp-btn-primary" href={loggedIn ? '/partners' : '/partners/login'}>
          {loggedIn ? 'Back to the overview' : 'Go to the login page'}
        </a>
      </p>
    </section>
  );
}
