/*
 * Tip line setup (/newsroom/tips/setup). The newsroom key pair is made here and its secret half
 * sealed with the admin's passphrase (argon2id, libsodium's moderate cost) before anything leaves
 * the browser: the server receives only the sealed record, never the passphrase or the key.
 */
import sodium from '/assets/vendor/libsodium-wrappers.mjs';
import * as tipCrypto from '/assets/tips/tip-crypto.mjs';

const form = document.getElementById('tips-setup-form');
const MIN_LENGTH = tipCrypto.PASSPHRASE_MIN_CHARS;

/** A rough strength estimate: bits from length and the kinds of characters used. */
function estimateBits(text) {
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(text)) pool += 33;
  // Repeated characters add little: count distinct ones generously, the rest at half weight.
  const distinct = new Set(text).size;
  const effective = distinct + (text.length - distinct) / 2;
  return Math.round(effective * Math.log2(Math.max(pool, 1)) * 0.6);
}

function strengthText(text) {
  if (text.length === 0) return 'Strength: enter a passphrase.';
  if (text.length < MIN_LENGTH) return `Strength: too short (${text.length} of at least ${MIN_LENGTH} characters).`;
  const bits = estimateBits(text);
  if (bits < 50) return 'Strength: weak. Add more words.';
  if (bits < 80) return 'Strength: fair. Another word or two makes it strong.';
  return 'Strength: strong.';
}

if (form) {
  form.hidden = false;
  const pass = document.getElementById('tips-passphrase');
  const again = document.getElementById('tips-passphrase-again');
  const understood = document.getElementById('tips-understood');
  const strength = document.getElementById('tips-strength');
  const status = document.getElementById('tips-setup-status');
  const button = form.querySelector('button[type="submit"]');
  const rotate = form.dataset.rotate === 'true';

  pass.addEventListener('input', () => {
    strength.textContent = strengthText(pass.value);
  });

  const fail = (message, field) => {
    status.textContent = message;
    status.classList.add('tips-error');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.classList.remove('tips-error');
    pass.removeAttribute('aria-invalid');
    again.removeAttribute('aria-invalid');
    const problem = tipCrypto.passphraseProblem(pass.value);
    if (problem) return fail(`${problem[0].toUpperCase()}${problem.slice(1)}.`, pass);
    if (pass.value !== again.value) return fail('The two passphrases differ. Type the same passphrase twice.', again);
    if (!understood.checked) return fail('Tick the box to confirm that a lost passphrase cannot be recovered.', understood);
    button.disabled = true;
    status.textContent = 'Making the key and locking it with your passphrase… (this takes a few seconds)';
    try {
      await sodium.ready;
      // Let the status paint before the derivation holds the thread for a second or two.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const record = tipCrypto.createNewsroomKey(sodium, pass.value);
      const response = await fetch('/newsroom/tips/keys', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': form.dataset.csrf },
        body: JSON.stringify({ key: record, rotate }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        button.disabled = false;
        return fail((body.error && body.error.message) || `The key could not be saved (HTTP ${response.status}).`);
      }
      pass.value = '';
      again.value = '';
      status.textContent = `Key ${body.fingerprint} is active. Reloading…`;
      window.location.assign('/newsroom/tips/setup?done=1');
    } catch (err) {
      button.disabled = false;
      fail(`The key could not be made: ${err && err.message ? err.message : err}`);
    }
  });
}
