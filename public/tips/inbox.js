/*
 * The tips inbox (/newsroom/tips). The passphrase opens the tip line's keys HERE, in this tab:
 * the opened secret keys live only in this module's memory (never in storage, cookies or the
 * URL) and are wiped when the inbox is locked. The server sends ciphertext and metadata as JSON;
 * everything readable is made and shown in this page, as text (never as HTML).
 */
import sodium from '/assets/vendor/libsodium-wrappers.mjs';
import * as tipCrypto from '/assets/tips/tip-crypto.mjs';

const root = document.getElementById('tips-app');
const $ = (id) => document.getElementById(id);

/** keyId → {publicKey, privateKey, fingerprint}; only the keys the passphrases opened. */
const opened = new Map();
let allKeys = [];
let activeKeyId = null;
let readers = [];
const listState = { status: 'active', assignee: 'anyone', label: '', page: 1 };
/** The open conversation: its detail from the server and its opened messages. */
let current = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function api(path, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = root.dataset.csrf;
  }
  return fetch(path, {
    method: opts.method || (opts.body !== undefined ? 'POST' : 'GET'),
    credentials: 'same-origin',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  }).then(async (response) => {
    if (opts.raw && response.ok) return response;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error((body.error && body.error.message) || `The server answered ${response.status}.`);
      err.status = response.status;
      err.details = body.error && body.error.details;
      throw err;
    }
    return body;
  });
}

function errorText(err) {
  const details = err.details ? Object.entries(err.details).map(([f, m]) => `${f} ${m.join('; ')}`) : [];
  return [err.message, ...details].join(' ');
}

function setStatus(id, text, isError) {
  const node = $(id);
  if (!node) return;
  node.textContent = text;
  node.classList.toggle('tips-error', !!isError);
}

// ---- times and sizes ------------------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Received times are whole hours on purpose: say "between 14:00 and 15:00", not "14:00". */
function hourRange(iso) {
  const start = new Date(iso);
  if (Number.isNaN(start.getTime())) return iso;
  const end = new Date(start.getTime() + 3600_000);
  return `${dateFormat.format(start)}, ${hourFormat.format(start)}–${hourFormat.format(end)}`;
}

function timeEl(iso) {
  return el('time', { datetime: iso, title: 'Times are kept to the hour only, to protect sources' }, hourRange(iso));
}

function bytes(n) {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

const STATUS = { new: 'New', open: 'Open', closed: 'Closed' };

// ---- unlocking ----------------------------------------------------------------------------

async function unlock(event) {
  event.preventDefault();
  const passphrases = [$('tips-unlock-passphrase').value, $('tips-unlock-older').value].filter((p) => p !== '');
  const input = $('tips-unlock-passphrase');
  input.removeAttribute('aria-invalid');
  if (passphrases.length === 0) {
    input.setAttribute('aria-invalid', 'true');
    return setStatus('tips-unlock-status', 'Enter the passphrase.', true);
  }
  const button = $('tips-unlock').querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await sodium.ready;
    const { items } = await api('/newsroom/tips/keys');
    allKeys = items;
    activeKeyId = (items.find((k) => k.active) || {}).id || null;
    for (const [i, key] of items.entries()) {
      if (opened.has(key.id)) continue;
      for (const passphrase of passphrases) {
        setStatus('tips-unlock-status', `Trying the passphrase on key ${i + 1} of ${items.length}…`);
        // Let the status paint: each try holds the thread for about a second.
        await new Promise((resolve) => setTimeout(resolve, 20));
        try {
          const pair = tipCrypto.unlockNewsroomKey(sodium, key, passphrase);
          opened.set(key.id, { ...pair, fingerprint: key.fingerprint });
          break;
        } catch (err) {
          if (!err || err.code !== 'WRONG_PASSPHRASE') throw err;
        }
      }
    }
    if (opened.size === 0) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return setStatus('tips-unlock-status', 'That passphrase does not open the tip line’s key. Check it and try again (it is case-sensitive).', true);
    }
    $('tips-unlock-passphrase').value = '';
    $('tips-unlock-older').value = '';
    setStatus('tips-unlock-status', '');
    $('tips-unlock').hidden = true;
    $('tips-inbox').hidden = false;
    $('tips-lock').hidden = false;
    const locked = items.filter((k) => !opened.has(k.id));
    setStatus(
      'tips-key-note',
      locked.length === 0
        ? 'Unlocked. The key stays open in this tab until you lock the inbox or close the tab.'
        : `Unlocked ${opened.size} of ${items.length} keys. Tips sealed to ${locked.map((k) => k.fingerprint).join(', ')} stay locked: lock and unlock again with their passphrase too.`,
      false,
    );
    readers = (await api('/newsroom/tips/readers')).items;
    fillAssigneeFilter();
    await loadList();
    await openFromHash();
  } catch (err) {
    setStatus('tips-unlock-status', `The inbox could not be unlocked: ${errorText(err)}`, true);
  } finally {
    button.disabled = false;
  }
}

