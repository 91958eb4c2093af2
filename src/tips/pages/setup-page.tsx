/**
 * /newsroom/tips/setup: an admin makes (or rotates) the tip line's key. The key pair is made and
 * sealed with the passphrase in the browser (public/tips/setup.js); the form's passphrase fields
 * have no `name`, so even a submission without the script could never carry them to the server.
 */
import type { TipKeyInfo } from '../keys.js';
import { PageHeader, Time } from '../../newsroom/pages/components.js';

export interface SetupPageProps {
  keys: TipKeyInfo[];
  csrf: string;
  /** Whether this admin may read the inbox (they get access when they set a key up). */
  canRead: boolean;
  /** Just created or rotated (after the script's reload). */
  done?: boolean;
}

export function TipSetupPage({ keys, csrf, canRead, done }: SetupPageProps) {
  const active = keys.find((k) => k.active);
  const rotating = !!active;
  return (
    <>
      <link rel="stylesheet" href="/assets/tips/inbox.css" />
      <PageHeader title="Tip line setup">{canRead && <a class="btn btn-secondary" href="/newsroom/tips">Open the tips inbox</a>}</PageHeader>
      {done && active && (
        <div class="flash flash-success" role="status">
          <span>
            The tip line key {active.fingerprint} is active. Sources can send tips now, and you can read them in the inbox.
          </span>
        </div>
      )}
      <div class="two-col tips-setup">
        <section class="card stack" aria-labelledby="tips-keys-title">
          <h2 id="tips-keys-title">Keys</h2>
          {keys.length === 0 ? (
            <p>The tip line has no key yet, so the tips page tells sources that tips are not accepted yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="table">
                <caption class="visually-hidden">Tip line keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Fingerprint</th>
                    <th scope="col">Created</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr>
                      <td>
                        <code class="tips-fingerprint">{k.fingerprint}</code>
                      </td>
                      <td>
                        <Time iso={k.createdAt} />
                      </td>
                      <td>
                        {k.active ? (
                          <strong>Active: new tips are sealed to it</strong>
                        ) : (
                          <>
                            Retired <Time iso={k.retiredAt} />
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="hint">
            Compare the active fingerprint with the one your colleagues see before trusting a new key. Everyone who reads tips needs the passphrase; share it
            in person, never by email or chat.
          </p>
        </section>
        <section class="card stack" aria-labelledby="tips-new-key-title">
          <h2 id="tips-new-key-title">{rotating ? 'Rotate the key' : 'Create the tip line key'}</h2>
          <div class="notice tips-warning">
            <p>
              <strong>If the passphrase is lost, the tips sealed to this key can never be read.</strong> Nobody can recover it: not an admin, not the server,
              not Freewire. Write it down and keep it somewhere safe.
            </p>
          </div>
          {rotating && (
            <p>
              Rotating makes a new key for new tips. Tips already received stay sealed to the old key and stay readable with the <em>old</em> passphrase:
              keep it as long as you keep those tips.
            </p>
          )}
          <noscript>
            <p class="notice">
              Setting up the key needs JavaScript: the key is made and locked with your passphrase in this browser, so the passphrase never reaches the
              server. On the server you can instead run <code>npx freewire tips setup --passphrase-stdin</code>.
            </p>
          </noscript>
          <form id="tips-setup-form" class="stack" hidden data-csrf={csrf} data-rotate={rotating ? 'true' : 'false'} novalidate>
            <div class="field">
              <label for="tips-passphrase">
                Passphrase<span class="req"> (required)</span>
              </label>
              <p class="hint" id="tips-passphrase-hint">
                At least 16 characters; best five or more random words. Every editor who reads tips types it to unlock the inbox.
              </p>
              <input id="tips-passphrase" type="password" autocomplete="new-password" required aria-describedby="tips-passphrase-hint tips-strength" />
              <p class="tips-strength" id="tips-strength" aria-live="polite">
                Strength: enter a passphrase.
              </p>
            </div>
            <div class="field">
              <label for="tips-passphrase-again">
                Passphrase again<span class="req"> (required)</span>
              </label>
              <input id="tips-passphrase-again" type="password" autocomplete="new-password" required />
            </div>
            <div class="field">
              <label class="choice" for="tips-understood">
                <input id="tips-understood" type="checkbox" required />
                <span>I understand that a lost passphrase means these tips cannot be read by anyone.</span>
              </label>
            </div>
            <p class="tips-status" id="tips-setup-status" role="status" aria-live="polite"></p>
            <div>
              <button type="submit" class={rotating ? 'btn btn-warning' : 'btn btn-primary'}>
                {rotating ? 'Rotate to a new key' : 'Create the key'}
              </button>
            </div>
          </form>
        </section>
      </div>
      <script type="module" src="/assets/tips/setup.js" />
    </>
  );
}
