import type { FieldErrors } from '../errors.js';

const TITLES: Record<number, string> = {
  400: 'Please check your request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'That conflicts with the current state',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported format',
  429: 'Too many requests',
  500: 'Something went wrong',
};

/** A self-contained error page (no database access: it must render when everything else fails). */
export function ErrorPage({ status, message, details }: { status: number; message: string; details?: FieldErrors | undefined }) {
  const title = TITLES[status] ?? 'Error';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} (${status})`}</title>
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body>
        <main id="main" class="container error-page">
          <h1>{title}</h1>
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
          <p>
            <a href="/">Go to the home page</a>
          </p>
        </main>
      </body>
    </html>
  );
}
