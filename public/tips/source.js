/**
 * The tip form, encrypted in the source's browser. Loaded as a module from our own origin by
 * /tips and /tips/check; libsodium and the tip format come from here too (no third party).
 *
 * Until libsodium has loaded, the form stays a plain form (the server then encrypts on arrival,
 * and the page says so). Once it has, submitting:
 *  1. removes metadata from JPEG, PNG and WebP images (other files get a warning when chosen),
 *  2. encrypts each attachment under its own key (crypto_secretstream), and seals the text with
 *     the attachments' names, types and keys to the newsroom's public key (crypto_box_seal),
 *  3. posts only ciphertext: the token, the key id, the sealed message and the encrypted files
 *     (whose multipart file names are generic, so not even a file's name is sent in the clear).
 */
const SODIUM_URL = '/assets/vendor/libsodium-wrappers.mjs';
const CRYPTO_URL = '/assets/tips/tip-crypto.mjs';

const STRIPPABLE = new Set(['image/jpeg', 'image/png', 'image/webp']);

// ---- metadata removal -----------------------------------------------------------------------

function concat(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** JPEG without APP1–APP15 (EXIF, XMP, ICC, Photoshop…) and COM segments, or null if unreadable. */
export function stripJpeg(b) {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  const out = [b.subarray(0, 2)];
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1];
    if (m === 0xff) {
      i += 1;
      continue;
    }
    if (m === 0xd9) {
      out.push(b.subarray(i, i + 2));
      return concat(out); // anything after the end of the image is dropped too
    }
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      out.push(b.subarray(i, i + 2));
      i += 2;
      continue;
    }
    if (i + 4 > b.length) return null;
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > b.length) return null;
    const drop = (m >= 0xe1 && m <= 0xef) || m === 0xfe;
    if (!drop) out.push(b.subarray(i, i + 2 + len));
    i += 2 + len;
    if (m === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      let j = i;
      while (j + 1 < b.length && !(b[j] === 0xff && b[j + 1] !== 0x00 && !(b[j + 1] >= 0xd0 && b[j + 1] <= 0xd7))) j += 1;
      if (j + 1 >= b.length) return null;
      out.push(b.subarray(i, j));
      i = j;
    }
  }
  return null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_DROP = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);

/** PNG without text, EXIF and time chunks, or null if unreadable. */
export function stripPng(b) {
  if (b.length < 8 || PNG_SIGNATURE.some((v, k) => b[k] !== v)) return null;
  const out = [b.subarray(0, 8)];
  let i = 8;
  while (i + 12 <= b.length) {
    const len = ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    const end = i + 12 + len;
    if (end > b.length) return null;
    if (!PNG_DROP.has(type)) out.push(b.subarray(i, end));
    i = end;
    if (type === 'IEND') return concat(out);
  }
  return null;
}