function lock() {
  for (const pair of opened.values()) sodium.memzero(pair.privateKey);
  opened.clear();
  current = null;
  // A reload also drops every decrypted text from the page.
  window.location.replace('/newsroom/tips');
}

// ---- the list -----------------------------------------------------------------------------

function fillAssigneeFilter() {
  const select = $('tips-filter-assignee');
  for (const r of readers) {
    if (r.id === root.dataset.user) continue;
    select.append(el('option', { value: r.id }, r.name || r.email));
  }
}

async function loadList() {
  setStatus('tips-list-status', 'Loading…');
  const q = new URLSearchParams({ status: listState.status, assignee: listState.assignee, page: String(listState.page) });
  if (listState.label) q.set('label', listState.label);
  let data;
  try {
    data = await api(`/newsroom/tips/conversations?${q}`);
  } catch (err) {
    return setStatus('tips-list-status', errorText(err), true);
  }
  const list = $('tips-list');
  list.replaceChildren(
    ...data.items.map((c) =>
      el(
        'li',
        { class: `tips-item${c.unread ? ' tips-unread' : ''}${current && current.id === c.id ? ' tips-current' : ''}` },
        el(
          'a',
          { href: `#tip-${c.id}`, 'aria-current': current && current.id === c.id ? 'true' : undefined },
          el('span', { class: 'tips-item-title' }, c.unread ? el('strong', {}, 'Unread · ') : null, `Received `, timeEl(c.receivedAt)),
          el(
            'span',
            { class: 'tips-item-meta' },
            el('span', { class: `badge tips-status-${c.status}` }, STATUS[c.status]),
            ` ${c.messageCount} ${c.messageCount === 1 ? 'message' : 'messages'}`,
            c.attachmentCount ? `, ${c.attachmentCount} ${c.attachmentCount === 1 ? 'attachment' : 'attachments'}` : '',
            ` (${bytes(c.totalBytes)})`,
          ),
          el(
            'span',
            { class: 'tips-item-meta' },
            'Last activity ',
            timeEl(c.lastActivityAt),
            c.assignee ? ` · ${c.assignee.name || c.assignee.email}` : ' · unassigned',
          ),
          c.labels.length ? el('span', { class: 'tips-labels' }, ...c.labels.map((l) => el('span', { class: 'tips-label' }, l))) : null,
        ),
      ),
    ),
  );
  setStatus('tips-list-status', data.items.length === 0 ? 'No tips match.' : `${data.items.length} ${data.items.length === 1 ? 'tip' : 'tips'} on this page.`);
  $('tips-pages').hidden = data.page === 1 && !data.hasMore;
  $('tips-newer').disabled = data.page === 1;
  $('tips-older').disabled = !data.hasMore;
  $('tips-page-number').textContent = `Page ${data.page}`;
}

// ---- one conversation ---------------------------------------------------------------------

function openMessage(m) {
  const pair = opened.get(m.keyId);
  if (!pair) {
    const key = allKeys.find((k) => k.id === m.keyId);
    return { locked: `Sealed to an older key (${key ? key.fingerprint : 'unknown'}) that this passphrase does not open.` };
  }
  try {
    return { message: tipCrypto.openMessage(sodium, tipCrypto.fromBase64(sodium, m.sealed, 'message'), pair) };
  } catch (err) {
    return { locked: `This message could not be opened: ${err.message}` };
  }
}

async function openFromHash() {
  const m = /^#tip-([0-9a-f-]{36})$/.exec(window.location.hash);
  if (!m || opened.size === 0) return;
  const detail = $('tips-detail');
  detail.replaceChildren(el('h2', { id: 'tips-detail-title' }, 'Opening…'));
  let data;
  try {
    data = await api(`/newsroom/tips/conversations/${m[1]}`);
  } catch (err) {
    current = null;
    detail.replaceChildren(el('h2', { id: 'tips-detail-title' }, 'This tip could not be opened'), el('p', { class: 'tips-error' }, errorText(err)));
    return;
  }
  current = { ...data, opened: data.messages.map(openMessage) };
  renderDetail();
  detail.focus();
  loadList();
}

