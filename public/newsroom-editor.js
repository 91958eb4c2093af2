/*
 * Story editor enhancements: live preview, autosave, slug from headline, word count, and
 * local time zones for the embargo and schedule fields. The form works without any of this;
 * each feature only improves on what the server already does.
 */
(function () {
  'use strict';

  var form = document.getElementById('story-form');
  if (!form) return;

  var csrfInput = form.querySelector('input[name="_csrf"]');
  var csrf = csrfInput ? csrfInput.value : '';
  var previewUrl = form.getAttribute('data-preview-url');
  var autosaveUrl = form.getAttribute('data-autosave-url');
  var field = function (name) {
    return form.elements.namedItem(name);
  };
  var headline = field('headline');
  var slug = field('slug');
  var body = field('body');
  var previewEl = document.getElementById('preview-body');
  var previewHint = document.querySelector('[data-preview-hint]');
  var wordCountEl = document.getElementById('word-count');
  var statusEl = document.getElementById('autosave-status');
  var slugPreview = document.querySelector('[data-slug-preview]');
  var editable = !form.querySelector('fieldset[disabled]');

  // ---- shared with the server (src/util/slug.ts, src/stories/markdown.ts) ------------------

  function slugify(text, max) {
    max = max || 80;
    var base = text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/['\u2019]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    if (base.length <= max) return base;
    var cut = base.slice(0, max);
    var last = cut.lastIndexOf('-');
    return (last > max / 2 ? cut.slice(0, last) : cut).replace(/-+$/g, '');
  }

  function countWords(markdown) {
    var text = markdown.replace(/[#>*_`\[\]()!-]/g, ' ').trim();
    return text === '' ? 0 : text.split(/\s+/).length;
  }

  // ---- time zones ----------------------------------------------------------------------------
  // The server renders datetime-local values in UTC (with the instant in data-utc) and reads
  // them as UTC when JavaScript is off. Here they are shown in the browser's zone, and on
  // submit the instant is sent as ISO 8601 in a hidden field the server prefers.

  var zone = '';
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    zone = '';
  }
  document.querySelectorAll('[data-tz-hint]').forEach(function (el) {
    el.textContent = 'Times are in your time zone' + (zone ? ' (' + zone + ')' : '') + '.';
  });

  function pad(n) {
    return String(n).padStart(2, '0');
  }
  function toLocalInput(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  // form.elements includes controls outside the <form> tag that join it with form="story-form".
  var timeInputs = Array.prototype.slice.call(form.elements).filter(function (el) {
    return el.type === 'datetime-local' && el.hasAttribute('data-iso-field');
  });
  timeInputs.forEach(function (input) {
    var utc = input.getAttribute('data-utc');
    if (!utc) return;
    var d = new Date(utc);
    if (!isNaN(d.getTime())) input.value = toLocalInput(d);
  });

  function isoOf(input) {
    if (!input.value) return '';
    // A date-time without a zone is local time in ECMAScript.
    var d = new Date(input.value);
    return isNaN(d.getTime()) ? '' : d.toISOString();
  }

  function fillIsoFields() {
    timeInputs.forEach(function (input) {
      var hidden = field(input.getAttribute('data-iso-field'));
      if (hidden) hidden.value = isoOf(input);
    });
  }

  // ---- word count and slug -------------------------------------------------------------------

  function updateWordCount() {
    if (wordCountEl && body) wordCountEl.textContent = String(countWords(body.value));
  }

  function updateSlugPreview() {
    if (slugPreview && slug) slugPreview.textContent = slug.value || '…';
  }

  if (headline && slug && !slug.readOnly) {
    headline.addEventListener('input', function () {
      if (slug.getAttribute('data-auto') === 'true') {
        slug.value = slugify(headline.value);
        updateSlugPreview();
      }
    });
    slug.addEventListener('input', function () {
      // Typing a slug by hand stops it following the headline; clearing it resumes.
      slug.setAttribute('data-auto', slug.value === '' ? 'true' : 'false');
      updateSlugPreview();
    });
  }

  // ---- live preview --------------------------------------------------------------------------

  var previewTimer = null;
  var previewSeq = 0;

  function postJson(url, data) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(data),
    }).then(function (res) {
      return res
        .json()
        .catch(function () {
          return {};
        })
        .then(function (json) {
          if (!res.ok) {
            var err = new Error(errorText(json, res.status));
            err.status = res.status;
            throw err;
          }
          return json;
        });
    });
  }

  function errorText(json, status) {
    var e = json && json.error;
    if (!e) return 'the server answered ' + status;
    if (e.details) {
      var first = Object.keys(e.details)[0];
      if (first) return first + ' ' + e.details[first].join('; ');
    }
    return e.message || 'the server answered ' + status;
  }

  function refreshPreview() {
    if (!previewEl || !previewUrl || !body) return;
    var seq = ++previewSeq;
    postJson(previewUrl, { body: body.value })
      .then(function (json) {
        if (seq !== previewSeq) return; // a newer request is on its way
        // The server renders and sanitises the Markdown (the same code readers get).
        previewEl.innerHTML = json.html || '';
        if (previewHint) previewHint.textContent = 'Updates as you type.';
      })
      .catch(function (err) {
        if (seq !== previewSeq) return;
        if (previewHint) previewHint.textContent = 'Preview unavailable: ' + err.message;
      });
  }

  if (body && editable) {
    body.addEventListener('input', function () {
      updateWordCount();
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 300);
    });
    if (previewHint) previewHint.textContent = 'Updates as you type.';
  }

  // ---- autosave ------------------------------------------------------------------------------

  var AUTOSAVE_FIELDS = ['headline', 'summary', 'body', 'dateline', 'desk', 'authors', 'tags', 'syndication', 'embargoAt'];
  var AUTOSAVE_DELAY_MS = 5000;
  var dirty = false;
  var saving = false;
  var submitting = false;
  var saveTimer = null;

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.classList.toggle('is-error', !!isError);
  }

  function collect() {
    fillIsoFields();
    var checked = function (name) {
      return Array.prototype.slice.call(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (i) {
        return i.value;
      });
    };
    var syndication = checked('syndication')[0];
    var embargo = field('embargoAtIso');
    var data = {
      headline: headline.value,
      summary: field('summary').value,
      body: body.value,
      dateline: field('dateline').value,
      desk: field('desk').value,
      authors: checked('authors'),
      tags: field('tags')
        .value.split(',')
        .map(function (t) {
          return t.trim();
        })
        .filter(function (t) {
          return t !== '';
        }),
    };
    // Reporters see a published story's embargo read-only: no field, so nothing to send.
    if (embargo) data.embargoUntil = embargo.value ? embargo.value : null;
    if (syndication) data.syndication = syndication;
    return data;
  }

  function save() {
    saveTimer = null;
    if (!dirty || saving || submitting) return;
    saving = true;
    dirty = false;
    setStatus('Saving…');
    postJson(autosaveUrl, collect())
      .then(function (json) {
        var at = json.savedAt ? new Date(json.savedAt) : new Date();
        setStatus('Saved at ' + at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
      })
      .catch(function (err) {
        dirty = true;
        if (err.status === 401 || err.status === 403) {
          setStatus('Not saved: your session ended or the page expired. Copy your text, reload and log in again.', true);
        } else {
          setStatus('Not saved: ' + err.message + '. Fix it, or use Save.', true);
        }
      })
      .then(function () {
        saving = false;
        if (dirty && !saveTimer && !submitting) saveTimer = setTimeout(save, AUTOSAVE_DELAY_MS);
      });
  }

  function changed(event) {
    var name = event.target && event.target.name;
    if (AUTOSAVE_FIELDS.indexOf(name) === -1) return;
    dirty = true;
    if (autosaveUrl && !saveTimer) saveTimer = setTimeout(save, AUTOSAVE_DELAY_MS);
  }

  if (editable) {
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    if (autosaveUrl) setStatus('Autosave is on.');
    else setStatus('Autosave starts once the draft is created.');
  }

  form.addEventListener('submit', function () {
    submitting = true;
    clearTimeout(saveTimer);
    fillIsoFields();
  });

  // Coming back through the browser's history restores this page as it was: editing resumes.
  window.addEventListener('pageshow', function () {
    submitting = false;
  });

  window.addEventListener('beforeunload', function (event) {
    if (submitting || (!dirty && !saving)) return;
    event.preventDefault();
    event.returnValue = '';
  });

  updateWordCount();
  updateSlugPreview();
})();