/** WebP without EXIF and XMP chunks (and their flags in VP8X), or null if unreadable. */
export function stripWebp(b) {
  const tag = (at) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  if (b.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WEBP') return null;
  const out = [new Uint8Array(12)];
  out[0].set(b.subarray(0, 12));
  let i = 12;
  while (i + 8 <= b.length) {
    const size = b[i + 4] + (b[i + 5] << 8) + (b[i + 6] << 16) + ((b[i + 7] << 24) >>> 0);
    const end = i + 8 + size + (size & 1);
    if (end > b.length) return null;
    const type = tag(i);
    if (type === 'VP8X') {
      const copy = b.slice(i, end);
      copy[8] &= ~(0x08 | 0x04); // the EXIF and XMP flags
      out.push(copy);
    } else if (type !== 'EXIF' && type !== 'XMP ') {
      out.push(b.subarray(i, end));
    }
    i = end;
  }
  const result = concat(out);
  const riff = result.length - 8;
  result[4] = riff & 255;
  result[5] = (riff >> 8) & 255;
  result[6] = (riff >> 16) & 255;
  result[7] = (riff >>> 24) & 255;
  return result;
}

/** The file's bytes without metadata when the format allows, and whether that was done. */
function stripMetadata(bytes) {
  let clean = null;
  if (bytes[0] === 0xff && bytes[1] === 0xd8) clean = stripJpeg(bytes);
  else if (bytes[0] === 0x89 && bytes[1] === 0x50) clean = stripPng(bytes);
  else if (bytes[0] === 0x52 && bytes[8] === 0x57) clean = stripWebp(bytes);
  return clean ? { bytes: clean, stripped: true } : { bytes, stripped: false };
}

// ---- the page -------------------------------------------------------------------------------

function megabytes(n) {
  const mb = n / (1024 * 1024);
  if (mb < 1) return `${Math.floor(n / 1024)} KB`;
  return `${mb >= 10 ? Math.floor(mb) : Math.floor(mb * 10) / 10} MB`;
}

function showAlert(form, message) {
  const alert = form.querySelector('.tip-alert');
  alert.replaceChildren();
  const p = document.createElement('p');
  p.textContent = message;
  alert.append(p);
  alert.hidden = false;
  alert.focus();
}

function setProgress(form, label, value) {
  const box = form.querySelector('.tip-progress');
  box.hidden = label === null;
  if (label === null) return;
  box.querySelector('progress').value = value;
  box.querySelector('p').textContent = label;
}

function describeFiles(form) {
  const input = form.querySelector('input[type=file]');
  const list = form.querySelector('.tip-file-notes');
  list.replaceChildren();
  const max = Number(form.dataset.maxBytes);
  const maxFiles = Number(form.dataset.maxFiles);
  let total = 0;
  for (const f of input.files) {
    total += f.size;
    const li = document.createElement('li');
    if (STRIPPABLE.has(f.type)) {
      li.textContent = `${f.name}: hidden metadata (camera, location) will be removed before encryption.`;
    } else {
      li.className = 'tip-warn';
      li.textContent = `${f.name}: metadata could not be removed from this kind of file. It may contain your name, your device or the document’s history; check it before sending.`;
    }
    list.append(li);
  }
  const problem =
    input.files.length > maxFiles ? `Choose at most ${maxFiles} files.` : total > max ? `These files are ${megabytes(total)} together; the limit is ${megabytes(max)}.` : '';
  if (problem) {
    const li = document.createElement('li');
    li.className = 'tip-warn';
    li.textContent = problem;
    list.append(li);
  }
}

function post(form, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      resolve({ status: xhr.status, data });
    };
    xhr.onerror = () => reject(new Error('network'));
    xhr.send(body);
  });
}

function showCodename(form, codename) {
  const template = document.getElementById('tip-codename-template');
  const section = template.content.firstElementChild.cloneNode(true);
  section.querySelector('output').textContent = codename;
  const container = document.getElementById('tip-send-section');
  container.replaceWith(section);
  wireCopy(section);
  section.querySelector('#tip-received').focus();
}