function messageView(m, result) {
  const who = m.author === 'source' ? 'Source' : `Newsroom${m.authorEmail ? ` (${m.authorEmail})` : ''}`;
  const where =
    m.author === 'source'
      ? m.encryptedIn === 'browser'
        ? el('span', { class: 'badge tips-enc-browser' }, 'Encrypted in the source’s browser')
        : el('span', { class: 'badge tips-enc-server', title: 'Sent without JavaScript: the server encrypted it on arrival' }, 'Encrypted by the server (no-JavaScript form)')
      : null;
  const body = [];
  if (result.locked) body.push(el('p', { class: 'tips-locked' }, result.locked));
  else {
    body.push(el('div', { class: 'tips-text' }, result.message.text));
    if (result.message.attachments.length) {
      body.push(
        el(
          'ul',
          { class: 'tips-attachments', 'aria-label': 'Attachments' },
          ...result.message.attachments.map((ref, position) => {
            const stored = m.attachments.find((a) => a.position === position);
            return el(
              'li',
              {},
              stored
                ? el('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => download(stored, ref) }, `Download ${ref.name} (${bytes(ref.size)})`)
                : el('span', { class: 'muted' }, `${ref.name}: missing`),
              ref.type ? el('span', { class: 'muted' }, ` ${ref.type}`) : null,
            );
          }),
        ),
      );
    }
  }
  return el(
    'li',
    { class: `tips-message tips-from-${m.author}` },
    el('p', { class: 'tips-message-head' }, el('strong', {}, who), ' · ', timeEl(m.receivedAt), ' ', where),
    ...body,
  );
}

function renderDetail() {
  const c = current;
  const detail = $('tips-detail');
  const labelsInput = el('input', { id: 'tips-edit-labels', type: 'text', value: c.labels.join(', '), maxlength: 400, 'aria-describedby': 'tips-edit-labels-hint' });
  const statusSelect = el(
    'select',
    { id: 'tips-edit-status' },
    ...['open', 'closed'].map((s) => el('option', { value: s, selected: (c.status === 'new' ? 'open' : c.status) === s }, STATUS[s])),
  );
  const assigneeSelect = el(
    'select',
    { id: 'tips-edit-assignee' },
    el('option', { value: '' }, 'Nobody'),
    ...readers.map((r) => el('option', { value: r.id, selected: c.assignee && c.assignee.id === r.id }, r.name ? `${r.name} (${r.email})` : r.email)),
  );
  const replyText = el('textarea', { id: 'tips-reply-text', rows: 5, maxlength: tipCrypto.MAX_TEXT, 'aria-describedby': 'tips-reply-hint' });
  detail.replaceChildren(
    el('h2', { id: 'tips-detail-title' }, 'Tip received ', timeEl(c.receivedAt)),
    el(
      'p',
      { class: 'tips-item-meta' },
      el('span', { class: `badge tips-status-${c.status}` }, STATUS[c.status]),
      ` ${c.messageCount} ${c.messageCount === 1 ? 'message' : 'messages'}, ${bytes(c.totalBytes)} · last activity `,
      timeEl(c.lastActivityAt),
    ),
    el('ol', { class: 'tips-messages' }, ...c.messages.map((m, i) => messageView(m, c.opened[i]))),
    el(
      'form',
      { id: 'tips-reply', class: 'stack tips-box', novalidate: true, onsubmit: sendReply },
      el('h3', {}, 'Reply to the source'),
      el('div', { class: 'field' }, el('label', { for: 'tips-reply-text' }, 'Reply'), el('p', { class: 'hint', id: 'tips-reply-hint' }, 'Encrypted here so that only the source (with their codename) and people who can unlock this inbox can read it. The source sees it when they next check with their codename.'), replyText),
      el('p', { class: 'tips-status', id: 'tips-reply-status', role: 'status', 'aria-live': 'polite' }),
      el('div', {}, el('button', { type: 'submit', class: 'btn btn-primary' }, 'Send reply')),
    ),
    el(
      'form',
      { id: 'tips-edit', class: 'stack tips-box', novalidate: true, onsubmit: saveEdit },
      el('h3', {}, 'Status, assignee and labels'),
      el('div', { class: 'grid-2' }, el('div', { class: 'field' }, el('label', { for: 'tips-edit-status' }, 'Status'), statusSelect), el('div', { class: 'field' }, el('label', { for: 'tips-edit-assignee' }, 'Assign to'), assigneeSelect)),
      el('div', { class: 'field' }, el('label', { for: 'tips-edit-labels' }, 'Labels'), el('p', { class: 'hint', id: 'tips-edit-labels-hint' }, 'Separate labels with commas; letters, digits, spaces, dots and hyphens, up to 32 characters each.'), labelsInput),
      el('p', { class: 'tips-status', id: 'tips-edit-status-msg', role: 'status', 'aria-live': 'polite' }),
      el('div', { class: 'button-row' }, el('button', { type: 'submit', class: 'btn btn-secondary' }, 'Save changes')),
    ),
    el(
      'div',
      { class: 'tips-box stack' },
      el('h3', {}, 'Delete'),
      el('p', {}, 'Deleting removes every message and attachment of this conversation from the server for good. If the source writes again with their codename, a new conversation starts.'),
      el('div', {}, el('button', { type: 'button', class: 'btn btn-danger', id: 'tips-delete', onclick: deleteTip }, 'Delete this tip…')),
      el('p', { class: 'tips-status', id: 'tips-delete-status', role: 'status', 'aria-live': 'polite' }),
    ),
  );
}

async function download(stored, ref) {
  try {
    const response = await api(`/newsroom/tips/conversations/${current.id}/attachments/${stored.id}`, { raw: true });
    const ciphertext = new Uint8Array(await response.arrayBuffer());
    const plain = tipCrypto.decryptAttachment(sodium, ciphertext, ref.key);
    const url = URL.createObjectURL(new Blob([plain], { type: 'application/octet-stream' }));
    const a = el('a', { href: url, download: ref.name || 'attachment', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    setStatus('tips-delete-status', `The attachment could not be opened: ${errorText(err)}`, true);
  }
}

async function sendReply(event) {
  event.preventDefault();
  const text = $('tips-reply-text').value;
  if (text.trim() === '') return setStatus('tips-reply-status', 'Write a reply first.', true);
  const active = opened.get(activeKeyId);
  if (!active) return setStatus('tips-reply-status', 'Replies are sealed to the active key too; unlock it with its passphrase first.', true);
  const button = event.target.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const payload = { text };
    const sealed = tipCrypto.sealMessage(sodium, active.publicKey, payload);
    const sealedForSource = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, current.replyPublicKey, 'reply key'), payload);
    await api(`/newsroom/tips/conversations/${current.id}/replies`, {
      body: { keyId: activeKeyId, sealed: tipCrypto.toBase64(sodium, sealed), sealedForSource: tipCrypto.toBase64(sodium, sealedForSource) },
    });
    await openFromHash();
    setStatus('tips-reply-status', 'Reply sent.');
  } catch (err) {
    setStatus('tips-reply-status', `The reply was not sent: ${errorText(err)}`, true);
  } finally {
    button.disabled = false;
  }
}

