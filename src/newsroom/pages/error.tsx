import type { FieldErrors } from '../../errors.js';

const TITLES: Record<number, string> = {
  400: 'Please check your request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That conflicts with the current state',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported format',
  429: 'Too many attempts',
  500: 'Something went wrong',
};

export function NewsroomErrorPage({ status, message, details, loggedIn }: { status: number; message: string; details?: FieldErrors | undefined; loggedIn: boolean }) {
  return (
    <div class="card error-card">
      <p class="error-status">Error {status}</p>
      <h1>{TITLES[status] ?? 'Error'}</h1>
      <p>{message}</p>
      {details && Object.keys(details).length > 0 && (
        <ul class="field-errors">
          {Object.entries(details).map(([field, msgs]) => (
            <li>
              <strong>{field}</strong> {msgs.join('; ')}
            </li>
          ))}
        </ul>
      )}
      <p class="button-row">
        {loggedIn ? (
          <a class="btn btn-secondary" href="/newsroom/stories">
            Back to stories
          </a>
        ) : (
          <a class="btn btn-secondary" href="/newsroom/login">
            Log in
          </a>
        )}
      </p>
    </div>
  );
}

export function errorTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}