async function send(form, sodium, tipCrypto) {
  const textarea = form.querySelector('textarea[name=message]');
  const input = form.querySelector('input[type=file]');
  const button = form.querySelector('button[type=submit]');
  const files = [...input.files];
  const max = Number(form.dataset.maxBytes);
  const maxFiles = Number(form.dataset.maxFiles);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (textarea.value.trim() === '' && files.length === 0) return showAlert(form, 'Write a message or attach a file.');
  if (files.length > maxFiles) return showAlert(form, `Choose at most ${maxFiles} files (send more in a follow-up, or in a zip file).`);
  if (total > max) return showAlert(form, `The attachments are too large: at most ${megabytes(max)} in all.`);
  button.disabled = true;
  form.querySelector('.tip-alert').hidden = true;
  try {
    setProgress(form, 'Encrypting in your browser…', 0);
    const publicKey = tipCrypto.fromBase64(sodium, form.dataset.publicKey, 'newsroom key');
    const refs = [];
    const blobs = [];
    for (const [n, f] of files.entries()) {
      const original = new Uint8Array(await f.arrayBuffer());
      const { bytes } = stripMetadata(original);
      const { key, ciphertext } = tipCrypto.encryptAttachment(sodium, bytes);
      refs.push({ name: f.name.slice(0, 200), type: (f.type || 'application/octet-stream').slice(0, 100), size: bytes.length, key });
      blobs.push(new Blob([ciphertext], { type: 'application/octet-stream' }));
      original.fill(0);
      bytes.fill(0);
      setProgress(form, `Encrypting in your browser… (${n + 1} of ${files.length} files)`, Math.round(((n + 1) / files.length) * 20));
    }
    const sealed = tipCrypto.sealMessage(sodium, publicKey, { text: textarea.value, attachments: refs });
    const body = new FormData();
    // The token first: the server checks it before reading anything else.
    body.append('token', form.querySelector('input[name=token]').value);
    body.append('key_id', form.dataset.keyId);
    const codename = form.querySelector('input[name=codename]');
    if (codename) body.append('codename', codename.value);
    body.append('sealed', new Blob([sealed], { type: 'application/octet-stream' }), 'message.bin');
    for (const blob of blobs) body.append('attachment', blob, 'attachment.bin');
    setProgress(form, 'Sending the encrypted message…', 20);
    const { status, data } = await post(form, body, (share) => setProgress(form, `Sending the encrypted message… ${Math.round(share * 100)}%`, 20 + Math.round(share * 80)));
    setProgress(form, null, 0);
    if (status >= 200 && status < 300 && data) {
      if (data.codename) return showCodename(form, data.codename);
      textarea.value = '';
      input.value = '';
      form.querySelector('.tip-file-notes').replaceChildren();
      if (data.token) form.querySelector('input[name=token]').value = data.token;
      const alert = form.querySelector('.tip-alert');
      alert.hidden = true;
      const note = document.getElementById('tip-sent') ?? document.createElement('p');
      note.id = 'tip-sent';
      note.className = 'tip-notice';
      note.setAttribute('role', 'status');
      note.textContent = 'Your message was sent. Check back with your codename for replies.';
      form.before(note);
      return undefined;
    }
    return showAlert(form, `Your message was not sent. ${data?.error?.message ?? `The server answered ${status}.`}`);
  } catch (err) {
    setProgress(form, null, 0);
    return showAlert(form, err && err.message === 'network' ? 'Your message was not sent: the connection failed. Try again.' : 'Your message could not be encrypted in this browser. Try again, or turn JavaScript off to use the plain form.');
  } finally {
    button.disabled = false;
  }
}

function wireCopy(root) {
  for (const button of root.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      const status = button.parentElement.querySelector('.tip-copied');
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        status.textContent = 'Copied.';
      } catch {
        window.getSelection().selectAllChildren(source);
        status.textContent = 'Selected: copy it with your keyboard.';
      }
    });
  }
}

async function enhance(form) {
  let ready = null;
  form.addEventListener('submit', (event) => {
    // Not ready (libsodium still loading, or unavailable): the plain form goes, encrypted on arrival.
    if (!ready) return;
    event.preventDefault();
    void send(form, ready.sodium, ready.tipCrypto);
  });
  form.querySelector('input[type=file]').addEventListener('change', () => describeFiles(form));
  try {
    const [sodiumModule, tipCrypto] = await Promise.all([import(SODIUM_URL), import(CRYPTO_URL)]);
    const sodium = sodiumModule.default;
    await sodium.ready;
    ready = { sodium, tipCrypto };
    const mode = form.querySelector('.tip-mode');
    mode.dataset.mode = 'browser';
    mode.textContent = 'Your browser encrypts your message and files before they leave this device; our server receives only ciphertext.';
  } catch {
    // The plain form still works; the page already says what that means.
  }
}

// Also imported by Node tests for the metadata functions above, where there is no document.
if (typeof document !== 'undefined') {
  wireCopy(document);
  for (const form of document.querySelectorAll('form[data-tip-form]')) void enhance(form);
}