async function saveEdit(event) {
  event.preventDefault();
  const body = {
    revision: current.revision,
    status: $('tips-edit-status').value,
    assigneeId: $('tips-edit-assignee').value || null,
    labels: $('tips-edit-labels').value,
  };
  try {
    const updated = await api(`/newsroom/tips/conversations/${current.id}`, { body });
    Object.assign(current, updated);
    renderDetail();
    setStatus('tips-edit-status-msg', 'Saved.');
    loadList();
  } catch (err) {
    if (err.status === 409) {
      setStatus('tips-edit-status-msg', `${err.message}`, true);
      const row = $('tips-edit').querySelector('.button-row');
      if (!row.querySelector('.tips-reload')) {
        row.append(el('button', { type: 'button', class: 'btn btn-secondary tips-reload', onclick: () => openFromHash() }, 'Reload this tip'));
      }
    } else setStatus('tips-edit-status-msg', errorText(err), true);
  }
}

async function deleteTip() {
  if (!window.confirm('Delete this tip with all its messages and attachments? This cannot be undone.')) return;
  try {
    await api(`/newsroom/tips/conversations/${current.id}/delete`, { body: {} });
    current = null;
    history.replaceState(null, '', '/newsroom/tips');
    $('tips-detail').replaceChildren(el('h2', { id: 'tips-detail-title' }, 'Tip deleted'), el('p', {}, 'The conversation and its attachments are gone from the server.'));
    await loadList();
  } catch (err) {
    setStatus('tips-delete-status', errorText(err), true);
  }
}

// ---- wiring -------------------------------------------------------------------------------

if (root) {
  $('tips-unlock').hidden = false;
  $('tips-unlock').addEventListener('submit', unlock);
  $('tips-lock').addEventListener('click', lock);
  $('tips-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    listState.status = $('tips-filter-status').value;
    listState.assignee = $('tips-filter-assignee').value;
    listState.label = $('tips-filter-label').value.trim();
    listState.page = 1;
    loadList();
  });
  $('tips-newer').addEventListener('click', () => {
    listState.page = Math.max(1, listState.page - 1);
    loadList();
  });
  $('tips-older').addEventListener('click', () => {
    listState.page += 1;
    loadList();
  });
  window.addEventListener('hashchange', openFromHash);
}
